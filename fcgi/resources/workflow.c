/*
 * workflow.c: the case workflow as data for clients.
 *
 *	GET /api/v1/workflow
 *
 * Everything here is read from the workflow library's tables
 * (workflow/workflow.h): states, events with their guards, the payload
 * fields, the transfer documents, the deadline kinds.  Nothing about
 * the workflow is written down a second time in this file; the few
 * tables below only name the library's enums for JSON.
 *
 * event_json() is also what GET /api/v1/cases/{id}/actions lists, so a
 * client builds its forms from one shape wherever it got the event.
 */
#include <string.h>

#include "../base/base.h"
#include "../front/front.h"
#include "resources.h"

/* API ids for the library's enums that carry no id of their own. */
static const char *const when_ids[WF_WHEN__MAX] = {
	[WF_WHEN_ANY] = "any",
	[WF_WHEN_FUTURE] = "future",
	[WF_WHEN_NOT_FUTURE] = "not_future",
};

static const char *const phase_ids[WF_PHASE__MAX] = {
	[WF_PHASE_CREATE] = "create",
	[WF_PHASE_APPLY] = "apply",
	[WF_PHASE_PROPOSE] = "propose",
	[WF_PHASE_APPROVE] = "approve",
	[WF_PHASE_REJECT] = "reject",
};

static const char *const op_ids[WF_DLOP__MAX] = {
	[WF_DLOP_START] = "start",
	[WF_DLOP_STOP] = "stop",
};

/* The transfer documents, [{id, label}] (new reference). */
static json_t *
documents_json(void)
{
	json_t	*a = json_array();
	int	 i;

	for (i = 0; a != NULL && i < WF_DOC__MAX; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}",
		    "id", wf_documents[i].id, "label", wf_documents[i].label));
	return a;
}

/*
 * What a file kept with a case may be: [{id, label, document}] --
 * `document` the transfer document it is, or null (new reference).
 */
static json_t *
file_kinds_json(void)
{
	json_t	*a = json_array();
	int	 i;

	for (i = 0; a != NULL && i < WF_FK__MAX; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:o}",
		    "id", wf_file_kinds[i].id, "label", wf_file_kinds[i].label,
		    "document", wf_file_kinds[i].document != WF_DOC__MAX ?
		    json_string(wf_documents[wf_file_kinds[i].document].id) :
		    json_null()));
	return a;
}

/*
 * The types a file may have, judged by its content: [{type, label}]
 * (new reference).  Not the workflow's, but what its forms need.
 */
static json_t *
file_types_json(void)
{
	json_t	*a = json_array();
	int	 i;

	for (i = 0; a != NULL && i < FT__MAX; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:b}",
		    "type", ftypes[i].mime, "label", ftypes[i].label,
		    "image", ftypes[i].image));
	return a;
}

/*
 * One payload field: {name, type, label}, with `when` for dates, `line`
 * for text that is one line (a number, a name: no line breaks), and the
 * documents a `documents` list must hold (new reference).
 */
static json_t *
field_json(enum wf_fid fid)
{
	const struct wf_field_def	*f = &wf_fields[fid];
	json_t				*o;

	o = json_pack("{s:s, s:s, s:s}", "name", f->name,
	    "type", wf_ftype_ids[f->type], "label", f->label);
	if (o == NULL)
		return NULL;
	if (f->type == WF_F_DATE)
		json_object_set_new(o, "when", json_string(when_ids[f->when]));
	if (f->type == WF_F_TEXT)
		json_object_set_new(o, "line", json_boolean(f->line));
	if (f->documents)
		json_object_set_new(o, "documents", documents_json());
	return o;
}

/* A set of roles as an array of ids (new reference). */
static json_t *
role_ids_json(unsigned roles)
{
	json_t	*a = json_array();
	int	 i;

	for (i = 0; a != NULL && i < WF_ROLE__MAX; i++)
		if (roles & WF_ROLE_BIT(i))
			json_array_append_new(a, json_string(wf_role_ids[i]));
	return a;
}

/*
 * An event (new reference): {id, label, from: [state ids], to: state id
 * or "(same)", roles, requires: [field names], optional: [field names],
 * approval, fields: [{name, type, label, ...}] (the required ones),
 * optional_fields: [the same, with "required": false], deadlines:
 * [{phase, op, kind}]}.
 */
