#!/bin/sh
# The main job on data bundled in the repo: replay two Binance trade files
# through the kernel into a journal, then verify it and show what it holds.
set -eu
NEXUS=${1:-build/nexus}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${NEXUS_RUN_DIR:-$ROOT/.nexus-run}
mkdir -p "$OUT"

echo "== nexus replay: Binance spot BTCUSDT + ETHUSDT trades, 2024-08-08 23:54 .. 00:05 UTC"
"$NEXUS" --data-dir "$OUT" replay --force \
    --instruments "$ROOT/examples/instruments.yaml" \
    --out "$OUT/journals/demo" \
    "binance:BTCUSDT=$ROOT/examples/data/binance_spot_BTCUSDT_trades_2024-08-08.csv" \
    "binance:ETHUSDT=$ROOT/examples/data/binance_spot_ETHUSDT_trades_2024-08-08.csv"
echo
echo "== nexus journal verify"
"$NEXUS" journal verify "$OUT/journals/demo"
echo
echo "== nexus journal stats"
"$NEXUS" journal stats "$OUT/journals/demo"
echo
echo "== the first 1-minute bars (nexus journal dump, filtered)"
"$NEXUS" journal dump "$OUT/journals/demo" | grep '"type":"bar"' | head -4
