#!/usr/bin/env bash
# Runs Portico's standard benchmark set (make bench): synthetic patients are
# imported, `portico serve --demo` is started on a loopback port with the
# per-IP and per-connection limits raised for load, and portico-load runs
# every scenario against it and its own echo baselines. The report goes to
# .cache/bench/<timestamp>.{md,json,svg} (not committed), and a copy of it
# to docs/bench-latest.*. Extra portico-load flags can be
# given in BENCH_ARGS, e.g. BENCH_ARGS="-idle 1000 -dialogs-for 5s".
#
# BENCH_DRIVER=postgres runs the server on PostgreSQL (BENCH_POSTGRES_URL,
# by default the development server's database test, in a schema of the
# run's own, dropped at the end), and BENCH_NODES=2 runs two nodes on it,
# the load spread over both (portico-load -url lists them). The report of
# those runs is copied to docs/bench-latest-postgres.* and
# docs/bench-latest-2nodes.*.
set -euo pipefail

cd "$(dirname "$0")/../../.."
BIN=${BIN:-bin}
# 30,000: the growth scenario's 5,000 active patients take a record each
# at once, and about one more each before it ends.
PATIENTS=${BENCH_PATIENTS:-30000}
PORT=${BENCH_PORT:-18080}
DEBUG_PORT=${BENCH_DEBUG_PORT:-18081}
DRIVER=${BENCH_DRIVER:-sqlite}
NODES=${BENCH_NODES:-1}
PG_URL=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
variant=""
if [ "$DRIVER" = postgres ]; then variant="-postgres"; fi
if [ "$NODES" -gt 1 ]; then variant="-${NODES}nodes"; fi
out=.cache/bench/$stamp$variant
work=$(mktemp -d)
mkdir -p .cache/bench
if [ "$NODES" -gt 1 ] && [ "$DRIVER" != postgres ]; then
	echo "bench: BENCH_NODES=$NODES needs BENCH_DRIVER=postgres" >&2
	exit 2
fi

server_pids=()
schema=""
cleanup() {
	for pid in "${server_pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	if [ -n "$schema" ]; then
		psql -q "$PG_URL" -c "SET client_min_messages = warning; DROP SCHEMA $schema CASCADE" >/dev/null || true
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
if [ "$DRIVER" = postgres ]; then
	schema="bench_$(echo "$stamp" | tr 'A-Z' 'a-z')"
	psql -q "$PG_URL" -c "CREATE SCHEMA $schema" >/dev/null
	sep='?'
	case "$PG_URL" in *\?*) sep='&' ;; esac
	export PORTICO_STORAGE_DRIVER=postgres
	export PORTICO_STORAGE_POSTGRES_URL="$PG_URL${sep}search_path=$schema"
	export PORTICO_STORAGE_POSTGRES_KEY_FILE="$work/outbox.key" # the same file for every node
	echo "bench: PostgreSQL, schema $schema, $NODES node(s)"
fi
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
# Node i listens on PORT+2i, its debug listener on DEBUG_PORT+2i; they
# start one after the other (the first seeds the demo).
urls=""
for i in $(seq 0 $((NODES - 1))); do
	port=$((PORT + 2 * i))
	# shellcheck disable=SC2086
	env PORTICO_DEBUG_ADDR="127.0.0.1:$((DEBUG_PORT + 2 * i))" PORTICO_NODE_NAME="bench-$i" \
		PORTICO_DEMO_SECOND_ADDR=127.0.0.1:0 ${BENCH_SERVER_ENV:-} \
		"$BIN/portico" serve --demo --addr "127.0.0.1:$port" > "$work/server-$i.log" 2>&1 &
	server_pids+=($!)
	for _ in $(seq 1 100); do
		if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then break; fi
		sleep 0.1
	done
	urls="$urls${urls:+,}http://127.0.0.1:$port"
done

# shellcheck disable=SC2086
"$BIN/portico-load" run -url "$urls" -patients "$work/patients.csv" -agents "$AGENTS" -out "$out" ${BENCH_ARGS:-}

if grep -q '"level":"error"' "$work"/server-*.log; then
	echo "bench: the server logged errors:"
	grep -h '"level":"error"' "$work"/server-*.log | head -20
fi
# .cache/bench/ is not committed; docs/performance.md links the latest
# report, copied to docs/bench-latest.{md,svg,json}.
name=$(basename "$out")
latest=bench-latest$variant
sed "s|($name.svg)|($latest.svg)|" "$out.md" > "docs/$latest.md"
cp "$out.svg" "docs/$latest.svg"
cp "$out.json" "docs/$latest.json"
echo "bench: report in $out.md (copied to docs/$latest.md)"
