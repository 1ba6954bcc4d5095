-- Golden test: expressions. Each SELECT item is also written back with
-- sl_expr_to_sql (the "sql:" lines), ksqlDB's ExpressionFormatter style.
SELECT a + b * c - d / e % f, -x, - 5, -(5), - -1, +y, a || b || 'c' FROM t;
SELECT NOT a AND b OR c, a OR b AND NOT c, NOT NOT a FROM t;
SELECT a = 1, a <> 1, a != 1, a < 1, a <= 1, a > 1, a >= 1 FROM t;
SELECT x BETWEEN 1 AND 10, x NOT BETWEEN a + 1 AND b * 2, s LIKE 'a%', s NOT LIKE 'x!%' ESCAPE '!' FROM t;
SELECT x IN (1, 2, 3), x NOT IN ('a'), x IS NULL, x IS NOT NULL, a IS DISTINCT FROM b, a IS NOT DISTINCT FROM b FROM t;
SELECT NULL, TRUE, false, 42, 2147483648, 1.50, .5, 1., 1.5E3, 2e-3, 'it''s', '' FROM t;
SELECT CASE WHEN a > 1 THEN 'big' WHEN a < 0 THEN 'neg' ELSE 'small' END, CASE a WHEN 1 THEN 'one' END FROM t;
SELECT CAST(a AS STRING), CAST(b AS DECIMAL(4, 2)), CAST(c AS ARRAY<MAP<STRING, INT>>), CAST(d AS STRUCT<`x` INT>) FROM t;
SELECT COUNT(*), COUNT(DISTINCT x), SUBSTRING(name, 1, 2), ucase(name), NOW() FROM t;
SELECT TRANSFORM(arr, x => x + 1), REDUCE(arr, 0, (s, x) => s + x), FILTER(m, (k, v) => v > 0), TRANSFORM(m, (k) => k, (k, v) => v) FROM t;
SELECT arr[1], m['key'], s->a->b, s->`lower`, src.col, arr[1]->f, f(x)[0] FROM t;
SELECT ARRAY[1, 2, 3], ARRAY[], MAP('a' := 1, 'b' := 2), MAP(), STRUCT(a := 1, `B` := 'x'), STRUCT() FROM t;
SELECT TIMESTAMPADD(SECONDS, 5, ts), TIMESTAMPSUB(DAYS, 1, ts) FROM t;
SELECT (a + b) * c, a + (b * c), ((a)) FROM t;
SELECT `FROM`, "Select", `a``b`, key, value, timestamp, size_, date, type FROM t;
SELECT ${var} FROM t;
