/* utf8_test.c -- the UTF-8 validator: a table after Markus Kuhn's UTF-8 decoder stress test,
 * the 8-byte ASCII fast path at every alignment, every lead and second byte against a decoder
 * written from the code point ranges, and text_plain_utf8 (valid and no ESC) on top. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "text.h"
#include "utf8.h"

/* S("...") gives the bytes and their count, embedded NULs included. */
#define S(lit) lit, sizeof(lit) - 1

static const struct {
    const char *name;
    const char *s;
    size_t n;
    int valid;
    size_t first; /* utf8_seq_len of the first byte(s) */
} cases[] = {
    {"empty", S(""), 1, 0},
    {"1 greek kosme", S("\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5"), 1, 2},
    /* 2.1 First possible sequence of each length. */
    {"2.1.1 U+0000", S("\x00"), 1, 1},
    {"2.1.2 U+0080", S("\xC2\x80"), 1, 2},
    {"2.1.3 U+0800", S("\xE0\xA0\x80"), 1, 3},
    {"2.1.4 U+10000", S("\xF0\x90\x80\x80"), 1, 4},
    {"2.1.5 5 bytes", S("\xF8\x88\x80\x80\x80"), 0, 0},
    {"2.1.6 6 bytes", S("\xFC\x84\x80\x80\x80\x80"), 0, 0},
    /* 2.2 Last possible sequence of each length. */
    {"2.2.1 U+007F", S("\x7F"), 1, 1},
    {"2.2.2 U+07FF", S("\xDF\xBF"), 1, 2},
    {"2.2.3 U+FFFF", S("\xEF\xBF\xBF"), 1, 3},
    {"2.2.4 U+1FFFFF", S("\xF7\xBF\xBF\xBF"), 0, 0},
    /* 2.3 Other boundaries. */
    {"2.3.1 U+D7FF", S("\xED\x9F\xBF"), 1, 3},
    {"2.3.2 U+E000", S("\xEE\x80\x80"), 1, 3},
    {"2.3.3 U+FFFD", S("\xEF\xBF\xBD"), 1, 3},
    {"2.3.4 U+10FFFF", S("\xF4\x8F\xBF\xBF"), 1, 4},
    {"2.3.5 U+110000", S("\xF4\x90\x80\x80"), 0, 0},
    {"lead F5", S("\xF5\x80\x80\x80"), 0, 0},
    /* 3.1 Unexpected continuation bytes. */
    {"3.1.1 80", S("\x80"), 0, 0},
    {"3.1.2 BF", S("\xBF"), 0, 0},
    {"3.1.3 80 BF", S("\x80\xBF"), 0, 0},
    {"3.1.4 after a valid char", S("a\xC3\xA9\x80"), 0, 1},
    /* 3.2 Lonely start characters. */
    {"3.2.1 C0 space", S("\xC0 "), 0, 0},
    {"3.2.1 C2 space", S("\xC2 "), 0, 0},
    {"3.2.2 E0 space", S("\xE0 "), 0, 0},
    {"3.2.3 F0 space", S("\xF0 "), 0, 0},
    {"3.2.4 F8 space", S("\xF8 "), 0, 0},
    {"3.2.5 FC space", S("\xFC "), 0, 0},
    /* 3.3 Last continuation byte missing, and 3.4 their concatenation. */
    {"3.3.1 C2", S("\xC2"), 0, 0},
    {"3.3.2 E2 82", S("\xE2\x82"), 0, 0},
    {"3.3.3 F0 9F 98", S("\xF0\x9F\x98"), 0, 0},
    {"3.3.4 DF", S("\xDF"), 0, 0},
    {"3.3.5 EF BF", S("\xEF\xBF"), 0, 0},
    {"3.3.6 F4 8F BF", S("\xF4\x8F\xBF"), 0, 0},
    {"3.3 cut after ASCII", S("abcdefghij\xE2\x82"), 0, 1},
    {"3.4 concatenated", S("\xC2\xE2\x82\xF0\x9F\x98"), 0, 0},
    {"3.3 missing mid-string", S("\xE2\x82z"), 0, 0},
    /* 3.5 Impossible bytes. */
    {"3.5.1 FE", S("\xFE"), 0, 0},
    {"3.5.2 FF", S("\xFF"), 0, 0},
    {"3.5.3 FE FE FF FF", S("\xFE\xFE\xFF\xFF"), 0, 0},
    /* 4.1 Overlong '/'. */
    {"4.1.1 C0 AF", S("\xC0\xAF"), 0, 0},
    {"4.1.2 E0 80 AF", S("\xE0\x80\xAF"), 0, 0},
    {"4.1.3 F0 80 80 AF", S("\xF0\x80\x80\xAF"), 0, 0},
    {"4.1.4 F8 80 80 80 AF", S("\xF8\x80\x80\x80\xAF"), 0, 0},
    /* 4.2 Largest overlongs. */
    {"4.2.1 C1 BF", S("\xC1\xBF"), 0, 0},
    {"4.2.2 E0 9F BF", S("\xE0\x9F\xBF"), 0, 0},
    {"4.2.3 F0 8F BF BF", S("\xF0\x8F\xBF\xBF"), 0, 0},
    /* 4.3 Overlong NUL. */
    {"4.3.1 C0 80", S("\xC0\x80"), 0, 0},
    {"4.3.2 E0 80 80", S("\xE0\x80\x80"), 0, 0},
    {"4.3.3 F0 80 80 80", S("\xF0\x80\x80\x80"), 0, 0},
    /* 5.1 Single surrogates, 5.2 paired ones. */
    {"5.1.1 U+D800", S("\xED\xA0\x80"), 0, 0},
    {"5.1.3 U+DB80", S("\xED\xAE\x80"), 0, 0},
    {"5.1.4 U+DBFF", S("\xED\xAF\xBF"), 0, 0},
    {"5.1.5 U+DC00", S("\xED\xB0\x80"), 0, 0},
    {"5.1.7 U+DFFF", S("\xED\xBF\xBF"), 0, 0},
    {"5.2.1 U+D800 U+DC00", S("\xED\xA0\x80\xED\xB0\x80"), 0, 0},
    /* 5.3 Noncharacters are valid UTF-8. */
    {"5.3.1 U+FFFE", S("\xEF\xBF\xBE"), 1, 3},
    {"5.3.3 U+FDD0", S("\xEF\xB7\x90"), 1, 3},
    {"5.3.4 U+10FFFE", S("\xF4\x8F\xBF\xBE"), 1, 4},
    /* Wrong continuation: an ASCII or lead byte where a continuation byte belongs. */
    {"E2 41 AC", S("\xE2\x41\xAC"), 0, 0},
    {"F0 9F C3 A9", S("\xF0\x9F\xC3\xA9"), 0, 0},
    {"mixed text", S("caf\xC3\xA9 \xE2\x82\xAC 10 \xF0\x9F\x98\x80 ok"), 1, 1},
};

