/*
 * stack.c - creating and tearing down a stack, and its event loop.
 *
 * glass_stack_poll is the heart of the house: wait (poll(2)) for a frame on
 * any interface, a wake-up from another thread, or the next timer; then,
 * under the stack lock, read frames up through the layers, deliver
 * datagrams we sent to ourselves, and fire due timers.
 */
#include "stack.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "arp.h"
#include "capture.h"
#include "clock.h"
#include "ctl.h"
#include "icmp.h"
#include "ipv4_frag.h"
#include "pmtu.h"
#include "ipv4.h"
#include "dhcp.h"
#include "mem.h"
#include "netif.h"
#include "route.h"
#include "socket.h"
#include "tcp.h"

#define STACK_MAX_POLL_FDS 64

struct glass_stack *glass_stack_new(struct glass_clock *clock)
{
    struct glass_stack *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    pthread_mutex_init(&s->lock, NULL);
    s->own_clock = clock == NULL;
    s->clock = clock ? clock : glass_clock_new_real();
    s->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (!s->clock || s->wake_fd < 0)
        goto fail;
    s->born = glass_clock_now(s->clock);
    s->trace_out = stderr;
    s->next_ifindex = 1;
    s->ipv4_next_id = 1;
    sock_stack_init(s);
    if (route_init(s) < 0 || arp_init(s) < 0 || icmp_init(s) < 0 ||
        tcp_stack_init(s) < 0 || ipv4_frag_init(s) < 0 || pmtu_init(s) < 0)
        goto fail;
    return s;
fail:
    glass_stack_free(s);
    errno = ENOMEM;
    return NULL;
}

int glass_stack_free(struct glass_stack *s)
{
    if (!s)
        return 0;
    glass_stack_stop(s);
    glass_capture_close(s);
    glass_ctl_close(s);
    /* Sockets still open are closed: their queues hold packets. */
    sock_stack_destroy(s);
    /* Then every TCP control block, orphans and TIME-WAIT included. */
    if (s->tcp)
        tcp_stack_destroy(s);
    dhcp_destroy(s);            /* leases are released (RFC 2131 4.4.6) */
    /* Protocol state first: queued packets point at interfaces. */
    if (s->arp)
        arp_destroy(s);
    s->arp = NULL;
    if (s->icmp)
        icmp_destroy(s);
    s->icmp = NULL;
    ipv4_frag_destroy(s);       /* held fragments point at interfaces */
    pmtu_destroy(s);
    pkb_queue_purge(s, &s->local_q);
    while (s->netifs)
        netif_destroy(s->netifs);
    if (s->routes)
        route_destroy(s);
    s->routes = NULL;
    timer_heap_destroy(s);
    pkb_pool_drain(s);          /* wt-fast: cached buffers are not in use */

    int rc = 0;
    if (s->mem_in_use != 0 || s->mem_allocs != 0) {
        fprintf(stderr, "glass: stack freed with %zu bytes in %zu allocations still in use\n",
                s->mem_in_use, s->mem_allocs);
        rc = -1;
    }
    if (s->wake_fd >= 0)
        close(s->wake_fd);
    if (s->own_clock)
        glass_clock_free(s->clock);
    pthread_mutex_destroy(&s->lock);
    free(s);
    return rc;
}

void glass_stack_lock(struct glass_stack *s)
{
    pthread_mutex_lock(&s->lock);
}

void glass_stack_unlock(struct glass_stack *s)
{
    pthread_mutex_unlock(&s->lock);
}

