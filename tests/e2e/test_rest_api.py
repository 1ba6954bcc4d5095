"""
test_rest_api.py - sluice's ksqlDB-compatible REST API against a real broker:
`sluice serve` on a free port, driven with python requests (HTTP/1.1) and
curl (--http1.1 and --http2-prior-knowledge). Covers /info, /healthcheck,
/ksql (DDL, SHOW, DESCRIBE, errors with line:col), malformed and oversized
requests, Basic authentication, /inserts-stream (rows checked on the topic),
headless mode, and push/pull queries on /query and /query-stream.

The query tests skip themselves, naming the reason, for as long as the
engine answers transient queries with "not supported yet"; they run as soon
as it does not.
"""

import json
import subprocess
import time

import pytest
import requests

KSQL_JSON = "application/vnd.ksql.v1+json"


# ---------------------------------------------------------------- helpers


def ksql(url, text, status=200, **kw):
    """POSTs statements to /ksql and returns the decoded body after checking
    the status code."""
    r = requests.post(url + "/ksql", json={"ksql": text, "streamsProperties": {}}, timeout=60,
                      **kw)
    assert r.status_code == status, f"{r.status_code}: {r.text}"
    return r.json()


def curl(*args, data=None, timeout=60):
    """Runs curl; returns (http status, http version, body)."""
    cmd = ["curl", "-sS", "-o", "-", "-w", "\n%{http_code} %{http_version}", *args]
    if data is not None:
        cmd += ["--data-binary", "@-"]
    p = subprocess.run(cmd, input=(data or "").encode(), capture_output=True, timeout=timeout)
    assert p.returncode == 0, p.stderr.decode()
    body, _, tail = p.stdout.decode().rpartition("\n")
    code, version = tail.split()
    return int(code), version, body


def create_stream(url, name, topic):
    out = ksql(url, f"CREATE STREAM {name} (id INT KEY, v STRING, n BIGINT) WITH "
                    f"(kafka_topic='{topic}', value_format='json');")
    assert out[0]["@type"] == "currentStatus"
    assert out[0]["commandStatus"]["status"] == "SUCCESS"
    return out


def assert_json_error(r, status, code=None):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["@type"] in ("generic_error", "statement_error")
    if code is not None:
        assert body["error_code"] == code
    assert body["message"]
    return body


def transient_supported(url, stream):
    """False while the engine has no transient queries yet."""
    r = requests.post(url + "/query-stream",
                      json={"sql": f"SELECT * FROM {stream} EMIT CHANGES LIMIT 1;",
                            "properties": {"auto.offset.reset": "earliest"}},
                      timeout=10, stream=True)
    try:
        if r.status_code == 400 and "not supported yet" in r.text:
            return False
        return True
    finally:
        r.close()


def needs_transient(url, stream):
    if not transient_supported(url, stream):
        pytest.skip("the engine does not run transient queries yet "
                    "(sl_engine_query_start answers SL_EUNSUPPORTED)")


# ---------------------------------------------------------------- basics


def test_info_and_healthcheck(sluice_serve):
    srv = sluice_serve()
    r = requests.get(srv.url + "/info", timeout=10)
    assert r.status_code == 200
    info = r.json()["KsqlServerInfo"]
    assert info["serverStatus"] == "RUNNING"
    assert info["ksqlServiceId"]
    assert set(info) >= {"version", "kafkaClusterId", "ksqlServiceId", "serverStatus"}
    h = requests.get(srv.url + "/healthcheck", timeout=10).json()
    assert h["isHealthy"] is True
    assert all(d["isHealthy"] for d in h["details"].values())
    for flag, want in (("--http1.1", "1.1"), ("--http2-prior-knowledge", "2")):
        code, version, body = curl(flag, srv.url + "/info")
        assert (code, version) == (200, want)
        assert json.loads(body)["KsqlServerInfo"]["serverStatus"] == "RUNNING"


