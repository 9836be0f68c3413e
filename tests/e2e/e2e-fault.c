/*
 * e2e-fault.c: nothing acknowledged is lost, nothing is done twice, while
 * the service's worker is killed and PostgreSQL crashes, restarts and
 * stays away.
 *
 * NCLIENTS threads each drive their own cases through the workflow --
 * register, order rectification, notes, report, reject, report, interview,
 * propose closing, a legal user approves, a note -- and start over, with
 * an Idempotency-Key on every change and a unique marker in its payload.
 * After a 5xx or a transport error a client sends the very same request
 * again (same key, body and If-Match) until it is answered 2xx.  Every
 * answer is recorded with its latency.
 *
 * Meanwhile the controller, on a fixed schedule:
 *	kill -9 the FastCGI worker (the supervisor must start another);
 *	pg_ctl restart -m immediate (a crash: no checkpoint, no goodbye);
 *	stop PostgreSQL for OUTAGE seconds, then start it;
 *	kill -9 the worker and crash PostgreSQL at once.
 *
 * Beside them, NFILERS threads upload evidence files (64 KiB to 1 MiB,
 * up to four pieces, unique bytes) to cases of their own, each with an
 * Idempotency-Key, retried the same way.
 *
 * Then, from the database: every acknowledged change is there exactly
 * once (found by its marker); no unacknowledged one is there twice; every
 * file acknowledged is there once with the SHA-256 of the bytes sent, one
 * not acknowledged is there whole or not at all, no file's content is
 * half-written (its pieces hash to its SHA-256) and no piece or content
 * is left without a file; every
 * case's hash chain verifies, its head and version agree with its last
 * event, and the auditors' GET /api/v1/audit/verify says so too; while the database was down every answer was a prompt 503 --
 * never a 500, never a hang -- and the service served again within
 * RECOVERY_MAX seconds of the database's return.
 */
#include <sys/types.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "e2e.h"

#define NCLIENTS	16
#define NFILERS		4	/* threads uploading files */
#define FILE_MIN	(64 * 1024)
#define FILE_MAX	(1024 * 1024)
#define OUTAGE		4.0	/* seconds the database stays stopped */
#define RETRY_FOR	45.0	/* a client gives up on a request after */
#define PROMPT		2.0	/* an answer during the outage, at most */
#define HUNG		15.0	/* no answer may take longer */
#define RECOVERY_MAX	5.0	/* serving again after the database is back */

/* One answer the service (or nginx) gave, or a transport error (0). */
struct answer {
	double		 t0, t1;	/* monotonic, sent and answered */
	long		 status;
	int		 client;
};

/* One change a client made (or tried to): a request and its retries. */
struct change {
	char		 marker[64];
	long long	 case_id;	/* 0 for a registration not acked */
	int		 acked;
	int		 attempts;
};

/* One file a filer uploaded (or tried to). */
struct upload_rec {
	char		 marker[64];
	char		 sha[65];
	int		 acked;
};

struct fclient {
	int		 index;
	long long	 file_case;	/* a filer's case; 0: a case client */
	struct upload_rec *uploads;
	size_t		 nuploads, capuploads;
	struct client	*officer, *legal;
	struct answer	*answers;
	size_t		 nanswers, capanswers;
	struct change	*changes;
	size_t		 nchanges, capchanges;
	long		 refused;	/* 4xx: never expected */
	char		 refusal[512];
	unsigned	 seq;
};

static volatile int	 stopping;
static char		 run_tag[32];
static pthread_mutex_t	 probe_lock = PTHREAD_MUTEX_INITIALIZER;
static struct answer	 probes[4096];
static size_t		 nprobes;

static void *
grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap == 0 ? 256 : *cap * 2;
	if ((p = realloc(p, *cap * size)) == NULL)
		abort();
	return p;
}

