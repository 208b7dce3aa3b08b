/* flags.c -- the flag tables' parser, checker and --help writer. */
#include "flags.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define HELP_WIDTH 92       /* --help lines stay within this many columns */
#define HELP_TEXT_COLUMN 25 /* where a flag's text starts */

static void *field(const struct flag_table *t, const struct flag *f)
{
    return (char *)t->target + f->offset;
}

/* False for a flag the program does not take (flag.only_in names other programs). */
static bool taken(const struct flag_program *p, const struct flag *f)
{
    if (!f->only_in)
        return true;
    size_t n = strlen(p->name);
    for (const char *s = strstr(f->only_in, p->name); s; s = strstr(s + n, p->name))
        if ((s == f->only_in || s[-1] == ' ') && (s[n] == ' ' || s[n] == '\0'))
            return true;
    return false;
}

static int parse_whole(const struct flag *f, const char *v, long long *out, char *err,
                       size_t errlen)
{
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || errno || n < f->min || n > f->max) {
        snprintf(err, errlen, "expected a whole number from %.0f to %.0f", f->min, f->max);
        return -1;
    }
    *out = n;
    return 0;
}

static int parse_seconds(const struct flag *f, const char *v, double *out, char *err,
                         size_t errlen)
{
    char *end;
    double d = strtod(v, &end);
    if (!*v || *end || !(d >= f->min && d <= f->max)) {
        snprintf(err, errlen, "expected seconds from %g to %g", f->min, f->max);
        return -1;
    }
    *out = d;
    return 0;
}

static int parse_duration(const struct flag *f, const char *v, double *out, char *err,
                          size_t errlen)
{
    char *end;
    double d = strtod(v, &end);
    double unit = *end == 's' ? 1 : *end == 'm' ? 60 : *end == 'h' ? 3600 : *end == 'd' ? 86400 : 0;
    if (*end == '\0')
        unit = 1;
    else if (unit > 0)
        end++;
    d *= unit;
    if (!*v || *end || unit == 0 || !(d >= f->min && d <= f->max)) {
        snprintf(err, errlen, "expected a duration (90, 90s, 15m, 2h, 1d) from %gs to %gs",
                 f->min, f->max);
        return -1;
    }
    *out = d;
    return 0;
}

/* Sets one flag's field from its value (NULL for a switch). 0, or -1 with err. */
static int set_value(const struct flag_table *t, const struct flag *f, const char *v,
                     char *err, size_t errlen)
{
    void *p = field(t, f);
    long long n;
    double d;
    switch (f->type) {
    case FLAG_SWITCH:
        *(int *)p = 1;
        return 0;
    case FLAG_INT:
    case FLAG_UINT:
    case FLAG_SIZE:
    case FLAG_LONG:
        if (parse_whole(f, v, &n, err, errlen) < 0)
            return -1;
        if (f->type == FLAG_INT)
            *(int *)p = (int)n;
        else if (f->type == FLAG_UINT)
            *(unsigned *)p = (unsigned)n;
        else if (f->type == FLAG_SIZE)
            *(size_t *)p = (size_t)n;
        else
            *(long *)p = (long)n;
        return 0;
    case FLAG_SECONDS:
        return parse_seconds(f, v, (double *)p, err, errlen);
    case FLAG_DURATION:
        return parse_duration(f, v, (double *)p, err, errlen);
    case FLAG_MS:
    case FLAG_LONG_MS:
        if (parse_seconds(f, v, &d, err, errlen) < 0)
            return -1;
        if (f->type == FLAG_MS)
            *(uint64_t *)p = (uint64_t)llround(d * 1000);
        else
            *(long *)p = (long)llround(d * 1000);
        return 0;
    case FLAG_STRING:
        *(const char **)p = v;
        return 0;
    case FLAG_CHOICE:
        for (size_t i = 0; f->choices[i]; i++)
            if (strcmp(v, f->choices[i]) == 0) {
                *(int *)p = f->choice_values[i];
                return 0;
            }
        /* "expected a, b or c" */
        size_t used = (size_t)snprintf(err, errlen, "expected");
        for (size_t i = 0; f->choices[i] && used < errlen; i++)
            used += (size_t)snprintf(err + used, errlen - used, "%s%s", i == 0 ? " " :
                                     f->choices[i + 1] ? ", " : " or ", f->choices[i]);
        return -1;
    case FLAG_CUSTOM:
        return f->set(p, v, err, errlen);
    }
    return -1;
}

