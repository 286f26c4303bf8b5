/* tcp_cc_newreno.c - placeholder: being written. */
#include "tcp.h"