def test_ksql_create_show_describe(sluice_serve, new_topic, unique_name):
    srv = sluice_serve()
    topic = new_topic()
    name = unique_name("s").upper()
    create_stream(srv.url, name, topic)
    out = ksql(srv.url, f"SHOW STREAMS; DESCRIBE {name};", headers={"Accept": KSQL_JSON})
    assert [e["@type"] for e in out] == ["streams", "sourceDescription"]
    assert name in [s["name"] for s in out[0]["streams"]]
    desc = out[1]["sourceDescription"]
    assert desc["topic"] == topic
    assert [f["name"] for f in desc["fields"]] == ["ID", "V", "N"]
    # The same over HTTP/2 with prior knowledge, and the v1 media type.
    code, version, body = curl("--http2-prior-knowledge", "-H", f"Accept: {KSQL_JSON}",
                               "-H", f"Content-Type: {KSQL_JSON}", srv.url + "/ksql",
                               data=json.dumps({"ksql": "SHOW STREAMS;"}))
    assert (code, version) == (200, "2")
    assert name in [s["name"] for s in json.loads(body)[0]["streams"]]
    # /status knows the command.
    st = requests.get(f"{srv.url}/status/stream/{name}/create", timeout=10)
    assert st.status_code == 200 and st.json()["status"] == "SUCCESS"
    assert requests.get(srv.url + "/status/stream/NO_SUCH/create", timeout=10).status_code == 404


def test_ksql_bad_statement(sluice_serve):
    srv = sluice_serve()
    r = requests.post(srv.url + "/ksql",
                      json={"ksql": "SHOW STREAMS;\nCREATE STREAM x (a INT WITH (kafka_topic='x');"},
                      timeout=10)
    body = assert_json_error(r, 400, 40001)
    assert body["@type"] == "statement_error"
    assert body["message"].startswith("line 2:"), body["message"]
    assert "Syntax Error" in body["message"]
    assert body["statementText"].startswith("CREATE STREAM x")
    assert body["entities"] == [] and body["stackTrace"] == []
    # A statement that fails when run: the ones before it stay in entities.
    r = requests.post(srv.url + "/ksql", json={"ksql": "SHOW STREAMS; DROP STREAM nope;"},
                      timeout=10)
    body = assert_json_error(r, 400, 40001)
    assert [e["@type"] for e in body["entities"]] == ["streams"]
    # Queries belong to /query.
    r = requests.post(srv.url + "/ksql", json={"ksql": "SELECT * FROM x EMIT CHANGES;"},
                      timeout=10)
    assert_json_error(r, 400, 40002)


def test_malformed_requests_get_json_errors(sluice_serve):
    srv = sluice_serve()
    cases = [
        ("POST", "/ksql", b'{"ksql": "SHOW', 400),
        ("POST", "/ksql", b"[1, 2]", 400),
        ("POST", "/ksql", b'{"sql": "SHOW STREAMS;"}', 400),
        ("POST", "/ksql", b'{"ksql": "SHOW STREAMS;", "streamsProperties": 3}', 400),
        ("POST", "/ksql", b"", 400),
        ("POST", "/query-stream", b"{}", 400),
        ("POST", "/close-query", b'{"queryId": 7}', 400),
        ("POST", "/close-query", b'{"queryId": "no_such_query"}', 400),
        ("POST", "/inserts-stream", b'{"target": "NO_SUCH_STREAM"}\n{"A": 1}', 400),
        ("GET", "/ksql", None, 405),
        ("DELETE", "/info", None, 405),
        ("GET", "/no/such/path", None, 404),
    ]
    for method, path, data, status in cases:
        r = requests.request(method, srv.url + path, data=data, timeout=10)
        assert_json_error(r, status)
    code, _, body = curl("--http2-prior-knowledge", "-X", "POST", srv.url + "/ksql",
                         data="not json")
    assert code == 400 and json.loads(body)["error_code"] == 40000
    assert requests.get(srv.url + "/info", timeout=10).status_code == 200
    assert srv.alive()


def test_oversized_body(sluice_serve):
    srv = sluice_serve("--max-body-bytes", "1024")
    big = json.dumps({"ksql": "SHOW STREAMS; -- " + "x" * 3000})
    assert_json_error(requests.post(srv.url + "/ksql", data=big, timeout=10), 413, 41300)
    code, version, body = curl("--http2-prior-knowledge", "-X", "POST", srv.url + "/ksql",
                               data=big)
    assert (code, version) == (413, "2")
    assert json.loads(body)["error_code"] == 41300
    # Far beyond the limit h2o refuses it while reading (still JSON on HTTP/1.1).
    huge = "x" * 100_000
    code, _, body = curl("--http1.1", "-X", "POST", srv.url + "/ksql", data=huge)
    assert code == 413 and json.loads(body)["error_code"] == 41300
    assert ksql(srv.url, "SHOW STREAMS;")[0]["@type"] == "streams"


