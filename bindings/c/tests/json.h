/*
 * A tiny JSON reader for the C tests: enough to walk the shared vector corpus (tests/vectors/).
 * Strings are decoded to UTF-8 with their length (they may hold NUL bytes); every value also keeps
 * its span in the source text, so that a JSON object can be handed as it is to a JSON loader.
 */
#ifndef COOKIE_CHARTER_TEST_JSON_H
#define COOKIE_CHARTER_TEST_JSON_H

#include <stddef.h>
#include <stdint.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type;

typedef struct json_value {
    json_type type;
    int boolean;
    /* JSON_STRING: the decoded bytes (NUL-terminated too); JSON_NUMBER: the number's text. */
    char *text;
    size_t len;
    /* The value's span in the source. */
    const char *raw;
    size_t raw_len;
    /* JSON_ARRAY: the items; JSON_OBJECT: the members' values, with their keys in `keys`. */
    struct json_value *items;
    char **keys;
    size_t *key_lens;
    size_t count;
} json_value;

/* Parses `len` bytes at `text`. Returns NULL and sets `*error` (static text) on failure.
 * The result borrows `text` (for `raw`): keep it alive; free the result with json_free. */
json_value *json_parse(const char *text, size_t len, const char **error);
void json_free(json_value *value);

/* The member `key` of an object, or NULL (also when `object` is NULL or not an object). */
const json_value *json_get(const json_value *object, const char *key);
/* Whether `value` is absent or JSON null. */
int json_is_null(const json_value *value);
/* A non-negative integer number, or -1 on failure (`*out` untouched). */
int json_u64(const json_value *value, uint64_t *out);

#endif
