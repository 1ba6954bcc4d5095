-- Golden test: every ksqlDB statement form. Each statement is parsed on its
-- own (offsets are relative to the statement); the dump is in statements.out.

-- CREATE STREAM / TABLE with columns
CREATE STREAM pageviews (viewtime BIGINT, userid VARCHAR, pageid STRING) WITH (kafka_topic='pageviews', value_format='JSON');
CREATE STREAM s1 (k STRING KEY, v INT) WITH (KAFKA_TOPIC='t', FORMAT='JSON', PARTITIONS=4, REPLICAS=-1);
CREATE TABLE users (id BIGINT PRIMARY KEY, name STRING, `lower case` DOUBLE) WITH (kafka_topic='users', value_format='AVRO');
CREATE OR REPLACE STREAM IF NOT EXISTS s2 (a INT) WITH (kafka_topic='x', value_format='JSON', wrap_single_value=false);
CREATE SOURCE TABLE IF NOT EXISTS t2 (id INT PRIMARY KEY, v STRING) WITH (kafka_topic='x', format='JSON');
CREATE SOURCE STREAM src WITH (kafka_topic='x', value_format='AVRO');
CREATE STREAM inferred WITH (kafka_topic='x', value_format='AVRO', 'VALUE_SCHEMA_ID'=5);
CREATE STREAM h (k INT KEY, hs ARRAY<STRUCT<KEY STRING, VALUE BYTES>> HEADERS, one BYTES HEADER('abc')) WITH (kafka_topic='h', format='JSON');
CREATE STREAM types (a BOOLEAN, b INT, c INTEGER, d BIGINT, e DOUBLE, f DECIMAL(4, 2), g STRING, h VARCHAR, i BYTES, j DATE, k TIME, l TIMESTAMP, m ARRAY<INT>, n MAP<STRING, ARRAY<DECIMAL(10, 0)>>, o STRUCT<x INT, `y` STRUCT<z STRING>>, p STRUCT<>, q my_type, r VARCHAR(20), s INT ARRAY) WITH (kafka_topic='t', format='JSON');
-- non-reserved keywords as names
CREATE STREAM key (key STRING KEY, value STRING, timestamp BIGINT, type INT, date DATE, time TIME, map INT, id INT, source INT, headers INT, emit INT) WITH (kafka_topic='x', format='JSON');
-- quoted identifiers
CREATE STREAM `Mixed Case` (`FROM` BIGINT, "select" INT, `a``b` INT) WITH (kafka_topic='x', format='JSON');

-- CREATE ... AS SELECT
CREATE STREAM out AS SELECT * FROM pageviews;
CREATE STREAM out2 WITH (kafka_topic='o', partitions=2) AS SELECT userid, pageid AS p, viewtime v FROM pageviews WHERE pageid <> 'home' PARTITION BY userid EMIT CHANGES;
CREATE OR REPLACE TABLE counts AS SELECT userid, COUNT(*) AS c FROM pageviews WINDOW TUMBLING (SIZE 1 MINUTE, RETENTION 2 DAYS, GRACE PERIOD 10 SECONDS) GROUP BY userid HAVING COUNT(*) > 1 EMIT FINAL;
CREATE TABLE IF NOT EXISTS hop AS SELECT id, SUM(v) FROM s WINDOW HOPPING (SIZE 30 SECONDS, ADVANCE BY 10 SECONDS) GROUP BY id;
CREATE TABLE sess AS SELECT id, MAX(v) FROM s WINDOW SESSION (5 MINUTES, GRACE PERIOD 1 HOUR) GROUP BY id;
CREATE TABLE named_win AS SELECT id, COUNT(*) FROM s WINDOW w1 TUMBLING (SIZE 1000 MILLISECONDS) GROUP BY id;
CREATE TABLE g AS SELECT a, b, COUNT(*) FROM s GROUP BY (a, b);
CREATE TABLE g2 AS SELECT a, COUNT(*) FROM s GROUP BY (a);
CREATE STREAM p2 AS SELECT * FROM s PARTITION BY a, b->c;

