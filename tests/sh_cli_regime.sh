#!/bin/sh
# CLI: `nexus regime fit|label` — output shape, determinism, exit codes and
# file:line diagnostics, on the bundled 300-bar slice and, when present, on
# the full reference file in ../shared.
set -u
NX_CLI=${NX_CLI:?NX_CLI must point at the nexus binary}
SRC=${NX_SOURCE_DIR:-.}
BARS="$SRC/tests/data/btc_perp_1m_head300.bars.csv"
FULL="$SRC/../shared/reference/btc_perp_1m.bars.csv"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nx-sh-regime-XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM
fails=0
LABELS='^(UNKNOWN|TRENDING_UP|TRENDING_DOWN|MEAN_REVERTING|HIGH_VOLATILITY|LOW_VOLATILITY|BREAKOUT|CRISIS)$'

check() { # description, condition result
    if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
}

# --help
"$NX_CLI" regime --help > "$TMP/help" 2>&1; rc=$?
[ "$rc" -eq 0 ]; check "--help exits 0 (got $rc)" $?
grep -q "^usage: nexus regime fit --in BARS.csv" "$TMP/help"; check "--help shows usage" $?
"$NX_CLI" regime fit --help | grep -q "regime label"; check "fit --help shows usage" $?
"$NX_CLI" --help | grep -q "^  regime "; check "nexus --help lists regime" $?

# fit on the slice
"$NX_CLI" regime fit --in "$BARS" --states 2 --seed 3 --out "$TMP/m2" > "$TMP/fit.out" 2> "$TMP/err"; rc=$?
[ "$rc" -eq 0 ]; check "fit runs (got $rc: $(cat "$TMP/err"))" $?
grep -q "^bars: 300, feature rows: 291" "$TMP/fit.out"; check "fit counts bars and feature rows" $?
[ "$(grep -c '^restart [0-4]: loglik ' "$TMP/fit.out")" -eq 5 ]; check "fit prints the log-likelihood of 5 restarts" $?
grep -q "^chosen: restart [0-4], loglik .*2 states, seed 3" "$TMP/fit.out"; check "fit prints the chosen model" $?
grep -q "^transition matrix" "$TMP/fit.out" && grep -q "^  1: 0\.[0-9]* 0\.[0-9]*" "$TMP/fit.out"
check "fit prints the transition matrix" $?
grep -Eq "^0 +(LOW_VOLATILITY|MEAN_REVERTING|TRENDING_UP|TRENDING_DOWN)" "$TMP/fit.out"; check "fit prints the label mapping" $?
[ "$(head -n 1 "$TMP/m2")" = "nexus-regime-model 1" ] && grep -q "^end$" "$TMP/m2"; check "model file written" $?
[ ! -e "$TMP/m2.tmp" ]; check "no temporary model file left" $?
"$NX_CLI" regime fit --in "$BARS" --states 2 --seed 3 --out "$TMP/m2b" > /dev/null 2>&1
cmp -s "$TMP/m2" "$TMP/m2b"; check "same seed, same model bytes" $?
"$NX_CLI" regime fit --in "$BARS" --states 3 --restarts 2 --max-iter 50 --vol-window 5 --ret-window 2 > "$TMP/fit3.out" 2>&1; rc=$?
[ "$rc" -eq 0 ] && grep -q "r over 2 bars, v over 5 bars" "$TMP/fit3.out" && grep -q "(no --out: model not saved)" "$TMP/fit3.out"
check "fit options and no --out ($rc)" $?

