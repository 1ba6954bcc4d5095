"""
test_soak.py - a bounded soak of `sluice serve` over loopback: many
concurrent push-query clients and many /ksql requests against one server,
which must stay up, give every client all of its rows, and give its memory
back once the clients have left.

Sizes: by default (CI) one round of 20 push clients and 300 /ksql
requests; with SLUICE_SOAK_FULL=1 the size the issue asks for, 50 push
clients and 1,000 /ksql requests, three rounds of it. tools/soak runs the full size against a broker of its own
and prints the figures (docs/benchmarks.md, section "Server").

The run:
  1. start the server and time it until GET /info answers;
  2. idle RSS (VmRSS of /proc/PID/status) once it serves;
  3. a warm-up round (the push clients, a fifth of the /ksql requests) so
     that allocator arenas, h2o's buffers and librdkafka's pools exist;
     then the baseline RSS after a settle time;
  4. the rounds measured: every push client starts a query from the
     beginning of a topic holding ROWS_BEFORE rows, more rows are produced once all
     have their header, and each reads all of them; meanwhile the /ksql
     requests run from a few threads (a mix of SHOW, DESCRIBE, LIST, one
     failing statement in eight). Clients end in four ways: /close-query,
     hanging up, LIMIT, and HTTP/2 (curl) hanging up;
  5. after the clients of the last round left, RSS must come back within
     10% of the baseline (polled for up to SETTLE_S seconds; the server
     hands memory freed by ended queries back to the OS two seconds after
     the last one ended, see sl_rest_schedule_trim); the server still
     answers and stops cleanly (exit 0).
A summary line "soak: ..." is printed (pytest -s shows it), and written as
JSON to $SLUICE_SOAK_REPORT when that is set.
"""

import json
import os
import queue
import subprocess
import threading
import time

import pytest
import requests

from conftest import SluiceProcess, free_port

FULL = os.environ.get("SLUICE_SOAK_FULL") == "1"
PUSH_CLIENTS = 50 if FULL else 20
KSQL_REQUESTS = 1000 if FULL else 300
KSQL_THREADS = 8
ROUNDS = int(os.environ.get("SLUICE_SOAK_ROUNDS") or (3 if FULL else 1))  # after the warm-up
ROWS_BEFORE = 100   # in the topic before the clients start
ROWS_AFTER = 100    # produced once every client has its header
SETTLE_S = 30.0
EARLIEST = {"auto.offset.reset": "earliest"}


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


