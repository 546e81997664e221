#!/bin/sh
# CLI: `nexus features` — output shape and names, a volatility column against
# an awk reference, pattern cells, multi-timeframe values that change only when
# their bar closes, exit codes and file:line diagnostics.
set -u
NX_CLI=${NX_CLI:?NX_CLI must point at the nexus binary}
SRC=${NX_SOURCE_DIR:-.}
BARS="$SRC/tests/data/btc_perp_1m_head300.bars.csv"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nx-sh-feat-XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM
fails=0

check() { # description, condition result
    if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
}

"$NX_CLI" features --help > "$TMP/help" 2>&1
rc=$?
[ "$rc" -eq 0 ]; check "--help exits 0 (got $rc)" $?
grep -q "^usage: nexus features --in BARS.csv" "$TMP/help"; check "--help shows usage" $?
"$NX_CLI" --help | grep -q "^  features "; check "nexus --help lists features" $?

# The brief's example.
"$NX_CLI" features --in "$BARS" --feat 'parkinson:20,gk:20,yz:20,rs:20,rv:20' --patterns \
    --mtf 'ema:20@1m,5m,15m' > "$TMP/out.csv" 2> "$TMP/err"
rc=$?
[ "$rc" -eq 0 ]; check "example runs (got $rc: $(cat "$TMP/err"))" $?
[ "$(head -n 1 "$TMP/out.csv")" = "ts,parkinson_20,gk_20,yz_20,rs_20,rv_20,cdl_doji,cdl_hammer,cdl_hangingman,cdl_shootingstar,cdl_engulfing,cdl_harami,cdl_piercing,cdl_darkcloudcover,cdl_morningstar,cdl_eveningstar,cdl_3whitesoldiers,cdl_3blackcrows,ema_20_1m,ema_20_5m,ema_20_15m,ema_20_mtf" ]
check "header names the columns" $?
[ "$(wc -l < "$TMP/out.csv")" -eq 301 ]; check "one row per bar" $?
cut -d, -f1 "$TMP/out.csv" | tail -n +2 > "$TMP/ts_out"
tail -n +2 "$BARS" | cut -d, -f1 > "$TMP/ts_in"
cmp -s "$TMP/ts_in" "$TMP/ts_out"; check "ts copied through as written" $?
[ "$(sed -n 20p "$TMP/out.csv" | cut -d, -f2)" = "" ] && [ -n "$(sed -n 21p "$TMP/out.csv" | cut -d, -f2)" ]
check "parkinson_20 starts on the 20th bar" $?
[ "$(sed -n 21p "$TMP/out.csv" | cut -d, -f4,6)" = "," ] && [ -n "$(sed -n 22p "$TMP/out.csv" | cut -d, -f4)" ] &&
    [ -n "$(sed -n 22p "$TMP/out.csv" | cut -d, -f6)" ]
check "yz_20 and rv_20 need one more bar" $?

# parkinson_20 against an awk two-pass reference on every bar (1e-9 relative).
tail -n +2 "$BARS" | awk -F, '{ u = log($3 / $4); q[NR] = u * u
    if (NR >= 20) { s = 0; for (i = NR - 19; i <= NR; i++) s += q[i]; printf "%.17g\n", sqrt(s / (80 * log(2))) }
    else print "" }' > "$TMP/pk_ref"
tail -n +2 "$TMP/out.csv" | cut -d, -f2 > "$TMP/pk_out"
paste -d, "$TMP/pk_out" "$TMP/pk_ref" | awk -F, '
    { if (($1 == "") != ($2 == "")) bad++
      else if ($1 != "") { d = $1 - $2; if (d < 0) d = -d; if (d > 1e-9 * $2) bad++ } }
    END { if (bad) { print bad " mismatches"; exit 1 } }' > "$TMP/awk" 2>&1
check "parkinson_20 equals an awk reference ($(cat "$TMP/awk"))" $?

# Pattern cells: empty until ready (13 bars), then -1, 0 or 1 with the right sign.
[ "$(sed -n 14p "$TMP/out.csv" | cut -d, -f7-18)" = ",,,,,,,,,,," ]; check "patterns empty while not ready" $?
tail -n +15 "$TMP/out.csv" | cut -d, -f7-18 | awk -F, '
    { for (i = 1; i <= NF; i++) { if ($i != "0" && $i != "1" && $i != "-1") bad++
                                  if ((i == 1 || i == 2 || i == 7 || i == 9 || i == 11) && $i == "-1") bad++
                                  if ((i == 3 || i == 4 || i == 8 || i == 10 || i == 12) && $i == "1") bad++
                                  n += ($i != "0") } }
    END { if (bad || n == 0) { print bad " bad, " n " signals"; exit 1 } }' > "$TMP/awk" 2>&1
check "pattern cells are -1/0/1 with each pattern's sign ($(cat "$TMP/awk"))" $?

