-- The Nexmark bid stream as bench/datagen writes it: unkeyed JSON, dateTime
-- in epoch milliseconds. tools/bench puts this before every query file and
-- replaces @PREFIX@ with the run's topic prefix.
CREATE STREAM bid (auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR,
                   url VARCHAR, dateTime BIGINT, extra VARCHAR)
  WITH (KAFKA_TOPIC='@PREFIX@-bid', VALUE_FORMAT='JSON');
