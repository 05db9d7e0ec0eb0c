/*
 * signals: the privacy signals of one request. Reads the visitor's consent from an IAB TCF TC
 * string (or a consent cookie value), applies the request's Sec-GPC header, says for each cookie
 * name whether it is allowed, and prints the Google Consent Mode snippet to put in the page.
 * Usage: signals POLICY.toml NOW SEC_GPC CONSENT NAME...
 *   SEC_GPC  the Sec-GPC header value ("" when the request has none)
 *   CONSENT  "tcf:" followed by a TC string, or a consent cookie value ("" when there is none)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cookie_charter.h>

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    size_t cap = 0, n = 0, got;
    if (f == NULL) {
        return NULL;
    }
    do {
        char *grown;
        cap = cap == 0 ? 4096 : cap * 2;
        grown = realloc(text, cap);
        if (grown == NULL) {
            free(text);
            fclose(f);
            return NULL;
        }
        text = grown;
        got = fread(text + n, 1, cap - n, f);
        n += got;
    } while (n == cap);
    fclose(f);
    *len = n;
    return text;
}

/* The consent of the request: from a TC string ("tcf:..."), else from the consent cookie. A TC
 * string that does not decode is no consent at all: the visitor is asked again. */
static cookie_charter_consent *consent_of(const cookie_charter_policy *policy, const char *value) {
    cookie_charter_consent *consent = NULL;
    if (strncmp(value, "tcf:", 4) == 0) {
        const char *tc_text = value + 4;
        cookie_charter_tc_string *tc = NULL;
        cookie_charter_error *error = NULL;
        if (cookie_charter_tc_string_decode(tc_text, strlen(tc_text), &tc, &error) != COOKIE_CHARTER_STATUS_OK) {
            /* The message starts with the reason: truncated, invalid_base64, unsupported_version... */
            printf("tc string refused: %s\n", cookie_charter_error_message(error));
            cookie_charter_error_free(error);
            return cookie_charter_consent_from_cookie("", 0, &consent) == COOKIE_CHARTER_STATUS_OK ? consent : NULL;
        }
        printf("tc string: cmp %u, policy version %u, updated %llu", (unsigned)cookie_charter_tc_string_cmp_id(tc),
               (unsigned)cookie_charter_tc_string_policy_version(tc),
               (unsigned long long)(cookie_charter_tc_string_last_updated(tc) / 10));
        printf(", purposes with consent:");
        for (unsigned id = 1; id <= 11; id++) {
            if (cookie_charter_tc_string_purpose_consent(tc, id)) {
                printf(" %u", id);
            }
        }
        printf("\n");
        if (cookie_charter_consent_from_tcf(policy, tc, &consent) != COOKIE_CHARTER_STATUS_OK) {
            consent = NULL;
        }
        cookie_charter_tc_string_free(tc);
        return consent;
    }
    return cookie_charter_consent_from_cookie(value, strlen(value), &consent) == COOKIE_CHARTER_STATUS_OK ? consent : NULL;
}

int main(int argc, char **argv) {
    cookie_charter_policy *policy = NULL;
    cookie_charter_consent *consent;
    cookie_charter_error *error = NULL;
    cookie_charter_signals signals;
    cookie_charter_string snippet = {NULL, 0};
    unsigned long long now;
    size_t len = 0;
    char *text;
    int i, status = 0;
    bool gpc;

    if (argc < 5) {
        fprintf(stderr, "usage: %s POLICY.toml NOW SEC_GPC CONSENT NAME...\n", argv[0]);
        return 2;
    }
    text = read_file(argv[1], &len);
    if (text == NULL) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    if (cookie_charter_policy_from_toml(text, len, &policy, &error) != COOKIE_CHARTER_STATUS_OK) {
        fprintf(stderr, "%s: %s (%s)\n", argv[1], cookie_charter_error_message(error), cookie_charter_error_code(error));
        cookie_charter_error_free(error);
        free(text);
        return 1;
    }
    free(text);
    now = strtoull(argv[2], NULL, 10);
    consent = consent_of(policy, argv[4]);
    if (consent == NULL) {
        cookie_charter_policy_free(policy);
        return 1;
    }
    /* One Sec-GPC header here; with several, OR the results. It is set for this request only. */
    gpc = cookie_charter_gpc_enabled(argv[3], strlen(argv[3]));
    cookie_charter_consent_set_gpc(consent, gpc);
    printf("global privacy control: %s\n", gpc ? "on" : "off");

    for (i = 5; i < argc; i++) {
        cookie_charter_decision d;
        if (cookie_charter_decide(policy, argv[i], strlen(argv[i]), consent, now, &d) != COOKIE_CHARTER_STATUS_OK) {
            printf("%s: denied\n", argv[i]); /* fail closed */
            status = 1;
            continue;
        }
        printf("%s: %s (rule %s", argv[i], d.allowed ? "allowed" : "denied", cookie_charter_rule_name(d.rule));
        if (d.purpose != NULL) {
            printf(", purpose %.*s, consent %s", (int)d.purpose_len, d.purpose,
                   cookie_charter_consent_state_name(d.consent_state));
        }
        printf(")\n");
    }

    if (cookie_charter_consent_mode(policy, consent, now, &signals) == COOKIE_CHARTER_STATUS_OK) {
        for (unsigned s = 0; s < COOKIE_CHARTER_SIGNAL_COUNT; s++) {
            printf("%s: %s\n", cookie_charter_signal_name(s), signals.granted[s] ? "granted" : "denied");
        }
    }
    /* The `default` snippet goes before any Google tag; `update` after the visitor chooses. */
    if (cookie_charter_gtag_consent(policy, consent, now, COOKIE_CHARTER_GTAG_COMMAND_DEFAULT, &snippet) ==
        COOKIE_CHARTER_STATUS_OK) {
        printf("<script>\n%s</script>\n", snippet.data);
        cookie_charter_string_free(&snippet);
    }
    cookie_charter_consent_free(consent);
    cookie_charter_policy_free(policy);
    return status;
}
