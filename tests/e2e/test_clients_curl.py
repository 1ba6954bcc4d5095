"""
test_clients_curl.py - the raw HTTP client: curl, once with --http1.1 and
once with --http2-prior-knowledge, does what the ksqlDB clients do against
`sluice serve` on the real broker: create a stream, insert rows over
/inserts-stream, a CSAS, push queries (one read for a few rows and closed
with /close-query, one ended by LIMIT, one whose client goes away) and pull
queries, checking every row and the protocol version each answer came in.
"""

import json
import queue
import subprocess
import threading
import time

import pytest

EARLIEST = {"auto.offset.reset": "earliest"}

ROWS = [
    {"ID": 1, "NAME": "alpha", "AMOUNT": 1.5},
    {"ID": 2, "NAME": "beta", "AMOUNT": 20.25},
    {"ID": 3, "NAME": "gamma", "AMOUNT": 300.0},
    {"ID": 4, "NAME": "delta", "AMOUNT": -4.0},
]


class Curl:
    """curl with one protocol flag; every call checks the HTTP version."""

    def __init__(self, flag, url):
        self.flag, self.url = flag, url
        self.version = "1.1" if flag == "--http1.1" else "2"

    def argv(self, path, *extra):
        return ["curl", "-sS", "-N", self.flag, "-X", "POST", self.url + path,
                "--data-binary", "@-", "-w", "\n%{http_code} %{http_version}\n", *extra]

    def post(self, path, body, *extra, timeout=60):
        """Returns (status, body text)."""
        data = body if isinstance(body, str) else json.dumps(body)
        p = subprocess.run(self.argv(path, *extra), input=data.encode(), capture_output=True,
                           timeout=timeout)
        assert p.returncode == 0, p.stderr.decode()
        text, _, tail = p.stdout.decode().rstrip("\n").rpartition("\n")
        code, version = tail.split()
        assert version == self.version, f"{path} answered over HTTP/{version}"
        return int(code), text

    def ksql(self, sql, props=None):
        code, text = self.post("/ksql", {"ksql": sql, "streamsProperties": props or {}})
        assert code == 200, text
        return json.loads(text)

    def stream(self, path, body, *extra):
        """A streaming request whose output is read as it comes."""
        p = subprocess.Popen(self.argv(path, *extra), stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        p.stdin.write(json.dumps(body).encode())
        p.stdin.close()
        return p


def read_line(proc, timeout=30.0):
    """The next non-empty line curl printed (the test fails rather than
    hang). A thread per process reads its output into a queue."""
    if not hasattr(proc, "lines"):
        proc.lines = queue.Queue()

        def pump():
            for line in iter(proc.stdout.readline, b""):
                proc.lines.put(line.decode())
            proc.lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
    deadline = time.time() + timeout
    while True:
        line = proc.lines.get(timeout=max(0.01, deadline - time.time()))
        if line is None or line.strip():
            return line


def read_rest(proc, timeout=30.0):
    """Everything curl prints until it exits."""
    out = []
    while True:
        line = read_line(proc, timeout)
        if line is None:
            return "".join(out)
        out.append(line)


@pytest.mark.parametrize("flag", ["--http1.1", "--http2-prior-knowledge"])
def test_curl_client(flag, new_topic, sluice_serve, unique_name):
    topic = new_topic()  # before the server, so the server stops first
    srv = sluice_serve()
    c = Curl(flag, srv.url)
    base = unique_name("c").upper()
    source, sink = base + "_SRC", base + "_SINK"

    out = c.ksql(f"CREATE STREAM {source} (ID INT KEY, NAME STRING, AMOUNT DOUBLE) "
                 f"WITH (kafka_topic='{topic}', value_format='json');")
    assert out[0]["commandStatus"]["status"] == "SUCCESS"

    body = "\n".join([json.dumps({"target": source})] + [json.dumps(r) for r in ROWS])
    code, text = c.post("/inserts-stream", body)
    assert code == 200
    assert [json.loads(x) for x in text.splitlines()] == [
        {"status": "ok", "seq": i} for i in range(len(ROWS))]

    out = c.ksql(f"CREATE STREAM {sink} AS SELECT ID, NAME, AMOUNT * 2 AS DOUBLED FROM {source} "
                 f"WHERE AMOUNT > 0 EMIT CHANGES;", EARLIEST)
    csas = out[0]["commandStatus"]["queryId"]
    assert csas.startswith("CSAS_")

    # Push query (delimited): read the header and two rows, then close it.
    p = c.stream("/query-stream", {"sql": f"SELECT * FROM {sink} EMIT CHANGES;",
                                   "properties": EARLIEST})
    try:
        header = json.loads(read_line(p))
        assert header["columnNames"] == ["ID", "NAME", "DOUBLED"]
        assert header["columnTypes"] == ["INTEGER", "STRING", "DOUBLE"]
        rows = [json.loads(read_line(p)) for _ in range(3)]
        assert rows == [[1, "alpha", 3.0], [2, "beta", 40.5], [3, "gamma", 600.0]]
        code, text = c.post("/close-query", {"queryId": header["queryId"]})
        assert code == 200, text
        rest = read_rest(p)  # the response ends
        assert p.wait(30) == 0, p.stderr.read().decode()
        assert rest.split() == ["200", c.version]
    finally:
        p.kill()
        p.wait()

    # Push query with LIMIT on /query (ksqlDB's v1 framing).
    code, text = c.post("/query", {"ksql": f"SELECT ID, DOUBLED FROM {sink} EMIT CHANGES LIMIT 2;",
                                   "streamsProperties": EARLIEST})
    assert code == 200
    arr = json.loads(text)
    assert arr[0]["header"]["schema"] == "`ID` INTEGER, `DOUBLED` DOUBLE"
    assert [e["row"]["columns"] for e in arr[1:-1]] == [[1, 3.0], [2, 40.5]]
    assert arr[-1] == {"finalMessage": "Limit Reached"}

    # A push query whose client goes away is ended by the server.
    p = c.stream("/query-stream", {"sql": f"SELECT * FROM {source} EMIT CHANGES;",
                                   "properties": EARLIEST})
    try:
        gone = json.loads(read_line(p))["queryId"]
        assert json.loads(read_line(p)) == [1, "alpha", 1.5]
    finally:
        p.kill()
        p.wait()
    deadline = time.time() + 10
    while True:
        code, _ = c.post("/close-query", {"queryId": gone})
        if code == 400 or time.time() > deadline:
            break
        time.sleep(0.2)
    assert code == 400, "the query of a client that left is still running"

    # Pull queries: the stream up to its current end, as a JSON array and
    # in the v1 framing.
    code, text = c.post("/query-stream", {"sql": f"SELECT * FROM {source};"},
                        "-H", "Accept: application/json")
    assert code == 200
    arr = json.loads(text)
    assert arr[0]["columnNames"] == ["ID", "NAME", "AMOUNT"]
    assert arr[1:] == [[r["ID"], r["NAME"], r["AMOUNT"]] for r in ROWS]
    code, text = c.post("/query", {"ksql": f"SELECT NAME FROM {source} WHERE ID >= 3;"})
    assert code == 200
    arr = json.loads(text)
    assert [e["row"]["columns"] for e in arr[1:]] == [["gamma"], ["delta"]]

    out = c.ksql(f"TERMINATE {csas}; DROP STREAM {sink};")
    assert [e["commandStatus"]["status"] for e in out] == ["SUCCESS", "SUCCESS"]
    assert srv.alive()
