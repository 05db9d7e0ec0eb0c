/*
 * Runs the hostile-input corpus (tests/hostile/cases.json, see its README) through the C API:
 * every Set-Cookie value, Cookie header, consent value and policy file gives the outcome the
 * corpus states, with no crash and (under the sanitizers and valgrind) no memory error.
 * Usage: test_hostile HOSTILE_DIR
 *
 * The C API takes bytes: a Set-Cookie value that is not UTF-8 is dropped (`invalid_utf8`), a
 * Cookie-header name holding an invalid byte is never purged, and a policy that is not UTF-8 is
 * refused. Those cases (`input_hex`, `utf8: false`) are checked against that rule instead.
 *
 * The Cookie headers also go through the one response call (cookie_charter_respond), which is
 * then fed hostile arguments of its own: NULL pointers and arrays, impossible lengths, bytes that
 * are not UTF-8 in every input, a 1 MiB Set-Cookie value and 10,000 Cookie and Sec-GPC fields.
 */
#define _GNU_SOURCE /* memmem */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cookie_charter.h"
#include "check.h"
#include "json.h"

int check_failures = 0;
int check_count = 0;
char check_context[512] = "";

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long size;
    if (f == NULL) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)size + 1);
        if (buf != NULL && fread(buf, 1, (size_t)size, f) != (size_t)size) {
            free(buf);
            buf = NULL;
        }
        if (buf != NULL) {
            buf[size] = '\0';
            *len = (size_t)size;
        }
    }
    fclose(f);
    return buf;
}

/* A growable byte buffer. */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
} buffer;

