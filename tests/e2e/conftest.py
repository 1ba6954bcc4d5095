"""
conftest.py - the plumbing of sluice's end-to-end tests: fixtures that give a
test the address of a real Kafka broker, the sluice binary, unique topic names,
a Kafka admin client, produce/consume helpers and sluice processes (`sluice run`
and `sluice serve`) that are stopped when the test ends.

The tests run through `tools/test e2e`, which starts a single-node broker with
tools/kafka-local on a free port and sets SLUICE_BOOTSTRAP and SLUICE_BIN. To
run them by hand:

    tools/kafka-local start --port 9092
    SLUICE_BOOTSTRAP=127.0.0.1:9092 python -m pytest tests/e2e -q

The broker has auto.create.topics.enable=false: topics a test reads must be
created by the test (new_topic) or by the engine (sink topics).
"""

import json
import os
import pathlib
import re
import signal
import socket
import subprocess
import time
import uuid

import pytest
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

REPO = pathlib.Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- environment


@pytest.fixture(scope="session")
def bootstrap():
    """The broker's bootstrap address (SLUICE_BOOTSTRAP). A missing broker is
    a failure, not a skip: a run that tests nothing must not look green."""
    addr = os.environ.get("SLUICE_BOOTSTRAP")
    if not addr:
        pytest.fail(
            "SLUICE_BOOTSTRAP is not set: run `tools/test e2e`, or start a broker "
            "with `tools/kafka-local start` and export SLUICE_BOOTSTRAP=127.0.0.1:9092",
            pytrace=False,
        )
    return addr


@pytest.fixture(scope="session")
def sluice_bin():
    """Path of the sluice binary (SLUICE_BIN, default build/sluice)."""
    path = pathlib.Path(os.environ.get("SLUICE_BIN") or REPO / "build" / "sluice")
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"no sluice binary at {path}: run tools/build", pytrace=False)
    return str(path)


@pytest.fixture(scope="session")
def admin(bootstrap):
    """A confluent_kafka AdminClient on the test broker, checked to answer."""
    client = AdminClient({"bootstrap.servers": bootstrap})
    try:
        client.list_topics(timeout=15)
    except KafkaException as e:
        pytest.fail(f"the broker at {bootstrap} does not answer: {e}", pytrace=False)
    return client


# ---------------------------------------------------------------- topics


@pytest.fixture
def unique_name(request):
    """unique_name(prefix="t") -> a fresh lower-case name made of the test's
    name and a random suffix, valid as a Kafka topic and as a SQL identifier."""

    def make(prefix="t"):
        base = re.sub(r"[^a-z0-9]+", "_", request.node.name.lower()).strip("_")[:80]
        return f"{prefix}_{base}_{uuid.uuid4().hex[:8]}"

    return make


def wait_for_topic(admin, name, timeout=30.0):
    """Waits until the broker's metadata shows the topic with its partitions;
    returns the partition count."""
    deadline = time.time() + timeout
    while True:
        md = admin.list_topics(topic=name, timeout=10).topics.get(name)
        if md is not None and md.error is None and md.partitions:
            return len(md.partitions)
        if time.time() > deadline:
            raise TimeoutError(f"topic {name} did not appear within {timeout}s")
        time.sleep(0.2)


@pytest.fixture
def new_topic(admin, unique_name):
    """new_topic(prefix="t", partitions=1, config=None, name=None) -> creates a
    topic (unique name unless given), waits for it, and deletes it after the
    test."""
    made = []

    def create(prefix="t", partitions=1, config=None, name=None):
        name = name or unique_name(prefix)
        fut = admin.create_topics([NewTopic(name, partitions, 1, config=config or {})])[name]
        fut.result(timeout=30)
        wait_for_topic(admin, name)
        made.append(name)
        return name

    yield create
    if made:
        for f in admin.delete_topics(made).values():
            try:
                f.result(timeout=30)
            except KafkaException:
                pass


