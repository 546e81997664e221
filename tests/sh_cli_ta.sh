#!/bin/sh
# CLI: `nexus ta` — output shape and names, agreement with TA-Lib on the
# bundled slice, exit codes and file:line diagnostics.
set -u
NX_CLI=${NX_CLI:?NX_CLI must point at the nexus binary}
SRC=${NX_SOURCE_DIR:-.}
BARS="$SRC/tests/data/btc_perp_1m_head300.bars.csv"
TALIB="$SRC/tests/data/btc_perp_1m_head300.talib.csv.gz"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nx-sh-ta-XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM
fails=0

check() { # description, condition result
    if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
}

# --help
"$NX_CLI" ta --help > "$TMP/help" 2>&1
rc=$?
[ "$rc" -eq 0 ]; check "--help exits 0 (got $rc)" $?
grep -q "^usage: nexus ta --in BARS.csv --ind SPECS" "$TMP/help"; check "--help shows usage" $?
"$NX_CLI" --help | grep -q "^  ta "; check "nexus --help lists ta" $?

# The issue's example: header, one row per bar, ts as written, empty cells while not ready.
"$NX_CLI" ta --in "$BARS" --ind 'sma:20,rsi:14,macd:12:26:9,bbands:20:2:2' > "$TMP/out.csv" 2> "$TMP/err"
rc=$?
[ "$rc" -eq 0 ]; check "example runs (got $rc: $(cat "$TMP/err"))" $?
[ "$(head -n 1 "$TMP/out.csv")" = "ts,sma_20,rsi_14,macd_12_26_9_macd,macd_12_26_9_signal,macd_12_26_9_hist,bbands_20_2_2_upper,bbands_20_2_2_middle,bbands_20_2_2_lower" ]
check "header names the outputs" $?
[ "$(wc -l < "$TMP/out.csv")" -eq 301 ]; check "one row per bar" $?
cut -d, -f1 "$TMP/out.csv" | tail -n +2 > "$TMP/ts_out"
tail -n +2 "$BARS" | cut -d, -f1 > "$TMP/ts_in"
cmp -s "$TMP/ts_in" "$TMP/ts_out"; check "ts copied through as written" $?
[ "$(sed -n 2p "$TMP/out.csv")" = "1640991660,,,,,,,," ]; check "empty cells while not ready" $?
[ "$(sed -n 20p "$TMP/out.csv" | cut -d, -f2)" = "" ] && [ -n "$(sed -n 21p "$TMP/out.csv" | cut -d, -f2)" ]
check "sma_20 starts on the 20th bar" $?
# 17 significant digits
sed -n 21p "$TMP/out.csv" | cut -d, -f2 | grep -qx '46430.699999999997'; check "values printed with %.17g" $?

# Agreement with TA-Lib's values in the bundled slice (every bar, 1e-9 relative).
gzip -dc "$TALIB" > "$TMP/talib.csv"
paste -d, "$TMP/out.csv" "$TMP/talib.csv" | awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    function cmp(ours, ref,   d, s) {
        if ((ours == "") != (ref == "")) return 1
        if (ours == "") return 0
        d = ours - ref; if (d < 0) d = -d
        s = ref < 0 ? -ref : ref; if (s < 1) s = 1
        return d > 1e-9 * s
    }
    {
        bad += cmp($col["sma_20"], $col["sma20"]) + cmp($col["rsi_14"], $col["rsi14"])
        bad += cmp($col["macd_12_26_9_macd"], $col["macd"]) + cmp($col["macd_12_26_9_signal"], $col["macd_signal"])
        bad += cmp($col["macd_12_26_9_hist"], $col["macd_hist"])
        bad += cmp($col["bbands_20_2_2_upper"], $col["bb_upper"]) + cmp($col["bbands_20_2_2_lower"], $col["bb_lower"])
        n++
    }
    END { if (n != 300 || bad) { print n " rows, " bad " mismatches"; exit 1 } }' > "$TMP/awk" 2>&1
check "values equal TA-Lib's on every bar ($(cat "$TMP/awk"))" $?

# Names: parameters exactly as written, bare names without parameters.
"$NX_CLI" ta --in "$BARS" --ind 'sar:0.02:0.2,obv,ad,trange,stoch:14:3:3,aroon:14,ema:20:seed=first' > "$TMP/names.csv"
[ "$(head -n 1 "$TMP/names.csv")" = "ts,sar_0.02_0.2,obv,ad,trange,stoch_14_3_3_slowk,stoch_14_3_3_slowd,aroon_14_up,aroon_14_down,ema_20_seed=first" ]
check "column names keep parameters as written" $?

