/*
 * ctl.h - the control socket every glass program serves, and the
 * commands glassctl sends over it.
 *
 * Design: no thread of its own.  The listening socket and its clients are
 * descriptors like a TAP's: glass_stack_poll (so the stack thread, or the
 * loop of a program without one, such as glass-ping) and glass_poll wait
 * on them with the rest, and serve a request when one is readable.  A
 * program that is stopped (in gdb, say) does not answer; glassctl gives up
 * after its timeout and says so.  Everything is non-blocking: a client that
 * sends half a line or reads slowly holds a slot (CTL_MAX_CLIENTS, the
 * oldest is dropped for a new one), never the stack.
 *
 * Protocol (one request per connection, text, so `socat` works too):
 *   request:  FORMAT COMMAND [ARG]...\n      FORMAT: text | json
 *   answer:   ok\n BODY                      the body until EOF
 *         or  error MESSAGE\n                one line for the user
 *
 * Commands (ctl_execute): if, arp, route [add NET/N via ADDR [dev NAME]
 * [metric N] | del NET/N [via ADDR]], ss, tcb [ADDR:PORT], stats [all],
 * trace [LIST|off].
 */
#ifndef GLASS_CTL_H
#define GLASS_CTL_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "ctl_out.h"

struct glass_stack;

#define CTL_MAX_CLIENTS 8
#define CTL_REQUEST_MAX 512     /* bytes of one request line */
#define CTL_BACKLOG 8

/* For glass_stack_poll and stack_pollfds, WITHOUT the stack lock held:
 * the descriptors to wait on (listener, clients), at most max. */
int ctl_pollfds(struct glass_stack *stack, struct pollfd *pfd, int max);
/* After poll(2), WITHOUT the stack lock held (commands take it): accept,
 * read, answer whatever pfd[0..n) says is ready.  Other entries of pfd
 * (the wake fd, interfaces) are ignored. */
void ctl_service(struct glass_stack *stack, const struct pollfd *pfd, int n);

/* Run one request line (no newline), "json arp" say, WITHOUT the stack
 * lock held.  0: out holds the body; -1: out holds the one-line error
 * message (no newline). */
int ctl_execute(struct glass_stack *stack, const char *line, struct ctl_buf *out);

/* ---- ctl_show.c: the commands; stack lock held unless said otherwise --- */

struct ctl_args {
    int argc;                   /* words after the command */
    char **argv;
    bool json;
};

/* Each returns 0 with the answer appended to out, or -1 with a one-line
 * error message in out. */
int ctl_cmd_if(struct glass_stack *stack, const struct ctl_args *a, struct ctl_buf *out);
int ctl_cmd_arp(struct glass_stack *stack, const struct ctl_args *a, struct ctl_buf *out);
int ctl_cmd_route_show(struct glass_stack *stack, const struct ctl_args *a, struct ctl_buf *out);
int ctl_cmd_ss(struct glass_stack *stack, const struct ctl_args *a, struct ctl_buf *out);
int ctl_cmd_tcb(struct glass_stack *stack, const struct ctl_args *a, struct ctl_buf *out);
int ctl_cmd_stats(struct glass_stack *stack, const struct ctl_args *a, struct ctl_buf *out);
/* route add/del and trace take the stack lock themselves (public calls). */
int ctl_cmd_route_change(struct glass_stack *stack, const struct ctl_args *a, struct ctl_buf *out);
int ctl_cmd_trace(struct glass_stack *stack, const struct ctl_args *a, struct ctl_buf *out);

#endif