# MTF: the 5m value changes only on a row whose minute closes a 5-minute bar.
tail -n +2 "$TMP/out.csv" | awk -F, '
    { v = $20; m = ($1 / 60) % 5
      if (NR > 1 && v != prev && m != 4) bad++
      if (v != prev) changes++
      prev = v }
    END { if (bad || changes < 40) { print bad " look-ahead rows, " changes " changes"; exit 1 } }' > "$TMP/awk" 2>&1
check "ema_20_5m changes only when a 5m bar closes ($(cat "$TMP/awk"))" $?
tail -n +2 "$TMP/out.csv" | cut -d, -f22 | awk '$1 != "" { if ($1 < -1 || $1 > 1) bad++; n++ }
    END { if (bad || n == 0) exit 1 }'
check "confluence score in [-1, 1]" $?

# Options: thresholds, weights, direction, base.
"$NX_CLI" features --in "$BARS" --patterns=gap=0,avg=5 > "$TMP/p.csv" 2> "$TMP/err"
rc=$?
[ "$rc" -eq 0 ] && [ "$(head -n 1 "$TMP/p.csv" | cut -d, -f2)" = "cdl_doji" ]; check "--patterns=KEY=V ($rc: $(cat "$TMP/err"))" $?
"$NX_CLI" features --in "$BARS" --mtf 'rsi:14@1m=1,5m=2,dir=slope' --mtf 'macd:12:26:9@5m,15m' > "$TMP/m.csv"
[ "$(head -n 1 "$TMP/m.csv")" = "ts,rsi_14_1m,rsi_14_5m,rsi_14_mtf,macd_12_26_9_macd_5m,macd_12_26_9_signal_5m,macd_12_26_9_hist_5m,macd_12_26_9_macd_15m,macd_12_26_9_signal_15m,macd_12_26_9_hist_15m,macd_12_26_9_mtf" ]
check "several --mtf, multi-output names" $?

# --out equals stdout, atomically.
"$NX_CLI" features --in "$BARS" --feat 'parkinson:20,gk:20,yz:20,rs:20,rv:20' --patterns \
    --mtf 'ema:20@1m,5m,15m' --out "$TMP/file.csv"
rc=$?
[ "$rc" -eq 0 ] && cmp -s "$TMP/file.csv" "$TMP/out.csv"; check "--out equals stdout" $?
[ ! -e "$TMP/file.csv.tmp" ]; check "no temporary file left" $?

# Bad specs: exit 2, nothing written.
for args in "--feat yz:1" "--feat foo:3" "--feat gk:20," "--feat gk:20,gk:20" "--patterns=avg=0" \
    "--patterns=bogus=1" "--mtf ema:20" "--mtf ema:20@7m" "--mtf ema:20@30s" "--base 7x --feat gk:3"; do
    # shellcheck disable=SC2086
    "$NX_CLI" features --in "$BARS" $args > "$TMP/o" 2> "$TMP/err"
    rc=$?
    [ "$rc" -eq 2 ] && grep -q "^nexus features: " "$TMP/err" && [ ! -s "$TMP/o" ]
    check "bad '$args' exits 2 ($rc: $(cat "$TMP/err"))" $?
done
"$NX_CLI" features --in "$BARS" > /dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ]; check "nothing to compute exits 2" $?
"$NX_CLI" features --feat gk:3 > /dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ]; check "missing --in exits 2" $?

# Bad input: exit 1, FILE:LINE: message.
bad_row() { # description, row, expected message
    printf 'ts,open,high,low,close,volume\n60,1,2,0.5,1,3\n%s\n180,1,2,0.5,1,3\n' "$2" > "$TMP/bad.csv"
    "$NX_CLI" features --in "$TMP/bad.csv" --feat 'gk:2' --patterns --mtf 'sma:2@1m,5m' > /dev/null 2> "$TMP/err"
    rc=$?
    [ "$rc" -eq 1 ] && grep -qF "nexus features: $TMP/bad.csv:3: $3" "$TMP/err"
    check "$1 exits 1 with file:line ($rc: $(cat "$TMP/err"))" $?
}
bad_row "NaN close" "120,1,2,0.5,NaN,3" "column close: not a finite number"
bad_row "negative volume" "120,1,2,0.5,1,-3" "column volume: negative volume"
bad_row "high below open" "120,1,0.9,0.5,0.8,3" "input 1: high 0.9 below open 1"
bad_row "zero low" "120,1,2,0,1,3" "input 1: low 0 is not positive"
bad_row "unaligned bar" "150,1,2,0.5,1,3" "mtf: input 1: bar open time 150000000000 is not aligned to 60 s"
bad_row "bar out of order" "60,1,2,0.5,1,3" "mtf: input 1: bar at 60000000000 is not after the previous"
bad_row "zero close" "120,1,2,0.5,0,3" "input 1: close 0 is not positive"
"$NX_CLI" features --in "$TMP/bad.csv" --feat gk:2 --out "$TMP/never.csv" > /dev/null 2>&1
[ ! -e "$TMP/never.csv" ] && [ ! -e "$TMP/never.csv.tmp" ]; check "failed run leaves no output file" $?

if [ "$fails" -ne 0 ]; then
    echo "sh_cli_features: $fails failure(s)"
    exit 1
fi
echo "sh_cli_features: all passed"