# label with the model
"$NX_CLI" regime label --in "$BARS" --model "$TMP/m2" > "$TMP/lab.csv" 2> "$TMP/err"; rc=$?
[ "$rc" -eq 0 ]; check "label runs (got $rc: $(cat "$TMP/err"))" $?
[ "$(head -n 1 "$TMP/lab.csv")" = "ts,label,p_state0,p_state1" ]; check "label header with posteriors" $?
[ "$(wc -l < "$TMP/lab.csv")" -eq 301 ]; check "one row per bar" $?
cut -d, -f1 "$TMP/lab.csv" | tail -n +2 > "$TMP/ts_out"
tail -n +2 "$BARS" | cut -d, -f1 > "$TMP/ts_in"
cmp -s "$TMP/ts_in" "$TMP/ts_out"; check "ts copied through as written" $?
tail -n +2 "$TMP/lab.csv" | cut -d, -f2 | grep -Evq "$LABELS"; [ $? -ne 0 ]; check "every label is a known name" $?
[ "$(sed -n 2p "$TMP/lab.csv")" = "1640991660,UNKNOWN,," ]; check "warm-up rows are UNKNOWN with empty posteriors" $?
sed -n 12p "$TMP/lab.csv" | grep -Eq '^[0-9]+,[A-Z_]+,[0-9.e-]+,[0-9.e-]+$'; check "posteriors from bar 10 (vol window)" $?
tail -n +12 "$TMP/lab.csv" | awk -F, '{ s = $3 + $4; if (s < 0.9999 || s > 1.0001) bad++ } END { exit bad > 0 }'
check "posteriors sum to 1" $?
grep -q "regime label: 300 bars" "$TMP/err"; check "label prints a summary on stderr" $?
"$NX_CLI" regime label --in "$BARS" --model "$TMP/m2" --out "$TMP/lab2.csv" 2> /dev/null; rc=$?
[ "$rc" -eq 0 ] && cmp -s "$TMP/lab.csv" "$TMP/lab2.csv"; check "--out equals stdout" $?
[ ! -e "$TMP/lab2.csv.tmp" ]; check "no temporary label file left" $?

# label without a model: the threshold classifier
"$NX_CLI" regime label --in "$BARS" > "$TMP/rules.csv" 2> "$TMP/err"; rc=$?
[ "$rc" -eq 0 ] && [ "$(head -n 1 "$TMP/rules.csv")" = "ts,label" ] && [ "$(wc -l < "$TMP/rules.csv")" -eq 301 ]
check "label without --model uses the rules ($rc)" $?
grep -q "source rules" "$TMP/err"; check "summary names the rules" $?

# usage errors: exit 2, nothing written
usage() { # description, args...
    d=$1; shift
    "$NX_CLI" regime "$@" > "$TMP/o" 2> "$TMP/err"; rc=$?
    [ "$rc" -eq 2 ] && [ ! -s "$TMP/o" ]; check "$d exits 2 ($rc: $(head -n 1 "$TMP/err"))" $?
}
usage "no subcommand"
usage "unknown subcommand" frobnicate
usage "fit without --in" fit --states 2
usage "label without --in" label
usage "--states 5" fit --in "$BARS" --states 5
usage "--states 1" fit --in "$BARS" --states 1
usage "--states x" fit --in "$BARS" --states x
usage "--restarts 0" fit --in "$BARS" --restarts 0
usage "--vol-window 0 (period 0)" fit --in "$BARS" --vol-window 0
usage "--tol nan" fit --in "$BARS" --tol nan
usage "unknown option" fit --in "$BARS" --bogus 1
usage "incomplete option" label --in
"$NX_CLI" regime fit --in "$BARS" --states 5 2>&1 | grep -q "expected an integer in \[2, 4\], got '5'"
check "--states message" $?

# bad input: exit 1, FILE:LINE
printf 'ts,open,high,low,close,volume\n1,1,2,0.5,1,3\n2,1,2,0.5,NaN,3\n' > "$TMP/nan.csv"
for sub in fit label; do
    "$NX_CLI" regime $sub --in "$TMP/nan.csv" > /dev/null 2> "$TMP/err"; rc=$?
    [ "$rc" -eq 1 ] && grep -qF "$TMP/nan.csv:3: column close: not a finite number" "$TMP/err"
    check "$sub: NaN close exits 1 with file:line ($rc: $(cat "$TMP/err"))" $?