static void
record(struct fclient *fc, double t0, double t1, long status)
{
	fc->answers = grow(fc->answers, &fc->capanswers, fc->nanswers,
	    sizeof(*fc->answers));
	fc->answers[fc->nanswers].t0 = t0;
	fc->answers[fc->nanswers].t1 = t1;
	fc->answers[fc->nanswers].status = status;
	fc->answers[fc->nanswers].client = fc->index;
	fc->nanswers++;
}

/*
 * Send one change until it is answered 2xx or RETRY_FOR runs out: the
 * same method, path, If-Match, Idempotency-Key and body every time.
 * Returns the 2xx reply's status with the reply in *r, or 0 (given up or
 * refused; *r empty).
 */
static long
change(struct fclient *fc, struct client *c, const char *path, int version,
    json_t *body, const char *marker, struct resp *r)
{
	char		*text = json_dumps(body, JSON_COMPACT);
	char		 im[32], ik[96];
	const char	*h[3] = { NULL, ik, NULL };
	struct change	*ch;
	double		 first = now_seconds(), t0, t1;
	long		 st = 0;

	json_decref(body);
	if (text == NULL)
		abort();
	snprintf(ik, sizeof(ik), "Idempotency-Key: %s", marker);
	if (version > 0) {
		snprintf(im, sizeof(im), "If-Match: \"%d\"", version);
		h[0] = im;
		h[1] = ik;
	} else
		h[0] = ik, h[1] = NULL;
	fc->changes = grow(fc->changes, &fc->capchanges, fc->nchanges,
	    sizeof(*fc->changes));
	ch = &fc->changes[fc->nchanges++];
	memset(ch, 0, sizeof(*ch));
	snprintf(ch->marker, sizeof(ch->marker), "%s", marker);
	for (;;) {
		ch->attempts++;
		t0 = now_seconds();
		http(c, "POST", path, text, h, r);
		t1 = now_seconds();
		record(fc, t0, t1, r->status);
		if (r->status >= 200 && r->status < 300) {
			st = r->status;
			ch->acked = 1;
			ch->case_id = json_integer_value(json_object_get(
			    r->json, "id"));
			break;
		}
		if (r->status != 0 && r->status < 500) {
			fc->refused++;
			snprintf(fc->refusal, sizeof(fc->refusal),
			    "%s %s: %ld %s", path, marker, r->status, r->body);
			resp_free(r);
			break;
		}
		resp_free(r);
		if (t1 - first > RETRY_FOR)
			break;
		usleep(100000 + (useconds_t)(rand() % 200) * 1000);
	}
	free(text);
	return st;
}

/* The version in a case reply, or 0. */
static int
version_in(const struct resp *r)
{
	return (int)json_integer_value(json_object_get(r->json, "version"));
}

static const char *
next_marker(struct fclient *fc, char *buf, size_t size)
{
	snprintf(buf, size, "F%s-%02d-%05u", run_tag, fc->index, ++fc->seq);
	return buf;
}

/*
 * One case through the cycle.  Returns 0 when it went round, -1 when a
 * change was given up or refused (the client then stops).
 */
