/* tcp_reass.c - placeholder: being written. */
#include "tcp.h"