/* value, quoted in a message: a URL that may hold a password has it masked. */
static const char *quoted(const struct flag *f, const char *v, char *buf, size_t buflen)
{
    if (f->redact)
        return log_redact_url(v, buf, buflen);
    snprintf(buf, buflen, "%.*s", (int)(buflen - 1), v); /* a long value is cut, knowingly */
    return buf;
}

/* set_value with the flag and the value named in err; records where the value came from. */
static int apply(const struct flag_table *t, const struct flag *f, const char *v,
                 enum flag_origin origin, char *err, size_t errlen)
{
    char why[400], shown[400];
    /* A repeated list flag: the field holds the values so far (they live in argv or in
     * `joined`), and the list grows by one. Static: the fields borrow it for the program's
     * life, and one program has one such flag. */
    static char joined[8192];
    if (f->joins && origin == FLAG_FROM_ARGV &&
        *(enum flag_origin *)((char *)t->target + f->origin_offset) == FLAG_FROM_ARGV) {
        const char *before = *(const char **)((char *)t->target + f->offset);
        char list[sizeof(joined)];
        int n = snprintf(list, sizeof(list), "%s,%s", before, v);
        if (n < 0 || (size_t)n >= sizeof(list)) {
            snprintf(err, errlen, "--%s: the list is longer than %zu bytes", f->name,
                     sizeof(joined) - 1);
            return -1;
        }
        memcpy(joined, list, (size_t)n + 1);
        v = joined;
    }
    if (set_value(t, f, v, why, sizeof(why)) == 0) {
        if (f->keep_origin)
            *(enum flag_origin *)((char *)t->target + f->origin_offset) = origin;
        return 0;
    }
    /* A bad value from the environment names the variable: the user may not know it is
     * set. */
    if (origin == FLAG_FROM_ENV)
        snprintf(err, errlen, "%s '%s': %s", f->env, quoted(f, v, shown, sizeof(shown)), why);
    else
        snprintf(err, errlen, "--%s '%s': %s", f->name, quoted(f, v ? v : "", shown,
                                                               sizeof(shown)), why);
    return -1;
}

/* A flag whose environment value was refused; reported unless the flag is given. */
struct env_refusal {
    const struct flag_table *t;
    const struct flag *f;
};
#define MAX_ENV_REFUSALS 16

/* Defaults, then the environment. Bad environment values are listed in bad (*nbad of them)
 * rather than failing at once: a flag given on the command line wins over its variable. */
static int apply_defaults(const struct flag_program *p, char *err, size_t errlen,
                          struct env_refusal *bad, size_t *nbad)
{
    for (const struct flag_table *t = p->tables; t->flags; t++)
        for (const struct flag *f = t->flags; f->name; f++)
            if (taken(p, f) && f->def && apply(t, f, f->def, FLAG_FROM_DEFAULT, err, errlen) < 0)
                return -1;
    for (const struct flag_table *t = p->tables; t->flags; t++)
        for (const struct flag *f = t->flags; f->name; f++) {
            const char *e = f->env && taken(p, f) ? getenv(f->env) : NULL;
            if (!e || !*e || apply(t, f, e, FLAG_FROM_ENV, err, errlen) == 0)
                continue;
            if (*nbad == MAX_ENV_REFUSALS)
                return -1;
            bad[(*nbad)++] = (struct env_refusal){t, f};
        }
    return 0;
}

/* Writes text from column `col` on, wrapped at HELP_WIDTH, continuation lines indented to
 * HELP_TEXT_COLUMN. */
static void wrap(FILE *out, int col, const char *text)
{
    const char *s = text;
    while (*s) {
        while (*s == ' ')
            s++;
        size_t word = strcspn(s, " ");
        if (!word)
            break;
        if (col > HELP_TEXT_COLUMN && col + 1 + (int)word > HELP_WIDTH) {
            fprintf(out, "\n%*s", HELP_TEXT_COLUMN, "");
            col = HELP_TEXT_COLUMN;
        } else if (col > HELP_TEXT_COLUMN) {
            fputc(' ', out);
            col++;
        }
        fwrite(s, 1, word, out);
        col += (int)word;
        s += word;
    }
    fputc('\n', out);
}

