#!/usr/bin/env bash
# Runs Portico's standard benchmark set (make bench): synthetic patients are
# imported, `portico serve --demo` is started on a loopback port with the
# per-IP and per-connection limits raised for load, and portico-load runs
# every scenario against it and its own echo baselines. The report goes to
# .cache/bench/<timestamp>.{md,json,svg} (not committed), and a copy of it
# to docs/bench-latest.*. Extra portico-load flags can be
# given in BENCH_ARGS, e.g. BENCH_ARGS="-idle 1000 -dialogs-for 5s".
set -euo pipefail

cd "$(dirname "$0")/../../.."
BIN=${BIN:-bin}
# 30,000: the growth scenario's 5,000 active patients take a record each
# at once, and about one more each before it ends.
PATIENTS=${BENCH_PATIENTS:-30000}
PORT=${BENCH_PORT:-18080}
DEBUG_PORT=${BENCH_DEBUG_PORT:-18081}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=.cache/bench/$stamp
work=$(mktemp -d)
mkdir -p .cache/bench

server_pid=
cleanup() {
	if [ -n "$server_pid" ]; then
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# Each connection is a file descriptor, in the server and in the load
# generator (which raises its own limit too). The growth table goes to
# 50,000 idle sockets: raise the hard limit where allowed (CAP_SYS_RESOURCE); where
# not, portico-load scales the run down and says so in the report.
ulimit -Hn 120000 2>/dev/null || true
ulimit -n "$(ulimit -Hn)"

echo "bench: $PATIENTS synthetic patients"
"$BIN/portico-load" patients -n "$PATIENTS" -out "$work/patients.csv"
export PORTICO_STORAGE_SQLITE_PATH="$work/portico.db"
export PORTICO_LOG_LEVEL=warn
"$BIN/portico" patients import "$work/patients.csv"

# Agents for the handoff scenario (portico-load's -agents, -agent-email and
# -agent-password defaults). Chats are auto-assigned (handoff.auto_assign,
# on by default); with capacity 5 the 20 agents hold the scenario's 100
# patients at once, and each sends at most 25 frames, under its socket's
# burst of 30. The password is no secret: a throwaway database on loopback.
AGENTS=${BENCH_AGENTS:-20}
echo "bench: $AGENTS agents"
for i in $(seq 1 "$AGENTS"); do
	echo "portico bench agent password" | "$BIN/portico" users add --email "bench-agent-$i@example.org" \
		--name "Bench agent $i" --role agent --capacity 5 --password-stdin >/dev/null
done

# Load comes from 127.0.0.1-16, so the per-IP caps (connections, new
# conversations a minute) and the per-connection frame rate (sized for one
# human) are raised; the dev outbox must hold a code for every dialog of
# the run.
export PORTICO_HTTP_MAX_CONNS_PER_IP=100000
export PORTICO_HTTP_NEW_CONVERSATIONS_PER_MINUTE=100000000
export PORTICO_HTTP_RATE_FRAMES=1000
export PORTICO_HTTP_RATE_WINDOW=1s
export PORTICO_HTTP_RATE_BURST=1000
export PORTICO_NOTIFY_DEV_OUTBOX_CAP=$((PATIENTS * 2))
export PORTICO_DEBUG_ADDR=127.0.0.1:$DEBUG_PORT
env ${BENCH_SERVER_ENV:-} "$BIN/portico" serve --demo --addr "127.0.0.1:$PORT" > "$work/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 100); do
	if curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then break; fi
	sleep 0.1
done

# shellcheck disable=SC2086
"$BIN/portico-load" run -url "http://127.0.0.1:$PORT" -patients "$work/patients.csv" -agents "$AGENTS" -out "$out" ${BENCH_ARGS:-}

if grep -q '"level":"error"' "$work/server.log"; then
	echo "bench: the server logged errors:"
	grep '"level":"error"' "$work/server.log" | head -20
fi
# .cache/bench/ is not committed; docs/performance.md links the latest
# report, copied to docs/bench-latest.{md,svg,json}.
name=$(basename "$out")
sed "s|($name.svg)|(bench-latest.svg)|" "$out.md" > docs/bench-latest.md
cp "$out.svg" docs/bench-latest.svg
cp "$out.json" docs/bench-latest.json
echo "bench: report in $out.md (copied to docs/bench-latest.md)"
