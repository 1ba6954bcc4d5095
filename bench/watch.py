#!/usr/bin/env python3
"""
watch.py - times one benchmark run from the outside, the same way for the
passthrough baseline and for sluice: it notes the clock, starts the command,
and polls the output topic's high watermarks until they add up to the
expected record count. On a single broker the high watermark moves when the
broker has committed a batch, just before the producer's acknowledgement, so
"the last output record is acknowledged" is observed without touching the
process under test. Then it stops the command (SIGTERM, as `sluice run`
expects) and checks the topic did not get more records than expected, which
would mean duplicates.

    watch.py --bootstrap HOST:PORT --topic T --expect N [--timeout S]
             [--stall S] [--settle S] [--perf FILE] [--log FILE] -- COMMAND ARGS...

With --expect 0 the count is not known in advance (a windowed aggregation
that emits updates, say): the run is over once the topic has not grown for
--settle seconds, and it is timed until the last growth.

With --group-prefix G --inputs T1,T2 (and --expect 0) the run is over once
the command's consumer group (the one whose name starts with G; sluice names
it _confluent-ksql-<service id>query_<query id>) has committed offsets at
the end of every partition of the input topics T1, T2... and of every
internal repartition topic of that service (topics whose names start with
--internal-prefix, by default G up to "query_", and end in -repartition). sluice commits an input offset only once
every output of the records before it is acknowledged (at-least-once), so
this says "all input processed and all output written" whatever the output
size, without waiting for a quiet period. Offsets are checked in an order
that makes it safe while the repartition topics still grow: the committed
offsets of the input topics are read before the repartition topics' high
watermarks, and the repartition topics' committed offsets after them. The
run is timed until the output topic's last growth before that point (the
last output record acknowledged, the same moment the baseline is timed at);
"consumed_seconds" is when the complete commit was seen (the commit
interval, 100 ms by default, later at most).

It prints one JSON object: records seen, seconds until the expected count was
reached (null when it never was), seconds until the first output record,
records per second, extra records, the CPU seconds the command used (all
its threads, user and system), the CPU seconds of each --observe process
during the run, how many cores the whole machine kept busy, and the
command's exit status. With
--perf it attaches `perf record -g` to the command once the first output
record appears (or after --perf-after seconds, 3 by default, past the
start-up) and stops it when the expected count is reached or after
--perf-seconds (30), which ends such a run: it is for the profile only, not
timed.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

from confluent_kafka import ConsumerGroupTopicPartitions, Consumer, KafkaException, \
    TopicPartition
from confluent_kafka.admin import AdminClient

POLL_S = 0.02


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--topic", required=True)
    p.add_argument("--expect", type=int, required=True)
    p.add_argument("--timeout", type=float, default=1800.0,
                   help="give up after this many seconds in all")
    p.add_argument("--stall", type=float, default=60.0,
                   help="give up when the topic has not grown for this long")
    p.add_argument("--settle", type=float, default=5.0,
                   help="with --expect 0: the run is over after this long without growth")
    p.add_argument("--perf", help="write a perf profile of the command here")
    p.add_argument("--log", help="the command's stdout and stderr go here")
    p.add_argument("--group-prefix",
                   help="with --inputs: the command's consumer group starts with this")
    p.add_argument("--inputs", default="",
                   help="comma-separated input topics the group must consume to the end")
    p.add_argument("--internal-prefix",
                   help="repartition topics starting with this must be consumed too "
                        "(default: the --group-prefix up to 'query_')")
    p.add_argument("--check-count", type=int,
                   help="with --inputs: the output must then hold exactly this many records")
    p.add_argument("--perf-seconds", type=float, default=30.0,
                   help="profile at most this long (DWARF stacks make big files)")
    p.add_argument("--perf-after", type=float, default=3.0,
                   help="start profiling after this long even before the first output "
                        "(a join that holds its output back works all the same)")
    p.add_argument("--consumed-every", type=float, default=0.2,
                   help="seconds between checks of the group's committed offsets")
    p.add_argument("--observe", type=int, action="append", default=[], metavar="PID",
                   help="also report the CPU seconds this process (the broker) used")
    p.add_argument("command", nargs=argparse.REMAINDER)
    a = p.parse_args()
    if a.command and a.command[0] == "--":
        a.command = a.command[1:]
    if not a.command:
        p.error("no command given")
    if bool(a.group_prefix) != bool(a.inputs):
        p.error("--group-prefix and --inputs go together")
    if a.group_prefix and a.internal_prefix is None:
        a.internal_prefix = a.group_prefix.split("query_")[0]
    return a


TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid):
    """CPU seconds (user + system, all threads) a live process has used."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, IndexError, ValueError):
        return None


