/* tcp_output.c - placeholder: being written. */
#include "tcp.h"
