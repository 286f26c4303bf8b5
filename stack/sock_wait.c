/*
 * sock_wait.c - blocking: how a call sleeps on a socket, how the stack
 * wakes it, timeouts on the stack's clock, and glass_poll.
 *
 * A blocked call sleeps on its socket's condition variable with the stack
 * mutex (pthread_cond_wait), so it costs nothing while it waits.  Whoever
 * runs the protocols -- the stack thread, or a test thread calling
 * glass_stack_poll on a virtual clock -- queues a datagram and calls
 * sock_wakeup, which broadcasts the condition and writes the socket's
 * eventfd (for glass_poll).
 *
 * When nobody else runs the stack (no glass_stack_start, real clock: a
 * single-threaded program like glass-ping), the blocked call drives the
 * stack itself: unlock, glass_stack_poll until the deadline, relock,
 * check again.
 *
 * Timeouts are on the stack's clock: a timer armed for the deadline marks
 * the wait expired and wakes the socket.  On a virtual clock a test moves
 * time on and the wait ends exactly when the timer fires, never before.
 * (So on a virtual clock some other thread must run the stack: a lone
 * thread blocking there would wait for a time that never comes.)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "socket.h"
#include "stack.h"
#include "tcp.h"
#include "timer.h"
#include "trace.h"

/* ---- waking ----------------------------------------------------------------- */

static void sock_signal_fd(struct glass_sock *sk)
{
    uint64_t one = 1;
    /* EAGAIN: the counter is already non-zero, a wake-up is pending. */
    if (write(sk->fd, &one, sizeof one) < 0 && errno != EAGAIN)
        TRACE(sk->stack, GLASS_TRACE_SOCKET, "sock  fd %d: eventfd write failed", sk->fd);
}

void sock_wakeup(struct glass_sock *sk)
{
    pthread_cond_broadcast(&sk->cond);
    sock_signal_fd(sk);
    /* A caller driving the stack sleeps in poll(2) on the stack's fds,
     * not on the condition: its wake-up goes through the wake fd. */
    if (sk->drivers)
        glass_stack_wake(sk->stack);
}

void sock_set_error(struct glass_sock *sk, int err)
{
    sk->so_error = err;
    sock_wakeup(sk);
}

/* ---- waiting ------------------------------------------------------------------ */

struct sock_waiter {
    struct glass_timer timer;
    struct glass_sock *sk;
    bool expired;
};

static void sock_wait_expired(struct glass_stack *stack, void *arg)
{
    struct sock_waiter *w = arg;
    (void)stack;
    w->expired = true;
    sock_wakeup(w->sk);
}

/* Milliseconds from now to deadline, rounded up; -1 for none. */
static int ms_until(struct glass_stack *stack, glass_time_t deadline)
{
    if (deadline == TIMER_NEVER)
        return -1;
    glass_time_t now = glass_stack_now(stack);
    if (now >= deadline)
        return 0;
    glass_time_t ms = (deadline - now + GLASS_USEC_PER_MSEC - 1) / GLASS_USEC_PER_MSEC;
    return ms > 1000000 ? 1000000 : (int)ms;
}

/* Someone else runs the stack: its own thread, or (virtual clock) the
 * test that moves time.  Otherwise the waiting caller must. */
static bool sock_stack_driven(const struct glass_stack *stack)
{
    return stack->thread_running || glass_clock_is_virtual(stack->clock);
}

int sock_wait(struct glass_sock *sk, sock_ready_fn ready, glass_time_t timeout)
{
    struct glass_stack *stack = sk->stack;
    glass_time_t deadline = timeout ? glass_stack_now(stack) + timeout : TIMER_NEVER;
    struct sock_waiter w = {.sk = sk};
    timer_init(&w.timer, "sock-timeout", sock_wait_expired, &w);
    bool driven = sock_stack_driven(stack);
    if (driven && deadline != TIMER_NEVER)
        timer_arm_at(stack, &w.timer, deadline);
    int rc;
    sk->waiters++;
    for (;;) {
        if (sk->closed) {
            rc = -EBADF;        /* closed by another thread: see glass.h */
            break;
        }
        if (ready(sk)) {
            rc = 0;
            break;
        }
        if (w.expired || glass_stack_now(stack) >= deadline) {
            STAT_INC(stack, socket, timeouts);
            rc = -EAGAIN;
            break;
        }
        if (driven) {
            pthread_cond_wait(&sk->cond, &stack->lock);
            continue;
        }
        sk->drivers++;
        glass_stack_unlock(stack);
        glass_stack_poll(stack, ms_until(stack, deadline));
        glass_stack_lock(stack);
        sk->drivers--;
    }
    sk->waiters--;
    timer_cancel(stack, &w.timer);
    return rc;
}

