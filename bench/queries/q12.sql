-- title: q12 tumbling-window count (bids per bidder, 10 s windows)
-- expect: consumed
-- input: bid
-- Nexmark q12-like: how many bids each bidder made in each 10-second window
-- of event time (the bid's Kafka timestamp, which is its dateTime). GROUP BY
-- a value column of an unkeyed stream: the rows go through the query's
-- repartition topic, as in ksqlDB. EMIT CHANGES writes an update per change,
-- so the output size depends on how updates are batched: the run is over
-- when the query has consumed (committed) all of its input.
CREATE TABLE q12 WITH (KAFKA_TOPIC='@OUT@') AS
  SELECT bidder, COUNT(*) AS bid_count
  FROM bid
  WINDOW TUMBLING (SIZE 10 SECONDS)
  GROUP BY bidder
  EMIT CHANGES;
