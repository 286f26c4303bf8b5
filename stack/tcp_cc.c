/* tcp_cc.c - placeholder: being written. */
#include "tcp.h"
