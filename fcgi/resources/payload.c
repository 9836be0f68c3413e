/*
 * payload.c: the workflow library reads an event's payload through a
 * struct wf_payload (workflow/workflow.h); this is that view over a
 * Jansson object -- and over a payload's JSON text, parsed only when a
 * field is first asked for (verify's replay reads millions of payloads,
 * most of them never).
 */
#include <string.h>

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

static void *
pl_keys(void *ctx, void *it, const char **key)
{
	it = it == NULL ? json_object_iter(ctx) :
	    json_object_iter_next(ctx, it);
	if (it != NULL)
		*key = json_object_iter_key(it);
	return it;
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
	p->keys = pl_keys;
	p->list_integer = pl_list_integer;
}

/* ---- lazily parsed ------------------------------------------------ */

/*
 * Past the JSON value at p[0] (p < e): a string, an object or array
 * (strings inside skipped), or a scalar.  Returns the end, or NULL when
 * it is not one.  *esc: a string with a backslash was met.
 */
static const char *
skip_value(const char *p, const char *e, int *esc)
{
	const char	*q, *b;
	int		 depth = 0;

	do {
		if (p >= e)
			return NULL;
		switch (*p) {
		case '"':
			/* To the quote no backslash escapes, at memchr's pace. */
			for (p++;;) {
				if ((q = memchr(p, '"', (size_t)(e - p))) == NULL)
					return NULL;
				if ((b = memchr(p, '\\', (size_t)(q - p))) == NULL)
					break;
				*esc = 1;
				if ((p = b + 2) > e)
					return NULL;
			}
			p = q + 1;
			break;
		case '{':
		case '[':
			depth++;
			p++;
			break;
		case '}':
		case ']':
			if (--depth < 0)
				return NULL;
			p++;
			break;
		default:
			if (depth == 0) {
				while (p < e && *p != ',' && *p != '}' &&
				    *p != ']')
					p++;
				return p;
			}
			p++;
			break;
		}
	} while (depth > 0);
	return p;
}

/*
 * The raw JSON of the top-level members `keys` (n of them) of the
 * compact object at l->text (as the ledger's canonical records hold
 * payloads), in one pass: 0 with vals[i], lens[i] the span of keys[i]
 * (NULL when it has none); -1 when this quick reading cannot tell (not
 * compact, an escape in a key or in a value asked for, a key twice):
 * ask Jansson instead.
 */
int
lazy_payload_members(const struct lazy_payload *l, const char *const *keys,
    size_t n, const char **vals, size_t *lens)
{
	const char	*p = l->text, *e = l->text + l->len, *kend, *vend;
	size_t		 i, kl;
	int		 esc = 0;

	for (i = 0; i < n; i++)
		vals[i] = NULL;
	if (p >= e || *p++ != '{')
		return -1;
	if (p < e && *p == '}')
		return p + 1 == e ? 0 : -1;
	while (p < e) {
		/* "key": the key's bytes are p + 1 .. kend - 1. */
		if (*p != '"' || (kend = skip_value(p, e, &esc)) == NULL ||
		    esc || kend >= e || *kend != ':')
			return -1;
		if ((vend = skip_value(kend + 1, e, &esc)) == NULL || vend >= e ||
		    vend == kend + 1)
			return -1;
		kl = (size_t)(kend - 1 - (p + 1));
		for (i = 0; i < n; i++)
			if (strlen(keys[i]) == kl &&
			    memcmp(p + 1, keys[i], kl) == 0) {
				if (esc || vals[i] != NULL)
					return -1;
				vals[i] = kend + 1;
				lens[i] = (size_t)(vend - (kend + 1));
			}
		esc = 0;
		if (*vend == '}')
			return vend + 1 == e ? 0 : -1;
		if (*vend != ',')
			return -1;
		p = vend + 1;
	}
	return -1;
}

/* One member, as lazy_payload_members: 1 found, 0 none, -1 unsure. */
int
lazy_payload_member(const struct lazy_payload *l, const char *key,
    const char **val, size_t *len)
{
	if (lazy_payload_members(l, &key, 1, val, len) == -1)
		return -1;
	return *val != NULL;
}

