#!/bin/sh
# nexus data import / bars / export: round trips against the sources for every
# format, dedup on re-import, quarantine by rule, atomic failure, packaging.
set -u
CLI=${NX_CLI:?}
SRC=${NX_SOURCE_DIR:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "sh_cli_import: FAIL: $*" >&2; exit 1; }
INST="$SRC/examples/instruments.yaml"
BTC="$SRC/examples/data/binance_spot_BTCUSDT_trades_2024-08-08.csv"
ETH="$SRC/examples/data/binance_spot_ETHUSDT_trades_2024-08-08.csv"
S="$T/store"
imp() { "$CLI" data import --store "$S" --instruments "$INST" "$@"; }

# --- Binance trades: import, export, compare with the source --------------------
imp --venue binance --symbol BTCUSDT --kind trades "$BTC" >"$T/o1" || fail "import BTC"
grep -q "stored           19904 new, 0 already stored" "$T/o1" || fail "first import: $(cat "$T/o1")"
"$CLI" data export --store "$S" --venue binance --symbol BTCUSDT --kind trades --format csv --out "$T/btc.csv" ||
    fail "export"
# the export has a header; compare id,price,qty,time,is_buyer_maker with the source
tail -n +2 "$T/btc.csv" | cut -d, -f1,2,3,5,6 >"$T/a"
cut -d, -f1,2,3,5,6 "$BTC" | sed 's/,\([0-9]*\)\.\([0-9]*\)0*,/,\1.\2,/' >/dev/null
awk -F, '{printf "%s,%.2f,%.5f,%s,%s\n",$1,$2,$3,$5,$6}' "$BTC" >"$T/b"
awk -F, '{printf "%s,%.2f,%.5f,%s,%s\n",$1,$2,$3,$4,$5}' "$T/a" >"$T/a2"
cmp -s "$T/a2" "$T/b" || fail "BTC export differs from the source"
# a header line and gzip packaging do not matter; the same rows store nothing new
gzip -c "$ETH" >"$T/eth.csv.gz"
imp --venue binance --symbol ETHUSDT --kind trades "$T/eth.csv.gz" >"$T/o2" || fail "import ETH gz"
grep -q "stored           14515 new" "$T/o2" || fail "ETH gz import: $(cat "$T/o2")"
imp --venue binance --symbol ETHUSDT --kind trades "$ETH" >"$T/o3" || fail "re-import ETH"
grep -q "stored           0 new, 14515 already stored" "$T/o3" || fail "dedup: $(cat "$T/o3")"
# zip packaging
(cd "$T" && cp "$BTC" btc.csv && zip -q btc.zip btc.csv) || fail "zip"
imp --venue binance --symbol BTCUSDT --kind trades "$T/btc.zip" >"$T/o4" || fail "import zip"
grep -q "stored           0 new, 19904 already stored" "$T/o4" || fail "zip dedup: $(cat "$T/o4")"

# --- aggTrades: agg_id,price,qty,first_id,last_id,time,is_buyer_maker,best ------
awk -F, '{printf "%s,%s,%s,%.0f,%.0f,%s,%s,%s\n",$1,$2,$3,$1*2,$1*2+1,$5,$6,$7}' "$BTC" >"$T/agg.csv"
imp --venue binance --symbol BTCUSDT --kind aggtrades "$T/agg.csv" >/dev/null || fail "aggtrades import"
"$CLI" data export --store "$S" --venue binance --symbol BTCUSDT --kind aggtrades --format csv --no-header \
    2>/dev/null | awk -F, '{print $1","$2","$3","$5","$6}' >"$T/agg_exp"
awk -F, '{printf "%s,%.2f,%.8f,%s,%s\n",$1,$2,$3,$6,$7}' "$T/agg.csv" >"$T/agg_src"
cmp -s "$T/agg_exp" "$T/agg_src" || fail "aggtrades round trip"

