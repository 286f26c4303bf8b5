/* tcp_harness.h - placeholder: TCP segment builders for unit tests (being written). */
#ifndef GLASS_TCP_HARNESS_H
#define GLASS_TCP_HARNESS_H
#endif
