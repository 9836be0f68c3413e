/*
 * record.c: the ledger's record format and chain hash -- one definition,
 * used by the writer (append.c, the bulk seeder) and by verify, and
 * checked again by the database (sql/0007_cases.sql, 0017_ledger.sql):
 *
 *	hash = SHA-256(tag || int8 id || int4 seq || prev_hash
 *	               || SHA-256(record))
 *
 * tag the stream's ("paicha/case-event/v1" for cases); integers
 * big-endian; prev_hash 32 zero bytes for the first event; record the
 * event as canonical JSON: keys sorted, compact, UTF-8, as Jansson's
 * JSON_COMPACT | JSON_SORT_KEYS writes it.  A case's record reads
 *
 *	{"actor":A,"at":"T","case":C,"case_region":"R","event":"E",
 *	 "from":F,"payload":{...},"phase":"P","region":"G",
 *	 "request_id":"I","role":"O","seq":S,"to":"N"}
 *
 * Its members are one table below; the writer fills them from an
 * event, verify from an event row's columns, and both compare or hash
 * the same bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "../base/base.h"
#include "ledger.h"

const struct ledger_stream ledger_streams[LEDGER__MAX] = {
	[LEDGER_CASE] = { "case", "paicha/case-event/v1" },
	[LEDGER_USER] = { "user", "paicha/user-event/v1" },
	[LEDGER_ENTERPRISE] = { "enterprise", "paicha/enterprise-event/v1" },
	[LEDGER_CATEGORY] = { "category", "paicha/category-event/v1" },
	[LEDGER_CAMPAIGN] = { "campaign", "paicha/campaign-event/v1" },
	[LEDGER_SUPERVISION] = { "supervision",
	    "paicha/supervision-event/v1" },
	[LEDGER_ACTIVITY] = { "activity", "paicha/activity-event/v1" },
	[LEDGER_FILE] = { "file", "paicha/file-event/v1" },
	[LEDGER_SUBMISSION] = { "submission", "paicha/submission-event/v1" },
	[LEDGER_REFERRAL] = { "referral", "paicha/referral-event/v1" },
	[LEDGER_WEBHOOK] = { "webhook", "paicha/webhook-event/v1" },
	[LEDGER_SELF_INSPECTION] = { "self_inspection",
	    "paicha/self_inspection-event/v1" },
	[LEDGER_CHECKLIST_ITEM] = { "checklist_item",
	    "paicha/checklist_item-event/v1" },
};

/* ------------------------------------------------------------------ */
/* The members of a record                                            */
/* ------------------------------------------------------------------ */

enum mkind {
	MK_INT64,	/* int64_t */
	MK_INT32,	/* int32_t */
	MK_TIME,	/* long long microseconds, written as format_time */
	MK_TEXT,	/* struct text */
	MK_TEXT_NULL,	/* struct text, null when .s is NULL */
	MK_PAYLOAD,	/* the payload's canonical JSON goes here */
	MK__MAX
};

struct member {
	const char	*key;		/* as written, with its quotes */
	enum mkind	 kind;
	size_t		 off;		/* into struct record_head */
};

#define M(key, kind, field) \
	{ "\"" key "\":", kind, offsetof(struct record_head, field) }

/* A case's record, in canonical (byte-sorted) key order. */
static const struct member case_members[] = {
	M("actor", MK_INT64, actor),
	M("at", MK_TIME, at_us),
	M("case", MK_INT64, id),
	M("case_region", MK_TEXT, scope_region),
	M("event", MK_TEXT, event),
	M("from", MK_TEXT_NULL, from),
	M("payload", MK_PAYLOAD, actor),
	M("phase", MK_TEXT, phase),
	M("region", MK_TEXT, region),
	M("request_id", MK_TEXT, request_id),
	M("role", MK_TEXT, role),
	M("seq", MK_INT32, seq),
	M("to", MK_TEXT, to),
};

/*
 * Every other stream's record (sql/0031_ledger_streams.sql):
 *
 *	{"actor":A,"at":"T","entity":"user","entity_id":5,"event":"update",
 *	 "payload":{...},"region":"G","request_id":"I","role":"admin",
 *	 "scope_region":"R","seq":S}
 */
static const struct member entity_members[] = {
	M("actor", MK_INT64, actor),
	M("at", MK_TIME, at_us),
	M("entity", MK_TEXT, entity),
	M("entity_id", MK_INT64, id),
	M("event", MK_TEXT, event),
	M("payload", MK_PAYLOAD, actor),
	M("region", MK_TEXT, region),
	M("request_id", MK_TEXT, request_id),
	M("role", MK_TEXT, role),
	M("scope_region", MK_TEXT, scope_region),
	M("seq", MK_INT32, seq),
};

