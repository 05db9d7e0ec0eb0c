/* Assertions for the C tests: count failures, say where, keep going. */
#ifndef COOKIE_CHARTER_TEST_CHECK_H
#define COOKIE_CHARTER_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

extern int check_failures;
extern int check_count;
/* What is being checked, printed with each failure (a file and case name). */
extern char check_context[512];

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        check_count++;                                                                         \
        if (!(cond)) {                                                                         \
            check_failures++;                                                                  \
            fprintf(stderr, "FAIL %s:%d: %s [%s]\n", __FILE__, __LINE__, #cond, check_context); \
        }                                                                                      \
    } while (0)

/* Checks that a call returned `expected` (a cookie_charter_status). */
#define CHECK_STATUS(call, expected)                                                        \
    do {                                                                                    \
        cookie_charter_status check_status_ = (call);                                       \
        check_count++;                                                                      \
        if (check_status_ != (expected)) {                                                  \
            check_failures++;                                                               \
            fprintf(stderr, "FAIL %s:%d: %s gave %s, expected %s [%s]\n", __FILE__, __LINE__, \
                    #call, name_or_null(cookie_charter_status_name(check_status_)),         \
                    name_or_null(cookie_charter_status_name(expected)), check_context);     \
        }                                                                                   \
    } while (0)

static inline const char *name_or_null(const char *name) {
    return name == NULL ? "(null)" : name;
}

/* Whether `len` bytes at `data` are the NUL-terminated `text`. */
static inline int bytes_eq(const char *data, size_t len, const char *text, size_t text_len) {
    return len == text_len && (len == 0 || memcmp(data, text, len) == 0);
}

#endif
