-- title: q0 pass-through projection
-- expect: bids
-- Nexmark q0: every bid column, unchanged; measures decode + encode alone.
CREATE STREAM q0 WITH (KAFKA_TOPIC='@OUT@') AS
  SELECT auction, bidder, price, channel, url, dateTime, extra
  FROM bid
  EMIT CHANGES;
