/* log_test.c -- the key=value detail as --log-format json writes it: real fields. */
#include <jansson.h>
#include <stdlib.h>

#include "check.h"
#include "log.h"

/* The detail's fields as compact JSON, keys sorted (the line's own keys left out). */
static char *fields(const char *detail)
{
    json_t *o = json_pack("{s:s}", "msg", "event");
    log_detail_to_json(detail, o);
    json_object_del(o, "msg");
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return s;
}

static void case_(const char *detail, const char *want)
{
    char *got = fields(detail);
    CHECK_STR_EQ_CTX(detail, got, want);
    free(got);
}

int main(void)
{
    /* Numbers as numbers, words as strings. */
    case_("records=300 dead=0 in_hand=12", "{\"dead\":0,\"in_hand\":12,\"records\":300}");
    case_("grace_s=2.5 late=-40", "{\"grace_s\":2.5,\"late\":-40}");
    case_("queue=trawl.urls rate=2/s", "{\"queue\":\"trawl.urls\",\"rate\":\"2/s\"}");
    /* What only looks like a number stays text: a leading zero, a version, a bare dot. */
    case_("code=007 version=1.2.3 x=. y=- z=1.", "{\"code\":\"007\",\"version\":\"1.2.3\","
                                                 "\"x\":\".\",\"y\":\"-\",\"z\":\"1.\"}");
    /* Too big for an integer: still a number. */
    case_("n=123456789012345678901234", "{\"n\":1.2345678901234569e23}");
    /* Quoted values keep their spaces, even a quote inside that no space follows. */
    case_("err=\"connection refused\" n=1", "{\"err\":\"connection refused\",\"n\":1}");
    case_("err=\"said \"no\"\"", "{\"err\":\"said \\\"no\\\"\"}");
    case_("err=\"\"", "{\"err\":\"\"}");
    /* An unclosed quote: the rest of the line, quote included. */
    case_("err=\"oops x=1", "{\"err\":\"\\\"oops\",\"x\":1}");
    /* Free text becomes one note, parentheses kept whole. */
    case_("count=3 (publishing again)", "{\"count\":3,\"note\":\"(publishing again)\"}");
    case_("signal received", "{\"note\":\"signal received\"}");
    case_("", "{}");
    /* A key the line already has is not overwritten. */
    char *got = NULL;
    json_t *o = json_pack("{s:s}", "msg", "event");
    log_detail_to_json("msg=other", o);
    got = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_STR_EQ(got, "{\"detail_msg\":\"other\",\"msg\":\"event\"}");
    free(got);
    json_decref(o);

    /* Passwords are masked, the user kept; in a list each member is, and a comma inside a
     * password does not split it. */
    static const char *const redacted[][2] = {
        {"amqp://guest:pw@h:1", "amqp://guest:***@h:1"},
        {"amqp://u:a@b@h/vh", "amqp://u:***@h/vh"},
        {"u:secret@h:5672", "***@h:5672"},
        {"amqp://h:1", "amqp://h:1"},
        {"redis://:pw@h/0", "redis://:***@h/0"},
        {"amqp://a:x@h:1,amqp://b:y@k:2", "amqp://a:***@h:1,amqp://b:***@k:2"},
        {"amqp://a:p,q@h:1,amqp://k:2", "amqp://a:***@h:1,amqp://k:2"},
        {"amqp://a:x@h:1,", "amqp://a:***@h:1,"},
    };
    char buf[256];
    for (size_t i = 0; i < sizeof(redacted) / sizeof(*redacted); i++)
        CHECK_STR_EQ_CTX(redacted[i][0], log_redact_url(redacted[i][0], buf, sizeof(buf)),
                         redacted[i][1]);
    /* Cut to the buffer, never past it. */
    CHECK_STR_EQ(log_redact_url("amqp://a:x@host:1,amqp://b:y@k:2", buf, 12), "amqp://a:**");
    return check_summary();
}
