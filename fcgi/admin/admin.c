/*
 * admin.c: paicha-admin, the operator's command line.
 *
 *	paicha-admin user-create --username U --display-name NAME
 *	    --region CODE --roles officer[,legal,...] [--password-stdin]
 *	    [--if-missing]
 *
 * Creates a user directly in the database named by
 * PAICHA_ADMIN_DATABASE_URL (a role that may write users: the superuser
 * or the owner).  This is how the first administrator of a production
 * install is made; after that, administrators manage users through the
 * API.  Without --password-stdin a random password is made and printed
 * once.
 *
 *	paicha-admin sched-run [--batch N]
 *
 * Runs one round of each of the scheduler's jobs (fcgi/sched/) to its
 * end, as the service's scheduler thread does, on the database named by
 * PAICHA_ADMIN_DATABASE_URL, and prints what each did and how long it
 * took: an operator catching up after a pause, and ./run bench timing
 * the sweep.  A job another instance is running is skipped (its lock).
 */
#include <getopt.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <openssl/rand.h>

#include "../base/base.h"
#include "../front/front.h"
#include "../sched/sched.h"

static void
usage(void)
{
	fprintf(stderr, "usage: paicha-admin user-create --username U "
	    "--display-name NAME --region CODE --roles R[,R...] "
	    "[--password-stdin] [--if-missing]\n"
	    "       paicha-admin sched-run [--batch N]\n");
	exit(2);
}

/* A round of each scheduler job, timed.  0, or 1 when one failed. */
static int
cmd_sched_run(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "batch", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 }
	};
	struct worker	*w;
	struct req	*r;
	struct timespec	 t0, t1;
	const char	*url = getenv("PAICHA_ADMIN_DATABASE_URL");
	long		 batch = 500, n;
	int		 c, j, rc = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		switch (c) {
		case 'b':
			batch = atol(optarg);
			break;
		default:
			usage();
		}
	if (url == NULL || batch < 1) {
		fprintf(stderr, "paicha-admin: set PAICHA_ADMIN_DATABASE_URL"
		    " (and --batch N >= 1)\n");
		return 1;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (r = calloc(1, sizeof(*r))) == NULL) {
		free(w);
		return 1;
	}
	w->db.url = url;
	w->db.app = "paicha-admin-sched";
	for (j = 0; j < SCHED__MAX; j++) {
		memset(r, 0, sizeof(*r));
		r->w = w;
		snprintf(r->id, sizeof(r->id), "admin-sched");
		clock_gettime(CLOCK_MONOTONIC, &t0);
		n = sched_round(r, (enum sched_job)j, batch, 0);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (n == -1)
			rc = 1;
		printf("job %s: %ld items in %.3f s\n",
		    sched_jobs_table[j].name, n, (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	}
	db_close(&w->db);
	free(r);
	free(w);
	return rc;
}

/* Read one line (the password) from standard input, without newline. */
static int
read_password(char *buf, size_t size)
{
	size_t	 n;

	if (fgets(buf, (int)size, stdin) == NULL)
		return -1;
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return n >= 10 ? 0 : -1;
}

/* A random password of 22 base64url characters. */
static int
random_password(char *buf, size_t size)
{
	static const char a[] =
	    "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
	unsigned char	 r[22];
	size_t		 i;

	if (size < sizeof(r) + 1 || RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	for (i = 0; i < sizeof(r); i++)
		buf[i] = a[r[i] % (sizeof(a) - 1)];
	buf[sizeof(r)] = '\0';
	return 0;
}

static int
cmd_user_create(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "username", required_argument, NULL, 'u' },
		{ "display-name", required_argument, NULL, 'd' },
		{ "region", required_argument, NULL, 'r' },
		{ "roles", required_argument, NULL, 'R' },
		{ "password-stdin", no_argument, NULL, 'p' },
		{ "if-missing", no_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	static const char insert[] =
	    "INSERT INTO users (username, display_name, region, roles,"
	    " password_hash) VALUES ($1, $2, $3, string_to_array($4, ','), $5)"
	    " ON CONFLICT (username) WHERE password_hash IS NOT NULL"
	    " DO NOTHING RETURNING id";	/* the national copy: 0011 */
	const char	*user = NULL, *name = NULL, *region = NULL, *roles = NULL;
	const char	*url = getenv("PAICHA_ADMIN_DATABASE_URL"), *p[5];
	char		 pw[300], hash[PASSWORD_HASH_MAX];
	int		 c, from_stdin = 0, if_missing = 0, rc = 1, generated = 0;
	PGconn		*conn = NULL;
	PGresult	*res = NULL;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		switch (c) {
		case 'u': user = optarg; break;
		case 'd': name = optarg; break;
		case 'r': region = optarg; break;
		case 'R': roles = optarg; break;
		case 'p': from_stdin = 1; break;
		case 'm': if_missing = 1; break;
		default: usage();
		}
	if (user == NULL || name == NULL || region == NULL || roles == NULL)
		usage();
	if (url == NULL) {
		fprintf(stderr, "paicha-admin: set PAICHA_ADMIN_DATABASE_URL\n");
		return 1;
	}
	if (from_stdin) {
		if (read_password(pw, sizeof(pw)) == -1) {
			fprintf(stderr, "paicha-admin: the password must be at "
			    "least 10 characters\n");
			return 1;
		}
	} else {
		if (random_password(pw, sizeof(pw)) == -1)
			return 1;
		generated = 1;
	}
	if (password_hash(pw, hash, sizeof(hash)) == -1) {
		fprintf(stderr, "paicha-admin: could not hash the password\n");
		goto out;
	}
	conn = PQconnectdb(url);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "paicha-admin: could not connect to database: "
		    "%s", PQerrorMessage(conn));
		goto out;
	}
	p[0] = user;
	p[1] = name;
	p[2] = region;
	p[3] = roles;
	p[4] = hash;
	res = PQexecParams(conn, insert, 5, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "paicha-admin: could not create %s: %s", user,
		    PQerrorMessage(conn));
		goto out;
	}
	if (PQntuples(res) == 0) {
		if (if_missing) {
			printf("user %s exists, left as it is\n", user);
			rc = 0;
		} else
			fprintf(stderr, "paicha-admin: user %s exists\n", user);
		goto out;
	}
	printf("created user %s (id %s)\n", user, PQgetvalue(res, 0, 0));
	if (generated)
		printf("password (shown once): %s\n", pw);
	rc = 0;
out:
	OPENSSL_cleanse(pw, sizeof(pw));
	PQclear(res);
	PQfinish(conn);
	return rc;
}

int
main(int argc, char *argv[])
{
	if (argc >= 2 && strcmp(argv[1], "user-create") == 0)
		return cmd_user_create(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "sched-run") == 0)
		return cmd_sched_run(argc - 1, argv + 1);
	usage();
	return 2;
}