class RssSampler(threading.Thread):
    """Samples the server's RSS every 100 ms; .peak is the largest seen."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop_flag = pid, 0, threading.Event()

    def run(self):
        while not self.stop_flag.is_set():
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.1)

    def stop(self):
        self.stop_flag.set()
        self.join()
        return self.peak


def value(i):
    return {"V": f"row-{i}", "N": i}


def key(i):
    return i.to_bytes(4, "big")


# ---------------------------------------------------------------- push clients


class PushClient(threading.Thread):
    """One push query, read until `want` rows came, then ended by `how`:
    close (/close-query), hangup (HTTP/1.1 disconnect), limit (LIMIT in the
    query), h2 (curl over HTTP/2 with prior knowledge, killed)."""

    def __init__(self, url, source, want, how, headers_in):
        super().__init__(daemon=True)
        self.url, self.source, self.want, self.how = url, source, want, how
        self.headers_in = headers_in  # a semaphore released at the header
        self.rows, self.error = [], None

    def run(self):
        try:
            if self.how == "h2":
                self.run_curl()
            else:
                self.run_requests()
        except Exception as e:  # reported by the test
            self.error = f"{self.how}: {e!r}"
            self.headers_in.release()

    def run_requests(self):
        sql = f"SELECT ID, V, N FROM {self.source} EMIT CHANGES"
        sql += f" LIMIT {self.want};" if self.how == "limit" else ";"
        with requests.Session() as s:
            r = s.post(self.url + "/query-stream", json={"sql": sql, "properties": EARLIEST},
                       stream=True, timeout=120)
            assert r.status_code == 200, r.text
            lines = (x for x in r.iter_lines() if x.strip())
            header = json.loads(next(lines))
            self.headers_in.release()
            while len(self.rows) < self.want:
                self.rows.append(json.loads(next(lines)))
            if self.how == "close":
                c = requests.post(self.url + "/close-query", json={"queryId": header["queryId"]},
                                  timeout=30)
                assert c.status_code == 200, c.text
                assert list(lines) == []  # the response ends
            elif self.how == "limit":
                assert list(lines) == []
            r.close()

    def run_curl(self):
        body = json.dumps({"sql": f"SELECT ID, V, N FROM {self.source} EMIT CHANGES;",
                           "properties": EARLIEST})
        p = subprocess.Popen(["curl", "-sS", "-N", "--http2-prior-knowledge", "-X", "POST",
                              self.url + "/query-stream", "--data-binary", body],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            lines = (x for x in iter(p.stdout.readline, b"") if x.strip())
            json.loads(next(lines))
            self.headers_in.release()
            while len(self.rows) < self.want:
                self.rows.append(json.loads(next(lines)))
        finally:
            p.kill()
            p.wait()


# ---------------------------------------------------------------- /ksql load


def ksql_load(url, source, total, threads, stmts=None):
    """Sends `total` /ksql requests from `threads` keep-alive sessions,
    taking statements (with the status each must get) in turn from stmts,
    by default a mix; returns (seconds, {status: count}, [unexpected
    answers]). LIST TOPICS asks the broker, the others answer from memory."""
    stmts = stmts or [("SHOW STREAMS;", 200), (f"DESCRIBE {source};", 200), ("SHOW QUERIES;", 200),
             ("SHOW PROPERTIES;", 200), (f"DESCRIBE {source} EXTENDED;", 200),
             ("LIST TOPICS;", 200), ("SHOW TABLES;", 200), ("DROP STREAM NO_SUCH_STREAM;", 400)]
    work = queue.Queue()
    for i in range(total):
        work.put(stmts[i % len(stmts)])
    counts, bad, lock = {}, [], threading.Lock()

    def worker():
        with requests.Session() as s:
            while True:
                try:
                    sql, want = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    r = s.post(url + "/ksql", json={"ksql": sql, "streamsProperties": {}},
                               timeout=60)
                    code, ok = r.status_code, r.status_code == want and isinstance(r.json(), (list, dict))
                except Exception as e:
                    code, ok = repr(e), False
                with lock:
                    counts[code] = counts.get(code, 0) + 1
                    if not ok:
                        bad.append((sql, code))

    t0 = time.time()
    ts = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return time.time() - t0, counts, bad


# ---------------------------------------------------------------- the round


def push_round(url, source, produce, topic, n_clients, first_id):
    """Runs n_clients push clients over the topic, which holds rows
    [0, first_id) already; produces ROWS_AFTER more once every client has
    its header. Returns the clients."""
    want = first_id + ROWS_AFTER
    hows = ["close", "hangup", "limit", "h2", "close"]
    headers_in = threading.Semaphore(0)
    clients = [PushClient(url, source, want, hows[i % len(hows)], headers_in)
               for i in range(n_clients)]
    for c in clients:
        c.start()
    for _ in clients:
        assert headers_in.acquire(timeout=120), "a push client got no header in 120 s"
    produce(topic, [(key(i), value(i)) for i in range(first_id, want)])
    for c in clients:
        c.join(180)
    return clients


def check_clients(clients, want):
    expected = [[i, f"row-{i}", i] for i in range(want)]
    errors = [c.error for c in clients if c.error]
    assert not errors, errors[:5]
    short = [(c.how, len(c.rows)) for c in clients if c.rows != expected]
    assert not short, f"clients without all their rows (how, rows): {short[:10]}"


def let_queries_end():
    """Transient queries end as their clients leave; a hang-up over HTTP/1.1
    is noticed within about a second (the server polls the socket), and two
    seconds after the last one ended the server hands freed memory back."""
    time.sleep(4.0)


@pytest.fixture
def soak_server(request, tmp_path, sluice_bin, bootstrap):
    """A server started by hand (to time it until /info answers), stopped
    at the end."""
    port = free_port()
    data = tmp_path / "data"
    data.mkdir()
    argv = [sluice_bin, "serve", "--bootstrap", bootstrap, "--data-dir", str(data),
            "--listen", f"http://127.0.0.1:{port}"]
    t0 = time.time()
    p = SluiceProcess(argv, str(tmp_path / "sluice.log"), str(data))
    p.url = f"http://127.0.0.1:{port}"
    while True:
        try:
            if requests.get(p.url + "/info", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            pass
        assert p.alive(), p.log()[-4000:]
        assert time.time() - t0 < 60, "no /info within 60 s"
        time.sleep(0.005)
    p.start_to_info_ms = (time.time() - t0) * 1000
    yield p
    code = p.stop(timeout=30)
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    if failed:
        print(f"---- {' '.join(argv)} (exit {code}) ----")
        print(p.log()[-8000:])


def test_soak(new_topic, soak_server, produce, unique_name):
    srv = soak_server
    pid = srv.proc.pid
    figures = {"full": FULL, "push_clients": PUSH_CLIENTS, "ksql_requests": KSQL_REQUESTS,
               "ksql_threads": KSQL_THREADS, "start_to_info_ms": round(srv.start_to_info_ms, 1)}
    time.sleep(1.0)
    figures["idle_rss_kib"] = rss_kib(pid)

    topic = new_topic()
    source = unique_name("soak").upper()
    r = requests.post(srv.url + "/ksql", json={
        "ksql": f"CREATE STREAM {source} (ID INT KEY, V STRING, N BIGINT) "
                f"WITH (kafka_topic='{topic}', value_format='json');"}, timeout=60)
    assert r.status_code == 200, r.text
    produce(topic, [(key(i), value(i)) for i in range(ROWS_BEFORE)])
    rows = ROWS_BEFORE

    # Warm-up: the same push clients, a fifth of the /ksql requests.
    clients = push_round(srv.url, source, produce, topic, PUSH_CLIENTS, rows)
    rows += ROWS_AFTER
    check_clients(clients, rows)
    secs, counts, bad = ksql_load(srv.url, source, KSQL_REQUESTS // 5, KSQL_THREADS)
    assert not bad, bad[:5]
    figures["ksql_per_s_alone"] = round(KSQL_REQUESTS // 5 / secs, 1)
    n = KSQL_REQUESTS // 5
    secs, _, bad = ksql_load(srv.url, source, n, KSQL_THREADS, [("SHOW STREAMS;", 200)])
    assert not bad, bad[:5]
    figures["ksql_show_streams_per_s_alone"] = round(n / secs, 1)
    let_queries_end()
    time.sleep(5.0)
    figures["baseline_rss_kib"] = base = rss_kib(pid)

    # The rounds measured: push clients and /ksql requests at once. RSS
    # after each round shows a trend a single number would hide.
    figures["after_round_rss_kib"] = []
    sampler = RssSampler(pid)
    sampler.start()
    for _ in range(ROUNDS):
        result = {}
        loader = threading.Thread(target=lambda: result.update(
            zip(("secs", "counts", "bad"), ksql_load(srv.url, source, KSQL_REQUESTS, KSQL_THREADS)))
        )
        loader.start()
        clients = push_round(srv.url, source, produce, topic, PUSH_CLIENTS, rows)
        rows += ROWS_AFTER
        loader.join(300)
        assert srv.alive(), srv.log()[-4000:]
        check_clients(clients, rows)
        assert not result["bad"], result["bad"][:5]
        assert sum(result["counts"].values()) == KSQL_REQUESTS
        figures.setdefault("ksql_per_s_under_load", []).append(
            round(KSQL_REQUESTS / result["secs"], 1))
        let_queries_end()
        figures["after_round_rss_kib"].append(rss_kib(pid))
    figures["peak_rss_kib"] = sampler.stop()
    figures["rows_per_client"] = rows

    # The clients have left: memory must come back.
    deadline = time.time() + SETTLE_S
    while True:
        after = rss_kib(pid)
        if after <= base * 1.10 or time.time() > deadline:
            break
        time.sleep(1.0)
    figures["after_rss_kib"] = after
    figures["settle_s"] = round(SETTLE_S - max(0.0, deadline - time.time()), 1)

    line = "soak: " + json.dumps(figures)
    print(line)
    if os.environ.get("SLUICE_SOAK_REPORT"):
        with open(os.environ["SLUICE_SOAK_REPORT"], "w") as f:
            json.dump(figures, f, indent=2)
    assert after <= base * 1.10, (
        f"RSS did not come back: baseline {base} KiB, {after} KiB {SETTLE_S:.0f} s after the "
        f"clients left (peak {figures['peak_rss_kib']} KiB)")

    # Still serving, and it stops cleanly.
    assert requests.get(srv.url + "/info", timeout=10).status_code == 200
    assert srv.stop(timeout=30) == 0, srv.log()[-4000:]
