/*
 * The C API's own contract: NULL for every pointer argument, invalid UTF-8, zero lengths,
 * out-parameters untouched on failure, error objects, ownership (every allocation freed, checked
 * by ASan and valgrind), and one policy shared read-only by 8 threads.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cookie_charter.h"
#include "check.h"

int check_failures = 0;
int check_count = 0;
char check_context[512] = "";

#define OK COOKIE_CHARTER_STATUS_OK
#define NUL_PTR COOKIE_CHARTER_STATUS_NULL_POINTER
#define BAD_UTF8 COOKIE_CHARTER_STATUS_INVALID_UTF8
#define S(text) (text), (sizeof(text) - 1)

static const char POLICY[] =
    "[site]\n"
    "name = \"Example\"\n"
    "url = \"https://www.example.com\"\n"
    "revision = 2\n"
    "consent_cookie = \"consent\"\n"
    "languages = [\"fr\", \"en\"]\n"
    "[purposes.necessary]\n"
    "label = { fr = \"Nécessaires\", en = \"Necessary\" }\n"
    "[purposes.statistics]\n"
    "label = { fr = \"Statistiques\", en = \"Statistics\" }\n"
    "[purposes.marketing]\n"
    "label = { fr = \"Publicité\", en = \"Marketing\" }\n"
    "[[cookies]]\n"
    "name = \"consent\"\n"
    "provider = \"Example <b>Inc</b>\"\n"
    "service = { fr = \"Bannière\", en = \"Banner\" }\n"
    "purpose = \"necessary\"\n"
    "description = { fr = \"Votre choix\", en = \"Your choice\" }\n"
    "lifetime = \"6 months\"\n"
    "[[cookies]]\n"
    "name = \"_pk_id.*\"\n"
    "provider = \"Matomo\"\n"
    "service = { fr = \"Mesure\", en = \"Audience\" }\n"
    "purpose = \"statistics\"\n"
    "description = { fr = \"Visites\", en = \"Visits\" }\n"
    "lifetime = \"13 months\"\n"
    "anonymous = true\n"
    "[[cookies]]\n"
    "name = \"_ga\"\n"
    "provider = \"Google\"\n"
    "service = { fr = \"Mesure\", en = \"Audience\" }\n"
    "purpose = \"statistics\"\n"
    "description = { fr = \"Visites\", en = \"Visits\" }\n"
    "lifetime = \"13 months\"\n"
    "[[cookies]]\n"
    "name = \"ads\"\n"
    "provider = \"Ads\"\n"
    "service = { fr = \"Publicité\", en = \"Ads\" }\n"
    "purpose = \"marketing\"\n"
    "description = { fr = \"Suivi\", en = \"Tracking\" }\n"
    "lifetime = \"1 year\"\n"
    "domain = \".ads.example.net\"\n";

static const char *const NAMES[] = {"consent", "_pk_id.1", "_ga", "ads", "unknown", "", "_pk_id.", "ADS"};
#define NAME_COUNT (sizeof NAMES / sizeof NAMES[0])
static const uint64_t NOW = 1700000100;

static cookie_charter_policy *load(void) {
    cookie_charter_policy *policy = NULL;
    cookie_charter_error *error = NULL;
    CHECK_STATUS(cookie_charter_policy_from_toml(S(POLICY), &policy, &error), OK);
    if (error != NULL) {
        fprintf(stderr, "load: %s\n", cookie_charter_error_message(error));
        cookie_charter_error_free(error);
    }
    return policy;
}

static cookie_charter_consent *consent_from(const char *value) {
    cookie_charter_consent *consent = NULL;
    CHECK_STATUS(cookie_charter_consent_from_cookie(value, strlen(value), &consent), OK);
    return consent;
}

static void test_statuses(void) {
    uint32_t n;
    int named = 0;
    snprintf(check_context, sizeof check_context, "statuses");
    CHECK(strcmp(cookie_charter_status_name(COOKIE_CHARTER_STATUS_OK), "ok") == 0);
    CHECK(COOKIE_CHARTER_STATUS_OK == 0);
    for (n = 0; n < 1000; n++) {
        const char *name = cookie_charter_status_name(n);
        uint32_t m;
        if (name == NULL) {
            continue;
        }
        named++;
        CHECK(strlen(name) > 0);
        for (m = 0; m < n; m++) {
            const char *other = cookie_charter_status_name(m);
            CHECK(other == NULL || strcmp(other, name) != 0);
        }
    }
    /* ok, the 20 core codes, and the C library's own. */
    CHECK(named >= 21 + 3);
    CHECK(strcmp(cookie_charter_status_name(COOKIE_CHARTER_STATUS_NULL_POINTER), "null_pointer") == 0);
    CHECK(strcmp(cookie_charter_status_name(COOKIE_CHARTER_STATUS_PANIC), "panic") == 0);
    CHECK(cookie_charter_status_name(UINT32_MAX) == NULL);
    CHECK(cookie_charter_rule_name(0) == NULL);
    CHECK(cookie_charter_rule_name(UINT32_MAX) == NULL);
    CHECK(cookie_charter_consent_state_name(COOKIE_CHARTER_CONSENT_STATE_ABSENT) == NULL);
    CHECK(cookie_charter_consent_state_name(UINT32_MAX) == NULL);
    CHECK(strcmp(cookie_charter_rule_name(COOKIE_CHARTER_RULE_THIRD_PARTY), "third_party") == 0);
    CHECK(strcmp(cookie_charter_consent_state_name(COOKIE_CHARTER_CONSENT_STATE_STALE), "stale") == 0);
}

