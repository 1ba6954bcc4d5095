"""
test_shell_tty.py - `sluice shell` driven through a real pseudo-terminal
(tmux), the way a person uses it: the banner, multi-line input with its
continuation prompt, a status box for CREATE STREAM, a boxed table for SHOW
STREAMS, a caret under the position of a syntax error, Ctrl-C at the prompt
and during a push query (back to the prompt, the shell keeps working),
history kept in ~/.sluice_history across sessions, and exit.

Most tests talk to a real `sluice serve` on the real broker. They skip, with
the reason, only when `sluice serve` does not answer over HTTP. The push
query test on the real server also needs the engine's transient queries and
skips while the server answers "not supported". A second group runs the same
keystrokes against a small stand-in server written here (FakeKsql), so the
shell's own streaming, Ctrl-C and terminal-width behaviour is checked
whatever state the engine is in; those need no broker.

tmux runs on a private socket per test (-L), so nothing here touches anyone
else's tmux sessions. A ';' is sent as a hex key: tmux's command parser
would take an argument ending in ';' as a command separator.
"""

import json
import pathlib
import re
import shlex
import shutil
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

# ---------------------------------------------------------------- tmux


class Tmux:
    """One shell in a detached tmux session of a given size."""

    def __init__(self, argv, home, width=120, height=50):
        if not shutil.which("tmux"):
            pytest.fail("tmux is not installed: run tools/setup", pytrace=False)
        self.sock = f"sluice-e2e-{uuid.uuid4().hex[:10]}"
        self.target = "shell"
        cmd = (f"env HOME={shlex.quote(str(home))} {shlex.join(argv)}; "
               f"echo SHELL-EXIT=$?; sleep 600")
        self._tmux("new-session", "-d", "-s", self.target, "-x", str(width), "-y", str(height),
                   cmd)

    def _tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.sock, *args], check=True,
                              capture_output=True, text=True, timeout=20).stdout

    def type(self, text, enter=True):
        """Types text literally, then Enter."""
        parts = text.split(";")
        for i, part in enumerate(parts):
            if part:
                self._tmux("send-keys", "-t", self.target, "-l", part)
            if i < len(parts) - 1:
                self._tmux("send-keys", "-t", self.target, "-H", "3b")
        if enter:
            self._tmux("send-keys", "-t", self.target, "Enter")

    def key(self, *keys):
        self._tmux("send-keys", "-t", self.target, *keys)

    def screen(self):
        """Everything shown so far (scroll-back included), wrapped lines joined,
        without trailing blanks (-J keeps them, and libedit leaves some)."""
        text = self._tmux("capture-pane", "-p", "-J", "-S", "-", "-t", self.target)
        return "\n".join(ln.rstrip() for ln in text.split("\n"))

    def mark(self):
        """A position in the screen text; wait_for(..., since=mark) looks after it."""
        return len(self.screen().rstrip("\n"))

    def wait_for(self, pattern, timeout=20.0, since=0):
        """Waits until the screen (from since) matches the regex; returns the match."""
        rx = re.compile(pattern, re.M)
        deadline = time.time() + timeout
        while True:
            text = self.screen()
            m = rx.search(text, since)
            if m:
                return m
            if time.time() > deadline:
                raise AssertionError(f"the screen did not show {pattern!r} within {timeout}s:\n"
                                     f"{text[-4000:]}")
            time.sleep(0.1)

    def close(self):
        subprocess.run(["tmux", "-L", self.sock, "kill-server"], capture_output=True, timeout=20)


@pytest.fixture
def tmux_shell(tmp_path, sluice_bin):
    """tmux_shell(url, *args, width=120, home=None) -> Tmux running
    `sluice shell url args` with HOME in tmp_path (or home)."""
    opened = []

    def start(url, *args, width=120, height=50, home=None):
        home = home or tmp_path / "home"
        pathlib.Path(home).mkdir(exist_ok=True)
        t = Tmux([sluice_bin, "shell", url, *args], home, width, height)
        opened.append(t)
        t.wait_for(r"^sluice>", 15)
        return t

    yield start
    for t in opened:
        t.close()


