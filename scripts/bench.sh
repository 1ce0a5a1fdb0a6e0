#!/usr/bin/env bash
# The create-training-records benchmark (shared/bench/README.md): Backdrop against the Python
# peer on the standard 1M-record inputs, CSV and XML.
#   scripts/bench.sh [ROWS]         ROWS is 1m (default) or 100k
# Needs a release build (make build). Prints one line per run and a table at the end.
# Time: from the `mv` into the inbox until job.finished appears. Memory: the daemon's VmHWM.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SHARED="${BACKDROP_SHARED:-$ROOT/../shared}"
DATA="${BENCH_DATA:-/tmp/bench-data}"
ROWS="${1:-1m}"
BIN="$ROOT/.build/release/backdrop"
PY="${BENCH_PYTHON:-python3}"
FORMATS="${BENCH_FORMATS:-csv xml}"
PEER="${BENCH_PEER:-yes}"
[ -x "$BIN" ] || { echo "bench: build first (make build)" >&2; exit 66; }
[ -f "$DATA/records_$ROWS.csv" ] || "$SHARED/bench/prepare.sh" "$DATA" >&2

now() { date +%s.%N; }
wait_for() { # FILE TIMEOUT_SECONDS
  local deadline=$(( $(date +%s) + $2 ))
  until [ -e "$1" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "bench: timed out waiting for $1" >&2; return 1; }
    sleep 0.01
  done
}

results=()
for fmt in $FORMATS; do
  work="$(mktemp -d /tmp/backdrop-bench.XXXXXX)"
  cd "$work"
  echo '{"settle_ms": 0, "mail": {"transport": "file"}}' > backdrop.json
  for kind in org-units users people courses; do "$BIN" load "$kind" "$DATA/ref/$kind.csv" >/dev/null; done
  "$BIN" serve 2>serve.log &
  pid=$!
  wait_for inbox/hr.admin/create-roles-and-training 30
  mkdir -p inbox/hr.admin/create-roles-and-training inbox/lms.sync/create-training-records
  cp "$DATA/ref/roles.csv" inbox/hr.admin/create-roles-and-training/roles.csv.part
  mv inbox/hr.admin/create-roles-and-training/roles.csv{.part,}
  wait_for outbox/notifications/hr.admin/job-1-finished.json 600
  cp "$DATA/records_$ROWS.$fmt" "inbox/lms.sync/create-training-records/records.$fmt.part"
  start=$(now)
  mv "inbox/lms.sync/create-training-records/records.$fmt.part" "inbox/lms.sync/create-training-records/records.$fmt"
  wait_for outbox/notifications/lms.sync/job-2-finished.json 600
  end=$(now)
  rss=$(awk '/VmHWM/ {print int($2/1024)}' /proc/$pid/status)
  kill -TERM $pid; wait $pid || true
  counts=$(grep -A3 '"counts"' outbox/notifications/lms.sync/job-2-finished.json | tr -d ' \n')
  seconds=$(echo "$end - $start" | bc -l)
  line=$(printf "backdrop %s %s: %.2f s, peak RSS %s MiB, %s" "$fmt" "$ROWS" "$seconds" "$rss" "$counts")
  echo "$line"
  results+=("$line")
  grep -E "job 2: (checked|applied|published)" serve.log | sed "s/^/  /"
  cd "$ROOT"
  rm -rf "$work"
done

[ "$PEER" = yes ] || exit 0
for fmt in $FORMATS; do
  cp "$DATA/ref/ref.db" /tmp/backdrop-bench-peer.db
  out=$( { /usr/bin/env time -f "%e %M" "$PY" "$SHARED/bench/py_import.py" --db /tmp/backdrop-bench-peer.db "$DATA/records_$ROWS.$fmt" >/dev/null; } 2>&1 | tail -1)
  set -- $out
  line=$(printf "python peer %s %s: %.2f s, peak RSS %s MiB" "$fmt" "$ROWS" "$1" "$(( $2 / 1024 ))")
  echo "$line"
  results+=("$line")
  rm -f /tmp/backdrop-bench-peer.db
done
