/*
 * Signed consent cookies through the C API (spec §13, docs/records.md): giving a policy its keys
 * (text, a key file, an environment variable), bad keys and NULL pointers, and the request calls
 * verifying the engine's own cookie under `site.require_signed_consent`: a cookie signed with a
 * known key grants, a forged, unsigned or unknown-key one is no consent with its problem.
 *
 * The signed values below were computed outside the library (HMAC-SHA256 of the value without
 * `&_sig=`, base64url without padding, as docs/records.md specifies), so that the library is
 * checked against the format, not against itself.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cookie_charter.h"
#include "check.h"

int check_failures = 0;
int check_count = 0;
char check_context[512] = "";

#define OK COOKIE_CHARTER_STATUS_OK
#define NUL_PTR COOKIE_CHARTER_STATUS_NULL_POINTER
#define BAD_KEYS COOKIE_CHARTER_STATUS_INVALID_CONSENT_KEYS
#define UNREADABLE COOKIE_CHARTER_STATUS_UNREADABLE_CONSENT_KEYS
#define S(text) (text), (sizeof(text) - 1)

static const uint64_t NOW = 1700000100;

/* `require_signed_consent`: only a verified consent grants. */
static const char STRICT_POLICY[] =
    "[site]\n"
    "name = \"Example\"\n"
    "url = \"https://www.example.com\"\n"
    "revision = 2\n"
    "consent_cookie = \"consent\"\n"
    "require_signed_consent = true\n"
    "[purposes.statistics]\n"
    "label = \"Statistics\"\n"
    "[[cookies]]\n"
    "name = \"_ga\"\n"
    "provider = \"Google\"\n"
    "service = \"Audience\"\n"
    "purpose = \"statistics\"\n"
    "description = \"Visits\"\n"
    "lifetime = \"13 months\"\n";

/* The secrets are `new-key-new-key-new-key-new-key-` and `old-key-old-key-old-key-old-key-`:
 * the new key signs, both verify (a rotation). */
static const char KEYS[] =
    "# rotated in 2026\n"
    "new:bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleS0\n"
    "\n"
    "old:b2xkLWtleS1vbGQta2V5LW9sZC1rZXktb2xkLWtleS0\n";
static const char KEYS_COMMAS[] =
    "new:bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleS0, old:b2xkLWtleS1vbGQta2V5LW9sZC1rZXktb2xkLWtleS0";

/* statistics granted, record 0123…ef, signed by `new`. */
static const char SIGNED_NEW[] =
    "v=1&rev=2&at=1700000000&statistics=1&_rid=0123456789abcdef0123456789abcdef&_kid=new"
    "&_sig=tzXgeVOGD_4rqwLDsvtEI5K2Ku4HnwtBWpWzIveg8mY";
/* The same, signed by `old`. */
static const char SIGNED_OLD[] =
    "v=1&rev=2&at=1700000000&statistics=1&_rid=0123456789abcdef0123456789abcdef&_kid=old"
    "&_sig=e7BeqexUVhBBdliF3Srb_E87CxTiAasp6_CeL772bUs";
/* `statistics=0` signed by `new`, edited to `statistics=1`. */
static const char FORGED[] =
    "v=1&rev=2&at=1700000000&statistics=1&_rid=0123456789abcdef0123456789abcdef&_kid=new"
    "&_sig=KwamHxFecaI-GPqoUSjgI8ohTRpLk4uJOJVmwtIHRoQ";
/* Signed by a key the policy does not hold (`gone`, secret `gone-key-gone-key-…`). */
static const char UNKNOWN_KEY[] =
    "v=1&rev=2&at=1700000000&statistics=1&_rid=0123456789abcdef0123456789abcdef&_kid=gone"
    "&_sig=2tDRd-gsHcIRnZgWA_FRmIeFgZJ4DWwDdD0kAIfZPXo";
static const char UNSIGNED[] = "v=1&rev=2&at=1700000000&statistics=1";

