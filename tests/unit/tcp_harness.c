/* tcp_harness.c - placeholder. */
#include "tcp_harness.h"
