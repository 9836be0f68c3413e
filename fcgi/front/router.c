/*
 * router.c: the front line.  Every request passes the same checks in the
 * same order before any handler runs:
 *
 *	the path		400 when not absolute or with a dot segment
 *	method and route	404 / 405 (with Allow)
 *	where from		404 for loopback-only routes
 *	query string		400
 *	content type		415
 *	size			413 (declared and actually read)
 *	body			400 (nested deeper than MAX_JSON_DEPTH, malformed
 *				JSON, duplicate keys, not an object); a raw
 *				body read whole (EP_BODY: an import) is the
 *				handler's to judge; a raw body streamed
 *				(EP_RAW: a file) is not read here: only its
 *				declared size is checked, and the handler
 *				streams it (req_body_read)
 *	same origin		403 for cross-site state changes
 *	session			401
 *	role			403
 *	password set		403 until a one-time password is replaced
 *	which database		the replica, for EP_REPLICA routes (db.c)
 *
 * then owns the request's transaction around the handler, as the
 * route's row in ../routes.c asks (router_handle).  Handlers may trust
 * r->ep, r->ids, r->query, r->json, r->user and r->if_match.  After the
 * handler, a request that may have written tells the session
 * (session_wrote), so that its next reads see the write.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../base/base.h"
#include "front.h"

/*
 * Whether `path` matches `pattern`, segment by segment; a '#' segment
 * matches a positive decimal id of at most 18 digits, stored in ids[].
 */
static int
pattern_match(const char *pattern, const char *path, int64_t *ids)
{
	size_t	 nid = 0, n;
	char	*end;

	while (*pattern != '\0' && *path != '\0') {
		if (*pattern == '#') {
			n = strspn(path, "0123456789");
			if (n == 0 || n > 18 || *path == '0' ||
			    (path[n] != '\0' && path[n] != '/') ||
			    nid == MAX_PATH_IDS)
				return 0;
			ids[nid++] = strtoll(path, &end, 10);
			path += n;
			pattern++;
			continue;
		}
		if (*pattern != *path)
			return 0;
		pattern++;
		path++;
	}
	return *pattern == '\0' && *path == '\0';
}

/*
 * Find the endpoint for the request's method and path.  Returns it, or
 * NULL with the reply already sent (404, or 405 listing what is allowed).
 */
static const struct endpoint *
route(struct req *r)
{
	const struct endpoint	*found = NULL;
	int64_t			 ids[MAX_PATH_IDS];
	size_t			 i, n = 0;
	int			 any = 0;

	for (i = 0; i < endpoints_count; i++) {
		if (!pattern_match(endpoints[i].pattern, r->path, ids))
			continue;
		any = 1;
		if (endpoints[i].method == r->method) {
			found = &endpoints[i];
			memcpy(r->ids, ids, sizeof(ids));
		} else if (n + 8 < sizeof(r->allow) &&
		    strstr(r->allow, method_names[endpoints[i].method]) == NULL) {
			n += (size_t)snprintf(r->allow + n, sizeof(r->allow) - n,
			    "%s%s", n > 0 ? ", " : "",
			    method_names[endpoints[i].method]);
		}
	}
	if (found != NULL) {
		r->allow[0] = '\0';
		return found;
	}
	if (any)
		reply_problem(r, 405, NULL, "method not allowed on this route",
		    NULL);
	else
		reply_problem(r, 404, NULL, "no such resource", NULL);
	return NULL;
}

/*
 * Whether `path` is absolute and free of dot segments ("." and "..",
 * also percent-encoded): nginx refuses a path above the root, and
 * resolves the others for its own matching but passes REQUEST_URI as
 * sent, so the service refuses them too rather than route around them.
 */
static int
path_ok(const char *path)
{
	const char	*p = path;
	size_t		 dots, n;

	if (*p != '/')
		return 0;
	while (*p == '/') {
		p++;
		for (dots = 0, n = 0; p[n] != '\0' && p[n] != '/'; dots++) {
			if (p[n] == '.')
				n++;
			else if (p[n] == '%' && p[n + 1] == '2' &&
			    (p[n + 2] == 'e' || p[n + 2] == 'E'))
				n += 3;
			else
				break;
		}
		if ((p[n] == '\0' || p[n] == '/') && (dots == 1 || dots == 2))
			return 0;
		p += strcspn(p, "/");
	}
	return 1;
}

