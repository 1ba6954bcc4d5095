# tools/lib.sh - shell helpers shared by the scripts in tools/ (setup, build,
# kafka-local, test, quickstart). It is sourced, never run: it fixes the repo
# root, the cache directory, the Python interpreter and a few small helpers so
# every script agrees on where things live.

SL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Everything downloaded (Kafka jars) lives outside the work tree so a fresh
# clone reuses it and `git status` stays clean.
SL_CACHE=${SLUICE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/sluice}
SL_KAFKA_JARS=$SL_CACHE/kafka
SL_PYTHON=${SLUICE_PYTHON:-python3}
SL_JOBS=${SLUICE_JOBS:-2}

sl_say() { printf '%s: %s\n' "${SL_PROG:-sluice}" "$*"; }
sl_die() {
  printf '%s: error: %s\n' "${SL_PROG:-sluice}" "$*" >&2
  exit 1
}

# sl_free_port: prints a TCP port on 127.0.0.1 that nothing listens on now.
# The kernel picks it, so two concurrent runs do not collide.
sl_free_port() {
  "$SL_PYTHON" - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

# sl_port_busy PORT: true when something accepts connections on 127.0.0.1:PORT.
sl_port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# sl_pid_alive PIDFILE: true when the pid file names a live process; prints it.
sl_pid_alive() {
  local pid
  [ -f "$1" ] || return 1
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

# sl_stop_pid PID NAME [SECONDS]: SIGTERM, wait up to SECONDS (default 30)
# for the process to go, then SIGKILL.
sl_stop_pid() {
  local pid=$1 name=$2 secs=${3:-30} i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < secs * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  sl_say "$name (pid $pid) did not stop in ${secs}s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.2
}

# sl_spawn PIDFILE LOGFILE CMD...: starts CMD in the background in a session
# of its own (Ctrl-C in the terminal that started it does not reach it), with
# stdout and stderr in LOGFILE, and returns once PIDFILE holds its pid. The
# inner shell writes its own pid and then becomes CMD, so the pid is CMD's.
sl_spawn() {
  local pidfile=$1 logfile=$2 i
  shift 2
  rm -f "$pidfile"
  setsid sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$pidfile" "$@" >"$logfile" 2>&1 </dev/null &
  for ((i = 0; i < 50; i++)); do
    [ -s "$pidfile" ] && return 0
    sleep 0.1
  done
  sl_die "could not start $1"
}

# sl_kafka_classpath: the cached broker jars as a class path.
sl_kafka_classpath() {
  local jars=("$SL_KAFKA_JARS"/*.jar)
  [ -e "${jars[0]}" ] || sl_die "no Kafka jars in $SL_KAFKA_JARS: run tools/setup"
  local IFS=:
  echo "${jars[*]}"
}

# sl_topics BOOTSTRAP create|delete NAME[:PARTITIONS]... : creates (1
# partition unless given; existing ones are kept) or deletes topics with the
# Python admin client and waits for the broker to finish, so the next step can
# rely on it.
sl_topics() {
  "$SL_PYTHON" - "$@" <<'EOF'
import sys, time
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic
bootstrap, op = sys.argv[1], sys.argv[2]
parts = dict((a.split(":", 1) + ["1"])[:2] for a in sys.argv[3:])
names = list(parts)
admin = AdminClient({"bootstrap.servers": bootstrap})
def existing():
    return set(admin.list_topics(timeout=10).topics)
if op == "create":
    todo = [n for n in names if n not in existing()]
    if todo:
        deadline = time.time() + 30
        while True:
            futs = admin.create_topics([NewTopic(n, int(parts[n]), 1) for n in todo])
            pending = []
            for n, f in futs.items():
                try:
                    f.result(timeout=15)
                except KafkaException as e:
                    err = e.args[0]
                    if err.name() == "TOPIC_ALREADY_EXISTS":
                        continue
                    # A topic deleted a moment ago is still being removed.
                    if time.time() < deadline and err.retriable():
                        pending.append(n)
                        continue
                    sys.exit(f"cannot create topic {n}: {err.str()}")
            if not pending:
                break
            todo = pending
            time.sleep(0.5)
else:
    todo = [n for n in names if n in existing()]
    if todo:
        for n, f in admin.delete_topics(todo).items():
            try:
                f.result(timeout=15)
            except KafkaException as e:
                if e.args[0].name() != "UNKNOWN_TOPIC_OR_PART":
                    sys.exit(f"cannot delete topic {n}: {e.args[0].str()}")
        deadline = time.time() + 30
        while set(todo) & existing():
            if time.time() > deadline:
                sys.exit("topics still present 30s after deletion: " + ", ".join(todo))
            time.sleep(0.3)
EOF
}

# sl_usage: prints the calling script's header comment (its --help text).
sl_usage() {
  sed -n '2,/^[^#]/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}