void flags_help(const struct flag_program *p, FILE *out)
{
    fputs(p->usage, out);
    const char *heading = NULL; /* of a left-out flag: goes before the next one shown */
    for (const struct flag_table *t = p->tables; t->flags; t++)
        for (const struct flag *f = t->flags; f->name; f++) {
            if (f->section)
                heading = f->section;
            if (!taken(p, f))
                continue;
            if (heading)
                fprintf(out, "%s:\n", heading);
            heading = NULL;
            int col = fprintf(out, "  --%s%s%s", f->name, f->value_name ? " " : "",
                              f->value_name ? f->value_name : "");
            if (col >= HELP_TEXT_COLUMN - 1) {
                fprintf(out, "\n%*s", HELP_TEXT_COLUMN, "");
            } else {
                fprintf(out, "%*s", HELP_TEXT_COLUMN - col, "");
            }
            char text[2048];
            size_t n = (size_t)snprintf(text, sizeof(text), "%s", f->help);
            if (f->env && n < sizeof(text))
                n += (size_t)snprintf(text + n, sizeof(text) - n, " [%s]", f->env);
            if (f->def && n < sizeof(text))
                snprintf(text + n, sizeof(text) - n, " (default %s)", f->def);
            wrap(out, HELP_TEXT_COLUMN, text);
        }
    fprintf(out, "  --help, --version\n");
    if (p->help_end)
        p->help_end(out);
}

int flags_parse(int argc, char **argv, const struct flag_program *p)
{
    char err[1024];
    struct env_refusal bad[MAX_ENV_REFUSALS];
    size_t nbad = 0;
    if (apply_defaults(p, err, sizeof(err), bad, &nbad) < 0) {
        fprintf(stderr, "%s: %s\n", p->name, err);
        return 2;
    }
    size_t n = 0;
    for (const struct flag_table *t = p->tables; t->flags; t++)
        for (const struct flag *f = t->flags; f->name; f++)
            n++;
    struct option *opts = calloc(n + 3, sizeof(*opts));
    const struct flag **by_index = calloc(n + 1, sizeof(*by_index));
    const struct flag_table **table_of = calloc(n + 1, sizeof(*table_of));
    if (!opts || !by_index || !table_of) {
        free(opts);
        free(by_index);
        free(table_of);
        fprintf(stderr, "%s: out of memory\n", p->name);
        return 1;
    }
    size_t k = 0;
    for (const struct flag_table *t = p->tables; t->flags; t++)
        for (const struct flag *f = t->flags; f->name; f++) {
            if (!taken(p, f))
                continue;
            opts[k] = (struct option){f->name, f->type == FLAG_SWITCH ? no_argument
                                                                        : required_argument,
                                      NULL, 0};
            by_index[k] = f;
            table_of[k++] = t;
        }
    opts[k++] = (struct option){"help", no_argument, NULL, 'h'};
    opts[k++] = (struct option){"version", no_argument, NULL, 'V'};

    int status = -1;
    while (status < 0) {
        int idx = 0;
        int ch = getopt_long(argc, argv, "hV", opts, &idx);
        if (ch == -1)
            break;
        if (ch == 'h') {
            flags_help(p, stdout);
            status = 0;
        } else if (ch == 'V') {
            printf("%s %s\n", p->name, TRAWL_VERSION);
            status = 0;
        } else if (ch != 0) {
            /* getopt_long has named the unknown flag or the missing value. */
            fprintf(stderr, "Try '%s --help'.\n", p->name);
            status = 2;
        } else if (apply(table_of[idx], by_index[idx], optarg, FLAG_FROM_ARGV, err,
                         sizeof(err)) < 0) {
            fprintf(stderr, "%s: %s\n", p->name, err);
            status = 2;
        } else {
            for (size_t i = 0; i < nbad; i++)
                if (bad[i].f == by_index[idx])
                    bad[i].f = NULL; /* given: its variable does not matter */
        }
    }
    /* The first refused variable whose flag was not given; applied again for its message
     * (a refused value leaves its field alone). */
    for (size_t i = 0; status < 0 && i < nbad; i++)
        if (bad[i].f && apply(bad[i].t, bad[i].f, getenv(bad[i].f->env), FLAG_FROM_ENV, err,
                              sizeof(err)) < 0) {
            fprintf(stderr, "%s: %s\n", p->name, err);
            status = 2;
        }
    free(opts);
    free(by_index);
    free(table_of);
    return status;
}
