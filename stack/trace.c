/* trace.c - per-layer trace lines (see trace.h). */
#include "trace.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

static const struct {
    const char *name;
    unsigned bit;
} trace_layers[] = {
    {"eth", GLASS_TRACE_ETH},   {"arp", GLASS_TRACE_ARP}, {"ipv4", GLASS_TRACE_IPV4},
    {"icmp", GLASS_TRACE_ICMP}, {"udp", GLASS_TRACE_UDP}, {"tcp", GLASS_TRACE_TCP},
    {"socket", GLASS_TRACE_SOCKET}, {"all", GLASS_TRACE_ALL},
};

int glass_trace_parse(const char *list, unsigned *mask)
{
    unsigned m = 0;
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        bool found = false;
        for (size_t i = 0; i < sizeof trace_layers / sizeof trace_layers[0]; i++)
            if (strlen(trace_layers[i].name) == n && strncmp(p, trace_layers[i].name, n) == 0) {
                m |= trace_layers[i].bit;
                found = true;
            }
        if (!found || n == 0) {
            errno = EINVAL;
            return -1;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    *mask = m;
    return 0;
}

void glass_trace_set(struct glass_stack *stack, unsigned mask, FILE *out)
{
    glass_stack_lock(stack);
    stack->trace_mask = mask;
    stack->trace_out = out ? out : stderr;
    glass_stack_unlock(stack);
}

void trace_emit(struct glass_stack *stack, unsigned layer, const char *fmt, ...)
{
    glass_time_t t = glass_stack_now(stack) - stack->born;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* One fprintf per line so lines from two stacks never interleave. */
    fprintf(stack->trace_out, "%4llu.%06llu %s\n", (unsigned long long)(t / GLASS_USEC_PER_SEC),
            (unsigned long long)(t % GLASS_USEC_PER_SEC), line);
    fflush(stack->trace_out);
}
