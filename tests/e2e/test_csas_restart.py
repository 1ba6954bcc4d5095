"""
test_csas_restart.py - `sluice run` on a real broker: a CREATE STREAM AS
SELECT keeps its at-least-once promise across a SIGKILL and a restart with
the same data directory (every expected output record is there with exactly
the expected value; duplicates are allowed), and a malformed JSON record goes
to the processing log while the query carries on.
"""

import json
import pathlib
import time

from confluent_kafka import Consumer, TopicPartition

TOTAL = 100_000
# The session SET in the file is what ksqlDB users write; the server property
# makes sure queries restored from the catalog read from the start as well.
EARLIEST = ("--property", "auto.offset.reset=earliest")


def order(i):
    """Input record i: key and JSON value."""
    return f"o{i}", {"ITEM": f"item-{i % 97}", "QTY": i % 7, "PRICE": (i % 10) + 0.5}


def expected(i):
    """The CSAS output for input i, or None when the WHERE drops it."""
    _, v = order(i)
    if v["QTY"] <= 2:
        return None
    return {
        "ITEM": v["ITEM"],
        "DOUBLE_QTY": v["QTY"] * 2,
        "TOTAL": v["QTY"] * v["PRICE"],
        "DIST": abs(v["QTY"] - 5),
    }


def csas_sql(in_topic, out_topic):
    return f"""
-- Orders in, large orders out.
SET 'auto.offset.reset' = 'earliest';

CREATE STREAM orders (id VARCHAR KEY, item VARCHAR, qty INT, price DOUBLE)
  WITH (KAFKA_TOPIC='{in_topic}', VALUE_FORMAT='JSON');

CREATE STREAM big_orders WITH (KAFKA_TOPIC='{out_topic}', PARTITIONS=3) AS
  SELECT id, item, qty * 2 AS double_qty, qty * price AS total, ABS(qty - 5) AS dist
  FROM orders
  WHERE qty > 2
  EMIT CHANGES;
"""


class Watermarks:
    """Sums a topic's high watermarks (0 while it does not exist), with one
    consumer kept open so the test can poll it quickly."""

    def __init__(self, bootstrap, topic, partitions):
        self.topic, self.partitions = topic, partitions
        self.c = Consumer({"bootstrap.servers": bootstrap, "group.id": "sluice-e2e-watermarks"})

    def total(self):
        total = 0
        for p in range(self.partitions):
            try:
                _, hi = self.c.get_watermark_offsets(TopicPartition(self.topic, p), timeout=5)
            except Exception:
                return 0
            total += hi
        return total

    def close(self):
        self.c.close()


def read_all(bootstrap, topic, partitions):
    """Every record of the topic, as (key, value dict) pairs."""
    c = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "sluice-e2e-reader",
        "enable.auto.commit": False,
        "enable.partition.eof": True,
    })
    try:
        c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
        out, at_eof, deadline = [], set(), time.time() + 120
        while len(at_eof) < partitions and time.time() < deadline:
            msgs = c.consume(10_000, 0.5)
            for m in msgs:
                if m.error():
                    if m.error().code() == -191:  # _PARTITION_EOF
                        at_eof.add(m.partition())
                        continue
                    raise AssertionError(m.error())
                at_eof.discard(m.partition())
                out.append((m.key().decode() if m.key() is not None else None,
                            json.loads(m.value()) if m.value() is not None else None))
        return out
    finally:
        c.close()


