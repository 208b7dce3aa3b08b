/* proxy.h -- --proxy: which proxy URLs the worker takes.
 *
 * Through a proxy the worker connects to the proxy only: the address rule (addr.h) then
 * judges the proxy's address, which is allowed even on loopback or a private network because
 * the user named it, and the proxy resolves and reaches the targets, which the worker cannot
 * see (not even with socks5://, whose local resolution libcurl does outside the open-socket
 * callback). */
#ifndef TRAWL_PROXY_H
#define TRAWL_PROXY_H

#include <stddef.h>

/* 0 when url is a proxy URL libcurl can use: scheme http, https, socks4, socks4a, socks5 or
 * socks5h (written out: libcurl would take a bare host as http), a host, an optional port
 * and user:password, no path or query. Else -1 with the reason in err. */
int proxy_check(const char *url, char *err, size_t errlen);

#endif
