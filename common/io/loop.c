/* loop.c -- epoll, a min-heap of one-shot timers and before-sleep hooks; the worker's only
 * thread. */
#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

struct loop_watcher {
    loop_io_fn *fn;
    void *arg;
    int events; /* LOOP_READ|LOOP_WRITE as last asked; -1 when not registered */
};

struct loop {
    int epfd;
    struct loop_watcher *watchers; /* indexed by fd */
    size_t nwatchers;
    struct loop_timer **heap;      /* min-heap on due_ms */
    size_t nheap, heap_cap;
    struct {
        loop_hook_fn *fn;
        void *arg;
    } hooks[LOOP_MAX_HOOKS];
    int nhooks;
    int stopping;
    int woken;
};

uint64_t loop_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int64_t loop_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct loop *loop_new(void)
{
    struct loop *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (l->epfd < 0) {
        int e = errno;
        free(l);
        errno = e;
        return NULL;
    }
    return l;
}

void loop_free(struct loop *l)
{
    if (!l)
        return;
    close(l->epfd);
    free(l->watchers);
    free(l->heap);
    free(l);
}

static int grow_watchers(struct loop *l, int fd)
{
    if ((size_t)fd < l->nwatchers)
        return 0;
    size_t n = l->nwatchers ? l->nwatchers : 64;
    while (n <= (size_t)fd)
        n *= 2;
    struct loop_watcher *w = realloc(l->watchers, n * sizeof(*w));
    if (!w)
        return -ENOMEM;
    for (size_t i = l->nwatchers; i < n; i++)
        w[i] = (struct loop_watcher){.events = -1};
    l->watchers = w;
    l->nwatchers = n;
    return 0;
}

int loop_watch(struct loop *l, int fd, int events, loop_io_fn *fn, void *arg)
{
    if (fd < 0)
        return -EBADF;
    int rc = grow_watchers(l, fd);
    if (rc < 0)
        return rc;
    struct loop_watcher *w = &l->watchers[fd];
    struct epoll_event ev = {.events = (events & LOOP_READ ? EPOLLIN : 0u) |
                                       (events & LOOP_WRITE ? EPOLLOUT : 0u),
                             .data.fd = fd};
    /* MOD with ADD as fallback (and the reverse): our table can be stale when a library closed
     * a socket and the kernel reused its number before we were told. */
    int op = w->events >= 0 ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(l->epfd, op, fd, &ev) < 0) {
        if (errno == ENOENT)
            op = EPOLL_CTL_ADD;
        else if (errno == EEXIST)
            op = EPOLL_CTL_MOD;
        else
            return -errno;
        if (epoll_ctl(l->epfd, op, fd, &ev) < 0)
            return -errno;
    }
    w->fn = fn;
    w->arg = arg;
    w->events = events;
    return 0;
}

void loop_unwatch(struct loop *l, int fd)
{
    if (fd < 0 || (size_t)fd >= l->nwatchers || l->watchers[fd].events < 0)
        return;
    /* EBADF/ENOENT mean "already gone" (closing a fd removes it from epoll). */
    epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
    l->watchers[fd] = (struct loop_watcher){.events = -1};
}

/* -- timers: a binary min-heap; each timer knows its index, so stop is O(log n). -- */

static void heap_swap(struct loop *l, size_t a, size_t b)
{
    struct loop_timer *t = l->heap[a];
    l->heap[a] = l->heap[b];
    l->heap[b] = t;
    l->heap[a]->heap_index = a;
    l->heap[b]->heap_index = b;
}

static void heap_up(struct loop *l, size_t i)
{
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (l->heap[parent]->due_ms <= l->heap[i]->due_ms)
            break;
        heap_swap(l, i, parent);
        i = parent;
    }
}

static void heap_down(struct loop *l, size_t i)
{
    for (;;) {
        size_t left = 2 * i + 1, right = left + 1, min = i;
        if (left < l->nheap && l->heap[left]->due_ms < l->heap[min]->due_ms)
            min = left;
        if (right < l->nheap && l->heap[right]->due_ms < l->heap[min]->due_ms)
            min = right;
        if (min == i)
            return;
        heap_swap(l, i, min);
        i = min;
    }
}

