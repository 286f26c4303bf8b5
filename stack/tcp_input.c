/* tcp_input.c - placeholder: being written. */
#include "tcp.h"
