/*
 * The C API's own contract: NULL for every pointer argument, invalid UTF-8, zero lengths,
 * out-parameters untouched on failure, error objects, ownership (every allocation freed, checked
 * by ASan and valgrind), the response call and the request's consent, the purposes, the signals
 * (Global Privacy Control, Google Consent Mode, IAB TCF TC strings), and one policy shared
 * read-only by 8 threads.
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

/* A policy for the signals: GPC covers `marketing` (it maps to the ad signals), and three
 * purposes take their consent from IAB TCF purposes. */
static const char SIGNALS_POLICY[] =
    "[site]\n"
    "name = \"Signals\"\n"
    "url = \"https://www.example.com\"\n"
    "revision = 1\n"
    "consent_cookie = \"consent\"\n"
    "[purposes.necessary]\n"
    "label = \"Necessary\"\n"
    "[purposes.statistics]\n"
    "label = \"Statistics\"\n"
    "tcf_purposes = [1, 7]\n"
    "[purposes.marketing]\n"
    "label = \"Marketing\"\n"
    "tcf_purposes = [1, 2, 3, 4]\n"
    "[purposes.preferences]\n"
    "label = \"Preferences\"\n"
    "[[cookies]]\n"
    "name = \"consent\"\n"
    "provider = \"Example\"\n"
    "service = \"Banner\"\n"
    "purpose = \"necessary\"\n"
    "description = \"Your choice\"\n"
    "lifetime = \"6 months\"\n"
    "[[cookies]]\n"
    "name = \"_ga\"\n"
    "provider = \"Google\"\n"
    "service = \"Audience\"\n"
    "purpose = \"statistics\"\n"
    "description = \"Visits\"\n"
    "lifetime = \"13 months\"\n"
    "[[cookies]]\n"
    "name = \"ads\"\n"
    "provider = \"Ads\"\n"
    "service = \"Ads\"\n"
    "purpose = \"marketing\"\n"
    "description = \"Tracking\"\n"
    "lifetime = \"1 year\"\n"
    "domain = \".ads.example.net\"\n"
    "[[cookies]]\n"
    "name = \"lang\"\n"
    "provider = \"Example\"\n"
    "service = \"Language\"\n"
    "purpose = \"preferences\"\n"
    "description = \"Your language\"\n"
    "lifetime = \"1 year\"\n";

/* IAB TCF conformance vectors (tests/conformance/iab-tcf/): purpose consents 1, 3, 4 and 7,
 * legitimate interest 3, 4 and 5, vendor consents 2, 37 and 61 (range encoding), vendor
 * legitimate interests 2, 6 and 8, CMP 81, policy version 2, last updated 15834362809 ds. */
static const char TC_VALID[] = "COvzTO5OvzTO5BRAAAENAPCoALIAADgAAAAAAewAwABAAlAB6ABBFADBQAQA9hAAAcAA";
/* With disclosed vendors and a publisher TC segment that gives no purpose consent. */
static const char TC_PUBLISHER[] = "CQSbk4AQSbk4ANwAAAENAwCgAAAAAAAAAAYgACPAAAAA.IDKQA4AAgAKAGQAygAAA.YAAAAAAAAAAA";
static const char TC_V1[] =
    "BOlLbqtOlLbqtAVABADECg-AAAApp7v______9______9uz_Ov_v_f__33e8__9v_l_7_-___u_-3zd4u_1vf99yfm1-7etr3tp_87ues2_Xur__59__3z3_9phPrsk89r633A";
/* Unix seconds just after TC_VALID was last updated. */
static const uint64_t TC_NOW = 1583436380;

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
    /* ok, the 24 core codes, and the C library's own. */
    CHECK(named >= 1 + 24 + 3);
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

static int starts_with(const char *text, const char *prefix) {
    return text != NULL && strncmp(text, prefix, strlen(prefix)) == 0;
}

static cookie_charter_policy *load_signals(void) {
    cookie_charter_policy *policy = NULL;
    cookie_charter_error *error = NULL;
    CHECK_STATUS(cookie_charter_policy_from_toml(S(SIGNALS_POLICY), &policy, &error), OK);
    if (error != NULL) {
        fprintf(stderr, "load signals: %s\n", cookie_charter_error_message(error));
        cookie_charter_error_free(error);
    }
    return policy;
}

/* The decision for `name`, with its purpose id checked. */
static cookie_charter_decision decide_one(const cookie_charter_policy *policy, const char *name,
                                          const cookie_charter_consent *consent, uint64_t now) {
    cookie_charter_decision d;
    memset(&d, 0, sizeof d);
    CHECK_STATUS(cookie_charter_decide(policy, name, strlen(name), consent, now, &d), OK);
    return d;
}

