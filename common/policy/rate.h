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
 * ("unit must be s, m or h"); the caller names the input. A fraction is refused with the same
 * rate as a whole count when there is one: "expected a whole COUNT per s, m or h; 0.5/s is
 * 30/m". */
int rate_parse(const char *s, struct rate *out, char *err, size_t errlen);

/* Writes r as a user writes it ("2/s", "120/m", "1/h") into buf; returns buf. */
const char *rate_format(const struct rate *r, char *buf, size_t buflen);

/* The spacing between two requests at this rate, in microseconds (at least 1). */
uint64_t rate_interval_us(const struct rate *r);

#endif
