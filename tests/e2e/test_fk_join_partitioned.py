"""
test_fk_join_partitioned.py - a foreign-key table-table join on a real broker
whose tables have different partition counts. The right table (C, 3
partitions) is a global topic for the query: the Kafka driver loads it whole
into every task when the query starts, without output, and feeds its later
records to every task. Checked here: rows of C written before the query
exists join, a C row alone produces nothing, an update of C re-joins the OT
rows that reference it, and after a clean restart (same data directory) new
OT rows join with the C rows written before the restart while nothing is
emitted again.
"""

import struct
import time

EARLIEST = ("--property", "auto.offset.reset=earliest")


def ikey(i):
    """An INT key in the KAFKA format: 4 bytes, big-endian."""
    return struct.pack(">i", i)


def sql(c_topic, ot_topic, out_topic):
    return f"""
SET 'auto.offset.reset' = 'earliest';

CREATE TABLE C (ID INT PRIMARY KEY, NAME STRING)
  WITH (KAFKA_TOPIC='{c_topic}', VALUE_FORMAT='JSON');

CREATE TABLE OT (ID INT PRIMARY KEY, CUST INT, AMT INT)
  WITH (KAFKA_TOPIC='{ot_topic}', VALUE_FORMAT='JSON');

CREATE TABLE OC WITH (KAFKA_TOPIC='{out_topic}') AS
  SELECT OT.ID AS ID, C.NAME AS NAME, OT.AMT AS AMT
  FROM OT LEFT JOIN C ON OT.CUST = C.ID;
"""


def rows(records):
    """(ID, NAME, AMT) of each output record, in topic order per partition."""
    out = []
    for r in records:
        assert r.key is not None and len(r.key) == 4, r
        v = r.value_json()
        assert v is not None, f"unexpected tombstone {r}"
        out.append((struct.unpack(">i", r.key)[0], v.get("NAME"), v.get("AMT")))
    return out


def c_row(i, name, partition):
    return {"key": ikey(i), "value": {"NAME": name}, "partition": partition}


def ot_row(i, cust, amt, partition):
    return {"key": ikey(i), "value": {"CUST": cust, "AMT": amt}, "partition": partition}


def settle(consume, topic, want, timeout=60.0):
    """The output once it holds want records, read again after a pause so
    that extra (duplicate) records would show."""
    got = consume(topic, n=want, timeout=timeout)
    assert len(got) >= want, f"{len(got)} of {want} output records: {got}"
    time.sleep(3)
    return rows(consume(topic, n=None, timeout=timeout))


def test_fk_join_over_a_global_right_table(admin, new_topic, unique_name, produce, consume,
                                           sluice_run):
    c_topic = new_topic("c", partitions=3)
    ot_topic = new_topic("ot", partitions=2)
    out_topic = unique_name("oc")
    try:
        # C rows on every partition before the query exists.
        produce(c_topic, [c_row(1, "alice", 0), c_row(2, "bob", 1), c_row(3, "carol", 2),
                          c_row(4, "dave", 0)])
        first = sluice_run(sql(c_topic, ot_topic, out_topic), *EARLIEST)
        first.wait_for_log(r"persistent queries running", timeout=60)
        first.wait_for_log(r"loaded \d+ global records", timeout=60)
        assert "loaded 4 global records" in first.log(), first.log()[-4000:]

        # A C row alone joins nothing: no output before any OT row.
        produce(c_topic, [c_row(5, "eve", 1)])
        time.sleep(3)
        assert consume(out_topic, n=None, timeout=30) == []

        produce(ot_topic, [ot_row(10, 1, 100, 0), ot_row(11, 2, 200, 1), ot_row(12, 3, 300, 0),
                           ot_row(13, 99, 400, 1), ot_row(14, 4, 500, 1), ot_row(16, 5, 600, 0)])
        got = settle(consume, out_topic, 6)
        assert sorted(got) == [(10, "alice", 100), (11, "bob", 200), (12, "carol", 300),
                               (13, None, 400), (14, "dave", 500), (16, "eve", 600)], got

        # Updating a customer re-joins the order that references it, only it.
        produce(c_topic, [c_row(2, "bobby", 1)])
        got = settle(consume, out_topic, 7)
        assert len(got) == 7, got
        assert (11, "bobby", 200) in got, got

        assert first.stop() == 0, first.log()[-4000:]

        # Same data directory: the catalog brings the query back; C is loaded
        # again (5 rows, one of them updated) without any output.
        second = sluice_run(sql(c_topic, ot_topic, out_topic), *EARLIEST, "--data-dir",
                            first.data_dir)
        second.wait_for_log(r"persistent queries running", timeout=60)
        second.wait_for_log(r"loaded \d+ global records", timeout=60)
        time.sleep(3)
        assert len(consume(out_topic, n=None, timeout=30)) == 7, "output emitted at restart"

        produce(ot_topic, [ot_row(15, 2, 700, 1), ot_row(17, 3, 800, 0)])
        got = settle(consume, out_topic, 9)
        assert len(got) == 9, got
        assert sorted(got[i] for i in range(len(got)) if got[i][0] in (15, 17)) == \
            [(15, "bobby", 700), (17, "carol", 800)], got
        assert second.stop() == 0, second.log()[-4000:]
    finally:
        admin.delete_topics([out_topic])


def test_fk_join_global_table_exactly_once(admin, new_topic, unique_name, produce, consume,
                                           sluice_run):
    c_topic = new_topic("c", partitions=3)
    ot_topic = new_topic("ot", partitions=2)
    out_topic = unique_name("oc")
    try:
        produce(c_topic, [c_row(1, "alice", 0), c_row(2, "bob", 2)])
        p = sluice_run(sql(c_topic, ot_topic, out_topic), *EARLIEST, "--property",
                       "processing.guarantee=exactly_once_v2", "--property",
                       "commit.interval.ms=200")
        p.wait_for_log(r"persistent queries running", timeout=60)
        produce(ot_topic, [ot_row(10, 1, 100, 0), ot_row(11, 2, 200, 1)])
        got = settle(consume, out_topic, 2)
        assert sorted(got) == [(10, "alice", 100), (11, "bob", 200)], got
        produce(c_topic, [c_row(1, "alicia", 1)])
        got = settle(consume, out_topic, 3)
        assert len(got) == 3 and (10, "alicia", 100) in got, got
        assert p.stop() == 0, p.log()[-4000:]
    finally:
        admin.delete_topics([out_topic])