/* ---- readiness ------------------------------------------------------------------ */

/* What the next call would do, in poll(2) terms (Linux datagram_poll,
 * and tcp_poll for streams). */
short sock_poll_events(const struct glass_sock *sk)
{
    short ev = 0;
    if (sk->closed)
        return POLLNVAL;
    if (sk->type == SOCK_STREAM) {
        /* Linux tcp_poll (tcp_user.c); an ICMP error on the socket too. */
        ev = sk->tcb ? tcp_user_poll(sk->tcb) : POLLOUT | POLLHUP;
        return sk->so_error ? ev | POLLERR : ev;
    }
    if (sk->so_error)
        ev |= POLLERR;
    if (sk->rcvq.count || sk->shut_rd)
        ev |= POLLIN | POLLRDNORM;
    if (sk->shut_rd && sk->shut_wr)
        ev |= POLLHUP;
    /* UDP sends synchronously: there is always room to send. */
    ev |= POLLOUT | POLLWRNORM;
    return ev;
}

/* ---- glass_poll ---------------------------------------------------------------------
 *
 * poll(2) over ordinary descriptors and glass sockets together.  Each
 * glass socket is represented in the kernel's poll set by its eventfd;
 * its real readiness is recomputed under its stack's lock after every
 * wake-up, so what glass_poll reports is what the next call would do.
 * The eventfd is drained before readiness is computed: a change after
 * that writes it again and the next poll(2) returns at once.  (Two
 * threads polling the same socket may steal each other's wake-up; then
 * the other notices at its timeout.  Give each socket one poller.) */

#define POLL_MAX_STACKS 8
#define POLL_STACK_FDS 16

struct poll_ctx {
    struct pollfd *fds;
    nfds_t nfds;
    struct glass_sock **sks;    /* per entry: the glass socket, or NULL */
    struct glass_stack *stacks[POLL_MAX_STACKS];
    unsigned nstacks;
    struct glass_stack *clock_stack; /* whose clock measures the timeout */
};

static void poll_drain(int fd)
{
    uint64_t v;
    while (read(fd, &v, sizeof v) > 0)
        ;
}

/* Readiness of every glass entry into fds[].revents; count of ready ones. */
static int poll_glass(struct poll_ctx *c)
{
    int ready = 0;
    for (nfds_t i = 0; i < c->nfds; i++) {
        struct glass_sock *sk = c->sks[i];
        if (!sk)
            continue;
        glass_stack_lock(sk->stack);
        poll_drain(sk->fd);
        short ev = sock_poll_events(sk);
        glass_stack_unlock(sk->stack);
        c->fds[i].revents = ev & (c->fds[i].events | POLLERR | POLLHUP | POLLNVAL);
        if (c->fds[i].revents)
            ready++;
    }
    return ready;
}

/* The timeout timer of a virtual clock: wake every polled socket. */
struct poll_timer {
    struct glass_timer timer;
    struct poll_ctx *c;
};

static void poll_expired(struct glass_stack *stack, void *arg)
{
    struct poll_timer *pt = arg;
    for (nfds_t i = 0; i < pt->c->nfds; i++)
        if (pt->c->sks[i] && pt->c->sks[i]->stack == stack)
            sock_wakeup(pt->c->sks[i]);
}

static int poll_collect(struct poll_ctx *c)
{
    for (nfds_t i = 0; i < c->nfds; i++) {
        c->fds[i].revents = 0;
        struct glass_sock *sk = c->fds[i].fd >= 0 ? sock_get(c->fds[i].fd) : NULL;
        if (!sk)
            continue;           /* an ordinary descriptor: poll(2) reports it */
        c->sks[i] = sk;
        if (!c->clock_stack)
            c->clock_stack = sk->stack;
        unsigned k = 0;
        while (k < c->nstacks && c->stacks[k] != sk->stack)
            k++;
        if (k == c->nstacks && k < POLL_MAX_STACKS)
            c->stacks[c->nstacks++] = sk->stack;
    }
    return 0;
}

