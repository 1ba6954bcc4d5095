"""
test_crash_recovery.py - durable state on a real broker: aggregations whose
sluice is killed with SIGKILL and restarted on the same data directory.

- test_group_by_survives_sigkill: CTAS COUNT(*), SUM(x) GROUP BY a value
  column (so through the internal repartition topic) over 4 partitions, one
  kill -9 while it works flat out, the rest of the input produced while it is
  down, then a restart. With exactly_once_v2 the final table (read with
  isolation.level=read_committed, latest value per key) must equal a reference
  computed here; with at-least-once no key may be undercounted.
- test_windowed_crash: the issue's crash test. Windowed COUNT/SUM by key
  (tumbling and hopping) over RECORDS records and 10,000 keys, two SIGKILLs
  at random points while the input is still arriving (produced over about
  thirty seconds), a restart after each. Same checks per window. RECORDS is
  200,000 by default so CI stays quick; SLUICE_CRASH_FULL=1 runs 1,000,000
  (or SLUICE_CRASH_RECORDS=N any size). SLUICE_CRASH_SEED fixes the kill
  points.

Both need the engine's changelog writes and restore: without them a restart
starts every aggregate from zero and the checks fail loudly.
"""

import json
import os
import pathlib
import random
import re
import struct
import threading
import time

import pytest
from confluent_kafka import Consumer, TopicPartition

PARTITIONS = 4
EARLIEST = ("--property", "auto.offset.reset=earliest")
GUARANTEES = ["exactly_once_v2", "at_least_once"]


# ---------------------------------------------------------------- helpers


def query_groups(proc):
    """{query id: consumer group} from the `query X started (group G, ...)` lines."""
    return dict(re.findall(r"query (\S+) started \(group ([^,]+),", proc.log()))


def wait_groups(proc, n, timeout=60):
    deadline = time.time() + timeout
    while True:
        g = query_groups(proc)
        if len(g) >= n:
            return g
        assert proc.alive(), proc.log()[-4000:]
        assert time.time() < deadline, f"{n} queries did not start:\n{proc.log()[-4000:]}"
        time.sleep(0.2)


class Offsets:
    """Committed offsets of consumer groups and ends of topics, through one
    consumer kept open (committed() does not join the group)."""

    def __init__(self, bootstrap):
        self.bootstrap = bootstrap
        self.c = Consumer({"bootstrap.servers": bootstrap, "group.id": "sluice-e2e-offsets"})
        self.readers = {}

    def ends(self, topic, partitions=PARTITIONS):
        return [self.c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
                for p in range(partitions)]

    def committed(self, group, topic, partitions=PARTITIONS):
        r = self.readers.get(group)
        if r is None:
            r = self.readers[group] = Consumer({"bootstrap.servers": self.bootstrap,
                                                "group.id": group,
                                                "enable.auto.commit": False})
        got = r.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=10)
        return [max(tp.offset, 0) for tp in got]

    def close(self):
        for r in self.readers.values():
            r.close()
        self.c.close()


def read_records(bootstrap, topic, partitions=PARTITIONS, timeout=300):
    """Every committed record of the topic, partition by partition in offset
    order: (partition, offset, key bytes, value bytes)."""
    c = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "sluice-e2e-reader",
        "enable.auto.commit": False,
        "enable.partition.eof": True,
        "isolation.level": "read_committed",
    })
    try:
        c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
        out, at_eof, deadline = [], set(), time.time() + timeout
        while len(at_eof) < partitions:
            assert time.time() < deadline, f"reading {topic} took over {timeout}s"
            for m in c.consume(20_000, 0.5):
                if m.error():
                    if m.error().code() == -191:  # _PARTITION_EOF
                        at_eof.add(m.partition())
                        continue
                    raise AssertionError(m.error())
                at_eof.discard(m.partition())
                out.append((m.partition(), m.offset(), m.key(), m.value()))
        return out
    finally:
        c.close()


def data_ends(bootstrap, topic, partitions=PARTITIONS):
    """Per partition: offset after the last committed data record (a
    transactional topic ends with commit markers, so this is below the end)."""
    ends = [0] * partitions
    for p, off, _, _ in read_records(bootstrap, topic, partitions):
        ends[p] = max(ends[p], off + 1)
    return ends


def read_table(bootstrap, topic, windowed=False):
    """The final table: latest value per key (a null value deletes it). Keys
    are KAFKA-format strings; windowed keys carry an 8-byte big-endian window
    start after them, as ksqlDB writes them."""
    table = {}
    for _, _, k, v in read_records(bootstrap, topic):
        if windowed:
            key = (k[:-8].decode(), struct.unpack(">q", k[-8:])[0])
        else:
            key = k.decode()
        if v is None:
            table.pop(key, None)
        else:
            table[key] = json.loads(v)
    return table


