/* The C side of the comparison benchmark (built and run by benches/compare.sh).
 *
 *   bench_decide DIR [check]
 *
 * Reads the shared workload the Rust side wrote to DIR (policy.toml, names.txt, consent.txt,
 * expected.tsv), checks that cookie_charter_decide gives the expected decision for every name,
 * then (without `check`) times it in rounds and writes DIR/c.json.
 */
#define _POSIX_C_SOURCE 200809L
#include <cookie_charter.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_NAMES 256
#define ROUNDS 11

static char *slurp(const char *dir, const char *name, size_t *len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)size + 1);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    buf[size] = '\0';
    fclose(f);
    if (len) *len = (size_t)size;
    return buf;
}

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}


int main(int argc, char **argv) {
    if (argc != 2 && !(argc == 3 && strcmp(argv[2], "check") == 0)) {
        fprintf(stderr, "usage: bench_decide DIR [check]\n");
        return 2;
    }
    const char *dir = argv[1];
    size_t toml_len;
    char *toml = slurp(dir, "policy.toml", &toml_len);
    cookie_charter_policy *policy = NULL;
    if (cookie_charter_policy_from_toml(toml, toml_len, &policy, NULL) != COOKIE_CHARTER_STATUS_OK) {
        fprintf(stderr, "the policy does not load\n");
        return 1;
    }
    char *consent_text = slurp(dir, "consent.txt", NULL);
    char *line_end = strchr(consent_text, '\n');
    if (!line_end) return 1;
    *line_end = '\0';
    uint64_t now = strtoull(line_end + 1, NULL, 10);
    cookie_charter_consent *consent = NULL;
    if (cookie_charter_consent_from_cookie(consent_text, strlen(consent_text), &consent) != COOKIE_CHARTER_STATUS_OK) return 1;

    /* names.txt and expected.tsv: one name a line, in the same order. */
    char *names_text = slurp(dir, "names.txt", NULL);
    char *names[MAX_NAMES];
    size_t lens[MAX_NAMES];
    size_t n = 0;
    for (char *save = NULL, *tok = strtok_r(names_text, "\n", &save); tok && n < MAX_NAMES;
         tok = strtok_r(NULL, "\n", &save)) {
        names[n] = tok;
        lens[n] = strlen(tok);
        n++;
    }
    char *expected_text = slurp(dir, "expected.tsv", NULL);
    size_t checked = 0;
    for (char *save = NULL, *line = strtok_r(expected_text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save), checked++) {
        char name[512], allowed[8], rule[64], purpose[64], state[64];
        if (checked >= n || sscanf(line, "%511[^\t]\t%7[^\t]\t%63[^\t]\t%63[^\t]\t%63s", name, allowed, rule, purpose, state) != 5 ||
            strcmp(name, names[checked]) != 0) {
            fprintf(stderr, "expected.tsv and names.txt differ at line %zu\n", checked + 1);
            return 1;
        }
        cookie_charter_decision d;
        if (cookie_charter_decide(policy, names[checked], lens[checked], consent, now, &d) != COOKIE_CHARTER_STATUS_OK) return 1;
        char got_purpose[64] = "-";
        if (d.purpose) snprintf(got_purpose, sizeof got_purpose, "%.*s", (int)d.purpose_len, d.purpose);
        const char *got_state = cookie_charter_consent_state_name(d.consent_state);
        if ((d.allowed ? 1 : 0) != atoi(allowed) || strcmp(cookie_charter_rule_name(d.rule), rule) != 0 ||
            strcmp(got_purpose, purpose) != 0 || strcmp(got_state ? got_state : "-", state) != 0) {
            fprintf(stderr, "C: %s decided %d %s %s %s, expected %s %s %s %s\n", name, d.allowed,
                    cookie_charter_rule_name(d.rule), got_purpose, got_state ? got_state : "-", allowed, rule, purpose, state);
            return 1;
        }
    }
    if (checked != n) {
        fprintf(stderr, "expected.tsv has %zu lines for %zu names\n", checked, n);
        return 1;
    }
    fprintf(stderr, "c: answers agree\n");
    if (argc == 3) return 0;

    /* Calibrate a round to about 20 ms, then ROUNDS rounds after a warm-up round. */
    volatile unsigned sink = 0;
    size_t passes = 1;
    for (;;) {
        double t0 = now_ns();
        for (size_t p = 0; p < passes; p++)
            for (size_t i = 0; i < n; i++) {
                cookie_charter_decision d;
                cookie_charter_decide(policy, names[i], lens[i], consent, now, &d);
                sink += d.allowed;
            }
        double took = now_ns() - t0;
        if (took * 10 >= 20e6) {
            passes = (size_t)(20e6 / (took / (double)passes)) + 1;
            break;
        }
        passes *= 2;
    }
    double samples[ROUNDS];
    for (int r = 0; r <= ROUNDS; r++) {
        double t0 = now_ns();
        for (size_t p = 0; p < passes; p++)
            for (size_t i = 0; i < n; i++) {
                cookie_charter_decision d;
                cookie_charter_decide(policy, names[i], lens[i], consent, now, &d);
                sink += d.allowed;
            }
        double ns = (now_ns() - t0) / (double)(passes * n);
        if (r > 0) samples[r - 1] = ns;
    }

    char path[4096];
    snprintf(path, sizeof path, "%s/c.json", dir);
    FILE *out = fopen(path, "w");
    if (!out) return 1;
    fprintf(out, "{\"language\": \"c\", \"rows\": [{\"table\": \"decide\", \"id\": \"c/cookie-charter\", "
                 "\"label\": \"C: `cookie_charter_decide` (gcc -O2, static library)\", \"samples\": [");
    for (int r = 0; r < ROUNDS; r++) fprintf(out, "%s%.3f", r ? ", " : "", samples[r]);
    fprintf(out, "]}], \"sink\": %u}\n", sink);
    fclose(out);
    cookie_charter_consent_free(consent);
    cookie_charter_policy_free(policy);
    free(toml);
    free(consent_text);
    free(names_text);
    free(expected_text);
    return 0;
}
