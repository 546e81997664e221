#!/bin/sh
# Run every libFuzzer target in BUILD for SECS seconds each, with a corpus
# kept under tests/fuzz/corpus/<name> (seeds committed, findings not).
set -eu
BUILD=${1:-build-fuzz}
SECS=${2:-10}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
status=0
for f in "$BUILD"/fuzz_*; do
    [ -x "$f" ] || continue
    name=$(basename "$f")
    seeds="$ROOT/tests/fuzz/corpus/$name"
    work=$(mktemp -d)
    mkdir -p "$seeds"
    echo "fuzz: $name for ${SECS}s"
    if ! "$f" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
        -artifact_prefix="$work/" "$work" "$seeds" >"$work/log" 2>&1; then
        echo "fuzz: $name FAILED; log and crash input in $work" >&2
        tail -40 "$work/log" >&2
        status=1
        continue
    fi
    grep -E "^(#[0-9]+|Done)" "$work/log" | tail -1 || true
    rm -rf "$work"
done
exit $status
