/* sock_stream.c - placeholder: being written. */
#include "tcp.h"
