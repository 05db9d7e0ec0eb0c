/*
 * Runs the shared vector corpus (tests/vectors/, every *.json below it) through the C API and
 * compares each output with the file's expectation. Usage: test_vectors VECTORS_DIR
 * Fails when it finds no file, on an unknown case kind, and on any difference.
 */
#define _XOPEN_SOURCE 700

#include <ftw.h>
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

static char **files = NULL;
static size_t file_count = 0;

static int collect(const char *path, const struct stat *sb, int type, struct FTW *ftw) {
    size_t n = strlen(path);
    char **grown;
    (void)sb;
    (void)ftw;
    if (type != FTW_F || n < 5 || strcmp(path + n - 5, ".json") != 0) {
        return 0;
    }
    grown = realloc(files, (file_count + 1) * sizeof *files);
    if (grown == NULL) {
        return -1;
    }
    files = grown;
    files[file_count] = malloc(n + 1);
    if (files[file_count] == NULL) {
        return -1;
    }
    memcpy(files[file_count], path, n + 1);
    file_count++;
    return 0;
}

static int compare_paths(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

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

/* Whether an optional C string equals an optional JSON string (both absent counts as equal). */
static int name_matches(const char *name, const json_value *expected) {
    if (json_is_null(expected)) {
        return name == NULL;
    }
    return name != NULL && expected->type == JSON_STRING &&
           bytes_eq(name, strlen(name), expected->text, expected->len);
}

/* Whether an optional borrowed string equals an optional JSON string. */
static int str_matches(const char *data, size_t len, const json_value *expected) {
    if (json_is_null(expected)) {
        return data == NULL;
    }
    return data != NULL && expected->type == JSON_STRING && bytes_eq(data, len, expected->text, expected->len);
}

/* Compares a decision with {allowed, rule, purpose, consent_state}. */
static void check_decision(const cookie_charter_decision *d, const json_value *expected) {
    const json_value *allowed = json_get(expected, "allowed");
    CHECK(allowed != NULL && allowed->type == JSON_BOOL);
    if (allowed != NULL) {
        CHECK(d->allowed == (allowed->boolean != 0));
    }
    CHECK(name_matches(cookie_charter_rule_name(d->rule), json_get(expected, "rule")));
    CHECK(str_matches(d->purpose, d->purpose_len, json_get(expected, "purpose")));
    CHECK(name_matches(cookie_charter_consent_state_name(d->consent_state), json_get(expected, "consent_state")));
    /* The C-only invariants: no purpose exactly when undeclared, and then an absent state. */
    CHECK((d->purpose == NULL) == (d->rule == COOKIE_CHARTER_RULE_UNDECLARED));
    CHECK((d->consent_state == COOKIE_CHARTER_CONSENT_STATE_ABSENT) == (d->rule == COOKIE_CHARTER_RULE_UNDECLARED));
}

static cookie_charter_consent *consent_of(const json_value *c) {
    cookie_charter_consent *consent = NULL;
    if (json_is_null(c)) {
        CHECK_STATUS(cookie_charter_consent_from_cookie("", 0, &consent), COOKIE_CHARTER_STATUS_OK);
    } else {
        CHECK(c->type == JSON_STRING);
        CHECK_STATUS(cookie_charter_consent_from_cookie(c->text, c->len, &consent), COOKIE_CHARTER_STATUS_OK);
    }
    CHECK(consent != NULL);
    return consent;
}

static void run_decide(const cookie_charter_policy *policy, const json_value *c, uint64_t now) {
    cookie_charter_consent *consent = consent_of(json_get(c, "consent"));
    const json_value *decisions = json_get(c, "decisions");
    const json_value *ask = json_get(c, "purposes_to_ask");
    const json_value *problem = json_get(c, "problem");
    const char *code = "unwritten";
    size_t i;
    if (consent == NULL) {
        return;
    }
    CHECK(problem != NULL);
    CHECK_STATUS(cookie_charter_consent_problem(consent, now, &code, NULL), COOKIE_CHARTER_STATUS_OK);
    CHECK(name_matches(code, problem));
    if (!name_matches(code, problem)) {
        fprintf(stderr, "  problem: got %s\n", name_or_null(code));
    }
    CHECK(decisions != NULL && decisions->type == JSON_ARRAY && decisions->count > 0);
    for (i = 0; decisions != NULL && i < decisions->count; i++) {
        const json_value *e = &decisions->items[i];
        const json_value *cookie = json_get(e, "cookie");
        cookie_charter_decision d;
        memset(&d, 0, sizeof d);
        CHECK(cookie != NULL && cookie->type == JSON_STRING);
        if (cookie == NULL || cookie->type != JSON_STRING) {
            continue;
        }
        /* A name that is not UTF-8 cannot come from JSON; every vector name must decide. */
        CHECK_STATUS(cookie_charter_decide(policy, cookie->text, cookie->len, consent, now, &d), COOKIE_CHARTER_STATUS_OK);
        check_decision(&d, e);
    }
    if (ask != NULL) {
        cookie_charter_string_list *list = NULL;
        size_t n, j;
        CHECK(ask->type == JSON_ARRAY);
        CHECK_STATUS(cookie_charter_purposes_to_ask(policy, consent, now, &list), COOKIE_CHARTER_STATUS_OK);
        n = cookie_charter_string_list_len(list);
        CHECK(n == ask->count);
        /* A set: every expected purpose is listed, and the sizes agree. */
        for (j = 0; j < ask->count; j++) {
            size_t k;
            int found = 0;
            for (k = 0; k < n; k++) {
                cookie_charter_str s;
                if (cookie_charter_string_list_get(list, k, &s) == COOKIE_CHARTER_STATUS_OK &&
                    bytes_eq(s.data, s.len, ask->items[j].text, ask->items[j].len)) {
                    found = 1;
                }
            }
            CHECK(found);
        }
        cookie_charter_string_list_free(list);
    }
    cookie_charter_consent_free(consent);
}

static void run_filter(const cookie_charter_policy *policy, const json_value *c, uint64_t now) {
    cookie_charter_consent *consent = consent_of(json_get(c, "consent"));
    const json_value *in = json_get(c, "set_cookies");
    const json_value *kept = json_get(c, "kept");
    const json_value *dropped = json_get(c, "dropped");
    cookie_charter_str *headers;
    cookie_charter_filtered *filtered = NULL;
    size_t i;
    CHECK(in != NULL && in->type == JSON_ARRAY && kept != NULL && dropped != NULL);
    if (consent == NULL || in == NULL || in->type != JSON_ARRAY || kept == NULL || dropped == NULL) {
        cookie_charter_consent_free(consent);
        return;
    }
    headers = calloc(in->count + 1, sizeof *headers);
    for (i = 0; headers != NULL && i < in->count; i++) {
        headers[i].data = in->items[i].text;
        headers[i].len = in->items[i].len;
    }
    CHECK_STATUS(cookie_charter_filter_set_cookies(policy, headers, in->count, consent, now, &filtered), COOKIE_CHARTER_STATUS_OK);
    CHECK(cookie_charter_filtered_kept_len(filtered) == kept->count);
    CHECK(cookie_charter_filtered_dropped_len(filtered) == dropped->count);
    for (i = 0; i < kept->count && i < cookie_charter_filtered_kept_len(filtered); i++) {
        cookie_charter_kept k;
        CHECK_STATUS(cookie_charter_filtered_kept_get(filtered, i, &k), COOKIE_CHARTER_STATUS_OK);
        CHECK(str_matches(k.header.data, k.header.len, &kept->items[i]));
        CHECK(k.index < in->count);
    }
    for (i = 0; i < dropped->count && i < cookie_charter_filtered_dropped_len(filtered); i++) {
        const json_value *e = &dropped->items[i];
        cookie_charter_dropped d;
        CHECK_STATUS(cookie_charter_filtered_dropped_get(filtered, i, &d), COOKIE_CHARTER_STATUS_OK);
        CHECK(str_matches(d.header.data, d.header.len, json_get(e, "header")));
        CHECK(str_matches(d.cookie, d.cookie_len, json_get(e, "cookie")));
        check_decision(&d.decision, e);
    }
    cookie_charter_filtered_free(filtered);
    free(headers);
    cookie_charter_consent_free(consent);
}

static void run_purge(const cookie_charter_policy *policy, const json_value *c, uint64_t now) {
    cookie_charter_consent *consent = consent_of(json_get(c, "consent"));
    const json_value *header = json_get(c, "cookie_header");
    const json_value *purged = json_get(c, "purged");
    cookie_charter_purged *result = NULL;
    size_t i, j;
    CHECK(header != NULL && header->type == JSON_STRING && purged != NULL && purged->type == JSON_ARRAY);
    if (consent == NULL || header == NULL || header->type != JSON_STRING || purged == NULL) {
        cookie_charter_consent_free(consent);
        return;
    }
    CHECK_STATUS(cookie_charter_purge(policy, header->text, header->len, consent, now, &result), COOKIE_CHARTER_STATUS_OK);
    CHECK(cookie_charter_purged_len(result) == purged->count);
    for (i = 0; i < purged->count && i < cookie_charter_purged_len(result); i++) {
        const json_value *e = &purged->items[i];
        const json_value *headers = json_get(e, "headers");
        cookie_charter_purged_entry pc;
        CHECK_STATUS(cookie_charter_purged_get(result, i, &pc), COOKIE_CHARTER_STATUS_OK);
        CHECK(str_matches(pc.cookie.data, pc.cookie.len, json_get(e, "cookie")));
        CHECK(!pc.decision.allowed);
        CHECK(headers != NULL && headers->type == JSON_ARRAY && pc.header_count == headers->count);
        for (j = 0; headers != NULL && j < headers->count && j < pc.header_count; j++) {
            cookie_charter_str h;
            CHECK_STATUS(cookie_charter_purged_header(result, i, j, &h), COOKIE_CHARTER_STATUS_OK);
            CHECK(str_matches(h.data, h.len, &headers->items[j]));
        }
    }
    cookie_charter_purged_free(result);
    cookie_charter_consent_free(consent);
}

/* load-errors/: loading must fail with the code, field, line and column of the file. */
static void run_load_error(const json_value *doc, const json_value *expected) {
    const json_value *toml = json_get(doc, "policy_toml");
    const json_value *json = json_get(doc, "policy_json");
    const json_value *text = toml != NULL ? toml : json;
    const json_value *code = json_get(expected, "code");
    cookie_charter_policy *policy = NULL;
    cookie_charter_error *error = NULL;
    cookie_charter_status status;
    uint64_t line = 0, column = 0;
    CHECK(text != NULL && text->type == JSON_STRING && code != NULL && code->type == JSON_STRING);
    if (text == NULL || text->type != JSON_STRING || code == NULL) {
        return;
    }
    status = toml != NULL ? cookie_charter_policy_from_toml(text->text, text->len, &policy, &error)
                          : cookie_charter_policy_from_json(text->text, text->len, &policy, &error);
    CHECK(status != COOKIE_CHARTER_STATUS_OK);
    CHECK(policy == NULL);
    CHECK(error != NULL);
    CHECK(name_matches(cookie_charter_status_name(status), code));
    CHECK(name_matches(cookie_charter_error_code(error), code));
    CHECK(cookie_charter_error_status(error) == status);
    CHECK(cookie_charter_error_message(error) != NULL && strlen(cookie_charter_error_message(error)) > 0);
    CHECK(name_matches(cookie_charter_error_field(error), json_get(expected, "field")));
    if (!json_is_null(json_get(expected, "line"))) {
        CHECK(json_u64(json_get(expected, "line"), &line) == 0);
    }
    if (!json_is_null(json_get(expected, "column"))) {
        CHECK(json_u64(json_get(expected, "column"), &column) == 0);
    }
    CHECK(cookie_charter_error_line(error) == line);
    CHECK(cookie_charter_error_column(error) == column);
    if (cookie_charter_error_line(error) != line || cookie_charter_error_column(error) != column) {
        fprintf(stderr, "  expected line %llu, column %llu; got %zu, %zu: %s\n", (unsigned long long)line,
                (unsigned long long)column, cookie_charter_error_line(error), cookie_charter_error_column(error),
                name_or_null(cookie_charter_error_message(error)));
    }
    /* Without an error object, the same status. */
    CHECK(status == (toml != NULL ? cookie_charter_policy_from_toml(text->text, text->len, &policy, NULL)
                                  : cookie_charter_policy_from_json(text->text, text->len, &policy, NULL)));
    CHECK(policy == NULL);
    cookie_charter_error_free(error);
}

static void run_file(const char *path) {
    size_t len = 0, i;
    char *text = read_file(path, &len);
    const char *parse_error = NULL;
    json_value *doc;
    const json_value *policy_json, *policy_toml, *cases, *error;
    cookie_charter_policy *policy = NULL;
    cookie_charter_error *load_error = NULL;
    snprintf(check_context, sizeof check_context, "%s", path);
    CHECK(text != NULL);
    if (text == NULL) {
        return;
    }
    doc = json_parse(text, len, &parse_error);
    CHECK(doc != NULL);
    if (doc == NULL) {
        fprintf(stderr, "  json: %s\n", parse_error);
        free(text);
        return;
    }
    error = json_get(doc, "error");
    if (error != NULL) {
        run_load_error(doc, error);
        json_free(doc);
        free(text);
        return;
    }
    policy_json = json_get(doc, "policy");
    policy_toml = json_get(doc, "policy_toml");
    CHECK((policy_json != NULL) != (policy_toml != NULL));
    if (policy_json != NULL) {
        /* The object's own JSON text is a serialization of it. */
        CHECK(policy_json->type == JSON_OBJECT);
        CHECK_STATUS(cookie_charter_policy_from_json(policy_json->raw, policy_json->raw_len, &policy, &load_error), COOKIE_CHARTER_STATUS_OK);
    } else if (policy_toml != NULL) {
        CHECK(policy_toml->type == JSON_STRING);
        CHECK_STATUS(cookie_charter_policy_from_toml(policy_toml->text, policy_toml->len, &policy, &load_error), COOKIE_CHARTER_STATUS_OK);
    }
    if (load_error != NULL) {
        fprintf(stderr, "  load error: %s\n", cookie_charter_error_message(load_error));
        cookie_charter_error_free(load_error);
    }
    cases = json_get(doc, "cases");
    CHECK(cases != NULL && cases->type == JSON_ARRAY && cases->count > 0);
    for (i = 0; policy != NULL && cases != NULL && i < cases->count; i++) {
        const json_value *c = &cases->items[i];
        const json_value *kind = json_get(c, "kind");
        const json_value *description = json_get(c, "description");
        uint64_t now = 0;
        snprintf(check_context, sizeof check_context, "%s case %zu: %.200s", path, i,
                 description != NULL && description->type == JSON_STRING ? description->text : "");
        CHECK(json_u64(json_get(c, "now"), &now) == 0);
        if (kind != NULL && kind->type == JSON_STRING && strcmp(kind->text, "decide") == 0) {
            run_decide(policy, c, now);
        } else if (kind != NULL && kind->type == JSON_STRING && strcmp(kind->text, "filter") == 0) {
            run_filter(policy, c, now);
        } else if (kind != NULL && kind->type == JSON_STRING && strcmp(kind->text, "purge") == 0) {
            run_purge(policy, c, now);
        } else {
            CHECK(!"unknown case kind");
        }
    }
    cookie_charter_policy_free(policy);
    json_free(doc);
    free(text);
}

int main(int argc, char **argv) {
    size_t i;
    if (argc != 2) {
        fprintf(stderr, "usage: %s VECTORS_DIR\n", argv[0]);
        return 2;
    }
    if (nftw(argv[1], collect, 16, FTW_PHYS) != 0) {
        fprintf(stderr, "cannot walk %s\n", argv[1]);
        return 1;
    }
    if (file_count == 0) {
        fprintf(stderr, "no vector file under %s\n", argv[1]);
        return 1;
    }
    qsort(files, file_count, sizeof *files, compare_paths);
    for (i = 0; i < file_count; i++) {
        run_file(files[i]);
        free(files[i]);
    }
    free(files);
    printf("vectors: %zu files, %d checks, %d failures\n", file_count, check_count, check_failures);
    return check_failures == 0 ? 0 : 1;
}
