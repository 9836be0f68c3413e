/*
 * outbound.c: where the service may send a request of its own (a
 * webhook's delivery) -- the SSRF rules, checked when a webhook is
 * registered and again before each delivery (DNS rebinding):
 *
 *  - the URL is http or https, parses (libcurl's URL API), names a host,
 *    carries no user or password;
 *  - the host resolves (getaddrinfo) to at least one address;
 *  - every address it resolves to is allowed by cfg.webhook_allow:
 *    "public" (the default) public addresses only; "loopback" also
 *    127.0.0.0/8 and ::1 (the development and test instances ./run
 *    starts); "private" also the private, link-local, CGNAT and
 *    unique-local ranges.  0.0.0.0/8, ::, multicast, 240.0.0.0/4 and the
 *    broadcast address are never allowed.  An IPv4-mapped or NAT64
 *    IPv6 address is judged by its IPv4 address.
 *
 * The addresses checked are kept (`o->pinned`, the first few): the
 * delivery connects to them and to nothing else (CURLOPT_RESOLVE pins
 * host:port to them), so a name that resolves to a public address when
 * checked and to a private one when connected cannot redirect the
 * request.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "../base/base.h"
#include "front.h"

enum addr_class {
	ADDR_PUBLIC,
	ADDR_LOOPBACK,
	ADDR_PRIVATE,
	ADDR_NEVER,
	ADDR__MAX
};

/* The class of IPv4 address `a` (host order). */
static enum addr_class
class_v4(uint32_t a)
{
	if ((a >> 24) == 127)
		return ADDR_LOOPBACK;
	if ((a >> 24) == 0 || (a >> 28) >= 14 || a == 0xffffffffu)
		return ADDR_NEVER;		/* this net, multicast, 240/4 */
	if ((a >> 24) == 10 ||			/* 10/8 */
	    (a >> 20) == 0xac1 ||		/* 172.16/12 */
	    (a >> 16) == 0xc0a8 ||		/* 192.168/16 */
	    (a >> 16) == 0xa9fe ||		/* 169.254/16 link-local */
	    (a >> 22) == (100u << 2 | 1) ||	/* 100.64/10 CGNAT */
	    (a >> 8) == 0xc00000 ||		/* 192.0.0/24 */
	    (a >> 17) == (0xc612u >> 1))	/* 198.18/15 benchmarking */
		return ADDR_PRIVATE;
	return ADDR_PUBLIC;
}

static enum addr_class
class_of(const struct sockaddr *sa)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0xff, 0xff };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };
	const unsigned char	*b;
	uint32_t		 v4;
	int			 i, zero = 1;

	if (sa->sa_family == AF_INET)
		return class_v4(ntohl(((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr.s_addr));
	if (sa->sa_family != AF_INET6)
		return ADDR_NEVER;
	b = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
	if (memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0) {
		v4 = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
		    (uint32_t)b[14] << 8 | b[15];
		return class_v4(v4);
	}
	for (i = 0; i < 15; i++)
		if (b[i] != 0)
			zero = 0;
	if (zero && b[15] == 1)
		return ADDR_LOOPBACK;		/* ::1 */
	if (zero && b[15] == 0)
		return ADDR_NEVER;		/* :: */
	if (b[0] == 0xff)
		return ADDR_NEVER;		/* multicast */
	if ((b[0] & 0xfe) == 0xfc ||		/* fc00::/7 unique local */
	    (b[0] == 0xfe && (b[1] & 0xc0) == 0x80))	/* fe80::/10 */
		return ADDR_PRIVATE;
	return ADDR_PUBLIC;
}

/* Whether the instance's setting lets the service post to class `c`. */
static int
allowed(enum addr_class c)
{
	const char	*a = cfg.webhook_allow != NULL ? cfg.webhook_allow :
			    "public";

	switch (c) {
	case ADDR_PUBLIC:
		return 1;
	case ADDR_LOOPBACK:
		return strcmp(a, "loopback") == 0 || strcmp(a, "private") == 0;
	case ADDR_PRIVATE:
		return strcmp(a, "private") == 0;
	case ADDR_NEVER:
	case ADDR__MAX:
		break;
	}
	return 0;
}

/* Whether the service may connect to `sa` (the socket's own check). */
int
outbound_addr_allowed(const struct sockaddr *sa)
{
	return allowed(class_of(sa));
}

/*
 * Parse `url` into `o`: scheme, host (without an IPv6 literal's
 * brackets), port.  OUTBOUND_OK or OUTBOUND_BAD_URL.
 */
static enum outbound
parse(const char *url, struct outbound_target *o)
{
	CURLU		*u;
	char		*scheme = NULL, *host = NULL, *port = NULL;
	char		*user = NULL, *pass = NULL;
	size_t		 n;
	enum outbound	 rc = OUTBOUND_BAD_URL;

	if ((u = curl_url()) == NULL)
		return OUTBOUND_BAD_URL;
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) !=
	    CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK)
		goto out;
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
		goto out;
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK)
		goto out;
	n = strlen(host);
	if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
		memmove(host, host + 1, n - 2);
		host[n - 2] = '\0';
	}
	if (host[0] == '\0' || strlen(host) >= sizeof(o->host) ||
	    strlen(port) >= sizeof(o->port))
		goto out;
	snprintf(o->host, sizeof(o->host), "%s", host);
	snprintf(o->port, sizeof(o->port), "%s", port);
	rc = OUTBOUND_OK;
