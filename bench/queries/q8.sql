-- title: q8 stream-stream join (new persons with their auctions, within 10 s)
-- expect: consumed pa-auctions
-- input: pa-person+pa-auction
-- Nexmark q8-like: persons joined with the auctions they opened within 10
-- seconds of event time. It reads the persons-and-auctions data set
-- (tools/bench --join-records, 5 M by default: the Nexmark timeline without
-- its bids), since 5 M bids come with only 435,000 persons and auctions.
-- The person topic is keyed by the person id (decimal text, read as a JSON
-- BIGINT key), so that side joins on its key as it is; the auctions are
-- repartitioned by seller through the query's internal topic. The generator
-- picks an auction's seller among the 1,000 newest persons (5 s of event
-- time), so every auction finds its seller: one output per auction.
CREATE STREAM person (pid BIGINT KEY, name VARCHAR, emailAddress VARCHAR,
                      creditCard VARCHAR, city VARCHAR, state VARCHAR,
                      dateTime BIGINT, extra VARCHAR)
  WITH (KAFKA_TOPIC='@PREFIX@-pa-person', KEY_FORMAT='JSON', VALUE_FORMAT='JSON');
CREATE STREAM auction (aid BIGINT KEY, itemName VARCHAR, description VARCHAR,
                       initialBid BIGINT, reserve BIGINT, dateTime BIGINT,
                       expires BIGINT, seller BIGINT, category INT, extra VARCHAR)
  WITH (KAFKA_TOPIC='@PREFIX@-pa-auction', KEY_FORMAT='JSON', VALUE_FORMAT='JSON');
CREATE STREAM q8 WITH (KAFKA_TOPIC='@OUT@') AS
  SELECT p.pid AS id, p.name, a.aid AS auction, a.reserve
  FROM person p
  JOIN auction a WITHIN 10 SECONDS ON p.pid = a.seller
  EMIT CHANGES;
