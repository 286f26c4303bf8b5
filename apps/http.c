/* http.c - placeholder: being written. */
#include "http.h"
