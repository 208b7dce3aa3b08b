/* flags.h -- a program's command line as tables: each flag's name, value, bounds, default,
 * help text and target field, read by one parser that sets the fields, checks the values
 * and writes --help (redis's config table, in spirit). A default is written as text and
 * parsed like a given value, so the one in --help is the one in force.
 *
 * Strings set from argv, the environment or a default are borrowed: they live as long as
 * the process. */
#ifndef TRAWL_FLAGS_H
#define TRAWL_FLAGS_H

#include <stddef.h>
#include <stdio.h>

enum flag_type {
    FLAG_SWITCH,    /* takes no value: sets an int to 1 */
    FLAG_INT,       /* a whole number in [min, max], into an int */
    FLAG_UINT,      /* ... an unsigned */
    FLAG_SIZE,      /* ... a size_t */
    FLAG_LONG,      /* ... a long */
    FLAG_SECONDS,   /* seconds, fractions allowed, in [min, max], into a double */
    FLAG_DURATION,  /* a number with an optional unit s, m, h or d ("15m"), in seconds within
                       [min, max], into a double */
    FLAG_MS,        /* seconds in [min, max], into a uint64_t of milliseconds */
    FLAG_LONG_MS,   /* seconds in [min, max], into a long of milliseconds */
    FLAG_STRING,    /* into a const char * */
    FLAG_CHOICE,    /* one of `choices`, into an int: the value at the same index of
                       `choice_values` */
    FLAG_CUSTOM,    /* `set` parses it */
};

/* Where a flag's value came from, when the flag keeps it (keep_origin). */
enum flag_origin {
    FLAG_FROM_DEFAULT = 0,      /* its default (or the field as initialised) */
    FLAG_FROM_ENV,              /* its environment variable */
    FLAG_FROM_ARGV,             /* the command line */
};

/* Parses value into the field at target; 0, or -1 with err saying what was expected (the
 * parser puts "--NAME 'VALUE': " before it). */
typedef int flag_set_fn(void *target, const char *value, char *err, size_t errlen);

struct flag {
    const char *name;           /* without the dashes; NULL ends a table */
    const char *value_name;     /* "N", "SECONDS", ... in --help; NULL for a switch */
    enum flag_type type;
    size_t offset;              /* of the target field in the table's struct */
    double min, max;            /* numbers: inclusive bounds */
    const char *def;            /* the default, as a value; NULL: the field as initialised */
    const char *help;           /* one paragraph, wrapped by --help; "(default X)" is added
                                   when def is set */
    const char *const *choices; /* FLAG_CHOICE: the names, NULL-ended */
    const int *choice_values;
    flag_set_fn *set;           /* FLAG_CUSTOM */
    const char *env;            /* an environment variable read before the flags, or NULL */
    const char *section;        /* a --help heading printed before this flag, or NULL */
    const char *only_in;        /* for a flag of a table several programs share: the programs
                                   that take it ("trawl-producer trawl-worker"), or NULL for
                                   all. Elsewhere it is neither read (argv, environment) nor
                                   listed by --help. */
    int keep_origin;            /* 1: where the value came from is stored, as an enum
                                   flag_origin, at origin_offset (for messages such as
                                   "cannot connect ... (from TRAWL_AMQP_URL)") */
    size_t origin_offset;
    int redact;                 /* 1: a URL that may hold a password: a message quoting a bad
                                   value masks everything before its last '@' */
    int joins;                  /* 1: given several times on the command line, the values
                                   are joined with commas into one list (needs keep_origin);
                                   the environment's or default value is replaced */
};

/* A table and the struct its offsets point into. */
struct flag_table {
    const struct flag *flags;
    void *target;
};

struct flag_program {
    const char *name;           /* "trawl-worker", for messages and --version */
    const char *usage;          /* printed by --help before the flags */
    const struct flag_table *tables; /* ended by {NULL, NULL}; the program's own first */
    void (*help_end)(FILE *out);/* printed by --help after the flags, or NULL */
};

/* Sets every table's defaults, then the environment's values, then reads argv: --help and
 * --version (on stdout), each flag into its field. Returns -1 when the program goes on, its
 * operands from argv[optind]; else the exit status: 0 after --help or --version, 2 after a
 * bad flag, value or environment variable (said on stderr as "PROGRAM: --NAME 'VALUE':
 * expected ..."). */
int flags_parse(int argc, char **argv, const struct flag_program *p);

/* Writes --help to out. */
void flags_help(const struct flag_program *p, FILE *out);

#endif
