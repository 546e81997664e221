#!/bin/sh
# Bans what bites in C (see CONVENTIONS.md). A line may opt out with a
# "style-check: allow" comment, which reviewers must see justified.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
fail=0
check() {
    pattern=$1
    why=$2
    shift 2
    hits=$(grep -nE "$pattern" "$@" 2>/dev/null | grep -v "style-check: allow" || true)
    if [ -n "$hits" ]; then
        echo "style: $why" >&2
        echo "$hits" >&2
        fail=1
    fi
}
SRC=$(find src include -name '*.c' -o -name '*.h' | sort)
ALL=$(find src include tests bench -name '*.c' -o -name '*.h' | sort)
# shellcheck disable=SC2086
check '\b(sprintf|vsprintf|strcpy|strcat|strtok|gets)[[:space:]]*\(' \
    "unbounded string functions: use snprintf/memcpy with lengths" $ALL
# shellcheck disable=SC2086
check '\b(atoi|atol|atoll|atof)[[:space:]]*\(' "atoi/atof: use a bounded parser" $ALL
# shellcheck disable=SC2086
check '\b(strtod|strtof|strtold)[[:space:]]*\(' \
    "strtod on outside input: use nx_dec_parse (exact) or a bounded parser" $SRC
# shellcheck disable=SC2086
check '\b(gmtime|localtime|ctime|asctime)[[:space:]]*\(' "use the _r forms" $ALL
# shellcheck disable=SC2086
check '(^|[^_a-z])(malloc|calloc|realloc|free)[[:space:]]*\(' \
    "raw malloc/free outside the allocator: use nx_malloc/nx_free" $SRC
if [ $fail -ne 0 ]; then
    echo "style-check: FAILED" >&2
    exit 1
fi
echo "style-check: ok"
