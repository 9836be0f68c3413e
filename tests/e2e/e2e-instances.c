/*
 * e2e-instances.c: two service instances behind one nginx upstream
 * (PAICHA_INSTANCES=2, a stack of its own).  Clients read and write
 * while one instance -- its supervisor and its worker -- is killed with
 * SIGKILL and stays dead.  What must hold:
 *
 *  - no read fails: nginx passes a GET that met the dead instance on to
 *    the other one;
 *  - a write fails only if it was in flight at the kill (nginx never
 *    resends a POST it has sent), and retried with its Idempotency-Key
 *    it takes effect exactly once;
 *  - both instances served before the kill, the other one everything
 *    after it.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "instance.h"

#define CLIENTS		8
#define RUN_SECONDS	10.0
#define KILL_AT		4.0
#define MAX_FAILS	64
/*
 * How long after the kill a request may still fail because of it: one
 * sent on a kept-alive connection to the dead instance fails (a POST is
 * not passed on once sent), once per nginx worker, before that worker
 * marks the instance down.  Seen 0.11 s after the kill with the ASan
 * build on a loaded machine (./run test); 0.05 s was too tight.
 */
#define KILL_SEEN	0.5

struct fail {
	double	 t0, t1;
	long	 status;
	int	 post;
};

struct worker {
	struct client	*c;
	long long	 case_id;
	int		 version;
	int		 index;
	volatile int	*stop;
	/* Results. */
	unsigned long	 gets, posts, notes, retries, bad;
	struct fail	 fails[MAX_FAILS];
	int		 nfails;
	long		 bad_status;
};

static struct inst	 S;

static int
setup(void **state)
{
	inst_up(&S, "instances", "PAICHA_INSTANCES=2 PAICHA_THREADS=8");
	return 0;
}

static int
teardown(void **state)
{
	inst_stop(&S);
	return 0;
}

static void
record(struct worker *w, double t0, long status, int post)
{
	if (w->nfails < MAX_FAILS) {
		w->fails[w->nfails].t0 = t0;
		w->fails[w->nfails].t1 = now_seconds();
		w->fails[w->nfails].status = status;
		w->fails[w->nfails].post = post;
	}
	w->nfails++;
}

/* A status that says the request may not have reached the service. */
static int
lost(long status)
{
	return status == 0 || status == 502 || status == 503 || status == 504;
}

/*
 * One client: read its case, add a note (Idempotency-Key, If-Match),
 * over and over.  A note that failed in transit is sent again, the same
 * key and body, until it is answered.
 */
static void *
client_main(void *arg)
{
	struct worker	*w = arg;
	char		*get = fmt("/api/v1/cases/%lld", w->case_id);
	char		*post = fmt("/api/v1/cases/%lld/transitions", w->case_id);
	char		 key[64], im[32];
	const char	*h[3] = { key, im, NULL };
	struct resp	 r;
	double		 t0;
	unsigned long	 n = 0;
	int		 tries;

	while (!*w->stop) {
		t0 = now_seconds();
		http_get(w->c, get, &r);
		w->gets++;
		if (r.status != 200)
			record(w, t0, r.status, 0);
		resp_free(&r);

		snprintf(key, sizeof(key), "Idempotency-Key: c%d-%lu", w->index,
		    ++n);
		snprintf(im, sizeof(im), "If-Match: \"%d\"", w->version);
		for (tries = 0; tries < 50; tries++) {
			t0 = now_seconds();
			http_json(w->c, "POST", post, json_pack("{s:s, s:{s:s}}",
			    "event", "add_note", "payload", "text", key + 17),
			    h, &r);
			w->posts++;
			if (!lost(r.status))
				break;
			record(w, t0, r.status, 1);
			w->retries++;
			resp_free(&r);
			usleep(100000);
		}
		if (r.status == 200) {
			w->notes++;
			w->version = (int)json_integer_value(json_object_get(
			    r.json, "version"));
		} else {
			w->bad++;
			w->bad_status = r.status;
		}
		resp_free(&r);
	}
	free(get);
	free(post);
	return NULL;
}

/* Whether anything accepts connections on the Unix socket at `path`. */
static int
listening(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return 0;
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return rc;
}

/*
 * Count the access log's answered requests (status below 500) from byte
 * `from` to `to` (-1: the end) by the upstream that answered: [0]
 * instance 1, [1] instance 2; [2] those nginx passed on from one
 * upstream to the next.
 */