static void test_gpc(void) {
    cookie_charter_policy *policy = load_signals();
    cookie_charter_consent *consent = consent_from("");
    cookie_charter_consent *chosen = consent_from("v=1&rev=1&at=1700000000&marketing=1");
    cookie_charter_string_list *list = NULL;
    cookie_charter_decision d;
    size_t i;
    snprintf(check_context, sizeof check_context, "gpc");

    /* One header value (or several joined with commas): exactly `1`, spaces and tabs around it
     * aside; bytes, not text. */
    CHECK(cookie_charter_gpc_enabled(S("1")));
    CHECK(cookie_charter_gpc_enabled(S(" 1\t")));
    CHECK(!cookie_charter_gpc_enabled(S("0")));
    CHECK(!cookie_charter_gpc_enabled(S("true")));
    CHECK(cookie_charter_gpc_enabled(S("0, 1"))); /* two headers joined with a comma */
    CHECK(!cookie_charter_gpc_enabled(S("0, true")));
    CHECK(!cookie_charter_gpc_enabled(S("1\r\n")));
    CHECK(!cookie_charter_gpc_enabled(S("\xff" "1")));
    CHECK(!cookie_charter_gpc_enabled("", 0));
    CHECK(!cookie_charter_gpc_enabled("1x", 0));
    CHECK(cookie_charter_gpc_enabled("1x", 1)); /* the length counts, not a NUL */
    CHECK(!cookie_charter_gpc_enabled(NULL, 1));
    CHECK(!cookie_charter_gpc_enabled(NULL, 0));

    /* The state name and number. */
    CHECK(COOKIE_CHARTER_CONSENT_STATE_GPC_DENIED == 6);
    CHECK(cookie_charter_consent_state_name(COOKIE_CHARTER_CONSENT_STATE_GPC_DENIED) != NULL &&
          strcmp(cookie_charter_consent_state_name(COOKIE_CHARTER_CONSENT_STATE_GPC_DENIED), "gpc_denied") == 0);
    CHECK(cookie_charter_consent_state_name(7) == NULL);

    /* Setting and reading the signal; NULL. */
    CHECK(!cookie_charter_consent_gpc(consent));
    CHECK_STATUS(cookie_charter_consent_set_gpc(NULL, true), NUL_PTR);
    CHECK(!cookie_charter_consent_gpc(NULL));
    d = decide_one(policy, "ads", consent, NOW);
    CHECK(!d.allowed && d.consent_state == COOKIE_CHARTER_CONSENT_STATE_UNSET);
    CHECK_STATUS(cookie_charter_consent_set_gpc(consent, true), OK);
    CHECK(cookie_charter_consent_gpc(consent));

    /* No valid choice: GPC refuses `marketing` (covered), not `statistics` nor `preferences`. */
    d = decide_one(policy, "ads", consent, NOW);
    CHECK(!d.allowed && d.rule == COOKIE_CHARTER_RULE_THIRD_PARTY && d.consent_state == COOKIE_CHARTER_CONSENT_STATE_GPC_DENIED);
    CHECK(bytes_eq(d.purpose, d.purpose_len, "marketing", 9));
    d = decide_one(policy, "_ga", consent, NOW);
    CHECK(!d.allowed && d.consent_state == COOKIE_CHARTER_CONSENT_STATE_UNSET);
    d = decide_one(policy, "lang", consent, NOW);
    CHECK(!d.allowed && d.consent_state == COOKIE_CHARTER_CONSENT_STATE_UNSET);
    d = decide_one(policy, "consent", consent, NOW);
    CHECK(d.allowed && d.consent_state == COOKIE_CHARTER_CONSENT_STATE_GRANTED);
    /* Not asked again: the signal answered it. */
    CHECK_STATUS(cookie_charter_purposes_to_ask(policy, consent, NOW, &list), OK);
    CHECK(cookie_charter_string_list_len(list) == 2);
    for (i = 0; i < cookie_charter_string_list_len(list); i++) {
        cookie_charter_str item;
        CHECK_STATUS(cookie_charter_string_list_get(list, i, &item), OK);
        CHECK(!bytes_eq(item.data, item.len, "marketing", 9));
    }
    cookie_charter_string_list_free(list);
    /* The signal is not part of the consent cookie. */
    {
        cookie_charter_string cookie = {NULL, 0};
        cookie_charter_consent *back = NULL;
        CHECK_STATUS(cookie_charter_consent_to_cookie(chosen, &cookie), OK);
        CHECK_STATUS(cookie_charter_consent_set_gpc(chosen, true), OK);
        cookie_charter_string cookie_gpc = {NULL, 0};
        CHECK_STATUS(cookie_charter_consent_to_cookie(chosen, &cookie_gpc), OK);
        CHECK(bytes_eq(cookie.data, cookie.len, cookie_gpc.data, cookie_gpc.len));
        CHECK_STATUS(cookie_charter_consent_from_cookie(cookie.data, cookie.len, &back), OK);
        CHECK(!cookie_charter_consent_gpc(back));
        cookie_charter_consent_free(back);
        cookie_charter_string_free(&cookie);
        cookie_charter_string_free(&cookie_gpc);
    }
    /* An explicit choice wins over the signal. */
    d = decide_one(policy, "ads", chosen, NOW);
    CHECK(d.allowed && d.consent_state == COOKIE_CHARTER_CONSENT_STATE_GRANTED);
    /* And the signal can be taken away again. */
    CHECK_STATUS(cookie_charter_consent_set_gpc(consent, false), OK);
    CHECK(!cookie_charter_consent_gpc(consent));
    d = decide_one(policy, "ads", consent, NOW);
    CHECK(d.consent_state == COOKIE_CHARTER_CONSENT_STATE_UNSET);

    cookie_charter_consent_free(chosen);
    cookie_charter_consent_free(consent);
    cookie_charter_policy_free(policy);
}

/* Whether `signals` grants exactly the signals whose bits are set in `mask` (bit = signal). */
static int granted_exactly(const cookie_charter_signals *signals, unsigned mask) {
    size_t i;
    for (i = 0; i < COOKIE_CHARTER_SIGNAL_COUNT; i++) {
        if (signals->granted[i] != ((mask >> i) & 1u)) {
            return 0;
        }
    }
    return 1;
}

#define BIT(signal) (1u << (signal))

