#!/usr/bin/env python3
"""
perfsplit.py - turns a `perf record --call-graph dwarf` profile of sluice
into a short table of where the CPU went, by stage of the record path
(JSON decode, expression evaluation, JSON encode, the produce call, delivery
reports, the consume loop, librdkafka's own threads). A flat symbol list
scatters one stage over dozens of libc and librdkafka symbols (malloc, memcpy,
mutexes); classifying each sample by the sluice function on its stack puts
them back together.

    perfsplit.py PERF.DATA

Each sample goes to the first stage in STAGES whose function appears
anywhere on its call stack, so a malloc under the JSON decoder counts as
decoding. Samples of librdkafka's threads (rdk:*) go to their own line;
samples with no recognisable frame are "other".
"""

import collections
import subprocess
import sys

# (stage, functions that mark it), most specific first.
STAGES = [
    ("JSON decode (serde json_decode)", ("json_decode",)),
    ("JSON encode (serde json_encode)", ("json_encode",)),
    ("produce call (rd_kafka_produceva and below)", ("rd_kafka_produceva", "rd_kafka_producev")),
    ("expression evaluation (eval)", ("eval", "sl_expr_eval")),
    ("operators and task (sl_exec_*, sl_task_*) outside the above",
     ("sl_exec_source_record", "sl_task_process")),
    ("delivery reports (rd_kafka_poll, on_delivery)", ("on_delivery", "rd_kafka_poll")),
    ("consume loop (kq_drain, process_message) outside the above",
     ("process_message", "kq_drain", "rd_kafka_consumer_poll", "rd_kafka_queue_poll")),
]


def samples(path):
    """Yields (thread name, [function names, leaf first]) per sample."""
    out = subprocess.run(["perf", "script", "-i", path, "-F", "comm,tid,ip,sym"],
                         capture_output=True, text=True, check=True).stdout
    comm, frames = None, []
    for line in out.split("\n"):
        if not line.strip():
            if comm is not None:
                yield comm, frames
            comm, frames = None, []
        elif not line[0].isspace():
            comm = line.split()[0]
        else:
            parts = line.split(None, 1)
            if len(parts) == 2:
                frames.append(parts[1].split(" (")[0].split("+")[0])
    if comm is not None:
        yield comm, frames


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: perfsplit.py PERF.DATA")
    counts = collections.Counter()
    total = 0
    for comm, frames in samples(sys.argv[1]):
        total += 1
        if comm.startswith("rdk:"):
            counts["librdkafka threads (" + comm.split(":")[0] + ":*: fetch, send, decompress)"] += 1
            continue
        names = set(frames)
        for stage, marks in STAGES:
            if names.intersection(marks):
                counts[stage] += 1
                break
        else:
            counts["other (unresolved stacks, libuv, start-up)"] += 1
    if not total:
        sys.exit("no samples")
    print("| stage | share of the process's CPU samples |")
    print("|---|---:|")
    for stage, n in counts.most_common():
        print(f"| {stage} | {100.0 * n / total:.1f}% |")
    print(f"\n{total} samples.")


if __name__ == "__main__":
    main()
