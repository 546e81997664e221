/*
 * Private to src/data: THE way to include jsmn. Never include <jsmn.h>
 * directly: jsmntok_t's layout depends on JSMN_PARENT_LINKS, which the one
 * compiled copy (jsmn_impl.c) uses, so every user must see the same layout.
 *
 * Why parent links: without them jsmn finds the enclosing container after
 * each ']' or '}' by scanning back over every token, which is quadratic in
 * the number of levels of a depth message (a 1000-level snapshot is ~6,000
 * tokens); with them it is one step.
 */
#ifndef NX_DATA_JSMN_CFG_H
#define NX_DATA_JSMN_CFG_H
#define JSMN_PARENT_LINKS
#ifndef JSMN_IMPL
#define JSMN_HEADER
#endif
#include <jsmn.h>
_Static_assert(sizeof(jsmntok_t) == 5 * sizeof(int), "jsmntok_t must have parent links");
#endif