static cookie_charter_policy *load_strict(void) {
    cookie_charter_policy *policy = NULL;
    CHECK_STATUS(cookie_charter_policy_from_toml(S(STRICT_POLICY), &policy, NULL), OK);
    return policy;
}

static cookie_charter_policy *with_keys(const cookie_charter_policy *policy) {
    cookie_charter_policy *keyed = NULL;
    cookie_charter_error *error = NULL;
    CHECK_STATUS(cookie_charter_policy_with_consent_keys(policy, S(KEYS), &keyed, &error), OK);
    if (error != NULL) {
        fprintf(stderr, "keys: %s\n", cookie_charter_error_message(error));
        cookie_charter_error_free(error);
    }
    return keyed;
}

/* The request's consent for a Cookie field `consent=<value>`. */
static cookie_charter_consent *request_consent(const cookie_charter_policy *policy, const char *value) {
    char field[512];
    cookie_charter_str cookie;
    cookie_charter_request request;
    cookie_charter_consent *consent = NULL;
    snprintf(field, sizeof field, "consent=%s; _ga=1", value);
    cookie.data = field;
    cookie.len = strlen(field);
    request.cookie = &cookie;
    request.cookie_count = 1;
    request.sec_gpc = NULL;
    request.sec_gpc_count = 0;
    CHECK_STATUS(cookie_charter_request_consent(policy, &request, &consent), OK);
    return consent;
}

/* Whether `_ga` (statistics) is allowed for `consent`. */
static int ga_allowed(const cookie_charter_policy *policy, const cookie_charter_consent *consent) {
    cookie_charter_decision decision;
    memset(&decision, 0, sizeof decision);
    CHECK_STATUS(cookie_charter_decide(policy, S("_ga"), consent, NOW, &decision), OK);
    return decision.allowed;
}

/* Whether `consent` has the problem `code` (NULL: none) and, if `reason` is not NULL, a message
 * holding it. */
static int has_problem(const cookie_charter_consent *consent, const char *code, const char *reason) {
    const char *got = "unwritten";
    cookie_charter_string message = {NULL, 0};
    int ok;
    if (cookie_charter_consent_problem(consent, NOW, &got, &message) != OK) {
        return 0;
    }
    ok = code == NULL ? got == NULL : (got != NULL && strcmp(got, code) == 0);
    if (reason != NULL) {
        ok = ok && message.data != NULL && strstr(message.data, reason) != NULL;
    }
    if (!ok) {
        fprintf(stderr, "  problem %s: %s\n", got == NULL ? "(none)" : got, message.data == NULL ? "" : message.data);
    }
    cookie_charter_string_free(&message);
    return ok;
}

/* Checks that `status` came with an error whose code is `code` and whose message holds `part`
 * and not `secret`; frees it. */
static void check_error(cookie_charter_error *error, const char *code, const char *part, const char *secret) {
    CHECK(error != NULL);
    if (error == NULL) {
        return;
    }
    CHECK(strcmp(cookie_charter_error_code(error), code) == 0);
    CHECK(strstr(cookie_charter_error_message(error), part) != NULL);
    if (secret != NULL) {
        CHECK(strstr(cookie_charter_error_message(error), secret) == NULL);
    }
    if (strstr(cookie_charter_error_message(error), part) == NULL) {
        fprintf(stderr, "  message: %s\n", cookie_charter_error_message(error));
    }
    cookie_charter_error_free(error);
}

static void test_statuses(void) {
    snprintf(check_context, sizeof check_context, "statuses");
    CHECK(strcmp(cookie_charter_status_name(BAD_KEYS), "invalid_consent_keys") == 0);
    CHECK(strcmp(cookie_charter_status_name(UNREADABLE), "unreadable_consent_keys") == 0);
    CHECK(BAD_KEYS == 103 && UNREADABLE == 104);
}