# --- validation: each rule quarantines with its name; the import goes on --------
head -50 "$BTC" >"$T/bad.csv"
L=$(sed -n 50p "$BTC")
ID=$(echo "$L" | cut -d, -f1); TS=$(echo "$L" | cut -d, -f5)
{
    echo "$((ID + 1)),0.00,0.001,0,$((TS + 1)),true,true"               # non_positive
    echo "$((ID + 2)),61000.00,0.001,0,$((TS - 100000)),true,true"      # backwards
    echo "$ID,61000.00,0.001,0,$((TS + 2)),true,true"                   # duplicate_id
    echo "$((ID + 3)),99999.00,0.001,0,$((TS + 3)),true,true"           # jump > 50%
    echo "$((ID + 4)),61800.00,0.001,0,$((TS + 900000)),true,true"      # gap > 10m (flagged)
} >>"$T/bad.csv"
"$CLI" data import --store "$T/s2" --instruments "$INST" --venue binance --symbol BTCUSDT \
    --kind trades --max-gap 10m --quarantine "$T/q.csv" "$T/bad.csv" >"$T/o5" || fail "import bad rows"
grep -q "4 rejected, 1 flagged" "$T/o5" || fail "quarantine counts: $(cat "$T/o5")"
for r in non_positive backwards duplicate_id jump gap; do
    grep -q ",$r," "$T/q.csv" || fail "quarantine file lacks $r"
done
grep -q "bad.csv,51,non_positive,rejected" "$T/q.csv" || fail "quarantine names file and line"
grep -q "stored           51 new" "$T/o5" || fail "50 good rows + 1 flagged stored: $(cat "$T/o5")"

# --- unreadable input stops with file:line; nothing is stored -------------------
cp "$T/bad.csv" "$T/worse.csv"
echo "1,abc,1,1,1723161255342,true" >>"$T/worse.csv"
"$CLI" data import --store "$T/s3" --instruments "$INST" --venue binance --symbol BTCUSDT \
    --kind trades "$T/worse.csv" >/dev/null 2>"$T/e6"
[ $? -eq 1 ] || fail "unreadable row should exit 1"
grep -q "worse.csv:56: column price" "$T/e6" || fail "error names file:line:column: $(cat "$T/e6")"
"$CLI" data ls --store "$T/s3" >"$T/o6" 2>&1
grep -q "BTCUSDT" "$T/o6" && fail "a failed import left rows in the store"
head -c 300 "$T/eth.csv.gz" >"$T/trunc.csv.gz"
"$CLI" data import --store "$T/s3" --instruments "$INST" --venue binance --symbol ETHUSDT \
    --kind trades "$T/trunc.csv.gz" >/dev/null 2>"$T/e7"
[ $? -eq 1 ] || fail "truncated gzip should exit 1"
grep -q "trunc.csv.gz" "$T/e7" || fail "truncated gzip message: $(cat "$T/e7")"

# --- klines, bars built from trades, resampling ---------------------------------
"$CLI" data bars --store "$S" --venue binance --symbol BTCUSDT --tf 1m --out "$T/bars1m.csv" 2>/dev/null ||
    fail "bars to csv"
[ "$(wc -l <"$T/bars1m.csv")" -eq 12 ] || fail "11 complete 1m bars + header"
"$CLI" data bars --store "$S" --venue binance --symbol BTCUSDT --tf 1m 2>/dev/null || fail "bars to store"
"$CLI" data bars --store "$S" --venue binance --symbol BTCUSDT --source bars_1m --tf 5m --out "$T/b5.csv" \
    2>/dev/null || fail "resample"
"$CLI" data bars --store "$S" --venue binance --symbol BTCUSDT --tf 5m --out "$T/d5.csv" 2>/dev/null ||
    fail "5m direct"
cmp -s "$T/b5.csv" "$T/d5.csv" || fail "resampled 5m bars differ from 5m bars built from trades"
"$CLI" data bars --store "$S" --venue binance --symbol BTCUSDT --type tick --size 1000 --out "$T/tick.csv" \
    2>/dev/null || fail "tick bars"
