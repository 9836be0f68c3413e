/*
 * payload.c: the workflow library reads an event's payload through a
 * struct wf_payload (workflow/workflow.h); this is that view over a
 * Jansson object.
 */
#include <jansson.h>

#include "resources.h"

static enum wf_vkind
kind_of(const json_t *v)
{
	if (v == NULL)
		return WF_V_ABSENT;
	switch (json_typeof(v)) {
	case JSON_NULL:
		return WF_V_NULL;
	case JSON_STRING:
		return WF_V_STRING;
	case JSON_TRUE:
	case JSON_FALSE:
		return WF_V_BOOL;
	case JSON_ARRAY:
		return WF_V_LIST;
	case JSON_INTEGER:
		return WF_V_INTEGER;
	case JSON_OBJECT:
	case JSON_REAL:
		return WF_V_OTHER;
	}
	return WF_V_OTHER;
}

static enum wf_vkind
pl_kind(void *ctx, const char *f)
{
	return kind_of(json_object_get(ctx, f));
}

static const char *
pl_string(void *ctx, const char *f)
{
	return json_string_value(json_object_get(ctx, f));
}

static int
pl_boolean(void *ctx, const char *f)
{
	return json_is_true(json_object_get(ctx, f));
}

static size_t
pl_list_len(void *ctx, const char *f)
{
	return json_array_size(json_object_get(ctx, f));
}

static enum wf_vkind
pl_list_kind(void *ctx, const char *f, size_t i)
{
	return kind_of(json_array_get(json_object_get(ctx, f), i));
}

static const char *
pl_list_string(void *ctx, const char *f, size_t i)
{
	return json_string_value(json_array_get(json_object_get(ctx, f), i));
}

static long long
pl_list_integer(void *ctx, const char *f, size_t i)
{
	return (long long)json_integer_value(json_array_get(
	    json_object_get(ctx, f), i));
}

/* A wf_payload view of a Jansson object (borrowed, must outlive `p`). */
void
payload_view(struct wf_payload *p, json_t *obj)
{
	p->ctx = obj;
	p->kind = pl_kind;
	p->string = pl_string;
	p->boolean = pl_boolean;
	p->list_len = pl_list_len;
	p->list_kind = pl_list_kind;
	p->list_string = pl_list_string;
	p->list_integer = pl_list_integer;
}
