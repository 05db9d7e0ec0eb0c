/*
 * Runs the shared vector corpus (tests/vectors/, every *.json below it) through the C API and
 * compares each output with the file's expectation. Usage: test_vectors VECTORS_DIR
 * Fails when it finds no file, on an unknown case kind, and on any difference.
 *
 * Kinds: decide (with the signals fields gpc, tc_string, tc_error and consent_mode), filter,
 * purge, respond (the one response call), tc_decode (TC strings, no policy), and load-error
 * files.
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

/* Compares `cookie_charter_consent_mode` (and the gtag update snippet) with the object of the
 * seven signals, each "granted" or "denied". */
static void check_consent_mode(const cookie_charter_policy *policy, const cookie_charter_consent *consent,
                               uint64_t now, const json_value *expected) {
    cookie_charter_signals signals;
    cookie_charter_string snippet = {NULL, 0};
    uint32_t n;
    size_t k;
    CHECK(expected->type == JSON_OBJECT && expected->count == COOKIE_CHARTER_SIGNAL_COUNT);
    /* Every key is a signal name. */
    for (k = 0; expected->type == JSON_OBJECT && k < expected->count; k++) {
        int known = 0;
        for (n = 0; n < COOKIE_CHARTER_SIGNAL_COUNT; n++) {
            const char *name = cookie_charter_signal_name(n);
            known |= name != NULL && bytes_eq(expected->keys[k], expected->key_lens[k], name, strlen(name));
        }
        CHECK(known);
    }
    CHECK_STATUS(cookie_charter_consent_mode(policy, consent, now, &signals), COOKIE_CHARTER_STATUS_OK);
    CHECK_STATUS(cookie_charter_gtag_consent(policy, consent, now, COOKIE_CHARTER_GTAG_COMMAND_UPDATE, &snippet),
                 COOKIE_CHARTER_STATUS_OK);
    for (n = 0; n < COOKIE_CHARTER_SIGNAL_COUNT; n++) {
        const char *name = cookie_charter_signal_name(n);
        const json_value *state = name == NULL ? NULL : json_get(expected, name);
        const char *got = signals.granted[n] ? "granted" : "denied";
        char pair[64];
        CHECK(state != NULL && state->type == JSON_STRING);
        if (state == NULL || state->type != JSON_STRING) {
            continue;
        }
        CHECK(bytes_eq(state->text, state->len, got, strlen(got)));
        if (!bytes_eq(state->text, state->len, got, strlen(got))) {
            fprintf(stderr, "  %s: expected %s, got %s\n", name, state->text, got);
        }
        /* The snippet says the same. */
        snprintf(pair, sizeof pair, "\"%s\":\"%s\"", name, got);
        CHECK(snippet.data != NULL && strstr(snippet.data, pair) != NULL);
    }
    cookie_charter_string_free(&snippet);
}

/* The consent of a decide case: from `tc_string` when present (NULL when it is refused, as
 * `tc_error` says it must be), else from the `consent` cookie value. */
static cookie_charter_consent *decide_consent(const cookie_charter_policy *policy, const json_value *c, int *refused) {
    const json_value *tc_string = json_get(c, "tc_string");
    const json_value *tc_error = json_get(c, "tc_error");
    cookie_charter_consent *consent = NULL;
    cookie_charter_error *error = NULL;
    cookie_charter_status status;
    *refused = 0;
    if (tc_string == NULL) {
        CHECK(tc_error == NULL);
        return consent_of(json_get(c, "consent"));
    }
    CHECK(json_get(c, "consent") == NULL);
    CHECK(tc_string->type == JSON_STRING);
    if (tc_string->type != JSON_STRING) {
        return NULL;
    }
    status = cookie_charter_consent_from_tc_string(policy, tc_string->text, tc_string->len, &consent, &error);
    if (!json_is_null(tc_error)) {
        CHECK(status == COOKIE_CHARTER_STATUS_INVALID_TC_STRING);
        CHECK(consent == NULL);
        CHECK(error != NULL && name_matches(cookie_charter_error_code(error), tc_error));
        CHECK(error != NULL && cookie_charter_error_status(error) == status);
        cookie_charter_error_free(error);
        cookie_charter_consent_free(consent);
        *refused = 1;
        return NULL;
    }
    CHECK_STATUS(status, COOKIE_CHARTER_STATUS_OK);
    if (error != NULL) {
        fprintf(stderr, "  tc_string: %s\n", cookie_charter_error_message(error));
        cookie_charter_error_free(error);
    }
    CHECK(consent != NULL);
    return consent;
}