static void test_null_pointers(void) {
    cookie_charter_policy *policy = load_strict();
    cookie_charter_policy *sentinel = (cookie_charter_policy *)&check_count;
    cookie_charter_policy *keyed = sentinel;
    cookie_charter_consent *consent = NULL, *verified = NULL;
    cookie_charter_error *error = NULL;
    snprintf(check_context, sizeof check_context, "null pointers");

    CHECK_STATUS(cookie_charter_policy_with_consent_keys(NULL, S(KEYS), &keyed, &error), NUL_PTR);
    check_error(error, "null_pointer", "null", NULL);
    error = NULL;
    CHECK_STATUS(cookie_charter_policy_with_consent_keys(policy, NULL, 10, &keyed, NULL), NUL_PTR);
    CHECK_STATUS(cookie_charter_policy_with_consent_keys(policy, S(KEYS), NULL, NULL), NUL_PTR);
    CHECK_STATUS(cookie_charter_policy_with_consent_keys_file(NULL, S("/nonexistent"), &keyed, NULL), NUL_PTR);
    CHECK_STATUS(cookie_charter_policy_with_consent_keys_file(policy, NULL, 3, &keyed, NULL), NUL_PTR);
    CHECK_STATUS(cookie_charter_policy_with_consent_keys_file(policy, S("/nonexistent"), NULL, NULL), NUL_PTR);
    CHECK_STATUS(cookie_charter_policy_with_consent_keys_env(NULL, S("HOME"), &keyed, NULL), NUL_PTR);
    CHECK_STATUS(cookie_charter_policy_with_consent_keys_env(policy, NULL, 4, &keyed, NULL), NUL_PTR);
    CHECK_STATUS(cookie_charter_policy_with_consent_keys_env(policy, S("HOME"), NULL, NULL), NUL_PTR);
    CHECK(keyed == sentinel);

    CHECK_STATUS(cookie_charter_consent_from_cookie(S(SIGNED_NEW), &consent), OK);
    CHECK_STATUS(cookie_charter_verify_consent(NULL, consent, &verified), NUL_PTR);
    CHECK_STATUS(cookie_charter_verify_consent(policy, NULL, &verified), NUL_PTR);
    CHECK_STATUS(cookie_charter_verify_consent(policy, consent, NULL), NUL_PTR);
    CHECK(verified == NULL);
    CHECK(!cookie_charter_consent_is_verified(NULL));
    cookie_charter_consent_free(consent);
    cookie_charter_policy_free(policy);
}

static void test_bad_keys(void) {
    cookie_charter_policy *policy = load_strict();
    cookie_charter_policy *sentinel = (cookie_charter_policy *)&check_count;
    cookie_charter_policy *keyed = sentinel;
    cookie_charter_error *error = NULL;
    static const char not_utf8[] = "k1:\xff\xfe";
    snprintf(check_context, sizeof check_context, "bad keys");

    /* A secret of 5 bytes: the message gives the key id and the size, never the secret. */
    CHECK_STATUS(cookie_charter_policy_with_consent_keys(policy, S("k1:c2hvcnQ"), &keyed, &error), BAD_KEYS);
    check_error(error, "invalid_consent_keys", "the secret of key `k1` has 5 bytes, fewer than 32", "c2hvcnQ");
    error = NULL;
    CHECK_STATUS(cookie_charter_policy_with_consent_keys(policy, S("# only a comment\n\n"), &keyed, &error), BAD_KEYS);
    check_error(error, "invalid_consent_keys", "no consent signing key", NULL);
    error = NULL;
    CHECK_STATUS(cookie_charter_policy_with_consent_keys(policy, S("bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleS0"),
                                                         &keyed, &error),
                 BAD_KEYS);
    check_error(error, "invalid_consent_keys", "key 1 is not `<key id>:<base64url secret>`",
                "bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleS0");
    error = NULL;
    CHECK_STATUS(cookie_charter_policy_with_consent_keys(policy, S("k1:not*base64*at*all*not*base64*at*all*not*base"),
                                                         &keyed, &error),
                 BAD_KEYS);
    check_error(error, "invalid_consent_keys", "is not base64url", "not*base64");
    error = NULL;
    CHECK_STATUS(cookie_charter_policy_with_consent_keys(
                     policy, S("a:bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleS0\na:b2xkLWtleS1vbGQta2V5LW9sZC1rZXktb2xkLWtleS0"),
                     &keyed, &error),
                 BAD_KEYS);
    check_error(error, "invalid_consent_keys", "key id `a` appears twice", NULL);
    error = NULL;
    CHECK_STATUS(cookie_charter_policy_with_consent_keys(policy, S(not_utf8), &keyed, &error),
                 COOKIE_CHARTER_STATUS_INVALID_UTF8);
    check_error(error, "invalid_utf8", "utf-8", NULL);
    error = NULL;
    CHECK(keyed == sentinel);
    cookie_charter_policy_free(policy);
}

