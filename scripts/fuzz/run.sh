#!/usr/bin/env bash
# Fuzzes the CSV reader with libFuzzer and AddressSanitizer for a while (default 60 s).
#   scripts/fuzz/run.sh [SECONDS]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="${FUZZ_OUT:-/tmp/backdrop-fuzz}"
mkdir -p "$OUT/corpus"
cp "$ROOT/../shared/conformance/csv-spectrum/csvs/"*.csv "$OUT/corpus/" 2>/dev/null || true
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name BackdropFuzz -o "$OUT/csv-fuzz" \
  "$ROOT/scripts/fuzz/CSVFuzzTarget.swift" \
  "$ROOT/Sources/BackdropCore/Formats/CSVRecordReader.swift" \
  "$ROOT/Sources/BackdropCore/Formats/ByteSource.swift" \
  "$ROOT/Sources/BackdropCore/Formats/RecordReader.swift" \
  "$ROOT/Sources/BackdropCore/Support/Text.swift"
"$OUT/csv-fuzz" -max_total_time="${1:-60}" -max_len=4096 "$OUT/corpus"
