#!/bin/sh
# CLI: `nexus config validate` and `nexus instruments` exit codes and diagnostics.
set -u
NX_CLI=${NX_CLI:?NX_CLI must point at the nexus binary}
SRC=${NX_SOURCE_DIR:-.}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nx-sh-config-XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM
fails=0

check() { # description, condition result
    if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
}

# A bad config: exit 2, every problem on stderr as FILE:LINE:COL: path: message.
cat > "$TMP/bad.yaml" <<'YAML'
seed: 1
journal:
  durability: sometimes
  interval: 20s
kernel:
  clokc: real
YAML
"$NX_CLI" config validate "$TMP/bad.yaml" > "$TMP/out" 2> "$TMP/err"
rc=$?
[ "$rc" -eq 2 ]; check "invalid config exits 2 (got $rc)" $?
grep -qxF "$TMP/bad.yaml:3:15: journal.durability: expected one of none|interval|each, got \"sometimes\"" "$TMP/err"
check "enum diagnostic line" $?
grep -qxF "$TMP/bad.yaml:4:13: journal.interval: must be between 1ms and 10s, got \"20s\"" "$TMP/err"
check "range diagnostic line" $?
grep -qxF "$TMP/bad.yaml:6:3: kernel.clokc: unknown key (did you mean \"clock\"?)" "$TMP/err"
check "unknown key diagnostic line" $?
grep -qF "invalid configuration (3 problems)" "$TMP/err"; check "summary counts problems" $?
[ ! -s "$TMP/out" ]; check "nothing on stdout for an invalid config" $?

# A syntax error: exit 2 with libyaml's position.
printf 'seed: 1\nlog: {level: info\n' > "$TMP/syntax.yaml"
"$NX_CLI" config validate "$TMP/syntax.yaml" > /dev/null 2> "$TMP/err"
rc=$?
[ "$rc" -eq 2 ]; check "syntax error exits 2 (got $rc)" $?
grep -q "^$TMP/syntax.yaml:[0-9]*:[0-9]*: syntax error: " "$TMP/err"; check "syntax error line" $?

# A good config (the example, which names the example instruments): exit 0, "ok".
"$NX_CLI" config validate "$SRC/examples/nexus.yaml" > "$TMP/out" 2> "$TMP/err"
rc=$?
[ "$rc" -eq 0 ]; check "valid config exits 0 (got $rc)" $?
[ "$(head -n 1 "$TMP/out")" = "ok" ]; check "first line is ok" $?
grep -qxF "  durability: interval" "$TMP/out"; check "resolved settings printed" $?
grep -qx "# instruments: [0-9][0-9]* valid" "$TMP/out"; check "named instruments validated" $?

# show, and --config as the default FILE.
"$NX_CLI" --config "$SRC/examples/nexus.yaml" config show > "$TMP/out" 2> "$TMP/err"
rc=$?
[ "$rc" -eq 0 ]; check "config show via --config exits 0 (got $rc)" $?
grep -qxF "seed: 42" "$TMP/out"; check "show prints settings" $?
"$NX_CLI" config --help > /dev/null; check "config --help exits 0" $?
"$NX_CLI" config frobnicate > /dev/null 2>&1
[ $? -eq 2 ]; check "unknown action exits 2" $?
"$NX_CLI" config validate "$TMP/missing.yaml" > /dev/null 2> "$TMP/err"
[ $? -eq 2 ]; check "missing file exits 2" $?
grep -qF "$TMP/missing.yaml: cannot open: " "$TMP/err"; check "missing file diagnostic" $?

# instruments
"$NX_CLI" instruments "$SRC/examples/instruments.yaml" > "$TMP/out" 2> "$TMP/err"
rc=$?
[ "$rc" -eq 0 ]; check "instruments exits 0 (got $rc)" $?
grep -q "^  3  kraken .* XXBTZUSD .* BTC/USD .* spot " "$TMP/out"; check "kraken row listed" $?
n=$(grep -c "^ *[0-9][0-9]*  " "$TMP/out")
grep -qx "$n instruments" "$TMP/out"; check "instrument count matches the rows ($n)" $?
printf 'instruments:\n  - {venue: binance, symbol: X, class: spot, base: A, quote: B, tick_size: 0, lot_size: 1}\n' > "$TMP/inst.yaml"
"$NX_CLI" instruments "$TMP/inst.yaml" > /dev/null 2> "$TMP/err"
rc=$?
[ "$rc" -eq 2 ]; check "invalid instruments exit 2 (got $rc)" $?
grep -qF "$TMP/inst.yaml:2:76: instruments[0].tick_size: must be greater than 0" "$TMP/err"
check "instrument diagnostic line" $?
"$NX_CLI" instruments --help > /dev/null; check "instruments --help exits 0" $?

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed"
    sed 's/^/  stderr: /' "$TMP/err"
    exit 1
fi
echo "all checks passed"
