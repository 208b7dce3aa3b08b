/* json_out.h -- compact JSON text of a jansson value, byte for byte what
 * json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) writes, at a fraction of its cost.
 *
 * Why not json_dumps: a page record is ~25 KB of strings (the links, the article text), and
 * jansson escapes them one code point at a time through a callback per run, growing its buffer
 * from 16 bytes: 15% of a page's extraction CPU went there (callgrind, bench pages). This
 * copies runs of bytes that need no escape with one memcpy. Strings are taken to be valid
 * UTF-8, as jansson guarantees for every string it builds (json_string checks; trawl calls
 * json_stringn_nocheck only after utf8_valid); reals are left to jansson, to keep its number
 * format exactly. unit_json_out and fuzz_extract compare the two outputs. */
#ifndef TRAWL_JSON_OUT_H
#define TRAWL_JSON_OUT_H

#include <jansson.h>
#include <stddef.h>

/* Returns the JSON text of v, NUL-terminated (caller frees), and its length in *len when len
 * is not NULL; NULL when out of memory or when v nests deeper than JSON_OUT_MAX_DEPTH (which
 * also ends a value that contains itself). */
char *json_out_compact(const json_t *v, size_t *len);

/* The depth jansson's parser allows (JSON_PARSER_MAX_DEPTH): a record's "meta" and rules
 * fields never go deeper. jansson's dumper has no limit but the stack. */
#define JSON_OUT_MAX_DEPTH 2048

#endif
