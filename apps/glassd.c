/*
 * glassd - a glass host on the wire.
 *
 * Brings up the interfaces, addresses and routes of the shared command line
 * (apps/common.h), answers ARP and ping until SIGINT or SIGTERM, then
 * flushes the capture, prints the counters and exits 0.  Later issues give
 * it more to serve (UDP and TCP services, the control socket).
 *
 * It drives the stack from its own single-threaded loop with
 * glass_stack_poll: a learner stepping through it in gdb sees every frame
 * handled on this one thread.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "glass.h"

/* How long one glass_stack_poll may sleep: the bound on how late we notice
 * a signal that slips in between the flag test and the wait. */
#define GLASSD_POLL_MS 200

static const struct glass_app glassd_app = {
    .prog = "glassd",
    .synopsis = "[OPTION]...",
    .summary = "Run a glass host: bring the interfaces up and answer ARP and ping\n"
               "until SIGINT or SIGTERM.",
    .notes = "On SIGINT or SIGTERM glassd flushes the capture, prints its counters\n"
             "(like netstat -s) to stderr, and exits 0.\n"
             "\n"
             "Example (kernel side 10.0.0.1/24 on tap0 in namespace glass, see\n"
             "scripts/netns-up):\n"
             "  ip netns exec glass glassd --pcap /tmp/glass.pcap --trace arp,icmp\n"
             "  ip netns exec glass ping 10.0.0.2\n",
};

/* Serve until a signal asks us to stop; 0, or 1 when the stack fails. */
static int serve(struct glass_stack *stack)
{
    while (!glass_app_stop_signal) {
        if (glass_stack_poll(stack, GLASSD_POLL_MS) < 0 && errno != EINTR) {
            fprintf(stderr, "glassd: poll: %s\n", strerror(errno));
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct glass_app_opts opts;
    struct glass_stack *stack;
    char err[GLASS_APP_ERRLEN], what[512];
    int status;

    glass_app_parse_or_exit(&glassd_app, argc, argv, &opts);
    if (opts.argc > 0)
        glass_app_usage_error(&glassd_app, "unexpected operand '%s' (glassd takes options only, "
                              "see --help)", opts.argv[0]);
    glass_app_catch_signals();
    stack = glass_app_bring_up(&opts, err, sizeof(err));
    if (!stack) {
        fprintf(stderr, "glassd: %s\n", err);
        return 1;
    }
    glass_app_describe(stack, &opts, what, sizeof(what));
    fprintf(stderr, "glassd: %s; ping me from the namespace\n", what);

    status = serve(stack);

    if (glass_app_stop_signal)
        fprintf(stderr, "glassd: %s, shutting down\n",
                glass_app_stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
    glass_stack_stop(stack);
    glass_dhcp_release_all(stack); /* RFC 2131 4.4.6, into the pcap too */
    glass_capture_close(stack); /* flushes the pcap before anything else can fail */
    glass_stats_print(stack, stderr);
    if (glass_stack_free(stack) < 0)
        status = 1; /* a leak is a bug: let tests see it */
    return status;
}