-- joins
CREATE STREAM j AS SELECT l.id, r.name FROM left_s l JOIN right_t r ON l.id = r.id;
CREATE STREAM j2 AS SELECT * FROM a AS x LEFT OUTER JOIN b AS y WITHIN 10 SECONDS ON x.id = y.id;
CREATE STREAM j3 AS SELECT * FROM a INNER JOIN b WITHIN (1 HOUR, 2 MINUTES) GRACE PERIOD 30 SECONDS ON a.id = b.id RIGHT JOIN c WITHIN 1 DAY ON b.id = c.id FULL OUTER JOIN d WITHIN 5 MILLISECONDS GRACE PERIOD 0 SECONDS ON c.id = d.id;
CREATE TABLE tt AS SELECT * FROM t1 FULL JOIN t2 ON t1.id = t2.id LEFT JOIN t3 ON t2.id = t3.id;

-- INSERT
INSERT INTO out SELECT * FROM other;
INSERT INTO out WITH (QUERY_ID='q1') SELECT a, b FROM other WHERE a IS NOT NULL;
INSERT INTO users (id, name) VALUES (1, 'alice');
INSERT INTO users VALUES (2, 'bob', -1.5);
INSERT INTO `users` (`id`) VALUES ();

-- transient queries
SELECT * FROM pageviews EMIT CHANGES LIMIT 10;
SELECT pageviews.*, s->*, x.y FROM pageviews;
SELECT id, name FROM users WHERE id = 5;

-- DROP / TERMINATE / PAUSE / RESUME
DROP STREAM pageviews;
DROP STREAM IF EXISTS pageviews DELETE TOPIC;
DROP TABLE IF EXISTS users;
DROP TYPE IF EXISTS my_type;
TERMINATE CSAS_OUT_0;
TERMINATE ALL;
PAUSE CTAS_COUNTS_1;
PAUSE ALL;
RESUME `q-1`;
RESUME ALL;

-- SHOW / LIST
SHOW STREAMS;
LIST STREAMS EXTENDED;
SHOW TABLES;
SHOW TOPICS;
SHOW ALL TOPICS EXTENDED;
LIST QUERIES EXTENDED;
SHOW PROPERTIES;
SHOW FUNCTIONS;
LIST TYPES;
SHOW VARIABLES;
SHOW CONNECTORS;
LIST SINK CONNECTORS;

-- DESCRIBE / EXPLAIN / PRINT
DESCRIBE pageviews;
DESCRIBE pageviews EXTENDED;
DESCRIBE EXTENDED users;
DESCRIBE STREAMS;
DESCRIBE TABLES EXTENDED;
DESCRIBE FUNCTION substring;
EXPLAIN CSAS_OUT_0;
EXPLAIN SELECT * FROM pageviews EMIT CHANGES;
EXPLAIN CREATE STREAM x AS SELECT * FROM y;
PRINT pageviews;
PRINT 'page-views' FROM BEGINNING INTERVAL 5 LIMIT 100;
PRINT `lower` LIMIT 2;

-- properties and variables
SET 'auto.offset.reset'='earliest';
UNSET 'auto.offset.reset';
DEFINE topic_name = 'my-topic';
UNDEFINE topic_name;
CREATE STREAM v WITH (kafka_topic='${topic_name}', value_format=${fmt});

-- types, ALTER, ASSERT, RUN SCRIPT
CREATE TYPE address AS STRUCT<street STRING, city STRING, zip INT>;
CREATE TYPE IF NOT EXISTS money AS DECIMAL(10, 2);
ALTER STREAM pageviews ADD COLUMN extra STRING, ADD more ARRAY<INT>;
ALTER TABLE users ADD c MAP<STRING, STRING>;
ASSERT TOPIC my_topic;
ASSERT NOT EXISTS TOPIC 'other-topic' WITH (partitions=3) TIMEOUT 10 SECONDS;
ASSERT SCHEMA SUBJECT 'subj-value' ID 4 TIMEOUT 3 MINUTES;
ASSERT NOT EXISTS SCHEMA ID 12;
ASSERT STREAM out (k INT KEY, v STRING) WITH (kafka_topic='out');
ASSERT TABLE counts WITH (kafka_topic='counts');
RUN SCRIPT '/tmp/script.sql';