@pytest.fixture
def server(sluice_serve):
    """A real `sluice serve` on the test broker, answering /info; skips when
    serve has no REST API yet (the only reason to skip)."""
    try:
        p = sluice_serve(timeout=30)
    except TimeoutError as e:
        pytest.skip(f"sluice serve does not answer over HTTP yet: {str(e).splitlines()[0]}")
    r = requests.get(p.url + "/info", timeout=5)
    if r.status_code != 200:
        pytest.skip(f"sluice serve does not answer /info yet (HTTP {r.status_code})")
    return p


def caret_checks(t, since, stmt_line, char):
    """After an error, the screen shows 'line L:C', then the statement's line
    L and a caret under column C, which must point at char."""
    m = t.wait_for(r"line (\d+):(\d+)", since=since)
    col = int(m.group(2))
    tail = t.screen()[m.start():]
    lines = tail.split("\n")
    for i in range(1, len(lines) - 1):
        if lines[i].rstrip() == stmt_line.rstrip() and lines[i + 1].strip() == "^":
            caret = lines[i + 1].index("^")
            assert caret == col - 1, f"caret at {caret}, message says column {col}:\n{tail}"
            assert lines[i][caret] == char, f"caret under {lines[i][caret]!r}:\n{tail}"
            return
    raise AssertionError(f"no statement line with a caret under it:\n{tail}")


# ---------------------------------------------------------------- real server


def test_shell_session_on_real_server(server, tmux_shell, new_topic, tmp_path):
    topic = new_topic("shell")
    stream = f"S_{uuid.uuid4().hex[:8]}".upper()
    t = tmux_shell(server.url)

    # Banner: versions and the server's address and status.
    banner = t.screen()
    assert re.search(r"CLI v\S+, Server v\S+ located at " + re.escape(server.url), banner), banner
    assert "Server Status: RUNNING" in banner

    # Multi-line CREATE STREAM: a continuation prompt, then the status box.
    at = t.mark()
    t.type(f"CREATE STREAM {stream} (id INT KEY, name STRING)")
    t.wait_for(r"^      >$", since=at)
    t.type(f"  WITH (kafka_topic='{topic}', value_format='json');")
    m = t.wait_for(r"^ Message\s*\n-+\n Stream created\s*\n-+$", since=at)
    assert m

    # SHOW STREAMS: a listing with its header, rules and the new stream.
    at = t.mark()
    t.type("SHOW STREAMS;")
    m = t.wait_for(r"^ Stream Name +\| Kafka Topic +\| Key Format +\| Value Format +\| Windowed"
                   r" *\n-+\n(?:.*\n)*? " + stream + r" +\| " + re.escape(topic) +
                   r" +\| KAFKA +\| JSON +\| false", since=at)
    # The two rules are as wide as the header.
    # (tmux drops trailing blanks: the header's last cell ends with one.)
    rules = re.findall(r"^-+$", t.screen()[at:], re.M)
    header = m.group(0).split("\n")[0].rstrip()
    assert len(rules) >= 2 and len(rules[0]) == len(header) + 1, t.screen()[at:]

    # A syntax error on the second line of a statement: caret under it.
    at = t.mark()
    t.type("CREATE STREAM oops (id INT)")
    t.type("  WITH (kafka_topic = = 'x');")
    caret_checks(t, at, "  WITH (kafka_topic = = 'x');", "=")

    # The shell still works, then exits cleanly.
    at = t.mark()
    t.type("DESCRIBE " + stream + ";")
    t.wait_for(r"^Name +: " + stream, since=at)
    t.wait_for(r"^ ID +\| INTEGER +\(key\)", since=at)
    t.type("exit")
    t.wait_for(r"^Exiting sluice\.\nSHELL-EXIT=0$")