static void test_consent_mode(void) {
    cookie_charter_policy *policy = load_signals();
    cookie_charter_consent *none = consent_from("");
    cookie_charter_consent *stats = consent_from("v=1&rev=1&at=1700000000&statistics=1&marketing=0");
    cookie_charter_consent *all = consent_from("v=1&rev=1&at=1700000000&statistics=1&marketing=1&preferences=1");
    cookie_charter_signals signals, sentinel;
    cookie_charter_string snippet = {NULL, 0};
    static const char *const names[] = {"ad_storage", "ad_user_data", "ad_personalization", "analytics_storage",
                                        "functionality_storage", "personalization_storage", "security_storage"};
    static const char update_stats[] =
        "gtag('consent', 'update', {\"ad_storage\":\"denied\",\"ad_user_data\":\"denied\","
        "\"ad_personalization\":\"denied\",\"analytics_storage\":\"granted\","
        "\"functionality_storage\":\"denied\",\"personalization_storage\":\"denied\","
        "\"security_storage\":\"granted\"});\n";
    uint32_t n;
    snprintf(check_context, sizeof check_context, "consent mode");
    memset(&sentinel, 0xAB, sizeof sentinel);
    signals = sentinel;

    /* Names: seven, in Google's order, numbered from 0. */
    CHECK(COOKIE_CHARTER_SIGNAL_COUNT == 7);
    CHECK(sizeof signals.granted / sizeof signals.granted[0] == COOKIE_CHARTER_SIGNAL_COUNT);
    for (n = 0; n < COOKIE_CHARTER_SIGNAL_COUNT; n++) {
        const char *name = cookie_charter_signal_name(n);
        CHECK(name != NULL && strcmp(name, names[n]) == 0);
    }
    CHECK(cookie_charter_signal_name(COOKIE_CHARTER_SIGNAL_COUNT) == NULL);
    CHECK(cookie_charter_signal_name(UINT32_MAX) == NULL);
    CHECK(strcmp(cookie_charter_signal_name(COOKIE_CHARTER_SIGNAL_ANALYTICS_STORAGE), "analytics_storage") == 0);
    CHECK(strcmp(cookie_charter_signal_name(COOKIE_CHARTER_SIGNAL_SECURITY_STORAGE), "security_storage") == 0);

    /* NULL pointers: nothing written. */
    CHECK_STATUS(cookie_charter_consent_mode(NULL, none, NOW, &signals), NUL_PTR);
    CHECK_STATUS(cookie_charter_consent_mode(policy, NULL, NOW, &signals), NUL_PTR);
    CHECK_STATUS(cookie_charter_consent_mode(policy, none, NOW, NULL), NUL_PTR);
    CHECK(memcmp(&signals, &sentinel, sizeof signals) == 0);

    /* No consent: only `security_storage` (necessary) is granted; fail closed for the rest. */
    CHECK_STATUS(cookie_charter_consent_mode(policy, none, NOW, &signals), OK);
    CHECK(granted_exactly(&signals, BIT(COOKIE_CHARTER_SIGNAL_SECURITY_STORAGE)));
    CHECK_STATUS(cookie_charter_consent_mode(policy, stats, NOW, &signals), OK);
    CHECK(granted_exactly(&signals, BIT(COOKIE_CHARTER_SIGNAL_SECURITY_STORAGE) | BIT(COOKIE_CHARTER_SIGNAL_ANALYTICS_STORAGE)));
    CHECK_STATUS(cookie_charter_consent_mode(policy, all, NOW, &signals), OK);
    CHECK(granted_exactly(&signals, 0x7Fu));
    /* GPC on a consent without choices changes nothing that was granted; with choices, the choice wins. */
    CHECK_STATUS(cookie_charter_consent_set_gpc(all, true), OK);
    CHECK_STATUS(cookie_charter_consent_mode(policy, all, NOW, &signals), OK);
    CHECK(granted_exactly(&signals, 0x7Fu));
    /* A consent dated more than a day after `now` is unusable: back to the default. */
    CHECK_STATUS(cookie_charter_consent_mode(policy, all, 1700000000 - 2 * 86400, &signals), OK);
    CHECK(granted_exactly(&signals, BIT(COOKIE_CHARTER_SIGNAL_SECURITY_STORAGE)));

    /* The gtag snippet. */
    CHECK_STATUS(cookie_charter_gtag_consent(NULL, stats, NOW, COOKIE_CHARTER_GTAG_COMMAND_UPDATE, &snippet), NUL_PTR);
    CHECK_STATUS(cookie_charter_gtag_consent(policy, NULL, NOW, COOKIE_CHARTER_GTAG_COMMAND_UPDATE, &snippet), NUL_PTR);
    CHECK_STATUS(cookie_charter_gtag_consent(policy, stats, NOW, COOKIE_CHARTER_GTAG_COMMAND_UPDATE, NULL), NUL_PTR);
    CHECK_STATUS(cookie_charter_gtag_consent(policy, stats, NOW, 0, &snippet), COOKIE_CHARTER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(cookie_charter_gtag_consent(policy, stats, NOW, 3, &snippet), COOKIE_CHARTER_STATUS_INVALID_ARGUMENT);
    CHECK(snippet.data == NULL && snippet.len == 0);
    CHECK_STATUS(cookie_charter_gtag_consent(policy, stats, NOW, COOKIE_CHARTER_GTAG_COMMAND_UPDATE, &snippet), OK);
    CHECK(snippet.data != NULL && snippet.data[snippet.len] == '\0');
    CHECK(bytes_eq(snippet.data, snippet.len, update_stats, sizeof update_stats - 1));
    if (!bytes_eq(snippet.data, snippet.len, update_stats, sizeof update_stats - 1)) {
        fprintf(stderr, "  got %s\n", name_or_null(snippet.data));
    }
    cookie_charter_string_free(&snippet);
    CHECK_STATUS(cookie_charter_gtag_consent(policy, none, NOW, COOKIE_CHARTER_GTAG_COMMAND_DEFAULT, &snippet), OK);
    CHECK(snippet.data != NULL && starts_with(snippet.data, "window.dataLayer = window.dataLayer || [];\n"));
    CHECK(snippet.data != NULL && strstr(snippet.data, "function gtag(){dataLayer.push(arguments);}\n") != NULL);
    CHECK(snippet.data != NULL && strstr(snippet.data, "gtag('consent', 'default', {\"ad_storage\":\"denied\",") != NULL);
    CHECK(snippet.data != NULL && strstr(snippet.data, "\"security_storage\":\"granted\"});\n") != NULL);
    CHECK(snippet.data != NULL && strstr(snippet.data, "'update'") == NULL);
    cookie_charter_string_free(&snippet);

    cookie_charter_consent_free(all);
    cookie_charter_consent_free(stats);
    cookie_charter_consent_free(none);
    cookie_charter_policy_free(policy);
}

static void test_guard(void) {
    cookie_charter_policy *policy = load_signals();
    cookie_charter_consent *stats = consent_from("v=1&rev=1&at=1700000000&statistics=1&marketing=0");
    cookie_charter_consent *none = consent_from("");
    cookie_charter_string json = {NULL, 0}, tags = {NULL, 0};
    static const char expected[] =
        "{\"v\":1,\"purposes\":{\"necessary\":\"granted\",\"statistics\":\"granted\",\"marketing\":\"denied\","
        "\"preferences\":\"unset\"},\"exact\":[[\"consent\",true,\"necessary\"],[\"_ga\",true,\"statistics\"],"
        "[\"ads\",false,\"marketing\"],[\"lang\",false,\"preferences\"]],\"patterns\":[],\"undeclared\":false,"
        "\"domains\":[\"www.example.com\",\"example.com\"]}";
    static const char head[] = "<script type=\"application/json\" id=\"cookie-charter-answer\" nonce=\"n&quot;1\">";
    static const char tail[] = "</script>\n<script src=\"/g.js?a&amp;b\" nonce=\"n&quot;1\"></script>\n";
    snprintf(check_context, sizeof check_context, "guard");

    /* NULL pointers and bad text: nothing written. */
    CHECK_STATUS(cookie_charter_guard_json(NULL, stats, NOW, &json), NUL_PTR);
    CHECK_STATUS(cookie_charter_guard_json(policy, NULL, NOW, &json), NUL_PTR);
    CHECK_STATUS(cookie_charter_guard_json(policy, stats, NOW, NULL), NUL_PTR);
    CHECK_STATUS(cookie_charter_guard_script_tags(NULL, stats, NOW, S("/g.js"), NULL, 0, &tags), NUL_PTR);
    CHECK_STATUS(cookie_charter_guard_script_tags(policy, NULL, NOW, S("/g.js"), NULL, 0, &tags), NUL_PTR);
    CHECK_STATUS(cookie_charter_guard_script_tags(policy, stats, NOW, NULL, 5, NULL, 0, &tags), NUL_PTR);
    CHECK_STATUS(cookie_charter_guard_script_tags(policy, stats, NOW, S("/g.js"), NULL, 0, NULL), NUL_PTR);
    CHECK_STATUS(cookie_charter_guard_script_tags(policy, stats, NOW, S("/g\xff.js"), NULL, 0, &tags), COOKIE_CHARTER_STATUS_INVALID_UTF8);
    CHECK_STATUS(cookie_charter_guard_script_tags(policy, stats, NOW, S("/g.js"), S("n\xc3"), &tags), COOKIE_CHARTER_STATUS_INVALID_UTF8);
    CHECK(json.data == NULL && json.len == 0 && tags.data == NULL && tags.len == 0);

    /* The answer: every declaration with whether it is allowed, the states, the purge's domains. */
    CHECK_STATUS(cookie_charter_guard_json(policy, stats, NOW, &json), OK);
    CHECK(json.data != NULL && json.data[json.len] == '\0');
    CHECK(bytes_eq(json.data, json.len, expected, sizeof expected - 1));
    if (!bytes_eq(json.data, json.len, expected, sizeof expected - 1)) {
        fprintf(stderr, "  got %s\n", name_or_null(json.data));
    }

    /* The tags: the same answer, then the guard, both with the nonce, attributes escaped. */
    CHECK_STATUS(cookie_charter_guard_script_tags(policy, stats, NOW, S("/g.js?a&b"), S("n\"1"), &tags), OK);
    CHECK(tags.data != NULL && tags.len == (sizeof head - 1) + json.len + (sizeof tail - 1));
    CHECK(tags.data != NULL && starts_with(tags.data, head));
    CHECK(tags.data != NULL && tags.len > sizeof head &&
          bytes_eq(tags.data + sizeof head - 1, json.len, json.data, json.len));
    CHECK(tags.data != NULL && strcmp(tags.data + tags.len - (sizeof tail - 1), tail) == 0);
    cookie_charter_string_free(&tags);
    CHECK_STATUS(cookie_charter_guard_script_tags(policy, stats, NOW, S("/g.js"), NULL, 7, &tags), OK);
    CHECK(tags.data != NULL && starts_with(tags.data, "<script type=\"application/json\" id=\"cookie-charter-answer\">{"));
    CHECK(tags.data != NULL && strstr(tags.data, "nonce") == NULL);
    cookie_charter_string_free(&tags);
    cookie_charter_string_free(&json);

    /* A GPC signal on the consent refuses marketing, as `decide` does. */
    CHECK_STATUS(cookie_charter_consent_set_gpc(none, true), OK);
    CHECK_STATUS(cookie_charter_guard_json(policy, none, NOW, &json), OK);
    CHECK(json.data != NULL && strstr(json.data, "\"marketing\":\"gpc_denied\"") != NULL);
    CHECK(json.data != NULL && strstr(json.data, "[\"ads\",false,\"marketing\"]") != NULL);
    cookie_charter_string_free(&json);

    cookie_charter_consent_free(none);
    cookie_charter_consent_free(stats);
    cookie_charter_policy_free(policy);
}

/* Decodes `text` expecting INVALID_TC_STRING with a message starting with `reason` and ':'. */
static void check_tc_error(const char *text, size_t len, const char *reason) {
    cookie_charter_tc_string *sentinel = (cookie_charter_tc_string *)&check_count;
    cookie_charter_tc_string *tc = sentinel;
    cookie_charter_error *error = NULL;
    const char *message;
    size_t n = strlen(reason);
    CHECK_STATUS(cookie_charter_tc_string_decode(text, len, &tc, &error), COOKIE_CHARTER_STATUS_INVALID_TC_STRING);
    CHECK(tc == sentinel);
    CHECK(error != NULL);
    if (error == NULL) {
        return;
    }
    message = cookie_charter_error_message(error);
    CHECK(cookie_charter_error_status(error) == COOKIE_CHARTER_STATUS_INVALID_TC_STRING);
    CHECK(strcmp(cookie_charter_error_code(error), "invalid_tc_string") == 0);
    CHECK(message != NULL && strncmp(message, reason, n) == 0 && message[n] == ':');
    if (message == NULL || strncmp(message, reason, n) != 0) {
        fprintf(stderr, "  expected %s, got %s\n", reason, name_or_null(message));
    }
    cookie_charter_error_free(error);
    /* Without an error object, the same status. */
    CHECK_STATUS(cookie_charter_tc_string_decode(text, len, &tc, NULL), COOKIE_CHARTER_STATUS_INVALID_TC_STRING);
    CHECK(tc == sentinel);
}

static void test_tc_string(void) {
    cookie_charter_tc_string *sentinel = (cookie_charter_tc_string *)&check_count;
    cookie_charter_tc_string *tc = sentinel, *publisher = NULL;
    cookie_charter_error *error = NULL;
    cookie_charter_string json = {NULL, 0};
    cookie_charter_str text;
    uint32_t id;
    static const char too_large[] = "too_large";
    char *big;
    snprintf(check_context, sizeof check_context, "tc string");

    /* NULL pointers: nothing written, and an error object when asked. */
    CHECK_STATUS(cookie_charter_tc_string_decode(NULL, 3, &tc, NULL), NUL_PTR);
    CHECK_STATUS(cookie_charter_tc_string_decode(NULL, 0, &tc, &error), NUL_PTR);
    CHECK(error != NULL && cookie_charter_error_status(error) == NUL_PTR);
    cookie_charter_error_free(error);
    error = NULL;
    CHECK_STATUS(cookie_charter_tc_string_decode(S(TC_VALID), NULL, NULL), NUL_PTR);
    CHECK(tc == sentinel);
    CHECK_STATUS(cookie_charter_tc_string_decode(S("CO\xff"), &tc, NULL), BAD_UTF8);
    CHECK(tc == sentinel);

    /* Decoding errors: the reason code first. */
    check_tc_error("", 0, "empty");
    check_tc_error(S("CQSbk4AQSbk4ANwAAAENAwCgAAAAAA"), "truncated");
    check_tc_error(S("CA"), "truncated");
    check_tc_error(S("CO+"), "invalid_base64");
    check_tc_error(S("CQSbk4AQSbk4ANwAAAENAwCgAAAAAAAAAAYgACPAAAAA=="), "invalid_base64");
    check_tc_error(S(TC_V1), "unsupported_version");
    check_tc_error(S("CQSbk4AQSbk4ANwAAAENAwCgAAAAAAAAAAYgACPAAAAA.AAAA"), "invalid_segment");
    check_tc_error(S("COvwooAOvwooAB7ABCENAPEYAIAAACAAAIqIAAoAAoAA.QAAo.IAAo"), "legitimate_interest_not_allowed");
    /* The length counts, not a NUL: a valid string cut short is truncated. */
    check_tc_error(TC_VALID, 20, "truncated");
    big = malloc(70000);
    CHECK(big != NULL);
    if (big != NULL) {
        memset(big, 'A', 70000);
        check_tc_error(big, 70000, too_large);
        free(big);
    }

    /* A valid string and its fields. */
    CHECK_STATUS(cookie_charter_tc_string_decode(S(TC_VALID), &tc, &error), OK);
    CHECK(tc != sentinel && tc != NULL && error == NULL);
    CHECK(cookie_charter_tc_string_version(tc) == 2);
    CHECK(cookie_charter_tc_string_policy_version(tc) == 2);
    CHECK(cookie_charter_tc_string_cmp_id(tc) == 81);
    CHECK(cookie_charter_tc_string_cmp_version(tc) == 0);
    CHECK(cookie_charter_tc_string_vendor_list_version(tc) == 15);
    CHECK(cookie_charter_tc_string_created(tc) == 15834362809ull);
    CHECK(cookie_charter_tc_string_last_updated(tc) == 15834362809ull);
    CHECK(cookie_charter_tc_string_is_service_specific(tc));
    CHECK_STATUS(cookie_charter_tc_string_consent_language(tc, &text), OK);
    CHECK(bytes_eq(text.data, text.len, "EN", 2));
    CHECK_STATUS(cookie_charter_tc_string_publisher_country_code(tc, &text), OK);
    CHECK(bytes_eq(text.data, text.len, "AA", 2));
    for (id = 0; id <= 25; id++) {
        CHECK(cookie_charter_tc_string_purpose_consent(tc, id) == (id == 1 || id == 3 || id == 4 || id == 7));
        CHECK(cookie_charter_tc_string_purpose_legitimate_interest(tc, id) == (id >= 3 && id <= 5));
        CHECK(cookie_charter_tc_string_special_feature_opt_in(tc, id) == (id == 1));
    }
    for (id = 0; id <= 100; id++) {
        CHECK(cookie_charter_tc_string_vendor_consent(tc, id) == (id == 2 || id == 37 || id == 61));
        CHECK(cookie_charter_tc_string_vendor_legitimate_interest(tc, id) == (id == 2 || id == 6 || id == 8));
    }
    /* Ids too large for the format are refused, never truncated (256 + 1 is not purpose 1). */
    CHECK(!cookie_charter_tc_string_purpose_consent(tc, 256 + 1));
    CHECK(!cookie_charter_tc_string_special_feature_opt_in(tc, 256 + 1));
    CHECK(!cookie_charter_tc_string_vendor_consent(tc, 65536 + 2));
    CHECK(!cookie_charter_tc_string_vendor_legitimate_interest(tc, 65536 + 2));
    CHECK(!cookie_charter_tc_string_purpose_consent(tc, UINT32_MAX));

    /* Canonical JSON. */
    CHECK_STATUS(cookie_charter_tc_string_to_json(NULL, &json), NUL_PTR);
    CHECK_STATUS(cookie_charter_tc_string_to_json(tc, NULL), NUL_PTR);
    CHECK(json.data == NULL);
    CHECK_STATUS(cookie_charter_tc_string_to_json(tc, &json), OK);
    CHECK(json.data != NULL && json.data[json.len] == '\0' && strlen(json.data) == json.len);
    CHECK(json.data != NULL && starts_with(json.data, "{\"version\":2,\"created\":15834362809,\"last_updated\":15834362809,\"cmp_id\":81,"));
    CHECK(json.data != NULL && strstr(json.data, "\"purpose_consents\":[1,3,4,7],") != NULL);
    CHECK(json.data != NULL && strstr(json.data, "\"vendor_consents\":{\"max_vendor_id\":61,\"encoding\":\"range\",\"vendors\":[2,37,61]}") != NULL);
    CHECK(json.data != NULL && strstr(json.data, "\"disclosed_vendors\":null,\"allowed_vendors\":null,\"publisher_tc\":null}") != NULL);
    cookie_charter_string_free(&json);

    /* The accessors with NULL. */
    CHECK(cookie_charter_tc_string_version(NULL) == 0);
    CHECK(cookie_charter_tc_string_policy_version(NULL) == 0);
    CHECK(cookie_charter_tc_string_cmp_id(NULL) == 0);
    CHECK(cookie_charter_tc_string_cmp_version(NULL) == 0);
    CHECK(cookie_charter_tc_string_vendor_list_version(NULL) == 0);
    CHECK(cookie_charter_tc_string_created(NULL) == 0);
    CHECK(cookie_charter_tc_string_last_updated(NULL) == 0);
    CHECK(!cookie_charter_tc_string_is_service_specific(NULL));
    CHECK(!cookie_charter_tc_string_purpose_consent(NULL, 1));
    CHECK(!cookie_charter_tc_string_purpose_legitimate_interest(NULL, 3));
    CHECK(!cookie_charter_tc_string_special_feature_opt_in(NULL, 1));
    CHECK(!cookie_charter_tc_string_vendor_consent(NULL, 2));
    CHECK(!cookie_charter_tc_string_vendor_legitimate_interest(NULL, 2));
    CHECK_STATUS(cookie_charter_tc_string_consent_language(NULL, &text), NUL_PTR);
    CHECK_STATUS(cookie_charter_tc_string_consent_language(tc, NULL), NUL_PTR);
    CHECK_STATUS(cookie_charter_tc_string_publisher_country_code(NULL, &text), NUL_PTR);
    CHECK_STATUS(cookie_charter_tc_string_publisher_country_code(tc, NULL), NUL_PTR);

    /* With a disclosed-vendors and a publisher-TC segment. */
    CHECK_STATUS(cookie_charter_tc_string_decode(S(TC_PUBLISHER), &publisher, NULL), OK);
    CHECK(cookie_charter_tc_string_cmp_id(publisher) == 880);
    CHECK(cookie_charter_tc_string_vendor_consent(publisher, 4) && !cookie_charter_tc_string_vendor_consent(publisher, 5));
    CHECK_STATUS(cookie_charter_tc_string_to_json(publisher, &json), OK);
    CHECK(json.data != NULL && strstr(json.data, "\"disclosed_vendors\":{\"max_vendor_id\":404,\"encoding\":\"range\",\"vendors\":[1,2,3,4,5,100,404]}") != NULL);
    CHECK(json.data != NULL && strstr(json.data, "\"publisher_tc\":{\"purpose_consents\":[]") != NULL);
    cookie_charter_string_free(&json);
    cookie_charter_tc_string_free(publisher);

    cookie_charter_tc_string_free(tc);
    cookie_charter_tc_string_free(NULL);
}

/* Every one-character change and every cut of valid TC strings decodes or is refused with
 * INVALID_TC_STRING and a reason; never anything else (and no memory error under the
 * sanitizers and valgrind). */
static void test_tc_mutations(void) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.+/=\x01\xc3";
    static const char *const sources[] = {TC_VALID, TC_PUBLISHER};
    char buf[128];
    size_t s, i, j;
    int decoded = 0, refused = 0;
    snprintf(check_context, sizeof check_context, "tc mutations");
    for (s = 0; s < sizeof sources / sizeof sources[0]; s++) {
        size_t n = strlen(sources[s]);
        for (i = 0; i < n; i++) {
            for (j = 0; j + 1 < sizeof alphabet; j++) {
                cookie_charter_tc_string *tc = NULL;
                cookie_charter_error *error = NULL;
                cookie_charter_status status;
                memcpy(buf, sources[s], n);
                buf[i] = alphabet[j];
                /* Cut after the change on every other round, so every length is tried too. */
                status = cookie_charter_tc_string_decode(buf, j % 2 == 0 ? n : i + 1, &tc, &error);
                CHECK(status == OK || status == COOKIE_CHARTER_STATUS_INVALID_TC_STRING || status == BAD_UTF8);
                if (status == OK) {
                    cookie_charter_string json = {NULL, 0};
                    decoded++;
                    CHECK(tc != NULL && error == NULL && cookie_charter_tc_string_version(tc) == 2);
                    CHECK_STATUS(cookie_charter_tc_string_to_json(tc, &json), OK);
                    CHECK(json.data != NULL && json.data[0] == '{' && json.data[json.len - 1] == '}');
                    cookie_charter_string_free(&json);
                } else {
                    const char *message = cookie_charter_error_message(error);
                    refused++;
                    CHECK(tc == NULL && error != NULL);
                    /* The reason first, for a string that is not a TC string; not UTF-8 is the
                     * C layer's own status. */
                    CHECK(message != NULL && (status == BAD_UTF8 || strchr(message, ':') != NULL));
                    CHECK((status == BAD_UTF8) == (alphabet[j] == '\xc3'));
                }
                cookie_charter_tc_string_free(tc);
                cookie_charter_error_free(error);
            }
        }
    }
    CHECK(decoded > 0 && refused > 0);
}