[ "$(wc -l <"$T/tick.csv")" -eq 20 ] || fail "19 tick bars of 1000 trades + header"
# klines: the exported bars re-imported as klines give the same bars back
awk -F, 'NR>1{o=$1*1000; printf "%.0f,%s,%s,%s,%s,%s,%.0f,0,0,0,0,0\n",o,$2,$3,$4,$5,$6,o+59999}' \
    "$T/bars1m.csv" >"$T/klines.csv"
"$CLI" data import --store "$T/s4" --instruments "$INST" --venue binance --symbol BTCUSDT --kind bars_1m \
    "$T/klines.csv" >/dev/null || fail "import klines"
"$CLI" data export --store "$T/s4" --venue binance --symbol BTCUSDT --kind bars_1m --format csv --out "$T/k.csv" \
    2>/dev/null || fail "export klines"
cmp -s "$T/k.csv" "$T/bars1m.csv" || fail "klines round trip"
# indicators over stored bars equal indicators over the same bars as CSV
"$CLI" ta --store "$T/s4" --venue binance --symbol BTCUSDT --tf 1m --ind 'sma:3,rsi:5,macd:3:5:2' >"$T/ta_store.csv" ||
    fail "ta from the store"
"$CLI" ta --in "$T/bars1m.csv" --ind 'sma:3,rsi:5,macd:3:5:2' >"$T/ta_csv.csv" || fail "ta from csv"
cmp -s "$T/ta_store.csv" "$T/ta_csv.csv" || fail "ta from the store differs from ta from the CSV"
"$CLI" regime label --store "$T/s4" --in store:binance:BTCUSDT:1m --out "$T/rg_store.csv" 2>/dev/null ||
    fail "regime label from the store"
"$CLI" regime label --in "$T/bars1m.csv" --out "$T/rg_csv.csv" 2>/dev/null || fail "regime label from csv"
cmp -s "$T/rg_store.csv" "$T/rg_csv.csv" || fail "regime labels from the store differ from the CSV's"
[ "$(wc -l <"$T/rg_store.csv")" -eq 12 ] || fail "a label per stored bar"

# --- other formats ----------------------------------------------------------------
printf '1672531436,90.540000,1.10448420\n1672531471,90.450000,1.00000000\n' >"$T/kr.csv"
"$CLI" data import --store "$S" --price-scale 6 --qty-scale 8 --venue kraken --symbol BCHEUR \
    --kind trades --format kraken-trades "$T/kr.csv" >/dev/null || fail "kraken import"
"$CLI" data export --store "$S" --venue kraken --symbol BCHEUR --kind trades --format csv |
    grep -q "90.540000,1.10448420" || fail "kraken round trip"
printf 'time;px;amount\n2024-08-08T23:54:15.342Z;61837.63;0.02\n' >"$T/g.csv"
"$CLI" data import --store "$S" --instruments "$INST" --venue binance --symbol BTCUSDT --kind aggtrades \
    --format csv --delim ';' --columns ts=0,price=1,qty=2 --ts-format iso "$T/g.csv" >/dev/null ||
    fail "generic csv"
printf '[[1509836520000, 0.00162008, 0.00162008, 0.00162008, 0.00162008, 108.14853839]]' >"$T/ft.json"
"$CLI" data import --store "$S" --price-scale 8 --qty-scale 8 --venue binance --symbol ETHBTC \
    --kind bars_1m --format freqtrade-candles "$T/ft.json" >/dev/null || fail "freqtrade"
"$CLI" data verify --store "$S" >/dev/null || fail "verify after imports"

# --- Binance raw stream captures: one file, one kind at a time ---------------------
CAP="$SRC/tests/data/binance_spot_btcusdt_20240808_head1500.jsonl"
for k in depth quotes trades; do
    imp --venue binance --symbol BTCUSDT --kind $k --format binance-stream "$CAP" >"$T/st_$k" ||
        fail "stream import $k: $(cat "$T/st_$k")"
    grep -q "0 rejected, 0 flagged" "$T/st_$k" || fail "stream $k quarantine: $(cat "$T/st_$k")"