def produce_paced(bootstrap, topic, n, make, per_second=25_000):
    """Writes make(0..n-1) at about per_second records a second."""
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    chunk, t0 = 500, time.time()
    for start in range(0, n, chunk):
        for i in range(start, min(start + chunk, n)):
            k, v, ts = make(i)
            while True:
                try:
                    p.produce(topic, key=k, value=v, timestamp=ts)
                    break
                except BufferError:
                    p.poll(0.05)
        p.poll(0)
        ahead = t0 + (start + chunk) / per_second - time.time()
        if ahead > 0:
            time.sleep(ahead)
    assert p.flush(120) == 0, "input not acknowledged"


def wait_caught_up(proc, offsets, bootstrap, groups_topics, timeout):
    """Waits until every (group, topic) has committed everything in the topic
    (up to its last committed data record). Topics are checked against their
    current ends, so list a query's inputs before its internal topics."""
    deadline = time.time() + timeout
    for group, topic in groups_topics:
        internal = "-repartition" in topic
        while True:
            assert proc.alive(), proc.log()[-4000:]
            want = data_ends(bootstrap, topic) if internal else offsets.ends(topic)
            got = offsets.committed(group, topic)
            if all(g >= w for g, w in zip(got, want)):
                break
            assert time.time() < deadline, (
                f"{group} did not catch up on {topic}: committed {got}, end {want}\n"
                f"{proc.log()[-3000:]}")
            time.sleep(0.5)


def service(unique_name):
    """A fresh ksql.service.id, so that consumer groups and internal topics
    (named after it and the query id) never meet an earlier run's."""
    return unique_name("svc") + "_"


def drop_internal(admin, svc):
    """Deletes the internal topics of every query of service svc."""
    prefix = f"_confluent-ksql-{svc}"
    names = [t for t in admin.list_topics(timeout=10).topics if t.startswith(prefix)]
    if names:
        for f in admin.delete_topics(names).values():
            try:
                f.result(30)
            except Exception:
                pass


def restart(sluice_run, first, *extra):
    """`sluice run` again on the same script and data directory (the later
    --data-dir wins over the fresh one the fixture passes)."""
    script = pathlib.Path(first.argv[2])
    return sluice_run(script.read_text(), *extra, "--data-dir", first.data_dir)


def restore_lines(proc):
    return re.findall(r"restored (\d+) entries .* in (\d+) ms \((\d+) entries/s; (\d+) applied", proc.log())


def compare(got, want, guarantee, what):
    """Exactly-once: equal. At-least-once: every key there, none undercounted."""
    missing = want.keys() - got.keys()
    assert not missing, f"{what}: {len(missing)} keys missing, e.g. {sorted(missing)[:5]}"
    if guarantee == "exactly_once_v2":
        extra = got.keys() - want.keys()
        assert not extra, f"{what}: {len(extra)} unexpected keys, e.g. {sorted(extra)[:5]}"
        bad = [k for k in want if got[k] != want[k]]
        assert not bad, (f"{what}: {len(bad)} of {len(want)} keys differ, e.g. "
                         + ", ".join(f"{k}: got {got[k]} want {want[k]}" for k in bad[:5]))
    else:
        under = [k for k in want if got[k]["CNT"] < want[k]["CNT"]]
        assert not under, (f"{what}: {len(under)} keys undercounted, e.g. "
                           + ", ".join(f"{k}: got {got[k]} want {want[k]}" for k in under[:5]))
    over = sum(1 for k in want if got[k]["CNT"] > want[k]["CNT"])
    return over


# ---------------------------------------------------------------- GROUP BY


AGG_TOTAL = 100_000
AGG_KEYS = 1000


def agg_record(i):
    k = f"k{(i * 7919) % AGG_KEYS}"
    x = i % 13
    return f"r{i}".encode(), json.dumps({"K": k, "X": x}).encode(), 1_700_000_000_000 + i


def agg_sql(in_topic, out_topic, guarantee):
    return f"""
SET 'auto.offset.reset' = 'earliest';
SET 'processing.guarantee' = '{guarantee}';

CREATE STREAM readings (id VARCHAR KEY, k VARCHAR, x INT)
  WITH (KAFKA_TOPIC='{in_topic}', VALUE_FORMAT='JSON');

CREATE TABLE totals WITH (KAFKA_TOPIC='{out_topic}', PARTITIONS={PARTITIONS}) AS
  SELECT k, COUNT(*) AS cnt, SUM(x) AS total
  FROM readings
  GROUP BY k
  EMIT CHANGES;
"""