static void test_consent_from_tc_string(void) {
    cookie_charter_policy *policy = load_signals();
    cookie_charter_consent *sentinel = (cookie_charter_consent *)&check_count;
    cookie_charter_consent *consent = sentinel, *from_tcf = sentinel;
    cookie_charter_tc_string *tc = NULL;
    cookie_charter_error *error = NULL;
    cookie_charter_string cookie = {NULL, 0}, cookie2 = {NULL, 0};
    cookie_charter_signals signals;
    cookie_charter_decision d;
    const char *code = "unwritten";
    snprintf(check_context, sizeof check_context, "consent from tc string");

    CHECK_STATUS(cookie_charter_consent_from_tc_string(NULL, S(TC_VALID), &consent, NULL), NUL_PTR);
    CHECK_STATUS(cookie_charter_consent_from_tc_string(policy, NULL, 4, &consent, NULL), NUL_PTR);
    CHECK_STATUS(cookie_charter_consent_from_tc_string(policy, S(TC_VALID), NULL, &error), NUL_PTR);
    CHECK(error != NULL && cookie_charter_error_status(error) == NUL_PTR);
    cookie_charter_error_free(error);
    error = NULL;
    CHECK_STATUS(cookie_charter_consent_from_tc_string(policy, S("C\xff"), &consent, NULL), BAD_UTF8);
    /* A string that does not decode is never a consent. */
    CHECK_STATUS(cookie_charter_consent_from_tc_string(policy, S("CA"), &consent, &error), COOKIE_CHARTER_STATUS_INVALID_TC_STRING);
    CHECK(consent == sentinel);
    CHECK(error != NULL && strcmp(cookie_charter_error_code(error), "invalid_tc_string") == 0);
    CHECK(error != NULL && starts_with(cookie_charter_error_message(error), "truncated:"));
    cookie_charter_error_free(error);
    error = NULL;
    CHECK_STATUS(cookie_charter_consent_from_tc_string(policy, S(TC_V1), &consent, &error), COOKIE_CHARTER_STATUS_INVALID_TC_STRING);
    CHECK(error != NULL && starts_with(cookie_charter_error_message(error), "unsupported_version:"));
    cookie_charter_error_free(error);
    error = NULL;
    CHECK_STATUS(cookie_charter_consent_from_tc_string(policy, "", 0, &consent, NULL), COOKIE_CHARTER_STATUS_INVALID_TC_STRING);
    CHECK(consent == sentinel);

    /* TCF purposes 1 and 7 have consent: `statistics` granted; 2 lacks it: `marketing` denied
     * (legitimate interest for 3 and 4 never counts); `preferences` declares none: unset. */
    CHECK_STATUS(cookie_charter_consent_from_tc_string(policy, S(TC_VALID), &consent, &error), OK);
    CHECK(consent != sentinel && consent != NULL && error == NULL);
    CHECK_STATUS(cookie_charter_consent_problem(consent, TC_NOW, &code, NULL), OK);
    CHECK(code == NULL);
    d = decide_one(policy, "_ga", consent, TC_NOW);
    CHECK(d.allowed && d.consent_state == COOKIE_CHARTER_CONSENT_STATE_GRANTED);
    d = decide_one(policy, "ads", consent, TC_NOW);
    CHECK(!d.allowed && d.consent_state == COOKIE_CHARTER_CONSENT_STATE_DENIED);
    d = decide_one(policy, "lang", consent, TC_NOW);
    CHECK(!d.allowed && d.consent_state == COOKIE_CHARTER_CONSENT_STATE_UNSET);
    CHECK_STATUS(cookie_charter_consent_mode(policy, consent, TC_NOW, &signals), OK);
    CHECK(granted_exactly(&signals, BIT(COOKIE_CHARTER_SIGNAL_SECURITY_STORAGE) | BIT(COOKIE_CHARTER_SIGNAL_ANALYTICS_STORAGE)));
    /* Dated by the string's last update, for the policy's revision: it writes a consent cookie. */
    CHECK_STATUS(cookie_charter_consent_to_cookie(consent, &cookie), OK);
    CHECK(cookie.data != NULL && strstr(cookie.data, "at=1583436280") != NULL && strstr(cookie.data, "rev=1") != NULL);

    /* From an already decoded string: the same consent. */
    CHECK_STATUS(cookie_charter_tc_string_decode(S(TC_VALID), &tc, NULL), OK);
    CHECK_STATUS(cookie_charter_consent_from_tcf(NULL, tc, &from_tcf), NUL_PTR);
    CHECK_STATUS(cookie_charter_consent_from_tcf(policy, NULL, &from_tcf), NUL_PTR);
    CHECK_STATUS(cookie_charter_consent_from_tcf(policy, tc, NULL), NUL_PTR);
    CHECK(from_tcf == sentinel);
    CHECK_STATUS(cookie_charter_consent_from_tcf(policy, tc, &from_tcf), OK);
    CHECK_STATUS(cookie_charter_consent_to_cookie(from_tcf, &cookie2), OK);
    CHECK(bytes_eq(cookie.data, cookie.len, cookie2.data, cookie2.len));
    cookie_charter_string_free(&cookie2);
    cookie_charter_consent_free(from_tcf);
    cookie_charter_tc_string_free(tc);
    tc = NULL;

    /* Another string, with a publisher-TC segment: no purpose consent in either segment. */
    CHECK_STATUS(cookie_charter_tc_string_decode(S(TC_PUBLISHER), &tc, NULL), OK);
    from_tcf = NULL;
    CHECK_STATUS(cookie_charter_consent_from_tcf(policy, tc, &from_tcf), OK);
    d = decide_one(policy, "_ga", from_tcf, 1748908900);
    CHECK(!d.allowed && d.consent_state == COOKIE_CHARTER_CONSENT_STATE_DENIED);
    cookie_charter_consent_free(from_tcf);
    cookie_charter_tc_string_free(tc);

    cookie_charter_string_free(&cookie);
    cookie_charter_consent_free(consent);
    cookie_charter_policy_free(policy);
}

