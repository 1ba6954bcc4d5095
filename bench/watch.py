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

It prints one JSON object: records seen, seconds until the expected count was
reached (null when it never was), seconds until the first output record,
records per second, extra records, the CPU seconds the command used (all
its threads, user and system), the CPU seconds of each --observe process
during the run, how many cores the whole machine kept busy, and the
command's exit status. With
--perf it attaches `perf record -g` to the command once the first output
record appears and stops it when the expected count is reached, so the
profile covers the steady state only.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

from confluent_kafka import Consumer, KafkaException, TopicPartition

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
    p.add_argument("--observe", type=int, action="append", default=[], metavar="PID",
                   help="also report the CPU seconds this process (the broker) used")
    p.add_argument("command", nargs=argparse.REMAINDER)
    a = p.parse_args()
    if a.command and a.command[0] == "--":
        a.command = a.command[1:]
    if not a.command:
        p.error("no command given")
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
            if a.perf:
                # DWARF unwinding: the build keeps no frame pointers.
                perf = subprocess.Popen(["perf", "record", "-F", "499", "--call-graph",
                                         "dwarf,16384", "-q", "-o", a.perf,
                                         "-p", str(proc.pid)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if a.expect > 0 and seen >= a.expect:
            t_done = now
            break
        if a.expect <= 0 and seen > 0 and now - last_growth > a.settle:
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
    if perf is not None:
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
    wm.close()
    secs = (t_done - t0) if t_done else None
    out = {
        "records": final,
        "expected": expect,
        "extra": max(final - expect, 0),
        "seconds": round(secs, 3) if secs else None,
        "first_output_seconds": round(t_first - t0, 3) if t_first else None,
        "records_per_second": round(expect / secs) if secs else None,
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
        "error": why,
    }
    print(json.dumps(out))
    return 0 if t_done and not out["extra"] else 1


if __name__ == "__main__":
    sys.exit(main())
