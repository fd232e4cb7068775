#!/usr/bin/env bash
# API fuzz run (make fuzz): schemathesis against a throwaway server loaded with the demo data.
#
# Every generated request, valid or not, must be answered without a server error, in JSON, with a body
# matching the declared schema. Runs on a temporary SQLite database with the database cache, so it
# touches neither var/ nor a shared Redis. Bounded: FUZZ_MAX_EXAMPLES cases per operation in the fuzzing
# and stateful phases (default 20). All four phases on 152 operations: about 10,800 cases, 4 minutes of
# schemathesis (4.5 minutes with setup) on two cores that other jobs kept busy, the coverage phase about
# 2 of them (9.3 minutes with one runserver process and DEBUG on). FUZZ_SEED replays a run, FUZZ_PORT fixes the port,
# FUZZ_CHECKS the checks, FUZZ_PHASES the phases, FUZZ_WORKERS the fuzzer's workers (3),
# FUZZ_SERVER_PROCESSES the server's processes (3).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"

PY=.venv/bin/python
ST=.venv/bin/schemathesis
HOST=127.0.0.1
PORT="${FUZZ_PORT:-}"
MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-20}"
# All phases, the coverage phase (boundary values of every parameter) included. FUZZ_PHASES narrows a run.
PHASES="${FUZZ_PHASES:-examples,coverage,fuzzing,stateful}"
SEED="${FUZZ_SEED:-}"
# status_code_conformance: every status an operation answers is in the document (the shared error
# statuses are added to every operation by fanxiang.core.api.document_error_responses). Left out:
# positive_data_acceptance (a schema-valid old password or region code is still refused by the domain
# rules).
CHECKS="${FUZZ_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance,negative_data_rejection,unsupported_method,allow_header_conformance,missing_required_header,use_after_free,ensure_resource_availability}"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/fanxiang-fuzz.XXXXXX")"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export DATABASE_URL="sqlite:///$WORK/db.sqlite3"
export FANXIANG_VAR_DIR="$WORK"
export FANXIANG_ENV=development
unset REDIS_URL

if [ -z "$PORT" ]; then
  PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
elif ! "$PY" -c 'import socket, sys; socket.socket().bind(("127.0.0.1", int(sys.argv[1])))' "$PORT" 2>/dev/null; then
  # Otherwise the readiness probe below could be answered by whatever already listens there.
  echo "FUZZ FAILED: port $PORT on $HOST is in use (unset FUZZ_PORT to pick a free one)" >&2
  exit 1
fi
BASE="http://$HOST:$PORT"

echo "== API fuzz run: throwaway database in $WORK, server $BASE =="
# migrate, createcachetable and load_demo in one process (scripts/fuzz_setup.py)
"$PY" scripts/fuzz_setup.py

# scripts/fuzz_server.py: runserver's server classes in FUZZ_SERVER_PROCESSES forked processes (default 3),
# so that the server is not held to one core; DEBUG off as in production (with DEBUG on, every unrouted
# URL renders Django's technical 404 page, a sixth of the server's time, before the API's JSON 404 replaces
# it). Server errors are logged with their tracebacks either way (checked below).
FANXIANG_DEBUG=0 "$PY" scripts/fuzz_server.py "$HOST" "$PORT" "${FUZZ_SERVER_PROCESSES:-3}" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

for _ in $(seq 1 60); do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "FUZZ FAILED: the server exited before answering. Its log:" >&2
    cat "$WORK/server.log" >&2
    exit 1
  fi
  if "$PY" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=20)" \
      "$BASE/api/v1/openapi.json" >/dev/null 2>&1; then
    break
  fi
  sleep 0.5
done
if ! "$PY" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=20)" \
    "$BASE/api/v1/openapi.json" >/dev/null 2>&1; then
  echo "FUZZ FAILED: the server at $BASE did not answer in time. Its log:" >&2
  cat "$WORK/server.log" >&2
  exit 1
fi

TOKEN="$("$PY" - "$BASE" <<'EOF'
import json
import sys
import urllib.request

request = urllib.request.Request(
    sys.argv[1] + "/api/v1/auth/token",
    data=json.dumps({"username": "city_admin", "password": "Demo@2020fx"}).encode(),
    headers={"Content-Type": "application/json"},
    method="POST",
)
with urllib.request.urlopen(request, timeout=10) as response:
    print(json.load(response)["token"])
EOF
)" || { echo "FUZZ FAILED: could not get a token for city_admin" >&2; cat "$WORK/server.log" >&2; exit 1; }

# DELETE /auth/token would revoke the token mid-run: left out. Checks: no 5xx, JSON where JSON is
# declared, bodies that match the declared schemas, invalid input refused with a 4xx, 405 + Allow for
# undeclared methods.
seed_args=()
[ -n "$SEED" ] && seed_args=(--seed "$SEED")
status=0
# Run from the temporary directory: schemathesis keeps its crash cache in ./.schemathesis.
(cd "$WORK" && "$ROOT/$ST" run "$BASE/api/v1/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --checks "$CHECKS" \
  --exclude-operation-id fanxiang_accounts_api_token_delete \
  --max-examples "$MAX_EXAMPLES" \
  --phases "$PHASES" \
  --workers "${FUZZ_WORKERS:-3}" \
  --request-timeout 20 \
  --generation-database none \
  --no-color \
  "${seed_args[@]}") || status=$?

if grep -q "Traceback" "$WORK/server.log"; then
  echo "== server tracebacks during the fuzz run ==" >&2
  grep -B2 -A30 "Traceback" "$WORK/server.log" | head -200 >&2
  status=1
fi
if [ "$status" -ne 0 ]; then
  echo "FUZZ FAILED (schemathesis exit $status)" >&2
  exit "$status"
fi
echo "== API fuzz run passed =="