def test_csas_survives_sigkill_and_restart(bootstrap, admin, new_topic, unique_name, produce,
                                           sluice_run):
    in_topic = new_topic("orders", partitions=3)
    out_topic = unique_name("big_orders")
    want = {order(i)[0]: expected(i) for i in range(TOTAL) if expected(i) is not None}
    sql = csas_sql(in_topic, out_topic)
    out = Watermarks(bootstrap, out_topic, 3)
    try:
        # 60 % of the input is there before sluice starts, so it works flat
        # out when it is killed: records in flight, offsets not yet committed.
        cut = TOTAL * 6 // 10
        for start in range(0, cut, 10_000):
            produce(in_topic, [order(i) for i in range(start, min(start + 10_000, cut))])
        first = sluice_run(sql, *EARLIEST)
        deadline = time.time() + 120
        while out.total() < len(want) // 2:
            assert first.alive(), first.log()[-4000:]
            assert time.time() < deadline, "sluice did not write half the output in 120 s"
            time.sleep(0.005)
        first.proc.kill()
        first.proc.wait(10)
        half = out.total()
        assert half < len(want), "the kill came too late to test anything"
        # The rest arrives while sluice is down.
        for start in range(cut, TOTAL, 10_000):
            produce(in_topic, [order(i) for i in range(start, min(start + 10_000, TOTAL))])

        # Same data directory: the catalog brings the query back, the file's
        # statements are recognised as done.
        second = _restart(sluice_run, first)
        second.wait_for_log(r"persistent queries running", timeout=60)
        log = second.log()
        assert "resuming 1 persistent queries" in log, log[-4000:]
        assert log.count("skipped: already exists") == 2, log[-4000:]

        deadline = time.time() + 180
        while True:
            n = out.total()
            if n >= len(want):
                got = read_all(bootstrap, out_topic, 3)
                if want.keys() <= {k for k, _ in got}:
                    break
            assert second.alive(), second.log()[-4000:]
            assert time.time() < deadline, f"output incomplete after restart: {n} of {len(want)}"
            time.sleep(0.5)

        seen = set()
        for k, v in got:
            assert k in want, f"record {k} should have been filtered out: {v}"
            assert v == want[k], f"record {k}: got {v}, expected {want[k]}"
            seen.add(k)
        missing = want.keys() - seen
        assert not missing, f"{len(missing)} records missing, e.g. {sorted(missing)[:5]}"
        print(f"{len(got)} output records for {len(want)} expected "
              f"({len(got) - len(want)} duplicates after the kill at {half})")
        assert second.stop() == 0, second.log()[-4000:]
    finally:
        out.close()
        admin.delete_topics([out_topic])


def _restart(sluice_run, first):
    """Starts `sluice run` again on the same script and data directory (the
    later --data-dir wins over the fresh one the fixture passes)."""
    script = pathlib.Path(first.argv[2])
    return sluice_run(script.read_text(), *EARLIEST, "--data-dir", first.data_dir)


def test_malformed_json_goes_to_processing_log(admin, new_topic, unique_name, produce,
                                               consume, sluice_run):
    in_topic = new_topic("orders", partitions=1)
    out_topic = unique_name("big_orders")
    try:
        p = sluice_run(csas_sql(in_topic, out_topic), *EARLIEST)
        p.wait_for_log(r"persistent queries running", timeout=60)
        k0, v0 = order(3)
        k1, v1 = order(4)
        produce(in_topic, [(k0, v0), (b"bad", b"{not json"), (k1, v1)])
        got = consume(out_topic, n=2, timeout=60)
        # The sink has 3 partitions: compare without depending on their order.
        assert sorted((r.key_str(), json.dumps(r.value_json(), sort_keys=True)) for r in got) == \
            sorted((k, json.dumps(expected(i), sort_keys=True)) for k, i in ((k0, 3), (k1, 4)))
        plog = pathlib.Path(p.data_dir) / "processing-log.jsonl"
        deadline = time.time() + 10
        while not (plog.exists() and plog.read_text().strip()) and time.time() < deadline:
            time.sleep(0.1)
        entries = [json.loads(line) for line in plog.read_text().splitlines()]
        assert len(entries) == 1, entries
        e = entries[0]
        assert e["topic"] == in_topic and e["partition"] == 0 and e["offset"] == 1, e
        assert "DESERIALIZATION" in e["kind"], e
        assert "processing log" in p.log()
        assert p.stop() == 0, p.log()[-4000:]
    finally:
        admin.delete_topics([out_topic])
