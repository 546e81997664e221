#!/bin/sh
# `nexus journal verify|dump|stats` on a sample journal, a corrupted copy and
# a torn copy. Env: NX_CLI (the nexus binary), NX_BINARY_DIR (build dir; the
# sample is written by test_journal's fixture case).
set -u

: "${NX_CLI:?NX_CLI must name the nexus binary}"
: "${NX_BINARY_DIR:?NX_BINARY_DIR must name the build directory}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nx-cli-journal-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

fail() {
    echo "sh_cli_journal: FAIL: $*" >&2
    exit 1
}

# Runs the command, keeps stdout/stderr in $tmp/out and $tmp/err, sets $rc.
run() {
    "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}

expect_rc() {
    [ "$rc" -eq "$1" ] || {
        cat "$tmp/out" "$tmp/err" >&2
        fail "$2: exit $rc, expected $1"
    }
}

j="$tmp/j"
NX_JOURNAL_FIXTURE="$j" "$NX_BINARY_DIR/test_journal" a_sample_journal_for_the_cli_test_verifies \
    >"$tmp/fixture.log" 2>&1 || { cat "$tmp/fixture.log" >&2; fail "writing the sample journal"; }

# --- help and usage ---------------------------------------------------------
run "$NX_CLI" journal --help
expect_rc 0 "journal --help"
grep -q "usage: nexus journal" "$tmp/out" || fail "journal --help text"
for c in verify dump stats; do
    run "$NX_CLI" journal "$c" --help
    expect_rc 0 "journal $c --help"
    grep -q "usage: nexus journal $c" "$tmp/out" || fail "journal $c --help text"
done
run "$NX_CLI" journal
expect_rc 2 "journal without a command"
run "$NX_CLI" journal frobnicate "$j"
expect_rc 2 "unknown journal command"
run "$NX_CLI" journal verify
expect_rc 2 "verify without PATH"
run "$NX_CLI" journal dump "$j" --from abc
expect_rc 2 "dump --from abc"
run "$NX_CLI" journal stats "$j" --bogus
expect_rc 2 "stats --bogus"
run "$NX_CLI" journal verify "$tmp/missing"
expect_rc 1 "verify of a missing directory"

# --- verify -------------------------------------------------------------------
run "$NX_CLI" journal verify "$j"
expect_rc 0 "verify valid journal"
grep -q "OK: 200 events in [0-9]* segments, seq 1..200" "$tmp/out" || fail "verify summary: $(cat "$tmp/out")"

# --- dump ---------------------------------------------------------------------
run "$NX_CLI" journal dump "$j"
expect_rc 0 "dump"
[ "$(wc -l <"$tmp/out")" -eq 200 ] || fail "dump printed $(wc -l <"$tmp/out") lines, expected 200"
head -n 1 "$tmp/out" | grep -q '"seq":1[,}]' || fail "first dumped event is not seq 1"
head -n 1 "$tmp/out" | grep -q 'topic_def' || fail "first dumped event is not the topic definition"
sed -n 2p "$tmp/out" | grep -q 'md.binance.btcusdt' || fail "topic name not resolved: $(sed -n 2p "$tmp/out")"
sed -n 200p "$tmp/out" | grep -q '"seq":200[,}]' || fail "last dumped event is not seq 200"
run "$NX_CLI" journal dump "$j" --from 150 --limit 10
expect_rc 0 "dump --from --limit"
[ "$(wc -l <"$tmp/out")" -eq 10 ] || fail "dump --limit 10 printed $(wc -l <"$tmp/out") lines"
head -n 1 "$tmp/out" | grep -q '"seq":150[,}]' || fail "dump --from 150 starts elsewhere"
grep -q 'md.binance.btcusdt' "$tmp/out" || fail "topic name not resolved with --from"
run "$NX_CLI" journal dump "$j" --from 1000
expect_rc 0 "dump past the end"
[ ! -s "$tmp/out" ] || fail "dump past the end printed something"

# --- stats --------------------------------------------------------------------
run "$NX_CLI" journal stats "$j"
expect_rc 0 "stats"
grep -q "^events  *200$" "$tmp/out" || fail "stats events: $(cat "$tmp/out")"
grep -q "^seq  *1 \.\. 200$" "$tmp/out" || fail "stats seq range"
grep -q "^  trade  *[0-9]" "$tmp/out" || fail "stats per-type counts"
grep -q "^  topic_def  *1$" "$tmp/out" || fail "stats topic_def count"
grep -q "^corruptions  *0$" "$tmp/out" || fail "stats corruptions"
grep -q "^ts_recv  *2023-11-14T" "$tmp/out" || fail "stats time range"

# --- a corrupted copy ---------------------------------------------------------
c="$tmp/corrupt"
cp -R "$j" "$c" || fail "copy"
seg=$(ls "$c"/*.nxj | sed -n 2p)
[ -n "$seg" ] || fail "sample has fewer than 2 segments"
printf '\377\377\377\377\377\377\377\377' | dd of="$seg" bs=1 seek=200 count=8 conv=notrunc 2>/dev/null ||
    fail "dd"
run "$NX_CLI" journal verify "$c"
expect_rc 1 "verify corrupt journal"
grep -Eq "^$c/[0-9]{20}\.nxj:[0-9]+: " "$tmp/out" || fail "no file:offset line: $(cat "$tmp/out")"
grep -q "CORRUPT" "$tmp/out" || fail "verify corrupt summary"
run "$NX_CLI" journal verify "$c" --salvage
expect_rc 1 "verify --salvage corrupt journal"
grep -q "bytes skipped" "$tmp/out" || fail "salvage does not say what it skipped"
run "$NX_CLI" journal dump "$c"
expect_rc 1 "dump stops at corruption"
grep -Eq "[0-9]{20}\.nxj:[0-9]+: " "$tmp/err" || fail "dump corruption message: $(cat "$tmp/err")"
run "$NX_CLI" journal dump "$c" --salvage
expect_rc 0 "dump --salvage"
n=$(wc -l <"$tmp/out")
[ "$n" -lt 200 ] && [ "$n" -ge 195 ] || fail "dump --salvage printed $n events"
run "$NX_CLI" journal stats "$c"
expect_rc 1 "stats of a corrupt journal"
grep -q "^corruptions  *1$" "$tmp/out" || fail "stats corruption count"

# --- a torn copy (crash mid-write): valid ----------------------------------------
t="$tmp/torn"
cp -R "$j" "$t" || fail "copy"
last=$(ls "$t"/*.nxj | tail -n 1)
size=$(wc -c <"$last")
dd if="$last" of="$tmp/cut" bs=1 count=$((size - 13)) 2>/dev/null || fail "dd cut"
mv "$tmp/cut" "$last" || fail "mv"
run "$NX_CLI" journal verify "$t"
expect_rc 0 "verify torn journal"
grep -q "torn tail" "$tmp/out" || fail "torn tail not reported"
grep -q "OK: 199 events" "$tmp/out" || fail "torn journal count: $(cat "$tmp/out")"
run "$NX_CLI" journal dump "$t"
expect_rc 0 "dump torn journal"
[ "$(wc -l <"$tmp/out")" -eq 199 ] || fail "dump torn journal count"

echo "sh_cli_journal: ok"
exit 0
