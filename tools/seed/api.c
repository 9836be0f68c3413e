/*
 * api.c: the API driver of paicha-seed -- the small demo set, made the way
 * people make it: logged in as the demo officers and legal reviewers,
 * every case registered, moved and approved through the real HTTPS API
 * (nginx, the service, its transactions), with If-Match and an
 * Idempotency-Key on every change.
 *
 * The walks are the same as the bulk driver's, taken "now": the service
 * stamps its own times.  Each answer must be the one the workflow library
 * predicted (200 applied, 202 proposed); anything else stops the seed.
 *
 * Enterprises and activities go through their endpoints when the service
 * has them; a service without them (an older build) gets them by SQL,
 * and the seed says so.  Where the service keeps files, about a third of
 * the cases get a photo from the site, a fifth an inspection report, and
 * every case transferred to the police the five documents of its
 * transfer (media.c makes them).
 *
 * l->jobs threads share the work, case k going to thread k mod jobs; each
 * user logs in once and every thread's handle for that user shares the
 * session cookie (a curl share), as tabs of one browser would.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "seed.h"

#define DEMO_PASSWORD	"paicha-demo"

/* One user's session, shared by the threads' handles. */
struct user {
	const char	*username;
	CURLSH		*share;
	pthread_mutex_t	 lock;
};

struct client {
	CURL		*h;
	struct user	*u;
};

struct reply {
	long		 status;
	char		*body;
	size_t		 len;
	json_t		*json;
};

static const char	*base_url;
static const char	*ca_file;

static size_t
collect(char *data, size_t size, size_t n, void *arg)
{
	struct reply	*r = arg;
	char		*p;

	if ((p = realloc(r->body, r->len + size * n + 1)) == NULL)
		return 0;
	memcpy(p + r->len, data, size * n);
	r->body = p;
	r->len += size * n;
	r->body[r->len] = '\0';
	return size * n;
}

static void
reply_free(struct reply *r)
{
	free(r->body);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

/*
 * One request as client `c`; `body` (borrowed) may be NULL; `headers`
 * NULL-terminated extra headers.  Fills `r`; returns the status (0 when
 * no answer came).
 */
static long
call(struct client *c, const char *method, const char *path, json_t *body,
    const char *const *headers, struct reply *r)
{
	struct curl_slist	*hl = NULL;
	char			*url, *text = NULL;
	CURLcode		 rc;

	memset(r, 0, sizeof(*r));
	if (asprintf(&url, "%s%s", base_url, path) == -1)
		fatal("out of memory");
	for (; headers != NULL && *headers != NULL; headers++)
		hl = curl_slist_append(hl, *headers);
	if (body != NULL) {
		text = json_dumps(body, JSON_COMPACT);
		hl = curl_slist_append(hl,
		    "Content-Type: application/json; charset=utf-8");
	}
	curl_easy_setopt(c->h, CURLOPT_URL, url);
	curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(c->h, CURLOPT_HTTPGET, text == NULL ? 1L : 0L);
	if (text == NULL)
		curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c->h, CURLOPT_WRITEDATA, r);
	rc = curl_easy_perform(c->h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &r->status);
	else
		note("%s %s: %s", method, path, curl_easy_strerror(rc));
	if (r->body != NULL)
		r->json = json_loads(r->body, 0, NULL);
	curl_slist_free_all(hl);
	free(text);
	free(url);
	return r->status;
}

/*
 * Upload `len` bytes at `data` of type `ctype` as a file of case `id`:
 * kind `kind`, name `name` (URL-escaped here), Idempotency-Key `key`.
 * Returns the status (0 when no answer came).
 */
static long
call_file(struct client *c, json_int_t id, const char *kind, const char *name,
    const char *ctype, const void *data, size_t len, const char *key)
{
	struct curl_slist	*hl = NULL;
	struct reply		 r;
	char			*url, *esc, h1[128], h2[160];
	CURLcode		 rc;

	memset(&r, 0, sizeof(r));
	if ((esc = curl_easy_escape(c->h, name, 0)) == NULL ||
	    asprintf(&url, "%s/api/v1/cases/%lld/files?kind=%s&name=%s",
	    base_url, (long long)id, kind, esc) == -1)
		fatal("out of memory");
	snprintf(h1, sizeof(h1), "Content-Type: %s", ctype);
	snprintf(h2, sizeof(h2), "Idempotency-Key: %s", key);
	hl = curl_slist_append(hl, h1);
	hl = curl_slist_append(hl, h2);
	curl_easy_setopt(c->h, CURLOPT_URL, url);
	curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, "POST");
	curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, data);
	curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c->h, CURLOPT_WRITEDATA, &r);
	rc = curl_easy_perform(c->h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &r.status);
	if (r.status != 201)
		fatal("case %lld: file %s: %ld %s", (long long)id, name, r.status,
		    rc != CURLE_OK ? curl_easy_strerror(rc) :
		    r.body != NULL ? r.body : "");
	curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)-1);
	curl_slist_free_all(hl);
	curl_free(esc);
	free(url);
	reply_free(&r);
	return 201;
}