out:
	curl_free(pass);
	curl_free(user);
	curl_free(port);
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(u);
	return rc;
}

/*
 * Judge `url` by the rules above.  OUTBOUND_OK with `o` filled (host,
 * port, the first address to connect to); else why not, `o` unusable.
 * Resolves the host name: may block for the resolver's time.
 */
enum outbound
outbound_check(const char *url, struct outbound_target *o)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	struct in6_addr	 a6;
	enum outbound	 rc;
	const void	*in;
	char		 one[INET6_ADDRSTRLEN];
	size_t		 used = 0;
	int		 n = 0;

	memset(o, 0, sizeof(*o));
	if ((rc = parse(url, o)) != OUTBOUND_OK)
		return rc;
	o->literal = inet_pton(AF_INET, o->host, &a6) == 1 ||
	    inet_pton(AF_INET6, o->host, &a6) == 1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(o->host, o->port, &hints, &res) != 0 || res == NULL)
		return OUTBOUND_NO_HOST;
	rc = OUTBOUND_OK;
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (!allowed(class_of(ai->ai_addr))) {
			rc = OUTBOUND_REFUSED;
			goto out;
		}
	/* The first OUTBOUND_ADDRS addresses, the only ones to connect to. */
	for (ai = res; ai != NULL && n < OUTBOUND_ADDRS; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET)
			in = &((struct sockaddr_in *)(void *)ai->ai_addr)->
			    sin_addr;
		else if (ai->ai_family == AF_INET6)
			in = &((struct sockaddr_in6 *)(void *)ai->ai_addr)->
			    sin6_addr;
		else
			continue;
		if (inet_ntop(ai->ai_family, in, one, sizeof(one)) == NULL)
			continue;
		if (n == 0) {
			snprintf(o->addr, sizeof(o->addr), "%s", one);
			o->v6 = ai->ai_family == AF_INET6;
		}
		used += (size_t)snprintf(o->pinned + used,
		    sizeof(o->pinned) - used, ai->ai_family == AF_INET6 ?
		    "%s[%s]" : "%s%s", n > 0 ? "," : "", one);
		n++;
	}
	if (n == 0)
		rc = OUTBOUND_NO_HOST;
out:
	freeaddrinfo(res);
	return rc;
}

/* What a refusal says to the user, in Chinese. */
const char *
outbound_message(enum outbound rc)
{
	switch (rc) {
	case OUTBOUND_OK:
		return "可以投递";
	case OUTBOUND_BAD_URL:
		return "必须是 http 或 https 网址，且不含用户名和密码";
	case OUTBOUND_NO_HOST:
		return "主机名无法解析";
	case OUTBOUND_REFUSED:
		return "不允许投递到本机、内网或保留地址";
	case OUTBOUND__MAX:
		break;
	}
	return "网址无效";
}