done
# the capture's depth diffs have no sequence gaps; dropping one is flagged
grep -v '"U":50093239203' "$CAP" >"$T/gap.jsonl"
if ! cmp -s "$CAP" "$T/gap.jsonl"; then
    "$CLI" data import --store "$T/s5" --instruments "$INST" --venue binance --symbol BTCUSDT \
        --kind depth --format binance-stream "$T/gap.jsonl" >"$T/st_gap" || fail "gap import"
    grep -q "seq_gap 1" "$T/st_gap" || fail "a dropped diff is a seq_gap: $(cat "$T/st_gap")"
fi
"$CLI" data export --store "$S" --venue binance --symbol BTCUSDT --kind quotes --format csv --no-header \
    2>/dev/null | awk -F, '{printf "%s,%s,%.2f,%.8f,%.2f,%.8f\n",$1,$3,$4,$5,$6,$7}' >"$T/q_exp"
grep bookTicker "$CAP" | sed 's/^\([0-9]*\) .*"u":\([0-9]*\),"s":"[A-Z]*","b":"\([0-9.]*\)","B":"\([0-9.]*\)","a":"\([0-9.]*\)","A":"\([0-9.]*\)".*/\1,\2,\3,\4,\5,\6/' |
    awk -F, '{printf "%s,%s,%.2f,%.8f,%.2f,%.8f\n",$1,$2,$3,$4,$5,$6}' >"$T/q_src"
[ "$(wc -l <"$T/q_src")" -gt 100 ] || fail "bookTicker source parse"
cmp -s "$T/q_exp" "$T/q_src" || fail "bookTicker round trip (recv time, update id, bid, ask)"

