/*
 * drivers.c - glass_netif_open(): pick a driver by name.
 *
 * Only drivers that can be named on a command line are listed here.  The
 * loop wire joins stacks inside one process, so it has nothing a user
 * could name from outside: it is attached from code (glass_loop_attach).
 */
#include "drivers.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "netif.h"
#include "stack.h"

struct driver {
    const char *name;
    struct glass_netif *(*open)(struct glass_stack *stack, const char *name, bool offload,
                                char *err, size_t errlen);
};

static const struct driver drivers[] = {
    {"tap", tap_open},
};

#define N_DRIVERS (sizeof(drivers) / sizeof(drivers[0]))

/* The names users may type ("tap"), for error messages. */
static void known_drivers(char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; i < N_DRIVERS; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s", i ? ", " : "", drivers[i].name);
    }
}

static void set_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
}

struct glass_netif *glass_netif_open(struct glass_stack *stack, const char *driver,
                                     const char *name, char *err, size_t errlen)
{
    return glass_netif_open_offload(stack, driver, name, GLASS_OFFLOAD_DEFAULT, err, errlen);
}

int glass_netif_offload(const struct glass_netif *nif)
{
    return nif && nif->features ? 1 : 0;
}

struct glass_netif *glass_netif_open_offload(struct glass_stack *stack, const char *driver,
                                             const char *name, int offload, char *err,
                                             size_t errlen)
{
    char msg[256], known[64];
    if (!driver || !*driver || !name || !*name) {
        set_err(err, errlen, "an interface needs a driver and a name, as in tap:tap0");
        errno = EINVAL;
        return NULL;
    }
    for (size_t i = 0; i < N_DRIVERS; i++)
        if (strcmp(driver, drivers[i].name) == 0)
            return drivers[i].open(stack, name, offload != 0, err, errlen);

    if (strcmp(driver, "loop") == 0) {
        snprintf(msg, sizeof msg,
                 "the loop driver joins stacks inside one program and cannot be opened by "
                 "name: attach it from code with glass_loop_attach()");
    } else {
        known_drivers(known, sizeof known);
        snprintf(msg, sizeof msg, "unknown driver '%s' (known: %s)", driver, known);
    }
    set_err(err, errlen, msg);
    errno = EINVAL;
    return NULL;
}

const char *driver_kind(const struct glass_netif *nif)
{
    return nif->ops && nif->ops->kind ? nif->ops->kind : "?";
}

/* Only drivers whose frames pass through impair.c can be impaired; the
 * loop wire has impairments of its own (glass_loop_wire_set). */
int glass_netif_impair(struct glass_netif *nif, const struct glass_impair *p)
{
    if (!nif || !p || p->loss_ppm > 1000000 || p->dup_ppm > 1000000 ||
        p->reorder_ppm > 1000000) {
        errno = EINVAL;
        return -1;
    }
    if (strcmp(driver_kind(nif), "tap") != 0) {
        errno = EOPNOTSUPP;
        return -1;
    }
    glass_stack_lock(nif->stack);
    int rc = tap_impair(nif, p);
    glass_stack_unlock(nif->stack);
    return rc;
}