# ---------------------------------------------------------------- records


def _bytes(x):
    if x is None or isinstance(x, bytes):
        return x
    if isinstance(x, str):
        return x.encode()
    return json.dumps(x).encode()


class Record:
    """One consumed record. key/value are bytes (None for null)."""

    def __init__(self, msg):
        self.topic = msg.topic()
        self.partition = msg.partition()
        self.offset = msg.offset()
        self.key = msg.key()
        self.value = msg.value()
        self.timestamp = msg.timestamp()[1]
        self.headers = msg.headers() or []

    def key_str(self):
        return None if self.key is None else self.key.decode()

    def value_json(self):
        return None if self.value is None else json.loads(self.value)

    def __repr__(self):
        return (f"Record({self.topic}[{self.partition}]@{self.offset} ts={self.timestamp} "
                f"key={self.key!r} value={self.value!r})")


@pytest.fixture(scope="session")
def produce(bootstrap):
    """produce(topic, records) writes records and waits for the broker to
    acknowledge them. A record is a value, a (key, value) pair or a dict with
    value and optional key, timestamp (ms), partition, headers ([(k, v)]).
    dict/list/number values are written as JSON, str as UTF-8, bytes as is."""
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})

    def send(topic, records):
        errors = []

        def on_delivery(err, _msg):
            if err is not None:
                errors.append(err)

        for r in records:
            if isinstance(r, tuple):
                r = {"key": r[0], "value": r[1]}
            elif not (isinstance(r, dict) and "value" in r):
                r = {"value": r}
            kw = {}
            if r.get("timestamp") is not None:
                kw["timestamp"] = r["timestamp"]
            if r.get("partition") is not None:
                kw["partition"] = r["partition"]
            if r.get("headers"):
                kw["headers"] = r["headers"]
            producer.produce(topic, key=_bytes(r.get("key")), value=_bytes(r["value"]),
                             on_delivery=on_delivery, **kw)
        left = producer.flush(30)
        assert left == 0, f"{left} records to {topic} were not acknowledged within 30s"
        assert not errors, f"producing to {topic} failed: {errors[0]}"

    yield send
    producer.flush(10)


@pytest.fixture(scope="session")
def consume(bootstrap, admin):
    """consume(topic, n=None, timeout=30) -> [Record] read from the beginning of
    every partition (no consumer group). Returns as soon as n records arrived;
    with n=None it reads until the topic's current end. Waits for the topic to
    exist first (the engine creates sink topics). Fewer than n records after
    the timeout is not an error here: the test asserts on what it got."""

    def read(topic, n=None, timeout=30.0):
        deadline = time.time() + timeout
        parts = wait_for_topic(admin, topic, timeout)
        c = Consumer({
            "bootstrap.servers": bootstrap,
            "group.id": "sluice-e2e-reader",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
            "isolation.level": "read_committed",
        })
        try:
            c.assign([TopicPartition(topic, p, 0) for p in range(parts)])  # offset 0 = beginning
            out, at_eof = [], set()
            while time.time() < deadline:
                if n is not None and len(out) >= n:
                    break
                if n is None and len(at_eof) == parts:
                    break
                msg = c.poll(0.2)
                if msg is None:
                    continue
                if msg.error():
                    if msg.error().code() == -191:  # KafkaError._PARTITION_EOF
                        at_eof.add(msg.partition())
                        continue
                    raise KafkaException(msg.error())
                at_eof.discard(msg.partition())
                out.append(Record(msg))
            return out
        finally:
            c.close()

    return read