# --out writes the same bytes as stdout, atomically.
"$NX_CLI" ta --in "$BARS" --ind 'sma:20,rsi:14,macd:12:26:9,bbands:20:2:2' --out "$TMP/file.csv"
rc=$?
[ "$rc" -eq 0 ] && cmp -s "$TMP/file.csv" "$TMP/out.csv"; check "--out equals stdout" $?
[ ! -e "$TMP/file.csv.tmp" ]; check "no temporary file left" $?

# ISO-8601 ts is copied through too.
printf 'ts,open,high,low,close,volume\n2022-01-01T00:00:00Z,1,3,0,1.5,10\n2022-01-01T00:01:00Z,1.5,3,1.5,1.5,30\n' > "$TMP/iso.csv"
"$NX_CLI" ta --in "$TMP/iso.csv" --ind 'sma:2,vwap' > "$TMP/iso.out"
[ "$(sed -n 3p "$TMP/iso.out")" = "2022-01-01T00:01:00Z,1.5,1.875" ]; check "ISO ts and values ($(sed -n 3p "$TMP/iso.out"))" $?

# Bad --ind: exit 2, nothing read.
for spec in 'sma:0' 'smaa:20' 'sma:20,' 'rsi:x' 'bbands:20:2:2:9' 'sma:20,sma:20'; do
    "$NX_CLI" ta --in "$BARS" --ind "$spec" > "$TMP/o" 2> "$TMP/err"
    rc=$?
    [ "$rc" -eq 2 ] && grep -q "^nexus ta: --ind: " "$TMP/err" && [ ! -s "$TMP/o" ]
    check "bad spec '$spec' exits 2 ($rc: $(cat "$TMP/err"))" $?
done
grep -q "duplicate column 'sma_20'" "$TMP/err"; check "duplicate columns named" $?
"$NX_CLI" ta --in "$BARS" --ind 'sma:0' 2>&1 | grep -q "period must be an integer in \[1, 100000\], got 0"
check "period 0 message" $?
"$NX_CLI" ta --ind sma:3 > /dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ]; check "missing --in exits 2" $?
"$NX_CLI" ta --in "$BARS" --ind sma:3 --bogus > /dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ]; check "unknown option exits 2" $?

# Bad input: exit 1, FILE:LINE: column named.
bad_row() { # description, row, expected message
    printf 'ts,open,high,low,close,volume\n1,1,2,0.5,1,3\n%s\n3,1,2,0.5,1,3\n' "$2" > "$TMP/bad.csv"
    "$NX_CLI" ta --in "$TMP/bad.csv" --ind 'sma:2,obv' > /dev/null 2> "$TMP/err"
    rc=$?
    [ "$rc" -eq 1 ] && grep -qF "nexus ta: $TMP/bad.csv:3: $3" "$TMP/err"
    check "$1 exits 1 with file:line ($rc: $(cat "$TMP/err"))" $?
}
bad_row "NaN close" "2,1,2,0.5,NaN,3" "column close: not a finite number"
bad_row "infinite high" "2,1,inf,0.5,1,3" "column high: not a finite number"
bad_row "negative volume" "2,1,2,0.5,1,-3" "column volume: negative volume"
bad_row "garbage open" "2,x,2,0.5,1,3" "column open: not a number"
bad_row "missing column" "2,1,2,0.5,1" "expected 6 columns"
bad_row "bad ts" "yesterday,1,2,0.5,1,3" "column ts:"
printf 'time,open,high,low,close,volume\n1,1,2,0.5,1,3\n' > "$TMP/hdr.csv"
"$NX_CLI" ta --in "$TMP/hdr.csv" --ind sma:2 > /dev/null 2> "$TMP/err"; rc=$?
[ "$rc" -eq 1 ] && grep -qF "$TMP/hdr.csv:1: header: expected" "$TMP/err"; check "bad header exits 1" $?
: > "$TMP/empty.csv"
"$NX_CLI" ta --in "$TMP/empty.csv" --ind sma:2 > /dev/null 2> "$TMP/err"; rc=$?
[ "$rc" -eq 1 ]; check "empty file exits 1" $?
"$NX_CLI" ta --in "$TMP/nope.csv" --ind sma:2 > /dev/null 2> "$TMP/err"; rc=$?
[ "$rc" -eq 1 ] && grep -q "nope.csv" "$TMP/err"; check "missing file exits 1" $?
"$NX_CLI" ta --in "$TMP/bad.csv" --ind sma:2 --out "$TMP/never.csv" > /dev/null 2>&1
[ ! -e "$TMP/never.csv" ] && [ ! -e "$TMP/never.csv.tmp" ]; check "failed run leaves no output file" $?

if [ "$fails" -ne 0 ]; then
    echo "sh_cli_ta: $fails failure(s)"
    exit 1
fi
echo "sh_cli_ta: all passed"