static int
one_case(struct fclient *fc, long long eid)
{
	static const char *const steps[] = {
		"order_rectification", "add_note", "report_rectification",
		"reject_rectification", "report_rectification",
		"hold_interview", "close", "approve", "add_note", NULL
	};
	struct resp	 r;
	char		 m[64], path[96], d1[11], d2[11];
	long long	 id;
	json_t		*p;
	int		 v, i;

	next_marker(fc, m, sizeof(m));
	if (change(fc, fc->officer, "/api/v1/cases", 0, json_pack("{s:I, s:i,"
	    " s:s, s:s, s:s, s:s}", "enterprise_id", (json_int_t)eid,
	    "campaign_id", 2026, "category", "cement", "domain", "production",
	    "source", "spot_check", "problem", m), m, &r) != 201)
		return -1;
	id = json_integer_value(json_object_get(r.json, "id"));
	v = version_in(&r);
	resp_free(&r);
	for (i = 0; steps[i] != NULL; i++) {
		next_marker(fc, m, sizeof(m));
		cst_date(30, d1);
		cst_date(0, d2);
		if (strcmp(steps[i], "approve") == 0) {
			snprintf(path, sizeof(path), "/api/v1/cases/%lld/approval",
			    id);
			if (change(fc, fc->legal, path, v, json_pack("{s:s, s:s}",
			    "decision", "approve", "comment", m), m, &r) != 200)
				return -1;
		} else {
			if (strcmp(steps[i], "order_rectification") == 0)
				p = json_pack("{s:s, s:s}", "deadline", d1,
				    "measures", m);
			else if (strcmp(steps[i], "add_note") == 0)
				p = json_pack("{s:s}", "text", m);
			else if (strcmp(steps[i], "report_rectification") == 0)
				p = json_pack("{s:s}", "evidence", m);
			else if (strcmp(steps[i], "reject_rectification") == 0)
				p = json_pack("{s:s, s:s}", "reason", m,
				    "deadline", d1);
			else if (strcmp(steps[i], "hold_interview") == 0)
				p = json_pack("{s:s, s:[s], s:s}", "held_on", d2,
				    "attendees", "法定代表人", "minutes", m);
			else
				p = json_pack("{s:s, s:s}", "conclusion", m,
				    "lookback_on", d1);
			snprintf(path, sizeof(path),
			    "/api/v1/cases/%lld/transitions", id);
			if (change(fc, fc->officer, path, v, json_pack("{s:s, s:o}",
			    "event", steps[i], "payload", p), m, &r) == 0)
				return -1;
		}
		v = version_in(&r);
		resp_free(&r);
	}
	return 0;
}

struct worker_arg {
	struct fclient	*fc;
	long long	 eid;
};