static int
is_loopback(const char *addr)
{
	return addr != NULL && (strcmp(addr, "127.0.0.1") == 0 ||
	    strcmp(addr, "::1") == 0);
}

/*
 * Whether a browser sent this state change from another site.
 * Non-browser clients send neither Sec-Fetch-Site nor Origin.
 */
static int
cross_site(const struct req *r)
{
	const char	*site, *origin, *host;

	site = req_param(r, "HTTP_SEC_FETCH_SITE");
	if (site != NULL && strcmp(site, "same-origin") != 0 &&
	    strcmp(site, "none") != 0)
		return 1;
	if ((origin = req_param(r, "HTTP_ORIGIN")) == NULL)
		return 0;
	host = req_param(r, "HTTP_HOST");
	return host == NULL || strncmp(origin, "https://", 8) != 0 ||
	    strcmp(origin + 8, host) != 0;
}

/* Whether the Content-Type is JSON in UTF-8 (the only charset we take). */
static int
is_json_type(const char *ct)
{
	size_t	 n;

	if (ct == NULL)
		return 0;
	n = strcspn(ct, "; \t");
	if (n != 16 || strncasecmp(ct, "application/json", 16) != 0)
		return 0;
	for (ct += n; *ct == ' ' || *ct == '\t'; ct++)
		continue;
	if (*ct == '\0')
		return 1;
	if (*ct++ != ';')
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return strcasecmp(ct, "charset=utf-8") == 0 ||
	    strcasecmp(ct, "charset=\"utf-8\"") == 0;
}

/*
 * Parse CONTENT_LENGTH: absent or empty is 0.  Returns the length, or -1
 * when it is not a plain decimal number.
 */
static long long
content_length(const struct req *r)
{
	const char	*cl = req_param(r, "CONTENT_LENGTH");
	char		*end;
	long long	 n;

	if (cl == NULL || *cl == '\0')
		return 0;
	if (strspn(cl, "0123456789") != strlen(cl) || strlen(cl) > 12)
		return -1;
	errno = 0;
	n = strtoll(cl, &end, 10);
	return errno == 0 ? n : -1;
}

/*
 * Read exactly `len` bytes of body (len already checked against the
 * limit) into the worker's buffer.  Never reads past `len`.  Returns 0,
 * or -1 when the stream ends early.
 */
static int
read_body(struct req *r, size_t len)
{
	size_t	 got = 0;
	int	 n;

	while (got < len) {
		n = FCGX_GetStr(r->w->body + got, (int)(len - got),
		    r->fcgx->in);
		if (n <= 0) {
			r->raw_state = RAW_BROKEN;
			return -1;
		}
		got += (size_t)n;
		r->raw_read = (long long)got;
	}
	r->w->body[len] = '\0';
	r->body = r->w->body;
	r->bodylen = len;
	r->raw_state = RAW_END;
	return 0;
}

/*
 * Read a raw body (EP_BODY) of `len` bytes, len already checked against
 * the route's limit, into a buffer of its own (r->body_alloc, freed by
 * router_handle).  Returns 0, or -1 when the stream ends early or there
 * is no memory (logged).
 */
static int
read_raw_body(struct req *r, size_t len)
{
	size_t	 got = 0;
	int	 n;

	if ((r->body_alloc = malloc(len + 1)) == NULL) {
		log_error("request %s: no memory for a body of %zu bytes",
		    r->id, len);
		return -1;
	}
	while (got < len) {
		n = FCGX_GetStr(r->body_alloc + got, (int)(len - got),
		    r->fcgx->in);
		if (n <= 0) {
			r->raw_state = RAW_BROKEN;
			return -1;
		}
		got += (size_t)n;
		r->raw_read = (long long)got;
	}
	r->body_alloc[len] = '\0';
	r->body = r->body_alloc;
	r->bodylen = len;
	r->raw_state = RAW_END;
	return 0;
}

/*
 * Whether the JSON text `s` nests arrays and objects at most `max` deep
 * (`{}` is one level).  Counts the brackets outside strings in one pass,
 * before the parser -- which recurses, and whose own limit is 2048 --
 * sees the text.  Exact for well-formed JSON; a malformed text is the
 * parser's to refuse whatever this says.
 */
#define TEXT_OF_(n)	#n
#define TEXT_OF(n)	TEXT_OF_(n)

