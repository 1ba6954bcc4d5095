-- title: q1 currency conversion
-- expect: bids
-- Nexmark q1: bid prices from dollars to euros. 0.908 is a DECIMAL literal,
-- so PRICE comes out as an exact DECIMAL, as in ksqlDB.
CREATE STREAM q1 WITH (KAFKA_TOPIC='@OUT@') AS
  SELECT auction, bidder, 0.908 * price AS price, dateTime, extra
  FROM bid
  EMIT CHANGES;
