"""
test_clients_node.py - ksqlDB's Node.js client, the npm package
`ksqldb-client` (1.0.5), unmodified, against `sluice serve` on the real
broker. The client only speaks HTTP/2 with prior knowledge. The script
tests/e2e/js/ksqldb_client.js does what a user of the client would: create a
stream, insert rows (insertInto, one /inserts-stream request per row), a CSAS
and a CTAS, a push query read through streamQuery and closed with
terminatePushQuery, pull queries on the stream and on the table, listings, a
bad statement. It checks as it goes and prints a summary that is checked
here against the rows it should have read.

What the client needs from the server, beyond ksqlDB's shapes:
  * every row of /query-stream in a DATA frame of its own: it runs
    JSON.parse on each frame it receives;
  * a commandId in the entity /ksql answers for CREATE ... (it refuses
    entities without one).

The packages come from tests/e2e/js/package-lock.json (tools/setup runs
`npm ci` when node is installed). Without node the test is skipped.
"""

import json
import pathlib
import shutil
import subprocess

import pytest

JS = pathlib.Path(__file__).resolve().parent / "js"


@pytest.fixture(scope="session")
def node():
    path = shutil.which("node")
    if path is None:
        pytest.skip("node is not installed (ksqlDB's Node.js client needs it)")
    if not (JS / "node_modules" / "ksqldb-client").is_dir():
        pytest.fail("tests/e2e/js/node_modules has no ksqldb-client: run tools/setup", pytrace=False)
    return path


def test_ksqldb_client_node(node, new_topic, sluice_serve, unique_name):
    topic = new_topic()  # before the server, so the server stops first
    srv = sluice_serve()
    base = unique_name("js").upper()
    source, sink, table = base + "_SRC", base + "_SINK", base + "_TAB"
    p = subprocess.run([node, str(JS / "ksqldb_client.js"), srv.url, source, topic, sink, table],
                       capture_output=True, text=True, timeout=240, cwd=JS)
    assert p.returncode == 0, f"exit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    got = json.loads(p.stdout.strip().splitlines()[-1])

    assert got["fields"] == ["ID INTEGER", "NAME STRING", "AMOUNT DOUBLE", "OK BOOLEAN"]
    assert got["acks"] == [{"status": "ok", "seq": 0}] * 4
    assert got["csasQueryId"].startswith("CSAS_") and got["ctasQueryId"].startswith("CTAS_")
    assert {got["csasQueryId"], got["ctasQueryId"]} <= set(got["queries"])

    push = got["push"]
    assert push["columns"] == ["ID", "NAME", "DOUBLED"]
    assert push["types"] == ["INTEGER", "STRING", "DOUBLE"]
    assert push["rows"] == [{"ID": 1, "NAME": "alpha", "DOUBLED": 3},
                            {"ID": 3, "NAME": "gamma", "DOUBLED": 600}]

    assert got["pullStream"]["columns"] == ["ID", "NAME", "AMOUNT", "OK"]
    assert got["pullStream"]["rows"] == [
        {"ID": 1, "NAME": "alpha", "AMOUNT": 1.5, "OK": True},
        {"ID": 2, "NAME": "beta", "AMOUNT": 20.25, "OK": False},
        {"ID": 3, "NAME": "gamma", "AMOUNT": 300, "OK": True},
        {"ID": 1, "NAME": "alpha again", "AMOUNT": 4, "OK": False},
    ]
    assert got["pullTable"]["columns"] == ["ID", "N", "LAST_NAME"]
    assert got["pullTable"]["rows"] == [{"ID": 1, "N": 2, "LAST_NAME": "alpha again"}]

    assert got["twoStatementsRefused"] is True
    assert got["badStatement"] == {"status": 400, "error_code": 40001}
    assert srv.alive()