@pytest.mark.parametrize("proto", [[], ["--http2"]], ids=["http1", "http2"])
def test_shell_push_query_ctrl_c_on_real_server(server, tmux_shell, new_topic, produce, proto):
    topic = new_topic("push")
    produce(topic, [(str(i), {"NAME": f"n{i}"}) for i in range(3)])
    stream = f"P_{uuid.uuid4().hex[:8]}".upper()
    t = tmux_shell(server.url, *proto)
    t.type(f"CREATE STREAM {stream} (id STRING KEY, name STRING) "
           f"WITH (kafka_topic='{topic}', value_format='json');")
    t.wait_for("Stream created")
    t.type("SET 'auto.offset.reset' = 'earliest';")
    t.wait_for("Successfully changed local property 'auto.offset.reset' to 'earliest'")
    at = t.mark()
    t.type(f"SELECT * FROM {stream} EMIT CHANGES;")
    m = t.wait_for(r"\|n2 *\||not supported|[Ee]rror", since=at, timeout=60)
    if "n2" not in m.group(0):
        if "not supported" in m.group(0):
            pytest.skip("the engine does not run transient queries yet "
                        "(the shell showed the server's error)")
        raise AssertionError(f"the push query failed:\n{t.screen()[at:]}")
    t.key("C-c")
    t.wait_for(r"^\+[-+]+\+\nQuery terminated\nsluice>$", since=at, timeout=10)
    # Back at the prompt, and working.
    at = t.mark()
    t.type("SHOW STREAMS;")
    t.wait_for(r"^ " + stream + r" +\|", since=at)


def test_shell_history_persists(server, tmux_shell, tmp_path):
    home = tmp_path / "hist-home"
    t = tmux_shell(server.url, home=home)
    t.type("SHOW STREAMS;")
    t.wait_for("Stream Name")
    t.type("SHOW")
    t.type("TABLES;")
    t.wait_for("Table Name")
    t.type("exit")
    t.wait_for("SHELL-EXIT=0")
    hist = (home / ".sluice_history").read_text()
    assert "SHOW\\040STREAMS;" in hist or "SHOW STREAMS;" in hist, hist
    # A multi-line statement is kept as one line.
    assert "SHOW\\040TABLES;" in hist or "SHOW TABLES;" in hist, hist

    # A new session recalls them with the Up arrow.
    t2 = tmux_shell(server.url, home=home)
    at = t2.mark()
    t2.key("Up")
    t2.wait_for(r"> SHOW TABLES;$", since=at - 1)
    t2.key("Up")
    t2.wait_for(r"> SHOW STREAMS;$", since=at - 1)
    t2.key("Enter")
    t2.wait_for("Stream Name", since=at)


# ---------------------------------------------------------------- stand-in server


