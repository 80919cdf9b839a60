/* Optional shared libraries, opened only when a feature needs them: a run
 * without a key log never maps libcrypto, one without --metrics never maps
 * libmicrohttpd and the TLS stack behind it. Loading one costs about 1.3 MB
 * (libcrypto) and 2.5 MB (libmicrohttpd with GnuTLS) of resident memory,
 * mostly its relocated data, whether or not a single function is called. */
#ifndef SIPWATCH_DYNLIB_H
#define SIPWATCH_DYNLIB_H

#include <stddef.h>

/* One function to resolve: its name, and the address of the function
 * pointer that receives it (POSIX: a function pointer and void * share
 * their representation). */
typedef struct sw_dynlib_symbol {
    const char *name;
    void *slot;
} sw_dynlib_symbol;

/* Opens the library `soname` and fills every slot. All or nothing: when the
 * library or one symbol is missing, nothing stays open, err gets one line
 * naming what is missing, and NULL is returned. Otherwise the handle for
 * sw_dynlib_close. */
void *sw_dynlib_open(const char *soname, const sw_dynlib_symbol *syms, size_t n, char *err, size_t errlen);

/* Closes a handle from sw_dynlib_open; NULL is allowed. Slots filled from it
 * must not be called afterwards. */
void sw_dynlib_close(void *handle);

#endif
