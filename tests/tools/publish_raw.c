/* publish_raw.c -- test tool: publishes each FILE's whole content, byte for byte, as one
 * persistent message on a queue, with publisher confirms. The producer validates what it
 * sends; tests of the worker's defences need to send what the producer never would. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"

static void on_confirm(uint64_t seq, int multiple, int ok, void *arg)
{
    uint64_t *confirmed = arg;
    (void)multiple;
    if (ok && seq > *confirmed)
        *confirmed = seq;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: publish-raw AMQP_URL QUEUE CONTENT_TYPE FILE...\n");
        return 2;
    }
    char err[1024];
    struct broker *b = broker_connect(argv[1], "argv", "publish-raw", 30, 10000, err, sizeof(err));
    if (!b || broker_confirm_select(b, err, sizeof(err)) < 0) {
        fprintf(stderr, "publish-raw: %s\n", err);
        return 1;
    }
    int64_t last = 0;
    for (int i = 4; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 1;
        }
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        rewind(f);
        char *body = malloc((size_t)len + 1);
        if (!body || fread(body, 1, (size_t)len, f) != (size_t)len) {
            fprintf(stderr, "publish-raw: cannot read %s\n", argv[i]);
            return 1;
        }
        fclose(f);
        last = broker_publish(b, argv[2], body, (size_t)len, argv[3]);
        free(body);
        if (last < 0) {
            fprintf(stderr, "publish-raw: %s\n", broker_error(b));
            return 1;
        }
    }
    uint64_t confirmed = 0;
    struct broker_events ev = {.on_confirm = on_confirm, .arg = &confirmed};
    for (int tries = 0; confirmed < (uint64_t)last && tries < 100; tries++)
        if (broker_wait(b, &ev, 100) < 0) {
            fprintf(stderr, "publish-raw: %s\n", broker_error(b));
            return 1;
        }
    broker_free(b);
    if (confirmed < (uint64_t)last) {
        fprintf(stderr, "publish-raw: not confirmed within 10 s\n");
        return 1;
    }
    return 0;
}