/* One policy and one consent shared read-only by 8 threads. */
#define THREADS 8
#define ROUNDS 2000

/* A policy for the purposes: `necessary` built in, `statistics` with an exempt cookie only, texts
 * missing in a language, a purpose of an older revision, one without cookies. */
static const char PURPOSES_POLICY[] =
    "[site]\n"
    "name = \"Example\"\n"
    "url = \"https://www.example.com\"\n"
    "revision = 3\n"
    "consent_cookie = \"consent\"\n"
    "languages = [\"fr\", \"en\"]\n"
    "[purposes.statistics]\n"
    "label = { fr = \"Statistiques\", en = \"Statistics\" }\n"
    "revision = 2\n"
    "[purposes.marketing]\n"
    "label = { fr = \"Publicité\", en = \"Marketing\" }\n"
    "description = { en = \"Ads that follow you\" }\n"
    "[purposes.preferences]\n"
    "label = { en = \"Preferences\", fr = \"Préférences\" }\n"
    "[[cookies]]\n"
    "name = \"consent\"\n"
    "provider = \"Example\"\n"
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
    "name = \"ads\"\n"
    "provider = \"Ads\"\n"
    "service = { fr = \"Publicité\", en = \"Ads\" }\n"
    "purpose = \"marketing\"\n"
    "description = { fr = \"Suivi\", en = \"Tracking\" }\n"
    "lifetime = \"1 year\"\n"
    "domain = \".ads.example.net\"\n"
    "[[cookies]]\n"
    "name = \"ads_*\"\n"
    "provider = \"Ads\"\n"
    "service = { fr = \"Publicité\", en = \"Ads\" }\n"
    "purpose = \"marketing\"\n"
    "description = { fr = \"Suivi\", en = \"Tracking\" }\n"
    "lifetime = \"1 year\"\n";