static void *
client_main(void *arg)
{
	struct worker_arg	*a = arg;

	srand((unsigned)a->fc->index * 7919u + (unsigned)getpid());
	while (!stopping)
		if (one_case(a->fc, a->eid) == -1)
			break;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The filers                                                         */
/* ------------------------------------------------------------------ */

/*
 * Upload one file of `len` bytes until it is answered 2xx or RETRY_FOR
 * runs out, the same request every time.  Records it in fc->uploads.
 */
static void
upload_file(struct fclient *fc, const char *marker, const char *data,
    size_t len)
{
	char		*path, ik[96];
	const char	*h[3] = { "Content-Type: application/pdf", ik, NULL };
	struct upload_rec *u;
	struct resp	 r;
	double		 first = now_seconds(), t0, t1;
	unsigned char	 d[32];
	int		 i;

	fc->uploads = grow(fc->uploads, &fc->capuploads, fc->nuploads,
	    sizeof(*fc->uploads));
	u = &fc->uploads[fc->nuploads++];
	memset(u, 0, sizeof(*u));
	snprintf(u->marker, sizeof(u->marker), "%s", marker);
	SHA256((const unsigned char *)data, len, d);
	for (i = 0; i < 32; i++)
		snprintf(u->sha + 2 * i, 3, "%02x", d[i]);
	snprintf(ik, sizeof(ik), "Idempotency-Key: %s", marker);
	path = fmt("/api/v1/cases/%lld/files?kind=other&name=%s.pdf",
	    fc->file_case, marker);
	for (;;) {
		t0 = now_seconds();
		http_raw(fc->officer, "POST", path, data, len, h, &r);
		t1 = now_seconds();
		record(fc, t0, t1, r.status);
		if (r.status == 201) {
			u->acked = 1;
			resp_free(&r);
			break;
		}
		if (r.status != 0 && r.status < 500) {
			fc->refused++;
			snprintf(fc->refusal, sizeof(fc->refusal), "%s %s: %ld %s",
			    path, marker, r.status, r.body);
			resp_free(&r);
			break;
		}
		resp_free(&r);
		if (t1 - first > RETRY_FOR)
			break;
		usleep(100000 + (useconds_t)(rand() % 200) * 1000);
	}
	free(path);
}

/* A filer: files of FILE_MIN to FILE_MAX bytes, unique, one after another. */
static void *
filer_main(void *arg)
{
	struct fclient	*fc = arg;
	char		 m[64], *data;
	size_t		 len, i;
	unsigned	 x;

	srand((unsigned)fc->index * 104729u + (unsigned)getpid());
	while (!stopping && !fc->refused) {
		next_marker(fc, m, sizeof(m));
		len = FILE_MIN + (size_t)rand() % (FILE_MAX - FILE_MIN);
		if ((data = malloc(len)) == NULL)
			abort();
		x = (unsigned)rand();
		for (i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			data[i] = (char)(x >> 16);
		}
		memcpy(data, "%PDF-1.4\n%", 10);
		data[10] = (char)0xe2;
		memcpy(data + 11, m, strlen(m));
		upload_file(fc, m, data, len);
		free(data);
	}
	return NULL;
}

/* The controller's own /healthz probe, recorded like the clients'. */
static void
probe(struct client *c)
{
	struct resp	 r;
	double		 t0 = now_seconds();

	http_get(c, "/healthz", &r);
	pthread_mutex_lock(&probe_lock);
	if (nprobes < sizeof(probes) / sizeof(probes[0])) {
		probes[nprobes].t0 = t0;
		probes[nprobes].t1 = now_seconds();
		probes[nprobes].status = r.status;
		probes[nprobes].client = -1;
		nprobes++;
	}
	pthread_mutex_unlock(&probe_lock);
	resp_free(&r);
}

/* Probe every 100 ms for `seconds`. */
static void
probe_for(struct client *c, double seconds)
{
	double	 end = now_seconds() + seconds;

	while (now_seconds() < end) {
		probe(c);
		usleep(100000);
	}
}

/* kill -9 the worker; wait for the supervisor's next one.  Seconds. */
static double
kill_worker(void)
{
	char	*pid = run_out("service-pid"), *now = NULL;
	double	 t0 = now_seconds();

	if (pid == NULL)
		fail_msg("no worker pid");
	assert_int_equal(kill((pid_t)atol(pid), SIGKILL), 0);
	for (;;) {
		free(now);
		now = run_out("service-pid");
		if (now != NULL && strcmp(now, pid) != 0)
			break;
		if (now_seconds() - t0 > 10)
			fail_msg("no new worker within 10 s of kill -9 %s", pid);
		usleep(50000);
	}
	fprintf(stderr, "fault: worker %s killed, %s serving after %.2f s\n",
	    pid, now, now_seconds() - t0);
	free(pid);
	free(now);
	return now_seconds() - t0;
}

/* ------------------------------------------------------------------ */
/* Checking                                                           */
/* ------------------------------------------------------------------ */

struct seen {
	const char	*marker;
	int		 count;
};

static int
seen_cmp(const void *a, const void *b)
{
	return strcmp(((const struct seen *)a)->marker,
	    ((const struct seen *)b)->marker);
}

/* Count each string value of `payload` that looks like one of ours. */
static void
count_markers(json_t *payload, struct seen *tab, size_t n)
{
	const char	*k;
	json_t		*v;
	struct seen	 key, *s;

	json_object_foreach(payload, k, v) {
		if (!json_is_string(v))
			continue;
		key.marker = json_string_value(v);
		if ((s = bsearch(&key, tab, n, sizeof(*tab), seen_cmp)) != NULL)
			s->count++;
	}
}

/*
 * The filers' files, from the database: each upload present once with
 * its bytes' SHA-256 when acknowledged, at most once (and whole) when
 * not; every content of their cases whole; nothing left without a file.
 * Returns the failures; their cases as a bigint[] literal in *cases.
 */
static long
check_files(PGconn *db, struct fclient *ffs, char **cases)
{
	PGresult	*res;
	char		*list = strdup("{"), *n, *s;
	const char	*p[2];
	size_t		 i;
	long		 acked = 0, present = 0, unacked = 0, whole_unacked = 0;
	long		 lost = 0, dup = 0, wrong = 0, half = 0, orphans = 0;
	long		 nfiles = 0, failed = 0;
	int		 k, cnt;

	/* How often an upload met a fault (5xx or no answer) and was sent
	 * again. */
	for (k = 0; k < NFILERS; k++)
		for (i = 0; i < ffs[k].nanswers; i++)
			failed += ffs[k].answers[i].status == 0 ||
			    ffs[k].answers[i].status >= 500;

	for (k = 0; k < NFILERS; k++) {
		s = fmt("%s%s%lld", list, k > 0 ? "," : "", ffs[k].file_case);
		free(list);
		list = s;
	}
	s = fmt("%s}", list);
	free(list);
	list = s;
	for (k = 0; k < NFILERS; k++)
		for (i = 0; i < ffs[k].nuploads; i++) {
			struct upload_rec *u = &ffs[k].uploads[i];

			s = fmt("%s.pdf", u->marker);
			p[0] = s;
			p[1] = list;
			res = PQexecParams(db, "SELECT encode(sha256, 'hex')"
			    " FROM files WHERE name = $1"
			    " AND case_id = ANY($2::bigint[])", 2, NULL, p,
			    NULL, NULL, 0);
			assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
			cnt = PQntuples(res);
			if (cnt > 1) {
				dup++;
				fprintf(stderr, "fault: file %s stored %d "
				    "times\n", u->marker, cnt);
			}
			if (cnt >= 1 && strcmp(PQgetvalue(res, 0, 0),
			    u->sha) != 0) {
				wrong++;
				fprintf(stderr, "fault: file %s stored with "
				    "another SHA-256\n", u->marker);
			}
			if (u->acked) {
				acked++;
				if (cnt == 1)
					present++;
				else if (cnt == 0) {
					lost++;
					fprintf(stderr, "fault: file %s LOST\n",
					    u->marker);
				}
			} else {
				unacked++;
				whole_unacked += cnt == 1;
			}
			PQclear(res);
			free(s);
		}
	/* Every content of theirs: its pieces in order hash to it. */
	p[0] = list;
	res = PQexecParams(db, "SELECT count(*) AS files, count(*) FILTER"
	    " (WHERE NOT ok) AS bad FROM (SELECT f.id, bool_and(x.ok) AS ok"
	    " FROM files f CROSS JOIN LATERAL (SELECT sha256(string_agg(c.data,"
	    " ''::bytea ORDER BY bc.n)) = f.sha256 AND sum(octet_length(c.data))"
	    " = f.size AND count(*) = b.nchunks AS ok FROM file_blobs b"
	    " JOIN file_blob_chunks bc ON bc.blob = b.sha256"
	    " JOIN file_chunks c ON c.sha256 = bc.chunk"
	    " WHERE b.sha256 = f.sha256 GROUP BY b.nchunks) x"
	    " WHERE f.case_id = ANY($1::bigint[]) GROUP BY f.id) y",
	    1, NULL, p, NULL, NULL, 0);
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	nfiles = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	half = strtol(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
	/* Files without content, contents without a file, pieces without a
	 * content: none, anywhere. */
	n = db_value(db, "SELECT (SELECT count(*) FROM files f WHERE NOT EXISTS"
	    " (SELECT 1 FROM file_blob_chunks bc WHERE bc.blob = f.sha256))"
	    " + (SELECT count(*) FROM file_blobs b WHERE NOT EXISTS"
	    " (SELECT 1 FROM files f WHERE f.sha256 = b.sha256))"
	    " + (SELECT count(*) FROM file_chunks c WHERE NOT EXISTS"
	    " (SELECT 1 FROM file_blob_chunks bc WHERE bc.chunk = c.sha256))",
	    NULL);
	orphans = strtol(n, NULL, 10);
	free(n);
	printf("fault: files: %ld uploads met a fault and were sent again\n",
	    failed);
	printf("fault: files: uploads acknowledged %ld (present once %ld),"
	    " lost %ld, duplicated %ld, other bytes %ld; unacknowledged %ld"
	    " (present whole %ld); %ld files checked, half-written %ld,"
	    " orphans %ld\n", acked, present, lost, dup, wrong, unacked,
	    whole_unacked, nfiles, half, orphans);
	assert_true(acked > 0);
	assert_int_equal(present, acked);
	*cases = list;
	return lost + dup + wrong + half + orphans;
}

static void
test_fault(void **state)
{
	struct fclient		 fcs[NCLIENTS], ffs[NFILERS];
	struct worker_arg	 args[NCLIENTS];
	pthread_t		 t[NCLIENTS], tf[NFILERS];
	struct client		*officer, *legal, *prober;
	struct seen		*tab;
	PGconn			*db;
	PGresult		*res;
	char			*cases_arr, *s;
	double			 t_stop, t_start0, t_start1, recovery = -1;
	double			 max_outage = 0, max_latency = 0, t_begin;
	long long		 eid;
	size_t			 i, nchanges = 0, nanswers = 0, ntab = 0;
	long			 acked = 0, present = 0, lost = 0, dup = 0;
	long			 unacked = 0, unacked_present = 0, e500 = 0;
	long			 outage503 = 0, outage_bad = 0, hung = 0;
	long			 refused = 0, transport = 0, bad_chain, checked;
	long			 ncases = 0, e5xx = 0, verified = 0;
	long			 file_bad = 0;
	char			*file_cases = NULL;
	int			 k;

	snprintf(run_tag, sizeof(run_tag), "%lx%lx", (long)getpid(),
	    (long)time(NULL) % 100000);
	eid = enterprise_make("110101", "故障测试企业");
	officer = client_login("officer.bj", DEMO_PASSWORD);
	legal = client_login("legal.bj", DEMO_PASSWORD);
	prober = client_new();
	memset(fcs, 0, sizeof(fcs));
	t_begin = now_seconds();
	for (k = 0; k < NCLIENTS; k++) {
		fcs[k].index = k;
		fcs[k].officer = client_clone(officer);
		fcs[k].legal = client_clone(legal);
		args[k].fc = &fcs[k];
		args[k].eid = eid;
		pthread_create(&t[k], NULL, client_main, &args[k]);
	}
	memset(ffs, 0, sizeof(ffs));
	for (k = 0; k < NFILERS; k++) {
		ffs[k].index = NCLIENTS + k;
		ffs[k].officer = client_clone(officer);
		ffs[k].file_case = fixture_case(officer, eid);
		pthread_create(&tf[k], NULL, filer_main, &ffs[k]);
	}

	/* The schedule of faults. */
	probe_for(prober, 4);
	kill_worker();
	probe_for(prober, 4);
	fprintf(stderr, "fault: PostgreSQL crash and restart (immediate)\n");
	assert_int_equal(run_cmd("db-restart-immediate"), 0);
	probe_for(prober, 4);
	fprintf(stderr, "fault: PostgreSQL stopped for %.0f s\n", OUTAGE);
	assert_int_equal(run_cmd("db-stop"), 0);
	t_stop = now_seconds();
	probe_for(prober, OUTAGE);
	t_start0 = now_seconds();
	assert_int_equal(run_cmd("db-start"), 0);
	t_start1 = now_seconds();
	probe_for(prober, 4);
	fprintf(stderr, "fault: worker killed and PostgreSQL crashed at once\n");
	kill_worker();
	assert_int_equal(run_cmd("db-restart-immediate"), 0);
	probe_for(prober, 5);
	stopping = 1;
	for (k = 0; k < NCLIENTS; k++)
		pthread_join(t[k], NULL);
	for (k = 0; k < NFILERS; k++)
		pthread_join(tf[k], NULL);
	fprintf(stderr, "fault: load ran %.1f s\n", now_seconds() - t_begin);

	/* Every answer: none 500, none hung; the outage's all 503, prompt. */
	for (k = -1; k < NCLIENTS + NFILERS; k++) {
		struct fclient *f = k >= NCLIENTS ? &ffs[k - NCLIENTS] :
		    k >= 0 ? &fcs[k] : NULL;
		struct answer *a = f == NULL ? probes : f->answers;
		size_t na = f == NULL ? nprobes : f->nanswers;

		for (i = 0; i < na; i++) {
			double lat = a[i].t1 - a[i].t0;

			nanswers++;
			if (lat > max_latency)
				max_latency = lat;
			if (lat > HUNG)
				hung++;
			if (a[i].status == 500)
				e500++;
			if (a[i].status >= 500)
				e5xx++;
			if (a[i].status == 0)
				transport++;
			if (a[i].t0 >= t_stop && a[i].t1 <= t_start0) {
				if (a[i].status == 503 && lat <= PROMPT)
					outage503++;
				else {
					outage_bad++;
					fprintf(stderr, "fault: during the "
					    "outage: %ld after %.2f s\n",
					    a[i].status, lat);
				}
				if (lat > max_outage)
					max_outage = lat;
			}
			if (a[i].t1 > t_start1 && a[i].status >= 200 &&
			    a[i].status < 300 &&
			    (recovery < 0 || a[i].t1 - t_start1 < recovery))
				recovery = a[i].t1 - t_start1;
		}
	}

	/* Every change: present exactly once if acked, at most once if not. */
	for (k = 0; k < NCLIENTS; k++) {
		nchanges += fcs[k].nchanges;
		refused += fcs[k].refused;
		if (fcs[k].refused)
			fprintf(stderr, "fault: client %d refused: %s\n", k,
			    fcs[k].refusal);
	}
	for (k = 0; k < NFILERS; k++) {
		refused += ffs[k].refused;
		if (ffs[k].refused)
			fprintf(stderr, "fault: filer %d refused: %s\n", k,
			    ffs[k].refusal);
	}
	tab = calloc(nchanges + 1, sizeof(*tab));
	assert_non_null(tab);
	for (k = 0; k < NCLIENTS; k++)
		for (i = 0; i < fcs[k].nchanges; i++)
			tab[ntab++].marker = fcs[k].changes[i].marker;
	qsort(tab, ntab, sizeof(*tab), seen_cmp);

	db = db_admin();
	/* The cases this run registered: their problem is our marker. */
	s = fmt("F%s-%%", run_tag);
	cases_arr = db_value(db, "SELECT coalesce(array_agg(id), '{}')::text"
	    " FROM cases WHERE problem LIKE $1", s, NULL);
	free(s);
	res = PQexecParams(db, "SELECT e.record FROM case_events e"
	    " WHERE e.case_id = ANY($1::bigint[])", 1, NULL,
	    (const char *const *)&cases_arr, NULL, NULL, 0);
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	for (i = 0; i < (size_t)PQntuples(res); i++) {
		json_t *rec = json_loads(PQgetvalue(res, (int)i, 0), 0, NULL);

		assert_non_null(rec);
		count_markers(json_object_get(rec, "payload"), tab, ntab);
		json_decref(rec);
	}
	PQclear(res);
	for (k = 0; k < NCLIENTS; k++)
		for (i = 0; i < fcs[k].nchanges; i++) {
			struct change *ch = &fcs[k].changes[i];
			struct seen key = { ch->marker, 0 }, *f;

			f = bsearch(&key, tab, ntab, sizeof(*tab), seen_cmp);
			assert_non_null(f);
			if (ch->acked) {
				acked++;
				if (f->count == 1)
					present++;
				else if (f->count == 0) {
					lost++;
					fprintf(stderr, "fault: LOST %s\n",
					    ch->marker);
				}
			} else {
				unacked++;
				if (f->count == 1)
					unacked_present++;
			}
			if (f->count > 1) {
				dup++;
				fprintf(stderr, "fault: DUPLICATED %s (%d "
				    "times)\n", ch->marker, f->count);
			}
		}

	file_bad = check_files(db, ffs, &file_cases);
	/* The filers' cases are verified with the others below. */
	s = fmt("%.*s,%s", (int)strlen(cases_arr) - 1, cases_arr,
	    file_cases + 1);
	if (strcmp(cases_arr, "{}") == 0) {
		free(s);
		s = strdup(file_cases);
	}
	free(cases_arr);
	cases_arr = s;

	/* Every chain verifies; each case's head and version agree. */
	bad_chain = chain_broken(db, cases_arr, &checked);
	s = db_value(db, "SELECT cardinality($1::bigint[])", cases_arr, NULL);
	ncases = s != NULL ? strtol(s, NULL, 10) : 0;
	free(s);
	/* And the auditors' own check (GET /api/v1/audit/verify), case by
	 * case: chain, and the Merkle log's leaves. */
	res = PQexecParams(db, "SELECT unnest($1::bigint[])", 1, NULL,
	    (const char *const *)&cases_arr, NULL, NULL, 0);
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	{
		struct client *auditor = client_login("auditor.bj",
		    DEMO_PASSWORD);

		for (i = 0; i < (size_t)PQntuples(res); i++) {
			struct resp r;

			s = fmt("/api/v1/audit/verify?case=%s",
			    PQgetvalue(res, (int)i, 0));
			http_get(auditor, s, &r);
			if (r.status == 200 &&
			    json_is_true(json_object_get(r.json, "ok")))
				verified++;
			else
				fprintf(stderr, "fault: %s: %ld %s\n", s,
				    r.status, r.body);
			resp_free(&r);
			free(s);
		}
		client_free(auditor);
	}
	PQclear(res);
	free(cases_arr);
	PQfinish(db);

	printf("fault: requests %zu (answers, with %zu health probes),"
	    " changes %zu\n", nanswers, nprobes, nchanges);
	printf("fault: acknowledged %ld, verified present %ld, lost %ld,"
	    " duplicated %ld\n", acked, present, lost, dup);
	printf("fault: unacknowledged %ld (present once %ld), refused %ld,"
	    " 5xx %ld, 500s %ld, transport errors %ld\n", unacked,
	    unacked_present, refused, e5xx, e500, transport);
	printf("fault: 503s during the outage %ld (others %ld), slowest"
	    " %.3f s; slowest answer %.3f s\n", outage503, outage_bad,
	    max_outage, max_latency);
	printf("fault: recovery time %.3f s after the database's return\n",
	    recovery);
	printf("fault: chains verified: %ld cases, %ld events, %ld broken;"
	    " audit/verify ok for %ld cases\n", ncases, checked, bad_chain,
	    verified);
	fflush(stdout);

	assert_int_equal(lost, 0);
	assert_int_equal(dup, 0);
	assert_int_equal(present, acked);
	assert_true(acked > 100);
	assert_int_equal(refused, 0);
	assert_int_equal(e500, 0);
	assert_int_equal(hung, 0);
	assert_true(outage503 > 0);
	assert_int_equal(outage_bad, 0);
	assert_true(recovery >= 0 && recovery <= RECOVERY_MAX);
	assert_int_equal(bad_chain, 0);
	assert_int_equal(verified, ncases);
	assert_true(ncases > 0);
	assert_int_equal(file_bad, 0);

	for (k = 0; k < NCLIENTS; k++) {
		client_free(fcs[k].officer);
		client_free(fcs[k].legal);
		free(fcs[k].answers);
		free(fcs[k].changes);
	}
	for (k = 0; k < NFILERS; k++) {
		client_free(ffs[k].officer);
		free(ffs[k].answers);
		free(ffs[k].uploads);
	}
	free(file_cases);
	free(tab);
	client_free(officer);
	client_free(legal);
	client_free(prober);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("e2e-fault", tests, NULL, NULL);
}