/* One round of sleeping in poll(2): ordinary fds as given, glass sockets
 * by their eventfd, and the descriptors of stacks nobody else runs.
 * Returns the number of ordinary descriptors ready, or -1. */
static int poll_sleep(struct poll_ctx *c, int wait_ms)
{
    size_t cap = c->nfds + (size_t)c->nstacks * POLL_STACK_FDS;
    struct pollfd *k = calloc(cap ? cap : 1, sizeof(*k));
    if (!k) {
        errno = ENOMEM;
        return -1;
    }
    nfds_t n = 0;
    for (nfds_t i = 0; i < c->nfds; i++) {
        k[n] = c->fds[i];
        if (c->sks[i])
            k[n] = (struct pollfd){.fd = c->sks[i]->fd, .events = POLLIN};
        n++;
    }
    bool drive[POLL_MAX_STACKS] = {false};
    for (unsigned s = 0; s < c->nstacks; s++) {
        if (sock_stack_driven(c->stacks[s]))
            continue;
        int stack_ms;
        n += (nfds_t)stack_pollfds(c->stacks[s], k + n, POLL_STACK_FDS, wait_ms, &stack_ms);
        drive[s] = true;
        if (wait_ms < 0 || (stack_ms >= 0 && stack_ms < wait_ms))
            wait_ms = stack_ms;
    }
    int r = poll(k, n, wait_ms);
    int err = errno;
    int ready = 0;
    for (nfds_t i = 0; r > 0 && i < c->nfds; i++)
        if (!c->sks[i]) {
            c->fds[i].revents = k[i].revents;
            if (k[i].revents)
                ready++;
        }
    free(k);
    for (unsigned s = 0; s < c->nstacks; s++)
        if (drive[s])
            glass_stack_poll(c->stacks[s], 0);
    if (r < 0 && err != EINTR) {
        errno = err;
        return -1;
    }
    return ready;
}

static int poll_loop(struct poll_ctx *c, int timeout_ms)
{
    struct glass_stack *cs = c->clock_stack;
    glass_time_t deadline =
        timeout_ms < 0 ? TIMER_NEVER
                       : glass_stack_now(cs) + (glass_time_t)timeout_ms * GLASS_USEC_PER_MSEC;
    struct poll_timer pt = {.c = c};
    timer_init(&pt.timer, "poll-timeout", poll_expired, &pt);
    bool virt = glass_clock_is_virtual(cs->clock);
    if (virt && timeout_ms > 0) {
        glass_stack_lock(cs);
        timer_arm_at(cs, &pt.timer, deadline);
        glass_stack_unlock(cs);
    }
    int total;
    for (;;) {
        int g = poll_glass(c);
        bool late = glass_stack_now(cs) >= deadline;
        /* Virtual time only moves when a test moves it: sleep until a
         * socket's eventfd is written (the timer above does that too). */
        int wait_ms = (g || late) ? 0 : virt ? -1 : ms_until(cs, deadline);
        int o = poll_sleep(c, wait_ms);
        if (o < 0) {
            total = -1;
            break;
        }
        if (o || g || late) {
            total = poll_glass(c) + o;
            break;
        }
    }
    glass_stack_lock(cs);
    timer_cancel(cs, &pt.timer);
    glass_stack_unlock(cs);
    return total;
}

int glass_poll(struct pollfd *fds, nfds_t nfds, int timeout_ms)
{
    if (nfds && !fds) {
        errno = EFAULT;
        return -1;
    }
    struct poll_ctx c = {.fds = fds, .nfds = nfds};
    c.sks = calloc(nfds ? nfds : 1, sizeof(*c.sks));
    if (!c.sks) {
        errno = ENOMEM;
        return -1;
    }
    poll_collect(&c);
    int rc;
    if (!c.clock_stack)
        rc = poll(fds, nfds, timeout_ms); /* no glass socket: plain poll(2) */
    else
        rc = poll_loop(&c, timeout_ms);
    int err = errno;
    for (nfds_t i = 0; i < nfds; i++)
        if (c.sks[i])
            sock_put(c.sks[i]);
    free(c.sks);
    errno = err;
    return rc;
}
