/*
 * The one compiled copy of the jsmn JSON tokenizer (header-only library,
 * Debian package libjsmn-dev). Everyone else includes "jsmn_cfg.h" (never
 * <jsmn.h>): it sets JSMN_PARENT_LINKS, which changes jsmntok_t, and
 * JSMN_HEADER. JSMN_STRICT (implementation only) rejects what is not JSON:
 * bare words, primitives as keys. jsmn's own code is not ours to make
 * -Wconversion clean.
 */
#define JSMN_STRICT
#define JSMN_IMPL
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#include "jsmn_cfg.h"
#pragma GCC diagnostic pop