static int
json_depth_ok(const char *s, size_t len, int max)
{
	size_t	 i;
	int	 depth = 0, instr = 0, ok = 1;

	for (i = 0; i < len && ok; i++) {
		if (instr) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				instr = 0;
			continue;
		}
		switch (s[i]) {
		case '"':
			instr = 1;
			break;
		case '{':
		case '[':
			ok = ++depth <= max;
			break;
		case '}':
		case ']':
			depth--;
			break;
		}
	}
	return ok;
}

/*
 * What the request says of its body, before anything else is read:
 * r->raw_declared is its Content-Length, -1 when it gives none, -2 when
 * it gives one that is no number.
 */
static void
body_declare(struct req *r)
{
	const char	*cl = req_param(r, "CONTENT_LENGTH");
	long long	 len = content_length(r);

	r->raw_read = 0;
	r->raw_state = RAW_OPEN;
	r->raw_declared = cl == NULL || *cl == '\0' ? -1 : len < 0 ? -2 : len;
}

/*
 * However the request ended -- refused before its body was looked at,
 * or by a handler half way through a file -- leave the connection to
 * nginx clean for the next request: read what is left of the body (at
 * most the route's limit), or, when that cannot be done, close the
 * connection after the reply.  A kept connection with a body still in
 * it would hand the next request libfcgi cannot parse.
 */
static void
body_settle(struct req *r)
{
	int		 raw = r->ep != NULL && (r->ep->flags & EP_RAW);
	int		 big = r->ep != NULL &&
			    (r->ep->flags & (EP_RAW | EP_BODY));
	long long	 cap = big ? (long long)(r->ep->max_body != 0 ?
			    r->ep->max_body : MAX_UPLOAD) : MAX_BODY;

	char		 c;

	if (r->raw_state == RAW_OPEN && ((r->raw_declared > r->raw_read &&
	    r->raw_declared <= cap) || (r->raw_declared == -1 && raw)))
		req_body_drain(r, cap);
	/*
	 * And the empty record that ends every body, none included: it may
	 * come in a read of its own after the body's last byte, and the
	 * next request on the connection would then begin with it --
	 * libfcgi takes that for a broken connection and closes it under
	 * nginx's next request (a 502).
	 */
	if ((r->raw_state == RAW_END || (r->raw_state == RAW_OPEN &&
	    (r->raw_declared == r->raw_read ||
	    (r->raw_declared == -1 && !raw)))) &&
	    FCGX_GetStr(&c, 1, r->fcgx->in) == 0 &&
	    FCGX_GetError(r->fcgx->in) == 0)
		return;
	log_warn("request %s: its body was not read to its end: the "
	    "connection closes", r->id);
	r->fcgx->keepConnection = 0;
}

/*
 * Check the FastCGI params themselves: their number and each one's size.
 * nginx bounds headers already; this keeps the service honest alone.
 */
static int
params_ok(const struct req *r)
{
	char	**e;
	size_t	  n = 0;

	for (e = r->fcgx->envp; *e != NULL; e++)
		if (++n > MAX_PARAMS || strlen(*e) > MAX_PARAM_LEN)
			return 0;
	return 1;
}

/*
 * The request's checks, in order, up to the role.  Returns 0 to go on,
 * -1 when a reply was staged.
 */
