/*
 * decide: load a policy, read a visitor's consent cookie, and say for each cookie name whether it
 * is allowed. Usage: decide POLICY.toml CONSENT_COOKIE_VALUE NOW NAME...
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

int main(int argc, char **argv) {
    cookie_charter_policy *policy = NULL;
    cookie_charter_consent *consent = NULL;
    cookie_charter_error *error = NULL;
    const char *problem = NULL;
    size_t len = 0;
    char *text;
    int i, status = 0;
    unsigned long long now;

    if (argc < 5) {
        fprintf(stderr, "usage: %s POLICY.toml CONSENT NOW NAME...\n", argv[0]);
        return 2;
    }
    text = read_file(argv[1], &len);
    if (text == NULL) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    /* The policy owns copies of what it needs: the text can be freed right away. */
    if (cookie_charter_policy_from_toml(text, len, &policy, &error) != COOKIE_CHARTER_STATUS_OK) {
        fprintf(stderr, "%s: %s (%s)\n", argv[1], cookie_charter_error_message(error), cookie_charter_error_code(error));
        cookie_charter_error_free(error);
        free(text);
        return 1;
    }
    free(text);
    now = strtoull(argv[3], NULL, 10);
    /* Reading a consent cookie never fails on content; a bad value just gives no consent. */
    if (cookie_charter_consent_from_cookie(argv[2], strlen(argv[2]), &consent) != COOKIE_CHARTER_STATUS_OK) {
        cookie_charter_policy_free(policy);
        return 1;
    }
    if (cookie_charter_consent_problem(consent, now, &problem, NULL) == COOKIE_CHARTER_STATUS_OK && problem != NULL) {
        printf("consent: %s\n", problem);
    }
    for (i = 4; i < argc; i++) {
        cookie_charter_decision d;
        cookie_charter_status s = cookie_charter_decide(policy, argv[i], strlen(argv[i]), consent, now, &d);
        if (s != COOKIE_CHARTER_STATUS_OK) {
            /* Fail closed: a name that cannot be decided is denied. */
            printf("%s: denied (%s)\n", argv[i], cookie_charter_status_name(s));
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
    cookie_charter_consent_free(consent);
    cookie_charter_policy_free(policy);
    return status;
}