static void
served_by(long from, long to, unsigned long out[3])
{
	char	*path = fmt("%s/log/access.log", S.var), line[2048];
	char	*one = fmt("unix:%s/run/paicha.sock", S.var);
	char	*two = fmt("unix:%s/run/2/paicha.sock", S.var);
	char	*ua, *last, *st;
	FILE	*f = fopen(path, "r");

	memset(out, 0, 3 * sizeof(out[0]));
	assert_non_null(f);
	fseek(f, from, SEEK_SET);
	while ((to < 0 || ftell(f) < to) && fgets(line, sizeof(line), f)) {
		if ((ua = strstr(line, " ua=")) == NULL ||
		    (st = strstr(line, "\" ")) == NULL || atoi(st + 2) >= 500)
			continue;
		ua += 4;
		ua[strcspn(ua, " ")] = '\0';
		if (strchr(ua, ',') != NULL)
			out[2]++;
		last = strrchr(ua, ',') != NULL ? strrchr(ua, ',') + 1 : ua;
		while (*last == ' ')
			last++;
		if (strcmp(last, one) == 0)
			out[0]++;
		else if (strcmp(last, two) == 0)
			out[1]++;
	}
	fclose(f);
	free(path);
	free(one);
	free(two);
}

static long
file_size(const char *path)
{
	struct stat	 st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/*
 * Both instances ran a checkpointer over the same log, elected round by
 * round with an advisory lock, and one died mid-run: when the build has
 * the audit endpoints, the log and its latest checkpoint still verify.
 */
static void
audit_after(void)
{
	struct client	*a = inst_login(&S, "admin");
	struct resp	 r;
	json_t		*cp;
	double		 t0 = now_seconds();

	for (;;) {
		http_get(a, "/api/v1/audit/verify", &r);
		if (r.status != 200) {
			printf("instances: no audit endpoint in this build (%ld)\n",
			    r.status);
			break;
		}
		assert_true(json_is_true(json_object_get(r.json, "ok")));
		cp = json_object_get(r.json, "checkpoint");
		/* The surviving checkpointer catches up within its interval. */
		if (json_is_object(cp) && json_integer_value(json_object_get(cp,
		    "size")) == json_integer_value(json_object_get(r.json,
		    "checked"))) {
			assert_true(json_is_true(json_object_get(cp, "ok")));
			printf("instances: audit verify after the kill: %s\n",
			    r.body);
			break;
		}
		if (now_seconds() - t0 > 60)
			fail_msg("no checkpoint covered the log 60 s after the"
			    " load: %s", r.body);
		resp_free(&r);
		sleep(1);
	}
	resp_free(&r);
	client_free(a);
}

static void
test_instance_killed_under_load(void **state)
{
	struct worker	 w[CLIENTS];
	pthread_t	 t[CLIENTS];
	volatile int	 stop = 0;
	struct resp	 r;
	char		*sup, *wrk, *sock2, *log;
	PGconn		*db;
	double		 start, tk, last_fail = 0;
	long		 at_kill;
	long long	 ent;
	pid_t		 psup, pwrk;
	unsigned long	 before[3], after[3], gets = 0, posts = 0, notes = 0;
	unsigned long	 get_fails = 0, post_fails = 0, retries = 0, bad = 0;
	int		 i, k, inflight_bad = 0;

	ent = inst_enterprise(&S, "110101", "北京东城多实例测试厂");
	for (i = 0; i < CLIENTS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].index = i;
		w[i].stop = &stop;
		w[i].c = inst_login(&S, "officer.bj");
		http_json(w[i].c, "POST", "/api/v1/cases", json_pack("{s:I,"
		    " s:i, s:s, s:s, s:s, s:s}", "enterprise_id",
		    (json_int_t)ent, "campaign_id", 2026, "category", "cement",
		    "domain", "production", "source", "spot_check", "problem",
		    "多实例"), NULL, &r);
		assert_status(&r, 201);
		w[i].case_id = json_integer_value(json_object_get(r.json, "id"));
		w[i].version = (int)json_integer_value(json_object_get(r.json,
		    "version"));
		resp_free(&r);
	}
	sup = inst_run_out(&S, "service-supervisor-pid 2");
	wrk = inst_run_out(&S, "service-pid 2");
	assert_non_null(sup);
	assert_non_null(wrk);
	psup = (pid_t)atol(sup);
	pwrk = (pid_t)atol(wrk);
	sock2 = fmt("%s/run/2/paicha.sock", S.var);
	log = fmt("%s/log/access.log", S.var);
	assert_true(listening(sock2));

	start = now_seconds();
	for (i = 0; i < CLIENTS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, client_main,
		    &w[i]), 0);
	usleep((useconds_t)(KILL_AT * 1e6));
	/* The supervisor leads its worker's process group: both at once. */
	tk = now_seconds();
	kill(-psup, SIGKILL);
	kill(psup, SIGKILL);
	kill(pwrk, SIGKILL);
	/*
	 * Where the log stands once nginx has logged what instance 2
	 * answered before it died: from here on only instance 1 may appear.
	 */
	usleep(300000);
	at_kill = file_size(log);
	usleep((useconds_t)((RUN_SECONDS - KILL_AT - 0.3) * 1e6));
	stop = 1;
	for (i = 0; i < CLIENTS; i++)
		pthread_join(t[i], NULL);

	/* Instance 2 stayed dead: nothing restarted it. */
	assert_int_equal(kill(psup, 0) == -1 && errno == ESRCH, 1);
	assert_int_equal(kill(pwrk, 0) == -1 && errno == ESRCH, 1);
	assert_false(listening(sock2));

	db = inst_db(&S, "postgres", 0);
	for (i = 0; i < CLIENTS; i++) {
		char	*id = fmt("%lld", w[i].case_id), *n;

		gets += w[i].gets;
		posts += w[i].posts;
		notes += w[i].notes;
		retries += w[i].retries;
		bad += w[i].bad;
		for (k = 0; k < w[i].nfails && k < MAX_FAILS; k++) {
			struct fail *f = &w[i].fails[k];

			if (f->post)
				post_fails++;
			else
				get_fails++;
			if (f->t1 > last_fail)
				last_fail = f->t1;
			/* Caused by the kill: begun before nginx can know, ended after. */
			if (!(f->t0 <= tk + KILL_SEEN && f->t1 >= tk - 0.05)) {
				inflight_bad++;
				printf("client %d: %s failed %ld at %.3f..%.3f s, not"
				    " in flight at the kill (%.3f s)\n", i,
				    f->post ? "POST" : "GET", f->status,
				    f->t0 - start, f->t1 - start, tk - start);
			}
		}
		/* Every note once: the creation plus each note answered 200. */
		n = db_value(db, "SELECT count(*) FROM case_events"
		    " WHERE case_id = $1", id, NULL);
		if (strtoul(n, NULL, 10) != 1 + w[i].notes)
			fail_msg("case %s has %s events, want %lu: a note was"
			    " lost or applied twice", id, n, 1 + w[i].notes);
		free(n);
		free(id);
		client_free(w[i].c);
	}
	PQfinish(db);
	served_by(0, at_kill, before);
	served_by(at_kill, -1, after);
	printf("instances: %lu GET + %lu POST in %.0f s, %d clients;"
	    " killed instance 2 (supervisor %ld, worker %ld) at %.1f s\n",
	    gets, posts, RUN_SECONDS, CLIENTS, (long)psup, (long)pwrk,
	    tk - start);
	printf("instances: until 0.3 s after the kill instance 1 answered %lu,"
	    " instance 2 %lu; after that instance 1 %lu, instance 2 %lu (%lu"
	    " passed on to the next upstream)\n", before[0], before[1], after[0],
	    after[1], after[2]);
	printf("instances: failed GET %lu; failed POST %lu (all in flight at"
	    " the kill), retried with their keys: %lu notes, each once;"
	    " last failure %.3f s after the kill\n", get_fails, post_fails,
	    notes, last_fail > 0 ? last_fail - tk : 0.0);
	assert_int_equal(bad, 0);
	assert_int_equal(get_fails, 0);
	assert_int_equal(inflight_bad, 0);
	assert_true(post_fails <= CLIENTS);
	assert_true(before[0] > 0 && before[1] > 0);
	assert_int_equal(after[1], 0);
	assert_true(after[0] > 100);
	audit_after();
	free(sup);
	free(wrk);
	free(sock2);
	free(log);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_instance_killed_under_load),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, setup, teardown);
}
