-- quickstart.sql - the pipeline tools/quickstart runs with `sluice run`: page
-- views arrive as JSON on the topic `pageviews` (keyed by user id); a
-- persistent query keeps the views longer than ten seconds, adds computed
-- columns and writes them as JSON to the topic `long_views`, which the engine
-- creates.

-- Read the input topic from its start, so records produced before the query
-- started are not skipped (ksqlDB's default is 'latest').
SET 'auto.offset.reset' = 'earliest';

CREATE STREAM pageviews (
  user_id     STRING KEY,
  page        STRING,
  duration_ms INT,
  referrer    STRING
) WITH (KAFKA_TOPIC = 'pageviews', VALUE_FORMAT = 'JSON');

CREATE STREAM long_views WITH (KAFKA_TOPIC = 'long_views', VALUE_FORMAT = 'JSON') AS
  SELECT user_id,
         UCASE(page) AS page,
         CAST(duration_ms AS DOUBLE) / 1000 AS duration_s,
         CASE WHEN duration_ms >= 60000 THEN 'long' ELSE 'medium' END AS bucket,
         referrer IS NULL AS direct
  FROM pageviews
  WHERE duration_ms > 10000
  EMIT CHANGES;
