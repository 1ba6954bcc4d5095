"""
test_kafka_time_order.py - a task that reads several partitions processes
their records in timestamp order (as Kafka Streams does), also when both
topics have a backlog. Two single-partition topics A and B each get 2,000
(and 30,000) records before the query exists, with interleaved timestamps (A at 0, 10,
20 ... ms, B 5 ms after A with the same id). A FULL OUTER JOIN WITHIN 1
SECOND GRACE PERIOD 0 SECONDS read from the earliest offsets must then pair
every id: processing all of A before any of B (what the consumer delivers
when it fetches both backlogs at once) would move stream time 20 s ahead,
make B's records too late for their windows and emit A-only rows.
"""

import time

import pytest


def sql(a_topic, b_topic, out_topic):
    return f"""
SET 'auto.offset.reset' = 'earliest';

CREATE STREAM A (ID STRING KEY, V STRING) WITH (KAFKA_TOPIC='{a_topic}', VALUE_FORMAT='JSON');
CREATE STREAM B (ID STRING KEY, V STRING) WITH (KAFKA_TOPIC='{b_topic}', VALUE_FORMAT='JSON');

CREATE STREAM J WITH (KAFKA_TOPIC='{out_topic}', VALUE_FORMAT='JSON') AS
  SELECT ROWKEY AS ID, A.V AS AV, B.V AS BV
  FROM A FULL OUTER JOIN B WITHIN 1 SECOND GRACE PERIOD 0 SECONDS ON A.ID = B.ID
  EMIT CHANGES;
"""


# 30,000: more than a partition may buffer (10,000), so the driver pauses and
# resumes fetching it; nothing may be lost or read twice.
@pytest.mark.parametrize("N", [2000, 30000])
def test_join_of_two_backlogs_in_timestamp_order(N, new_topic, unique_name, produce, consume,
                                                 sluice_run):
    a_topic = new_topic("a")
    b_topic = new_topic("b")
    out_topic = unique_name("j")
    base = int(time.time() * 1000) - 600_000
    produce(a_topic, [{"key": f"id{i}", "value": {"V": f"a{i}"}, "timestamp": base + 10 * i}
                      for i in range(N)])
    produce(b_topic, [{"key": f"id{i}", "value": {"V": f"b{i}"}, "timestamp": base + 10 * i + 5}
                      for i in range(N)])

    # A service id of its own: another run's changelog of the same query id
    # would be restored into this one.
    proc = sluice_run(sql(a_topic, b_topic, out_topic),
                      "--property", f"ksql.service.id={unique_name('svc')}_")
    proc.wait_for_log(r"persistent queries running", timeout=60)
    got = consume(out_topic, n=N, timeout=90)
    time.sleep(3)  # anything extra (unmatched rows) would show now
    got = consume(out_topic, n=None, timeout=60)

    pairs, unmatched = {}, []
    for r in got:
        v = r.value_json()
        key = r.key_str()
        if v is None or v.get("AV") is None or v.get("BV") is None:
            unmatched.append((key, v))
        else:
            pairs[key] = (v["AV"], v["BV"])
    assert not unmatched, (f"{len(unmatched)} unmatched rows of {len(got)} outputs, "
                           f"e.g. {unmatched[:5]}")
    assert len(got) == N, f"{len(got)} outputs for {N} ids"
    assert pairs == {f"id{i}": (f"a{i}", f"b{i}") for i in range(N)}
