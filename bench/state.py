#!/usr/bin/env python3
"""
state.py - the state benchmarks of tools/bench --state: memory per key of a
COUNT(*) GROUP BY over many distinct keys, and the rate at which a restarted
sluice restores that state from its changelog topic.

    state.py --bootstrap HOST:PORT --sluice PATH --out DIR
             --big TOPIC:KEYS --small TOPIC:KEYS [--property K=V]...

Both topics must hold the same number of small records (bench/datagen
--kv-topic: record i has the JSON BIGINT key i mod KEYS and the value
{"v": i}). For each topic, one `sluice run` of

    CREATE STREAM kv (k BIGINT KEY, v BIGINT) WITH (KAFKA_TOPIC=..., KEY_FORMAT='JSON', ...);
    CREATE TABLE kv_count AS SELECT k, COUNT(*) AS n FROM kv GROUP BY k EMIT CHANGES;

(grouped by the key, so no repartition topic) runs until its consumer group
has committed offsets at the end of the input (bench/watch.py's Consumed:
every output and changelog record of the input is acknowledged by then);
then, after a second of quiet, the process's VmRSS, RssAnon and VmHWM are
read from /proc/PID/status. Memory per key is

    (VmRSS of the big run - VmRSS of the small run) / (KEYS big - KEYS small)

Both runs read the same number of records of the same size with the same
settings, so the Kafka clients' buffers (the consumer prefetch, the
producer queue), the binary, the libraries and whatever the allocator keeps
cached are the same in both and cancel; what remains is what the distinct
keys cost: the group store, and anything else the process keeps per key.
Both run with --memory-property (default
consumer.queued.max.messages.kbytes=1024) on top of the --property ones: a
deep prefetch (hundreds of MB of queued input, freed once processed) leaves
the allocator with free memory the big run's store can reuse and the small
run's cannot, which made the difference swing from 140 to 200 bytes per key
between runs; with at most 1 MB of queued input it does not.

Then the big run is stopped with SIGTERM and started again on the same data
directory, with the --property settings only; the driver restores the store from the changelog before it reads
input and logs "restored N entries (M MB) from P changelog partitions in T
ms (R entries/s; A applied ...)". That line is the restore rate; the RSS after
the restore is reported too.

Prints one JSON object with everything measured; `state.py --report FILE`
prints that object as the markdown tools/bench puts in its report.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from watch import Consumed  # noqa: E402

RESTORE_RE = re.compile(r"restored (\d+) entries \(([\d.]+) MB\) from (\d+) changelog "
                        r"partitions in (\d+) ms \((\d+) entries/s; (\d+) applied")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--sluice", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--big", required=True, help="TOPIC:KEYS")
    p.add_argument("--small", required=True, help="TOPIC:KEYS")
    p.add_argument("--service", default="bench_state", help="ksql.service.id prefix")
    p.add_argument("--property", action="append", default=[], metavar="K=V")
    p.add_argument("--memory-property", action="append", metavar="K=V",
                   help="added for the two memory runs only "
                        "(default consumer.queued.max.messages.kbytes=1024)")
    p.add_argument("--timeout", type=float, default=600.0)
    a = p.parse_args()
    if a.memory_property is None:
        a.memory_property = ["consumer.queued.max.messages.kbytes=1024"]
    return a


def status(pid):
    """VmRSS, RssAnon, VmHWM of a live process, in bytes."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "RssAnon", "VmHWM"):
                out[k] = int(v.split()[0]) * 1024
    return out


class Run:
    """One `sluice run` of the COUNT query over one topic."""

    def __init__(self, a, name, topic):
        self.a, self.name, self.topic = a, name, topic
        self.dir = os.path.join(a.out, f"state-{name}")
        os.makedirs(self.dir, exist_ok=True)
        self.script = os.path.join(self.dir, "query.sql")
        self.svc = f"{a.service}_{name}_"
        with open(self.script, "w") as f:
            f.write(f"""CREATE STREAM kv (k BIGINT KEY, v BIGINT)
  WITH (KAFKA_TOPIC='{topic}', KEY_FORMAT='JSON', VALUE_FORMAT='JSON');
CREATE TABLE kv_count WITH (KAFKA_TOPIC='{topic}-count') AS
  SELECT k, COUNT(*) AS n FROM kv GROUP BY k EMIT CHANGES;
""")
        self.proc = None
        self.logs = []

    def start(self, tag, extra=()):
        log = os.path.join(self.dir, f"{tag}.log")
        self.logs.append(log)
        argv = [self.a.sluice, "run", self.script, "--bootstrap", self.a.bootstrap,
                "--data-dir", os.path.join(self.dir, "data"),
                "--property", "auto.offset.reset=earliest",
                "--property", f"ksql.service.id={self.svc}"]
        for kv in list(self.a.property) + list(extra):
            argv += ["--property", kv]
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(argv, stdout=open(log, "wb"), stderr=subprocess.STDOUT)
        return log

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        t = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        return rc, time.monotonic() - t

    def log(self):
        with open(self.logs[-1], errors="replace") as f:
            return f.read()


