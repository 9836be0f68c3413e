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
 *	paicha-admin proof-check --proof FILE (--record FILE | --leaf HEX)
 *	    --public-key PEM
 *
 * Checks, offline -- no database, no service -- an inclusion proof as
 * GET /api/v1/audit/proof answers it: that the checkpoint it names was
 * signed (Ed25519) by the holder of the public key given, over the
 * message its size, root and time make (sql/0008_audit.sql), and that
 * the event is leaf `leaf_index` of that signed tree (RFC 9162 2.1.3.2).
 * The event is the record in FILE (its canonical JSON, byte for byte:
 * its hash is recomputed with the proof's prev_hash and the tag of the
 * stream the proof's "entity" names, ../ledger/record.c) or the event
 * hash HEX: an event of any stream, a case's or another entity's.
 * Exits 0 when both hold, 1 when not (saying why), 2 on a usage error.
 *
 *	paicha-admin sched-run [--batch N]
 *
 * Runs one round of each of the scheduler's jobs (fcgi/sched/) to its
 * end, as the service's scheduler thread does, on the database named by
 * PAICHA_ADMIN_DATABASE_URL, and prints what each did and how long it
 * took: an operator catching up after a pause, and ./run bench timing
 * the sweep.  A job another instance is running is skipped (its lock).
 *
 *	paicha-admin openapi
 *
 * Prints the API's OpenAPI 3.1 description (what GET
 * /api/v1/openapi.json answers), for linting without a running service;
 * exits 1 when a route is not described (openapi.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "../base/base.h"
#include "../front/front.h"
#include "../ledger/ledger.h"
#include "../ledger/merkle.h"

#define RECORD_FILE_MAX	(1 << 20)	/* bytes of a record to check */
#include "../sched/sched.h"
#include "../resources/resources.h"

static void
usage(void)
{
	fprintf(stderr, "usage: paicha-admin user-create --username U "
	    "--display-name NAME --region CODE --roles R[,R...] "
	    "[--password-stdin] [--if-missing] [--no-password-rules]\n"
	    "       paicha-admin proof-check --proof FILE "
	    "(--record FILE | --leaf HEX) --public-key PEM\n"
	    "       paicha-admin sched-run [--batch N]\n"
	    "       paicha-admin openapi\n");
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

/* ------------------------------------------------------------------ */
/* proof-check                                                        */
/* ------------------------------------------------------------------ */

/* `hex`, exactly 2n hex digits, into `out`; 0 or -1. */
static int
unhex(const char *hex, unsigned char *out, size_t n)
{
	size_t	 i;
	int	 hi, lo;

	if (hex == NULL || strlen(hex) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		if ((hi = hex_digit((unsigned char)hex[2 * i])) < 0 ||
		    (lo = hex_digit((unsigned char)hex[2 * i + 1])) < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* The whole of file `path` (at most `max` bytes), malloc'd; NULL. */
static char *
slurp(const char *path, size_t max, size_t *len)
{
	FILE	*f;
	char	*buf;
	size_t	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if ((buf = malloc(max + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, max + 1, f);
	fclose(f);
	if (n > max) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/*
 * Whether `sig` (base64) is an Ed25519 signature by the key in PEM file
 * `keyfile` over `msg`.
 */
static int
signed_by(const char *keyfile, const char *msg, const char *sig)
{
	unsigned char	 raw[128];
	EVP_PKEY	*pub = NULL;
	EVP_MD_CTX	*ctx = NULL;
	FILE		*f;
	int		 n, ok = 0;

	if (sig == NULL || strlen(sig) != 88 || strcmp(sig + 86, "==") != 0 ||
	    (n = EVP_DecodeBlock(raw, (const unsigned char *)sig, 88)) != 66)
		return 0;
	if ((f = fopen(keyfile, "r")) == NULL)
		return 0;
	pub = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (pub == NULL || !EVP_PKEY_is_a(pub, "ED25519") ||
	    (ctx = EVP_MD_CTX_new()) == NULL)
		goto out;
	ok = EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pub) == 1 &&
	    EVP_DigestVerify(ctx, raw, 64, (const unsigned char *)msg,
	    strlen(msg)) == 1;
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pub);
	return ok;
}

/* Say why the proof does not hold; the exit status. */
static int
not_ok(const char *why)
{
	printf("proof-check: NOT OK: %s\n", why);
	return 1;
}

static int
cmd_proof_check(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "proof", required_argument, NULL, 'p' },
		{ "record", required_argument, NULL, 'r' },
		{ "leaf", required_argument, NULL, 'l' },
		{ "public-key", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned char	 event[MERKLE_HASH], lh[MERKLE_HASH];
	unsigned char	 root[MERKLE_HASH], want[MERKLE_HASH];
	unsigned char	 prev[CHAIN_LEN];
	unsigned char	 path[2 * MERKLE_LEVELS][MERKLE_HASH];
	const char	*prooffile = NULL, *recfile = NULL, *leafhex = NULL;
	const char	*keyfile = NULL, *name, *at, *roothex, *ent;
	char		*record = NULL, msg[256], idkey[32];
	json_t		*proof = NULL, *cp, *a, *rec = NULL;
	json_error_t	 err;
	json_int_t	 idx, size;
	size_t		 len = 0, n, i;
	int		 c, e, rc = 1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		switch (c) {
		case 'p': prooffile = optarg; break;
		case 'r': recfile = optarg; break;
		case 'l': leafhex = optarg; break;
		case 'k': keyfile = optarg; break;
		default: usage();
		}
	if (prooffile == NULL || keyfile == NULL ||
	    (recfile == NULL) == (leafhex == NULL))
		usage();
	if ((proof = json_load_file(prooffile, JSON_REJECT_DUPLICATES,
	    &err)) == NULL) {
		fprintf(stderr, "paicha-admin: %s: %s\n", prooffile, err.text);
		return 2;
	}
	cp = json_object_get(proof, "checkpoint");
	a = json_object_get(proof, "audit_path");
	idx = json_integer_value(json_object_get(proof, "leaf_index"));
	size = json_integer_value(json_object_get(proof, "tree_size"));
	name = json_string_value(json_object_get(proof, "entity"));
	if (!json_is_object(cp) || !json_is_array(a) ||
	    json_array_size(a) > NITEMS(path) ||
	    !json_is_integer(json_object_get(proof, "leaf_index")) ||
	    !json_is_integer(json_object_get(proof, "tree_size")) ||
	    idx < 0 || size < 1 || name == NULL) {
		rc = not_ok("the proof is not one GET /api/v1/audit/proof "
		    "answers");
		goto out;
	}

	/* The event: its hash given, or recomputed from its record. */
	if (leafhex != NULL) {
		if (unhex(leafhex, event, MERKLE_HASH) == -1) {
			fprintf(stderr, "paicha-admin: --leaf: not 64 hex "
			    "digits\n");
			rc = 2;
			goto out;
		}
	} else {
		if ((record = slurp(recfile, RECORD_FILE_MAX, &len)) == NULL) {
			fprintf(stderr, "paicha-admin: %s: cannot read it (or "
			    "larger than %d bytes)\n", recfile, RECORD_FILE_MAX);
			rc = 2;
			goto out;
		}
		for (e = 0; e < LEDGER__MAX; e++)
			if (strcmp(name, ledger_streams[e].name) == 0)
				break;
		rec = json_loadb(record, len, JSON_REJECT_DUPLICATES, NULL);
		if (e == LEDGER__MAX) {
			rc = not_ok("the proof names no stream of the ledger");
			goto out;
		}
		/*
		 * A record names its entity's id by the member its stream's
		 * format gives it ("case", "entity_id": ../ledger/record.c),
		 * its stream when it has an "entity", and its seq.
		 */
		ent = json_string_value(json_object_get(rec, "entity"));
		if (rec == NULL || record_id_key((enum ledger_entity)e, idkey,
		    sizeof(idkey)) == -1 || json_integer_value(json_object_get(
		    rec, idkey)) != json_integer_value(json_object_get(proof,
		    "entity_id")) || json_integer_value(json_object_get(rec,
		    "seq")) != json_integer_value(json_object_get(proof,
		    "seq")) || (json_object_get(rec, "entity") != NULL &&
		    (ent == NULL || strcmp(ent, name) != 0)) ||
		    unhex(json_string_value(json_object_get(proof,
		    "prev_hash")), prev, CHAIN_LEN) == -1) {
			rc = not_ok("the record is not the event the proof is "
			    "for");
			goto out;
		}
		if (chain_hash((enum ledger_entity)e, json_integer_value(
		    json_object_get(rec, idkey)), (int32_t)json_integer_value(
		    json_object_get(rec, "seq")), prev, record, len,
		    event) == -1) {
			fprintf(stderr, "paicha-admin: could not hash\n");
			rc = 2;
			goto out;
		}
	}

	/* The path from the leaf up gives a root... */
	n = json_array_size(a);
	for (i = 0; i < n; i++)
		if (unhex(json_string_value(json_array_get(a, i)), path[i],
		    MERKLE_HASH) == -1) {
			rc = not_ok("the audit path holds something not a hash");
			goto out;
		}
	merkle_leaf_hash(event, MERKLE_HASH, lh);
	if (merkle_path_root((uint64_t)idx, (uint64_t)size, lh,
	    (const unsigned char (*)[MERKLE_HASH])path, n, root) == -1) {
		rc = not_ok("the audit path has not the length a leaf at this "
		    "index of a tree this size has");
		goto out;
	}
	/* ... which must be the checkpoint's, signed with the key given. */
	roothex = json_string_value(json_object_get(cp, "root"));
	at = json_string_value(json_object_get(cp, "at"));
	if (json_integer_value(json_object_get(cp, "size")) != size ||
	    unhex(roothex, want, MERKLE_HASH) == -1 || at == NULL ||
	    strlen(at) > 64) {
		rc = not_ok("the checkpoint is not the tree the proof is in");
		goto out;
	}
	if (memcmp(root, want, MERKLE_HASH) != 0) {
		rc = not_ok("the event and the audit path do not give the "
		    "checkpoint's root: the event is not that leaf of the "
		    "signed tree");
		goto out;
	}
	snprintf(msg, sizeof(msg), "paicha-checkpoint/v1\n%lld\n%s\n%s\n",
	    (long long)size, roothex, at);
	if (!signed_by(keyfile, msg, json_string_value(json_object_get(cp,
	    "signature")))) {
		rc = not_ok("the checkpoint's signature does not verify with "
		    "the public key given");
		goto out;
	}
	printf("proof-check: OK: %s %lld event %lld is leaf %lld of the tree "
	    "of %lld leaves whose root %s was signed at %s\n", name,
	    (long long)json_integer_value(json_object_get(proof, "entity_id")),
	    (long long)json_integer_value(json_object_get(proof, "seq")),
	    (long long)idx, (long long)size, roothex, at);
	rc = 0;
out:
	json_decref(rec);
	json_decref(proof);
	free(record);
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
	if (argc >= 2 && strcmp(argv[1], "proof-check") == 0)
		return cmd_proof_check(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "sched-run") == 0) {
		/* The job webhook_delivery posts with libcurl. */
		(void)curl_global_init(CURL_GLOBAL_DEFAULT);
		return cmd_sched_run(argc - 1, argv + 1);
	}
	if (argc == 2 && strcmp(argv[1], "openapi") == 0)
		return cmd_openapi();
	usage();
	return 2;
}
