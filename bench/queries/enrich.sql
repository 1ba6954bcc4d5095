-- title: stream-table join (bids enriched with their auction)
-- expect: consumed bids
-- input: bid+auction
-- Every bid joined with the auction it bids on: a TABLE over P-auction keyed
-- by the auction id (decimal text, read as a JSON BIGINT key) and the bid
-- stream repartitioned by its auction column through the query's internal
-- topic, as ksqlDB does for a stream-table join on a non-key column. The
-- table side is looked up at the bid's time; a bid picks one of the 1,000
-- newest auctions, so with the table read in step every bid finds its
-- auction.
CREATE TABLE auction_t (id BIGINT PRIMARY KEY, itemName VARCHAR, description VARCHAR,
                        initialBid BIGINT, reserve BIGINT, dateTime BIGINT,
                        expires BIGINT, seller BIGINT, category INT, extra VARCHAR)
  WITH (KAFKA_TOPIC='@PREFIX@-auction', KEY_FORMAT='JSON', VALUE_FORMAT='JSON');
CREATE STREAM enrich WITH (KAFKA_TOPIC='@OUT@') AS
  SELECT b.auction, b.bidder, b.price, b.dateTime, a.itemName, a.seller, a.category
  FROM bid b
  JOIN auction_t a ON b.auction = a.id
  EMIT CHANGES;