/* The directory the key files are written to (the first argument). */
static const char *work_dir = ".";

static void test_sources(void) {
    cookie_charter_policy *policy = load_strict();
    cookie_charter_policy *sentinel = (cookie_charter_policy *)&check_count;
    cookie_charter_policy *keyed = sentinel;
    cookie_charter_error *error = NULL;
    cookie_charter_consent *consent;
    char dir[512];
    char good[600], bad[600], missing[600];
    FILE *file;
    snprintf(check_context, sizeof check_context, "key sources");
    snprintf(dir, sizeof dir, "%s/cookie-charter-keys-XXXXXX", work_dir);
    if (mkdtemp(dir) == NULL) {
        CHECK(!"mkdtemp");
        cookie_charter_policy_free(policy);
        return;
    }
    snprintf(good, sizeof good, "%s/keys", dir);
    snprintf(bad, sizeof bad, "%s/bad-keys", dir);
    snprintf(missing, sizeof missing, "%s/missing", dir);
    file = fopen(good, "w");
    CHECK(file != NULL && fputs(KEYS, file) >= 0 && fclose(file) == 0);
    file = fopen(bad, "w");
    CHECK(file != NULL && fputs("k1:c2hvcnQ\n", file) >= 0 && fclose(file) == 0);

    /* A key file: its keys verify. */
    CHECK_STATUS(cookie_charter_policy_with_consent_keys_file(policy, good, strlen(good), &keyed, &error), OK);
    CHECK(error == NULL);
    if (keyed != sentinel) {
        consent = request_consent(keyed, SIGNED_NEW);
        CHECK(cookie_charter_consent_is_verified(consent) && ga_allowed(keyed, consent));
        cookie_charter_consent_free(consent);
        cookie_charter_policy_free(keyed);
        keyed = sentinel;
    }
    /* A missing file, a file of bad keys: named in the message. */
    CHECK_STATUS(cookie_charter_policy_with_consent_keys_file(policy, missing, strlen(missing), &keyed, &error),
                 UNREADABLE);
    check_error(error, "unreadable_consent_keys", "cannot read the consent keys `", NULL);
    error = NULL;
    CHECK_STATUS(cookie_charter_policy_with_consent_keys_file(policy, bad, strlen(bad), &keyed, &error), BAD_KEYS);
    check_error(error, "invalid_consent_keys", "/bad-keys`: the secret of key `k1` has 5 bytes", "c2hvcnQ");
    error = NULL;
    CHECK(keyed == sentinel);

    /* An environment variable, entries separated by commas. */
    CHECK(setenv("COOKIE_CHARTER_TEST_CONSENT_KEYS", KEYS_COMMAS, 1) == 0);
    CHECK(unsetenv("COOKIE_CHARTER_TEST_UNSET_KEYS") == 0);
    CHECK_STATUS(cookie_charter_policy_with_consent_keys_env(policy, S("COOKIE_CHARTER_TEST_CONSENT_KEYS"), &keyed, &error),
                 OK);
    CHECK(error == NULL);
    if (keyed != sentinel) {
        consent = request_consent(keyed, SIGNED_OLD);
        CHECK(cookie_charter_consent_is_verified(consent) && ga_allowed(keyed, consent));
        cookie_charter_consent_free(consent);
        cookie_charter_policy_free(keyed);
        keyed = sentinel;
    }
    CHECK_STATUS(cookie_charter_policy_with_consent_keys_env(policy, S("COOKIE_CHARTER_TEST_UNSET_KEYS"), &keyed, &error),
                 UNREADABLE);
    check_error(error, "unreadable_consent_keys", "the environment variable `COOKIE_CHARTER_TEST_UNSET_KEYS` is not set",
                NULL);
    error = NULL;
    CHECK(setenv("COOKIE_CHARTER_TEST_CONSENT_KEYS", "k1:c2hvcnQ", 1) == 0);
    CHECK_STATUS(cookie_charter_policy_with_consent_keys_env(policy, S("COOKIE_CHARTER_TEST_CONSENT_KEYS"), &keyed, &error),
                 BAD_KEYS);
    check_error(error, "invalid_consent_keys", "in the environment variable `COOKIE_CHARTER_TEST_CONSENT_KEYS`", "c2hvcnQ");
    error = NULL;
    CHECK_STATUS(cookie_charter_policy_with_consent_keys_env(policy, S("A=B"), &keyed, &error),
                 COOKIE_CHARTER_STATUS_INVALID_ARGUMENT);
    check_error(error, "invalid_argument", "is not an environment variable's name", NULL);
    error = NULL;
    CHECK_STATUS(cookie_charter_policy_with_consent_keys_env(policy, "", 0, &keyed, NULL),
                 COOKIE_CHARTER_STATUS_INVALID_ARGUMENT);
    CHECK(keyed == sentinel);
    CHECK(unsetenv("COOKIE_CHARTER_TEST_CONSENT_KEYS") == 0);

    CHECK(remove(good) == 0 && remove(bad) == 0 && rmdir(dir) == 0);
    cookie_charter_policy_free(policy);
}