class FakeKsql:
    """Just enough of the REST API to exercise the shell: /info, /ksql (status
    entities, a listing, positioned errors), /query-stream (a push query that
    writes a row every 0.1 s until the client goes or LIMIT 3, a pull query
    of three rows) and /close-query. Remembers what it was asked."""

    def __init__(self, auth=None):
        self.requests = []
        self.auth = auth  # "Basic ..." header value every request must carry
        self.closed = []
        self.disconnected = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _json(self, code, obj):
                body = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _refused(self):
                if fake.auth and self.headers.get("Authorization") != fake.auth:
                    self._json(401, {"@type": "generic_error", "error_code": 40100,
                                     "message": "Unauthorized"})
                    return True
                return False

            def do_GET(self):
                if self._refused():
                    return
                if self.path == "/info":
                    self._json(200, {"KsqlServerInfo": {"version": "9.9.9",
                                                        "serverStatus": "RUNNING"}})
                else:
                    self._json(404, {"message": "not found"})

            def _chunk(self, text):
                data = text.encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()

            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                req = json.loads(self.rfile.read(n) or b"{}")
                if self._refused():
                    return
                fake.requests.append((self.path, req))
                if self.path == "/close-query":
                    fake.closed.append(req.get("queryId"))
                    return self._json(200, {})
                if self.path == "/ksql":
                    sql = req["ksql"]
                    if "OOPS" in sql:
                        col = sql.index("OOPS") + 1
                        return self._json(400, {"@type": "statement_error", "error_code": 40001,
                                                "message": f"line 1:{col}: Syntax Error",
                                                "statementText": sql, "entities": [],
                                                "stackTrace": []})
                    return self._json(200, [{
                        "@type": "queries", "statementText": sql, "warnings": [],
                        "queries": [{"id": "CSAS_LONG_1", "queryType": "PERSISTENT",
                                     "state": "RUNNING", "statusCount": {"RUNNING": 1},
                                     "sinks": ["LONG"], "sinkKafkaTopics": ["LONG"],
                                     "queryString": "CREATE STREAM LONG AS SELECT " +
                                     ", ".join(f"COLUMN_NUMBER_{i}" for i in range(12)) +
                                     " FROM SOURCE_STREAM EMIT CHANGES;"}]}])
                if self.path != "/query-stream":
                    return self._json(404, {"message": "not found"})
                sql = req["sql"].upper()
                push = "EMIT CHANGES" in sql
                self.send_response(200)
                self.send_header("Content-Type", "application/vnd.ksqlapi.delimited.v1")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self._chunk(json.dumps({"queryId": "transient_FAKE_1",
                                        "columnNames": ["ID", "NAME"],
                                        "columnTypes": ["INTEGER", "STRING"]}) + "\n")
                i = 0
                try:
                    while True:
                        i += 1
                        self._chunk(json.dumps([i, f"row-{i}"]) + "\n")
                        if (not push and i == 3) or ("LIMIT 3" in sql and i == 3):
                            break
                        if push:
                            time.sleep(0.1)
                        if i > 3000:
                            break
                    self.wfile.write(b"0\r\n\r\n")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    fake.disconnected.set()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def fake():
    f = FakeKsql()
    yield f
    f.close()


def test_shell_ctrl_c_stops_push_query(fake, tmux_shell):
    t = tmux_shell(fake.url)
    assert "Server v9.9.9 located at " + fake.url in t.screen()
    at = t.mark()
    t.type("SELECT * FROM s")
    t.type("  EMIT CHANGES;")
    t.wait_for(r"^Press CTRL-C to interrupt\n\+-+\+-+\+\n\|ID +\|NAME +\|\n\+-+\+-+\+\n", since=at)
    t.wait_for(r"^\|5 +\|row-5 +\|$", since=at)
    t.key("C-c")
    t.wait_for(r"^\+-+\+-+\+\nQuery terminated\nsluice>$", since=at, timeout=5)
    # The stream was closed and the query closed by id.
    assert fake.disconnected.wait(5)
    deadline = time.time() + 5
    while "transient_FAKE_1" not in fake.closed and time.time() < deadline:
        time.sleep(0.1)
    assert fake.closed == ["transient_FAKE_1"]
    # No "^C" landed inside the table.
    assert "^C" not in t.screen()[at:]
    # Still working: a pull query prints one table sized to its rows.
    at = t.mark()
    t.type("SELECT * FROM t WHERE id = 1;")
    t.wait_for(r"^\+--\+-----\+\n\|ID\|NAME \|\n\+--\+-----\+\n\|1 \|row-1\|\n\|2 \|row-2\|\n"
               r"\|3 \|row-3\|\n\+--\+-----\+\nsluice>$", since=at)


def test_shell_push_query_limit_ends_by_itself(fake, tmux_shell):
    t = tmux_shell(fake.url)
    at = t.mark()
    t.type("SELECT * FROM s EMIT CHANGES LIMIT 3;")
    t.wait_for(r"^\|3 +\|row-3 +\|\n\+-+\+-+\+\nQuery terminated\nsluice>$", since=at)