def machine_busy():
    """CPU seconds the whole machine has spent busy (all cores)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)  # idle + iowait
    return (sum(v[:8]) - idle) / TICK


def exited(proc):
    """True once the command has ended, without reaping it (its resource
    usage is collected when it is reaped)."""
    try:
        return os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


class Watermarks:
    """Sum of a topic's high watermarks; 0 while the topic does not exist."""

    def __init__(self, bootstrap, topic):
        self.topic = topic
        self.c = Consumer({"bootstrap.servers": bootstrap, "group.id": "sluice-bench-watch",
                           "enable.auto.commit": False})
        self.parts = []

    def total(self):
        if not self.parts:
            md = self.c.list_topics(self.topic, timeout=5).topics.get(self.topic)
            if md is None or md.error is not None or not md.partitions:
                return 0
            self.parts = [TopicPartition(self.topic, p) for p in sorted(md.partitions)]
        n = 0
        for tp in self.parts:
            try:
                _, high = self.c.get_watermark_offsets(tp, timeout=5, cached=False)
            except KafkaException:
                return None
            n += max(high, 0)
        return n

    def close(self):
        self.c.close()


class Consumed:
    """Whether a consumer group has committed offsets at the end of its input
    topics and of its service's internal repartition topics (see the module
    comment for why the order of the reads makes this safe)."""

    def __init__(self, bootstrap, group_prefix, inputs, internal_prefix):
        self.admin = AdminClient({"bootstrap.servers": bootstrap})
        self.c = Consumer({"bootstrap.servers": bootstrap, "group.id": "sluice-bench-consumed",
                           "enable.auto.commit": False})
        self.group_prefix, self.inputs, self.internal_prefix = group_prefix, inputs, internal_prefix
        self.group = None
        self.last = None  # a short description of the last check, for the log

    def _find_group(self):
        if self.group is None:
            res = self.admin.list_consumer_groups(request_timeout=5).result()
            names = sorted(g.group_id for g in res.valid if g.group_id.startswith(self.group_prefix))
            if names:
                self.group = names[0]
        return self.group

    def _parts(self, topics):
        md = self.c.list_topics(timeout=5).topics
        out = []
        for t in topics:
            if t not in md or md[t].error is not None:
                return None
            out += [TopicPartition(t, p) for p in sorted(md[t].partitions)]
        return out

    def _committed(self):
        req = ConsumerGroupTopicPartitions(self.group)
        res = self.admin.list_consumer_group_offsets([req], request_timeout=5)[self.group].result()
        return {(tp.topic, tp.partition): tp.offset for tp in res.topic_partitions
                if tp.error is None}

    def _high(self, parts):
        return {(tp.topic, tp.partition): self.c.get_watermark_offsets(tp, timeout=5, cached=False)[1]
                for tp in parts}

    def done(self):
        try:
            if not self._find_group():
                self.last = "no group yet"
                return False
            internal = sorted(t for t in self.c.list_topics(timeout=5).topics
                              if t.startswith(self.internal_prefix) and t.endswith("-repartition"))
            inparts, repparts = self._parts(self.inputs), self._parts(internal)
            if inparts is None or repparts is None:
                self.last = "topics not there yet"
                return False
            first = self._committed()
            high = self._high(inparts + repparts)
            second = self._committed() if repparts else first
            behind = {k: high[k] - first.get(k, -1001) for k in high if k[0] in self.inputs}
            behind.update({k: high[k] - second.get(k, -1001) for k in high
                           if k[0] not in self.inputs})
            self.last = {f"{t}[{p}]": lag for (t, p), lag in behind.items()}
            return all(lag <= 0 for lag in behind.values())
        except KafkaException as e:
            self.last = f"error: {e}"
            return False

    def close(self):
        self.c.close()


def stop(proc, sig=signal.SIGTERM, wait=60):
    """Stops the command (unless it has ended) and reaps it. Returns its exit
    status and the CPU seconds (user + system) it used, threads included."""
    if proc.returncode is None:
        try:
            # Not proc.send_signal: it polls first, which would reap the
            # child and lose its resource usage.
            os.kill(proc.pid, sig)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + wait
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            os.kill(proc.pid, signal.SIGKILL)
            deadline = float("inf")
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, ru.ru_utime + ru.ru_stime