static void test_request_verifies(void) {
    cookie_charter_policy *strict = load_strict();
    cookie_charter_policy *keyed = with_keys(strict);
    cookie_charter_consent *consent;
    snprintf(check_context, sizeof check_context, "request verifies");
    if (strict == NULL || keyed == NULL) {
        cookie_charter_policy_free(strict);
        return;
    }

    /* Without keys, a policy that requires signatures grants nothing (it fails closed). */
    consent = request_consent(strict, SIGNED_NEW);
    CHECK(!cookie_charter_consent_is_verified(consent) && !ga_allowed(strict, consent));
    CHECK(has_problem(consent, "malformed", NULL));
    cookie_charter_consent_free(consent);

    /* With the keys: the new key's signature and the old key's (a rotation) verify and grant. */
    consent = request_consent(keyed, SIGNED_NEW);
    CHECK(cookie_charter_consent_is_verified(consent) && has_problem(consent, NULL, NULL) && ga_allowed(keyed, consent));
    cookie_charter_consent_free(consent);
    consent = request_consent(keyed, SIGNED_OLD);
    CHECK(cookie_charter_consent_is_verified(consent) && ga_allowed(keyed, consent));
    cookie_charter_consent_free(consent);

    /* Forged, unknown key, unsigned: no consent, each with its reason. */
    consent = request_consent(keyed, FORGED);
    CHECK(!cookie_charter_consent_is_verified(consent) && !ga_allowed(keyed, consent));
    CHECK(has_problem(consent, "malformed", "signature (`_sig`) does not verify"));
    cookie_charter_consent_free(consent);
    consent = request_consent(keyed, UNKNOWN_KEY);
    CHECK(!ga_allowed(keyed, consent) && has_problem(consent, "malformed", "signed with an unknown key (`_kid`)"));
    cookie_charter_consent_free(consent);
    consent = request_consent(keyed, UNSIGNED);
    CHECK(!ga_allowed(keyed, consent) && has_problem(consent, "malformed", "it has no `_sig`"));
    cookie_charter_consent_free(consent);

    cookie_charter_policy_free(keyed);
    cookie_charter_policy_free(strict);
}