static void
share_lock(CURL *h, curl_lock_data d, curl_lock_access a, void *arg)
{
	struct user	*u = arg;

	pthread_mutex_lock(&u->lock);
}

static void
share_unlock(CURL *h, curl_lock_data d, void *arg)
{
	struct user	*u = arg;

	pthread_mutex_unlock(&u->lock);
}

/* A new handle for `u`'s session (logged in or about to). */
static struct client *
client_new(struct user *u)
{
	struct client	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->h = curl_easy_init()) == NULL)
		fatal("out of memory");
	c->u = u;
	curl_easy_setopt(c->h, CURLOPT_CAINFO, ca_file);
	curl_easy_setopt(c->h, CURLOPT_COOKIEFILE, "");
	curl_easy_setopt(c->h, CURLOPT_SHARE, u->share);
	curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->h, CURLOPT_TIMEOUT, 60L);
	return c;
}

static void
client_free(struct client *c)
{
	curl_easy_cleanup(c->h);
	free(c);
}

/* Log `u` in: its cookie lands in its share. */
static void
login(struct user *u, const char *username)
{
	struct client	*c;
	struct reply	 r;
	json_t		*body;

	u->username = username;
	pthread_mutex_init(&u->lock, NULL);
	if ((u->share = curl_share_init()) == NULL)
		fatal("out of memory");
	curl_share_setopt(u->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE);
	curl_share_setopt(u->share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(u->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(u->share, CURLSHOPT_USERDATA, u);
	c = client_new(u);
	body = json_pack("{s:s, s:s}", "username", username, "password",
	    DEMO_PASSWORD);
	if (call(c, "POST", "/api/v1/session", body, NULL, &r) != 201)
		fatal("could not log in as %s: %ld %s", username, r.status,
		    r.body != NULL ? r.body : "");
	reply_free(&r);
	json_decref(body);
	client_free(c);
}

static void
logout(struct user *u)
{
	struct client	*c = client_new(u);
	struct reply	 r;

	call(c, "DELETE", "/api/v1/session", NULL, NULL, &r);
	reply_free(&r);
	client_free(c);
	curl_share_cleanup(u->share);
	pthread_mutex_destroy(&u->lock);
}

/* Whether the service has a route: its GET answers anything but 404/405. */
static int
has_route(struct client *c, const char *path)
{
	struct reply	 r;
	long		 st = call(c, "GET", path, NULL, NULL, &r);

	reply_free(&r);
	return st != 404 && st != 405 && st != 0;
}

/* The status of GET `path`, with a problem+json body (not nginx's). */
static long
call_probe(struct client *c, const char *path)
{
	struct reply	 r;
	long		 st = call(c, "GET", path, NULL, NULL, &r);

	if (r.json == NULL || json_object_get(r.json, "instance") == NULL ||
	    strstr(json_string_value(json_object_get(r.json, "detail")) != NULL ?
	    json_string_value(json_object_get(r.json, "detail")) : "",
	    "case") == NULL)
		st = 0;
	reply_free(&r);
	return st;
}

static json_int_t
int_of(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* ------------------------------------------------------------------ */
/* Enterprises                                                        */
/* ------------------------------------------------------------------ */

/*
 * Learn the ids of enterprises 0..n-1 already stored (a second seed of
 * the same instance): only the others are registered through the API.
 */
static void
known_enterprises(const char *conninfo, struct world *w, size_t n)
{
	PGconn		*c;
	PGresult	*res;
	char		*list, *p;
	const char	*param[1];
	size_t		 i, idx;
	int		 k;

	if ((list = malloc(n * 20 + 3)) == NULL)
		fatal("out of memory");
	p = list;
	*p++ = '{';
	for (i = 0; i < n; i++) {
		if (i > 0)
			*p++ = ',';
		memcpy(p, w->ents[i].uscc, 18);
		p += 18;
	}
	*p++ = '}';
	*p = '\0';
	param[0] = list;
	c = PQconnectdb(conninfo);
	res = PQexecParams(c, "SELECT uscc, id FROM enterprises"
	    " WHERE uscc = ANY ($1::text[])", 1, NULL, param, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fatal("enterprises: %s", PQerrorMessage(c));
	for (k = 0; k < PQntuples(res); k++)
		if ((idx = enterprise_index(PQgetvalue(res, k, 0))) < n &&
		    strcmp(w->ents[idx].uscc, PQgetvalue(res, k, 0)) == 0)
			w->ents[idx].id = strtoll(PQgetvalue(res, k, 1), NULL,
			    10);
	PQclear(res);
	PQfinish(c);
	free(list);
}

static void
api_enterprises(struct client *off[NPROVINCES], struct world *w, size_t n)
{
	struct enterprise	*e;
	struct profile		 pr;
	struct reply		 r;
	json_t			*body, *it;
	char			 lic[64], ccc[64], *name, *addr, *path;
	size_t			 i;
	long			 st;
	int			 k;

	for (i = 0; i < n; i++) {
		e = &w->ents[i];
		if (e->id > 0)
			continue;
		name = enterprise_name(w, e, i);
		addr = enterprise_address(w, e, i);
		enterprise_licences(e, i, lic, sizeof(lic), ccc, sizeof(ccc));
		body = json_pack("{s:s, s:s, s:s, s:s}", "uscc", e->uscc,
		    "name", name, "region", w->regions[e->region].code,
		    "address", addr);
		if (lic[0] != '\0')
			json_object_set_new(body, "production_licence",
			    json_string(lic));
		if (ccc[0] != '\0')
			json_object_set_new(body, "ccc_certificate",
			    json_string(ccc));
		if (w->profiles) {
			/* The profile; the licences with their validity. */
			enterprise_profile(w, e, i, &pr);
			json_object_set_new(body, "legal_representative",
			    json_string(pr.person));
			json_object_set_new(body, "contact_phone",
			    json_string(pr.phone));
			it = json_array();
			for (k = 0; k < pr.nareas; k++)
				json_array_append_new(it,
				    json_string(pr.areas[k]));
			json_object_set_new(body, "area_types", it);
			if (pr.accident != NULL)
				json_object_set(body, "accident_history",
				    pr.accident);
			json_object_del(body, "production_licence");
			json_object_del(body, "ccc_certificate");
			json_object_set_new(body, "licences",
			    profile_licences(&pr, lic, ccc));
			profile_free(&pr);
		}
		st = call(off[w->regions[e->region].province], "POST",
		    "/api/v1/enterprises", body, NULL, &r);
		if (st == 201)
			e->id = int_of(r.json, "id");
		else if (st == 409) {
			/* Seeded before: find it by its code. */
			reply_free(&r);
			if (asprintf(&path, "/api/v1/enterprises?q=%s",
			    e->uscc) == -1)
				fatal("out of memory");
			call(off[w->regions[e->region].province], "GET", path,
			    NULL, NULL, &r);
			free(path);
			it = json_array_get(json_object_get(r.json, "items"), 0);
			e->id = int_of(it, "id");
		}
		if (e->id <= 0)
			fatal("enterprise %s: %ld %s", e->uscc, r.status,
			    r.body != NULL ? r.body : "");
		reply_free(&r);
		json_decref(body);
		free(name);
		free(addr);
	}
}

/* ------------------------------------------------------------------ */
/* Evidence files                                                     */
/* ------------------------------------------------------------------ */

/* The documents a transfer carries, and what each says. */
static const struct {
	const char	*kind;
	const char	*title;
} documents[] = {
	{ "transfer_letter", "涉嫌犯罪案件移送书" },
	{ "investigation_report", "涉嫌犯罪案件情况的调查报告" },
	{ "evidence_list", "涉案物品清单" },
	{ "inspection_report", "检验报告" },
	{ "other_materials", "其他有关涉嫌犯罪的材料" },
};

/* Upload one PDF document `title` of `kind` to case `id` (seed `k`). */
static void
api_document(struct client *off, json_int_t id, uint64_t k,
    const struct case_plan *p, const char *kind, const char *title)
{
	const char	*lines[4];
	char		 l0[160], l1[300], l2[160], name[160], key[96], *pdf;
	size_t		 len;

	snprintf(l0, sizeof(l0), "案件编号：%lld", (long long)id);
	snprintf(l1, sizeof(l1), "问题：%s", p->problem);
	snprintf(l2, sizeof(l2), "产品类别：%s　领域：%s", p->category,
	    strcmp(p->domain, "production") == 0 ? "生产领域" : "流通领域");
	lines[0] = l0;
	lines[1] = l1;
	lines[2] = l2;
	lines[3] = "（演示数据，由 paicha-seed 生成）";
	media_pdf(title, lines, 4, &pdf, &len);
	snprintf(name, sizeof(name), "%s-%lld.pdf", title, (long long)id);
	snprintf(key, sizeof(key), "seed-file-%llu-%s", (unsigned long long)k,
	    kind);
	call_file(off, id, kind, name, "application/pdf", pdf, len, key);
	free(pdf);
}

/*
 * The evidence of case `id` (seed `k`): a photo from the site for about
 * a third of the cases, an inspection report for a fifth, and the five
 * documents of a transfer to the police for every case that has one.
 * Returns the files uploaded.
 */
static int
api_files(struct client *off, const struct world *w, json_int_t id,
    uint64_t k, const struct case_plan *p)
{
	unsigned char	*jpeg;
	char		 caption[300], name[96], key[96];
	size_t		 len, i;
	double		 lat, lon;
	int		 n = 0, transfer = 0;

	for (i = 0; i < p->nsteps; i++)
		if (p->steps[i].kind == STEP_EVENT &&
		    p->steps[i].event == WF_EV_TRANSFER_JUDICIAL)
			transfer = 1;
	if (k % 3 == 0) {
		/* Somewhere in the province, around its centre. */
		lat = (p->province == 0 ? 39.90 : 31.23) +
		    (double)(k % 97) / 400.0 - 0.12;
		lon = (p->province == 0 ? 116.40 : 121.47) +
		    (double)(k % 89) / 400.0 - 0.11;
		snprintf(caption, sizeof(caption), "现场检查照片　案件 #%lld　%s",
		    (long long)id, w->regions[w->ents[p->ent].region].name);
		if (media_photo(k, caption, (time_t)(w->now_us / 1000000) -
		    (time_t)(k % 40) * 86400 - 3600, lat, lon, &jpeg,
		    &len) == -1)
			fatal("case %lld: could not make a photo", (long long)id);
		snprintf(name, sizeof(name), "现场照片-%lld.jpg", (long long)id);
		snprintf(key, sizeof(key), "seed-file-%llu-photo",
		    (unsigned long long)k);
		call_file(off, id, "photo", name, "image/jpeg", jpeg, len, key);
		free(jpeg);
		n++;
	}
	for (i = 0; i < sizeof(documents) / sizeof(documents[0]); i++) {
		if (!transfer && !(i == 3 && k % 5 == 0))
			continue;
		api_document(off, id, k, p, documents[i].kind,
		    documents[i].title);
		n++;
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* Cases                                                              */
/* ------------------------------------------------------------------ */

static void
api_case(struct client *offs[NPROVINCES], struct client *legals[NPROVINCES],
    const struct world *w, uint64_t k, int files, struct counts *n)
{
	struct client		*off, *legal;
	struct case_plan	 p;
	struct reply		 r;
	struct step		*s;
	json_t			*body;
	char			 path[96], ifm[48], key[96];
	const char		*hdr[3];
	long			 want, st;
	json_int_t		 id, version;
	size_t			 i;

	if (walk_case(w, k, WALK_NOW, -1, &p) == -1)
		fatal("no enterprise to register case %llu at",
		    (unsigned long long)k);
	off = offs[p.province];
	legal = legals[p.province];
	body = json_pack("{s:I, s:i, s:s, s:s, s:s, s:s, s:s*}",
	    "enterprise_id", (json_int_t)w->ents[p.ent].id,
	    "campaign_id", p.campaign, "category", p.category,
	    "domain", p.domain, "source", p.source, "problem", p.problem,
	    "risk_level", p.risk_level);
	if (p.nproblem_types > 0)
		json_object_set_new(body, "problem_types",
		    case_problem_types_json(&p));
	snprintf(key, sizeof(key), "Idempotency-Key: seed-demo-%llu",
	    (unsigned long long)k);
	hdr[0] = key;
	hdr[1] = NULL;
	if (call(off, "POST", "/api/v1/cases", body, hdr, &r) != 201)
		fatal("case %llu: POST /api/v1/cases: %ld %s",
		    (unsigned long long)k, r.status, r.body ? r.body : "");
	json_decref(body);
	id = int_of(r.json, "id");
	version = int_of(r.json, "version");
	reply_free(&r);
	n->cases++;
	n->events++;
	if (files)
		n->files += api_files(off, w, id, k, &p);

	for (i = 0; i < p.nsteps; i++) {
		s = &p.steps[i];
		snprintf(ifm, sizeof(ifm), "If-Match: \"%lld\"",
		    (long long)version);
		snprintf(key, sizeof(key), "Idempotency-Key: seed-demo-%llu-%zu",
		    (unsigned long long)k, i + 1);
		hdr[0] = ifm;
		hdr[1] = key;
		hdr[2] = NULL;
		if (s->kind == STEP_DECIDE) {
			snprintf(path, sizeof(path),
			    "/api/v1/cases/%lld/approval", (long long)id);
			body = json_pack("{s:s, s:s*}", "decision",
			    s->approve ? "approve" : "reject", "comment",
			    s->comment);
			want = 200;
			st = call(legal, "POST", path, body, hdr, &r);
		} else {
			snprintf(path, sizeof(path),
			    "/api/v1/cases/%lld/transitions", (long long)id);
			body = json_pack("{s:s, s:O}", "event",
			    wf_events[s->event].id, "payload", s->payload);
			want = s->outcome == WF_NEEDS_APPROVAL ? 202 : 200;
			st = call(s->legal ? legal : off, "POST", path, body,
			    hdr, &r);
		}
		if (st != want)
			fatal("case %lld (seed %llu) step %zu %s: %ld, the "
			    "workflow library said %ld: %s", (long long)id,
			    (unsigned long long)k, i + 1,
			    wf_events[s->event].id, st, want,
			    r.body != NULL ? r.body : "");
		if (strcmp(json_string_value(json_object_get(r.json, "state")),
		    wf_states[s->to].id) != 0)
			fatal("case %lld: state %s, the walk expected %s",
			    (long long)id, json_string_value(json_object_get(
			    r.json, "state")), wf_states[s->to].id);
		version = int_of(r.json, "version");
		n->events++;
		json_decref(body);
		if (i + 1 == p.nsteps)
			n->pending += !json_is_null(json_object_get(r.json,
			    "pending"));
		reply_free(&r);
	}
	n->states[p.nsteps > 0 ? p.steps[p.nsteps - 1].to :
	    WF_STATE_DETECTED]++;
	walk_free(&p);
}

/* ------------------------------------------------------------------ */
/* Activities                                                         */
/* ------------------------------------------------------------------ */

static void
api_activity(struct client *off[NPROVINCES], const struct world *w,
    uint64_t k)
{
	struct activity	 a;
	struct reply	 r;
	json_t		*b;
	size_t		 region;

	activity_make(w, k, &a);
	b = json_pack("{s:s, s:i, s:s, s:s}", "kind", a.kind, "campaign_id",
	    a.campaign, "category", a.category, "on", a.on);
	region = a.ent != (size_t)-1 ? w->ents[a.ent].region : a.region;
	if (a.ent != (size_t)-1)
		json_object_set_new(b, "enterprise_id",
		    json_integer(w->ents[a.ent].id));
	if (a.domain != NULL)
		json_object_set_new(b, "domain", json_string(a.domain));
	if (strcmp(a.kind, "inspection") == 0)
		json_object_set_new(b, "problems_found",
		    json_boolean(a.problems_found));
	else if (strcmp(a.kind, "spot_check") == 0) {
		json_object_set_new(b, "batches", json_integer(a.batches));
		json_object_set_new(b, "failed_batches",
		    json_integer(a.failed_batches));
		if (a.channel != NULL)
			json_object_set_new(b, "channel",
			    json_string(a.channel));
		if (a.items != NULL)
			json_object_set(b, "items", a.items);
	} else if (strcmp(a.kind, "risk_info") == 0) {
		json_object_set_new(b, "region",
		    json_string(w->regions[region].code));
		json_object_set_new(b, "summary", json_string(a.summary));
	} else if (strcmp(a.kind, "risk_monitoring") == 0) {
		json_object_set_new(b, "region",
		    json_string(w->regions[region].code));
		json_object_set_new(b, "batches", json_integer(a.batches));
		json_object_set_new(b, "problems_found",
		    json_integer(a.problems_count));
	} else {
		json_object_set_new(b, "problems_solved",
		    json_integer(a.problems_solved));
		json_object_set_new(b, "output_gain",
		    json_string(a.output_gain));
	}
	if (call(off[a.province], "POST", "/api/v1/activities", b, NULL,
	    &r) != 201)
		fatal("activity %llu: %ld %s", (unsigned long long)k, r.status,
		    r.body != NULL ? r.body : "");
	reply_free(&r);
	json_decref(b);
	activity_free(&a);
}


/* ------------------------------------------------------------------ */
/* Responsibility and supervision: who answers, and 挂牌督办           */
/* ------------------------------------------------------------------ */

/* The first `max` items of GET `path` as `c` (a new array, maybe empty). */
static json_t *
items_of(struct client *c, const char *path, size_t max)
{
	struct reply	 r;
	json_t		*out = json_array(), *it;
	size_t		 i;

	if (call(c, "GET", path, NULL, NULL, &r) != 200)
		fatal("GET %s: %ld %s", path, r.status, r.body ? r.body : "");
	json_array_foreach(json_object_get(r.json, "items"), i, it)
		if (i < max)
			json_array_append(out, it);
	reply_free(&r);
	return out;
}

/* POST `body` (stolen) to `path` as `c`, wanting one of two statuses. */
static json_int_t
post_want(struct client *c, const char *path, json_t *body, long want,
    long also)
{
	struct reply	 r;
	json_int_t	 id = 0;
	long		 st;

	st = call(c, "POST", path, body, NULL, &r);
	if (st != want && st != also)
		fatal("POST %s: %ld, want %ld: %s", path, st, want,
		    r.body != NULL ? r.body : "");
	if (st == want)
		id = int_of(r.json, "id");
	reply_free(&r);
	json_decref(body);
	return id;
}

/*
 * The demo's responsibility and supervision, through the API: an
 * officer of Beijing shares a 东城区 case with the district's officer
 * (assign); the Beijing coordinator puts two overdue district cases and
 * one district under supervision, the national one Shanghai and one of
 * its cases; the target side reports on two of them; the Beijing
 * coordinator files this year's stage summary.  Run once per instance:
 * a second run finds the supervisions open and the summary standing
 * (409) and goes on.
 */
static void
api_duty(struct client *off[NPROVINCES])
{
	struct user	 ub, un;
	struct client	*cb, *cn;
	struct reply	 r;
	json_t		*cs, *c, *cands, *ids, *e;
	json_int_t	 sid, first = 0;
	char		 path[128], due[WF_DATE_LEN + 1];
	size_t		 i, j;
	int		 today = wf_day_of_unix(time(NULL));

	wf_date_format(today + 14, due);
	/* A 东城区 case shared with the district's officer. */
	cs = items_of(off[0], "/api/v1/cases?region=110101&limit=5", 5);
	json_array_foreach(cs, i, c) {
		snprintf(path, sizeof(path), "/api/v1/cases/%lld/assignable",
		    (long long)int_of(c, "id"));
		cands = items_of(off[0], path, 50);
		ids = json_array();
		json_array_foreach(cands, j, e)
			json_array_append_new(ids,
			    json_integer(int_of(e, "id")));
		json_decref(cands);
		if (json_array_size(ids) >= 2) {
			const char	*hdr[2];
			char		 ifm[48];

			snprintf(path, sizeof(path),
			    "/api/v1/cases/%lld/transitions",
			    (long long)int_of(c, "id"));
			snprintf(ifm, sizeof(ifm), "If-Match: \"%lld\"",
			    (long long)int_of(c, "version"));
			hdr[0] = ifm;
			hdr[1] = NULL;
			e = json_pack("{s:s, s:{s:O, s:s}}", "event", "assign",
			    "payload", "assignees", ids, "reason",
			    "按包保责任制由区局共同承办");
			if (call(off[0], "POST", path, e, hdr, &r) != 200)
				fatal("assign case %lld: %ld %s",
				    (long long)int_of(c, "id"), r.status,
				    r.body ? r.body : "");
			json_decref(e);
			reply_free(&r);
			json_decref(ids);
			break;
		}
		json_decref(ids);
	}
	json_decref(cs);

	login(&ub, "coord.bj");
	login(&un, "coord.nat");
	cb = client_new(&ub);
	cn = client_new(&un);
	cs = items_of(cb, "/api/v1/cases?overdue=true&region=110000"
	    "&state=rectifying&limit=3", 3);
	json_array_foreach(cs, i, c) {
		if (i == 2) {
			post_want(cb, "/api/v1/supervisions", json_pack("{s:s,"
			    " s:s, s:s, s:s}", "target", "region", "region",
			    json_string_value(json_object_get(c, "region")),
			    "reason", "该区整改逾期案件较多，进度滞后",
			    "due", due),
			    201, 409);
			break;
		}
		sid = post_want(cb, "/api/v1/supervisions", json_pack("{s:s,"
		    " s:I, s:s, s:s}", "target", "case", "case_id",
		    int_of(c, "id"), "reason", "整改逾期未完成，挂牌督办",
		    "due", due), 201, 409);
		if (i == 0)
			first = sid;
	}
	json_decref(cs);
	post_want(cn, "/api/v1/supervisions", json_pack("{s:s, s:s, s:s, s:s}",
	    "target", "region", "region", "310000", "reason",
	    "排查治理进度滞后于全国平均水平", "due", due), 201, 409);
	cs = items_of(cn, "/api/v1/cases?overdue=true&region=310000"
	    "&limit=1", 1);
	json_array_foreach(cs, i, c)
		post_want(cn, "/api/v1/supervisions", json_pack("{s:s, s:I,"
		    " s:s, s:s}", "target", "case", "case_id", int_of(c, "id"),
		    "reason", "重大风险隐患未按期整改", "due", due), 201, 409);
	json_decref(cs);
	/* The target side reports. */
	if (first > 0) {
		snprintf(path, sizeof(path),
		    "/api/v1/supervisions/%lld/reports", (long long)first);
		post_want(off[0], path, json_pack("{s:s}", "text",
		    "已约谈企业负责人，企业承诺十日内完成整改"), 201, 201);
	}
	cs = items_of(off[1], "/api/v1/supervisions?direction=received"
	    "&state=open&limit=1", 1);
	json_array_foreach(cs, i, c) {
		snprintf(path, sizeof(path),
		    "/api/v1/supervisions/%lld/reports",
		    (long long)int_of(c, "id"));
		post_want(off[1], path, json_pack("{s:s}", "text",
		    "已召开专题会议部署整改，逐案明确责任人和时限"), 201, 201);
	}
	json_decref(cs);
	/*
	 * The reporting cycle (issue 19): Beijing's stage summary of this
	 * year's campaign, filed by its coordinator (a second run finds it
	 * standing: 409).
	 */
	wf_date_format(today, due);
	snprintf(path, sizeof(path), "/api/v1/campaigns/%.4s/submissions",
	    due);
	if (has_route(cb, path))
		post_want(cb, path, json_pack("{s:s, s:s}", "kind", "stage",
		    "summary", "北京市阶段性工作总结：已完成风险排查，发现的风险隐患"
		    "正在动态清零。"), 201, 409);
	client_free(cb);
	client_free(cn);
	logout(&ub);
	logout(&un);
	note("assignments, supervisions and a submission made");
}

/*
 * The demo's work across regions (issue 17), through the API: Beijing
 * traces a problem upstream to a Shanghai producer (Shanghai accepts: a
 * new case there, linked), refers another case to Shanghai for
 * jurisdiction (left open, in Shanghai's inbox with its deadline), and
 * Shanghai traces one downstream to Beijing, which returns it with a
 * reason.  Made once: a run that finds Beijing's outgoing referrals
 * leaves them.
 */
static void
api_referrals(struct client *off[NPROVINCES])
{
	json_t		*bj, *sh, *shent, *c;
	json_int_t	 id;
	char		 path[128];

	c = items_of(off[0], "/api/v1/referrals?direction=outgoing&limit=1",
	    1);
	if (json_array_size(c) > 0) {
		json_decref(c);
		return;
	}
	json_decref(c);
	bj = items_of(off[0], "/api/v1/cases?region=110000&state=detected"
	    "&limit=2", 2);
	sh = items_of(off[1], "/api/v1/cases?region=310000&limit=1", 1);
	shent = items_of(off[1], "/api/v1/enterprises?region=310000&limit=1",
	    1);
	if (json_array_size(bj) < 2 || json_array_size(sh) < 1 ||
	    json_array_size(shent) < 1)
		goto out;
	id = post_want(off[0], "/api/v1/referrals", json_pack("{s:I, s:s,"
	    " s:s, s:I, s:s}", "case_id", int_of(json_array_get(bj, 0), "id"),
	    "kind", "trace_upstream", "to_region", "310000", "enterprise_id",
	    int_of(json_array_get(shent, 0), "id"), "reason",
	    "抽检不合格产品的生产企业在上海，请追查生产环节"), 201, 201);
	snprintf(path, sizeof(path), "/api/v1/referrals/%lld/accept",
	    (long long)id);
	post_want(off[1], path, json_pack("{s:s}", "problem",
	    "北京移送：流通环节抽检不合格，追查本市生产企业"), 200, 200);
	post_want(off[0], "/api/v1/referrals", json_pack("{s:I, s:s, s:s,"
	    " s:s}", "case_id", int_of(json_array_get(bj, 1), "id"), "kind",
	    "jurisdiction", "to_region", "310000", "reason",
	    "企业已迁至上海，案件依法移送有管辖权的部门"), 201, 201);
	id = post_want(off[1], "/api/v1/referrals", json_pack("{s:I, s:s,"
	    " s:s, s:s}", "case_id", int_of(json_array_get(sh, 0), "id"),
	    "kind", "trace_downstream", "to_region", "110000", "reason",
	    "问题产品经销至北京，请追查销售环节"), 201, 201);
	snprintf(path, sizeof(path), "/api/v1/referrals/%lld/return",
	    (long long)id);
	post_want(off[0], path, json_pack("{s:s}", "reason",
	    "经核查本市无该批次产品销售记录"), 200, 200);
	note("referrals between Beijing and Shanghai made");
out:
	json_decref(bj);
	json_decref(sh);
	json_decref(shent);
}

/* ------------------------------------------------------------------ */

struct job {
	pthread_t	 tid;
	int		 index;
	const struct load *l;
	const struct world *w;
	struct user	*off, *legal;	/* [NPROVINCES] */
	int		 acts;		/* activities through the API */
	int		 files;		/* the service keeps files */
	struct counts	 n;
};

static void *
job_main(void *arg)
{
	struct job	*j = arg;
	struct client	*off[NPROVINCES], *legal[NPROVINCES];
	uint64_t	 k;
	int		 p;

	for (p = 0; p < NPROVINCES; p++) {
		off[p] = client_new(&j->off[p]);
		legal[p] = client_new(&j->legal[p]);
	}
	for (k = (uint64_t)j->index; k < j->l->ncases; k += (uint64_t)j->l->jobs) {
		api_case(off, legal, j->w, j->l->first_case + k, j->files,
		    &j->n);
		if (j->index == 0 && j->n.cases % 50 == 0)
			note("%llu cases (%.1f s)", (unsigned long long)
			    j->n.cases * (unsigned long long)j->l->jobs,
			    elapsed());
	}
	for (k = (uint64_t)j->index; j->acts && k < j->l->nacts;
	    k += (uint64_t)j->l->jobs) {
		api_activity(off, j->w, j->l->first_act + k);
		j->n.activities++;
	}
	for (p = 0; p < NPROVINCES; p++) {
		client_free(off[p]);
		client_free(legal[p]);
	}
	return NULL;
}

/*
 * Load l->ncases cases and l->nacts activities through the API at l->url
 * with l->jobs threads.  Enterprises 0..w->nents-1 are made first.
 * Returns 0 (failures stop the seed with a message).
 */
int
api_load(const struct load *l, struct world *w, struct counts *n)
{
	struct user	 off[NPROVINCES], legal[NPROVINCES];
	struct client	*c0;
	struct job	*jobs;
	struct load	 rest;
	PGconn		*c;
	int		 p, i, acts = 0, files, njobs;
	size_t		 s;

	base_url = l->url;
	ca_file = l->ca;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (p = 0; p < NPROVINCES; p++) {
		login(&off[p], w->officer[p].username);
		login(&legal[p], w->legal[p].username);
	}
	c0 = client_new(&off[0]);
	if (has_route(c0, "/api/v1/enterprises")) {
		struct client *offs[NPROVINCES];

		for (p = 0; p < NPROVINCES; p++)
			offs[p] = client_new(&off[p]);
		known_enterprises(l->conninfo, w, w->nents);
		api_enterprises(offs, w, w->nents);
		for (p = 0; p < NPROVINCES; p++)
			client_free(offs[p]);
	} else {
		note("the service has no /api/v1/enterprises: enterprises by SQL");
		c = PQconnectdb(l->conninfo);
		if (PQstatus(c) != CONNECTION_OK ||
		    bulk_enterprises(c, w, w->nents) == -1)
			fatal("could not store the enterprises");
		PQfinish(c);
	}
	n->enterprises = (long long)w->nents;
	note("%zu enterprises (%.1f s)", w->nents, elapsed());
	if (l->nacts > 0 && w->activities_table) {
		if ((acts = has_route(c0, "/api/v1/activities")) == 0)
			note("the service has no /api/v1/activities: "
			    "activities by SQL");
	}
	/* An unknown case's files: 404 where the service keeps files. */
	if ((files = has_route(c0, "/api/v1/workflow") &&
	    call_probe(c0, "/api/v1/cases/999999999999/files") == 404) == 0)
		note("the service keeps no files: the cases get none");
	client_free(c0);

	njobs = l->jobs < 1 ? 1 : l->jobs > 32 ? 32 : l->jobs;
	((struct load *)l)->jobs = njobs;
	if ((jobs = calloc((size_t)njobs, sizeof(*jobs))) == NULL)
		fatal("out of memory");
	for (i = 0; i < njobs; i++) {
		jobs[i].index = i;
		jobs[i].l = l;
		jobs[i].w = w;
		jobs[i].off = off;
		jobs[i].legal = legal;
		jobs[i].acts = acts;
		jobs[i].files = files;
		if (pthread_create(&jobs[i].tid, NULL, job_main, &jobs[i]) != 0)
			fatal("could not start a thread");
	}
	for (i = 0; i < njobs; i++) {
		pthread_join(jobs[i].tid, NULL);
		n->cases += jobs[i].n.cases;
		n->events += jobs[i].n.events;
		n->activities += jobs[i].n.activities;
		n->pending += jobs[i].n.pending;
		n->files += jobs[i].n.files;
		for (s = 0; s < WF_STATE__MAX; s++)
			n->states[s] += jobs[i].n.states[s];
	}
	free(jobs);
	c0 = client_new(&off[0]);
	if (has_route(c0, "/api/v1/supervisions")) {
		struct client *offs[NPROVINCES];

		for (p = 0; p < NPROVINCES; p++)
			offs[p] = client_new(&off[p]);
		api_duty(offs);
		if (has_route(c0, "/api/v1/referrals"))
			api_referrals(offs);
		for (p = 0; p < NPROVINCES; p++)
			client_free(offs[p]);
	}
	client_free(c0);
	if (l->nacts > 0 && w->activities_table && !acts) {
		rest = *l;
		rest.ncases = 0;
		rest.jobs = 1;
		if (bulk_load(&rest, w, n) == -1)
			fatal("could not store the activities");
	}
	for (p = 0; p < NPROVINCES; p++) {
		logout(&off[p]);
		logout(&legal[p]);
	}
	curl_global_cleanup();
	return 0;
}