static void test_loading(void) {
    cookie_charter_policy *sentinel = (cookie_charter_policy *)&check_count;
    cookie_charter_policy *policy = sentinel;
    cookie_charter_error *error = NULL;
    static const char bad_utf8[] = "[site]\nname = \"\xff\"\n";
    static const char unknown_purpose[] =
        "[site]\nname = \"E\"\nurl = \"https://e.example\"\nconsent_cookie = \"c\"\n"
        "[[cookies]]\nname = \"c\"\nprovider = \"E\"\nservice = \"S\"\npurpose = \"ads\"\n"
        "description = \"D\"\nlifetime = \"1 year\"\n";
    snprintf(check_context, sizeof check_context, "loading");

    CHECK_STATUS(cookie_charter_policy_from_toml(NULL, 10, &policy, &error), NUL_PTR);
    CHECK(policy == sentinel);
    CHECK(error != NULL && cookie_charter_error_status(error) == NUL_PTR);
    CHECK(error != NULL && strcmp(cookie_charter_error_code(error), "null_pointer") == 0);
    cookie_charter_error_free(error);
    error = NULL;
    CHECK_STATUS(cookie_charter_policy_from_toml(S(POLICY), NULL, &error), NUL_PTR);
    cookie_charter_error_free(error);
    error = NULL;
    CHECK_STATUS(cookie_charter_policy_from_toml(S(POLICY), NULL, NULL), NUL_PTR);
    CHECK_STATUS(cookie_charter_policy_from_json(NULL, 0, &policy, NULL), NUL_PTR);
    CHECK_STATUS(cookie_charter_policy_from_json("{}", 2, NULL, NULL), NUL_PTR);
    CHECK(policy == sentinel);

    /* Invalid UTF-8, empty text, bad syntax, an unknown purpose: statuses and details. */
    CHECK_STATUS(cookie_charter_policy_from_toml(S(bad_utf8), &policy, &error), BAD_UTF8);
    CHECK(policy == sentinel);
    CHECK(error != NULL && cookie_charter_error_message(error) != NULL);
    cookie_charter_error_free(error);
    error = NULL;
    CHECK(cookie_charter_policy_from_toml("", 0, &policy, NULL) != OK);
    CHECK(cookie_charter_policy_from_json("", 0, &policy, NULL) == COOKIE_CHARTER_STATUS_SYNTAX);
    CHECK(cookie_charter_policy_from_json(S("{\"site\": "), &policy, NULL) == COOKIE_CHARTER_STATUS_SYNTAX);
    CHECK(policy == sentinel);
    CHECK_STATUS(cookie_charter_policy_from_toml(S(unknown_purpose), &policy, &error), COOKIE_CHARTER_STATUS_UNKNOWN_PURPOSE);
    CHECK(policy == sentinel);
    CHECK(error != NULL);
    if (error != NULL) {
        CHECK(strcmp(cookie_charter_error_code(error), "unknown_purpose") == 0);
        CHECK(cookie_charter_error_field(error) != NULL && strcmp(cookie_charter_error_field(error), "cookies[0].purpose") == 0);
        CHECK(cookie_charter_error_line(error) == 9);
        CHECK(strstr(cookie_charter_error_message(error), "`ads`") != NULL);
        cookie_charter_error_free(error);
    }

    /* The error accessors with NULL. */
    CHECK(cookie_charter_error_status(NULL) == NUL_PTR);
    CHECK(cookie_charter_error_message(NULL) == NULL);
    CHECK(cookie_charter_error_code(NULL) == NULL);
    CHECK(cookie_charter_error_field(NULL) == NULL);
    CHECK(cookie_charter_error_line(NULL) == 0);
    CHECK(cookie_charter_error_column(NULL) == 0);
    cookie_charter_error_free(NULL);
    cookie_charter_policy_free(NULL);

    /* A valid policy, and its warnings. */
    policy = load();
    CHECK(policy != NULL);
    CHECK(cookie_charter_policy_warning_count(NULL) == 0);
    {
        size_t i, n = cookie_charter_policy_warning_count(policy);
        cookie_charter_str code;
        cookie_charter_string message = {NULL, 0};
        for (i = 0; i < n; i++) {
            CHECK_STATUS(cookie_charter_policy_warning(policy, i, &code, &message), OK);
            CHECK(code.len > 0 && message.len > 0 && message.data[message.len] == '\0');
            cookie_charter_string_free(&message);
        }
        CHECK_STATUS(cookie_charter_policy_warning(policy, n, &code, &message), COOKIE_CHARTER_STATUS_OUT_OF_RANGE);
        CHECK_STATUS(cookie_charter_policy_warning(NULL, 0, &code, &message), NUL_PTR);
        CHECK_STATUS(cookie_charter_policy_warning(policy, 0, NULL, &message), NUL_PTR);
        CHECK_STATUS(cookie_charter_policy_warning(policy, 0, &code, NULL), NUL_PTR);
        CHECK(message.data == NULL);
    }
    cookie_charter_policy_free(policy);
}

