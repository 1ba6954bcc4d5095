"""
test_kafka_idle_close.py - windows close when traffic stops. A tumbling
COUNT ... EMIT FINAL with sluice.stream.time.idle.ms set must write its
window's one final result although no later record ever arrives: the Kafka
driver punctuates every task every commit interval and the engine lets
stream time run on with the wall clock once the partition has been idle that
long. The same query without the property keeps ksqlDB's behaviour: nothing
comes out until a later record moves stream time. Both run in one sluice, on
a topic with 2 partitions (records in both), under exactly_once_v2 and
at-least-once.
"""

import json
import struct
import time

import pytest
from confluent_kafka import Consumer, TopicPartition

PARTITIONS = 2
WINDOW_MS = 2000


def idle_sql(in_topic, idle_topic, plain_topic):
    return f"""
SET 'auto.offset.reset' = 'earliest';

CREATE STREAM clicks (user VARCHAR KEY, page VARCHAR)
  WITH (KAFKA_TOPIC='{in_topic}', VALUE_FORMAT='JSON');

SET 'sluice.stream.time.idle.ms' = '1000';
CREATE TABLE clicks_idle WITH (KAFKA_TOPIC='{idle_topic}', PARTITIONS={PARTITIONS}) AS
  SELECT user, COUNT(*) AS cnt
  FROM clicks WINDOW TUMBLING (SIZE 2 SECONDS, GRACE PERIOD 0 SECONDS)
  GROUP BY user
  EMIT FINAL;

UNSET 'sluice.stream.time.idle.ms';
CREATE TABLE clicks_plain WITH (KAFKA_TOPIC='{plain_topic}', PARTITIONS={PARTITIONS}) AS
  SELECT user, COUNT(*) AS cnt
  FROM clicks WINDOW TUMBLING (SIZE 2 SECONDS, GRACE PERIOD 0 SECONDS)
  GROUP BY user
  EMIT FINAL;
"""


def read_committed(bootstrap, topic, timeout):
    """Records of the topic as (user, window start, value) within timeout;
    returns as soon as the topic has some and a further second brings no more."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "sluice-e2e-reader",
                  "enable.auto.commit": False, "isolation.level": "read_committed"})
    out, deadline, quiet_since = [], time.time() + timeout, None
    try:
        c.assign([TopicPartition(topic, p, 0) for p in range(PARTITIONS)])
        while time.time() < deadline:
            m = c.poll(0.2)
            if m is None:
                if out and quiet_since and time.time() - quiet_since > 1.0:
                    break
                continue
            if m.error():
                continue
            k = m.key()
            out.append((k[:-8].decode(), struct.unpack(">q", k[-8:])[0], json.loads(m.value())))
            quiet_since = time.time()
        return out
    finally:
        c.close()


@pytest.mark.parametrize("guarantee", ["exactly_once_v2", "at_least_once"])
def test_emit_final_closes_idle_window(guarantee, bootstrap, admin, new_topic, unique_name,
                                       produce, sluice_run):
    in_topic = new_topic("clicks", partitions=PARTITIONS)
    idle_topic, plain_topic = unique_name("idle"), unique_name("plain")
    svc = unique_name("svc") + "_"
    p = sluice_run(idle_sql(in_topic, idle_topic, plain_topic),
                   "--property", f"processing.guarantee={guarantee}",
                   "--property", f"ksql.service.id={svc}")
    try:
        p.wait_for_log(r"2 persistent queries running", timeout=60)
        # One window's worth of clicks, a few users spread over both
        # partitions, timestamped now; then silence.
        start = (int(time.time() * 1000) // WINDOW_MS) * WINDOW_MS
        clicks = []
        for i in range(30):
            user = f"u{i % 5}"
            clicks.append({"key": user, "value": {"PAGE": f"p{i}"}, "timestamp": start + i * 10,
                           "partition": i % 5 % PARTITIONS})
        produce(in_topic, clicks)
        sent = time.time()
        got = read_committed(bootstrap, idle_topic, timeout=30)
        waited = time.time() - sent
        want = sorted((f"u{u}", start, {"CNT": 6}) for u in range(5))
        assert sorted(got, key=lambda r: r[0]) == want, (got, p.log()[-3000:])
        print(f"{guarantee}: final results {waited:.1f}s after the last record")
        # Without the property nothing moves stream time: no final result.
        assert read_committed(bootstrap, plain_topic, timeout=3) == []
        assert p.stop() == 0, p.log()[-3000:]
    finally:
        admin.delete_topics([idle_topic, plain_topic])
        internal = [t for t in admin.list_topics(timeout=10).topics
                    if t.startswith(f"_confluent-ksql-{svc}")]
        if internal:
            admin.delete_topics(internal)
