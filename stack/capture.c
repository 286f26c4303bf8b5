/*
 * capture.c - frames to pcap files with libpcap, one file per interface.
 *
 * A classic pcap file has one link type and no notion of an interface, so
 * frames of two links in one Ethernet capture cannot be told apart (and
 * the same datagram forwarded from one link to another shows twice with
 * nothing to say which copy is which).  So each interface gets its own
 * file: the first interface writes to the path the user gave, every other
 * one to that path with ".IFNAME" before the extension
 * (out.pcap -> out.tapB.pcap; out -> out.tapB).  "-" (stdout) is one
 * stream: it carries the first interface only, and glass_capture_file
 * says so for the others.
 *
 * "The first interface" is the first one the stack has when the capture
 * opens, or, when it has none yet (the apps open the capture before their
 * interfaces, so it sees each gratuitous ARP), the first one added after.
 * The user's own file is opened at once, so a bad path fails
 * glass_capture_open and a pipe reader gets the pcap header straight
 * away; the others are opened as their interfaces appear (netif_new calls
 * capture_netif_added).
 *
 * Every file is flushed after every frame, so
 * `glassd --pcap - | tshark -r -` or `wireshark -k -i -` shows traffic as
 * it happens.
 */
#include "capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "clock.h"
#include "mem.h"
#include "netif.h"
#include "stack.h"

/* One interface's share of the capture. */
struct capture_file {
    struct capture_file *next;
    unsigned ifindex;
    pcap_dumper_t *dumper;      /* NULL: this interface is not captured */
    int err;                    /* why not: ENOENT (stdout holds another
                                   interface) or the open's errno */
    char why[192];              /* ... in a sentence */
    char path[];                /* where its frames go ("-" = stdout) */
};

struct capture {
    pcap_t *dead;               /* a "dead" handle: describes the link type */
    char *path;                 /* as the user gave it */
    bool to_stdout;
    /* The user's file, opened by glass_capture_open, until the first
     * interface takes it (then NULL). */
    pcap_dumper_t *first;
    bool first_taken;
    struct capture_file *files;
    /* Timestamps: wall-clock time at capture start plus the stack clock's
     * progress, so a virtual clock still gives ordered, plausible times. */
    struct timeval wall_start;
    glass_time_t clock_start;
};

#define CAPTURE_SNAPLEN (65535 + 64)

/* out.pcap + tapB -> out.tapB.pcap; out -> out.tapB; a dot in a directory
 * name or a leading dot (.pcap) is not an extension.  A '/' in an
 * interface name (drivers forbid it, but the name is not ours) becomes
 * '_' so the file stays next to the user's.  Returns the length it needs. */
static size_t derived_path(char *buf, size_t len, const char *path, const char *ifname)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    if (dot == base)
        dot = NULL;
    size_t stem = dot ? (size_t)(dot - path) : strlen(path);
    size_t need = strlen(path) + 1 + strlen(ifname);

    if (len > need) {
        memcpy(buf, path, stem);
        char *p = buf + stem;
        *p++ = '.';
        for (const char *s = ifname; *s; s++)
            *p++ = *s == '/' ? '_' : *s;
        strcpy(p, dot ? dot : "");
    }
    return need;
}

size_t capture_derived_path(char *buf, size_t len, const char *path, const char *ifname)
{
    size_t need = derived_path(buf, len, path, ifname);
    if (len > 0 && len <= need)
        buf[0] = '\0';
    return need;
}

/* The file for nif: the user's own for the first interface, else a
 * derived one (or none, for stdout). */
static struct capture_file *file_for(struct glass_stack *stack, struct capture *c,
                                     const struct glass_netif *nif)
{
    size_t need = c->first_taken && !c->to_stdout
                      ? derived_path(NULL, 0, c->path, nif->name)
                      : strlen(c->path);
    struct capture_file *f = glass_alloc(stack, sizeof(*f) + need + 1);
    if (!f)
        return NULL;
    memset(f, 0, sizeof(*f));
    f->ifindex = nif->index;
    if (!c->first_taken) {
        c->first_taken = true;
        f->dumper = c->first;
        c->first = NULL;
        strcpy(f->path, c->path);
    } else if (c->to_stdout) {
        strcpy(f->path, c->path);
        f->err = ENOENT;
        snprintf(f->why, sizeof f->why,
                 "not captured: --pcap - (stdout) holds one interface's frames only");
    } else {
        derived_path(f->path, need + 1, c->path, nif->name);
        f->dumper = pcap_dump_open(c->dead, f->path);
        if (f->dumper) {
            pcap_dump_flush(f->dumper);
        } else {
            f->err = errno ? errno : EIO;
            snprintf(f->why, sizeof f->why, "cannot write capture %s: %s", f->path,
                     pcap_geterr(c->dead));
        }
    }
    return f;
}

static int add_file(struct glass_stack *stack, struct capture *c, const struct glass_netif *nif)
{
    struct capture_file *f = file_for(stack, c, nif);
    if (!f)
        return -1;
    struct capture_file **tail = &c->files;
    while (*tail)
        tail = &(*tail)->next;
    *tail = f;
    return 0;
}

static void free_file(struct glass_stack *stack, struct capture_file *f)
{
    if (f->dumper)
        pcap_dump_close(f->dumper); /* flushes */
    glass_free(stack, f);
}