#define ENTITY_RECORD	{ entity_members, NITEMS(entity_members) }

static const struct {
	const struct member	*members;
	size_t			 n;
} records[LEDGER__MAX] = {
	[LEDGER_CASE] = { case_members, NITEMS(case_members) },
	[LEDGER_USER] = ENTITY_RECORD,
	[LEDGER_ENTERPRISE] = ENTITY_RECORD,
	[LEDGER_CATEGORY] = ENTITY_RECORD,
	[LEDGER_CAMPAIGN] = ENTITY_RECORD,
	[LEDGER_SUPERVISION] = ENTITY_RECORD,
	[LEDGER_ACTIVITY] = ENTITY_RECORD,
	[LEDGER_FILE] = ENTITY_RECORD,
	[LEDGER_SUBMISSION] = ENTITY_RECORD,
	[LEDGER_REFERRAL] = ENTITY_RECORD,
	[LEDGER_WEBHOOK] = ENTITY_RECORD,
	[LEDGER_SELF_INSPECTION] = ENTITY_RECORD,
	[LEDGER_CHECKLIST_ITEM] = ENTITY_RECORD,
};

/* ------------------------------------------------------------------ */
/* Writing a record                                                   */
/* ------------------------------------------------------------------ */

struct out {
	char	*buf;
	size_t	 size, len;
};

static int
put(struct out *o, const char *s, size_t n)
{
	if (o->len + n >= o->size)
		return -1;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	return 0;
}

/* `n` in decimal, as Jansson writes an integer. */
static int
put_int(struct out *o, long long n)
{
	char			 buf[24], *p = buf + sizeof(buf);
	unsigned long long	 u = n < 0 ? 0ULL - (unsigned long long)n :
				    (unsigned long long)n;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (n < 0)
		*--p = '-';
	return put(o, p, (size_t)(buf + sizeof(buf) - p));
}

/*
 * A string as Jansson's canonical dump writes it: printable ASCII other
 * than '"' and '\' as is (the common case, done here), anything else by
 * Jansson itself.  Returns 0, or -1 when it cannot be JSON (not UTF-8)
 * or does not fit.
 */
static int
put_string(struct out *o, const char *s, size_t n)
{
	json_t	*j;
	char	*d;
	size_t	 i;
	int	 rc;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e ||
		    s[i] == '"' || s[i] == '\\')
			break;
	if (i == n)
		return put(o, "\"", 1) == 0 && put(o, s, n) == 0 &&
		    put(o, "\"", 1) == 0 ? 0 : -1;
	if ((j = json_stringn(s, n)) == NULL)
		return -1;
	d = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
	json_decref(j);
	rc = d != NULL ? put(o, d, strlen(d)) : -1;
	free(d);
	return rc;
}

/*
 * Write the record of `h` without its payload into `buf` (`size`
 * bytes): every member as the record spells it, and where the payload
 * belongs -- after "payload": -- nothing, its offset in *payload_at.
 * Returns the length written, or -1 when it does not fit or a text is
 * not UTF-8.  The record is then buf[0, *payload_at), the payload's
 * canonical JSON, and buf[*payload_at, length).
 */
long
record_skeleton(char *buf, size_t size, enum ledger_entity entity,
    const struct record_head *h, size_t *payload_at)
{
	const struct member	*m = records[entity].members;
	const struct text	*t;
	struct out		 o = { buf, size, 0 };
	char			 at[TIME_LEN];
	const char		*field;
	size_t			 i;
	int			 rc = 0;

	*payload_at = 0;
	for (i = 0; rc == 0 && i < records[entity].n; i++) {
		field = (const char *)h + m[i].off;
		t = (const struct text *)(const void *)field;
		rc = put(&o, i == 0 ? "{" : ",", 1);
		if (rc == 0)
			rc = put(&o, m[i].key, strlen(m[i].key));
		if (rc != 0)
			break;
		switch (m[i].kind) {
		case MK_INT64:
			rc = put_int(&o, *(const int64_t *)(const void *)field);
			break;
		case MK_INT32:
			rc = put_int(&o, *(const int32_t *)(const void *)field);
			break;
		case MK_TIME:
			format_time(*(const long long *)(const void *)field, at);
			rc = put_string(&o, at, strlen(at));
			break;
		case MK_TEXT_NULL:
			if (t->s == NULL) {
				rc = put(&o, "null", 4);
				break;
			}
			/* FALLTHROUGH */
		case MK_TEXT:
			rc = put_string(&o, t->s, t->n);
			break;
		case MK_PAYLOAD:
			*payload_at = o.len;
			break;
		case MK__MAX:
			rc = -1;
			break;
		}
	}
	if (rc == 0)
		rc = put(&o, "}", 1);
	return rc == 0 ? (long)o.len : -1;
}

