#!/bin/sh
# `nexus data ls|info|verify|export` on a sample store (written by test_store's
# fixture case), a corrupted copy and a copy with a missing block. Env: NX_CLI,
# NX_BINARY_DIR, NX_SOURCE_DIR.
set -u

: "${NX_CLI:?NX_CLI must name the nexus binary}"
: "${NX_BINARY_DIR:?NX_BINARY_DIR must name the build directory}"
: "${NX_SOURCE_DIR:?NX_SOURCE_DIR must name the source directory}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nx-cli-data-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

fail() {
    echo "sh_cli_data: FAIL: $*" >&2
    exit 1
}

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

st="$tmp/store"
NX_STORE_FIXTURE="$st" NX_SOURCE_DIR="$NX_SOURCE_DIR" \
    "$NX_BINARY_DIR/test_store" a_sample_store_for_the_cli_test_writes_every_kind \
    >"$tmp/fixture.log" 2>&1 || { cat "$tmp/fixture.log" >&2; fail "writing the sample store"; }
src="$NX_SOURCE_DIR/examples/data/binance_spot_BTCUSDT_trades_2024-08-08.csv"
K="--venue binance --symbol BTCUSDT"

# --- help and usage -----------------------------------------------------------
run "$NX_CLI" data --help
expect_rc 0 "data --help"
for c in ls info verify export import bars; do
    grep -q "^  $c " "$tmp/out" || fail "data --help lists $c"
done
for c in ls info verify export; do
    run "$NX_CLI" data "$c" --help
    expect_rc 0 "data $c --help"
    grep -q "usage: nexus data $c" "$tmp/out" || fail "data $c --help text"
done
run "$NX_CLI" --help
grep -q "^  data " "$tmp/out" || fail "nexus --help lists data"
run "$NX_CLI" data
expect_rc 2 "data without a command"
run "$NX_CLI" data frobnicate
expect_rc 2 "unknown data command"
run "$NX_CLI" data ls --store "$st" --bogus
expect_rc 2 "ls --bogus"
run "$NX_CLI" data info --store "$st" --venue binance
expect_rc 2 "info without --symbol/--kind"
run "$NX_CLI" data info --store "$st" $K --kind nonsense
expect_rc 2 "info --kind nonsense"
grep -q "unknown kind" "$tmp/err" || fail "info --kind nonsense message"
run "$NX_CLI" data export --store "$st" $K --kind trades --format parquet
expect_rc 2 "export --format parquet"
run "$NX_CLI" data export --store "$st" $K --kind trades --from yesterday
expect_rc 2 "export --from yesterday"
run "$NX_CLI" data export --store "$st" $K --kind trades --from 2024-08-09 --to 2024-08-08
expect_rc 2 "export with --from after --to"
run "$NX_CLI" data verify --store "$tmp/nowhere"
expect_rc 1 "verify of a missing store"
grep -q "no store at" "$tmp/err" || fail "missing store message"
run "$NX_CLI" data import --help
expect_rc 0 "import --help"
run "$NX_CLI" data bars --help
expect_rc 0 "bars --help"

# --- ls / info --------------------------------------------------------------------
run "$NX_CLI" data ls --store "$st"
expect_rc 0 "ls"
grep -q "^VENUE  *SYMBOL  *KIND  *MONTHS  *ROWS  *BYTES  *B/ROW  *FROM  *TO" "$tmp/out" ||
    fail "ls header: $(head -1 "$tmp/out")"
grep -q "^binance  *BTCUSDT  *trades  *1  *19904 " "$tmp/out" || fail "ls trades line"
for k in quotes depth bars_1m; do
    grep -q "^binance  *BTCUSDT  *$k  *1  *50 " "$tmp/out" || fail "ls $k line"
done
grep -q "^binanceusdm  *BTCUSDT  *funding  *1  *3 " "$tmp/out" || fail "ls funding line"
grep -q "2024-08-08T23:54:15.342Z  *2024-08-09T00:05:05.800Z" "$tmp/out" || fail "ls time range"
run "$NX_CLI" data ls --store "$st" --kind funding
[ "$(wc -l <"$tmp/out")" -eq 2 ] || fail "ls --kind filter"
run "$NX_CLI" data ls --store "$st" --venue kraken
expect_rc 0 "ls with an empty filter"
grep -q "no data" "$tmp/out" || fail "ls empty filter message"
NEXUS_HOME="$tmp/home" run "$NX_CLI" data ls
expect_rc 0 "ls on a data dir without a store"
grep -q "no store at $tmp/home/store" "$tmp/err" || fail "ls default store path"
# the data dir: <data dir>/store
mkdir -p "$tmp/dd" && cp -r "$st" "$tmp/dd/store"
run "$NX_CLI" --data-dir "$tmp/dd" data ls
expect_rc 0 "ls through --data-dir"
grep -q "trades  *1  *19904" "$tmp/out" || fail "ls through --data-dir output"