static void free_capture(struct glass_stack *stack, struct capture *c)
{
    while (c->files) {
        struct capture_file *f = c->files;
        c->files = f->next;
        free_file(stack, f);
    }
    if (c->first)
        pcap_dump_close(c->first);
    if (c->dead)
        pcap_close(c->dead);
    glass_free(stack, c->path);
    glass_free(stack, c);
}

int glass_capture_open(struct glass_stack *stack, const char *path, char *err, size_t errlen)
{
    if (!path || !*path) {
        snprintf(err, errlen, "a capture needs a file name, or - for stdout");
        errno = EINVAL;
        return -1;
    }
    struct capture *c = glass_alloc(stack, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory opening capture %s", path);
        errno = ENOMEM;
        return -1;
    }
    memset(c, 0, sizeof(*c));
    c->path = glass_alloc(stack, strlen(path) + 1);
    c->dead = pcap_open_dead(DLT_EN10MB, CAPTURE_SNAPLEN);
    if (!c->path || !c->dead) {
        snprintf(err, errlen, "out of memory opening capture %s", path);
        free_capture(stack, c);
        errno = ENOMEM;
        return -1;
    }
    strcpy(c->path, path);
    c->to_stdout = strcmp(path, "-") == 0;
    /* pcap_dump_open treats "-" as stdout. */
    c->first = pcap_dump_open(c->dead, path);
    if (!c->first) {
        snprintf(err, errlen, "cannot write capture %s: %s", path, pcap_geterr(c->dead));
        free_capture(stack, c);
        errno = EIO;
        return -1;
    }
    pcap_dump_flush(c->first); /* the file header, so readers start at once */
    gettimeofday(&c->wall_start, NULL);

    glass_stack_lock(stack);
    if (stack->capture) {
        glass_stack_unlock(stack);
        free_capture(stack, c);
        snprintf(err, errlen, "a capture is already open");
        errno = EBUSY;
        return -1;
    }
    c->clock_start = glass_stack_now(stack);
    for (struct glass_netif *n = stack->netifs; n; n = n->next)
        if (add_file(stack, c, n) < 0) {
            glass_stack_unlock(stack);
            free_capture(stack, c);
            snprintf(err, errlen, "out of memory opening capture %s", path);
            errno = ENOMEM;
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
    if (c)
        free_capture(stack, c);
}

static struct capture_file *find_file(const struct capture *c, unsigned ifindex)
{
    for (struct capture_file *f = c->files; f; f = f->next)
        if (f->ifindex == ifindex)
            return f;
    return NULL;
}

int glass_capture_file(struct glass_stack *stack, const struct glass_netif *nif, char *buf,
                       size_t len)
{
    int rc = 0, e = 0;

    glass_stack_lock(stack);
    const struct capture *c = stack->capture;
    const struct capture_file *f = c && nif ? find_file(c, nif->index) : NULL;
    if (!c) {
        snprintf(buf, len, "no capture is open");
        e = ENOENT;
    } else if (!f) {
        /* Only when memory ran out as the interface was added. */
        snprintf(buf, len, "not captured: out of memory when %s was added", nif->name);
        e = ENOMEM;
    } else if (!f->dumper) {
        snprintf(buf, len, "%s", f->why);
        e = f->err;
    } else {
        snprintf(buf, len, "%s", f->path);
    }
    glass_stack_unlock(stack);
    if (e) {
        errno = e;
        rc = -1;
    }
    return rc;
}

void capture_netif_added(struct glass_stack *stack, const struct glass_netif *nif)
{
    /* Out of memory leaves the interface without a file; frames on it are
     * skipped and glass_capture_file reports it. */
    (void)add_file(stack, stack->capture, nif);
}

void capture_netif_removed(struct glass_stack *stack, const struct glass_netif *nif)
{
    struct capture *c = stack->capture;
    for (struct capture_file **p = &c->files; *p; p = &(*p)->next)
        if ((*p)->ifindex == nif->index) {
            struct capture_file *f = *p;
            *p = f->next;
            free_file(stack, f);
            return;
        }
}

void capture_frame(struct glass_stack *stack, const struct glass_netif *nif,
                   const uint8_t *frame, size_t len)
{
    struct capture *c = stack->capture;
    struct capture_file *f = find_file(c, nif->index);
    if (!f || !f->dumper)
        return;
    glass_time_t since = glass_stack_now(stack) - c->clock_start;
    struct pcap_pkthdr h;
    glass_time_t usec = (glass_time_t)c->wall_start.tv_usec + since % GLASS_USEC_PER_SEC;
    h.ts.tv_sec = c->wall_start.tv_sec + (time_t)(since / GLASS_USEC_PER_SEC) +
                  (time_t)(usec / GLASS_USEC_PER_SEC);
    h.ts.tv_usec = (suseconds_t)(usec % GLASS_USEC_PER_SEC);
    h.caplen = (bpf_u_int32)(len < CAPTURE_SNAPLEN ? len : CAPTURE_SNAPLEN);
    h.len = (bpf_u_int32)len;
    pcap_dump((u_char *)f->dumper, &h, frame);
    pcap_dump_flush(f->dumper);
}
