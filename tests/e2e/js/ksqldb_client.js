// ksqldb_client.js - drives sluice serve with the npm package ksqldb-client,
// used as its README shows and not modified: the client speaks HTTP/2 with
// prior knowledge (node's http2) to /ksql, /inserts-stream, /query-stream
// and /close-query. tests/e2e/test_clients_node.py runs it and checks what
// it prints; it also checks the rows itself and exits 1 at the first
// surprise, naming it on stderr.
//
//   node ksqldb_client.js URL SOURCE TOPIC SINK TABLE
//
// SOURCE is created over TOPIC (which must exist), rows go in with
// insertInto, SINK is a CSAS over SOURCE, TABLE a CTAS counting SOURCE per
// key. The last line on stdout is a JSON summary of what the client read.
"use strict";

const KsqldbClient = require("ksqldb-client");

const [url, source, topic, sink, table] = process.argv.slice(2);
if (!table) {
  console.error("usage: node ksqldb_client.js URL SOURCE TOPIC SINK TABLE");
  process.exit(2);
}
const { hostname, port } = new URL(url);

const ROWS = [
  { ID: 1, NAME: "alpha", AMOUNT: 1.5, OK: true },
  { ID: 2, NAME: "beta", AMOUNT: 20.25, OK: false },
  { ID: 3, NAME: "gamma", AMOUNT: 300, OK: true },
  { ID: 1, NAME: "alpha again", AMOUNT: 4, OK: false },
];
const EARLIEST = { "auto.offset.reset": "earliest" };

function fail(what, detail) {
  console.error(`ksqldb-client: ${what}: ${typeof detail === "string" ? detail : JSON.stringify(detail)}`);
  process.exit(1);
}

function expect(cond, what, detail) {
  if (!cond) fail(what, detail);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// executeStatement resolves with { data: { rows: [entity] }, status } and
// insists (as ksqlDB's Java client does) that the entity has a commandId.
async function statement(client, sql, extra) {
  const res = await client.executeStatement(sql, extra);
  expect(res.status === 200 && !res.error, `executeStatement ${sql}`, res.error || res);
  const entity = res.data.rows[0];
  expect(entity.commandStatus && entity.commandStatus.status === "SUCCESS", `status of ${sql}`, entity);
  return entity;
}

// A push query through streamQuery: collects rows until `want` have come,
// then closes the query with terminatePushQuery; streamQuery's promise
// resolves once the server has ended the response.
async function pushQuery(client, sql, want, timeoutMs) {
  const rows = [];
  let metadata = null;
  let closing = null;
  const done = client.streamQuery(
    sql,
    (data) => {
      expect(data.status === 200, `push query ${sql}`, data);
      metadata = data.metadata;
      for (const r of data.rows || []) rows.push(r);
      if (rows.length >= want && !closing) closing = client.terminatePushQuery(metadata.queryId);
    },
    { properties: EARLIEST },
  );
  let timer;
  const timeout = new Promise((r) => (timer = setTimeout(() => r("timeout"), timeoutMs)));
  const first = await Promise.race([done, timeout]);
  clearTimeout(timer);
  expect(first !== "timeout", `push query ${sql} did not end within ${timeoutMs} ms`, { rows });
  expect(first.status === 200 && !first.error, `push query ${sql} response`, first);
  expect(closing !== null, `push query ${sql} ended before ${want} rows`, { rows });
  const closed = await closing;
  expect(closed.status === 200 && !closed.error, "terminatePushQuery", closed);
  return { metadata, rows };
}

// A pull query through query(): one JSON array, header and rows. Tables
// fill as their query runs, so this asks again until `ready` is satisfied.
async function pullQuery(client, sql, ready, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await client.query(sql);
    expect(res.status === 200 && !res.error, `pull query ${sql}`, res.error || res);
    if (ready(res.data.rows) || Date.now() > deadline) return res.data;
    await sleep(250);
  }
}

async function main() {
  const client = new KsqldbClient({ host: `http://${hostname}`, port: Number(port) });
  await client.connect();
  const summary = {};

  await statement(
    client,
    `CREATE STREAM ${source} (ID INT KEY, NAME STRING, AMOUNT DOUBLE, OK BOOLEAN) ` +
      `WITH (kafka_topic='${topic}', value_format='json');`,
  );
  const streams = await client.listStreams();
  expect(streams.some((s) => s.name === source), "listStreams does not show the stream", streams);
  const desc = await client.describeSource(source);
  summary.fields = desc.fields.map((f) => `${f.name} ${f.schema.type}`);

  // insertInto sends one row per /inserts-stream request and reads the ack.
  summary.acks = [];
  for (const row of ROWS) {
    const res = await client.insertInto(source, row);
    expect(res.status === 200 && !res.error, "insertInto", res.error || res);
    summary.acks.push(res.data.rows[0]);
  }

  const csas = await statement(
    client,
    `CREATE STREAM ${sink} AS SELECT ID, NAME, AMOUNT * 2 AS DOUBLED FROM ${source} WHERE OK EMIT CHANGES;`,
    { streamsProperties: EARLIEST },
  );
  summary.csasQueryId = csas.commandStatus.queryId;
  const ctas = await statement(
    client,
    `CREATE TABLE ${table} AS SELECT ID, COUNT(*) AS N, LATEST_BY_OFFSET(NAME) AS LAST_NAME ` +
      `FROM ${source} GROUP BY ID EMIT CHANGES;`,
    { streamsProperties: EARLIEST },
  );
  summary.ctasQueryId = ctas.commandStatus.queryId;
  const queries = await client.listQueries();
  summary.queries = queries.map((q) => q.id);

  const push = await pushQuery(client, `SELECT * FROM ${sink} EMIT CHANGES;`, 2, 60000);
  summary.push = { columns: push.metadata.columnNames, types: push.metadata.columnTypes, rows: push.rows };

  const pullStream = await pullQuery(client, `SELECT * FROM ${source};`, (rows) => rows.length >= 4, 30000);
  summary.pullStream = { columns: pullStream.metadata.columnNames, rows: pullStream.rows };

  const pullTable = await pullQuery(
    client,
    `SELECT * FROM ${table} WHERE ID = 1;`,
    (rows) => rows.length === 1 && rows[0].N === 2,
    30000,
  );
  summary.pullTable = { columns: pullTable.metadata.columnNames, rows: pullTable.rows };

  // ksqlDB's limits on executeStatement are the client's own: these never
  // reach the server.
  let refused = null;
  try {
    await client.executeStatement("SHOW STREAMS; SHOW TABLES;");
  } catch (e) {
    refused = e.message;
  }
  summary.twoStatementsRefused = refused !== null;

  // A bad statement answers 400 with ksqlDB's error body.
  const bad = await client.executeStatement(`DROP STREAM no_such_${source};`);
  summary.badStatement = { status: bad.status, error_code: bad.error && bad.error.error_code };

  await client.disconnect();
  console.log(JSON.stringify(summary));
}

main().catch((e) => fail("unexpected error", e && e.stack ? e.stack : String(e)));