def wait_consumed(run, timeout):
    """Seconds until the query's group has consumed its input to the end."""
    c = Consumed(run.a.bootstrap, f"_confluent-ksql-{run.svc}query_", [run.topic],
                 f"_confluent-ksql-{run.svc}")
    peak = 0
    try:
        while True:
            if not run.alive():
                raise RuntimeError(f"sluice exited early:\n{run.log()[-2000:]}")
            peak = max(peak, status(run.proc.pid)["VmRSS"])
            if c.done():
                return time.monotonic() - run.t0, peak
            if time.monotonic() - run.t0 > timeout:
                raise RuntimeError(f"not consumed after {timeout:.0f}s ({c.last})")
            time.sleep(0.2)
    finally:
        c.close()


def measure(run, timeout):
    run.start("run", run.a.memory_property)
    secs, _ = wait_consumed(run, timeout)
    time.sleep(1.0)  # let the last acknowledgements and commits settle
    mem = status(run.proc.pid)
    return {"consumed_seconds": round(secs, 3), **mem}


def restart(run, timeout):
    """Starts run again on its data directory; returns what its restore line
    says and its memory a second after it."""
    run.start("restart")
    deadline = time.monotonic() + timeout
    m = None
    while m is None:
        if not run.alive():
            raise RuntimeError(f"restarted sluice exited:\n{run.log()[-2000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError("no restore line after restart")
        m = [x for x in RESTORE_RE.finditer(run.log()) if int(x.group(1)) > 0]
        m = m[0] if m else None
        time.sleep(0.05)
    wall = time.monotonic() - run.t0
    time.sleep(1.0)
    after = status(run.proc.pid)
    run.stop()
    entries, mb, parts, ms, rate, applied = m.groups()
    return {"entries": int(entries), "mb": float(mb), "partitions": int(parts),
            "ms": int(ms), "entries_per_second": int(rate), "applied": int(applied),
            "seconds_from_start_to_log_line": round(wall, 3),
            "line": m.group(0), **{f"after_{k}": v for k, v in after.items()}}


def report(path):
    r = json.load(open(path))
    b, s, rs = r["big"], r["small"], r["restore"]

    def mb(x):
        return f"{x / 1e6:,.1f} MB"

    print()
    print(f"State: COUNT(*) GROUP BY key over {r['big_keys']:,} distinct keys, against the same "
          f"query over {r['small_keys']} keys and the same number of records.")
    print()
    print("| run | keys | input consumed after | VmRSS | RssAnon | VmHWM |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, x, k in (("small", s, r["small_keys"]), ("big", b, r["big_keys"])):
        print(f"| {name} | {k:,} | {x['consumed_seconds']:.1f} s | {mb(x['VmRSS'])} | "
              f"{mb(x['RssAnon'])} | {mb(x['VmHWM'])} |")
    print()
    print(f"Memory per key: **{r['bytes_per_key_VmRSS']:.0f} bytes** (difference of VmRSS over "
          f"difference of keys; of RssAnon: {r['bytes_per_key_RssAnon']:.0f}); both runs with "
          f"{', '.join(r.get('memory_properties', []))}.")
    print()
    rss = r["restore_small"]
    print(f"Restore after SIGTERM and restart: {rs['entries']:,} changelog entries "
          f"({rs['mb']} MB, {rs['partitions']} partition(s)) in {rs['ms']:,} ms: "
          f"**{rs['entries_per_second']:,} entries/s** ({rs['applied']:,} applied); the log line "
          f"came {rs['seconds_from_start_to_log_line']:.2f} s after the process started. VmRSS "
          f"after the restore {mb(rs['after_VmRSS'])}, against {mb(rss['after_VmRSS'])} for "
          f"the small run restored ({rss['entries']:,} entries): "
          f"{r['bytes_per_key_after_restore']:.0f} bytes per key.")
    return 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--report":
        return report(sys.argv[2])
    a = parse_args()
    os.makedirs(a.out, exist_ok=True)
    big_topic, big_keys = a.big.rsplit(":", 1)
    small_topic, small_keys = a.small.rsplit(":", 1)
    big_keys, small_keys = int(big_keys), int(small_keys)
    res = {"big_keys": big_keys, "small_keys": small_keys,
           "memory_properties": a.memory_property}

    small = Run(a, "small", small_topic)
    res["small"] = measure(small, a.timeout)
    small.stop()

    big = Run(a, "big", big_topic)
    res["big"] = measure(big, a.timeout)
    rc, stop_secs = big.stop()
    res["big"]["stop_exit"], res["big"]["stop_seconds"] = rc, round(stop_secs, 3)
    for k in ("VmRSS", "RssAnon"):
        res[f"bytes_per_key_{k}"] = round((res["big"][k] - res["small"][k])
                                          / (big_keys - small_keys), 1)

    # Restart on the same data directory: the store comes back from the
    # changelog before any input is read (and there is none left to read).
    # The small run is restarted too: the difference of the two processes'
    # memory after their restores is a second measure of the memory per key,
    # one where no input was ever prefetched.
    res["restore"] = restart(big, a.timeout)
    res["restore_small"] = restart(small, a.timeout)
    res["bytes_per_key_after_restore"] = round(
        (res["restore"]["after_VmRSS"] - res["restore_small"]["after_VmRSS"])
        / (big_keys - small_keys), 1)
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