/* The parsed object of `l`, parsing it now if need be; NULL if bad. */
static json_t *
lazy_obj(struct lazy_payload *l)
{
	if (l->obj == NULL && !l->bad &&
	    (l->obj = json_loadb(l->text, l->len, JSON_REJECT_DUPLICATES,
	    NULL)) == NULL)
		l->bad = 1;
	return l->obj;
}

static enum wf_vkind
lz_kind(void *ctx, const char *f)
{
	struct lazy_payload	*l = ctx;
	const char		*v;
	size_t			 n;

	switch (l->obj == NULL ? lazy_payload_member(l, f, &v, &n) : -1) {
	case 0:
		return WF_V_ABSENT;
	case 1:
		switch (v[0]) {
		case '"':
			return WF_V_STRING;
		case 't':
		case 'f':
			return WF_V_BOOL;
		case 'n':
			return WF_V_NULL;
		case '[':
			return WF_V_LIST;
		default:
			/* A whole number: digits, perhaps a minus; as kind_of. */
			return n > 0 && strspn(v + (v[0] == '-'), "0123456789") ==
			    n - (v[0] == '-') ? WF_V_INTEGER : WF_V_OTHER;
		}
	default:
		return kind_of(json_object_get(lazy_obj(l), f));
	}
}

/* A string member read quickly: copied, NUL-terminated, into l->buf. */
static const char *
lz_string(void *ctx, const char *f)
{
	struct lazy_payload	*l = ctx;
	const char		*v;
	char			*out;
	size_t			 n;

	switch (l->obj == NULL ? lazy_payload_member(l, f, &v, &n) : -1) {
	case 0:
		return NULL;
	case 1:
		if (v[0] != '"')
			return NULL;
		if (n >= 2 && n - 2 < sizeof(l->buf) - l->used) {
			out = l->buf + l->used;
			memcpy(out, v + 1, n - 2);
			out[n - 2] = '\0';
			l->used += n - 1;
			return out;
		}
		/* FALLTHROUGH */
	default:
		return pl_string(lazy_obj(l), f);
	}
}

static int
lz_boolean(void *ctx, const char *f)
{
	return pl_boolean(lazy_obj(ctx), f);
}

static size_t
lz_list_len(void *ctx, const char *f)
{
	return pl_list_len(lazy_obj(ctx), f);
}

static enum wf_vkind
lz_list_kind(void *ctx, const char *f, size_t i)
{
	return pl_list_kind(lazy_obj(ctx), f, i);
}

static const char *
lz_list_string(void *ctx, const char *f, size_t i)
{
	return pl_list_string(lazy_obj(ctx), f, i);
}

static long long
lz_list_integer(void *ctx, const char *f, size_t i)
{
	return pl_list_integer(lazy_obj(ctx), f, i);
}

static void *
lz_keys(void *ctx, void *it, const char **key)
{
	json_t	*o = lazy_obj(ctx);

	return o != NULL ? pl_keys(o, it, key) : NULL;
}

/*
 * A wf_payload view of the `len` bytes of JSON at `text` (borrowed, must
 * outlive `p`), parsed into `l` on the first question; a text that does
 * not parse reads as an empty payload, and l->bad says so.  Free the
 * parse with lazy_payload_free.
 */
void
payload_view_lazy(struct wf_payload *p, struct lazy_payload *l,
    const char *text, size_t len)
{
	l->text = text;
	l->len = len;
	l->obj = NULL;
	l->bad = 0;
	l->used = 0;
	p->ctx = l;
	p->kind = lz_kind;
	p->string = lz_string;
	p->boolean = lz_boolean;
	p->list_len = lz_list_len;
	p->list_kind = lz_list_kind;
	p->list_string = lz_list_string;
	p->list_integer = lz_list_integer;
	p->keys = lz_keys;
}

void
lazy_payload_free(struct lazy_payload *l)
{
	json_decref(l->obj);
	l->obj = NULL;
}