@pytest.mark.parametrize("guarantee", GUARANTEES)
def test_group_by_survives_sigkill(guarantee, bootstrap, admin, new_topic, unique_name,
                                   sluice_run):
    in_topic = new_topic("readings", partitions=PARTITIONS)
    out_topic = unique_name("totals")
    want = {}
    for i in range(AGG_TOTAL):
        v = json.loads(agg_record(i)[1])
        w = want.setdefault(v["K"], {"CNT": 0, "TOTAL": 0})
        w["CNT"] += 1
        w["TOTAL"] += v["X"]
    svc = service(unique_name)
    props = (*EARLIEST, "--property", f"processing.guarantee={guarantee}",
             "--property", f"ksql.service.id={svc}")
    offsets = Offsets(bootstrap)
    try:
        # The input arrives at a steady pace while sluice runs, so the kill
        # lands among records in flight, and goes on arriving while it is
        # down.
        feeder = threading.Thread(target=produce_paced, args=(bootstrap, in_topic, AGG_TOTAL,
                                                              agg_record, 10_000))
        first = sluice_run(agg_sql(in_topic, out_topic, guarantee), *props)
        (qid, group), = wait_groups(first, 1).items()
        repart = f"{group}-Aggregate-GroupBy-repartition"
        feeder.start()
        # Kill once a good part of the input has been aggregated: progress
        # is what the query committed on its repartition topic.
        deadline = time.time() + 120
        while sum(offsets.committed(group, repart)) < AGG_TOTAL * 3 // 10:
            assert first.alive(), first.log()[-4000:]
            assert time.time() < deadline, f"no progress in 120 s:\n{first.log()[-4000:]}"
            time.sleep(0.01)
        # The kill must land while input is still arriving. (Committed
        # offsets are no measure of that: one exactly-once transaction can
        # commit most of the input at once.)
        feeding = feeder.is_alive()
        first.proc.kill()
        first.proc.wait(10)
        at_kill = sum(offsets.committed(group, repart))
        feeder.join()
        assert feeding and at_kill < AGG_TOTAL, "the kill came too late to test anything"

        second = restart(sluice_run, first, *props)
        second.wait_for_log(r"persistent queries running", timeout=60)
        t0 = time.time()
        wait_caught_up(second, offsets, bootstrap, [(group, in_topic), (group, repart)], 300)
        caught_up = time.time() - t0
        got = read_table(bootstrap, out_topic)
        over = compare(got, want, guarantee, "totals")
        restored = restore_lines(second)
        print(f"{guarantee}: killed at {at_kill}/{AGG_TOTAL} committed inputs; caught up "
              f"{caught_up:.1f}s after restart; {over} keys overcounted; restores {restored}")
        assert restored, "the restart restored nothing from the changelog"
        assert second.stop() == 0, second.log()[-4000:]
    finally:
        offsets.close()
        admin.delete_topics([out_topic])
        drop_internal(admin, svc)


# ---------------------------------------------------------------- windows


CRASH_KEYS = 10_000
BASE_TS = 1_700_000_000_000
SPAN_MS = 120_000  # event time covered by the input: 12 tumbling windows


def crash_records():
    if os.environ.get("SLUICE_CRASH_RECORDS"):
        return int(os.environ["SLUICE_CRASH_RECORDS"])
    return 1_000_000 if os.environ.get("SLUICE_CRASH_FULL") == "1" else 200_000


def win_record(i, n):
    k = f"key{(i * 104729) % CRASH_KEYS:05d}"
    x = (i * 31) % 100
    ts = BASE_TS + i * SPAN_MS // n
    return k.encode(), f'{{"X":{x}}}'.encode(), ts


def win_reference(n):
    tumbling, hopping = {}, {}
    for i in range(n):
        k, v, ts = win_record(i, n)
        k, x = k.decode(), (i * 31) % 100
        start = ts - ts % 10_000
        w = tumbling.setdefault((k, start), {"CNT": 0, "TOTAL": 0})
        w["CNT"] += 1
        w["TOTAL"] += x
        # HOPPING (SIZE 30 s, ADVANCE BY 10 s): the windows whose start is a
        # multiple of 10 s in (ts - 30 s, ts].
        for s in (start - 20_000, start - 10_000, start):
            w = hopping.setdefault((k, s), {"CNT": 0, "TOTAL": 0})
            w["CNT"] += 1
            w["TOTAL"] += x
    return tumbling, hopping