# --- the shared data set (when present) ------------------------------------------
SH=${NX_SHARED_DIR:-$SRC/../shared}
if [ -d "$SH/data/equity_ticks_lean" ]; then
    "$CLI" data import --store "$S" --price-scale 2 --qty-scale 0 --venue lean --symbol SPY --kind trades \
        --format lean-trades "$SH/data/equity_ticks_lean/tick/20131007_trade.zip" >"$T/lean" ||
        fail "lean import"
    grep -q "time range       2013-10-07T08:00" "$T/lean" || fail "lean New York time: $(cat "$T/lean")"
    # every print kept, identical prints in one millisecond included; re-import adds nothing
    n=$(unzip -p "$SH/data/equity_ticks_lean/tick/20131007_trade.zip" | awk 'END{print NR}')
    grep -q "stored           $n new" "$T/lean" || fail "lean: all $n prints stored: $(cat "$T/lean")"
    "$CLI" data import --store "$S" --price-scale 2 --qty-scale 0 --venue lean --symbol SPY --kind trades \
        --format lean-trades "$SH/data/equity_ticks_lean/tick/20131007_trade.zip" >"$T/lean2" || fail "lean again"
    grep -q "stored           0 new, $n already stored" "$T/lean2" || fail "lean re-import: $(cat "$T/lean2")"
    # round trip: exported prices are the file's deci-cents / 10000, sizes as written
    "$CLI" data export --store "$S" --venue lean --symbol SPY --kind trades --format csv --no-header 2>/dev/null |
        awk -F, '{printf "%.0f,%s\n", $2*10000, $3}' >"$T/lean_exp"
    unzip -p "$SH/data/equity_ticks_lean/tick/20131007_trade.zip" | awk -F, '{print $2","$3}' >"$T/lean_src"
    cmp -s "$T/lean_exp" "$T/lean_src" || fail "lean round trip (price, size) differs"
    grep -q "0 rejected" "$T/lean" || grep -q "rejected" "$T/lean" || fail "lean summary"
    # Lean minute bars: exported OHLC are the file's deci-cents / 10000, volume as written
    Z="$SH/data/equity_ticks_lean/minute/20131007_trade.zip"
    "$CLI" data import --store "$S" --price-scale 2 --qty-scale 0 --venue lean --symbol SPY --kind bars_1m \
        --format lean-bars "$Z" >"$T/lb" || fail "lean bars import: $(cat "$T/lb")"
    "$CLI" data export --store "$S" --venue lean --symbol SPY --kind bars_1m --format csv --no-header 2>/dev/null |
        awk -F, '{printf "%.0f,%.0f,%.0f,%.0f,%s\n",$2*10000,$3*10000,$4*10000,$5*10000,$6}' >"$T/lb_exp"
    unzip -p "$Z" | awk -F, '{print $2","$3","$4","$5","$6}' >"$T/lb_src"
    cmp -s "$T/lb_exp" "$T/lb_src" || fail "lean bars round trip"
    # freqtrade trades (Binance XRP/ETH aggTrades): id, price, amount as written
    FT="$SH/data/crypto_trades/freqtrade_binance_XRP_ETH-trades.json.gz"
    if [ -f "$FT" ]; then
        "$CLI" data import --store "$S" --price-scale 8 --qty-scale 1 --venue binance --symbol XRPETH \
            --kind aggtrades --format freqtrade-trades --max-jump 0 "$FT" >"$T/ftt" || fail "freqtrade trades: $(cat "$T/ftt")"
        "$CLI" data export --store "$S" --venue binance --symbol XRPETH --kind aggtrades --format csv --no-header \
            2>/dev/null | awk -F, '{printf "%s,%.8f,%.1f\n",$1,$2,$3}' | sort >"$T/ftt_exp"
        zcat "$FT" | tr -d '[] \n' | sed 's/,\([0-9]\{13\}\),/\n\1,/g' |
            awk -F, 'NF==7{gsub(/"/,"",$2); printf "%s,%.8f,%.1f\n",$2,$5,$6}' | sort >"$T/ftt_src"
        [ -s "$T/ftt_src" ] || fail "freqtrade trades source parse"
        cmp -s "$T/ftt_exp" "$T/ftt_src" || fail "freqtrade trades round trip"
    fi
    if [ -f "$SH/data/crypto_candles/freqtrade/UNITTEST_BTC-1m.json" ]; then
        "$CLI" data import --store "$S" --price-scale 8 --qty-scale 8 --venue binance --symbol ETHBTC \
            --kind bars_1m --format freqtrade-candles --max-jump 0 \
            "$SH/data/crypto_candles/freqtrade/UNITTEST_BTC-1m.json" >"$T/ft2" || fail "freqtrade file"
        # round trip: the exported bars equal the JSON candles at 8 decimals
        "$CLI" data export --store "$S" --venue binance --symbol ETHBTC --kind bars_1m --format csv \
            --no-header 2>/dev/null | awk -F, '{printf "%s,%.8f,%.8f,%.8f,%.8f,%.8f\n",$1,$2,$3,$4,$5,$6}' >"$T/ft_exp"
        tr -d '[] \n' <"$SH/data/crypto_candles/freqtrade/UNITTEST_BTC-1m.json" | sed 's/,\([0-9]\{13\}\),/\n\1,/g' |
            awk -F, 'NF==6{printf "%d,%.8f,%.8f,%.8f,%.8f,%.8f\n",$1/1000,$2,$3,$4,$5,$6}' >"$T/ft_src"
        [ -s "$T/ft_src" ] || fail "freqtrade source parse"
        # the store also holds the one-candle file imported above (an earlier minute)
        grep -vxF -f "$T/ft_src" "$T/ft_exp" | grep -qv "^1509836520," &&
            fail "freqtrade round trip: exported bars not in the JSON"
        grep -vxF -f "$T/ft_exp" "$T/ft_src" >/dev/null && fail "freqtrade round trip: JSON candles missing"
    fi
else
    echo "sh_cli_import: shared data absent ($SH): Lean and freqtrade file checks skipped"
fi
echo "sh_cli_import: ok"