json_t *
event_json(enum wf_event e)
{
	const struct wf_event_def	*d = &wf_events[e];
	json_t				*from, *req, *opt, *fields, *dl;
	json_t				*f, *ofields;
	size_t				 i;

	from = json_array();
	for (i = 0; i < WF_STATE__MAX; i++)
		if (d->from & WF_STATE_BIT(i))
			json_array_append_new(from,
			    json_string(wf_states[i].id));
	req = json_array();
	fields = json_array();
	opt = json_array();
	for (i = 0; i < d->nrequires; i++) {
		json_array_append_new(req,
		    json_string(wf_fields[d->requires[i]].name));
		json_array_append_new(fields, field_json(d->requires[i]));
	}
	/* Declared, not required: their own list, "required": false. */
	ofields = json_array();
	for (i = 0; i < d->noptional; i++) {
		json_array_append_new(opt,
		    json_string(wf_fields[d->optional[i]].name));
		if ((f = field_json(d->optional[i])) != NULL)
			json_object_set_new(f, "required", json_false());
		json_array_append_new(ofields, f);
	}
	dl = json_array();
	for (i = 0; i < d->neffects; i++)
		json_array_append_new(dl, json_pack("{s:s, s:s, s:s}",
		    "phase", phase_ids[d->effects[i].phase],
		    "op", op_ids[d->effects[i].op],
		    "kind", wf_deadlines[d->effects[i].kind].id));
	return json_pack("{s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:b, s:o, s:o,"
	    " s:o, s:b}",
	    "id", d->id, "label", d->label, "from", from,
	    "to", d->to == WF_STATE__MAX ? "(same)" : wf_states[d->to].id,
	    "roles", role_ids_json(d->roles), "requires", req,
	    "optional", opt, "approval", d->approval, "fields", fields,
	    "optional_fields", ofields, "deadlines", dl,
	    "system", d->system);
}

/* GET /api/v1/workflow */
void
workflow_get(struct req *r)
{
	const struct wf_deadline_def	*dl;
	json_t				*states, *events, *fields, *roles;
	json_t				*deadlines, *o, *sources;
	int				 i;

	states = json_array();
	for (i = 0; i < WF_STATE__MAX; i++)
		json_array_append_new(states, json_pack("{s:s, s:s, s:b}",
		    "id", wf_states[i].id, "label", wf_states[i].label,
		    "terminal", wf_states[i].terminal));
	events = json_array();
	for (i = 0; i < WF_EV__MAX; i++)
		json_array_append_new(events, event_json((enum wf_event)i));
	fields = json_array();
	for (i = 0; i < WF_FLD__MAX; i++)
		json_array_append_new(fields, field_json((enum wf_fid)i));
	roles = json_array();
	for (i = 0; i < WF_ROLE__MAX; i++)
		json_array_append_new(roles, json_pack("{s:s, s:s}",
		    "id", wf_role_ids[i], "label", wf_role_labels[i]));
	deadlines = json_array();
	for (i = 0; i < WF_DL__MAX; i++) {
		dl = &wf_deadlines[i];
		o = json_pack("{s:s, s:s, s:s, s:i, s:s}", "id", dl->id,
		    "label", dl->label, "unit", wf_dl_unit_ids[dl->unit],
		    "amount", dl->amount, "basis", dl->basis);
		if (o != NULL && dl->unit == WF_UNIT_GIVEN)
			json_object_set_new(o, "field",
			    json_string(wf_fields[dl->field].name));
		json_array_append_new(deadlines, o);
	}
	/* Where a case comes from; `manual`: POST /cases may name it. */
	sources = json_array();
	for (i = 0; i < WF_SRC__MAX; i++)
		json_array_append_new(sources, json_pack("{s:s, s:s, s:b}",
		    "id", wf_sources[i].id, "label", wf_sources[i].label,
		    "manual", wf_sources[i].manual));
	reply_json(r, 200, json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
	    " s:I, s:o, s:i}",
	    "states", states, "events", events, "fields", fields,
	    "roles", roles, "documents", documents_json(),
	    "deadlines", deadlines, "file_kinds", file_kinds_json(),
	    "file_types", file_types_json(),
	    "file_max_bytes", (json_int_t)MAX_UPLOAD, "sources", sources,
	    "referral_due_days", (int)cfg.referral_due_days));
}