run "$NX_CLI" data info --store "$st" $K --kind trades
expect_rc 0 "info trades"
grep -q "total: 1 months, 19904 rows" "$tmp/out" || fail "info total"
[ "$(grep -c '\.nxb  seq ' "$tmp/out")" -eq 5 ] || fail "info lists 5 blocks"
grep -q "ids 3735683259\.\.3735687354" "$tmp/out" || fail "info trade id range"
run "$NX_CLI" data info --store "$st" $K --kind aggtrades
expect_rc 1 "info of something not stored"

# --- export: the Binance CSV round trip ---------------------------------------
run "$NX_CLI" data export --store "$st" $K --kind trades --no-header
expect_rc 0 "export trades"
cut -d, -f1-6 "$src" >"$tmp/src6"
cmp -s "$tmp/out" "$tmp/src6" || fail "exported trades differ from the source's first six columns"
run "$NX_CLI" data export --store "$st" $K --kind trades --out "$tmp/t.csv"
expect_rc 0 "export --out"
[ ! -s "$tmp/out" ] || fail "export --out wrote to standard output"
head -1 "$tmp/t.csv" | grep -qx "id,price,qty,quote_qty,time,is_buyer_maker" || fail "trades header"
[ "$(wc -l <"$tmp/t.csv")" -eq 19905 ] || fail "export --out line count"
[ ! -e "$tmp/t.csv.partial" ] || fail "export left its .partial"
# a time range: [from, to) on ts_recv, ms or ISO
run "$NX_CLI" data export --store "$st" $K --kind trades --no-header --from 1723161300000 \
    --to 2024-08-09T00:02:00Z
expect_rc 0 "export with a range"
awk -F, '$5 >= 1723161300000 && $5 < 1723161720000' "$tmp/src6" >"$tmp/want"
[ -s "$tmp/want" ] || fail "range test selects nothing"
cmp -s "$tmp/out" "$tmp/want" || fail "export range differs from the filtered source"
run "$NX_CLI" data export --store "$st" $K --kind bars_1m
expect_rc 0 "export bars"
head -2 "$tmp/out" | tail -1 | grep -qx "1723075200,61800.00,61900.00,61700.00,61850.00,1234.56789" ||
    fail "bars row: $(head -2 "$tmp/out")"
run "$NX_CLI" data export --store "$st" $K --kind depth
expect_rc 0 "export depth"
grep -q "^1723075200000000000,0,1000,1000,ask,set,61837.01,0.00100,$" "$tmp/out" || fail "depth row"
grep -q ",last$" "$tmp/out" || fail "depth flags"
run "$NX_CLI" data export --store "$st" --venue binanceusdm --symbol BTCUSDT --kind funding
expect_rc 0 "export funding"
grep -q ",-0.00002500,61830.01$" "$tmp/out" || fail "funding negative rate"
run "$NX_CLI" data export --store "$st" $K --kind quotes --from 1723075200001000123 --to 1723075200002000246
[ "$(wc -l <"$tmp/out")" -eq 2 ] || fail "quotes ns range: $(cat "$tmp/out")"

# --- verify: clean, a flipped byte, a missing block -------------------------------
run "$NX_CLI" data verify --store "$st"
expect_rc 0 "verify clean"
grep -q "^OK: 5 partitions, 9 blocks, 20057 rows" "$tmp/out" || fail "verify summary: $(cat "$tmp/out")"
cp -r "$st" "$tmp/bad"
blk="$tmp/bad/binance/BTCUSDT/trades/2024-08/000000000003.nxb"
[ -f "$blk" ] || fail "expected block file $blk"
size=$(wc -c <"$blk")
off=$((size / 2))
byte=$(dd if="$blk" bs=1 skip=$off count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
printf "$(printf '\\%03o' $(((byte + 1) % 256)))" |
    dd of="$blk" bs=1 seek=$off count=1 conv=notrunc 2>/dev/null
run "$NX_CLI" data verify --store "$tmp/bad"
expect_rc 1 "verify with a flipped byte"
grep -q "000000000003.nxb: .*checksum" "$tmp/out" || fail "verify names the block: $(cat "$tmp/out")"
grep -q "^FAILED: " "$tmp/out" || fail "verify failure summary"
run "$NX_CLI" data export --store "$tmp/bad" $K --kind trades --out "$tmp/bad.csv"
expect_rc 1 "export of a corrupt block"
grep -q "000000000003.nxb" "$tmp/err" || fail "export names the corrupt block"
[ ! -e "$tmp/bad.csv" ] && [ ! -e "$tmp/bad.csv.partial" ] || fail "export left a file"
rm -rf "$tmp/bad" && cp -r "$st" "$tmp/bad"
rm "$tmp/bad/binance/BTCUSDT/quotes/2024-08/"*.nxb
run "$NX_CLI" data verify --store "$tmp/bad"
expect_rc 1 "verify with a missing block"
grep -q "quotes/2024-08/.*nxb: block file missing" "$tmp/out" || fail "missing block message"

echo "sh_cli_data: ok"