def test_basic_auth(sluice_serve, tmp_path):
    users = tmp_path / "users"
    users.write_text("# who may talk to sluice\nalice:s3cret\n")
    srv = sluice_serve("--users-file", str(users))
    r = requests.get(srv.url + "/info", timeout=10)
    assert_json_error(r, 401, 40100)
    assert r.headers["www-authenticate"].startswith("Basic")
    assert_json_error(requests.get(srv.url + "/info", auth=("alice", "nope"), timeout=10), 401)
    assert_json_error(requests.post(srv.url + "/ksql", json={"ksql": "SHOW STREAMS;"},
                                    timeout=10), 401)
    assert requests.get(srv.url + "/info", auth=("alice", "s3cret"), timeout=10).status_code == 200
    assert ksql(srv.url, "SHOW STREAMS;", auth=("alice", "s3cret"))[0]["@type"] == "streams"
    code, _, _ = curl("--http2-prior-knowledge", "-u", "alice:s3cret", srv.url + "/info")
    assert code == 200
    # Health checks stay open, as the load balancer in front cannot log in.
    assert requests.get(srv.url + "/healthcheck", timeout=10).status_code == 200


def test_no_auth_by_default(sluice_serve):
    srv = sluice_serve()
    assert requests.get(srv.url + "/info", timeout=10).status_code == 200
    assert requests.get(srv.url + "/info", auth=("any", "thing"), timeout=10).status_code == 200


def test_inserts_stream(sluice_serve, new_topic, unique_name, consume):
    srv = sluice_serve()
    topic = new_topic()
    name = unique_name("s").upper()
    create_stream(srv.url, name, topic)
    rows = [{"id": 1, "v": "it's", "n": 10}, {"ID": 2, "V": None, "N": 20}, {"id": 3, "v": "c"}]
    body = json.dumps({"target": name}) + "\n" + "\n".join(json.dumps(r) for r in rows)
    r = requests.post(srv.url + "/inserts-stream", data=body, timeout=30)
    assert r.status_code == 200
    acks = [json.loads(line) for line in r.text.splitlines()]
    assert acks == [{"status": "ok", "seq": i} for i in range(3)]
    got = consume(topic, n=3)
    assert [(rec.key, rec.value_json()) for rec in got] == [
        (b"\x00\x00\x00\x01", {"V": "it's", "N": 10}),
        (b"\x00\x00\x00\x02", {"V": None, "N": 20}),
        (b"\x00\x00\x00\x03", {"V": "c", "N": None}),
    ]
    # A bad row is acknowledged with an error and ends the stream.
    body = json.dumps({"target": name}) + '\n{"id": 4}\n{"id": "x", "nope": 1}\n{"id": 6}'
    r = requests.post(srv.url + "/inserts-stream", data=body,
                      headers={"Accept": "application/json"}, timeout=30)
    acks = r.json()
    assert acks[0] == {"status": "ok", "seq": 0}
    assert acks[1]["status"] == "error" and acks[1]["seq"] == 1 and acks[1]["message"]
    assert len(acks) == 2


def test_headless_mode_refuses_statements(sluice_serve, new_topic, unique_name, tmp_path):
    topic = new_topic()
    name = unique_name("s").upper()
    sql = tmp_path / "queries.sql"
    sql.write_text(f"CREATE STREAM {name} (id INT KEY, v STRING) WITH "
                   f"(kafka_topic='{topic}', value_format='json');\n")
    srv = sluice_serve("--queries-file", str(sql))
    out = ksql(srv.url, "SHOW STREAMS;")
    assert name in [s["name"] for s in out[0]["streams"]]
    r = requests.post(srv.url + "/ksql", json={"ksql": f"DROP STREAM {name};"}, timeout=10)
    body = assert_json_error(r, 403)
    assert "headless" in body["message"]
    r = requests.post(srv.url + "/inserts-stream",
                      data=json.dumps({"target": name}) + '\n{"id": 1}', timeout=10)
    assert_json_error(r, 403)


# ---------------------------------------------------------------- queries


@pytest.fixture
def stream_with_rows(sluice_serve, new_topic, unique_name, produce):
    """A server, and a stream over a topic holding three rows."""
    srv = sluice_serve()
    topic = new_topic()
    name = unique_name("s").upper()
    produce(topic, [(b"\x00\x00\x00\x01", {"V": "a", "N": 1}),
                    (b"\x00\x00\x00\x02", {"V": "b", "N": 2}),
                    (b"\x00\x00\x00\x03", {"V": "c", "N": 3})])
    create_stream(srv.url, name, topic)
    return srv, name


