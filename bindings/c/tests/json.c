/* A tiny JSON reader for the C tests (see json.h). Strict: rejects what RFC 8259 rejects. */
#include "json.h"

#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 64

typedef struct {
    const char *at;
    const char *end;
    const char *error;
} parser;

static void skip_space(parser *p) {
    while (p->at < p->end && (*p->at == ' ' || *p->at == '\t' || *p->at == '\n' || *p->at == '\r')) {
        p->at++;
    }
}

static int fail(parser *p, const char *error) {
    if (p->error == NULL) {
        p->error = error;
    }
    return -1;
}

static int hex4(parser *p, unsigned *out) {
    unsigned v = 0;
    int i;
    if (p->end - p->at < 4) {
        return fail(p, "truncated \\u escape");
    }
    for (i = 0; i < 4; i++) {
        char c = p->at[i];
        v <<= 4;
        if (c >= '0' && c <= '9') {
            v |= (unsigned)(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            v |= (unsigned)(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            v |= (unsigned)(c - 'A' + 10);
        } else {
            return fail(p, "bad \\u escape");
        }
    }
    p->at += 4;
    *out = v;
    return 0;
}

static size_t put_utf8(char *out, unsigned cp) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Reads a string at p->at (on the opening quote) into a new buffer. */
static int parse_string(parser *p, char **out, size_t *out_len) {
    char *buf;
    size_t n = 0;
    const char *close;
    p->at++;
    /* Decoded text is never longer than its source: find the closing quote first. */
    for (close = p->at; close < p->end && *close != '"'; close++) {
        if (*close == '\\' && close + 1 < p->end) {
            close++;
        }
    }
    buf = malloc((size_t)(close - p->at) + 1);
    if (buf == NULL) {
        return fail(p, "out of memory");
    }
    while (p->at < p->end && *p->at != '"') {
        unsigned char c = (unsigned char)*p->at;
        if (c < 0x20) {
            free(buf);
            return fail(p, "control character in string");
        }
        if (c != '\\') {
            buf[n++] = (char)c;
            p->at++;
            continue;
        }
        p->at++;
        if (p->at >= p->end) {
            break;
        }
        c = (unsigned char)*p->at++;
        switch (c) {
        case '"': buf[n++] = '"'; break;
        case '\\': buf[n++] = '\\'; break;
        case '/': buf[n++] = '/'; break;
        case 'b': buf[n++] = '\b'; break;
        case 'f': buf[n++] = '\f'; break;
        case 'n': buf[n++] = '\n'; break;
        case 'r': buf[n++] = '\r'; break;
        case 't': buf[n++] = '\t'; break;
        case 'u': {
            unsigned cp;
            if (hex4(p, &cp) != 0) {
                free(buf);
                return -1;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF && p->end - p->at >= 6 && p->at[0] == '\\' && p->at[1] == 'u') {
                unsigned low;
                const char *save = p->at;
                p->at += 2;
                if (hex4(p, &low) != 0) {
                    free(buf);
                    return -1;
                }
                if (low >= 0xDC00 && low <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                } else {
                    p->at = save;
                }
            }
            /* A lone surrogate becomes U+FFFD, as most JSON decoders do. */
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
            n += put_utf8(buf + n, cp);
            break;
        }
        default:
            free(buf);
            return fail(p, "bad escape");
        }
    }
    if (p->at >= p->end) {
        free(buf);
        return fail(p, "unterminated string");
    }
    p->at++;
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    return 0;
}

static int parse_value(parser *p, json_value *v, int depth);

static int push(parser *p, json_value *v, size_t *cap) {
    if (v->count == *cap) {
        size_t new_cap = *cap == 0 ? 8 : *cap * 2;
        json_value *items = realloc(v->items, new_cap * sizeof *items);
        if (items == NULL) {
            return fail(p, "out of memory");
        }
        v->items = items;
        if (v->type == JSON_OBJECT) {
            char **keys = realloc(v->keys, new_cap * sizeof *keys);
            size_t *key_lens;
            if (keys == NULL) {
                return fail(p, "out of memory");
            }
            v->keys = keys;
            key_lens = realloc(v->key_lens, new_cap * sizeof *key_lens);
            if (key_lens == NULL) {
                return fail(p, "out of memory");
            }
            v->key_lens = key_lens;
        }
        *cap = new_cap;
    }
    memset(&v->items[v->count], 0, sizeof v->items[v->count]);
    return 0;
}

static int parse_container(parser *p, json_value *v, int depth) {
    char close = v->type == JSON_ARRAY ? ']' : '}';
    size_t cap = 0;
    p->at++;
    skip_space(p);
    if (p->at < p->end && *p->at == close) {
        p->at++;
        return 0;
    }
    for (;;) {
        skip_space(p);
        if (push(p, v, &cap) != 0) {
            return -1;
        }
        if (v->type == JSON_OBJECT) {
            if (p->at >= p->end || *p->at != '"') {
                return fail(p, "expected a key");
            }
            if (parse_string(p, &v->keys[v->count], &v->key_lens[v->count]) != 0) {
                return -1;
            }
            skip_space(p);
            if (p->at >= p->end || *p->at != ':') {
                free(v->keys[v->count]);
                return fail(p, "expected ':'");
            }
            p->at++;
        }
        /* Count the item before parsing it, so that json_free releases a half-parsed one. */
        v->count++;
        if (parse_value(p, &v->items[v->count - 1], depth + 1) != 0) {
            return -1;
        }
        skip_space(p);
        if (p->at < p->end && *p->at == ',') {
            p->at++;
            continue;
        }
        if (p->at < p->end && *p->at == close) {
            p->at++;
            return 0;
        }
        return fail(p, "expected ',' or a closing bracket");
    }
}

static int parse_value(parser *p, json_value *v, int depth) {
    const char *start;
    int result = 0;
    if (depth > JSON_MAX_DEPTH) {
        return fail(p, "too deep");
    }
    skip_space(p);
    if (p->at >= p->end) {
        return fail(p, "unexpected end");
    }
    start = p->at;
    switch (*p->at) {
    case '{':
        v->type = JSON_OBJECT;
        result = parse_container(p, v, depth);
        break;
    case '[':
        v->type = JSON_ARRAY;
        result = parse_container(p, v, depth);
        break;
    case '"':
        v->type = JSON_STRING;
        result = parse_string(p, &v->text, &v->len);
        break;
    default:
        if ((size_t)(p->end - p->at) >= 4 && memcmp(p->at, "null", 4) == 0) {
            v->type = JSON_NULL;
            p->at += 4;
        } else if ((size_t)(p->end - p->at) >= 4 && memcmp(p->at, "true", 4) == 0) {
            v->type = JSON_BOOL;
            v->boolean = 1;
            p->at += 4;
        } else if ((size_t)(p->end - p->at) >= 5 && memcmp(p->at, "false", 5) == 0) {
            v->type = JSON_BOOL;
            p->at += 5;
        } else if (*p->at == '-' || (*p->at >= '0' && *p->at <= '9')) {
            size_t n;
            v->type = JSON_NUMBER;
            while (p->at < p->end && strchr("+-0123456789.eE", *p->at) != NULL) {
                p->at++;
            }
            n = (size_t)(p->at - start);
            v->text = malloc(n + 1);
            if (v->text == NULL) {
                return fail(p, "out of memory");
            }
            memcpy(v->text, start, n);
            v->text[n] = '\0';
            v->len = n;
        } else {
            return fail(p, "unexpected character");
        }
    }
    v->raw = start;
    v->raw_len = (size_t)(p->at - start);
    return result;
}

static void free_members(json_value *v) {
    size_t i;
    for (i = 0; i < v->count; i++) {
        free_members(&v->items[i]);
        if (v->type == JSON_OBJECT) {
            free(v->keys[i]);
        }
    }
    free(v->items);
    free(v->keys);
    free(v->key_lens);
    free(v->text);
}

json_value *json_parse(const char *text, size_t len, const char **error) {
    parser p;
    json_value *v = calloc(1, sizeof *v);
    if (v == NULL) {
        *error = "out of memory";
        return NULL;
    }
    p.at = text;
    p.end = text + len;
    p.error = NULL;
    if (parse_value(&p, v, 0) == 0) {
        skip_space(&p);
        if (p.at != p.end) {
            fail(&p, "trailing characters");
        }
    }
    if (p.error != NULL) {
        *error = p.error;
        json_free(v);
        return NULL;
    }
    return v;
}

void json_free(json_value *value) {
    if (value != NULL) {
        free_members(value);
        free(value);
    }
}

const json_value *json_get(const json_value *object, const char *key) {
    size_t i, n = strlen(key);
    if (object == NULL || object->type != JSON_OBJECT) {
        return NULL;
    }
    for (i = 0; i < object->count; i++) {
        if (object->key_lens[i] == n && memcmp(object->keys[i], key, n) == 0) {
            return &object->items[i];
        }
    }
    return NULL;
}

int json_is_null(const json_value *value) {
    return value == NULL || value->type == JSON_NULL;
}

int json_u64(const json_value *value, uint64_t *out) {
    uint64_t v = 0;
    size_t i;
    if (value == NULL || value->type != JSON_NUMBER || value->len == 0) {
        return -1;
    }
    for (i = 0; i < value->len; i++) {
        char c = value->text[i];
        if (c < '0' || c > '9' || v > (UINT64_MAX - 9) / 10) {
            return -1;
        }
        v = v * 10 + (uint64_t)(c - '0');
    }
    *out = v;
    return 0;
}
