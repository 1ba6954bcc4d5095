-- title: q2 selection
-- expect: q2_matches
-- Nexmark q2: the bids of a sparse set of auctions. Nexmark writes
-- MOD(auction, 123) = 0; ksqlDB has no MOD function, the % operator is its
-- spelling. bench/datagen counts the matching bids (q2_matches).
CREATE STREAM q2 WITH (KAFKA_TOPIC='@OUT@') AS
  SELECT auction, price
  FROM bid
  WHERE auction % 123 = 0
  EMIT CHANGES;
