/* header.c -- user header lines checked at start-up: a bad one stops the worker with its name,
 * never reaches a server (a CR or LF in a value would split the request). */
#include "header.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* RFC 9110 5.6.2: tchar. */
static int is_token_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Headers the user may not set this way, and where to go instead. */
static const struct {
    const char *name;
    const char *why;
} REFUSED[] = {
    {"User-Agent", "set it with --user-agent (its first word also picks the robots.txt group)"},
    {"Content-Length", "the worker sends no request body"},
    {"Transfer-Encoding", "the worker sends no request body"},
};

char *header_line(const char *name, size_t name_len, const char *value, char *err,
                  size_t errlen)
{
    if (name_len == 0) {
        snprintf(err, errlen, "expected NAME: VALUE (no header name)");
        return NULL;
    }
    for (size_t i = 0; i < name_len; i++)
        if (!is_token_char((unsigned char)name[i])) {
            snprintf(err, errlen, "not a valid header name (letters, digits and "
                     "!#$%%&'*+-.^_`|~ only)");
            return NULL;
        }
    for (size_t i = 0; i < sizeof(REFUSED) / sizeof(REFUSED[0]); i++)
        if (strlen(REFUSED[i].name) == name_len &&
            strncasecmp(name, REFUSED[i].name, name_len) == 0) {
            snprintf(err, errlen, "%s cannot be set as a header: %s", REFUSED[i].name,
                     REFUSED[i].why);
            return NULL;
        }
    while (*value == ' ' || *value == '\t')
        value++;
    size_t n = strlen(value);
    while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
        n--;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)value[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            if (c == '\r' || c == '\n')
                snprintf(err, errlen, "the value holds a CR or LF (it would split the request)");
            else
                snprintf(err, errlen, "the value holds a control byte (0x%02x)", c);
            return NULL;
        }
    }
    if (name_len + n + 2 > HEADER_MAX_BYTES) {
        snprintf(err, errlen, "longer than %d bytes", HEADER_MAX_BYTES);
        return NULL;
    }
    char *line = malloc(name_len + n + 3);
    if (!line) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (n == 0)
        snprintf(line, name_len + 2, "%.*s;", (int)name_len, name);
    else
        snprintf(line, name_len + n + 3, "%.*s: %.*s", (int)name_len, name, (int)n, value);
    return line;
}

char *header_parse(const char *text, char *err, size_t errlen)
{
    const char *colon = strchr(text, ':');
    if (!colon) {
        snprintf(err, errlen, "expected NAME: VALUE");
        return NULL;
    }
    return header_line(text, (size_t)(colon - text), colon + 1, err, errlen);
}

/* The length of a line's name: up to its ':' or ';'. */
static size_t name_len(const char *line)
{
    return strcspn(line, ":;");
}

int header_same_name(const char *a, const char *b)
{
    size_t n = name_len(a);
    return n == name_len(b) && strncasecmp(a, b, n) == 0;
}
