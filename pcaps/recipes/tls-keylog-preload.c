/* LD_PRELOAD helper for the TLS recipes: makes an OpenSSL program that has no
 * key-log setting of its own (kamailio 5.6's tls module, baresip/libre)
 * append its TLS secrets to $SIPWATCH_KEYLOG in NSS key log format.  It
 * wraps SSL_new() and installs OpenSSL's key-log callback on the context
 * first.  Test tool only: build with
 *   cc -shared -fPIC -o keylog.so tls-keylog-preload.c -lssl -ldl */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

/* One write() per line with O_APPEND, so that the lines of several
 * processes (kamailio's workers) never interleave. */
static void keylog_line(const SSL *ssl, const char *line)
{
    (void)ssl;
    const char *path = getenv("SIPWATCH_KEYLOG");
    if (!path || !*path)
        return;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    size_t n = strlen(line);
    char buf[1024];
    if (n + 1 < sizeof buf) {
        memcpy(buf, line, n);
        buf[n] = '\n';
        if (write(fd, buf, n + 1) < 0) {
            /* nothing useful to do in a test helper */
        }
    }
    close(fd);
}

SSL *SSL_new(SSL_CTX *ctx)
{
    static SSL *(*real_new)(SSL_CTX *);
    if (!real_new)
        real_new = (SSL *(*)(SSL_CTX *))dlsym(RTLD_NEXT, "SSL_new");
    if (!real_new)
        abort();
    if (ctx && SSL_CTX_get_keylog_callback(ctx) == NULL)
        SSL_CTX_set_keylog_callback(ctx, keylog_line);
    return real_new(ctx);
}