void glass_stack_wake(struct glass_stack *s)
{
    uint64_t one = 1;
    /* EAGAIN means the counter is already non-zero: a wake-up is pending. */
    if (write(s->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
        perror("glass: eventfd write");
}

glass_time_t glass_stack_now(const struct glass_stack *s)
{
    return glass_clock_now(s->clock);
}

struct glass_clock *glass_stack_clock(struct glass_stack *s)
{
    return s->clock;
}

size_t glass_stack_mem_in_use(const struct glass_stack *s)
{
    return s->mem_in_use;
}

static bool netif_has_fd(struct glass_netif *nif)
{
    return nif->ops->fd && nif->ops->fd(nif) >= 0;
}

/* Read a batch of frames from a driver; ACKs TCP owes for "every second
 * segment" of the batch go once it is taken (tcp_ackbatch.c). */
static int stack_receive(struct glass_netif *nif)
{
    tcp_ack_batch_begin(nif->stack);
    int n = nif->ops->receive(nif, NETIF_RX_BUDGET);
    tcp_ack_batch_end(nif->stack);
    return n;
}

/* Work that needs no waiting: drivers without a descriptor (the loop
 * wire), datagrams to ourselves, due timers.  Called with the lock held. */
static int stack_run_ready(struct glass_stack *s)
{
    int work = 0;
    for (struct glass_netif *nif = s->netifs; nif; nif = nif->next)
        if (!netif_has_fd(nif) && nif->ops->receive)
            work += stack_receive(nif);
    work += ipv4_run_local(s);
    work += timer_run_due(s);
    return work;
}

/* The earliest moment something will be due: next timer, a delayed frame
 * on a loop wire, or at once when datagrams to ourselves are waiting. */
static glass_time_t stack_next_event(struct glass_stack *s)
{
    glass_time_t next = timer_next(s);
    if (s->local_q.count)
        return 0;
    for (struct glass_netif *nif = s->netifs; nif; nif = nif->next)
        if (nif->ops->next_event) {
            glass_time_t t = nif->ops->next_event(nif);
            if (t < next)
                next = t;
        }
    return next;
}

/* How long poll(2) may sleep: the caller's limit, cut short by the next
 * event, rounded up to whole milliseconds so we never wake just early. */
static int stack_wait_ms(struct glass_stack *s, int timeout_ms)
{
    if (timeout_ms == 0 || glass_clock_is_virtual(s->clock))
        return 0;
    glass_time_t next = stack_next_event(s);
    if (next == TIMER_NEVER)
        return timeout_ms;
    glass_time_t now = glass_stack_now(s);
    if (next <= now)
        return 0;
    glass_time_t ms = (next - now + GLASS_USEC_PER_MSEC - 1) / GLASS_USEC_PER_MSEC;
    if (timeout_ms < 0 || ms < (glass_time_t)timeout_ms)
        return ms > 1000000 ? 1000000 : (int)ms;
    return timeout_ms;
}

int stack_pollfds(struct glass_stack *s, struct pollfd *pfd, int max, int timeout_ms,
                  int *wait_ms)
{
    int n = 0;
    glass_stack_lock(s);
    *wait_ms = stack_run_ready(s) ? 0 : stack_wait_ms(s, timeout_ms);
    if (n < max)
        pfd[n++] = (struct pollfd){.fd = s->wake_fd, .events = POLLIN};
    for (struct glass_netif *nif = s->netifs; nif && n < max; nif = nif->next)
        if (netif_has_fd(nif))
            pfd[n++] = (struct pollfd){.fd = nif->ops->fd(nif), .events = POLLIN};
    glass_stack_unlock(s);
    /* The control socket (outside the stack lock: see ctl.h). */
    n += ctl_pollfds(s, pfd + n, max - n);
    return n;
}

static void drain_wake(struct glass_stack *s)
{
    uint64_t v;
    while (read(s->wake_fd, &v, sizeof v) > 0)
        ;
}

int glass_stack_poll(struct glass_stack *s, int timeout_ms)
{
    struct pollfd pfd[STACK_MAX_POLL_FDS];
    nfds_t n = 0;

    glass_stack_lock(s);
    int work = stack_run_ready(s);
    int wait_ms = work ? 0 : stack_wait_ms(s, timeout_ms);
    pfd[n++] = (struct pollfd){.fd = s->wake_fd, .events = POLLIN};
    for (struct glass_netif *nif = s->netifs; nif && n < STACK_MAX_POLL_FDS; nif = nif->next)
        if (netif_has_fd(nif))
            pfd[n++] = (struct pollfd){.fd = nif->ops->fd(nif), .events = POLLIN};
    glass_stack_unlock(s);
    n += (nfds_t)ctl_pollfds(s, pfd + n, STACK_MAX_POLL_FDS - (int)n);

    int r = poll(pfd, n, wait_ms);
    if (r < 0 && errno != EINTR)
        return -1;
    /* glassctl's requests, before the stack lock: commands take it. */
    if (r > 0)
        ctl_service(s, pfd, (int)n);

    glass_stack_lock(s);
    if (r > 0) {
        if (pfd[0].revents)
            drain_wake(s);
        /* Match descriptors back to interfaces by fd: the list may have
         * changed while we slept without the lock. */
        for (struct glass_netif *nif = s->netifs; nif; nif = nif->next) {
            if (!netif_has_fd(nif))
                continue;
            int fd = nif->ops->fd(nif);
            for (nfds_t i = 1; i < n; i++)
                if (pfd[i].fd == fd && pfd[i].revents)
                    work += stack_receive(nif);
        }
    }
    work += stack_run_ready(s);
    glass_stack_unlock(s);
    return work;
}

static void *stack_thread(void *arg)
{
    struct glass_stack *s = arg;
    while (!__atomic_load_n(&s->thread_stop, __ATOMIC_ACQUIRE))
        if (glass_stack_poll(s, 1000) < 0)
            break;
    return NULL;
}

int glass_stack_start(struct glass_stack *s)
{
    if (s->thread_running) {
        errno = EALREADY;
        return -1;
    }
    s->thread_stop = false;
    int rc = pthread_create(&s->thread, NULL, stack_thread, s);
    if (rc) {
        errno = rc;
        return -1;
    }
    s->thread_running = true;
    return 0;
}

int glass_stack_drain(struct glass_stack *s, int timeout_ms)
{
    /* Real time, in 5 ms steps: on a virtual clock nothing would move. */
    for (int waited = 0;; waited += 5) {
        glass_stack_lock(s);
        bool pending = tcp_output_pending(s);
        glass_stack_unlock(s);
        if (!pending)
            return 0;
        if (waited >= timeout_ms) {
            errno = ETIMEDOUT;
            return -1;
        }
        if (s->thread_running)
            usleep(5000);
        else
            glass_stack_poll(s, 5);
    }
}

void glass_stack_stop(struct glass_stack *s)
{
    if (!s->thread_running)
        return;
    __atomic_store_n(&s->thread_stop, true, __ATOMIC_RELEASE);
    glass_stack_wake(s);
    pthread_join(s->thread, NULL);
    s->thread_running = false;
}
