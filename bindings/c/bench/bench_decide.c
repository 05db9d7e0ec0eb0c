/*
 * The C side of the overhead benchmark: cookie_charter_decide on the workload of
 * benches/decide.rs (same policy, names, consent, time and loop), timed the same way.
 * Usage: bench_decide BENCH_DIR   (the folder holding policy.toml and names.txt)
 * Prints "c decide: <median> ns/call (min <min>)"; bench.sh runs it next to the Rust loop.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cookie_charter.h"

/* The same constants as benches/decide.rs. */
#define CONSENT "v=1&rev=1&at=1700000000&statistics=1&marketing=0&preferences=1"
#define NOW 1700000100ULL
#define PASSES 2000
#define ROUNDS 15
#define MAX_NAMES 1024

static char *read_file(const char *dir, const char *name, size_t *len) {
    char path[4096];
    FILE *f;
    char *text = NULL;
    long size;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        text = malloc((size_t)size + 1);
        if (text != NULL && fread(text, 1, (size_t)size, f) != (size_t)size) {
            free(text);
            text = NULL;
        }
        if (text != NULL) {
            text[size] = '\0';
            *len = (size_t)size;
        }
    }
    fclose(f);
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

int main(int argc, char **argv) {
    size_t policy_len = 0, names_len = 0, count = 0, i;
    char *policy_text, *names_text, *line;
    const char *names[MAX_NAMES];
    size_t lens[MAX_NAMES];
    double per_call[ROUNDS];
    cookie_charter_policy *policy = NULL;
    cookie_charter_consent *consent = NULL;
    uint64_t checksum = 0;
    int round, pass;

    if (argc != 2) {
        fprintf(stderr, "usage: %s BENCH_DIR\n", argv[0]);
        return 2;
    }
    policy_text = read_file(argv[1], "policy.toml", &policy_len);
    names_text = read_file(argv[1], "names.txt", &names_len);
    if (policy_text == NULL || names_text == NULL) {
        fprintf(stderr, "cannot read %s/policy.toml or names.txt\n", argv[1]);
        return 1;
    }
    for (line = strtok(names_text, "\n"); line != NULL && count < MAX_NAMES; line = strtok(NULL, "\n")) {
        names[count] = line;
        lens[count] = strlen(line);
        count++;
    }
    if (count == 0 ||
        cookie_charter_policy_from_toml(policy_text, policy_len, &policy, NULL) != COOKIE_CHARTER_STATUS_OK ||
        cookie_charter_consent_from_cookie(CONSENT, strlen(CONSENT), &consent) != COOKIE_CHARTER_STATUS_OK) {
        fprintf(stderr, "cannot load the workload\n");
        return 1;
    }
    for (round = 0; round <= ROUNDS; round++) {
        double start = now_ns(), elapsed;
        for (pass = 0; pass < PASSES; pass++) {
            for (i = 0; i < count; i++) {
                cookie_charter_decision d;
                if (cookie_charter_decide(policy, names[i], lens[i], consent, NOW, &d) != COOKIE_CHARTER_STATUS_OK) {
                    fprintf(stderr, "decide failed for %s\n", names[i]);
                    return 1;
                }
                checksum += (uint64_t)d.allowed + d.purpose_len;
            }
        }
        elapsed = now_ns() - start;
        /* Round 0 warms the caches up and is not counted. */
        if (round > 0) {
            per_call[round - 1] = elapsed / ((double)PASSES * (double)count);
        }
    }
    qsort(per_call, ROUNDS, sizeof per_call[0], compare_doubles);
    printf("c decide: %.1f ns/call (min %.1f) checksum %llu\n", per_call[ROUNDS / 2], per_call[0],
           (unsigned long long)checksum);
    cookie_charter_consent_free(consent);
    cookie_charter_policy_free(policy);
    free(policy_text);
    free(names_text);
    return 0;
}