/* Whether a borrowed string is `text`. */
static int str_is(cookie_charter_str s, const char *text) {
    return s.data != NULL && bytes_eq(s.data, s.len, text, strlen(text));
}

static void test_purposes(void) {
    cookie_charter_policy *policy = NULL;
    cookie_charter_purpose p, untouched;
    cookie_charter_str name;
    snprintf(check_context, sizeof check_context, "purposes");
    CHECK_STATUS(cookie_charter_policy_from_toml(S(PURPOSES_POLICY), &policy, NULL), OK);
    if (policy == NULL) {
        return;
    }
    CHECK(cookie_charter_policy_purpose_count(policy) == 4);
    CHECK(cookie_charter_policy_purpose_count(NULL) == 0);

    /* `necessary`, built in: its label in the language asked for, no description, no consent. */
    CHECK_STATUS(cookie_charter_policy_purpose(policy, 0, S("en"), &p), OK);
    CHECK(str_is(p.id, "necessary") && str_is(p.label_lang, "en") && p.label.len > 0);
    CHECK(p.description.data == NULL && p.description.len == 0 && p.description_lang.data == NULL);
    CHECK(!p.needs_consent && p.revision == 3 && p.cookie_count == 1);
    CHECK_STATUS(cookie_charter_policy_purpose_cookie(policy, 0, 0, &name), OK);
    CHECK(str_is(name, "consent"));

    /* `statistics`: an older revision; its only cookie is exempt, so no consent is asked. */
    CHECK_STATUS(cookie_charter_policy_purpose(policy, 1, S("fr"), &p), OK);
    CHECK(str_is(p.id, "statistics") && str_is(p.label, "Statistiques") && str_is(p.label_lang, "fr"));
    CHECK(p.revision == 2 && !p.needs_consent && p.cookie_count == 1);
    CHECK_STATUS(cookie_charter_policy_purpose_cookie(policy, 1, 0, &name), OK);
    CHECK(str_is(name, "_pk_id.*"));

    /* `marketing`: a language the policy lacks falls back to the site's first; the description,
     * only in English, falls back to it, and says so. */
    CHECK_STATUS(cookie_charter_policy_purpose(policy, 2, S("de"), &p), OK);
    CHECK(str_is(p.id, "marketing") && str_is(p.label, "Publicité") && str_is(p.label_lang, "fr"));
    CHECK(str_is(p.description, "Ads that follow you") && str_is(p.description_lang, "en"));
    CHECK(p.needs_consent && p.revision == 3 && p.cookie_count == 2);
    CHECK_STATUS(cookie_charter_policy_purpose(policy, 2, S("en"), &p), OK);
    CHECK(str_is(p.label, "Marketing") && str_is(p.label_lang, "en"));
    CHECK_STATUS(cookie_charter_policy_purpose(policy, 2, "", 0, &p), OK);
    CHECK(str_is(p.label_lang, "fr"));
    CHECK_STATUS(cookie_charter_policy_purpose_cookie(policy, 2, 0, &name), OK);
    CHECK(str_is(name, "ads"));
    CHECK_STATUS(cookie_charter_policy_purpose_cookie(policy, 2, 1, &name), OK);
    CHECK(str_is(name, "ads_*"));

    /* `preferences`: no cookie, nothing to ask. */
    CHECK_STATUS(cookie_charter_policy_purpose(policy, 3, S("fr"), &p), OK);
    CHECK(str_is(p.id, "preferences") && str_is(p.label, "Préférences"));
    CHECK(!p.needs_consent && p.cookie_count == 0);

    /* Out of range, NULL, invalid UTF-8: the out-parameters are untouched. */
    memset(&untouched, 0x5a, sizeof untouched);
    p = untouched;
    name.data = "x";
    name.len = 1;
    CHECK_STATUS(cookie_charter_policy_purpose(policy, 4, S("fr"), &p), COOKIE_CHARTER_STATUS_OUT_OF_RANGE);
    CHECK_STATUS(cookie_charter_policy_purpose(policy, SIZE_MAX, S("fr"), &p), COOKIE_CHARTER_STATUS_OUT_OF_RANGE);
    CHECK_STATUS(cookie_charter_policy_purpose(NULL, 0, S("fr"), &p), NUL_PTR);
    CHECK_STATUS(cookie_charter_policy_purpose(policy, 0, NULL, 0, &p), NUL_PTR);
    CHECK_STATUS(cookie_charter_policy_purpose(policy, 0, S("fr"), NULL), NUL_PTR);
    CHECK_STATUS(cookie_charter_policy_purpose(policy, 0, S("f\xff"), &p), BAD_UTF8);
    CHECK(memcmp(&p, &untouched, sizeof p) == 0);
    CHECK_STATUS(cookie_charter_policy_purpose_cookie(policy, 2, 2, &name), COOKIE_CHARTER_STATUS_OUT_OF_RANGE);
    CHECK_STATUS(cookie_charter_policy_purpose_cookie(policy, 3, 0, &name), COOKIE_CHARTER_STATUS_OUT_OF_RANGE);
    CHECK_STATUS(cookie_charter_policy_purpose_cookie(policy, 4, 0, &name), COOKIE_CHARTER_STATUS_OUT_OF_RANGE);
    CHECK_STATUS(cookie_charter_policy_purpose_cookie(NULL, 0, 0, &name), NUL_PTR);
    CHECK_STATUS(cookie_charter_policy_purpose_cookie(policy, 0, 0, NULL), NUL_PTR);
    CHECK(str_is(name, "x"));
    cookie_charter_policy_free(policy);
}

