-- title: q5 hopping-window count (bids per auction, 10 s windows every 2 s)
-- expect: consumed
-- input: bid
-- Nexmark q5-like: the bid count of every auction in 10-second windows that
-- start every 2 seconds (each bid counts in 5 windows). Nexmark's q5 goes on
-- to pick the hottest auction per window; the count is the stateful part.
-- Repartitioned by auction through the query's internal topic.
CREATE TABLE q5 WITH (KAFKA_TOPIC='@OUT@') AS
  SELECT auction, COUNT(*) AS num
  FROM bid
  WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 2 SECONDS)
  GROUP BY auction
  EMIT CHANGES;
