/*
 * Runs the hostile-input corpus (tests/hostile/cases.json, see its README) through the C API:
 * every Set-Cookie value, Cookie header, consent value and policy file gives the outcome the
 * corpus states, with no crash and (under the sanitizers and valgrind) no memory error.
 * Usage: test_hostile HOSTILE_DIR
 *
 * The C API takes bytes: a Set-Cookie value that is not UTF-8 is dropped (`invalid_utf8`), a
 * Cookie-header name holding an invalid byte is never purged, and a policy that is not UTF-8 is
 * refused. Those cases (`input_hex`, `utf8: false`) are checked against that rule instead.
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
    policy_cases(argv[1], json_get(data, "policies"));

    cookie_charter_consent_free(consent);
    cookie_charter_policy_free(policy);
    free(policy_text);
    json_free(data);
    free(text);
    printf("test_hostile: %d checks, %d failures\n", check_count, check_failures);
    return check_failures == 0 ? 0 : 1;
}
