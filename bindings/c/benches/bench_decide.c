/*
 * cookie_charter_decide timed from C, on a workload folder: policy.toml, names.txt (one name a
 * line), consent.txt (the consent cookie value, then `now` in unix seconds, one a line) and, when
 * present, expected.tsv (for every name in order: name, allowed 0/1, rule, purpose or -, consent
 * state or -, tab-separated). When expected.tsv is there, every answer is checked before anything
 * is timed.
 *
 *   bench_decide DIR          the C overhead benchmark (bindings/c/bench.sh, on this folder, next
 *                             to benches/decide.rs and its loop): PASSES passes over the names per
 *                             round, ROUNDS rounds after a warm-up one; prints
 *                             "c decide: <median> ns/call (min <fastest round>) checksum <n>"
 *   bench_decide DIR check    the answers only (benches/compare.sh, on the comparison workload)
 *   bench_decide DIR json     the comparison's timing (benches/compare.sh): rounds of about 20 ms,
 *                             COMPARE_ROUNDS of them after a warm-up one, written to DIR/c.json
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cookie_charter.h"

/* The overhead benchmark's loop: the same constants as benches/decide.rs. */
#define PASSES 2000
#define ROUNDS 15
/* The comparison's rounds: as many passes as take about ROUND_NS, COMPARE_ROUNDS times. */
#define COMPARE_ROUNDS 11
#define ROUND_NS 20e6
#define MAX_NAMES 1024

typedef struct {
    cookie_charter_policy *policy;
    cookie_charter_consent *consent;
    uint64_t now;
    const char *names[MAX_NAMES];
    size_t lens[MAX_NAMES];
    size_t count;
} workload;

static void fail(const char *format, ...) {
    va_list args;
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
    exit(1);
}

/* The file DIR/NAME, NUL-terminated (owned by the caller); exits when it cannot be read, unless
 * `optional` (then NULL). */
static char *read_file(const char *dir, const char *name, size_t *len, int optional) {
    char path[4096];
    FILE *f;
    char *text = NULL;
    long size;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (f == NULL) {
        if (optional) {
            return NULL;
        }
        fail("cannot open %s", path);
    }
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        text = malloc((size_t)size + 1);
        if (text != NULL && fread(text, 1, (size_t)size, f) != (size_t)size) {
            free(text);
            text = NULL;
        }
        if (text != NULL) {
            text[size] = '\0';
            if (len != NULL) {
                *len = (size_t)size;
            }
        }
    }
    fclose(f);
    if (text == NULL) {
        fail("cannot read %s", path);
    }
    return text;
}

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Loads DIR's policy, consent and names into `w`; returns the texts the names point into. */
static char *load(const char *dir, workload *w) {
    size_t policy_len = 0;
    char *policy_text = read_file(dir, "policy.toml", &policy_len, 0);
    char *consent_text = read_file(dir, "consent.txt", NULL, 0);
    char *names_text = read_file(dir, "names.txt", NULL, 0);
    char *line_end = strchr(consent_text, '\n');
    char *save = NULL, *line;
    if (line_end == NULL) {
        fail("%s/consent.txt: the consent value, then now, one a line", dir);
    }
    *line_end = '\0';
    w->now = strtoull(line_end + 1, NULL, 10);
    if (cookie_charter_policy_from_toml(policy_text, policy_len, &w->policy, NULL) != COOKIE_CHARTER_STATUS_OK ||
        cookie_charter_consent_from_cookie(consent_text, strlen(consent_text), &w->consent) != COOKIE_CHARTER_STATUS_OK) {
        fail("%s: the policy or the consent does not load", dir);
    }
    w->count = 0;
    for (line = strtok_r(names_text, "\n", &save); line != NULL && w->count < MAX_NAMES;
         line = strtok_r(NULL, "\n", &save)) {
        w->names[w->count] = line;
        w->lens[w->count] = strlen(line);
        w->count++;
    }
    if (w->count == 0) {
        fail("%s/names.txt has no names", dir);
    }
    free(policy_text);
    free(consent_text);
    return names_text;
}

