/* tcp_user.c - placeholder: being written. */
#include "tcp.h"