def main():
    a = parse_args()
    wm = Watermarks(a.bootstrap, a.topic)
    consumed = (Consumed(a.bootstrap, a.group_prefix, a.inputs.split(","), a.internal_prefix)
                if a.group_prefix else None)
    t_checked, t_consumed = 0.0, None
    profile_only = False
    base = wm.total() or 0  # a reused topic may already hold records
    log = open(a.log, "wb") if a.log else subprocess.DEVNULL
    observed0 = [proc_cpu(pid) for pid in a.observe]
    busy0 = machine_busy()
    t0 = time.monotonic()
    proc = subprocess.Popen(a.command, stdout=log, stderr=subprocess.STDOUT)
    perf = None
    seen, t_first, first_count, t_done, last_growth, why = 0, None, 0, None, t0, None
    while True:
        time.sleep(POLL_S)
        now = time.monotonic()
        n = wm.total()
        if n is not None:
            n -= base
            if n > seen:
                seen, last_growth = n, now
        if seen > 0 and t_first is None:
            t_first, first_count = now, seen
        if a.perf and perf is None and (t_first is not None or now - t0 > a.perf_after):
            # DWARF unwinding: the build keeps no frame pointers.
            t_perf = now
            perf = subprocess.Popen(["perf", "record", "-F", "499", "--call-graph",
                                     "dwarf,16384", "-q", "-o", a.perf,
                                     "-p", str(proc.pid)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if perf is not None and now - t_perf > a.perf_seconds:
            # A profiling run is not timed: it ends with the profile.
            t_done, profile_only = now, True
            break
        if a.expect > 0 and seen >= a.expect:
            t_done = now
            break
        if consumed is not None and now - t_checked >= a.consumed_every:
            t_checked = now
            if consumed.done():
                t_consumed = time.monotonic()
                # The last output record is acknowledged before the commit
                # that covers its input: time the run until the last growth.
                n = wm.total()
                if n is not None and n - base > seen:
                    seen, last_growth = n - base, t_consumed
                t_done = last_growth if seen > 0 else t_consumed
                break
        if consumed is None and a.expect <= 0 and seen > 0 and now - last_growth > a.settle:
            t_done = last_growth
            break
        if exited(proc):
            # The command ended; give the broker a moment, then look once more.
            time.sleep(0.5)
            n = wm.total()
            if a.expect > 0 and n is not None and n - base >= a.expect:
                seen, t_done = n - base, time.monotonic()
            else:
                why = "the command exited early"
            break
        if now - last_growth > a.stall:
            why = f"no new output for {a.stall:.0f}s"
            break
        if now - t0 > a.timeout:
            why = f"timed out after {a.timeout:.0f}s"
            break
    t_end = time.monotonic()
    busy = machine_busy() - busy0
    observed = [proc_cpu(pid) for pid in a.observe]
    if perf is not None and perf.poll() is None:
        perf.send_signal(signal.SIGINT)
        perf.wait()
    # Anything beyond the expected count after a short settle is a duplicate
    # or a wrong result; the benchmark reports it rather than hiding it.
    time.sleep(1.0)
    final = wm.total()
    rc, cpu = stop(proc)
    if log is not subprocess.DEVNULL:
        log.close()
    final = (final - base) if final is not None else seen
    expect = a.expect if a.expect > 0 else seen
    if a.check_count is not None and not why and not profile_only and final != a.check_count:
        why = f"{final} output records, expected {a.check_count}"
    wm.close()
    if consumed is not None:
        if why:
            why += f" (group {consumed.group}: {consumed.last})"
        consumed.close()
    secs = (t_done - t0) if t_done else None
    out = {
        "records": final,
        "expected": expect,
        "extra": 0 if profile_only else max(final - expect, 0),
        "seconds": round(secs, 3) if secs else None,
        "first_output_seconds": round(t_first - t0, 3) if t_first else None,
        "records_per_second": round(expect / secs) if secs else None,
        "consumed_seconds": round(t_consumed - t0, 3) if t_consumed else None,
        "steady_records_per_second":
            round((expect - first_count) / (t_done - t_first))
            if t_done and t_first and t_done > t_first
            else None,
        "cpu_seconds": round(cpu, 3),
        "observed_cpu_seconds": [round(b - a0, 3) if a0 is not None and b is not None else None
                                 for a0, b in zip(observed0, observed)],
        # Busy cores, machine-wide, while the run was timed: everything else
        # on a shared machine shows up here.
        "machine_busy_cores": round(busy / (t_end - t0), 2),
        "exit": rc,
        "profile_only": profile_only,
        "error": why,
    }
    print(json.dumps(out))
    return 0 if t_done and (profile_only or not out["extra"]) else 1


if __name__ == "__main__":
    sys.exit(main())