done
printf 'ts,open,high,low,close,volume\n1,1,2,0.5,1,3\n2,1,2,0,1,3\n' > "$TMP/zero.csv"
"$NX_CLI" regime label --in "$TMP/zero.csv" > /dev/null 2> "$TMP/err"; rc=$?
[ "$rc" -eq 1 ] && grep -qF "$TMP/zero.csv:3: bar 1: prices must be positive" "$TMP/err"
check "zero low exits 1 with file:line ($rc: $(cat "$TMP/err"))" $?
printf 'ts,open,high,low,close,volume\n1,1,2,0.5,1,3\n' > "$TMP/short.csv"
"$NX_CLI" regime fit --in "$TMP/short.csv" > /dev/null 2> "$TMP/err"; rc=$?
[ "$rc" -eq 1 ] && grep -q "need at least 30 observations" "$TMP/err"; check "too few bars exits 1 ($rc)" $?
"$NX_CLI" regime fit --in "$TMP/nope.csv" > /dev/null 2> "$TMP/err"; rc=$?
[ "$rc" -eq 1 ] && grep -q "nope.csv" "$TMP/err"; check "missing bars file exits 1" $?
sed 's/^trans 1 .*/trans 1 0.5 0.6/' "$TMP/m2" > "$TMP/bad.model"
"$NX_CLI" regime label --in "$BARS" --model "$TMP/bad.model" > /dev/null 2> "$TMP/err"; rc=$?
line=$(grep -n '^trans 1' "$TMP/bad.model" | cut -d: -f1)
[ "$rc" -eq 1 ] && grep -qF "$TMP/bad.model:$line: trans: probabilities sum to" "$TMP/err"
check "bad model exits 1 with model:line ($rc: $(cat "$TMP/err"))" $?
head -n 10 "$TMP/m2" > "$TMP/cut.model"
"$NX_CLI" regime label --in "$BARS" --model "$TMP/cut.model" > /dev/null 2> "$TMP/err"; rc=$?
[ "$rc" -eq 1 ] && grep -q "missing 'end' (truncated file?)" "$TMP/err"; check "truncated model exits 1" $?
"$NX_CLI" regime label --in "$TMP/nan.csv" --out "$TMP/never.csv" > /dev/null 2>&1
[ ! -e "$TMP/never.csv" ] && [ ! -e "$TMP/never.csv.tmp" ]; check "failed run leaves no output file" $?

# The full reference file, when the shared data set is present.
if [ -r "$FULL" ]; then
    "$NX_CLI" regime fit --in "$FULL" --states 3 --seed 1 --out "$TMP/full.model" > "$TMP/full.out" 2> "$TMP/err"; rc=$?
    [ "$rc" -eq 0 ]; check "fit on the full file ($rc: $(cat "$TMP/err"))" $?
    grep -q "^bars: 45031, feature rows: 45022" "$TMP/full.out"; check "full file: 45031 bars" $?
    grep -Eq "^0 +LOW_VOLATILITY" "$TMP/full.out" && grep -Eq "^2 +HIGH_VOLATILITY" "$TMP/full.out"
    check "full file: calm state LOW_VOLATILITY, volatile state HIGH_VOLATILITY" $?
    "$NX_CLI" regime label --in "$FULL" --model "$TMP/full.model" --out "$TMP/full.csv" 2> "$TMP/err"; rc=$?
    [ "$rc" -eq 0 ] && [ "$(wc -l < "$TMP/full.csv")" -eq 45032 ]; check "label the full file ($rc)" $?
    n=$(tail -n +2 "$TMP/full.csv" | cut -d, -f2 | sort -u | wc -l)
    [ "$n" -ge 4 ]; check "full file: at least 4 distinct labels (got $n)" $?
    "$NX_CLI" regime label --in "$FULL" --out "$TMP/full_rules.csv" 2> /dev/null; rc=$?
    n=$(tail -n +2 "$TMP/full_rules.csv" | cut -d, -f2 | sort -u | wc -l)
    [ "$rc" -eq 0 ] && [ "$n" -eq 8 ]; check "full file, rules: all 8 labels occur (got $n)" $?
else
    echo "skip full-file checks: $FULL not present"
fi

if [ "$fails" -ne 0 ]; then
    echo "sh_cli_regime: $fails failure(s)"
    exit 1
fi
echo "sh_cli_regime: all passed"