static int
front_checks(struct req *r, char *path)
{
	const struct endpoint	*ep;
	const char		*m, *uri, *q;
	json_error_t		 jerr;
	long long		 len;
	size_t			 max, plen;
	int			 i, st;

	if (!params_ok(r)) {
		reply_problem(r, 431, NULL, "request headers too large", NULL);
		return -1;
	}
	m = req_param(r, "REQUEST_METHOD");
	r->method = METHOD__MAX;
	for (i = 0; m != NULL && i < METHOD__MAX; i++)
		if (strcmp(m, method_names[i]) == 0)
			r->method = (enum method)i;
	uri = req_param(r, "REQUEST_URI");
	if (uri == NULL)
		uri = "/";
	plen = (q = strchr(uri, '?')) != NULL ? (size_t)(q - uri) : strlen(uri);
	if (plen > MAX_PATH_LEN) {
		reply_problem(r, 404, NULL, "no such resource", NULL);
		return -1;
	}
	memcpy(path, uri, plen);
	path[plen] = '\0';
	r->path = path;
	r->remote_addr = req_param(r, "REMOTE_ADDR");
	if (!path_ok(path)) {
		reply_problem(r, 400, NULL, "the path is not absolute or has "
		    "a dot segment", NULL);
		return -1;
	}

	if ((ep = route(r)) == NULL)
		return -1;
	r->ep = ep;
	if ((ep->flags & EP_LOOPBACK) && !is_loopback(r->remote_addr)) {
		reply_problem(r, 404, NULL, "no such resource", NULL);
		return -1;
	}
	if (req_parse_query(r, r->w->query, sizeof(r->w->query)) == -1) {
		reply_problem(r, 400, NULL, "the query string is too long, "
		    "repeats a field or is not valid UTF-8", NULL);
		return -1;
	}

	if ((len = r->raw_declared) == -2) {
		reply_problem(r, 400, NULL, "Content-Length is not a number",
		    NULL);
		return -1;
	}
	if (len < 0)
		len = 0;
	if (!(ep->flags & (EP_JSON | EP_BODY | EP_RAW)) && len > 0) {
		reply_problem(r, 415, NULL, "this route takes no body", NULL);
		return -1;
	}
	if (ep->flags & (EP_BODY | EP_RAW)) {
		max = ep->max_body != 0 ? ep->max_body : MAX_UPLOAD;
		if ((unsigned long long)len > max) {
			reply_problem(r, 413, NULL, "the body is larger than "
			    "this route accepts", NULL);
			return -1;
		}
		if ((ep->flags & EP_BODY) && len > 0 &&
		    read_raw_body(r, (size_t)len) == -1) {
			reply_problem(r, 400, NULL, "the body is shorter than "
			    "its Content-Length", NULL);
			return -1;
		}
	}
	if (ep->flags & EP_JSON) {
		if (!is_json_type(req_param(r, "CONTENT_TYPE"))) {
			reply_problem(r, 415, NULL, "the body must be "
			    "application/json in UTF-8", NULL);
			return -1;
		}
		max = ep->max_body != 0 ? ep->max_body : MAX_BODY;
		if ((unsigned long long)len > max) {
			reply_problem(r, 413, NULL, "the body is larger than "
			    "this route accepts", NULL);
			return -1;
		}
		if (read_body(r, (size_t)len) == -1) {
			reply_problem(r, 400, NULL, "the body is shorter than "
			    "its Content-Length", NULL);
			return -1;
		}
		if (!json_depth_ok(r->body, r->bodylen, MAX_JSON_DEPTH)) {
			reply_problem(r, 400, "malformed-json", "the body nests "
			    "arrays and objects deeper than " TEXT_OF(MAX_JSON_DEPTH) " levels",
			    NULL);
			return -1;
		}
		r->json = json_loadb(r->body, r->bodylen,
		    JSON_REJECT_DUPLICATES, &jerr);
		if (r->json == NULL) {
			reply_problem(r, 400, "malformed-json", jerr.text, NULL);
			return -1;
		}
		if (!json_is_object(r->json)) {
			reply_problem(r, 400, "malformed-json",
			    "the body must be a JSON object", NULL);
			return -1;
		}
	}

	if (r->method != METHOD_GET && cross_site(r)) {
		log_warn("request %s: cross-site %s %s refused", r->id,
		    method_names[r->method], ep->pattern);
		reply_problem(r, 403, "cross-site", "cross-site requests may "
		    "not change anything", NULL);
		return -1;
	}
	if (ep->flags & EP_PUBLIC)
		return 0;
	if ((st = session_authenticate(r)) != 0) {
		if (st == 503)
			reply_db_error(r);
		else
			reply_problem(r, 401, NULL, "no session or the "
			    "session has expired", NULL);
		return -1;
	}
	if (ep->roles != ROLES_ANY && (r->user.roles & ep->roles) == 0) {
		log_warn("request %s: user %s lacks the role for %s %s",
		    r->id, r->user.username, method_names[r->method],
		    ep->pattern);
		reply_problem(r, 403, NULL, "your role may not do this", NULL);
		return -1;
	}
	if (r->user.must_change_password && !(ep->flags & EP_FIRST)) {
		log_warn("request %s: %s must set its password before %s %s",
		    r->id, r->user.username, method_names[r->method],
		    ep->pattern);
		reply_problem(r, 403, "password-change-required", "set your "
		    "own password first (POST /api/v1/session/password)", NULL);
		return -1;
	}
	return 0;
}

