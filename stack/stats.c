/* stats.c - counters by name, printed like netstat -s. */
#include "stats.h"

#include <errno.h>
#include <string.h>

#include "netif.h"
#include "stack.h"

struct stat_desc {
    const char *name;           /* "ipv4.drop_bad_checksum" */
    size_t offset;
};

static const struct stat_desc stat_descs[] = {
#define GLASS_STATS_DESC(layer, name) {#layer "." #name, offsetof(struct glass_stats, layer##_##name)},
    GLASS_STATS_LIST(GLASS_STATS_DESC)
#undef GLASS_STATS_DESC
};

static uint64_t stat_value(const struct glass_stack *stack, const struct stat_desc *d)
{
    uint64_t v;
    memcpy(&v, (const char *)&stack->stats + d->offset, sizeof v);
    return v;
}

uint64_t glass_stat(const struct glass_stack *stack, const char *name)
{
    for (size_t i = 0; i < sizeof stat_descs / sizeof stat_descs[0]; i++)
        if (strcmp(stat_descs[i].name, name) == 0)
            return stat_value(stack, &stat_descs[i]);
    errno = ENOENT;
    return 0;
}

/* One "layer.counter value" line per non-zero counter (zero counters are
 * noise for a learner; glass_stat() reads any of them), then a line per
 * interface like ip -s link. */
void glass_stats_print(const struct glass_stack *stack, FILE *out)
{
    glass_stack_lock((struct glass_stack *)stack);
    for (size_t i = 0; i < sizeof stat_descs / sizeof stat_descs[0]; i++) {
        uint64_t v = stat_value(stack, &stat_descs[i]);
        if (v)
            fprintf(out, "%-28s %llu\n", stat_descs[i].name, (unsigned long long)v);
    }
    for (const struct glass_netif *nif = stack->netifs; nif; nif = nif->next)
        fprintf(out,
                "%s: rx %llu packets %llu bytes %llu dropped, tx %llu packets %llu bytes %llu "
                "errors\n",
                nif->name, (unsigned long long)nif->cnt.rx_packets,
                (unsigned long long)nif->cnt.rx_bytes, (unsigned long long)nif->cnt.rx_dropped,
                (unsigned long long)nif->cnt.tx_packets, (unsigned long long)nif->cnt.tx_bytes,
                (unsigned long long)nif->cnt.tx_errors);
    fprintf(out, "mem: %zu bytes in use, peak %zu\n", stack->mem_in_use, stack->mem_peak);
    glass_stack_unlock((struct glass_stack *)stack);
}