def test_shell_ctrl_c_at_prompt_drops_input(fake, tmux_shell):
    t = tmux_shell(fake.url)
    at = t.mark()
    t.type("SHOW")                # a statement in progress...
    t.wait_for(r"^      >$", since=at)
    t.key("C-c")                  # ...dropped
    t.wait_for(r"^sluice>$", since=at)
    t.type("SELECT * FROM t;")    # a new statement, not "SHOW SELECT ..."
    t.wait_for(r"^\|3 \|row-3\|", since=at)
    assert fake.requests[-1] == ("/query-stream", {"sql": "SELECT * FROM t;", "properties": {},
                                                   "sessionVariables": {}})


def test_shell_tables_fit_narrow_terminal(fake, tmux_shell):
    t = tmux_shell(fake.url, width=60)
    at = t.mark()
    t.type("SHOW QUERIES;")
    t.wait_for(r"For detailed information on a Query run", since=at)
    out = t.screen()[at:]
    table = [ln for ln in out.split("\n") if "|" in ln or re.fullmatch(r"-+", ln.strip() or "x")]
    assert table, out
    assert max(len(ln.rstrip()) for ln in table) <= 60, out
    # The long query string wrapped onto several lines, nothing lost.
    joined = re.sub(r"\s+", "", "".join(ln.split("|")[-1] for ln in table if "|" in ln))
    assert "COLUMN_NUMBER_11FROMSOURCE_STREAMEMITCHANGES;" in joined, out


def test_shell_error_caret_and_several_statements_per_line(fake, tmux_shell):
    t = tmux_shell(fake.url)
    at = t.mark()
    # Two statements on one line, with a ';' inside a string and a comment:
    # each goes to the server on its own.
    t.type("DEFINE v = 'a;b'; SHOW QUERIES; -- trailing; comment")
    t.wait_for("For detailed information on a Query run", since=at)
    assert fake.requests[-1][1]["ksql"] == "SHOW QUERIES;"
    assert fake.requests[-1][1]["sessionVariables"] == {"V": "a;b"}
    at = t.mark()
    t.type("SHOW   OOPS;")
    caret_checks(t, at, "SHOW   OOPS;", "O")


def test_shell_json_output_mode(fake, tmux_shell):
    t = tmux_shell(fake.url)
    t.type("OUTPUT JSON;")
    t.wait_for("Output format set to JSON")
    at = t.mark()
    t.type("SHOW QUERIES;")
    t.wait_for(r"^\s*\]\n\}\nsluice>$", since=at)
    text = t.screen()[at:]
    body = text[text.index("{"):text.rindex("}") + 1]
    assert json.loads(body)["queries"][0]["id"] == "CSAS_LONG_1"
    t.type("output tabular")
    t.wait_for("Output format set to TABULAR")


def test_shell_basic_auth_and_config_file(sluice_bin, tmp_path):
    """-u/-p send HTTP Basic credentials; a refusal is explained; properties
    from --config-file ride along with every request, as SET's do."""
    import base64
    f = FakeKsql(auth="Basic " + base64.b64encode(b"alice:s3cret").decode())
    try:
        def run(*args):
            return subprocess.run([sluice_bin, "shell", f.url, *args], capture_output=True,
                                  text=True, timeout=30, stdin=subprocess.DEVNULL)

        r = run("-e", "SHOW QUERIES;")
        assert r.returncode == 1
        assert "refused the credentials (HTTP 401)" in r.stderr, r.stderr
        r = run("-u", "alice", "-p", "wrong", "-e", "SHOW QUERIES;")
        assert r.returncode == 1
        cfg = tmp_path / "shell.properties"
        cfg.write_text("# client properties\nauto.offset.reset=earliest\n")
        r = run("-u", "alice", "-p", "s3cret", "--config-file", str(cfg), "-e", "SHOW QUERIES;")
        assert r.returncode == 0, r.stderr
        assert "CSAS_LONG_1" in r.stdout
        assert f.requests[-1][1]["streamsProperties"] == {"auto.offset.reset": "earliest"}
    finally:
        f.close()