static void check_table(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        int got = utf8_valid(cases[i].s, cases[i].n);
        if (got != cases[i].valid)
            fprintf(stderr, "  [%s] utf8_valid\n", cases[i].name);
        CHECK_EQ(got, cases[i].valid);
        if (cases[i].n == 0)
            continue;
        size_t k = utf8_seq_len(cases[i].s, cases[i].n);
        if (k != cases[i].first)
            fprintf(stderr, "  [%s] utf8_seq_len\n", cases[i].name);
        CHECK_EQ(k, cases[i].first);
    }
    CHECK(utf8_valid(NULL, 0));
    /* n bounds the sequence, not a NUL. */
    CHECK_EQ(utf8_seq_len("\xE2\x82\xAC", 2), 0);
    CHECK_EQ(utf8_seq_len("\xE2\x82\xAC", 3), 3);
    CHECK(!utf8_valid("\xE2\x82\xAC", 2));
    /* utf8_next: a valid sequence stands for itself, one bad byte for U+FFFD. */
    const char *bytes;
    size_t blen;
    const char *euro = "\xE2\x82\xAC!";
    CHECK_EQ(utf8_next(euro, 4, &bytes, &blen), 3);
    CHECK(bytes == euro && blen == 3);
    CHECK_EQ(utf8_next("\xE2\x82", 2, &bytes, &blen), 1);
    CHECK(blen == 3 && memcmp(bytes, "\xEF\xBF\xBD", 3) == 0);
}

