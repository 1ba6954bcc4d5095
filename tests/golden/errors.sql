-- Golden test: syntax errors. The first error wins; offsets are relative to
-- the statement, shown as line:column with a caret.
SELECT FROM t;
SELECT * FROM;
SELECT a FROM t WHERE;
SELECT * FROM t GROUP BY f3, (f2, f1);
SELECT * FROM t GROUP BY a AND b;
CREATE STREAM INPUT (K STRING (KEY)) WITH (kafka_topic='input',value_format='JSON');
CREATE STREAM INPUT (K VARCHAR(STRING) (KEY)) WITH (kafka_topic='input',value_format='JSON');
CREATE STREAM INPUT (ROWKEY INT KEY, COL0 NULL) WITH (kafka_topic='test_topic', value_format='JSON');
CREATE TABLE INPUT (ID INT KEY, V STRING) WITH (kafka_topic='x', format='JSON');
CREATE STREAM INPUT (ID INT PRIMARY KEY, V STRING) WITH (kafka_topic='x', format='JSON');
CREATE SOURCE STREAM s AS SELECT * FROM t;
CREATE STREAM s (a INT, from INT) WITH (kafka_topic='x');
SELECT a = b = c FROM t;
SELECT * FROM t WINDOW TUMBLING (SIZE 1.5 SECONDS) GROUP BY a;
SELECT * FROM t WINDOW TUMBLING (SIZE 1 WEEK);
SELECT * FROM t WINDOW TUMBLING (SIZE 1 SECOND, GRACE PERIOD 1 SECOND, RETENTION 1 DAY);
SELECT TRANSFORM(arr, a.b => 1) FROM t;
SELECT f(a FROM t;
SELECT a b c FROM t;
SELECT ARRAY[1, 2 FROM t;
SELECT * FROM t LIMIT 'x';
DROP STREAM;
SHOW STREAM;
SELECT # FROM t;
SELECT size FROM t;
INSERT INTO t (a, b) VALUES (1, 2;
SELECT * FROM t WHERE a NOT NULL;
