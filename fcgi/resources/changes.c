/*
 * changes.c: a resource's change as an event of its stream -- a user's,
 * an enterprise's, a category's, a campaign's -- appended in the
 * request's transaction, as the request's user acting in the role the
 * route allowed (../routes.c).
 */
#include <jansson.h>

#include "../front/front.h"
#include "resources.h"

/*
 * Append `event` with `payload` (borrowed) to the stream of `entity`
 * `id`, whose region is `scope_region`.  The caller holds the entity
 * row's lock (its INSERT or guarded UPDATE).  Returns 0, or -1 with the
 * failure recorded in `r`.
 */
int
change_record(struct req *r, enum ledger_entity entity, int64_t id,
    const char *scope_region, const char *event, json_t *payload)
{
	struct ledger_event	 ev;

	ledger_change(&ev, entity, id, scope_region,
	    acting_role(r->user.roles, r->ep->roles), event, payload);
	return ledger_append(r, &ev);
}

/*
 * The change from `before` to `after` (both borrowed) in the members
 * `keys` as event "update" (ledger_diff), when anything changed.
 * Returns 0, or -1 with the failure recorded in `r`.
 */
int
change_update(struct req *r, enum ledger_entity entity, int64_t id,
    const char *scope_region, const json_t *before, const json_t *after,
    const char *const *keys)
{
	json_t	*d = ledger_diff(before, after, keys);
	int	 rc;

	if (d == NULL) {
		req_fail(r, "could not build the change's event");
		return -1;
	}
	rc = change_record(r, entity, id, scope_region, "update", d);
	json_decref(d);
	return rc;
}
