/* rate.h -- request rates written "COUNT/UNIT" (UNIT s, m or h): "2/s", "120/m", "1/h". */
#ifndef TRAWL_RATE_H
#define TRAWL_RATE_H

#include <stddef.h>
#include <stdint.h>

struct rate {
    uint64_t count;     /* requests allowed ... */
    uint64_t period_ms; /* ... per this many milliseconds */
};

/* Parses `s` into out. Accepts 1/h up to 1000000/s. Returns 0, or -1 with the reason in err
 * ("unit must be s, m or h"); the caller names the input. */
int rate_parse(const char *s, struct rate *out, char *err, size_t errlen);

/* The spacing between two requests at this rate, in microseconds (at least 1). */
uint64_t rate_interval_us(const struct rate *r);

#endif
