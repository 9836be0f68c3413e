/*
 * admin.c: paicha-admin, the operator's command line.
 *
 *	paicha-admin user-create --username U --display-name NAME
 *	    --region CODE --roles officer[,legal,...] [--password-stdin]
 *	    [--if-missing] [--no-password-rules]
 *
 * Creates a user directly in the database named by
 * PAICHA_ADMIN_DATABASE_URL (a role that may write users: the superuser
 * or the owner).  This is how the first administrator of a production
 * install is made; after that, administrators manage users through the
 * API.  Without --password-stdin a random password is made and printed
 * once.  A password given on standard input passes the rules every
 * password set passes (password_rules.c), unless --no-password-rules:
 * that is for ./run's demo users only, whose password is paicha-demo.
 *
 *	paicha-admin openapi
 *
 * Prints the API's OpenAPI 3.1 description (what GET
 * /api/v1/openapi.json answers), for linting without a running service;
 * exits 1 when a route is not described (openapi.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <openssl/rand.h>

#include "../base/base.h"
#include "../front/front.h"
#include "../resources/resources.h"

static void
usage(void)
{
	fprintf(stderr, "usage: paicha-admin user-create --username U "
	    "--display-name NAME --region CODE --roles R[,R...] "
	    "[--password-stdin] [--if-missing] [--no-password-rules]\n"
	    "       paicha-admin openapi\n");
	exit(2);
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
	return n > 0 ? 0 : -1;
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
		{ "no-password-rules", no_argument, NULL, 'n' },
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
	const char	*why = NULL;
	int		 c, from_stdin = 0, if_missing = 0, rc = 1, generated = 0;
	int		 rules = 1;
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
		case 'n': rules = 0; break;
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
			fprintf(stderr, "paicha-admin: no password on standard "
			    "input\n");
			return 1;
		}
		switch (rules ? password_rules(pw, user, NULL, &why) : 0) {
		case 0:
			break;
		case 1:
			fprintf(stderr, "paicha-admin: the password is refused: "
			    "%s\n", why);
			goto out;
		default:
			fprintf(stderr, "paicha-admin: could not check the "
			    "password\n");
			goto out;
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

/* Print the OpenAPI document: 0, or 1 when a route lacks its words. */
static int
cmd_openapi(void)
{
	json_t	*doc;
	int	 rc = 1;

	if (openapi_check() == 0 && (doc = openapi_document()) != NULL) {
		rc = json_dumpf(doc, stdout, JSON_INDENT(2)) == 0 &&
		    putchar('\n') != EOF ? 0 : 1;
		json_decref(doc);
	}
	return rc;
}

int
main(int argc, char *argv[])
{
	if (argc >= 2 && strcmp(argv[1], "user-create") == 0)
		return cmd_user_create(argc - 1, argv + 1);
	if (argc == 2 && strcmp(argv[1], "openapi") == 0)
		return cmd_openapi();
	usage();
	return 2;
}