/*
 * Take the request through the front line, its transaction and its
 * handler, and send the reply -- top to bottom:
 *
 *	front_checks		method ... role (above)
 *	replica			EP_REPLICA: which database answers
 *	begin			EP_TX / EP_SNAPSHOT (and EP_EXPORT asked
 *				for a file: ?format= not json)
 *	If-Match		EP_IF_MATCH: the version the client holds;
 *				the handler, having validated the body and
 *				loaded the resource, compares it with
 *				reply_precondition (428 without, 412 stale)
 *	Idempotency-Key		EP_IDEM: a replay or a conflict ends here
 *				(EP_RAW: the handler takes the key once it
 *				has read the body; a replay then rolls back
 *				what it stored meanwhile)
 *	handler			validate, load, decide, append, stage
 *	settle			whatever is left of the body, on any path:
 *				read, or the connection closes (body_settle)
 *	commit			EP_TX and a staged 2xx: the key's answer,
 *				then COMMIT; a failed or lost COMMIT
 *				replaces the reply with the failure (503:
 *				outcome unknown, retry with the key)
 *	rollback		anything else left open
 *	send			the staged reply, only now
 *
 * A handler never begins, commits or rolls back a request's
 * transaction, and nothing it leaves open outlives this function.
 */
void
router_handle(struct req *r)
{
	char		 path[MAX_PATH_LEN + 1];
	unsigned	 flags;
	int		 st;

	body_declare(r);
	if (front_checks(r, path) == -1)
		goto send;
	flags = r->ep->flags;
	if ((flags & EP_EXPORT) && req_query(r, "format") != NULL &&
	    strcmp(req_query(r, "format"), "json") != 0)
		flags |= EP_SNAPSHOT;
	if (flags & EP_REPLICA)
		db_route_replica(r);
	if ((flags & (EP_TX | EP_SNAPSHOT)) &&
	    db_begin(r, flags & EP_TX ? TX_WRITE : TX_SNAPSHOT) == -1) {
		reply_db_error(r);
		goto send;
	}
	if (flags & EP_IF_MATCH)
		r->if_match = req_if_match(r);
	/* A raw body's key is taken by the handler, once it has the body. */
	if ((flags & EP_IDEM) && !(flags & EP_RAW) &&
	    idem_begin(r, &r->idem) == IDEM_DONE)
		goto send;

	r->ep->handle(r);

	if (!r->reply.staged && !r->reply.sent) {
		log_error("request %s: handler for %s %s did not reply",
		    r->id, method_names[r->method], r->ep->pattern);
		reply_problem(r, 500, NULL, "internal error", NULL);
	}
	if ((flags & EP_TX) && r->reply.staged && r->reply.status >= 200 &&
	    r->reply.status < 300 && !r->idem.replayed) {
		if (idem_finish(r, &r->idem) == -1 || db_commit(r) == -1) {
			reply_discard(r);
			reply_db_error(r);
		}
	}
	if (!(flags & (EP_TX | EP_SNAPSHOT)) && db_in_transaction(r))
		log_error("request %s: handler for %s %s left a transaction "
		    "open: rolled back", r->id, method_names[r->method],
		    r->ep->pattern);
send:
	body_settle(r);
	db_release(r);
	st = r->reply.staged || r->reply.sent ? r->reply.status : 500;
	if (r->ep != NULL && r->method != METHOD_GET && (st < 400 || st >= 500))
		session_wrote(r);
	reply_send(r);
	json_decref(r->json);
	r->json = NULL;
	r->path = NULL;
	free(r->body_alloc);
	r->body_alloc = NULL;
}

/* Every row of the table is filled: 0, or -1 (logged). */
int
router_check(void)
{
	size_t	 i;

	for (i = 0; i < endpoints_count; i++)
		if (endpoints[i].pattern == NULL ||
		    endpoints[i].handle == NULL) {
			log_error("endpoint %zu has no route or handler", i);
			return -1;
		}
	return 0;
}

/* The route's pattern for logs and metrics ("-" when unrouted). */
const char *
router_label(const struct req *r)
{
	return r->ep != NULL ? r->ep->pattern : "-";
}

/* The endpoint's index, for per-route metrics; endpoints_count when
 * unrouted. */
size_t
router_index(const struct req *r)
{
	return r->ep != NULL ? (size_t)(r->ep - endpoints) : endpoints_count;
}

const char *
router_pattern(size_t i)
{
	return i < endpoints_count ? endpoints[i].pattern : "-";
}

const char *
router_method(size_t i)
{
	return i < endpoints_count ? method_names[endpoints[i].method] : "-";
}
