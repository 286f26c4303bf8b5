/* tcp.c - placeholder: being written. */
#include "tcp.h"