static void append(buffer *b, const char *data, size_t len) {
    if (b->len + len + 1 > b->cap) {
        size_t cap = (b->cap == 0 ? 64 : b->cap);
        while (cap < b->len + len + 1) {
            cap *= 2;
        }
        char *grown = realloc(b->data, cap);
        if (grown == NULL) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

/* `piece` with each `{i}` replaced by `i`. */
static void append_piece(buffer *b, const char *piece, size_t len, uint64_t i) {
    const char *at;
    while (len > 0 && (at = strstr(piece, "{i}")) != NULL && (size_t)(at - piece) < len) {
        char number[32];
        int n = snprintf(number, sizeof number, "%llu", (unsigned long long)i);
        append(b, piece, (size_t)(at - piece));
        append(b, number, (size_t)n);
        len -= (size_t)(at - piece) + 3;
        piece = at + 3;
    }
    append(b, piece, len);
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The bytes of a case (`input`, `input_hex` or `generate`); `*is_hex` says which. */
static buffer input(const json_value *c, int *is_hex) {
    buffer b = {NULL, 0, 0};
    const json_value *text = json_get(c, "input");
    const json_value *hex = json_get(c, "input_hex");
    const json_value *gen = json_get(c, "generate");
    *is_hex = 0;
    append(&b, "", 0);
    if (text != NULL && text->type == JSON_STRING) {
        append(&b, text->text, text->len);
    } else if (hex != NULL && hex->type == JSON_STRING) {
        *is_hex = 1;
        for (size_t i = 0; i + 1 < hex->len; i += 2) {
            char byte = (char)(hex_digit(hex->text[i]) * 16 + hex_digit(hex->text[i + 1]));
            append(&b, &byte, 1);
        }
    } else if (gen != NULL && gen->type == JSON_ARRAY) {
        for (size_t p = 0; p < gen->count; p++) {
            const json_value *part = &gen->items[p];
            uint64_t times = 0;
            CHECK(part->type == JSON_ARRAY && part->count == 2 &&
                  json_u64(&part->items[1], &times) == 0);
            for (uint64_t i = 0; i < times; i++) {
                append_piece(&b, part->items[0].text, part->items[0].len, i);
            }
        }
    } else {
        CHECK(!"a case has input, input_hex or generate");
    }
    return b;
}

static const char *id_of(const json_value *c) {
    const json_value *id = json_get(c, "id");
    return id != NULL && id->type == JSON_STRING ? id->text : "?";
}

static int json_eq(const json_value *v, const char *data, size_t len) {
    return v != NULL && v->type == JSON_STRING && bytes_eq(data, len, v->text, v->len);
}

static int is_true(const json_value *v) {
    return v != NULL && v->type == JSON_BOOL && v->boolean;
}

static int contains_byte(const char *data, size_t len, char byte) {
    return len > 0 && memchr(data, byte, len) != NULL;
}

static void set_cookie_cases(const cookie_charter_policy *policy,
                             const cookie_charter_consent *consent, uint64_t now,
                             const json_value *cases) {
    for (size_t k = 0; k < cases->count; k++) {
        const json_value *c = &cases->items[k];
        int is_hex;
        buffer b = input(c, &is_hex);
        cookie_charter_str header = {b.data, b.len};
        cookie_charter_filtered *filtered = NULL;
        snprintf(check_context, sizeof check_context, "set_cookie %s", id_of(c));
        CHECK_STATUS(cookie_charter_filter_set_cookies(policy, &header, 1, consent, now, &filtered),
                     COOKIE_CHARTER_STATUS_OK);
        size_t kept = cookie_charter_filtered_kept_len(filtered);
        size_t dropped = cookie_charter_filtered_dropped_len(filtered);
        CHECK(kept + dropped == 1);
        /* Not UTF-8: the C API drops it whatever its name. */
        int expect_kept = is_true(json_get(c, "kept")) && !is_hex;
        CHECK((kept == 1) == expect_kept);
        if (kept == 1) {
            cookie_charter_kept out;
            const json_value *as = json_get(c, "kept_as");
            CHECK_STATUS(cookie_charter_filtered_kept_get(filtered, 0, &out),
                         COOKIE_CHARTER_STATUS_OK);
            if (as != NULL) {
                CHECK(json_eq(as, out.header.data, out.header.len));
            } else {
                CHECK(bytes_eq(out.header.data, out.header.len, b.data, b.len));
            }
        } else if (dropped == 1) {
            cookie_charter_dropped out;
            CHECK_STATUS(cookie_charter_filtered_dropped_get(filtered, 0, &out),
                         COOKIE_CHARTER_STATUS_OK);
            CHECK(!out.decision.allowed);
            CHECK(bytes_eq(out.header.data, out.header.len, b.data, b.len));
            if (is_hex) {
                CHECK(out.problem != NULL && strcmp(out.problem, "invalid_utf8") == 0);
            } else {
                const json_value *cookie = json_get(c, "cookie");
                const json_value *problem = json_get(c, "problem");
                if (cookie != NULL) {
                    CHECK(json_is_null(cookie) ? out.cookie == NULL
                                               : json_eq(cookie, out.cookie, out.cookie_len));
                }
                if (problem != NULL) {
                    CHECK(json_is_null(problem)
                              ? out.problem == NULL
                              : out.problem != NULL &&
                                    json_eq(problem, out.problem, strlen(out.problem)));
                }
            }
        }
        cookie_charter_filtered_free(filtered);
        free(b.data);
    }
}

static void batch_cases(const cookie_charter_policy *policy, const cookie_charter_consent *consent,
                        uint64_t now, const json_value *batches) {
    for (size_t k = 0; k < batches->count; k++) {
        const json_value *batch = &batches->items[k];
        const json_value *templates = json_get(batch, "template");
        uint64_t count = 0, kept = 0, dropped = 0;
        snprintf(check_context, sizeof check_context, "batch %s", id_of(batch));
        CHECK(json_u64(json_get(batch, "count"), &count) == 0);
        CHECK(json_u64(json_get(batch, "kept"), &kept) == 0);
        CHECK(json_u64(json_get(batch, "dropped"), &dropped) == 0);
        buffer *texts = calloc(count, sizeof *texts);
        cookie_charter_str *headers = calloc(count, sizeof *headers);
        if (texts == NULL || headers == NULL) {
            exit(2);
        }
        for (uint64_t i = 0; i < count; i++) {
            const json_value *t = &templates->items[i % templates->count];
            append(&texts[i], "", 0);
            append_piece(&texts[i], t->text, t->len, i);
            headers[i].data = texts[i].data;
            headers[i].len = texts[i].len;
        }
        cookie_charter_filtered *filtered = NULL;
        CHECK_STATUS(cookie_charter_filter_set_cookies(policy, headers, count, consent, now,
                                                       &filtered),
                     COOKIE_CHARTER_STATUS_OK);
        CHECK(cookie_charter_filtered_kept_len(filtered) == kept);
        CHECK(cookie_charter_filtered_dropped_len(filtered) == dropped);
        /* In input order. */
        size_t last = 0;
        for (size_t i = 0; i < cookie_charter_filtered_kept_len(filtered); i++) {
            cookie_charter_kept out;
            CHECK_STATUS(cookie_charter_filtered_kept_get(filtered, i, &out),
                         COOKIE_CHARTER_STATUS_OK);
            CHECK(i == 0 || out.index > last);
            last = out.index;
        }
        cookie_charter_filtered_free(filtered);
        for (uint64_t i = 0; i < count; i++) {
            free(texts[i].data);
        }
        free(texts);
        free(headers);
    }
}

/* The value of the consent cookie(s) in a Cookie header, as a middleware passes it on: the one
 * value when every copy agrees, `disagree` (unusable) otherwise, "" when absent. */
static buffer consent_value(const char *header, size_t len) {
    buffer found = {NULL, 0, 0};
    int seen = 0, disagree = 0;
    size_t start = 0;
    append(&found, "", 0);
    while (start <= len) {
        const char *end = memchr(header + start, ';', len - start);
        size_t piece_end = end == NULL ? len : (size_t)(end - header);
        const char *eq = memchr(header + start, '=', piece_end - start);
        if (eq != NULL) {
            size_t a = start, b = (size_t)(eq - header);
            while (a < b && (header[a] == ' ' || header[a] == '\t')) a++;
            while (b > a && (header[b - 1] == ' ' || header[b - 1] == '\t')) b--;
            if (bytes_eq(header + a, b - a, "consent", 7)) {
                size_t v = (size_t)(eq - header) + 1, w = piece_end;
                while (v < w && (header[v] == ' ' || header[v] == '\t')) v++;
                while (w > v && (header[w - 1] == ' ' || header[w - 1] == '\t')) w--;
                if (seen && !bytes_eq(found.data, found.len, header + v, w - v)) {
                    disagree = 1;
                }
                if (!seen) {
                    append(&found, header + v, w - v);
                }
                seen = 1;
            }
        }
        start = piece_end + 1;
    }
    if (disagree) {
        found.len = 0;
        append(&found, "disagree", 8);
    }
    return found;
}

static void cookie_header_cases(const cookie_charter_policy *policy, uint64_t now,
                                const json_value *cases) {
    for (size_t k = 0; k < cases->count; k++) {
        const json_value *c = &cases->items[k];
        int is_hex;
        buffer b = input(c, &is_hex);
        buffer value = consent_value(b.data, b.len);
        cookie_charter_consent *consent = NULL;
        cookie_charter_purged *purged = NULL;
        const json_value *expected = json_get(c, "purged");
        const json_value *count = json_get(c, "purged_count");
        uint64_t expected_count = 0;
        snprintf(check_context, sizeof check_context, "cookie_header %s", id_of(c));
        CHECK_STATUS(cookie_charter_consent_from_cookie(value.data, value.len, &consent),
                     COOKIE_CHARTER_STATUS_OK);
        CHECK_STATUS(cookie_charter_purge(policy, b.data, b.len, consent, now, &purged),
                     COOKIE_CHARTER_STATUS_OK);
        size_t n = cookie_charter_purged_len(purged);
        size_t e = 0;
        for (size_t i = 0; i < n; i++) {
            cookie_charter_purged_entry entry;
            CHECK_STATUS(cookie_charter_purged_get(purged, i, &entry), COOKIE_CHARTER_STATUS_OK);
            CHECK(!entry.decision.allowed);
            /* A name holding U+FFFD (an invalid byte) is never purged by the C API. */
            CHECK(!is_hex || memmem(entry.cookie.data, entry.cookie.len, "\xef\xbf\xbd", 3) == NULL);
            if (expected != NULL) {
                while (e < expected->count && is_hex &&
                       strstr(expected->items[e].text, "\xef\xbf\xbd") != NULL) {
                    e++;
                }
                CHECK(e < expected->count &&
                      json_eq(&expected->items[e], entry.cookie.data, entry.cookie.len));
                e++;
            }
            for (size_t h = 0; h < entry.header_count; h++) {
                cookie_charter_str header;
                CHECK_STATUS(cookie_charter_purged_header(purged, i, h, &header),
                             COOKIE_CHARTER_STATUS_OK);
                CHECK(!contains_byte(header.data, header.len, '\r') &&
                      !contains_byte(header.data, header.len, '\n') &&
                      !contains_byte(header.data, header.len, '\0'));
                CHECK(header.len > entry.cookie.len &&
                      memcmp(header.data, entry.cookie.data, entry.cookie.len) == 0 &&
                      strncmp(header.data + entry.cookie.len, "=; Max-Age=0", 12) == 0);
            }
        }
        if (expected != NULL) {
            while (e < expected->count && is_hex &&
                   strstr(expected->items[e].text, "\xef\xbf\xbd") != NULL) {
                e++;
            }
            CHECK(e == expected->count);
        }
        if (count != NULL) {
            CHECK(json_u64(count, &expected_count) == 0 && n == expected_count);
        }
        cookie_charter_purged_free(purged);
        cookie_charter_consent_free(consent);
        free(value.data);
        free(b.data);
    }
}

/* A request of one Cookie field (and no Sec-GPC), as the C API takes it. */
static cookie_charter_request one_field(const cookie_charter_str *field) {
    cookie_charter_request request = {field, 1, NULL, 0};
    return request;
}

/* Every Cookie header of the corpus through the one response call, as a middleware makes it
 * (the request's consent judges, purge on, no Set-Cookie): the consent is the corpus's, and the
 * values to send are the deletions cookie_charter_purge gives with that consent, in order. */
static void respond_header_cases(const cookie_charter_policy *policy, uint64_t now,
                                 const json_value *cases) {
    for (size_t k = 0; k < cases->count; k++) {
        const json_value *c = &cases->items[k];
        const json_value *problem = json_get(c, "consent_problem");
        const json_value *usable = json_get(c, "consent_usable");
        int is_hex;
        buffer b = input(c, &is_hex);
        cookie_charter_str field = {b.data, b.len};
        cookie_charter_request request = one_field(&field);
        cookie_charter_consent *consent = NULL;
        cookie_charter_response *response = NULL;
        cookie_charter_purged *purged = NULL;
        const char *code = "unwritten";
        size_t sent = 0;
        snprintf(check_context, sizeof check_context, "respond cookie_header %s", id_of(c));
        CHECK_STATUS(cookie_charter_request_consent(policy, &request, &consent), COOKIE_CHARTER_STATUS_OK);
        CHECK_STATUS(cookie_charter_respond(policy, &request, COOKIE_CHARTER_HANDLED_UNCHANGED, NULL, NULL, 0,
                                            true, now, &response),
                     COOKIE_CHARTER_STATUS_OK);
        CHECK_STATUS(cookie_charter_consent_problem(cookie_charter_response_consent(response), now, &code, NULL),
                     COOKIE_CHARTER_STATUS_OK);
        if (usable != NULL) {
            CHECK((code == NULL) == is_true(usable));
        }
        if (!json_is_null(problem)) {
            CHECK(code != NULL && json_eq(problem, code, strlen(code)));
        } else if (usable == NULL || is_true(usable)) {
            CHECK(code == NULL);
        }
        CHECK(cookie_charter_response_dropped_len(response) == 0);
        CHECK_STATUS(cookie_charter_purge(policy, b.data, b.len, consent, now, &purged), COOKIE_CHARTER_STATUS_OK);
        for (size_t i = 0; i < cookie_charter_purged_len(purged); i++) {
            cookie_charter_purged_entry entry;
            CHECK_STATUS(cookie_charter_purged_get(purged, i, &entry), COOKIE_CHARTER_STATUS_OK);
            for (size_t h = 0; h < entry.header_count; h++, sent++) {
                cookie_charter_str want, got = {NULL, 0};
                CHECK_STATUS(cookie_charter_purged_header(purged, i, h, &want), COOKIE_CHARTER_STATUS_OK);
                CHECK_STATUS(cookie_charter_response_send_get(response, sent, &got), COOKIE_CHARTER_STATUS_OK);
                CHECK(bytes_eq(got.data, got.len, want.data, want.len));
            }
        }
        CHECK(cookie_charter_response_send_len(response) == sent);
        CHECK(cookie_charter_response_is_unchanged(response) == (sent == 0));
        cookie_charter_purged_free(purged);
        cookie_charter_response_free(response);
        cookie_charter_consent_free(consent);
        free(b.data);
    }
}

/* The response call and the request's consent on hostile arguments: NULL pointers, NULL arrays
 * with a non-zero length, lengths no array can have, bytes that are not UTF-8, huge headers. */
static void respond_argument_cases(const cookie_charter_policy *policy, const cookie_charter_consent *consent,
                                   uint64_t now) {
    static const char sentinel_byte = 0;
    cookie_charter_response *const sentinel = (cookie_charter_response *)(uintptr_t)&sentinel_byte;
    cookie_charter_consent *const consent_sentinel = (cookie_charter_consent *)(uintptr_t)&sentinel_byte;
    cookie_charter_str field = {"_ga=1; marketing_id=2", 21};
    cookie_charter_str gpc = {"1", 1};
    cookie_charter_str set_cookie = {"_ga=2; Path=/", 13};
    CHECK(field.len == strlen(field.data) && set_cookie.len == strlen(set_cookie.data));
    cookie_charter_str null_data = {NULL, 3};
    cookie_charter_request request = {&field, 1, &gpc, 1};
    cookie_charter_request bad;
    cookie_charter_response *response = sentinel;
    cookie_charter_consent *read = consent_sentinel;
    const uint32_t unchanged = COOKIE_CHARTER_HANDLED_UNCHANGED;
    const size_t too_many = SIZE_MAX / 2;
    snprintf(check_context, sizeof check_context, "respond arguments");

    /* NULL pointers, each alone; the out-parameter stays untouched. */
    CHECK_STATUS(cookie_charter_respond(NULL, &request, unchanged, NULL, &set_cookie, 1, true, now, &response),
                 COOKIE_CHARTER_STATUS_NULL_POINTER);
    CHECK_STATUS(cookie_charter_respond(policy, NULL, unchanged, NULL, &set_cookie, 1, true, now, &response),
                 COOKIE_CHARTER_STATUS_NULL_POINTER);
    CHECK_STATUS(cookie_charter_respond(policy, &request, unchanged, NULL, &set_cookie, 1, true, now, NULL),
                 COOKIE_CHARTER_STATUS_NULL_POINTER);
    CHECK_STATUS(cookie_charter_respond(policy, &request, COOKIE_CHARTER_HANDLED_REPLACED, NULL, &set_cookie, 1, true,
                                        now, &response),
                 COOKIE_CHARTER_STATUS_NULL_POINTER);
    CHECK_STATUS(cookie_charter_request_consent(NULL, &request, &read), COOKIE_CHARTER_STATUS_NULL_POINTER);
    CHECK_STATUS(cookie_charter_request_consent(policy, NULL, &read), COOKIE_CHARTER_STATUS_NULL_POINTER);
    CHECK_STATUS(cookie_charter_request_consent(policy, &request, NULL), COOKIE_CHARTER_STATUS_NULL_POINTER);
    /* NULL arrays with a non-zero length, and NULL data in an element. */
    CHECK_STATUS(cookie_charter_respond(policy, &request, unchanged, NULL, NULL, 1, true, now, &response),
                 COOKIE_CHARTER_STATUS_NULL_POINTER);
    CHECK_STATUS(cookie_charter_respond(policy, &request, unchanged, NULL, &null_data, 1, true, now, &response),
                 COOKIE_CHARTER_STATUS_NULL_POINTER);
    for (int which = 0; which < 4; which++) {
        bad = request;
        switch (which) {
        case 0: bad.cookie = NULL; break;
        case 1: bad.sec_gpc = NULL; break;
        case 2: bad.cookie = &null_data; break;
        default: bad.sec_gpc = &null_data; break;
        }
        CHECK_STATUS(cookie_charter_respond(policy, &bad, unchanged, NULL, &set_cookie, 1, true, now, &response),
                     COOKIE_CHARTER_STATUS_NULL_POINTER);
        CHECK_STATUS(cookie_charter_request_consent(policy, &bad, &read), COOKIE_CHARTER_STATUS_NULL_POINTER);
    }
    /* A length no array can have is refused before anything is read. */
    CHECK_STATUS(cookie_charter_respond(policy, &request, unchanged, NULL, &set_cookie, too_many, true, now, &response),
                 COOKIE_CHARTER_STATUS_INVALID_ARGUMENT);
    bad = request;
    bad.cookie_count = too_many;
    CHECK_STATUS(cookie_charter_request_consent(policy, &bad, &read), COOKIE_CHARTER_STATUS_INVALID_ARGUMENT);
    bad = request;
    bad.sec_gpc_count = SIZE_MAX;
    CHECK_STATUS(cookie_charter_respond(policy, &bad, unchanged, NULL, &set_cookie, 1, true, now, &response),
                 COOKIE_CHARTER_STATUS_INVALID_ARGUMENT);
    /* Unknown `handled`, or a replacement with a `handled` that takes none. */
    CHECK_STATUS(cookie_charter_respond(policy, &request, 0, NULL, &set_cookie, 1, true, now, &response),
                 COOKIE_CHARTER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(cookie_charter_respond(policy, &request, 4, NULL, &set_cookie, 1, true, now, &response),
                 COOKIE_CHARTER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(cookie_charter_respond(policy, &request, unchanged, consent, &set_cookie, 1, true, now, &response),
                 COOKIE_CHARTER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(cookie_charter_respond(policy, &request, COOKIE_CHARTER_HANDLED_NOT_A_CONSENT, consent, &set_cookie,
                                        1, true, now, &response),
                 COOKIE_CHARTER_STATUS_INVALID_ARGUMENT);
    CHECK(response == sentinel && read == consent_sentinel);
    /* Empty arrays may be NULL. */
    bad.cookie = NULL;
    bad.cookie_count = 0;
    bad.sec_gpc = NULL;
    bad.sec_gpc_count = 0;
    response = NULL;
    CHECK_STATUS(cookie_charter_respond(policy, &bad, unchanged, NULL, NULL, 0, true, now, &response),
                 COOKIE_CHARTER_STATUS_OK);
    CHECK(cookie_charter_response_send_len(response) == 0 && cookie_charter_response_is_unchanged(response));
    cookie_charter_response_free(response);

    /* Bytes that are not UTF-8, in each input. A Set-Cookie value: dropped (fail closed). */
    {
        cookie_charter_str values[3] = {{"_ga=\xff; Path=/", 0}, {"sessionid=1", 0}, {"\xfe=1", 0}};
        cookie_charter_dropped d;
        for (size_t i = 0; i < 3; i++) {
            values[i].len = strlen(values[i].data);
        }
        response = NULL;
        CHECK_STATUS(cookie_charter_respond(policy, &request, unchanged, NULL, values, 3, false, now, &response),
                     COOKIE_CHARTER_STATUS_OK);
        CHECK(cookie_charter_response_send_len(response) == 1);
        CHECK(cookie_charter_response_dropped_len(response) == 2);
        CHECK_STATUS(cookie_charter_response_dropped_get(response, 0, &d), COOKIE_CHARTER_STATUS_OK);
        CHECK(d.index == 0 && d.cookie == NULL && d.problem != NULL && strcmp(d.problem, "invalid_utf8") == 0);
        CHECK(bytes_eq(d.header.data, d.header.len, values[0].data, values[0].len) && !d.decision.allowed);
        CHECK_STATUS(cookie_charter_response_dropped_get(response, 1, &d), COOKIE_CHARTER_STATUS_OK);
        CHECK(d.index == 2 && d.problem != NULL && strcmp(d.problem, "invalid_utf8") == 0);
        CHECK(!cookie_charter_response_is_unchanged(response));
        cookie_charter_response_free(response);
    }
    /* A Cookie field: the consent cookie's value holding a bad byte is no consent; a name holding
     * one is never purged; Sec-GPC values are bytes: only `1` counts. */
    {
        static const char fields[] = "consent=v=1&rev=1&at=1700000000&statistics=1\xff; \xff_ga=1; _ga=1";
        cookie_charter_str cookie = {fields, sizeof fields - 1};
        cookie_charter_str gpc_values[2] = {{"1\xff", 2}, {"\xfe", 1}};
        cookie_charter_request hostile = {&cookie, 1, gpc_values, 2};
        cookie_charter_str h;
        const char *code = NULL;
        read = NULL;
        CHECK_STATUS(cookie_charter_request_consent(policy, &hostile, &read), COOKIE_CHARTER_STATUS_OK);
        CHECK_STATUS(cookie_charter_consent_problem(read, now, &code, NULL), COOKIE_CHARTER_STATUS_OK);
        CHECK(code != NULL && strcmp(code, "malformed") == 0);
        CHECK(!cookie_charter_consent_gpc(read));
        cookie_charter_consent_free(read);
        response = NULL;
        CHECK_STATUS(cookie_charter_respond(policy, &hostile, unchanged, NULL, NULL, 0, true, now, &response),
                     COOKIE_CHARTER_STATUS_OK);
        CHECK(cookie_charter_response_send_len(response) > 0);
        for (size_t i = 0; i < cookie_charter_response_send_len(response); i++) {
            CHECK_STATUS(cookie_charter_response_send_get(response, i, &h), COOKIE_CHARTER_STATUS_OK);
            CHECK(h.len > 4 && memcmp(h.data, "_ga=", 4) == 0);
        }
        cookie_charter_response_free(response);
    }
    /* Huge: a 1 MiB Set-Cookie value (dropped: too large), 10,000 Cookie fields, 10,000 Sec-GPC
     * values with one `1` last. */
    {
        const size_t n = 10000;
        buffer big = {NULL, 0, 0};
        cookie_charter_str *many = calloc(n, sizeof *many);
        cookie_charter_str *gpcs = calloc(n, sizeof *gpcs);
        cookie_charter_str value;
        cookie_charter_dropped d;
        if (many == NULL || gpcs == NULL) {
            exit(2);
        }
        append(&big, "_ga=", 4);
        for (size_t i = 0; i < 1024 * 1024; i++) {
            append(&big, "x", 1);
        }
        value.data = big.data;
        value.len = big.len;
        for (size_t i = 0; i < n; i++) {
            many[i].data = "sessionid=1";
            many[i].len = 11;
            gpcs[i].data = i + 1 == n ? "1" : "0";
            gpcs[i].len = 1;
        }
        many[n - 1].data = "marketing_id=1";
        many[n - 1].len = 14;
        cookie_charter_request large = {many, n, gpcs, n};
        response = NULL;
        CHECK_STATUS(cookie_charter_respond(policy, &large, unchanged, NULL, &value, 1, true, now, &response),
                     COOKIE_CHARTER_STATUS_OK);
        CHECK(cookie_charter_consent_gpc(cookie_charter_response_consent(response)));
        CHECK(cookie_charter_response_dropped_len(response) == 1);
        CHECK_STATUS(cookie_charter_response_dropped_get(response, 0, &d), COOKIE_CHARTER_STATUS_OK);
        CHECK(d.header.len == big.len && d.problem != NULL && strcmp(d.problem, "too_large") == 0);
        /* Only the undeclared `marketing_id` is deleted, once whatever the number of fields. */
        for (size_t i = 0; i < cookie_charter_response_send_len(response); i++) {
            cookie_charter_str h;
            CHECK_STATUS(cookie_charter_response_send_get(response, i, &h), COOKIE_CHARTER_STATUS_OK);
            CHECK(h.len > 13 && memcmp(h.data, "marketing_id=", 13) == 0);
        }
        CHECK(cookie_charter_response_send_len(response) > 0 && cookie_charter_response_send_len(response) < 10);
        cookie_charter_response_free(response);
        free(many);
        free(gpcs);
        free(big.data);
    }
}

static void consent_cases(const cookie_charter_policy *policy, uint64_t now,
                          const json_value *cases) {
    for (size_t k = 0; k < cases->count; k++) {
        const json_value *c = &cases->items[k];
        int is_hex;
        buffer b = input(c, &is_hex);
        cookie_charter_consent *consent = NULL;
        const char *code = NULL;
        const json_value *problem = json_get(c, "problem");
        const json_value *usable = json_get(c, "usable");
        int expect_usable = usable != NULL ? is_true(usable) : json_is_null(problem);
        cookie_charter_decision decision;
        snprintf(check_context, sizeof check_context, "consent %s", id_of(c));
        CHECK_STATUS(cookie_charter_consent_from_cookie(b.data, b.len, &consent),
                     COOKIE_CHARTER_STATUS_OK);
        CHECK_STATUS(cookie_charter_consent_problem(consent, now, &code, NULL),
                     COOKIE_CHARTER_STATUS_OK);
        CHECK((code == NULL) == expect_usable);
        if (!json_is_null(problem)) {
            CHECK(code != NULL && json_eq(problem, code, strlen(code)));
        }
        CHECK_STATUS(cookie_charter_decide(policy, "_ga", 3, consent, now, &decision),
                     COOKIE_CHARTER_STATUS_OK);
        if (!expect_usable) {
            CHECK(!decision.allowed);
        }
        cookie_charter_consent_free(consent);
        free(b.data);
    }
}

static void policy_cases(const char *dir, const json_value *cases) {
    for (size_t k = 0; k < cases->count; k++) {
        const json_value *c = &cases->items[k];
        const json_value *file = json_get(c, "file");
        const json_value *format = json_get(c, "format");
        int json = 0;
        buffer b = {NULL, 0, 0};
        snprintf(check_context, sizeof check_context, "policy %s", id_of(c));
        if (file != NULL) {
            char path[1024];
            size_t len = 0;
            snprintf(path, sizeof path, "%s/%s", dir, file->text);
            b.data = read_file(path, &len);
            b.len = len;
            CHECK(b.data != NULL);
            json = file->len > 5 && strcmp(file->text + file->len - 5, ".json") == 0;
        } else {
            int is_hex;
            b = input(c, &is_hex);
            json = format != NULL && json_eq(format, "json", 4);
        }
        if (b.data == NULL) {
            continue;
        }
        cookie_charter_policy *policy = NULL;
        cookie_charter_error *error = NULL;
        cookie_charter_status status =
            json ? cookie_charter_policy_from_json(b.data, b.len, &policy, &error)
                 : cookie_charter_policy_from_toml(b.data, b.len, &policy, &error);
        const json_value *utf8 = json_get(c, "utf8");
        if (utf8 != NULL && utf8->type == JSON_BOOL && !utf8->boolean) {
            /* Not text: refused with an error that says why. */
            CHECK(status != COOKIE_CHARTER_STATUS_OK && policy == NULL && error != NULL);
            if (error != NULL) {
                CHECK(cookie_charter_error_message(error) != NULL);
            }
        } else if (is_true(json_get(c, "ok"))) {
            CHECK(status == COOKIE_CHARTER_STATUS_OK && policy != NULL);
        } else {
            const json_value *code = json_get(c, "error");
            const json_value *field = json_get(c, "field");
            CHECK(status != COOKIE_CHARTER_STATUS_OK && error != NULL);
            if (error != NULL) {
                const char *got = cookie_charter_error_code(error);
                CHECK(got != NULL && json_eq(code, got, strlen(got)));
                CHECK(cookie_charter_error_line(error) > 0 &&
                      cookie_charter_error_column(error) > 0);
                if (field != NULL) {
                    const char *f = cookie_charter_error_field(error);
                    CHECK(f != NULL && json_eq(field, f, strlen(f)));
                }
            }
        }
        cookie_charter_error_free(error);
        cookie_charter_policy_free(policy);
        free(b.data);
    }
}

int main(int argc, char **argv) {
    char path[1024];
    size_t len = 0;
    const char *error = NULL;
    if (argc != 2) {
        fprintf(stderr, "usage: test_hostile HOSTILE_DIR\n");
        return 2;
    }
    snprintf(path, sizeof path, "%s/cases.json", argv[1]);
    char *text = read_file(path, &len);
    if (text == NULL) {
        fprintf(stderr, "cannot read %s\n", path);
        return 2;
    }
    json_value *data = json_parse(text, len, &error);
    if (data == NULL) {
        fprintf(stderr, "%s: %s\n", path, error);
        return 2;
    }
    uint64_t now = 0;
    CHECK(json_u64(json_get(data, "now"), &now) == 0);

    snprintf(path, sizeof path, "%s/%s", argv[1], json_get(data, "policy")->text);
    size_t policy_len = 0;
    char *policy_text = read_file(path, &policy_len);
    cookie_charter_policy *policy = NULL;
    cookie_charter_consent *consent = NULL;
    const json_value *consent_text = json_get(data, "consent");
    if (policy_text == NULL ||
        cookie_charter_policy_from_toml(policy_text, policy_len, &policy, NULL) !=
            COOKIE_CHARTER_STATUS_OK ||
        cookie_charter_consent_from_cookie(consent_text->text, consent_text->len, &consent) !=
            COOKIE_CHARTER_STATUS_OK) {
        fprintf(stderr, "cannot load %s\n", path);
        return 2;
    }
    set_cookie_cases(policy, consent, now, json_get(data, "set_cookie"));
    batch_cases(policy, consent, now, json_get(data, "set_cookie_batches"));
    cookie_header_cases(policy, now, json_get(data, "cookie_header"));
    consent_cases(policy, now, json_get(data, "consent_cookie"));
    respond_header_cases(policy, now, json_get(data, "cookie_header"));
    respond_argument_cases(policy, consent, now);
    policy_cases(argv[1], json_get(data, "policies"));

    cookie_charter_consent_free(consent);
    cookie_charter_policy_free(policy);
    free(policy_text);
    json_free(data);
    free(text);
    printf("test_hostile: %d checks, %d failures\n", check_count, check_failures);
    return check_failures == 0 ? 0 : 1;
}
