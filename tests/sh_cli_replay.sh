#!/bin/sh
# nexus replay: the main job. Same input twice gives byte-identical journals;
# bad input names the file and line, exits non-zero and leaves no complete-looking output.
set -u
CLI=${NX_CLI:?}
SRC=${NX_SOURCE_DIR:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
INST="$SRC/examples/instruments.yaml"
BTC="binance:BTCUSDT=$SRC/examples/data/binance_spot_BTCUSDT_trades_2024-08-08.csv"
ETH="binance:ETHUSDT=$SRC/examples/data/binance_spot_ETHUSDT_trades_2024-08-08.csv"

"$CLI" replay --instruments "$INST" --out "$T/a" "$BTC" "$ETH" >"$T/a.out" || fail "replay a"
"$CLI" replay --durability none --instruments "$INST" --out "$T/b" "$ETH" "$BTC" >/dev/null 2>&1 ||
    fail "replay b"
# Input order on the command line changes source order, so compare a run with the same order.
"$CLI" replay --durability each --instruments "$INST" --out "$T/c" "$BTC" "$ETH" >/dev/null ||
    fail "replay c"
for f in "$T"/a/*.nxj; do
    cmp "$f" "$T/c/$(basename "$f")" || fail "journals of identical runs differ: $f"
done
grep -q "trades 19904" "$T/a.out" || fail "BTC trade count"
grep -q "trades 14515" "$T/a.out" || fail "ETH trade count"
"$CLI" journal verify "$T/a" >/dev/null || fail "journal verify"
n=$("$CLI" journal dump "$T/a" | grep -c '"type":"bar"')
[ "$n" -eq 22 ] || fail "expected 22 one-minute bars, got $n"
# every bar is published at or after its close
"$CLI" journal dump "$T/a" | grep '"type":"bar"' | head -1 |
    grep -q '"ts_venue":"2024-08-08T23:54:00.000000000Z","ts_recv":"2024-08-08T23:55:00' ||
    fail "bar timing"

# An existing output is not replaced without --force.
"$CLI" replay --instruments "$INST" --out "$T/a" "$BTC" >/dev/null 2>&1
[ $? -eq 2 ] || fail "existing --out should exit 2"

# A malformed row: exit 1, file:line and column named, no $T/bad directory.
head -100 "$SRC/examples/data/binance_spot_BTCUSDT_trades_2024-08-08.csv" >"$T/bad.csv"
echo "3735683999,61837.6x,0.001,1,1723161255342,true,true" >>"$T/bad.csv"
"$CLI" replay --instruments "$INST" --out "$T/bad" "binance:BTCUSDT=$T/bad.csv" 2>"$T/bad.err" >/dev/null
[ $? -eq 1 ] || fail "malformed row should exit 1"
grep -q "bad.csv:101" "$T/bad.err" || fail "error names file:line: $(cat "$T/bad.err")"
grep -q "column price" "$T/bad.err" || fail "error names the column"
[ ! -e "$T/bad" ] || fail "a failed replay left a complete-looking output"
"$CLI" journal verify "$T/bad.partial" >/dev/null || fail "partial journal is a valid prefix"

# Usage errors: exit 2.
"$CLI" replay --instruments "$INST" --out "$T/x" "binance:NOPE=$T/bad.csv" >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown instrument should exit 2"
"$CLI" replay --bogus >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown option should exit 2"
"$CLI" replay --help | grep -q "usage: nexus replay" || fail "--help"
"$CLI" --version | grep -q "^nexus " || fail "--version"
"$CLI" --help | grep -q "journal" || fail "--help lists commands"
"$CLI" nosuchcommand >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown command should exit 2"
# A bad --config stops everything before any output exists (exit 2, file:line:col: key: message).
printf 'journal:\n  durability: sometimes\n' >"$T/bad.yaml"
"$CLI" --config "$T/bad.yaml" replay --instruments "$INST" --out "$T/cfg" "$BTC" >/dev/null 2>"$T/cfg.err"
[ $? -eq 2 ] || fail "bad --config should exit 2"
grep -q "bad.yaml:2:15: journal.durability: expected one of none|interval|each" "$T/cfg.err" ||
    fail "config diagnostic: $(cat "$T/cfg.err")"
[ ! -e "$T/cfg" ] && [ ! -e "$T/cfg.partial" ] || fail "a bad config must start nothing"
# A good --config supplies the instruments file and the journal settings.
"$CLI" --config "$SRC/examples/nexus.yaml" replay --out "$T/cfgok" "$BTC" >/dev/null ||
    fail "replay with --config"
"$CLI" journal verify "$T/cfgok" >/dev/null || fail "verify --config replay"
# Data dir precedence: --data-dir wins over NEXUS_HOME.
NEXUS_HOME="$T/home" "$CLI" --data-dir "$T/dd" replay --instruments "$INST" "$BTC" >/dev/null ||
    fail "replay into --data-dir"
[ -d "$T/dd/journals/replay" ] && [ ! -e "$T/home" ] || fail "--data-dir precedence"
NEXUS_HOME="$T/home" "$CLI" replay --instruments "$INST" "$BTC" >/dev/null || fail "NEXUS_HOME"
[ -d "$T/home/journals/replay" ] || fail "NEXUS_HOME used when no --data-dir"
echo "sh_cli_replay: ok"
