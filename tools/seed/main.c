/*
 * paicha-seed: deterministic demonstration and benchmark data (./run
 * seed-demo).  See seed.h for the files, tools/seed/README.md for use.
 *
 *	paicha-seed --db CONNINFO [--api URL --ca FILE] [--cases N]
 *	    [--activities N] [--jobs J] [--seed S] [--detected] [--no-vacuum]
 *	paicha-seed --photo FILE [--seed S]	one demo photo (JPEG, EXIF)
 *	paicha-seed --pdf FILE [--seed S]	one demo document (PDF)
 *
 * --db is a superuser's connection (the bulk driver writes past
 * row-level security; the API driver reads the world with it).  With
 * --api the cases go through the HTTP API, else by COPY.  New cases and
 * activities continue the numbering of those already there, so a second
 * run adds to the first instead of repeating it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "seed.h"
#include "../../fcgi/base/base.h"
#include "../../fcgi/front/front.h"
#include "../../fcgi/ledger/ledger.h"
#include "../../fcgi/resources/resources.h"

static struct timespec	 t0;

/* "paicha-seed: " and the message, on stderr. */
static void
vnote(const char *fmt, va_list ap)
{
	fputs("paicha-seed: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
note(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vnote(fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vnote(fmt, ap);
	va_end(ap);
	exit(1);
}

double
elapsed(void)
{
	struct timespec	 t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0.tv_sec) +
	    (double)(t.tv_nsec - t0.tv_nsec) / 1e9;
}

/* ------------------------------------------------------------------ */
/* The world, from the database                                       */
/* ------------------------------------------------------------------ */

static PGresult *
query(PGconn *c, const char *sql)
{
	PGresult	*res = PQexec(c, sql);

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fatal("%s: %s", sql, PQresultErrorMessage(res));
	return res;
}

static long long
query_int(PGconn *c, const char *sql)
{
	PGresult	*res = query(c, sql);
	long long	 v = 0;

	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return v;
}

static void
world_read(PGconn *c, struct world *w)
{
	static const char *const users[NPROVINCES][2] = {
		{ "officer.bj", "legal.bj" }, { "officer.sh", "legal.sh" }
	};
	PGresult	*res;
	struct actor	*a;
	int		 i, p, k;

	res = query(c, "SELECT code, name FROM regions WHERE level = 3"
	    " AND (code LIKE '11%' OR code LIKE '31%')"
	    " AND (valid_to IS NULL OR valid_to > current_date) ORDER BY code");
	w->nregions = (size_t)PQntuples(res);
	if (w->nregions == 0)
		fatal("no districts of Beijing or Shanghai in regions");
	if ((w->regions = calloc(w->nregions, sizeof(*w->regions))) == NULL)
		fatal("out of memory");
	for (p = 0; p < NPROVINCES; p++)
		if ((w->regions_of[p] = calloc(w->nregions,
		    sizeof(size_t))) == NULL)
			fatal("out of memory");
	for (i = 0; i < PQntuples(res); i++) {
		snprintf(w->regions[i].code, sizeof(w->regions[i].code), "%s",
		    PQgetvalue(res, i, 0));
		snprintf(w->regions[i].name, sizeof(w->regions[i].name), "%s",
		    PQgetvalue(res, i, 1));
		p = w->regions[i].code[0] == '1' ? 0 : 1;
		w->regions[i].province = p;
		w->regions_of[p][w->nregions_of[p]++] = (size_t)i;
	}
	PQclear(res);

	res = query(c, "SELECT id, name FROM categories"
	    " ORDER BY province NULLS FIRST, ord");
	for (i = 0; i < PQntuples(res) && i < MAX_CATEGORIES; i++) {
		w->categories[i] = strdup(PQgetvalue(res, i, 0));
		w->category_names[i] = strdup(PQgetvalue(res, i, 1));
	}
	w->ncategories = i;
	PQclear(res);
	if (w->ncategories == 0)
		fatal("no product categories");

	res = query(c, "SELECT id, username, region,"
	    " array_to_string(roles, ',') FROM users"
	    " WHERE username IN ('officer.bj', 'legal.bj', 'officer.sh',"
	    " 'legal.sh') AND disabled_at IS NULL");
	for (i = 0; i < PQntuples(res); i++)
		for (p = 0; p < NPROVINCES; p++)
			for (k = 0; k < 2; k++) {
				if (strcmp(users[p][k], PQgetvalue(res, i, 1)))
					continue;
				a = k == 0 ? &w->officer[p] : &w->legal[p];
				a->id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
				snprintf(a->username, sizeof(a->username), "%s",
				    PQgetvalue(res, i, 1));
				snprintf(a->region, sizeof(a->region), "%s",
				    PQgetvalue(res, i, 2));
				a->roles = roles_parse(PQgetvalue(res, i, 3));
			}
	PQclear(res);
	for (p = 0; p < NPROVINCES; p++)
		if (w->officer[p].id == 0 || w->legal[p].id == 0 ||
		    !(w->officer[p].roles & WF_ROLE_BIT(WF_ROLE_OFFICER)) ||
		    !(w->legal[p].roles & WF_ROLE_BIT(WF_ROLE_LEGAL)))
			fatal("the demo users %s and %s are missing (./run "
			    "seeds them)", users[p][0], users[p][1]);

	w->campaign_now = (int)query_int(c, "SELECT id FROM campaigns WHERE"
	    " year = extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')");
	if (w->campaign_now == 0)
		fatal("no campaign for this year (./run makes it)");
	w->campaign_old = (int)query_int(c, "SELECT id FROM campaigns"
	    " WHERE year = 2022");
	if (w->campaign_old == w->campaign_now)
		w->campaign_old = 0;
	w->activities_table = query_int(c, "SELECT (to_regclass("
	    "'public.activities') IS NOT NULL)::int") == 1;

	/* Profiles, problem types, spot-check items (issue 21). */
	w->profiles = query_int(c, "SELECT (to_regclass("
	    "'public.enterprise_risk') IS NOT NULL)::int") == 1;
	if (!w->profiles)
		return;
	res = query(c, "SELECT id, domain FROM problem_types ORDER BY ord");
	for (i = 0; i < PQntuples(res); i++) {
		p = strcmp(PQgetvalue(res, i, 1), "production") == 0 ? 0 : 1;
		if (w->nptypes[p] < MAX_PTYPES)
			w->ptypes[p][w->nptypes[p]++] =
			    strdup(PQgetvalue(res, i, 0));
	}
	PQclear(res);
}

/* Make enterprises 0..n-1 in memory, with each province's list. */
static void
world_enterprises(struct world *w, size_t n)
{
	size_t	 i;
	int	 p;

	if ((w->ents = calloc(n, sizeof(*w->ents))) == NULL)
		fatal("out of memory");
	for (p = 0; p < NPROVINCES; p++)
		if ((w->ents_of[p] = calloc(n, sizeof(size_t))) == NULL)
			fatal("out of memory");
	for (i = 0; i < n; i++) {
		enterprise_make(w, i, &w->ents[i]);
		p = w->regions[w->ents[i].region].province;
		w->ents_of[p][w->nents_of[p]++] = i;
	}
	w->nents = n;
}

static uint64_t
number(const char *opt, const char *s)
{
	char		*end;
	unsigned long long v;

	if (s == NULL)
		fatal("%s needs a value", opt);
	v = strtoull(s, &end, 10);
	if (*s == '\0' || *end != '\0')
		fatal("%s: not a number: %s", opt, s);
	return (uint64_t)v;
}

static void
usage(void)
{
	fprintf(stderr, "usage: paicha-seed --db CONNINFO [--api URL --ca FILE]"
	    " [--cases N]\n\t[--activities N] [--jobs J] [--seed S]"
	    " [--detected] [--no-vacuum]\n"
	    "       paicha-seed --photo FILE | --pdf FILE [--seed S]\n");
	exit(2);
}

/*
 * Write one demo photo or document to `path`, as the demo cases get
 * them (the tests upload these).  Exits.
 */
static void
sample(const char *photo, const char *pdf, uint64_t seed)
{
	static const char *const lines[] = {
		"样例文件：用于测试证据材料的上传与下载。",
		"Sample document for the evidence file tests.",
	};
	unsigned char	*data = NULL;
	char		*doc = NULL;
	size_t		 len = 0;
	FILE		*f;
	const char	*path = photo != NULL ? photo : pdf;

	if (photo != NULL) {
		/* 2026-05-20 10:30:00 +08:00 at Tian'anmen. */
		if (media_photo(seed, "样例照片　现场检查", 1779244200,
		    39.9087, 116.3975, &data, &len) == -1)
			fatal("could not make the photo");
	} else {
		media_pdf("样例文书", lines, 2, &doc, &len);
		data = (unsigned char *)doc;
	}
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(data, 1, len, f) != len || fclose(f) != 0)
		fatal("could not write %s", path);
	free(data);
	exit(0);
}

int
main(int argc, char *argv[])
{
	struct world	 w;
	struct load	 l;
	struct counts	 n;
	PGconn		*c;
	uint64_t	 have;
	int		 i, acts_given = 0, jobs_given = 0, vacuum = 1;
	const char	*photo = NULL, *pdf = NULL;
	size_t		 s, nents;
	char		 sql[512];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&w, 0, sizeof(w));
	memset(&l, 0, sizeof(l));
	memset(&n, 0, sizeof(n));
	w.seed = 20221030;	/* the seed notice's date: any constant */
	l.ncases = 300;
	l.jobs = 2;
	l.mode = WALK_HISTORY;
	l.province = -1;
	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(o, "--db") == 0 && v != NULL)
			l.conninfo = argv[++i];
		else if (strcmp(o, "--api") == 0 && v != NULL)
			l.url = argv[++i];
		else if (strcmp(o, "--ca") == 0 && v != NULL)
			l.ca = argv[++i];
		else if (strcmp(o, "--cases") == 0)
			l.ncases = number(o, argv[++i]);
		else if (strcmp(o, "--activities") == 0) {
			l.nacts = number(o, argv[++i]);
			acts_given = 1;
		} else if (strcmp(o, "--jobs") == 0)
			l.jobs = (int)number(o, argv[++i]);
		else if (strcmp(o, "--seed") == 0)
			w.seed = number(o, argv[++i]);
		else if (strcmp(o, "--detected") == 0) {
			l.mode = WALK_DETECTED;
			l.province = 0;
		} else if (strcmp(o, "--no-vacuum") == 0)
			vacuum = 0;
		else if (strcmp(o, "--photo") == 0 && v != NULL)
			photo = argv[++i];
		else if (strcmp(o, "--pdf") == 0 && v != NULL)
			pdf = argv[++i];
		else
			usage();
	}
	if (photo != NULL || pdf != NULL)
		sample(photo, pdf, w.seed);
	if (l.conninfo == NULL || (l.url != NULL && l.ca == NULL))
		usage();
	if (l.url != NULL && l.mode == WALK_HISTORY)
		l.mode = WALK_NOW;
	/* Requests wait on commits: more of them in flight than cores. */
	if (l.url != NULL && !jobs_given)
		l.jobs = 4;
	if (!acts_given)
		l.nacts = l.mode == WALK_DETECTED ? 0 : l.ncases;
	w.now_us = now_us();

	if ((c = PQconnectdb(l.conninfo)) == NULL ||
	    PQstatus(c) != CONNECTION_OK)
		fatal("could not connect to the database: %s",
		    PQerrorMessage(c));
	world_read(c, &w);
	if (!w.activities_table)
		l.nacts = 0;
	have = (uint64_t)query_int(c, "SELECT count(*) FROM cases");
	l.first_case = have;
	l.first_act = w.activities_table ?
	    (uint64_t)query_int(c, "SELECT count(*) FROM activities") : 0;
	/* About five cases per enterprise; fresh benchmark cases add none. */
	nents = 20 + (size_t)((l.mode == WALK_DETECTED ? have :
	    have + l.ncases) / 5);
	world_enterprises(&w, nents);

	note("%s: %llu cases and %llu activities after %llu cases, "
	    "%zu enterprises", l.url != NULL ? "API" : "bulk",
	    (unsigned long long)l.ncases, (unsigned long long)l.nacts,
	    (unsigned long long)have, nents);
	if (l.url != NULL) {
		PQfinish(c);
		if (api_load(&l, &w, &n) == -1)
			fatal("the API load failed");
	} else {
		if (bulk_enterprises(c, &w, nents) == -1)
			fatal("could not store the enterprises");
		n.enterprises = (long long)nents;
		note("%zu enterprises (%.1f s)", nents, elapsed());
		PQfinish(c);
		if (bulk_load(&l, &w, &n) == -1)
			fatal("loading failed after %lld cases", n.cases);
		if (w.profiles) {
			/* The loaders deferred the grades: all at once. */
			note("risk grades (%.1f s)", elapsed());
			c = PQconnectdb(l.conninfo);
			note("%lld enterprises graded (%.1f s)", query_int(c,
			    "SELECT risk_refresh_all()"), elapsed());
			PQfinish(c);
		}
		/*
		 * Rows with past times: the dashboard's counts are made
		 * again whole at the scheduler's next round (sql/0055).
		 */
		c = PQconnectdb(l.conninfo);
		PQclear(PQexec(c, "SELECT dashboard_tallies_reset() WHERE"
		    " to_regprocedure('dashboard_tallies_reset()')"
		    " IS NOT NULL"));
		PQfinish(c);
		if (vacuum) {
			/* Statistics and visibility for the planner at once. */
			note("vacuum analyze (%.1f s)", elapsed());
			snprintf(sql, sizeof(sql), "VACUUM (ANALYZE) enterprises,"
			    " cases, case_events, case_deadlines%s",
			    w.activities_table ? ", activities" : "");
			c = PQconnectdb(l.conninfo);
			PQclear(PQexec(c, sql));
			PQfinish(c);
		}
	}

	/* Through the API the service makes the deadlines: not counted here. */
	printf("seeded in %.1f s: %lld enterprises, %lld cases (%lld events",
	    elapsed(), n.enterprises, n.cases, n.events);
	if (l.url == NULL)
		printf(", %lld deadlines", n.deadlines);
	printf("), %lld activities", n.activities);
	if (n.files > 0)
		printf(", %lld files", n.files);
	printf("\n");
	printf("states:");
	for (s = 0; s < WF_STATE__MAX; s++)
		printf(" %s %lld", wf_states[s].id, n.states[s]);
	printf("; proposals pending %lld\n", n.pending);
	if (l.url == NULL)
		printf("loader time (s, all jobs): making rows %.1f, COPY cases"
		    " %.1f, events %.1f, deadlines %.1f, activities %.1f,"
		    " commits %.1f\n", n.t_make, n.t_copy[0], n.t_copy[1],
		    n.t_copy[2], n.t_copy[3], n.t_commit);
	return 0;
}
