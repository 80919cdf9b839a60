/* Optional shared libraries (see dynlib.h): dlopen and dlsym for a table
 * of function pointers, all resolved or none. */
#include "sipwatch/dynlib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

void *sw_dynlib_open(const char *soname, const sw_dynlib_symbol *syms, size_t n, char *err, size_t errlen)
{
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        snprintf(err, errlen, "cannot load %s: %s", soname, why ? why : "not found");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        dlerror();
        void *fn = dlsym(h, syms[i].name);
        if (!fn) {
            snprintf(err, errlen, "%s has no function %s: an unexpected version", soname, syms[i].name);
            dlclose(h);
            return NULL;
        }
        memcpy(syms[i].slot, &fn, sizeof fn);
    }
    return h;
}

void sw_dynlib_close(void *handle)
{
    if (handle)
        dlclose(handle);
}
