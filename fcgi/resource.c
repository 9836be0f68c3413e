/*
 * resource.c: answering with a resource -- the one way every handler
 * replies with a case, an enterprise, a user or an activity, so that
 * ETags, Location, idempotent replays and "2xx only after COMMIT" are
 * done the same everywhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paicha.h"

/*
 * The reply for a resource that could not be built: the database failed
 * (recorded in `r`), or there is no such `noun` the user may see.
 */
static void
reply_missing(struct req *r, const char *noun)
{
	char	 detail[64];

	if (r->sqlstate[0] != '\0') {
		reply_db_error(r);
		return;
	}
	snprintf(detail, sizeof(detail), "no such %s", noun);
	reply_problem(r, 404, NULL, detail, NULL);
}

/* ETag from the resource's "version", when it has one. */
static void
etag_of(struct req *r, const json_t *o)
{
	const json_t	*v = json_object_get(o, "version");

	if (json_is_integer(v))
		snprintf(r->etag, sizeof(r->etag), "%lld",
		    (long long)json_integer_value(v));
}

/*
 * Reply 200 with the resource `o` (stolen) and its ETag.  `o` NULL: see
 * reply_missing().
 */
void
reply_resource(struct req *r, json_t *o, const char *noun)
{
	if (o == NULL) {
		reply_missing(r, noun);
		return;
	}
	etag_of(r, o);
	reply_json(r, 200, o);
}

/*
 * Finish a change made in the open transaction: store the answer for the
 * Idempotency-Key (`idem` may be NULL), COMMIT, and only then reply
 * `status` with the resource `o` (stolen), its ETag and, when `location`
 * is not NULL, a Location.  A failed or lost COMMIT answers as the
 * database failure it is (503: outcome unknown, retry with the key).
 */
void
reply_change(struct req *r, json_t *o, int status, const char *noun,
    const char *location, const struct idem *idem)
{
	static const struct idem none = { NULL };
	char	*text;

	if (o == NULL) {
		reply_missing(r, noun);
		return;
	}
	etag_of(r, o);
	if (location != NULL)
		snprintf(r->location, sizeof(r->location), "%s", location);
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (text == NULL) {
		reply_problem(r, 500, NULL, "internal error", NULL);
		return;
	}
	if (idem_finish(r, idem != NULL ? idem : &none, status, text) == -1 ||
	    db_commit(r) == -1)
		reply_db_error(r);
	else
		reply_text(r, status, "application/json; charset=utf-8", text,
		    strlen(text));
	free(text);
}
