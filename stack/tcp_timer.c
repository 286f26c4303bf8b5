/* tcp_timer.c - placeholder: being written. */
#include "tcp.h"
