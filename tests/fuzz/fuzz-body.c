/*
 * fuzz-body.c: JSON bodies (and the list's query string) through each
 * resource's own field table, as a signed-in user sends them.
 *
 * Every handler that takes a body or a query string is here.
 *
 * Input: byte 0 picks the handler, byte 1 the headers (bit 0 If-Match,
 * bit 1 Idempotency-Key), the rest is the body -- parsed as the front
 * line parses it -- or, for the case list, the query string.  The
 * handler runs as it does in the service: its vfield table (validate.c)
 * answers 400 or 422, or the values pass and reach the database, which
 * is down: 503.  Each handler may answer only what its row says.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"

struct target {
	const char	*name;
	void		(*handle)(struct req *);
	int		 query;		/* the rest is a query string */
	int		 allowed[8];	/* statuses it may answer, 0-ended */
	int		 nopassword;	/* drop "password" from the body */
};

/*
 * The handlers of the other resources may also refuse on grounds of
 * their own before the database (a region outside the user's: 403 or
 * 404; a stale or missing If-Match: 412, 428): never 500, never a 2xx.
 */
#define OTHERS	{ 400, 403, 404, 412, 422, 428, 503, 0 }

static const struct target targets[] = {
	{ "session_create", session_create, 0, { 400, 422, 503, 0 }, 0 },
	{ "case_create", case_create, 0, { 400, 422, 503, 0 }, 0 },
	{ "case_transition", case_transition, 0, { 400, 422, 428, 503, 0 }, 0 },
	{ "case_approval", case_approval, 0, { 400, 422, 428, 503, 0 }, 0 },
	{ "case_list", case_list, 1, { 400, 503, 0 }, 0 },
	{ "enterprise_create", enterprise_create, 0, OTHERS, 0 },
	{ "enterprise_patch", enterprise_patch, 0, OTHERS, 0 },
	{ "enterprise_list", enterprise_list, 1, OTHERS, 0 },
	/*
	 * A valid password is hashed -- PBKDF2, 600,000 iterations, seconds
	 * under ASan -- before the database is asked: the target drops it so
	 * the other fields are fuzzed at speed (test-password checks the
	 * hashing).  user_create then always misses it: 422.
	 */
	{ "user_create", user_create, 0, OTHERS, 1 },
	{ "user_patch", user_patch, 0, OTHERS, 1 },
	{ "user_list", user_list, 1, OTHERS, 0 },
	{ "category_create", category_create, 0, OTHERS, 0 },
	{ "regions_get", regions_get, 1, OTHERS, 0 },
	{ "activity_create", activity_create, 0, OTHERS, 0 },
	{ "activity_list", activity_list, 1, OTHERS, 0 },
	{ "report_campaign", report_campaign, 1, OTHERS, 0 },
	/*
	 * Webhooks: the list and the delivery log's query.  webhook_create
	 * is not here: a valid URL is resolved (getaddrinfo), which a
	 * fuzzer must not do; tests/unit/test-outbound.c and e2e-webhooks
	 * cover its refusals.
	 */
	{ "webhook_list", webhook_list, 1, OTHERS, 0 },
	{ "webhook_deliveries", webhook_deliveries, 1, OTHERS, 0 },
};

#define NTARGETS	(sizeof(targets) / sizeof(targets[0]))

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct target	*t;
	struct fuzz_req		 f;
	json_error_t		 jerr;
	const char		*rest;
	size_t			 n, i;
	int			 status, ok = 0;

	if (size < 2)
		return 0;
	t = &targets[data[0] % NTARGETS];
	rest = (const char *)data + 2;
	n = size - 2;
	fuzz_req_init(&f, (const uint8_t *)rest, t->query ? 0 : n);
	if (data[1] & 1)
		fuzz_req_env(&f, "HTTP_IF_MATCH", "\"1\"", 3);
	if (data[1] & 2)
		fuzz_req_env(&f, "HTTP_IDEMPOTENCY_KEY", "fuzz-key", 8);
	f.r.method = METHOD_POST;
	f.r.path = "/api/v1/cases/1/transitions";
	f.r.ids[0] = 1;
	f.r.authed = 1;
	f.r.user.id = 7;
	f.r.user.session_id = 9;
	f.r.user.roles = R(OFFICER) | R(LEGAL) | R(ADMIN);
	memcpy(f.r.user.region, "110000", 7);
	snprintf(f.r.user.username, sizeof(f.r.user.username), "fuzz");
	if (t->query) {
		if (memchr(rest, '\0', n) != NULL)
			goto out;
		f.r.method = METHOD_GET;
		fuzz_req_env(&f, "QUERY_STRING", rest, n);
		if (req_parse_query(&f.r, f.r.w->query,
		    sizeof(f.r.w->query)) == -1)
			goto out;
	} else {
		/* As router.c takes a body. */
		f.r.body = (const char *)f.body;
		f.r.bodylen = n;
		f.r.json = json_loadb(rest, n, JSON_REJECT_DUPLICATES, &jerr);
		if (!json_is_object(f.r.json))
			goto out;
		if (t->nopassword)
			json_object_del(f.r.json, "password");
	}
	t->handle(&f.r);
	status = fuzz_req_finish(&f);
	for (i = 0; t->allowed[i] != 0; i++)
		if (t->allowed[i] == status)
			ok = 1;
	if (!ok)
		fuzz_fail("%s answered %d: %s", t->name, status,
		    f.reply != NULL ? f.reply : "(nothing)");
out:
	json_decref(f.r.json);
	fuzz_req_free(&f);
	return 0;
}
