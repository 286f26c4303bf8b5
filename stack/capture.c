/*
 * capture.c - frames to a pcap file with libpcap.
 *
 * The file is flushed after every frame, so `glassd --pcap - | tshark -r -`
 * or `wireshark -k -i -` shows traffic as it happens.  With several
 * interfaces all frames go into one Ethernet capture (a later issue may
 * split them per interface).
 */
#include "capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "clock.h"
#include "mem.h"
#include "stack.h"

struct capture {
    pcap_t *dead;               /* a "dead" handle: describes the link type */
    pcap_dumper_t *dumper;
    /* Timestamps: wall-clock time at capture start plus the stack clock's
     * progress, so a virtual clock still gives ordered, plausible times. */
    struct timeval wall_start;
    glass_time_t clock_start;
};

#define CAPTURE_SNAPLEN (65535 + 64)

int glass_capture_open(struct glass_stack *stack, const char *path, char *err, size_t errlen)
{
    struct capture *c = glass_alloc(stack, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory opening capture %s", path);
        errno = ENOMEM;
        return -1;
    }
    c->dead = pcap_open_dead(DLT_EN10MB, CAPTURE_SNAPLEN);
    if (!c->dead) {
        snprintf(err, errlen, "libpcap could not open an Ethernet capture");
        glass_free(stack, c);
        errno = ENOMEM;
        return -1;
    }
    /* pcap_dump_open treats "-" as stdout. */
    c->dumper = pcap_dump_open(c->dead, path);
    if (!c->dumper) {
        snprintf(err, errlen, "cannot write capture %s: %s", path, pcap_geterr(c->dead));
        pcap_close(c->dead);
        glass_free(stack, c);
        errno = EIO;
        return -1;
    }
    pcap_dump_flush(c->dumper); /* the file header, so readers start at once */
    gettimeofday(&c->wall_start, NULL);
    glass_stack_lock(stack);
    c->clock_start = glass_stack_now(stack);
    if (stack->capture) {
        glass_stack_unlock(stack);
        pcap_dump_close(c->dumper);
        pcap_close(c->dead);
        glass_free(stack, c);
        snprintf(err, errlen, "a capture is already open");
        errno = EBUSY;
        return -1;
    }
    stack->capture = c;
    glass_stack_unlock(stack);
    return 0;
}

void glass_capture_close(struct glass_stack *stack)
{
    glass_stack_lock(stack);
    struct capture *c = stack->capture;
    stack->capture = NULL;
    glass_stack_unlock(stack);
    if (!c)
        return;
    pcap_dump_close(c->dumper); /* flushes */
    pcap_close(c->dead);
    glass_free(stack, c);
}

void capture_frame(struct glass_stack *stack, const struct glass_netif *nif,
                   const uint8_t *frame, size_t len)
{
    struct capture *c = stack->capture;
    glass_time_t since = glass_stack_now(stack) - c->clock_start;
    struct pcap_pkthdr h;
    glass_time_t usec = (glass_time_t)c->wall_start.tv_usec + since % GLASS_USEC_PER_SEC;
    h.ts.tv_sec = c->wall_start.tv_sec + (time_t)(since / GLASS_USEC_PER_SEC) +
                  (time_t)(usec / GLASS_USEC_PER_SEC);
    h.ts.tv_usec = (suseconds_t)(usec % GLASS_USEC_PER_SEC);
    h.caplen = (bpf_u_int32)(len < CAPTURE_SNAPLEN ? len : CAPTURE_SNAPLEN);
    h.len = (bpf_u_int32)len;
    pcap_dump((u_char *)c->dumper, &h, frame);
    pcap_dump_flush(c->dumper);
}
