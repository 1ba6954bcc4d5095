"""
test_clients_python.py - ksqlDB's Python client, the PyPI package `ksql`
(ksql-python 0.10.2), unmodified, against `sluice serve` on the real broker:
it creates a stream, inserts rows, runs a CSAS, push queries (on /query over
HTTP/1.1, and on /query-stream through its HTTP/2 library) that read some
rows and close, and pull queries, and the test checks every row it reads.

ksql-python imports `hyper` (its HTTP/2 library, last released in 2016),
which takes Iterable, Mapping and friends from `collections`; Python 3.10
moved them to `collections.abc` only. The usual workaround puts the old
names back before the import; neither package's code is changed.

What the client does over the wire, and so what sluice must accept:
  * /ksql and /query through urllib (HTTP/1.1), Content-Type
    application/vnd.ksql.v1+json, no Accept header;
  * /query rows read line by line: an element per line ending in ",\\n";
  * /inserts-stream and /query-stream through hyper: an HTTP/1.1 request
    with an absolute-form target ("POST http://host:port/query-stream") and
    `Upgrade: h2c`, which h2o takes up, so the response comes over HTTP/2;
    hyper hands out one DATA frame at a time, so rows must not share one.
"""

import collections
import collections.abc
import json

import pytest

for _name in ("Iterable", "Mapping", "MutableMapping", "MutableSet", "Callable"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))

import ksql  # noqa: E402  (after the shim above)
import ksql.utils  # noqa: E402
from ksql import KSQLAPI  # noqa: E402

EARLIEST = {"auto.offset.reset": "earliest"}

ROWS = [
    {"ID": 1, "NAME": "alpha", "AMOUNT": 1.5, "OK": True},
    {"ID": 2, "NAME": "beta", "AMOUNT": 20.25, "OK": False},
    {"ID": 3, "NAME": "gamma", "AMOUNT": 300.0, "OK": True},
    {"ID": 4, "NAME": "delta", "AMOUNT": -4.0, "OK": True},
]


def element(line):
    """One element of /query's JSON array, as the client hands out its
    lines: "[{header},", "{row},", "{final}]"."""
    return json.loads(line.strip().lstrip("[").rstrip(",").rstrip("]"))


@pytest.fixture
def client_setup(new_topic, sluice_serve, unique_name):
    """A topic, a server, and a ksql-python client on the server. The topic
    comes first so that it outlives the server (fixtures end in reverse)."""
    srv = sluice_serve()
    client = KSQLAPI(srv.url, timeout=30)  # asks /info on the way in
    return srv, client, new_topic(), unique_name("py").upper()


def test_ksql_python_client(client_setup):
    srv, client, topic, base = client_setup
    source, sink = base + "_SRC", base + "_SINK"
    assert client.get_ksql_version() == "0.29.0"

    # CREATE STREAM through the client's statement builder.
    assert client.create_stream(source, ["ID INT KEY", "NAME STRING", "AMOUNT DOUBLE", "OK BOOLEAN"],
                                topic) is True
    assert source in ksql.utils.get_all_streams(client, prefix=base)
    info = ksql.utils.get_stream_info(client, source)  # DESCRIBE EXTENDED
    assert info["topic"] == topic
    assert [(f["name"], f["schema"]["type"]) for f in info["fields"]] == [
        ("ID", "INTEGER"), ("NAME", "STRING"), ("AMOUNT", "DOUBLE"), ("OK", "BOOLEAN")]

    # Rows through /inserts-stream: one ack per row.
    acks = client.inserts_stream(source, ROWS)
    assert acks == [{"status": "ok", "seq": i} for i in range(len(ROWS))]

    # CSAS (from the start of the source, as the rows are already there).
    out = client.ksql(f"CREATE STREAM {sink} AS SELECT ID, NAME, AMOUNT * 2 AS DOUBLED "
                      f"FROM {source} WHERE OK EMIT CHANGES;", stream_properties=EARLIEST)
    status = out[0]["commandStatus"]
    assert status["status"] == "SUCCESS" and status["queryId"]
    csas_id = status["queryId"]
    assert csas_id in [q["id"] for q in client.ksql("SHOW QUERIES;")[0]["queries"]]

    # Push query with LIMIT on /query, rows as objects: it ends by itself.
    want = [{"ID": 1, "NAME": "alpha", "DOUBLED": 3.0}, {"ID": 3, "NAME": "gamma", "DOUBLED": 600.0},
            {"ID": 4, "NAME": "delta", "DOUBLED": -8.0}]
    got = list(client.query(f"SELECT * FROM {sink} EMIT CHANGES LIMIT 3;",
                            stream_properties=EARLIEST, return_objects=True))
    assert got == want

    # Push query without LIMIT on /query, raw lines: read the header and two
    # rows, close it with /close-query, and the response ends with ksqlDB's
    # final message.
    lines = client.query(f"SELECT ID, NAME FROM {sink} EMIT CHANGES;", stream_properties=EARLIEST)
    header = element(next(lines))["header"]
    assert header["schema"] == "`ID` INTEGER, `NAME` STRING"
    rows = [element(next(lines))["row"]["columns"] for _ in range(2)]
    assert rows == [[1, "alpha"], [3, "gamma"]]
    assert client.close_query(header["queryId"]) is True
    tail = []
    for line in lines:
        tail.append(element(line))
        if "finalMessage" in tail[-1]:
            break
    assert tail and tail[-1] == {"finalMessage": "Query Completed"}
    lines.close()
    assert client.close_query(header["queryId"]) is False  # gone

    # Push query on /query-stream through hyper (HTTP/2 after the h2c
    # upgrade): one row per DATA frame; close it after three rows.
    chunks = client.query(f"SELECT ID, AMOUNT FROM {source} EMIT CHANGES;",
                          stream_properties=EARLIEST, use_http2=True)
    meta = json.loads(next(chunks))
    assert meta["columnNames"] == ["ID", "AMOUNT"] and meta["columnTypes"] == ["INTEGER", "DOUBLE"]
    assert [json.loads(next(chunks)) for _ in range(3)] == [[1, 1.5], [2, 20.25], [3, 300.0]]
    assert client.close_query(meta["queryId"]) is True
    rest = list(chunks)  # the response ends once the query is closed
    assert [json.loads(c) for c in rest if c.strip()] in ([], [[4, -4.0]])

    # Pull query on the stream: everything up to the current end, then done.
    pulled = list(client.query(f"SELECT * FROM {source};", return_objects=True))
    assert pulled == ROWS
    pulled = list(client.query(f"SELECT NAME FROM {source} WHERE AMOUNT > 10;",
                               return_objects=True))
    assert pulled == [{"NAME": "beta"}, {"NAME": "gamma"}]

    # A bad statement raises the client's KSQLError with ksqlDB's code.
    with pytest.raises(ksql.errors.KSQLError) as e:
        client.ksql(f"DROP STREAM no_such_{source};")
    assert e.value.error_code == 40001

    # The client's own cleanup: DESCRIBE EXTENDED names the writing query,
    # which it terminates before dropping the stream.
    ksql.utils.drop_stream(client, sink)
    assert sink not in ksql.utils.get_all_streams(client, prefix=base)
    assert csas_id not in [q["id"] for q in client.ksql("SHOW QUERIES;")[0]["queries"]]
    assert srv.alive()
