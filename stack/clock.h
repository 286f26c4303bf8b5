/* clock.h - real or virtual time for a stack (see glass.h). */
#ifndef GLASS_CLOCK_H
#define GLASS_CLOCK_H

#include <stdbool.h>

#include "glass.h"

struct glass_clock {
    bool is_virtual;
    glass_time_t virtual_now;
};

#endif
