/* loop_test.c -- timers fire in deadline order, stop works from anywhere in the heap, 0 ms
 * timers never run inline, fds and before-sleep hooks are served. */
#include <stdint.h>
#include <unistd.h>

#include "check.h"
#include "loop.h"

#define NTIMERS 200

static int order[NTIMERS], nfired;
static uint64_t fired_due[NTIMERS]; /* deadlines in firing order: must never decrease */

struct tctx {
    int id;
    struct loop_timer t;
};

static void on_timer(struct loop *l, void *arg)
{
    struct tctx *c = arg;
    fired_due[nfired] = c->t.due_ms;
    order[nfired++] = c->id;
    if (nfired == NTIMERS - NTIMERS / 4) /* a quarter are stopped below */
        loop_stop(l);
}

static int hook_runs;
static void on_hook(struct loop *l, void *arg)
{
    (void)l;
    (void)arg;
    hook_runs++;
}

static int pipe_reads;
static void on_readable(struct loop *l, int fd, int events, void *arg)
{
    char c;
    (void)arg;
    CHECK(events & LOOP_READ);
    if (read(fd, &c, 1) == 1)
        pipe_reads++;
    loop_unwatch(l, fd);
    loop_stop(l);
}

static int zero_ran;
static void on_zero(struct loop *l, void *arg)
{
    (void)arg;
    zero_ran = 1;
    loop_stop(l);
}

int main(void)
{
    struct loop *l = loop_new();
    CHECK(l != NULL);
    CHECK_EQ(loop_before_sleep(l, on_hook, NULL), 0);

    /* Deadlines in a scrambled order, 1..NTIMERS ms; stop every fourth. */
    static struct tctx ctx[NTIMERS];
    for (int i = 0; i < NTIMERS; i++) {
        int id = (i * 37) % NTIMERS;
        ctx[i].id = id;
        loop_timer_init(&ctx[i].t, on_timer, &ctx[i]);
        CHECK_EQ(loop_timer_start(l, &ctx[i].t, (uint64_t)id + 1), 0);
    }
    for (int i = 0; i < NTIMERS; i++)
        if (ctx[i].id % 4 == 3)
            loop_timer_stop(l, &ctx[i].t);
    CHECK_EQ(loop_run(l), 0);
    CHECK_EQ(nfired, NTIMERS - NTIMERS / 4);
    int sorted = 1, stopped_fired = 0;
    for (int i = 0; i < nfired; i++) {
        /* By deadline, not by id: timers armed a millisecond apart can share a deadline. */
        if (i > 0 && fired_due[i] < fired_due[i - 1])
            sorted = 0;
        if (order[i] % 4 == 3)
            stopped_fired = 1;
    }
    CHECK(sorted);
    CHECK(!stopped_fired);
    CHECK(hook_runs > 0);

    /* A 0 ms timer runs on the next iteration, not inside loop_timer_start. */
    struct loop_timer z;
    loop_timer_init(&z, on_zero, NULL);
    loop_timer_start(l, &z, 0);
    CHECK_EQ(zero_ran, 0);
    CHECK_EQ(loop_run(l), 0);
    CHECK_EQ(zero_ran, 1);

    /* A readable pipe. Watching an fd twice replaces the first watch. */
    int p[2];
    CHECK_EQ(pipe(p), 0);
    CHECK_EQ(loop_watch(l, p[0], LOOP_READ, on_readable, NULL), 0);
    CHECK_EQ(loop_watch(l, p[0], LOOP_READ, on_readable, NULL), 0);
    CHECK_EQ(write(p[1], "x", 1), 1);
    CHECK_EQ(loop_run(l), 0);
    CHECK_EQ(pipe_reads, 1);
    /* Unwatching a closed or unknown fd is harmless. */
    close(p[0]);
    close(p[1]);
    loop_unwatch(l, p[0]);
    loop_unwatch(l, 12345);

    loop_free(l);
    return check_summary();
}