static void run_decide(const cookie_charter_policy *policy, const json_value *c, uint64_t now) {
    int refused = 0;
    cookie_charter_consent *consent = decide_consent(policy, c, &refused);
    const json_value *decisions = json_get(c, "decisions");
    const json_value *ask = json_get(c, "purposes_to_ask");
    const json_value *problem = json_get(c, "problem");
    const json_value *gpc = json_get(c, "gpc");
    const json_value *mode = json_get(c, "consent_mode");
    const char *code = "unwritten";
    size_t i;
    if (refused) {
        /* A refused TC string is never a consent: nothing to decide. */
        CHECK(decisions == NULL);
        return;
    }
    if (consent == NULL) {
        return;
    }
    if (gpc != NULL) {
        CHECK(gpc->type == JSON_BOOL);
        CHECK_STATUS(cookie_charter_consent_set_gpc(consent, gpc->type == JSON_BOOL && gpc->boolean), COOKIE_CHARTER_STATUS_OK);
        CHECK(cookie_charter_consent_gpc(consent) == (gpc->type == JSON_BOOL && gpc->boolean));
    }
    if (mode != NULL) {
        check_consent_mode(policy, consent, now, mode);
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

/* The `cookie_charter_str` array of a JSON array of strings (NULL for an empty one, as a caller
 * with nothing to pass may give); `*count` its length. Free it with free(). */
static cookie_charter_str *str_array(const json_value *array, size_t *count) {
    cookie_charter_str *items;
    size_t i;
    *count = 0;
    CHECK(array != NULL && array->type == JSON_ARRAY);
    if (array == NULL || array->type != JSON_ARRAY || array->count == 0) {
        return NULL;
    }
    items = calloc(array->count, sizeof *items);
    CHECK(items != NULL);
    for (i = 0; items != NULL && i < array->count; i++) {
        CHECK(array->items[i].type == JSON_STRING);
        items[i].data = array->items[i].text != NULL ? array->items[i].text : "";
        items[i].len = array->items[i].len;
    }
    *count = items != NULL ? array->count : 0;
    return items;
}

/* respond/: the one response call, from the request's Cookie fields and Sec-GPC values, what the
 * handler did with the consent, the response's Set-Cookie values and purge. */
static void run_respond(const cookie_charter_policy *policy, const json_value *c, uint64_t now) {
    const json_value *handled = json_get(c, "handled");
    const json_value *purge = json_get(c, "purge");
    const json_value *gpc = json_get(c, "gpc");
    const json_value *send = json_get(c, "send");
    const json_value *dropped = json_get(c, "dropped");
    const json_value *replaced = json_get(handled, "replaced");
    cookie_charter_request request;
    cookie_charter_str *cookie, *sec_gpc, *set_cookies;
    size_t set_cookie_count = 0, i;
    cookie_charter_consent *replacement = NULL;
    cookie_charter_consent *request_consent = NULL;
    cookie_charter_response *response = NULL;
    const cookie_charter_consent *judge;
    uint32_t how = 0;
    const char *code = "unwritten";
    int unchanged;

    cookie = str_array(json_get(c, "cookie"), &request.cookie_count);
    sec_gpc = str_array(json_get(c, "sec_gpc"), &request.sec_gpc_count);
    set_cookies = str_array(json_get(c, "set_cookies"), &set_cookie_count);
    request.cookie = cookie;
    request.sec_gpc = sec_gpc;
    CHECK(purge != NULL && purge->type == JSON_BOOL && gpc != NULL && gpc->type == JSON_BOOL);
    CHECK(send != NULL && send->type == JSON_ARRAY && dropped != NULL && dropped->type == JSON_ARRAY);
    if (handled != NULL && handled->type == JSON_STRING && strcmp(handled->text, "unchanged") == 0) {
        how = COOKIE_CHARTER_HANDLED_UNCHANGED;
    } else if (handled != NULL && handled->type == JSON_STRING && strcmp(handled->text, "not_a_consent") == 0) {
        how = COOKIE_CHARTER_HANDLED_NOT_A_CONSENT;
    } else if (replaced != NULL && replaced->type == JSON_STRING && handled->count == 1) {
        how = COOKIE_CHARTER_HANDLED_REPLACED;
        CHECK_STATUS(cookie_charter_consent_from_cookie(replaced->text, replaced->len, &replacement), COOKIE_CHARTER_STATUS_OK);
    } else {
        CHECK(!"handled is \"unchanged\", \"not_a_consent\" or {\"replaced\": value}");
    }

    /* The consent a middleware hands to the handler: the judge when the handler leaves it. */
    CHECK_STATUS(cookie_charter_request_consent(policy, &request, &request_consent), COOKIE_CHARTER_STATUS_OK);

    CHECK_STATUS(cookie_charter_respond(policy, &request, how, replacement, set_cookies, set_cookie_count,
                                        purge != NULL && purge->type == JSON_BOOL && purge->boolean, now, &response),
                 COOKIE_CHARTER_STATUS_OK);
    judge = cookie_charter_response_consent(response);
    CHECK(judge != NULL);
    CHECK_STATUS(cookie_charter_consent_problem(judge, now, &code, NULL), COOKIE_CHARTER_STATUS_OK);
    CHECK(name_matches(code, json_get(c, "consent_problem")));
    if (!name_matches(code, json_get(c, "consent_problem"))) {
        fprintf(stderr, "  consent_problem: got %s\n", name_or_null(code));
    }
    CHECK(gpc != NULL && cookie_charter_consent_gpc(judge) == (gpc->boolean != 0));
    /* `consent_source` (where present): which of the policy's sources gave the consent. */
    const json_value *want_source = json_get(c, "consent_source");
    if (want_source != NULL) {
        size_t source_index = 99;
        const char *source_format = "unwritten";
        uint64_t want_index = 0;
        CHECK_STATUS(cookie_charter_consent_source(judge, &source_index, &source_format), COOKIE_CHARTER_STATUS_OK);
        if (json_is_null(want_source)) {
            CHECK(source_format == NULL && source_index == 0);
        } else {
            CHECK(json_u64(json_get(want_source, "index"), &want_index) == 0 && source_index == want_index);
            CHECK(name_matches(source_format, json_get(want_source, "format")));
        }
    }
    if (how == COOKIE_CHARTER_HANDLED_UNCHANGED) {
        const char *request_code = "unwritten";
        CHECK_STATUS(cookie_charter_consent_problem(request_consent, now, &request_code, NULL), COOKIE_CHARTER_STATUS_OK);
        CHECK((request_code == NULL) == (code == NULL) && (code == NULL || strcmp(code, request_code) == 0));
        CHECK(cookie_charter_consent_gpc(request_consent) == cookie_charter_consent_gpc(judge));
    }

    CHECK(send != NULL && cookie_charter_response_send_len(response) == send->count);
    for (i = 0; send != NULL && i < send->count && i < cookie_charter_response_send_len(response); i++) {
        cookie_charter_str h;
        CHECK_STATUS(cookie_charter_response_send_get(response, i, &h), COOKIE_CHARTER_STATUS_OK);
        CHECK(str_matches(h.data, h.len, &send->items[i]));
        if (!str_matches(h.data, h.len, &send->items[i])) {
            fprintf(stderr, "  send[%zu]: expected %s, got %.*s\n", i, send->items[i].text, (int)h.len, h.data);
        }
    }
    CHECK(dropped != NULL && cookie_charter_response_dropped_len(response) == dropped->count);
    for (i = 0; dropped != NULL && i < dropped->count && i < cookie_charter_response_dropped_len(response); i++) {
        const json_value *e = &dropped->items[i];
        cookie_charter_dropped d;
        CHECK_STATUS(cookie_charter_response_dropped_get(response, i, &d), COOKIE_CHARTER_STATUS_OK);
        CHECK(str_matches(d.header.data, d.header.len, json_get(e, "header")));
        CHECK(str_matches(d.cookie, d.cookie_len, json_get(e, "cookie")));
        CHECK(d.index < set_cookie_count && str_matches(set_cookies[d.index].data, set_cookies[d.index].len, json_get(e, "header")));
        check_decision(&d.decision, e);
    }
    /* Unchanged: exactly the given values go out, in order. */
    unchanged = send != NULL && send->count == set_cookie_count;
    for (i = 0; unchanged && i < set_cookie_count; i++) {
        unchanged = str_matches(set_cookies[i].data, set_cookies[i].len, &send->items[i]);
    }
    CHECK(cookie_charter_response_is_unchanged(response) == unchanged);

    cookie_charter_response_free(response);
    cookie_charter_consent_free(request_consent);
    cookie_charter_consent_free(replacement);
    free(cookie);
    free(sec_gpc);
    free(set_cookies);
}

/* Whether `expected` is found in `actual`: every key of an expected object (recursively), arrays
 * item by item with the same length, numbers by their text, strings byte for byte. Prints the
 * path of the first difference. */
static int json_subset(const json_value *expected, const json_value *actual, const char *path) {
    char sub[256];
    size_t i;
    if (actual == NULL || expected->type != actual->type) {
        fprintf(stderr, "  %s: %s\n", path, actual == NULL ? "missing" : "another type");
        return 0;
    }
    switch (expected->type) {
    case JSON_NULL:
        return 1;
    case JSON_BOOL:
        if ((expected->boolean != 0) != (actual->boolean != 0)) {
            fprintf(stderr, "  %s: expected %s\n", path, expected->boolean ? "true" : "false");
            return 0;
        }
        return 1;
    case JSON_NUMBER:
    case JSON_STRING:
        if (!bytes_eq(expected->text, expected->len, actual->text, actual->len)) {
            fprintf(stderr, "  %s: expected %s, got %s\n", path, expected->text, actual->text);
            return 0;
        }
        return 1;
    case JSON_ARRAY:
        if (expected->count != actual->count) {
            fprintf(stderr, "  %s: expected %zu items, got %zu\n", path, expected->count, actual->count);
            return 0;
        }
        for (i = 0; i < expected->count; i++) {
            snprintf(sub, sizeof sub, "%s[%zu]", path, i);
            if (!json_subset(&expected->items[i], &actual->items[i], sub)) {
                return 0;
            }
        }
        return 1;
    case JSON_OBJECT:
        for (i = 0; i < expected->count; i++) {
            snprintf(sub, sizeof sub, "%s.%s", path, expected->keys[i]);
            if (!json_subset(&expected->items[i], json_get(actual, expected->keys[i]), sub)) {
                return 0;
            }
        }
        return 1;
    }
    return 0;
}

/* Whether the JSON array `ids` (of integers) holds `id`. */
static int ids_hold(const json_value *ids, uint64_t id) {
    size_t i;
    for (i = 0; ids != NULL && ids->type == JSON_ARRAY && i < ids->count; i++) {
        uint64_t v;
        if (json_u64(&ids->items[i], &v) == 0 && v == id) {
            return 1;
        }
    }
    return 0;
}

/* Whether a scalar accessor agrees with the number `key` of the canonical JSON. */
static int number_is(const json_value *json, const char *key, uint64_t got) {
    uint64_t v;
    return json_u64(json_get(json, key), &v) == 0 && v == got;
}

/* The accessors agree with the canonical JSON of the same string. */
static void check_accessors(const cookie_charter_tc_string *tc, const json_value *json) {
    const json_value *vendors = json_get(json_get(json, "vendor_consents"), "vendors");
    const json_value *li_vendors = json_get(json_get(json, "vendor_legitimate_interests"), "vendors");
    const json_value *boolean = json_get(json, "is_service_specific");
    const json_value *language = json_get(json, "consent_language");
    const json_value *country = json_get(json, "publisher_country_code");
    cookie_charter_str text;
    uint64_t max = 0, more = 0;
    uint32_t id;
    CHECK(number_is(json, "version", cookie_charter_tc_string_version(tc)));
    CHECK(number_is(json, "created", cookie_charter_tc_string_created(tc)));
    CHECK(number_is(json, "last_updated", cookie_charter_tc_string_last_updated(tc)));
    CHECK(number_is(json, "cmp_id", cookie_charter_tc_string_cmp_id(tc)));
    CHECK(number_is(json, "cmp_version", cookie_charter_tc_string_cmp_version(tc)));
    CHECK(number_is(json, "vendor_list_version", cookie_charter_tc_string_vendor_list_version(tc)));
    CHECK(number_is(json, "policy_version", cookie_charter_tc_string_policy_version(tc)));
    CHECK(boolean != NULL && boolean->type == JSON_BOOL &&
          (boolean->boolean != 0) == cookie_charter_tc_string_is_service_specific(tc));
    CHECK_STATUS(cookie_charter_tc_string_consent_language(tc, &text), COOKIE_CHARTER_STATUS_OK);
    CHECK(str_matches(text.data, text.len, language));
    CHECK_STATUS(cookie_charter_tc_string_publisher_country_code(tc, &text), COOKIE_CHARTER_STATUS_OK);
    CHECK(str_matches(text.data, text.len, country));
    for (id = 0; id <= 25; id++) {
        CHECK(cookie_charter_tc_string_purpose_consent(tc, id) == ids_hold(json_get(json, "purpose_consents"), id));
        CHECK(cookie_charter_tc_string_purpose_legitimate_interest(tc, id) ==
              ids_hold(json_get(json, "purpose_legitimate_interests"), id));
        CHECK(cookie_charter_tc_string_special_feature_opt_in(tc, id) ==
              ids_hold(json_get(json, "special_feature_opt_ins"), id));
    }
    /* Vendors: every id up to one past the largest maximum. */
    if (json_u64(json_get(json_get(json, "vendor_consents"), "max_vendor_id"), &max) != 0) {
        CHECK(!"vendor_consents.max_vendor_id");
    }
    if (json_u64(json_get(json_get(json, "vendor_legitimate_interests"), "max_vendor_id"), &more) != 0) {
        CHECK(!"vendor_legitimate_interests.max_vendor_id");
    }
    max = max > more ? max : more;
    for (id = 0; id <= max + 1 && id <= 65535; id++) {
        CHECK(cookie_charter_tc_string_vendor_consent(tc, id) == ids_hold(vendors, id));
        CHECK(cookie_charter_tc_string_vendor_legitimate_interest(tc, id) == ids_hold(li_vendors, id));
    }
}

/* tcf/: a TC string decodes to the expected canonical JSON, or fails with the expected reason. */
static void run_tc_decode(const json_value *c) {
    const json_value *text = json_get(c, "tc_string");
    const json_value *expected = json_get(c, "expected");
    const json_value *reason = json_get(c, "error");
    cookie_charter_tc_string *tc = NULL;
    cookie_charter_error *error = NULL;
    cookie_charter_string out = {NULL, 0};
    cookie_charter_status status;
    CHECK(text != NULL && text->type == JSON_STRING);
    CHECK((expected != NULL) != (reason != NULL));
    if (text == NULL || text->type != JSON_STRING || (expected != NULL) == (reason != NULL)) {
        return;
    }
    status = cookie_charter_tc_string_decode(text->text, text->len, &tc, &error);
    if (reason != NULL) {
        const char *message = cookie_charter_error_message(error);
        CHECK(reason->type == JSON_STRING);
        CHECK_STATUS(status, COOKIE_CHARTER_STATUS_INVALID_TC_STRING);
        CHECK(tc == NULL);
        CHECK(error != NULL && strcmp(cookie_charter_error_code(error), "invalid_tc_string") == 0);
        /* The message starts with the reason code, then a colon. */
        CHECK(message != NULL && reason->type == JSON_STRING && strncmp(message, reason->text, reason->len) == 0 &&
              message[reason->len] == ':');
        if (message == NULL || reason->type != JSON_STRING || strncmp(message, reason->text, reason->len) != 0) {
            fprintf(stderr, "  expected %s, got %s\n", reason->text, name_or_null(message));
        }
        cookie_charter_error_free(error);
        cookie_charter_tc_string_free(tc);
        return;
    }
    CHECK_STATUS(status, COOKIE_CHARTER_STATUS_OK);
    if (error != NULL) {
        fprintf(stderr, "  %s\n", cookie_charter_error_message(error));
        cookie_charter_error_free(error);
    }
    if (tc == NULL) {
        return;
    }
    CHECK(expected->type == JSON_OBJECT);
    CHECK_STATUS(cookie_charter_tc_string_to_json(tc, &out), COOKIE_CHARTER_STATUS_OK);
    if (out.data != NULL) {
        const char *parse_error = NULL;
        json_value *actual = json_parse(out.data, out.len, &parse_error);
        CHECK(actual != NULL && actual->type == JSON_OBJECT);
        if (actual != NULL) {
            CHECK(json_subset(expected, actual, "expected"));
            check_accessors(tc, actual);
        } else {
            fprintf(stderr, "  to_json is not JSON (%s): %s\n", parse_error, out.data);
        }
        json_free(actual);
    }
    cookie_charter_string_free(&out);
    cookie_charter_tc_string_free(tc);
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
    /* At most one policy; none only in files of policy-free kinds (tc_decode). */
    CHECK(policy_json == NULL || policy_toml == NULL);
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
    for (i = 0; cases != NULL && i < cases->count; i++) {
        const json_value *c = &cases->items[i];
        const json_value *kind = json_get(c, "kind");
        const json_value *description = json_get(c, "description");
        const char *k = kind != NULL && kind->type == JSON_STRING ? kind->text : "";
        uint64_t now = 0;
        if (description == NULL || description->type != JSON_STRING) {
            description = json_get(c, "name");
        }
        snprintf(check_context, sizeof check_context, "%s case %zu: %.200s", path, i,
                 description != NULL && description->type == JSON_STRING ? description->text : "");
        if (strcmp(k, "tc_decode") == 0) {
            run_tc_decode(c);
            continue;
        }
        if (strcmp(k, "decide") != 0 && strcmp(k, "filter") != 0 && strcmp(k, "purge") != 0 &&
            strcmp(k, "respond") != 0) {
            CHECK(!"unknown case kind");
            continue;
        }
        /* The kinds below need the file's policy (its loading was checked above). */
        CHECK(policy_json != NULL || policy_toml != NULL);
        if (policy == NULL) {
            continue;
        }
        CHECK(json_u64(json_get(c, "now"), &now) == 0);
        if (strcmp(k, "decide") == 0) {
            run_decide(policy, c, now);
        } else if (strcmp(k, "filter") == 0) {
            run_filter(policy, c, now);
        } else if (strcmp(k, "respond") == 0) {
            run_respond(policy, c, now);
        } else {
            run_purge(policy, c, now);
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