# ---------------------------------------------------------------- sluice processes


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SluiceProcess:
    """A sluice process started by a fixture. Output (stdout and stderr) goes to
    log_path; data_dir is private to it."""

    def __init__(self, argv, log_path, data_dir, env=None):
        self.argv = argv
        self.log_path = log_path
        self.data_dir = data_dir
        self.url = None
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=REPO,
                                     env={**os.environ, **(env or {})})

    def alive(self):
        return self.proc.poll() is None

    def log(self):
        return pathlib.Path(self.log_path).read_text(errors="replace")

    def wait_for_log(self, pattern, timeout=30.0):
        """Waits until the log matches the regex; returns the match. Raises if
        the process exits or the time runs out first."""
        deadline = time.time() + timeout
        rx = re.compile(pattern)
        while True:
            m = rx.search(self.log())
            if m:
                return m
            if not self.alive():
                raise AssertionError(f"sluice exited ({self.proc.returncode}) before its log "
                                     f"matched {pattern!r}:\n{self.log()[-4000:]}")
            if time.time() > deadline:
                raise TimeoutError(f"log did not match {pattern!r} within {timeout}s:\n"
                                   f"{self.log()[-4000:]}")
            time.sleep(0.1)

    def stop(self, timeout=15.0):
        """SIGTERM, then SIGKILL after timeout; returns the exit code (negative
        for a signal). A clean shutdown is expected to return 0."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()
        return self.proc.returncode


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # Remember each phase's outcome on the test item so fixtures can tell in
    # their teardown whether the test failed.
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def _process_factory(request, tmp_path, make_argv):
    started = []

    def start(*args, **kwargs):
        n = len(started) + 1
        data_dir = tmp_path / f"sluice-data-{n}"
        data_dir.mkdir()
        argv, env, ready = make_argv(n, data_dir, *args, **kwargs)
        p = SluiceProcess(argv, str(tmp_path / f"sluice-{n}.log"), str(data_dir), env)
        started.append(p)
        if ready:
            ready(p)
        return p

    yield start
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for p in started:
        code = p.stop()
        if failed:
            # Shown with the failure report (captured teardown output).
            print(f"---- {' '.join(p.argv)} (exit {code}) ----")
            print(p.log()[-8000:])


@pytest.fixture
def sluice_run(request, tmp_path, sluice_bin, bootstrap):
    """sluice_run(sql, *extra_args, env=None) -> SluiceProcess running
    `sluice run FILE.sql --bootstrap B --data-dir DIR` on the SQL text given.
    The process is stopped at the end of the test; call .stop() to check its
    exit code yourself."""

    def argv(n, data_dir, sql, *extra, env=None):
        script = tmp_path / f"script-{n}.sql"
        script.write_text(sql)
        return ([sluice_bin, "run", str(script), "--bootstrap", bootstrap,
                 "--data-dir", str(data_dir), *extra], env, None)

    yield from _process_factory(request, tmp_path, argv)


@pytest.fixture
def sluice_serve(request, tmp_path, sluice_bin, bootstrap):
    """sluice_serve(*extra_args, env=None, timeout=30) -> SluiceProcess running
    `sluice serve --bootstrap B --data-dir DIR --listen http://127.0.0.1:PORT`, once
    GET /healthcheck answers; its base address is .url."""
    import requests

    def argv(n, data_dir, *extra, env=None, timeout=30.0):
        port = free_port()

        def ready(p):
            p.url = f"http://127.0.0.1:{port}"
            deadline = time.time() + timeout
            while True:
                try:
                    if requests.get(p.url + "/healthcheck", timeout=2).status_code == 200:
                        return
                except requests.RequestException:
                    pass
                if not p.alive():
                    raise AssertionError(f"sluice serve exited ({p.proc.returncode}):\n"
                                         f"{p.log()[-4000:]}")
                if time.time() > deadline:
                    raise TimeoutError(f"sluice serve did not answer /healthcheck within "
                                       f"{timeout}s:\n{p.log()[-4000:]}")
                time.sleep(0.1)

        return ([sluice_bin, "serve", "--bootstrap", bootstrap, "--data-dir", str(data_dir),
                 "--listen", f"http://127.0.0.1:{port}", *extra], env, ready)

    yield from _process_factory(request, tmp_path, argv)
