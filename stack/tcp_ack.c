/* tcp_ack.c - placeholder: being written. */
#include "tcp.h"