def win_sql(in_topic, tumbling_topic, hopping_topic, guarantee):
    return f"""
SET 'auto.offset.reset' = 'earliest';
SET 'processing.guarantee' = '{guarantee}';

CREATE STREAM events (k VARCHAR KEY, x INT)
  WITH (KAFKA_TOPIC='{in_topic}', VALUE_FORMAT='JSON');

CREATE TABLE counts_tumbling WITH (KAFKA_TOPIC='{tumbling_topic}', PARTITIONS={PARTITIONS}) AS
  SELECT k, COUNT(*) AS cnt, SUM(x) AS total
  FROM events WINDOW TUMBLING (SIZE 10 SECONDS)
  GROUP BY k
  EMIT CHANGES;

CREATE TABLE counts_hopping WITH (KAFKA_TOPIC='{hopping_topic}', PARTITIONS={PARTITIONS}) AS
  SELECT k, COUNT(*) AS cnt, SUM(x) AS total
  FROM events WINDOW HOPPING (SIZE 30 SECONDS, ADVANCE BY 10 SECONDS)
  GROUP BY k
  EMIT CHANGES;
"""


@pytest.mark.parametrize("guarantee", GUARANTEES)
def test_windowed_crash(guarantee, bootstrap, admin, new_topic, unique_name, sluice_run):
    n = crash_records()
    seed = int(os.environ.get("SLUICE_CRASH_SEED", random.randrange(1 << 30)))
    rnd = random.Random(seed)
    kills = sorted([rnd.uniform(0.1, 0.4), rnd.uniform(0.5, 0.8)])
    in_topic = new_topic("events", partitions=PARTITIONS)
    t_topic, h_topic = unique_name("tumbling"), unique_name("hopping")
    svc = service(unique_name)
    props = (*EARLIEST, "--property", f"processing.guarantee={guarantee}",
             "--property", f"ksql.service.id={svc}")
    offsets = Offsets(bootstrap)
    timings = {}
    try:
        t0 = time.time()
        want_t, want_h = win_reference(n)
        timings["reference"] = time.time() - t0

        # The input arrives over about thirty seconds while sluice runs, so
        # both kills land among records in flight (sluice would otherwise
        # finish a backlog of this size between two progress checks), the
        # second one after a restart that waits for the killed consumer's
        # session to time out (10 s).
        feeder = threading.Thread(target=produce_paced,
                                  args=(bootstrap, in_topic, n, lambda i: win_record(i, n),
                                        max(5_000, n // 30)))
        procs = [sluice_run(win_sql(in_topic, t_topic, h_topic, guarantee), *props)]
        groups = list(wait_groups(procs[0], 2).values())
        t_start = time.time()
        feeder.start()
        at_kill = []
        for frac in kills:
            # Progress = inputs committed by the slower of the two queries.
            deadline = time.time() + 600
            while True:
                done = min(sum(offsets.committed(g, in_topic)) for g in groups)
                if done >= frac * n:
                    break
                assert procs[-1].alive(), procs[-1].log()[-4000:]
                assert time.time() < deadline, f"stuck at {done}/{n}:\n{procs[-1].log()[-4000:]}"
                time.sleep(0.02)
            feeding = feeder.is_alive()
            procs[-1].proc.kill()
            procs[-1].proc.wait(10)
            at_kill.append(done)
            assert feeding and done < n, f"kill {len(at_kill)} came too late: {done}/{n}"
            procs.append(restart(sluice_run, procs[0], *props))
            procs[-1].wait_for_log(r"persistent queries running", timeout=120)
        feeder.join()
        last = procs[-1]
        wait_caught_up(last, offsets, bootstrap, [(g, in_topic) for g in groups], 1800)
        timings["processing (with 2 kills)"] = time.time() - t_start

        t0 = time.time()
        got_t = read_table(bootstrap, t_topic, windowed=True)
        got_h = read_table(bootstrap, h_topic, windowed=True)
        timings["read back"] = time.time() - t0
        over_t = compare(got_t, want_t, guarantee, "tumbling")
        over_h = compare(got_h, want_h, guarantee, "hopping")
        restores = [restore_lines(p) for p in procs[1:]]
        print(f"{guarantee}: {n} records, seed {seed}, killed at {at_kill} committed inputs; "
              f"{len(want_t)} tumbling and {len(want_h)} hopping windows; overcounted "
              f"{over_t} tumbling, {over_h} hopping; restores {restores}; "
              + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))
        assert all(restores), "a restart restored nothing from the changelogs"
        assert last.stop() == 0, last.log()[-4000:]
    finally:
        offsets.close()
        admin.delete_topics([t_topic, h_topic])
        drop_internal(admin, svc)