static void test_consent(void) {
    cookie_charter_consent *sentinel = (cookie_charter_consent *)&check_count;
    cookie_charter_consent *consent = sentinel, *again = NULL;
    cookie_charter_error *error = NULL;
    cookie_charter_string cookie = {NULL, 0}, cookie2 = {NULL, 0}, message = {NULL, 0};
    const char *code = "unwritten";
    snprintf(check_context, sizeof check_context, "consent");

    CHECK_STATUS(cookie_charter_consent_new(2, 1700000000, NULL), NUL_PTR);
    CHECK_STATUS(cookie_charter_consent_from_cookie(NULL, 0, &consent), NUL_PTR);
    CHECK_STATUS(cookie_charter_consent_from_cookie(S("v=1"), NULL), NUL_PTR);
    CHECK(consent == sentinel);
    CHECK_STATUS(cookie_charter_consent_new(2, 1700000000, &consent), OK);
    CHECK(consent != sentinel && consent != NULL);

    CHECK_STATUS(cookie_charter_consent_set(NULL, S("statistics"), COOKIE_CHARTER_CHOICE_GRANTED, NULL), NUL_PTR);
    CHECK_STATUS(cookie_charter_consent_set(consent, NULL, 3, COOKIE_CHARTER_CHOICE_GRANTED, NULL), NUL_PTR);
    CHECK_STATUS(cookie_charter_consent_set(consent, S("statistics"), 0, NULL), COOKIE_CHARTER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(cookie_charter_consent_set(consent, S("statistics"), 77, &error), COOKIE_CHARTER_STATUS_INVALID_ARGUMENT);
    CHECK(error != NULL && cookie_charter_error_status(error) == COOKIE_CHARTER_STATUS_INVALID_ARGUMENT);
    cookie_charter_error_free(error);
    error = NULL;
    CHECK_STATUS(cookie_charter_consent_set(consent, S("Stats"), COOKIE_CHARTER_CHOICE_GRANTED, &error), COOKIE_CHARTER_STATUS_INVALID_PURPOSE_ID);
    CHECK(error != NULL && strstr(cookie_charter_error_message(error), "`Stats`") != NULL);
    cookie_charter_error_free(error);
    error = NULL;
    CHECK_STATUS(cookie_charter_consent_set(consent, "", 0, COOKIE_CHARTER_CHOICE_GRANTED, NULL), COOKIE_CHARTER_STATUS_INVALID_PURPOSE_ID);
    CHECK_STATUS(cookie_charter_consent_set(consent, S("st\xc3\x28ts"), COOKIE_CHARTER_CHOICE_GRANTED, NULL), BAD_UTF8);
    CHECK_STATUS(cookie_charter_consent_set(consent, S("statistics"), COOKIE_CHARTER_CHOICE_DENIED, NULL), OK);
    CHECK_STATUS(cookie_charter_consent_set(consent, S("statistics"), COOKIE_CHARTER_CHOICE_GRANTED, NULL), OK);
    CHECK_STATUS(cookie_charter_consent_set(consent, S("marketing"), COOKIE_CHARTER_CHOICE_DENIED, NULL), OK);

    CHECK_STATUS(cookie_charter_consent_to_cookie(NULL, &cookie), NUL_PTR);
    CHECK_STATUS(cookie_charter_consent_to_cookie(consent, NULL), NUL_PTR);
    CHECK(cookie.data == NULL);
    CHECK_STATUS(cookie_charter_consent_to_cookie(consent, &cookie), OK);
    CHECK(cookie.data != NULL && cookie.data[cookie.len] == '\0' && strlen(cookie.data) == cookie.len);
    CHECK(cookie.data != NULL && strstr(cookie.data, "statistics=1") != NULL && strstr(cookie.data, "marketing=0") != NULL);
    /* Round trip: read back, write again, same text; no problem. */
    if (cookie.data != NULL) {
        CHECK_STATUS(cookie_charter_consent_from_cookie(cookie.data, cookie.len, &again), OK);
        CHECK_STATUS(cookie_charter_consent_to_cookie(again, &cookie2), OK);
        CHECK(bytes_eq(cookie.data, cookie.len, cookie2.data, cookie2.len));
        CHECK_STATUS(cookie_charter_consent_problem(again, 1700000000, &code, &message), OK);
        CHECK(code == NULL && message.data == NULL && message.len == 0);
        /* Dated more than a day after `now`: malformed at that time. */
        CHECK_STATUS(cookie_charter_consent_problem(again, 1700000000 - 2 * 86400, &code, &message), OK);
        CHECK(code != NULL && strcmp(code, "malformed") == 0 && message.data != NULL && message.len > 0);
        cookie_charter_string_free(&message);
        cookie_charter_consent_free(again);
    }
    cookie_charter_string_free(&cookie);
    CHECK(cookie.data == NULL && cookie.len == 0);
    cookie_charter_string_free(&cookie); /* A second free of a released string does nothing. */
    cookie_charter_string_free(&cookie2);
    cookie_charter_string_free(NULL);

    CHECK_STATUS(cookie_charter_consent_problem(NULL, NOW, &code, NULL), NUL_PTR);
    CHECK_STATUS(cookie_charter_consent_problem(consent, NOW, NULL, NULL), NUL_PTR);
    cookie_charter_consent_free(consent);
    cookie_charter_consent_free(NULL);

    /* Never fails on content: empty is absent, not UTF-8 is malformed. */
    consent = NULL;
    CHECK_STATUS(cookie_charter_consent_from_cookie("", 0, &consent), OK);
    CHECK_STATUS(cookie_charter_consent_problem(consent, NOW, &code, NULL), OK);
    CHECK(code != NULL && strcmp(code, "absent") == 0);
    cookie_charter_consent_free(consent);
    consent = NULL;
    CHECK_STATUS(cookie_charter_consent_from_cookie(S("v=1&rev=1&at=1&statistics=\xff"), &consent), OK);
    CHECK_STATUS(cookie_charter_consent_problem(consent, NOW, &code, &message), OK);
    CHECK(code != NULL && strcmp(code, "malformed") == 0);
    CHECK(message.data != NULL && strstr(message.data, "utf-8") != NULL);
    cookie_charter_string_free(&message);
    cookie_charter_consent_free(consent);
}

static void test_decide(void) {
    cookie_charter_policy *policy = load();
    cookie_charter_consent *consent = consent_from("v=1&rev=2&at=1700000000&statistics=0&marketing=0");
    cookie_charter_decision d, sentinel;
    cookie_charter_string_list *list = NULL;
    cookie_charter_str item;
    snprintf(check_context, sizeof check_context, "decide");
    memset(&sentinel, 0xAB, sizeof sentinel);
    d = sentinel;

    CHECK_STATUS(cookie_charter_decide(NULL, S("ads"), consent, NOW, &d), NUL_PTR);
    CHECK_STATUS(cookie_charter_decide(policy, NULL, 3, consent, NOW, &d), NUL_PTR);
    CHECK_STATUS(cookie_charter_decide(policy, NULL, 0, consent, NOW, &d), NUL_PTR);
    CHECK_STATUS(cookie_charter_decide(policy, S("ads"), NULL, NOW, &d), NUL_PTR);
    CHECK_STATUS(cookie_charter_decide(policy, S("ads"), consent, NOW, NULL), NUL_PTR);
    CHECK_STATUS(cookie_charter_decide(policy, S("a\xff"), consent, NOW, &d), BAD_UTF8);
    CHECK_STATUS(cookie_charter_decide(policy, S("\xed\xa0\x80"), consent, NOW, &d), BAD_UTF8);
    CHECK(memcmp(&d, &sentinel, sizeof d) == 0);

    /* Zero length: the empty name, undeclared. */
    CHECK_STATUS(cookie_charter_decide(policy, "", 0, consent, NOW, &d), OK);
    CHECK(!d.allowed && d.rule == COOKIE_CHARTER_RULE_UNDECLARED && d.purpose == NULL && d.purpose_len == 0);
    CHECK(d.consent_state == COOKIE_CHARTER_CONSENT_STATE_ABSENT);
    /* The length counts, not a NUL: "ads" out of "adsXYZ". */
    CHECK_STATUS(cookie_charter_decide(policy, "adsXYZ", 3, consent, NOW, &d), OK);
    CHECK(!d.allowed && d.rule == COOKIE_CHARTER_RULE_THIRD_PARTY && d.consent_state == COOKIE_CHARTER_CONSENT_STATE_DENIED);
    CHECK(bytes_eq(d.purpose, d.purpose_len, "marketing", 9));
    CHECK_STATUS(cookie_charter_decide(policy, S("consent"), consent, NOW, &d), OK);
    CHECK(d.allowed && d.rule == COOKIE_CHARTER_RULE_NECESSARY && d.consent_state == COOKIE_CHARTER_CONSENT_STATE_GRANTED);
    CHECK_STATUS(cookie_charter_decide(policy, S("_pk_id.7"), consent, NOW, &d), OK);
    CHECK(d.allowed && d.rule == COOKIE_CHARTER_RULE_ANONYMOUS_STATISTICS);
    CHECK_STATUS(cookie_charter_decide(policy, S("_ga"), consent, NOW, &d), OK);
    CHECK(!d.allowed && d.rule == COOKIE_CHARTER_RULE_CONSENT && d.consent_state == COOKIE_CHARTER_CONSENT_STATE_DENIED);
    /* A NUL inside the name is part of it. */
    CHECK_STATUS(cookie_charter_decide(policy, "_ga\0x", 5, consent, NOW, &d), OK);
    CHECK(d.rule == COOKIE_CHARTER_RULE_UNDECLARED);

    /* purposes_to_ask: nothing for a complete consent, both for no consent. */
    CHECK_STATUS(cookie_charter_purposes_to_ask(NULL, consent, NOW, &list), NUL_PTR);
    CHECK_STATUS(cookie_charter_purposes_to_ask(policy, NULL, NOW, &list), NUL_PTR);
    CHECK_STATUS(cookie_charter_purposes_to_ask(policy, consent, NOW, NULL), NUL_PTR);
    CHECK(list == NULL);
    CHECK_STATUS(cookie_charter_purposes_to_ask(policy, consent, NOW, &list), OK);
    CHECK(cookie_charter_string_list_len(list) == 0);
    CHECK_STATUS(cookie_charter_string_list_get(list, 0, &item), COOKIE_CHARTER_STATUS_OUT_OF_RANGE);
    cookie_charter_string_list_free(list);
    cookie_charter_consent_free(consent);
    consent = consent_from("");
    list = NULL;
    CHECK_STATUS(cookie_charter_purposes_to_ask(policy, consent, NOW, &list), OK);
    CHECK(cookie_charter_string_list_len(list) == 2);
    CHECK_STATUS(cookie_charter_string_list_get(list, 0, &item), OK);
    CHECK(bytes_eq(item.data, item.len, "statistics", 10) || bytes_eq(item.data, item.len, "marketing", 9));
    CHECK_STATUS(cookie_charter_string_list_get(NULL, 0, &item), NUL_PTR);
    CHECK_STATUS(cookie_charter_string_list_get(list, 0, NULL), NUL_PTR);
    CHECK(cookie_charter_string_list_len(NULL) == 0);
    cookie_charter_string_list_free(list);
    cookie_charter_string_list_free(NULL);
    cookie_charter_consent_free(consent);
    cookie_charter_policy_free(policy);
}

static void test_headers(void) {
    cookie_charter_policy *policy = load();
    cookie_charter_consent *consent = consent_from("v=1&rev=2&at=1700000000&statistics=1&marketing=0");
    cookie_charter_str headers[5];
    cookie_charter_filtered *filtered = NULL;
    cookie_charter_purged *purged = NULL;
    cookie_charter_kept kept;
    cookie_charter_dropped dropped;
    cookie_charter_purged_entry entry;
    cookie_charter_str header;
    size_t i;
    snprintf(check_context, sizeof check_context, "headers");
    headers[0].data = "consent=v1; Path=/";
    headers[1].data = "ads=1; Domain=ads.example.net";
    headers[2].data = "_ga=GA1.2\xff; Path=/"; /* not UTF-8: dropped, fail closed */
    headers[3].data = "_ga=GA1.2; Path=/";
    headers[4].data = "=nameless";
    for (i = 0; i < 5; i++) {
        headers[i].len = strlen(headers[i].data);
    }

    CHECK_STATUS(cookie_charter_filter_set_cookies(NULL, headers, 5, consent, NOW, &filtered), NUL_PTR);
    CHECK_STATUS(cookie_charter_filter_set_cookies(policy, NULL, 5, consent, NOW, &filtered), NUL_PTR);
    CHECK_STATUS(cookie_charter_filter_set_cookies(policy, headers, 5, NULL, NOW, &filtered), NUL_PTR);
    CHECK_STATUS(cookie_charter_filter_set_cookies(policy, headers, 5, consent, NOW, NULL), NUL_PTR);
    headers[1].data = NULL;
    CHECK_STATUS(cookie_charter_filter_set_cookies(policy, headers, 5, consent, NOW, &filtered), NUL_PTR);
    headers[1].data = "ads=1; Domain=ads.example.net";
    CHECK(filtered == NULL);
    /* No header at all (and then NULL is fine). */
    CHECK_STATUS(cookie_charter_filter_set_cookies(policy, NULL, 0, consent, NOW, &filtered), OK);
    CHECK(cookie_charter_filtered_kept_len(filtered) == 0 && cookie_charter_filtered_dropped_len(filtered) == 0);
    cookie_charter_filtered_free(filtered);
    filtered = NULL;

    CHECK_STATUS(cookie_charter_filter_set_cookies(policy, headers, 5, consent, NOW, &filtered), OK);
    CHECK(cookie_charter_filtered_kept_len(filtered) == 2);
    CHECK(cookie_charter_filtered_dropped_len(filtered) == 3);
    CHECK_STATUS(cookie_charter_filtered_kept_get(filtered, 0, &kept), OK);
    CHECK(kept.index == 0 && !kept.rewritten && bytes_eq(kept.header.data, kept.header.len, headers[0].data, headers[0].len));
    CHECK_STATUS(cookie_charter_filtered_kept_get(filtered, 1, &kept), OK);
    CHECK(kept.index == 3 && bytes_eq(kept.header.data, kept.header.len, headers[3].data, headers[3].len));
    CHECK_STATUS(cookie_charter_filtered_dropped_get(filtered, 0, &dropped), OK);
    CHECK(dropped.index == 1 && bytes_eq(dropped.cookie, dropped.cookie_len, "ads", 3) && dropped.problem == NULL);
    CHECK(!dropped.decision.allowed && dropped.decision.rule == COOKIE_CHARTER_RULE_THIRD_PARTY);
    CHECK_STATUS(cookie_charter_filtered_dropped_get(filtered, 1, &dropped), OK);
    CHECK(dropped.index == 2 && dropped.cookie == NULL && dropped.problem != NULL && strcmp(dropped.problem, "invalid_utf8") == 0);
    CHECK(bytes_eq(dropped.header.data, dropped.header.len, headers[2].data, headers[2].len));
    CHECK(dropped.decision.rule == COOKIE_CHARTER_RULE_UNDECLARED && !dropped.decision.allowed);
    CHECK_STATUS(cookie_charter_filtered_dropped_get(filtered, 2, &dropped), OK);
    CHECK(dropped.index == 4 && dropped.cookie == NULL && dropped.problem != NULL);
    CHECK_STATUS(cookie_charter_filtered_kept_get(filtered, 2, &kept), COOKIE_CHARTER_STATUS_OUT_OF_RANGE);
    CHECK_STATUS(cookie_charter_filtered_dropped_get(filtered, 3, &dropped), COOKIE_CHARTER_STATUS_OUT_OF_RANGE);
    CHECK_STATUS(cookie_charter_filtered_kept_get(NULL, 0, &kept), NUL_PTR);
    CHECK_STATUS(cookie_charter_filtered_kept_get(filtered, 0, NULL), NUL_PTR);
    CHECK_STATUS(cookie_charter_filtered_dropped_get(NULL, 0, &dropped), NUL_PTR);
    CHECK_STATUS(cookie_charter_filtered_dropped_get(filtered, 0, NULL), NUL_PTR);
    CHECK(cookie_charter_filtered_kept_len(NULL) == 0 && cookie_charter_filtered_dropped_len(NULL) == 0);
    cookie_charter_filtered_free(filtered);
    cookie_charter_filtered_free(NULL);

    /* Purge: the visitor holds `ads` (denied) and `consent` (necessary). */
    CHECK_STATUS(cookie_charter_purge(NULL, S("ads=1"), consent, NOW, &purged), NUL_PTR);
    CHECK_STATUS(cookie_charter_purge(policy, NULL, 5, consent, NOW, &purged), NUL_PTR);
    CHECK_STATUS(cookie_charter_purge(policy, S("ads=1"), NULL, NOW, &purged), NUL_PTR);
    CHECK_STATUS(cookie_charter_purge(policy, S("ads=1"), consent, NOW, NULL), NUL_PTR);
    CHECK(purged == NULL);
    CHECK_STATUS(cookie_charter_purge(policy, "", 0, consent, NOW, &purged), OK);
    CHECK(cookie_charter_purged_len(purged) == 0);
    cookie_charter_purged_free(purged);
    purged = NULL;
    CHECK_STATUS(cookie_charter_purge(policy, S("consent=x; ads=1; _g\xff=2; zz=\xfe"), consent, NOW, &purged), OK);
    /* `ads` (denied) and `zz` (undeclared); the name holding a non-UTF-8 byte is skipped. */
    CHECK(cookie_charter_purged_len(purged) == 2);
    CHECK_STATUS(cookie_charter_purged_get(purged, 0, &entry), OK);
    CHECK(bytes_eq(entry.cookie.data, entry.cookie.len, "ads", 3) && !entry.decision.allowed && entry.header_count > 0);
    for (i = 0; i < entry.header_count; i++) {
        CHECK_STATUS(cookie_charter_purged_header(purged, 0, i, &header), OK);
        CHECK(header.len > 4 && memcmp(header.data, "ads=", 4) == 0);
        CHECK(memchr(header.data, '\n', header.len) == NULL && memchr(header.data, '\r', header.len) == NULL);
    }
    CHECK_STATUS(cookie_charter_purged_header(purged, 0, entry.header_count, &header), COOKIE_CHARTER_STATUS_OUT_OF_RANGE);
    CHECK_STATUS(cookie_charter_purged_get(purged, 1, &entry), OK);
    CHECK(bytes_eq(entry.cookie.data, entry.cookie.len, "zz", 2) && entry.decision.rule == COOKIE_CHARTER_RULE_UNDECLARED);
    CHECK_STATUS(cookie_charter_purged_get(purged, 2, &entry), COOKIE_CHARTER_STATUS_OUT_OF_RANGE);
    CHECK_STATUS(cookie_charter_purged_header(purged, 2, 0, &header), COOKIE_CHARTER_STATUS_OUT_OF_RANGE);
    CHECK_STATUS(cookie_charter_purged_get(NULL, 0, &entry), NUL_PTR);
    CHECK_STATUS(cookie_charter_purged_get(purged, 0, NULL), NUL_PTR);
    CHECK_STATUS(cookie_charter_purged_header(NULL, 0, 0, &header), NUL_PTR);
    CHECK_STATUS(cookie_charter_purged_header(purged, 0, 0, NULL), NUL_PTR);
    CHECK(cookie_charter_purged_len(NULL) == 0);
    cookie_charter_purged_free(purged);
    cookie_charter_purged_free(NULL);
    cookie_charter_consent_free(consent);
    cookie_charter_policy_free(policy);
}

static void test_render(void) {
    cookie_charter_policy *policy = load();
    cookie_charter_string page = {NULL, 0};
    snprintf(check_context, sizeof check_context, "render");
    CHECK_STATUS(cookie_charter_render(NULL, S("fr"), COOKIE_CHARTER_FORMAT_MARKDOWN, &page), NUL_PTR);
    CHECK_STATUS(cookie_charter_render(policy, NULL, 2, COOKIE_CHARTER_FORMAT_MARKDOWN, &page), NUL_PTR);
    CHECK_STATUS(cookie_charter_render(policy, S("fr"), COOKIE_CHARTER_FORMAT_MARKDOWN, NULL), NUL_PTR);
    CHECK_STATUS(cookie_charter_render(policy, S("fr"), 0, &page), COOKIE_CHARTER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(cookie_charter_render(policy, S("fr"), 3, &page), COOKIE_CHARTER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(cookie_charter_render(policy, S("f\xff"), COOKIE_CHARTER_FORMAT_MARKDOWN, &page), BAD_UTF8);
    CHECK(page.data == NULL);
    CHECK_STATUS(cookie_charter_render(policy, S("fr"), COOKIE_CHARTER_FORMAT_MARKDOWN, &page), OK);
    CHECK(page.data != NULL && strstr(page.data, "Nom du prestataire") != NULL && strstr(page.data, "Matomo") != NULL);
    cookie_charter_string_free(&page);
    CHECK_STATUS(cookie_charter_render(policy, S("en"), COOKIE_CHARTER_FORMAT_HTML, &page), OK);
    CHECK(page.data != NULL && strstr(page.data, "<article") != NULL && strstr(page.data, "Provider") != NULL);
    /* Policy text is escaped in HTML. */
    CHECK(page.data != NULL && strstr(page.data, "<b>Inc") == NULL && strstr(page.data, "&lt;b&gt;") != NULL);
    cookie_charter_string_free(&page);
    /* An empty language tag renders the first language. */
    CHECK_STATUS(cookie_charter_render(policy, "", 0, COOKIE_CHARTER_FORMAT_MARKDOWN, &page), OK);
    CHECK(page.len > 0);
    cookie_charter_string_free(&page);
    cookie_charter_policy_free(policy);
}

/* One policy and one consent shared read-only by 8 threads. */
#define THREADS 8
#define ROUNDS 2000

typedef struct {
    const cookie_charter_policy *policy;
    const cookie_charter_consent *consent;
    const cookie_charter_decision *expected;
    int mismatches;
} thread_job;

static void *decide_many(void *arg) {
    thread_job *job = arg;
    int round;
    size_t i;
    for (round = 0; round < ROUNDS; round++) {
        for (i = 0; i < NAME_COUNT; i++) {
            cookie_charter_decision d;
            const cookie_charter_decision *e = &job->expected[i];
            if (cookie_charter_decide(job->policy, NAMES[i], strlen(NAMES[i]), job->consent, NOW, &d) != OK ||
                d.allowed != e->allowed || d.rule != e->rule || d.consent_state != e->consent_state ||
                d.purpose != e->purpose || d.purpose_len != e->purpose_len) {
                job->mismatches++;
            }
        }
        if (round % 100 == 0) {
            cookie_charter_string_list *list = NULL;
            if (cookie_charter_purposes_to_ask(job->policy, job->consent, NOW, &list) != OK ||
                cookie_charter_string_list_len(list) != 1) {
                job->mismatches++;
            }
            cookie_charter_string_list_free(list);
        }
    }
    return NULL;
}

static void test_threads(void) {
    cookie_charter_policy *policy = load();
    cookie_charter_consent *consent = consent_from("v=1&rev=2&at=1700000000&statistics=1");
    cookie_charter_decision expected[NAME_COUNT];
    pthread_t threads[THREADS];
    thread_job jobs[THREADS];
    size_t i;
    int allowed = 0;
    snprintf(check_context, sizeof check_context, "threads");
    for (i = 0; i < NAME_COUNT; i++) {
        CHECK_STATUS(cookie_charter_decide(policy, NAMES[i], strlen(NAMES[i]), consent, NOW, &expected[i]), OK);
        allowed += expected[i].allowed;
    }
    /* consent, _pk_id.1, _pk_id. (a `*` matches nothing too) and _ga are allowed. */
    CHECK(allowed == 4);
    for (i = 0; i < THREADS; i++) {
        jobs[i].policy = policy;
        jobs[i].consent = consent;
        jobs[i].expected = expected;
        jobs[i].mismatches = 0;
        CHECK(pthread_create(&threads[i], NULL, decide_many, &jobs[i]) == 0);
    }
    for (i = 0; i < THREADS; i++) {
        CHECK(pthread_join(threads[i], NULL) == 0);
        CHECK(jobs[i].mismatches == 0);
    }
    cookie_charter_consent_free(consent);
    cookie_charter_policy_free(policy);
}

int main(void) {
    test_statuses();
    test_loading();
    test_consent();
    test_decide();
    test_headers();
    test_render();
    test_threads();
    printf("api: %d checks, %d failures\n", check_count, check_failures);
    return check_failures == 0 && check_count > 0 ? 0 : 1;
}