/* The 8-byte ASCII path: one bad byte, or one good multibyte character, at every offset of an
 * ASCII run, so that it lands at each alignment and straddles each 8-byte boundary. */
static void check_alignment(void)
{
    char buf[64];
    int bad = 0;
    for (size_t at = 0; at + 4 <= sizeof(buf); at++) {
        memset(buf, 'a', sizeof(buf));
        buf[at] = (char)0x80;
        bad += utf8_valid(buf, sizeof(buf)); /* stray continuation byte */
        buf[at] = (char)0xE2;
        bad += utf8_valid(buf, sizeof(buf)); /* cut short by ASCII */
        bad += utf8_valid(buf, at + 1);      /* cut short by the end */
        memcpy(buf + at, "\xF0\x9F\x98\x80", 4);
        bad += !utf8_valid(buf, sizeof(buf));
        bad += utf8_valid(buf, at + 3);
        buf[at + 1] = (char)0x8F; /* overlong F0 8F */
        bad += utf8_valid(buf, sizeof(buf));
    }
    CHECK_EQ(bad, 0);
}

/* Decodes the sequence at s (len bytes available) the long way, by code point arithmetic:
 * its length when valid, else 0. The oracle for check_every_lead. */
static size_t len_by_decoding(const unsigned char *s, size_t len)
{
    if (s[0] < 0x80)
        return 1;
    size_t want = (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3
                : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (want == 0 || len < want)
        return 0;
    uint32_t cp = s[0] & (0x7F >> want);
    for (size_t i = 1; i < want; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    bool ok = cp >= min_cp[want] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    return ok ? want : 0;
}

/* Every lead byte with every second byte, and the bytes after them at the edges of the
 * continuation range, cut at every length. */
static void check_every_lead(void)
{
    static const unsigned char tail[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0,
                                         0xBF, 0xC0, 0xFF};
    int mismatches = 0;
    for (unsigned a = 0; a < 256; a++)
        for (unsigned b = 0; b < 256; b++)
            for (size_t t = 0; t < sizeof(tail); t++)
                for (size_t len = 1; len <= 4; len++) {
                    unsigned char s[4] = {(unsigned char)a, (unsigned char)b, tail[t], 0x80};
                    size_t want = len_by_decoding(s, len);
                    size_t k = utf8_seq_len((const char *)s, len);
                    if (k != want && mismatches++ < 5)
                        fprintf(stderr, "  %02X %02X %02X 80 (%zu bytes): got %zu, want %zu\n",
                                a, b, tail[t], len, k, want);
                }
    CHECK_EQ(mismatches, 0);
}

/* text_plain_utf8: valid UTF-8 and no ESC (ISO-2022's escapes are ASCII). */
static void check_plain(void)
{
    CHECK(text_plain_utf8((const unsigned char *)"", 0));
    CHECK(text_plain_utf8(NULL, 0));
    CHECK(text_plain_utf8((const unsigned char *)S("<p>caf\xC3\xA9</p>")));
    CHECK(!text_plain_utf8((const unsigned char *)S("<p>caf\xE9</p>")));
    CHECK(!text_plain_utf8((const unsigned char *)S("<p>\x1B$B$3$s\x1B(B</p>")));
    CHECK(!text_plain_utf8((const unsigned char *)S("0123456789abcdef\x1B")));
}

int main(void)
{
    check_table();
    check_alignment();
    check_every_lead();
    check_plain();
    return check_summary();
}
