"""
test_legacy_vs_new.py - the legacy-vs-new validation example
(sql-examples/legacy-vs-new) on a real broker: generate.py writes the legacy
and the new result streams in real time with known differences, validate.sql
runs unchanged under `sluice run` (only its DEFINEd topic names are
rewritten), and the test checks

- the comparisons stream row for row and the discrepancy stream exactly, as
  sets keyed by business id, against what the generator says must come out;
- the summary table: one final row per 10-second window with the exact counts;
- that the ids missing on one side at the very end of the traffic are
  reported within the idle timeout once traffic stops (ksqlDB reports them
  only when a later record arrives, i.e. never if none does: its issue 9084);
- and, for contrast, that without sluice.stream.time.idle.ms sluice behaves
  as ksqlDB: the unmatched id waits until traffic resumes.
"""

import importlib.util
import json
import re
import struct
import threading
import time

from confluent_kafka import Consumer, TopicPartition

from conftest import REPO, wait_for_topic

EXAMPLE = REPO / "sql-examples" / "legacy-vs-new"
IDLE_S = 3.0     # sluice.stream.time.idle.ms in validate.sql
MARGIN_S = 2.0   # punctuation every 100 ms, one more query hop, consumer fetches


def load_generator():
    spec = importlib.util.spec_from_file_location("lvn_generate", EXAMPLE / "generate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def example_sql(legacy_topic, new_topic, out, idle=True):
    """validate.sql with the test's topic names (and without the idle timeout
    when idle is False)."""
    sql = (EXAMPLE / "validate.sql").read_text()
    for name, value in (("legacy_topic", legacy_topic), ("new_topic", new_topic), ("out", out)):
        sql, n = re.subn(rf"^DEFINE {name} = '[^']*';$", f"DEFINE {name} = '{value}';", sql,
                         flags=re.M)
        assert n == 1, f"validate.sql has no DEFINE {name} line"
    if not idle:
        sql, n = re.subn(r"^SET 'sluice.stream.time.idle.ms'.*$", "", sql, flags=re.M)
        assert n == 1
    return sql


def wait_until_assigned(admin, proc, timeout=60.0):
    """Waits until every persistent query of the process has its partitions
    assigned, so records produced from now on are consumed as they arrive
    (not in one catch-up batch per topic)."""
    service = re.search(r"ksql\.service\.id=(\S+)", " ".join(proc.argv)).group(1)
    ids = re.findall(r"Created query with ID (\S+)", proc.log())
    assert ids, proc.log()[-4000:]
    groups = [f"_confluent-ksql-{service}query_{q}" for q in ids]
    deadline = time.time() + timeout
    while True:
        ready = 0
        for g, fut in admin.describe_consumer_groups(groups).items():
            try:
                d = fut.result(timeout=10)
            except Exception:
                continue
            if d.members and all(m.assignment.topic_partitions for m in d.members):
                ready += 1
        if ready == len(groups):
            return
        assert proc.alive(), proc.log()[-4000:]
        assert time.time() < deadline, f"queries not assigned within {timeout}s: {groups}"
        time.sleep(0.2)


class Watcher:
    """One consumer on several topics from their beginning; remembers every
    record with the wall-clock time it was seen."""

    def __init__(self, bootstrap, admin, topics):
        self.c = Consumer({"bootstrap.servers": bootstrap, "group.id": "sluice-e2e-lvn",
                           "enable.auto.commit": False, "fetch.wait.max.ms": 50})
        tps = []
        for t in topics:
            tps += [TopicPartition(t, p, 0) for p in range(wait_for_topic(admin, t))]
        self.c.assign(tps)
        self.seen = {t: [] for t in topics}  # topic -> [(wall time, key bytes, value dict, ts)]

    def poll(self, seconds):
        end = time.time() + seconds
        while time.time() < end:
            m = self.c.poll(0.02)
            if m is None:
                continue
            assert not m.error(), m.error()
            value = json.loads(m.value()) if m.value() is not None else None
            self.seen[m.topic()].append((time.time(), m.key(), value, m.timestamp()[1]))

    def close(self):
        self.c.close()


def rows_by_id(records):
    """id -> rows sorted by KIND, the key put back as ID."""
    out = {}
    for _, key, value, _ in records:
        out.setdefault(key.decode(), []).append({"ID": key.decode(), **value})
    return {k: sorted(v, key=lambda r: r["KIND"]) for k, v in out.items()}


def check_comparisons(plan, comparisons):
    """The comparisons stream, row for row by business id, against the plan;
    returns the number of rows."""
    want = {}
    for row, _ in plan.expected_comparisons():
        want.setdefault(row["ID"], []).append(row)
    want = {k: sorted(v, key=lambda r: r["KIND"]) for k, v in want.items()}
    got = rows_by_id(comparisons)
    diff = {k: (got.get(k), want.get(k)) for k in set(got) | set(want) if got.get(k) != want.get(k)}
    assert not diff, f"{len(diff)} ids compared wrongly (got, want): {dict(list(diff.items())[:5])}"
    return sum(len(v) for v in want.values())


def window_start(key):
    """A windowed KAFKA-format key is the key's bytes then the window start as
    a big-endian 64-bit integer."""
    return struct.unpack(">q", key[-8:])[0]


def test_discrepancies_summary_and_idle_reporting(bootstrap, admin, new_topic, unique_name,
                                                  sluice_run):
    gen = load_generator()
    plan = gen.make_plan(seed=7)
    legacy_topic = new_topic("legacy", partitions=2)
    new_topic_ = new_topic("new", partitions=2)
    out = unique_name("lvn")
    proc = sluice_run(example_sql(legacy_topic, new_topic_, out),
                      "--property", f"ksql.service.id={unique_name('svc')}_")
    proc.wait_for_log(r"3 persistent queries running", timeout=60)
    wait_until_assigned(admin, proc)

    topics = [f"{out}_comparisons", f"{out}_discrepancies", f"{out}_summary"]
    watch = Watcher(bootstrap, admin, topics)
    try:
        done = {}

        def run():
            try:
                done["last_ack"] = gen.produce(plan, bootstrap, legacy_topic, new_topic_)
            except Exception as e:  # reported by the main thread
                done["error"] = e

        producer = threading.Thread(target=run, daemon=True)
        producer.start()
        while producer.is_alive():
            watch.poll(0.2)
        assert "error" not in done, done.get("error")
        last_ack = done["last_ack"]

        # After the traffic: the tail's discrepancies (idle timeout), then the
        # final summary rows, which need the summary's own windows to close.
        want_summary = plan.expected_summary()
        deadline = time.time() + 45
        while len(watch.seen[topics[2]]) < len(want_summary) and time.time() < deadline:
            assert proc.alive(), proc.log()[-4000:]
            watch.poll(0.2)
        watch.poll(1.0)  # anything extra (duplicates) would show up by now
    finally:
        watch.close()

    comparisons, discrepancies, summary = (watch.seen[t] for t in topics)
    check_comparisons(plan, comparisons)

    want_disc = plan.expected_discrepancies()
    got_disc = rows_by_id(discrepancies)
    assert got_disc == want_disc
    kinds = sorted(r["KIND"] for rows in got_disc.values() for r in rows)
    assert set(kinds) == {"MISMATCH", "MISSING_IN_NEW", "MISSING_IN_LEGACY"}

    got_summary = {}
    for _, key, value, _ in summary:
        assert key.startswith(b"legacy-vs-new"), key
        w = window_start(key)
        assert w not in got_summary, f"EMIT FINAL wrote window {w} twice"
        got_summary[w] = value
    assert got_summary == want_summary

    # The tail: the last legacy-only and new-only ids, after which nothing
    # more is produced. Only the idle timeout can close their windows.
    for ident in plan.tail_ids():
        seen = [wall for wall, key, _, _ in discrepancies if key.decode() == ident]
        assert len(seen) == 1, ident
        delay = seen[0] - last_ack
        print(f"{ident} reported {delay:.2f}s after the last record")
        assert delay < IDLE_S + MARGIN_S, f"{ident} reported {delay:.2f}s after traffic stopped"
        # Not before its window (2 s + 1 s grace after its own time) closed.
        assert delay > 1.0, f"{ident} reported {delay:.2f}s after traffic stopped: too early"
    assert "Skipping record" not in proc.log(), proc.log()[-4000:]


def test_without_idle_timeout_unmatched_ids_wait_for_traffic(bootstrap, admin, new_topic,
                                                            unique_name, sluice_run, produce):
    """ksqlDB's (and Kafka Streams') behaviour, kept when the property is not
    set: stream time moves only with records, so an id missing in the new
    stream is reported only once a later record closes its window."""
    legacy_topic = new_topic("legacy")
    new_topic_ = new_topic("new")
    out = unique_name("lvn")
    proc = sluice_run(example_sql(legacy_topic, new_topic_, out, idle=False),
                      "--property", f"ksql.service.id={unique_name('svc')}_")
    proc.wait_for_log(r"3 persistent queries running", timeout=60)
    wait_until_assigned(admin, proc)
    disc = f"{out}_discrepancies"
    watch = Watcher(bootstrap, admin, [disc])
    try:
        t = int(time.time() * 1000)
        value = {"ID": "A-1", "AMOUNT": 10.0, "STATUS": "BOOKED"}
        produce(legacy_topic, [{"key": "A-1", "value": value, "timestamp": t}])
        pair = {"ID": "A-2", "AMOUNT": 20.0, "STATUS": "BOOKED"}
        produce(legacy_topic, [{"key": "A-2", "value": pair, "timestamp": t + 100}])
        produce(new_topic_, [{"key": "A-2", "value": pair, "timestamp": t + 200}])
        # Twice the window + grace, and twice what the idle timeout would take.
        watch.poll(2 * IDLE_S)
        assert watch.seen[disc] == [], "reported without traffic and without the idle timeout"
        # Traffic resumes: a record 10 s later closes A-1's window at once.
        produce(new_topic_, [{"key": "A-3", "value": {"ID": "A-3", "AMOUNT": 1.0, "STATUS": "X"},
                              "timestamp": t + 10_000}])
        deadline = time.time() + 15
        while not watch.seen[disc] and time.time() < deadline:
            watch.poll(0.2)
    finally:
        watch.close()
    got = rows_by_id(watch.seen[disc])
    assert got == {"A-1": [{"ID": "A-1", "KIND": "MISSING_IN_NEW", "LEGACY_AMOUNT": 10.0,
                            "NEW_AMOUNT": None, "LEGACY_STATUS": "BOOKED", "NEW_STATUS": None,
                            "LEGACY_TS": t, "NEW_TS": None}]}


def test_catch_up_on_a_backlog_gives_the_same_report(bootstrap, admin, new_topic, unique_name,
                                                     sluice_run):
    """The validation started after both systems have written everything
    (a backfill, or sluice restarted after an outage): the query reads both
    topics from the beginning as fast as it can. Each task reads its legacy
    and new partitions in timestamp order, as Kafka Streams does, so the
    comparison is the same as when the records arrived in real time.
    (Reading each partition as fast as it comes instead paired almost
    nothing: the side read first expired its rows before the other side
    caught up.)

    The summary is another matter, in sluice as in ksqlDB: its GROUP BY
    merges the comparison partitions through a repartition topic, which on
    a backlog receives one partition's rows well ahead of the other's, so
    rows older than the window's grace period are dropped (and logged). The
    test checks that every comparison row is either counted in its window
    or reported as skipped: none is lost silently, none counted twice."""
    gen = load_generator()
    plan = gen.make_plan(seed=11)
    legacy_topic = new_topic("legacy", partitions=2)
    new_topic_ = new_topic("new", partitions=2)
    out = unique_name("lvn")
    gen.produce(plan, bootstrap, legacy_topic, new_topic_, speed=1e6)

    proc = sluice_run(example_sql(legacy_topic, new_topic_, out),
                      "--property", f"ksql.service.id={unique_name('svc')}_")
    proc.wait_for_log(r"3 persistent queries running", timeout=60)
    topics = [f"{out}_comparisons", f"{out}_discrepancies", f"{out}_summary"]
    want_summary = plan.expected_summary()
    watch = Watcher(bootstrap, admin, topics)
    try:
        deadline = time.time() + 60
        while len(watch.seen[topics[2]]) < len(want_summary) and time.time() < deadline:
            assert proc.alive(), proc.log()[-4000:]
            watch.poll(0.2)
        watch.poll(1.0)  # anything extra (duplicates) would show up by now
    finally:
        watch.close()

    comparisons, discrepancies, summary = (watch.seen[t] for t in topics)
    n_compared = check_comparisons(plan, comparisons)
    assert rows_by_id(discrepancies) == plan.expected_discrepancies()
    got_summary = {}
    for _, key, value, _ in summary:
        w = window_start(key)
        assert w not in got_summary, f"EMIT FINAL wrote window {w} twice"
        got_summary[w] = value
    assert set(got_summary) <= set(want_summary), (got_summary, want_summary)
    for w, counts in got_summary.items():
        for name, n in counts.items():
            if name != "COMPARISON":
                assert n <= want_summary[w][name], (w, name, counts, want_summary[w])
    counted = sum(c["TOTAL"] for c in got_summary.values())
    skipped = proc.log().count("Skipping record for expired window")
    assert counted + skipped == n_compared, \
        (counted, skipped, got_summary, want_summary)
