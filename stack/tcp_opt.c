/* tcp_opt.c - placeholder: being written. */
#include "tcp.h"
