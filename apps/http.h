/* http.h - placeholder: being written. */
#ifndef GLASS_HTTP_H
#define GLASS_HTTP_H
#endif
