/* loop.h -- the worker's only thread: level-triggered epoll, one-shot timers and a
 * before-sleep hook. Modelled on redis ae.c; small enough to own and test under ASan.
 *
 * Level-triggered on purpose: curl, hiredis and rabbitmq-c all assume it. Time is uint64_t
 * milliseconds from CLOCK_MONOTONIC. Nothing here allocates per event. */
#ifndef TRAWL_LOOP_H
#define TRAWL_LOOP_H

#include <stddef.h>
#include <stdint.h>

#define LOOP_READ 1
#define LOOP_WRITE 2
#define LOOP_ERROR 4 /* EPOLLERR or EPOLLHUP: delivered with whatever was asked for */

struct loop;
typedef void loop_io_fn(struct loop *l, int fd, int events, void *arg);
typedef void loop_timer_fn(struct loop *l, void *arg);
typedef void loop_hook_fn(struct loop *l, void *arg);

/* A one-shot timer embedded in its owner's struct; zero-initialise it, then start/stop it
 * as often as needed. It must be stopped before its memory is freed. */
struct loop_timer {
    uint64_t due_ms;     /* monotonic deadline while armed */
    size_t heap_index;   /* position in the loop's heap; SIZE_MAX when not armed */
    int armed;           /* 1 while in the heap */
    loop_timer_fn *fn;
    void *arg;
};

/* Returns a new loop, or NULL (errno set) when epoll cannot be created. */
struct loop *loop_new(void);
void loop_free(struct loop *l); /* the loop must not be running; NULL is a no-op */

/* Milliseconds from CLOCK_MONOTONIC: trawl's one clock, read also by the programs that run no
 * loop (the producer and dump). Needs no loop. */
uint64_t loop_now_ms(void);

/* Milliseconds since the Unix epoch (CLOCK_REALTIME): only for times other machines read,
 * such as when a URL is due again; durations use loop_now_ms. */
int64_t loop_wall_ms(void);

/* Watches fd for `events` (LOOP_READ|LOOP_WRITE), replacing any earlier watch on fd (one
 * callback per fd). events == 0 keeps the fd registered for errors only. Returns 0 or -errno. */
int loop_watch(struct loop *l, int fd, int events, loop_io_fn *fn, void *arg);
/* Stops watching fd. A fd that is already closed or unknown is not an error (curl sockets can
 * vanish before CURL_POLL_REMOVE). */
void loop_unwatch(struct loop *l, int fd);

/* Initialises a timer (not armed). */
void loop_timer_init(struct loop_timer *t, loop_timer_fn *fn, void *arg);
/* Arms (or re-arms) t to fire once, delay_ms from now; 0 means on the next iteration, never
 * inline. Returns 0, or -ENOMEM when the heap cannot grow. */
int loop_timer_start(struct loop *l, struct loop_timer *t, uint64_t delay_ms);
void loop_timer_stop(struct loop *l, struct loop_timer *t);

/* Runs fn before every sleep (after events and timers): for draining library buffers and
 * freeing objects marked dead in callbacks. At most LOOP_MAX_HOOKS hooks. */
#define LOOP_MAX_HOOKS 8
int loop_before_sleep(struct loop *l, loop_hook_fn *fn, void *arg);

/* Makes the next sleep return at once (a hook found more work). */
void loop_wake(struct loop *l);

/* Runs until loop_stop. Returns 0, or -errno when epoll_wait fails. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

#endif