/* The Set-Cookie values of `response`, each compared with the NULL-terminated `expected`. */
static int sends(const cookie_charter_response *response, const char *const *expected) {
    size_t i, n = cookie_charter_response_send_len(response);
    for (i = 0; i < n; i++) {
        cookie_charter_str h;
        if (expected[i] == NULL || cookie_charter_response_send_get(response, i, &h) != OK || !str_is(h, expected[i])) {
            return 0;
        }
    }
    return expected[n] == NULL;
}

static void test_respond(void) {
    cookie_charter_policy *policy = load();
    char first[] = "consent=v=1&rev=2&at=1700000000&statistics=1&marketing=0";
    char second[] = "ads=1; _ga=1";
    char value[] = "_ga=2; Path=/";
    cookie_charter_str cookie[2], gpc = {"1", 1}, set_cookies[3], h;
    cookie_charter_request request;
    cookie_charter_response *response = NULL, *replaced = NULL, *none = NULL;
    cookie_charter_consent *request_consent = NULL, *grant = NULL;
    cookie_charter_purged *purged = NULL;
    cookie_charter_dropped d;
    const cookie_charter_consent *judge;
    const char *code = "unwritten";
    size_t i, j, n = 0;
    static const char *const granted[] = {"_ga=2; Path=/", "ads=2; Domain=ads.example.net", NULL};
    snprintf(check_context, sizeof check_context, "respond");
    cookie[0].data = first;
    cookie[0].len = strlen(first);
    cookie[1].data = second;
    cookie[1].len = strlen(second);
    request.cookie = cookie;
    request.cookie_count = 2;
    request.sec_gpc = &gpc;
    request.sec_gpc_count = 1;
    set_cookies[0].data = value;
    set_cookies[1].data = "ads=2; Domain=ads.example.net";
    set_cookies[2].data = "sessionid=1";
    for (i = 0; i < 3; i++) {
        set_cookies[i].len = strlen(set_cookies[i].data);
    }

    /* The request's consent, from both fields, with its GPC signal. */
    CHECK_STATUS(cookie_charter_request_consent(policy, &request, &request_consent), OK);
    CHECK_STATUS(cookie_charter_consent_problem(request_consent, NOW, &code, NULL), OK);
    CHECK(code == NULL && cookie_charter_consent_gpc(request_consent));

    /* Unchanged: `_ga` kept, `ads` (marketing refused) and `sessionid` (undeclared) dropped, then
     * the deletions of the held `ads`, as cookie_charter_purge gives them. */
    CHECK_STATUS(cookie_charter_respond(policy, &request, COOKIE_CHARTER_HANDLED_UNCHANGED, NULL, set_cookies, 3, true,
                                        NOW, &response),
                 OK);
    /* The response owns copies: the caller's buffers may change once the call returns. */
    memset(first, 'x', sizeof first - 1);
    memset(value, 'x', sizeof value - 1);
    judge = cookie_charter_response_consent(response);
    CHECK(judge != NULL && cookie_charter_consent_gpc(judge));
    CHECK(!cookie_charter_response_is_unchanged(response));
    CHECK(cookie_charter_response_dropped_len(response) == 2);
    CHECK_STATUS(cookie_charter_response_dropped_get(response, 0, &d), OK);
    CHECK(d.index == 1 && bytes_eq(d.cookie, d.cookie_len, "ads", 3) && d.problem == NULL);
    CHECK(!d.decision.allowed && d.decision.rule == COOKIE_CHARTER_RULE_THIRD_PARTY &&
          d.decision.consent_state == COOKIE_CHARTER_CONSENT_STATE_DENIED);
    CHECK(str_is(d.header, "ads=2; Domain=ads.example.net"));
    CHECK_STATUS(cookie_charter_response_dropped_get(response, 1, &d), OK);
    CHECK(d.index == 2 && d.decision.rule == COOKIE_CHARTER_RULE_UNDECLARED);
    CHECK_STATUS(cookie_charter_response_send_get(response, 0, &h), OK);
    CHECK(str_is(h, "_ga=2; Path=/"));
    CHECK_STATUS(cookie_charter_purge(policy, S("consent=v=1&rev=2&at=1700000000&statistics=1&marketing=0; ads=1; _ga=1"),
                                      request_consent, NOW, &purged),
                 OK);
    CHECK(cookie_charter_purged_len(purged) == 1);
    for (i = 0; i < cookie_charter_purged_len(purged); i++) {
        cookie_charter_purged_entry entry;
        CHECK_STATUS(cookie_charter_purged_get(purged, i, &entry), OK);
        for (j = 0; j < entry.header_count; j++) {
            cookie_charter_str want;
            n++;
            CHECK_STATUS(cookie_charter_purged_header(purged, i, j, &want), OK);
            CHECK_STATUS(cookie_charter_response_send_get(response, n, &h), OK);
            CHECK(bytes_eq(h.data, h.len, want.data, want.len) && h.len > 4 && memcmp(h.data, "ads=", 4) == 0);
        }
    }
    CHECK(n > 0 && cookie_charter_response_send_len(response) == n + 1);
    cookie_charter_purged_free(purged);

    /* Getters: out of range, NULL. */
    CHECK_STATUS(cookie_charter_response_send_get(response, n + 1, &h), COOKIE_CHARTER_STATUS_OUT_OF_RANGE);
    CHECK_STATUS(cookie_charter_response_dropped_get(response, 2, &d), COOKIE_CHARTER_STATUS_OUT_OF_RANGE);
    CHECK_STATUS(cookie_charter_response_send_get(NULL, 0, &h), NUL_PTR);
    CHECK_STATUS(cookie_charter_response_send_get(response, 0, NULL), NUL_PTR);
    CHECK_STATUS(cookie_charter_response_dropped_get(NULL, 0, &d), NUL_PTR);
    CHECK_STATUS(cookie_charter_response_dropped_get(response, 0, NULL), NUL_PTR);
    CHECK(cookie_charter_response_send_len(NULL) == 0 && cookie_charter_response_dropped_len(NULL) == 0);
    CHECK(cookie_charter_response_consent(NULL) == NULL && !cookie_charter_response_is_unchanged(NULL));
    cookie_charter_response_free(NULL);

    /* Replaced by a consent granting marketing (the banner's endpoint): it judges, with the
     * request's GPC, which an explicit choice outweighs; the caller's consent is not changed. */
    CHECK_STATUS(cookie_charter_consent_new(2, NOW - 10, &grant), OK);
    CHECK_STATUS(cookie_charter_consent_set(grant, S("statistics"), COOKIE_CHARTER_CHOICE_GRANTED, NULL), OK);
    CHECK_STATUS(cookie_charter_consent_set(grant, S("marketing"), COOKIE_CHARTER_CHOICE_GRANTED, NULL), OK);
    memcpy(first, "consent=", 8); /* the overwritten field is now a consent cookie that is no consent */
    memcpy(value, "_ga=2; Path=/", sizeof value);
    CHECK_STATUS(cookie_charter_respond(policy, &request, COOKIE_CHARTER_HANDLED_REPLACED, grant, set_cookies, 2, true,
                                        NOW, &replaced),
                 OK);
    CHECK(cookie_charter_consent_gpc(cookie_charter_response_consent(replaced)) && !cookie_charter_consent_gpc(grant));
    CHECK(cookie_charter_response_dropped_len(replaced) == 0);
    /* Both kept as given, and the held `ads` and `_ga` are now allowed: nothing to rewrite. */
    CHECK(sends(replaced, granted));
    CHECK(cookie_charter_response_is_unchanged(replaced));

    /* Not a consent: judged with none (malformed), even `_ga` dropped; purge off. */
    CHECK_STATUS(cookie_charter_respond(policy, &request, COOKIE_CHARTER_HANDLED_NOT_A_CONSENT, NULL, set_cookies, 1,
                                        false, NOW, &none),
                 OK);
    code = NULL;
    CHECK_STATUS(cookie_charter_consent_problem(cookie_charter_response_consent(none), NOW, &code, NULL), OK);
    CHECK(code != NULL && strcmp(code, "malformed") == 0);
    CHECK(cookie_charter_response_send_len(none) == 0 && cookie_charter_response_dropped_len(none) == 1);

    cookie_charter_response_free(none);
    cookie_charter_response_free(replaced);
    cookie_charter_response_free(response);
    cookie_charter_consent_free(grant);
    cookie_charter_consent_free(request_consent);
    cookie_charter_policy_free(policy);
}

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
        if (round % 50 == 0) {
            /* TC strings decoded concurrently, and the Consent Mode of the shared consent. */
            cookie_charter_tc_string *tc = NULL;
            cookie_charter_consent *from_tc = NULL;
            cookie_charter_signals signals;
            if (cookie_charter_tc_string_decode(TC_VALID, sizeof TC_VALID - 1, &tc, NULL) != OK ||
                cookie_charter_tc_string_cmp_id(tc) != 81 || !cookie_charter_tc_string_purpose_consent(tc, 7) ||
                cookie_charter_tc_string_purpose_consent(tc, 2) || !cookie_charter_tc_string_vendor_consent(tc, 61)) {
                job->mismatches++;
            }
            if (cookie_charter_consent_from_tcf(job->policy, tc, &from_tc) != OK) {
                job->mismatches++;
            }
            cookie_charter_consent_free(from_tc);
            cookie_charter_tc_string_free(tc);
            if (cookie_charter_consent_mode(job->policy, job->consent, NOW, &signals) != OK ||
                !signals.granted[COOKIE_CHARTER_SIGNAL_ANALYTICS_STORAGE] || signals.granted[COOKIE_CHARTER_SIGNAL_AD_STORAGE]) {
                job->mismatches++;
            }
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
    test_respond();
    test_purposes();
    test_render();
    test_gpc();
    test_consent_mode();
    test_guard();
    test_tc_string();
    test_tc_mutations();
    test_consent_from_tc_string();
    test_threads();
    printf("api: %d checks, %d failures\n", check_count, check_failures);
    return check_failures == 0 && check_count > 0 ? 0 : 1;
}