/*
 * The member of an `entity` record that holds the entity's id ("case"
 * for a case's, "entity_id" for the others'), without its quotes, into
 * `buf` (`size` bytes).  Returns 0, or -1 when it does not fit.
 */
int
record_id_key(enum ledger_entity entity, char *buf, size_t size)
{
	const struct member	*m = records[entity].members;
	size_t			 i, n;

	for (i = 0; i < records[entity].n; i++) {
		if (m[i].off != offsetof(struct record_head, id) ||
		    m[i].kind != MK_INT64)
			continue;
		/* "\"key\":" */
		n = strlen(m[i].key) - 3;
		if (n + 1 > size)
			return -1;
		memcpy(buf, m[i].key + 1, n);
		buf[n] = '\0';
		return 0;
	}
	return -1;
}

/* The canonical text of a JSON value (malloc'd), or NULL. */
char *
chain_canonical(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

/* ------------------------------------------------------------------ */
/* The chain hash                                                     */
/* ------------------------------------------------------------------ */

/*
 * Open a hasher: a SHA-256 context to hash many events with, for the
 * bulk readers (verify).  Returns 0, or -1 (out of memory).
 */
int
chain_hasher_open(struct chain_hasher *h)
{
	h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	h->ctx = EVP_MD_CTX_new();
	if (h->md == NULL || h->ctx == NULL) {
		chain_hasher_close(h);
		return -1;
	}
	return 0;
}

void
chain_hasher_close(struct chain_hasher *h)
{
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->md);
	h->ctx = NULL;
	h->md = NULL;
}

/*
 * Compute the hash of event (id, seq) of an `entity` stream whose record
 * is `len` bytes at `record`, chained onto `prev`, into `out`.  Returns
 * 0, or -1 when OpenSSL fails (out of memory); `out` is then not a hash.
 */
int
chain_hash_with(struct chain_hasher *h, enum ledger_entity entity,
    int64_t id, int32_t seq, const unsigned char *prev, const char *record,
    size_t len, unsigned char *out)
{
	const char	*tag = ledger_streams[entity].tag;
	unsigned char	 rh[SHA256_DIGEST_LENGTH], ib[8], sb[4];
	int		 i;

	for (i = 0; i < 8; i++)
		ib[i] = (unsigned char)((uint64_t)id >> (56 - 8 * i));
	for (i = 0; i < 4; i++)
		sb[i] = (unsigned char)((uint32_t)seq >> (24 - 8 * i));
	if (EVP_DigestInit_ex2(h->ctx, h->md, NULL) != 1 ||
	    EVP_DigestUpdate(h->ctx, record, len) != 1 ||
	    EVP_DigestFinal_ex(h->ctx, rh, NULL) != 1 ||
	    EVP_DigestInit_ex2(h->ctx, h->md, NULL) != 1 ||
	    EVP_DigestUpdate(h->ctx, tag, strlen(tag)) != 1 ||
	    EVP_DigestUpdate(h->ctx, ib, sizeof(ib)) != 1 ||
	    EVP_DigestUpdate(h->ctx, sb, sizeof(sb)) != 1 ||
	    EVP_DigestUpdate(h->ctx, prev, CHAIN_LEN) != 1 ||
	    EVP_DigestUpdate(h->ctx, rh, sizeof(rh)) != 1 ||
	    EVP_DigestFinal_ex(h->ctx, out, NULL) != 1)
		return -1;
	return 0;
}

/* chain_hash_with on a hasher of its own: 0, or -1 (out of memory). */
int
chain_hash(enum ledger_entity entity, int64_t id, int32_t seq,
    const unsigned char *prev, const char *record, size_t len,
    unsigned char *out)
{
	struct chain_hasher	 h;
	int			 rc;

	if (chain_hasher_open(&h) == -1)
		return -1;
	rc = chain_hash_with(&h, entity, id, seq, prev, record, len, out);
	chain_hasher_close(&h);
	return rc;
}