void loop_timer_init(struct loop_timer *t, loop_timer_fn *fn, void *arg)
{
    *t = (struct loop_timer){.heap_index = SIZE_MAX, .fn = fn, .arg = arg};
}

void loop_timer_stop(struct loop *l, struct loop_timer *t)
{
    if (!t->armed)
        return;
    size_t i = t->heap_index, last = l->nheap - 1;
    if (i != last) {
        heap_swap(l, i, last);
        l->nheap--;
        heap_down(l, i);
        heap_up(l, i);
    } else {
        l->nheap--;
    }
    t->armed = 0;
    t->heap_index = SIZE_MAX;
}

int loop_timer_start(struct loop *l, struct loop_timer *t, uint64_t delay_ms)
{
    loop_timer_stop(l, t);
    if (l->nheap == l->heap_cap) {
        size_t cap = l->heap_cap ? l->heap_cap * 2 : 64;
        struct loop_timer **h = realloc(l->heap, cap * sizeof(*h));
        if (!h)
            return -ENOMEM;
        l->heap = h;
        l->heap_cap = cap;
    }
    t->due_ms = loop_now_ms() + delay_ms;
    t->armed = 1;
    t->heap_index = l->nheap;
    l->heap[l->nheap++] = t;
    heap_up(l, t->heap_index);
    return 0;
}

int loop_before_sleep(struct loop *l, loop_hook_fn *fn, void *arg)
{
    if (l->nhooks == LOOP_MAX_HOOKS)
        return -ENOSPC;
    l->hooks[l->nhooks].fn = fn;
    l->hooks[l->nhooks].arg = arg;
    l->nhooks++;
    return 0;
}

void loop_wake(struct loop *l)
{
    l->woken = 1;
}

void loop_stop(struct loop *l)
{
    l->stopping = 1;
}

static void run_due_timers(struct loop *l)
{
    /* Only timers due at entry run now: one re-armed with 0 ms runs next iteration, so a
     * timer cannot starve I/O. */
    uint64_t now = loop_now_ms();
    size_t budget = l->nheap;
    while (budget-- > 0 && l->nheap > 0 && l->heap[0]->due_ms <= now) {
        struct loop_timer *t = l->heap[0];
        loop_timer_stop(l, t);
        t->fn(l, t->arg);
        if (l->stopping)
            return;
    }
}

int loop_run(struct loop *l)
{
    struct epoll_event events[256];
    l->stopping = 0;
    while (!l->stopping) {
        l->woken = 0;
        for (int i = 0; i < l->nhooks && !l->stopping; i++)
            l->hooks[i].fn(l, l->hooks[i].arg);
        if (l->stopping)
            break;

        int timeout_ms = -1;
        if (l->woken) {
            timeout_ms = 0;
        } else if (l->nheap > 0) {
            uint64_t now = loop_now_ms(), due = l->heap[0]->due_ms;
            timeout_ms = due <= now ? 0 : (int)(due - now > 60000 ? 60000 : due - now);
        }
        int n = epoll_wait(l->epfd, events, 256, timeout_ms);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        for (int i = 0; i < n && !l->stopping; i++) {
            int fd = events[i].data.fd;
            if ((size_t)fd >= l->nwatchers || l->watchers[fd].events < 0)
                continue; /* unwatched by an earlier callback in this batch */
            struct loop_watcher *w = &l->watchers[fd];
            int mask = 0;
            if (events[i].events & EPOLLIN)
                mask |= LOOP_READ;
            if (events[i].events & EPOLLOUT)
                mask |= LOOP_WRITE;
            if (events[i].events & (EPOLLERR | EPOLLHUP))
                mask |= LOOP_ERROR;
            w->fn(l, fd, mask, w->arg);
        }
        if (!l->stopping)
            run_due_timers(l);
    }
    return 0;
}