/* Checks every decision against expected.tsv; false when there is no such file. */
static int check_answers(const char *dir, const workload *w) {
    char *expected_text = read_file(dir, "expected.tsv", NULL, 1);
    char *save = NULL, *line;
    size_t checked = 0;
    if (expected_text == NULL) {
        return 0;
    }
    for (line = strtok_r(expected_text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save), checked++) {
        char name[512], allowed[8], rule[64], purpose[64], state[64], got_purpose[64] = "-";
        const char *got_state;
        cookie_charter_decision d;
        if (checked >= w->count ||
            sscanf(line, "%511[^\t]\t%7[^\t]\t%63[^\t]\t%63[^\t]\t%63s", name, allowed, rule, purpose, state) != 5 ||
            strcmp(name, w->names[checked]) != 0) {
            fail("expected.tsv and names.txt differ at line %zu", checked + 1);
        }
        if (cookie_charter_decide(w->policy, w->names[checked], w->lens[checked], w->consent, w->now, &d) !=
            COOKIE_CHARTER_STATUS_OK) {
            fail("decide failed for %s", name);
        }
        if (d.purpose != NULL) {
            snprintf(got_purpose, sizeof got_purpose, "%.*s", (int)d.purpose_len, d.purpose);
        }
        got_state = cookie_charter_consent_state_name(d.consent_state);
        if ((d.allowed ? 1 : 0) != atoi(allowed) || strcmp(cookie_charter_rule_name(d.rule), rule) != 0 ||
            strcmp(got_purpose, purpose) != 0 || strcmp(got_state ? got_state : "-", state) != 0) {
            fail("C: %s decided %d %s %s %s, expected %s %s %s %s", name, d.allowed, cookie_charter_rule_name(d.rule),
                 got_purpose, got_state ? got_state : "-", allowed, rule, purpose, state);
        }
    }
    if (checked != w->count) {
        fail("expected.tsv has %zu lines for %zu names", checked, w->count);
    }
    free(expected_text);
    fprintf(stderr, "c: answers agree\n");
    return 1;
}

/* `passes` passes over the names; adds each decision's allowed and purpose length to `*checksum`
 * (so that nothing is optimised away, and the Rust loop can be compared); the time taken, in ns. */
static double run_passes(const workload *w, size_t passes, uint64_t *checksum) {
    double start = now_ns();
    size_t pass, i;
    for (pass = 0; pass < passes; pass++) {
        for (i = 0; i < w->count; i++) {
            cookie_charter_decision d;
            if (cookie_charter_decide(w->policy, w->names[i], w->lens[i], w->consent, w->now, &d) !=
                COOKIE_CHARTER_STATUS_OK) {
                fail("decide failed for %s", w->names[i]);
            }
            *checksum += (uint64_t)d.allowed + d.purpose_len;
        }
    }
    return now_ns() - start;
}

/* A warm-up round (not counted: it fills the caches), then `rounds` rounds of `passes` passes;
 * `samples[r]` is round r's time per call, in ns. */
static uint64_t time_rounds(const workload *w, size_t passes, int rounds, double *samples) {
    uint64_t checksum = 0;
    int round;
    for (round = 0; round <= rounds; round++) {
        double elapsed = run_passes(w, passes, &checksum);
        if (round > 0) {
            samples[round - 1] = elapsed / ((double)passes * (double)w->count);
        }
    }
    return checksum;
}

/* The comparison's rounds: as many passes as take about ROUND_NS, written to DIR/c.json. */
static void compare_json(const char *dir, const workload *w) {
    double samples[COMPARE_ROUNDS];
    char path[4096];
    uint64_t calibration = 0, checksum;
    size_t passes = 1;
    FILE *out;
    int r;
    for (;;) {
        double took = run_passes(w, passes, &calibration);
        if (took * 10 >= ROUND_NS) {
            passes = (size_t)(ROUND_NS / (took / (double)passes)) + 1;
            break;
        }
        passes *= 2;
    }
    checksum = time_rounds(w, passes, COMPARE_ROUNDS, samples);
    snprintf(path, sizeof path, "%s/c.json", dir);
    out = fopen(path, "w");
    if (out == NULL) {
        fail("cannot write %s", path);
    }
    fprintf(out, "{\"language\": \"c\", \"rows\": [{\"table\": \"decide\", \"id\": \"c/cookie-charter\", "
                 "\"label\": \"C: `cookie_charter_decide` (gcc -O2, static library)\", \"samples\": [");
    for (r = 0; r < COMPARE_ROUNDS; r++) {
        fprintf(out, "%s%.3f", r ? ", " : "", samples[r]);
    }
    fprintf(out, "]}], \"sink\": %llu}\n", (unsigned long long)(checksum + calibration));
    fclose(out);
}

int main(int argc, char **argv) {
    const char *mode = argc == 3 ? argv[2] : "";
    workload w;
    char *names_text;
    if (argc < 2 || argc > 3 || (argc == 3 && strcmp(mode, "check") != 0 && strcmp(mode, "json") != 0)) {
        fprintf(stderr, "usage: %s DIR [check | json]\n", argv[0]);
        return 2;
    }
    names_text = load(argv[1], &w);
    if (!check_answers(argv[1], &w) && strcmp(mode, "check") == 0) {
        fail("%s/expected.tsv: no answers to check", argv[1]);
    }
    if (strcmp(mode, "json") == 0) {
        compare_json(argv[1], &w);
    } else if (strcmp(mode, "check") != 0) {
        double samples[ROUNDS];
        uint64_t checksum = time_rounds(&w, PASSES, ROUNDS, samples);
        qsort(samples, ROUNDS, sizeof samples[0], compare_doubles);
        printf("c decide: %.1f ns/call (min %.1f) checksum %llu\n", samples[ROUNDS / 2], samples[0],
               (unsigned long long)checksum);
    }
    cookie_charter_consent_free(w.consent);
    cookie_charter_policy_free(w.policy);
    free(names_text);
    return 0;
}
