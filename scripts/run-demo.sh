#!/bin/sh
# The main job on data bundled in the repo: replay two Binance trade files
# through the kernel into a journal, verify it and show what it holds; then
# import the trades into the market-data store, build 1-minute bars from the
# store and run indicators over them.
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
echo
echo "== nexus data import: the same trades into the market-data store (twice: the second stores nothing)"
rm -rf "$OUT/store"
for i in 1 2; do
    "$NEXUS" --data-dir "$OUT" data import --instruments "$ROOT/examples/instruments.yaml" \
        --venue binance --symbol BTCUSDT --kind trades \
        "$ROOT/examples/data/binance_spot_BTCUSDT_trades_2024-08-08.csv" | sed -n '1p;3p;6p'
done
"$NEXUS" --data-dir "$OUT" data ls
echo
echo "== nexus data bars + nexus ta: 1-minute bars from the store, then indicators"
"$NEXUS" --data-dir "$OUT" data bars --venue binance --symbol BTCUSDT --tf 1m --out "$OUT/bars_1m.csv"
"$NEXUS" ta --in "$OUT/bars_1m.csv" --ind 'sma:3,ema:3,rsi:5,bbands:5:2:2' | cut -c1-150