static void test_respond_verifies(void) {
    cookie_charter_policy *strict = load_strict();
    cookie_charter_policy *keyed = with_keys(strict);
    static const char *const values[] = {SIGNED_NEW, FORGED, UNKNOWN_KEY, UNSIGNED};
    static const size_t kept[] = {1, 0, 0, 0};
    size_t i;
    snprintf(check_context, sizeof check_context, "respond verifies");
    if (strict == NULL || keyed == NULL) {
        cookie_charter_policy_free(strict);
        return;
    }
    for (i = 0; i < sizeof values / sizeof values[0]; i++) {
        char field[512];
        cookie_charter_str cookie, set_cookie = {"_ga=GA1.2; Path=/", 17};
        cookie_charter_request request;
        cookie_charter_response *response = NULL;
        snprintf(field, sizeof field, "consent=%s", values[i]);
        cookie.data = field;
        cookie.len = strlen(field);
        request.cookie = &cookie;
        request.cookie_count = 1;
        request.sec_gpc = NULL;
        request.sec_gpc_count = 0;
        snprintf(check_context, sizeof check_context, "respond verifies: case %zu", i);
        CHECK_STATUS(cookie_charter_respond(keyed, &request, COOKIE_CHARTER_HANDLED_UNCHANGED, NULL, &set_cookie, 1,
                                            false, NOW, &response),
                     OK);
        CHECK(cookie_charter_response_send_len(response) == kept[i]);
        CHECK(cookie_charter_response_dropped_len(response) == 1 - kept[i]);
        CHECK(cookie_charter_consent_is_verified(cookie_charter_response_consent(response)) == (kept[i] == 1));
        cookie_charter_response_free(response);
    }
    cookie_charter_policy_free(keyed);
    cookie_charter_policy_free(strict);
}

static void test_verify_consent(void) {
    cookie_charter_policy *strict = load_strict();
    cookie_charter_policy *keyed = with_keys(strict);
    cookie_charter_consent *read = NULL, *verified = NULL;
    snprintf(check_context, sizeof check_context, "verify consent");
    if (strict == NULL || keyed == NULL) {
        cookie_charter_policy_free(strict);
        return;
    }
    /* Reading proves nothing: under the strict policy a consent only read grants nothing. */
    CHECK_STATUS(cookie_charter_consent_from_cookie(S(SIGNED_NEW), &read), OK);
    CHECK(!cookie_charter_consent_is_verified(read) && has_problem(read, NULL, NULL) && !ga_allowed(keyed, read));
    CHECK_STATUS(cookie_charter_verify_consent(keyed, read, &verified), OK);
    CHECK(cookie_charter_consent_is_verified(verified) && ga_allowed(keyed, verified));
    CHECK(!cookie_charter_consent_is_verified(read));
    cookie_charter_consent_free(verified);
    cookie_charter_consent_free(read);
    verified = NULL;
    CHECK_STATUS(cookie_charter_consent_from_cookie(S(FORGED), &read), OK);
    CHECK_STATUS(cookie_charter_verify_consent(keyed, read, &verified), OK);
    CHECK(!cookie_charter_consent_is_verified(verified) && has_problem(verified, "malformed", "does not verify"));
    cookie_charter_consent_free(verified);
    cookie_charter_consent_free(read);
    cookie_charter_policy_free(keyed);
    cookie_charter_policy_free(strict);
}

int main(int argc, char **argv) {
    if (argc > 1) {
        work_dir = argv[1];
    }
    test_statuses();
    test_null_pointers();
    test_bad_keys();
    test_sources();
    test_request_verifies();
    test_respond_verifies();
    test_verify_consent();
    printf("keys: %d checks, %d failures\n", check_count, check_failures);
    return check_failures == 0 && check_count > 0 ? 0 : 1;
}