EARLIEST = {"auto.offset.reset": "earliest"}


def test_push_query_stream_http2_delimited(stream_with_rows):
    srv, name = stream_with_rows
    needs_transient(srv.url, name)
    code, version, body = curl(
        "--http2-prior-knowledge", "-X", "POST", srv.url + "/query-stream",
        data=json.dumps({"sql": f"SELECT ID, V FROM {name} EMIT CHANGES LIMIT 3;",
                         "properties": EARLIEST}))
    assert (code, version) == (200, "2")
    lines = [json.loads(x) for x in body.splitlines() if x.strip()]
    assert lines[0]["columnNames"] == ["ID", "V"]
    assert lines[0]["columnTypes"] == ["INTEGER", "STRING"]
    assert lines[0]["queryId"]
    assert sorted(lines[1:]) == [[1, "a"], [2, "b"], [3, "c"]]


def test_push_query_stream_json_array(stream_with_rows):
    srv, name = stream_with_rows
    needs_transient(srv.url, name)
    r = requests.post(srv.url + "/query-stream", headers={"Accept": "application/json"},
                      json={"sql": f"SELECT V FROM {name} EMIT CHANGES LIMIT 2;",
                            "properties": EARLIEST}, timeout=60)
    assert r.status_code == 200
    arr = r.json()
    assert arr[0]["columnNames"] == ["V"]
    assert len(arr) == 3


def test_push_query_v1_chunked_http1(stream_with_rows):
    srv, name = stream_with_rows
    needs_transient(srv.url, name)
    code, version, body = curl(
        "--http1.1", "-X", "POST", srv.url + "/query",
        data=json.dumps({"ksql": f"SELECT ID, N FROM {name} EMIT CHANGES LIMIT 3;",
                         "streamsProperties": EARLIEST}))
    assert (code, version) == (200, "1.1")
    arr = json.loads(body)
    assert arr[0]["header"]["schema"] == "`ID` INTEGER, `N` BIGINT"
    assert sorted(e["row"]["columns"] for e in arr[1:4]) == [[1, 1], [2, 2], [3, 3]]
    assert arr[-1] == {"finalMessage": "Limit Reached"}


def test_close_query_ends_push_query(stream_with_rows):
    srv, name = stream_with_rows
    needs_transient(srv.url, name)
    r = requests.post(srv.url + "/query-stream",
                      json={"sql": f"SELECT * FROM {name} EMIT CHANGES;", "properties": EARLIEST},
                      stream=True, timeout=60)
    lines = r.iter_lines()
    header = json.loads(next(lines))
    assert header["queryId"]
    rows = [json.loads(next(lines)) for _ in range(3)]
    assert len(rows) == 3
    c = requests.post(srv.url + "/close-query", json={"queryId": header["queryId"]}, timeout=10)
    assert c.status_code == 200
    assert [x for x in lines if x.strip()] == []  # the response ends
    r.close()


def test_pull_query_on_stream(stream_with_rows):
    srv, name = stream_with_rows
    needs_transient(srv.url, name)
    r = requests.post(srv.url + "/query-stream", headers={"Accept": "application/json"},
                      json={"sql": f"SELECT ID, V FROM {name};"}, timeout=60)
    assert r.status_code == 200, r.text
    arr = r.json()
    assert sorted(arr[1:]) == [[1, "a"], [2, "b"], [3, "c"]]


def test_query_limit(sluice_serve, new_topic, unique_name):
    srv = sluice_serve("--max-queries", "1")
    topic = new_topic()
    name = unique_name("s").upper()
    create_stream(srv.url, name, topic)
    needs_transient(srv.url, name)
    # The probe above counts until the server sees it hang up (within ~1s).
    deadline = time.time() + 10
    while True:
        first = requests.post(srv.url + "/query-stream",
                              json={"sql": f"SELECT * FROM {name} EMIT CHANGES;"}, stream=True,
                              timeout=60)
        if first.status_code != 429 or time.time() > deadline:
            break
        first.close()
        time.sleep(0.3)
    assert first.status_code == 200
    second = requests.post(srv.url + "/query-stream",
                           json={"sql": f"SELECT * FROM {name} EMIT CHANGES;"}, timeout=60)
    assert_json_error(second, 429, 42900)
    first.close()
