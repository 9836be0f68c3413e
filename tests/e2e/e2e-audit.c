/*
 * e2e-audit.c: the auditors' side of the tamper-evident history, against
 * the real stack.
 *
 *  - the untouched database verifies ok (a case, a region, everything);
 *  - the latest checkpoint's signature verifies with the openssl tool and
 *    the published key, and fails for a changed message; every stored
 *    checkpoint's root is the RFC 9162 root of the first `size` leaves of
 *    today's log (so each one is consistent with all earlier ones), and
 *    every tile of the log holds the placed leaves with the root C
 *    computes from them;
 *  - an event's inclusion proof from the API checks out offline with
 *    paicha-admin proof-check and the key the instance signs with, and
 *    fails once anything in it -- the record, the path, the index, the
 *    checkpoint, the key -- is changed; so does a user's or an
 *    enterprise's event's, hashed with its own stream's tag;
 *  - a stream a region sees in part (a user moved in) verifies there;
 *  - auditors only, and only their region;
 *  - the events listing: filters, cursor pages, and each limit; the CSV
 *    export: BOM, header, quoting, formulas neutralised, paging.
 *
 * Tampering -- as the superuser, each kind of rewrite reported at the
 * exact (case, seq) or by the signed checkpoints; as the service's role,
 * refused -- is e2e-tamper.c's.  The fixture and the helpers both use
 * are in trail.c.  The CSV test plants columns a spreadsheet would run
 * and undoes them before it ends: verify reports the first bad position
 * of all, so one left behind would mask the next.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "trail.h"
#include "../../fcgi/ledger/merkle.h"

/* Besides trail.h's officer, auditor, admin, ent_bj and campaign: */
static struct client	*legal, *officer_sh, *auditor_sh;
static char		 ent_sh[24];

/* ------------------------------------------------------------------ */
/* Setup                                                              */
/* ------------------------------------------------------------------ */

static int
setup(void **state)
{
	PGconn		*db = db_admin();
	struct resp	 r;
	char		*v, *cmd;

	/* Before any event there is no checkpoint: 404, not an error. */
	v = db_value(db, "SELECT count(*) FROM checkpoints", NULL);
	trail_setup(db);
	legal = client_login("legal.bj", DEMO_PASSWORD);
	officer_sh = client_login("officer.sh", DEMO_PASSWORD);
	if (strcmp(v, "0") == 0) {
		http_get(auditor, "/api/v1/audit/checkpoints/latest", &r);
		assert_problem(&r, 404);
		resp_free(&r);
	}
	free(v);

	/* A Shanghai auditor, made as an operator would. */
	cmd = fmt("printf '%%s\\n' '%s' | PAICHA_ADMIN_DATABASE_URL='%s'"
	    " fcgi/paicha-admin user-create --username auditor.sh"
	    " --display-name 上海市审计人员 --region 310000 --roles auditor"
	    " --password-stdin --if-missing >&2", FIXTURE_PASSWORD,
	    e2e_env("PAICHA_ADMIN_DATABASE_URL"));
	assert_int_equal(system(cmd), 0);
	free(cmd);
	auditor_sh = client_login("auditor.sh", FIXTURE_PASSWORD);

	enterprise(db, "310000", "上海审计测试企业", ent_sh, sizeof(ent_sh));
	PQfinish(db);
	return 0;
}

static int
teardown(void **state)
{
	trail_teardown();
	client_free(legal);
	client_free(officer_sh);
	client_free(auditor_sh);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Verify: the untouched database                                     */
/* ------------------------------------------------------------------ */

static void
test_untouched_verifies(void **state)
{
	PGconn		*db = db_admin();
	struct resp	 r;
	long long	 id = case_with(officer, ent_bj, 6);
	char		*q = fmt("/api/v1/audit/verify?case=%lld", id);

	get_ok(auditor, q, &r);
	assert_true(json_is_true(json_object_get(r.json, "ok")));
	assert_int_equal(json_integer_value(json_object_get(r.json,
	    "checked")), 6);
	assert_null(json_object_get(r.json, "first_bad"));
	resp_free(&r);
	verify_ok_everywhere(id);

	/* Everything: every event checked, and the signed log with it. */
	get_ok(admin, "/api/v1/audit/verify", &r);
	assert_true(json_is_true(json_object_get(r.json, "ok")));
	assert_int_equal(json_integer_value(json_object_get(r.json,
	    "checked")), events_total(db));
	assert_true(json_is_object(json_object_get(r.json, "checkpoint")) ||
	    json_is_null(json_object_get(r.json, "checkpoint")));
	resp_free(&r);
	free(q);
	PQfinish(db);
}

/* ------------------------------------------------------------------ */
/* Checkpoints                                                        */
/* ------------------------------------------------------------------ */

static void
write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char	*path = fmt("%s/%s", dir, name);
	FILE	*f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	free(path);
}

/* openssl pkeyutl -verify's exit status for message file `msg`. */
static int
openssl_verify(const char *dir, const char *msg)
{
	char	*cmd = fmt("openssl pkeyutl -verify -pubin -inkey %s/pub.pem"
		    " -rawin -in %s/%s -sigfile %s/sig >&2", dir, dir, msg, dir);
	int	 st = system(cmd);

	free(cmd);
	return st == -1 ? -1 : WEXITSTATUS(st);
}

static void
test_checkpoint_signature_openssl(void **state)
{
	PGconn		*db = db_admin();
	struct resp	 r;
	unsigned char	 sig[128];
	const char	*b64, *msg;
	char		 dir[] = "/tmp/e2e-audit-XXXXXX", *want, *bad, *cmd;
	int		 n;

	case_with(officer, ent_bj, 2);
	checkpoint_covering_all(db, &r);
	b64 = json_string_value(json_object_get(r.json, "signature"));
	msg = json_string_value(json_object_get(r.json, "message"));
	assert_non_null(b64);
	assert_non_null(msg);
	assert_non_null(strstr(json_string_value(json_object_get(r.json,
	    "public_key")), "-----BEGIN PUBLIC KEY-----"));
	/* The message names the tree: its size and root, and when. */
	want = fmt("paicha-checkpoint/v1\n%lld\n%s\n%s\n",
	    (long long)json_integer_value(json_object_get(r.json, "size")),
	    json_string_value(json_object_get(r.json, "root")),
	    json_string_value(json_object_get(r.json, "at")));
	assert_string_equal(msg, want);
	free(want);

	assert_non_null(mkdtemp(dir));
	n = EVP_DecodeBlock(sig, (const unsigned char *)b64, (int)strlen(b64));
	assert_int_equal(n, 66);	/* 64 bytes and two of padding */
	write_file(dir, "sig", sig, 64);
	write_file(dir, "msg", msg, strlen(msg));
	bad = strdup(msg);
	bad[strlen(bad) - 3] ^= 1;	/* one bit of the time */
	write_file(dir, "bad", bad, strlen(bad));
	free(bad);
	b64 = json_string_value(json_object_get(r.json, "public_key"));
	write_file(dir, "pub.pem", b64, strlen(b64));

	assert_int_equal(openssl_verify(dir, "msg"), 0);
	assert_int_not_equal(openssl_verify(dir, "bad"), 0);
	resp_free(&r);
	cmd = fmt("rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	PQfinish(db);
}

/*
 * Every checkpoint ever stored is the RFC 9162 root of the first `size`
 * leaves of the log as it is now: the log only grew, and each signed
 * tree extends the one before it.
 */
static void
test_checkpoints_consistent(void **state)
{
	PGconn			*db = db_admin();
	PGresult		*leaves, *cps, *tiles;
	struct resp		 r;
	struct merkle_frontier	 f;
	unsigned char		 lh[MERKLE_HASH], root[MERKLE_HASH];
	unsigned char		 tl[MERKLE_TILE][MERKLE_HASH];
	char			 hex[2 * MERKLE_HASH + 1];
	int			 i, j = 0, k, t;

	case_with(officer, ent_bj, 3);
	checkpoint_covering_all(db, &r);
	resp_free(&r);
	case_with(officer, ent_bj, 2);
	checkpoint_covering_all(db, &r);
	resp_free(&r);
	leaves = PQexecParams(db, "SELECT leaf FROM log_leaves WHERE idx IS"
	    " NOT NULL ORDER BY idx", 0, NULL, NULL, NULL, NULL, 1);
	cps = PQexec(db, "SELECT size, encode(root, 'hex') FROM checkpoints"
	    " ORDER BY size");
	assert_int_equal(PQresultStatus(leaves), PGRES_TUPLES_OK);
	assert_int_equal(PQresultStatus(cps), PGRES_TUPLES_OK);
	assert_true(PQntuples(cps) >= 2);
	merkle_init(&f);
	for (i = 0; i < PQntuples(leaves); i++) {
		assert_int_equal(PQgetlength(leaves, i, 0), MERKLE_HASH);
		merkle_leaf_hash(PQgetvalue(leaves, i, 0), MERKLE_HASH, lh);
		merkle_append(&f, lh);
		for (; j < PQntuples(cps) && atoll(PQgetvalue(cps, j, 0)) ==
		    i + 1; j++) {
			merkle_root(&f, root);
			for (k = 0; k < MERKLE_HASH; k++)
				snprintf(hex + 2 * k, 3, "%02x", root[k]);
			if (strcmp(hex, PQgetvalue(cps, j, 1)) != 0)
				fail_msg("checkpoint %s: root %s, the first %s "
				    "leaves give %s", PQgetvalue(cps, j, 0),
				    PQgetvalue(cps, j, 1), PQgetvalue(cps, j, 0),
				    hex);
		}
	}
	assert_int_equal(j, PQntuples(cps));
	/* The latest covers every placed leaf. */
	assert_int_equal(atoll(PQgetvalue(cps, PQntuples(cps) - 1, 0)),
	    PQntuples(leaves));
	/*
	 * The tiles (sql/0025_log_tiles.sql): the complete ones and the
	 * partial one the log ends in, each the leaves at its positions,
	 * its root (computed by the database) the one merkle.c computes.
	 */
	tiles = PQexecParams(db, "SELECT idx, width, root, leaves FROM log_tiles"
	    " ORDER BY idx, width", 0, NULL, NULL, NULL, NULL, 1);
	assert_int_equal(PQresultStatus(tiles), PGRES_TUPLES_OK);
	assert_int_equal(PQntuples(tiles),
	    (PQntuples(leaves) + MERKLE_TILE - 1) / MERKLE_TILE);
	for (t = 0; t < PQntuples(tiles); t++) {
		long long	 idx = 0;
		int		 w = 0, b;

		for (b = 0; b < 8; b++)
			idx = idx << 8 | (unsigned char)PQgetvalue(tiles, t, 0)[b];
		for (b = 0; b < 4; b++)
			w = w << 8 | (unsigned char)PQgetvalue(tiles, t, 1)[b];
		assert_int_equal(idx, t);
		assert_int_equal(w, PQntuples(leaves) - t * MERKLE_TILE <
		    MERKLE_TILE ? PQntuples(leaves) - t * MERKLE_TILE :
		    MERKLE_TILE);
		assert_int_equal(PQgetlength(tiles, t, 3), w * MERKLE_HASH);
		for (i = 0; i < w; i++) {
			assert_memory_equal(PQgetvalue(tiles, t, 3) +
			    i * MERKLE_HASH, PQgetvalue(leaves,
			    t * MERKLE_TILE + i, 0), MERKLE_HASH);
			merkle_leaf_hash(PQgetvalue(tiles, t, 3) + i * MERKLE_HASH,
			    MERKLE_HASH, tl[i]);
		}
		merkle_tree_hash((const unsigned char (*)[MERKLE_HASH])tl,
		    (size_t)w, root);
		assert_int_equal(PQgetlength(tiles, t, 2), MERKLE_HASH);
		if (memcmp(root, PQgetvalue(tiles, t, 2), MERKLE_HASH) != 0)
			fail_msg("tile %d: the database's root is not merkle.c's",
			    t);
	}
	PQclear(tiles);
	PQclear(leaves);
	PQclear(cps);
	PQfinish(db);
}

/* ------------------------------------------------------------------ */
/* Who may audit what                                                 */
/* ------------------------------------------------------------------ */
/* Inclusion proofs, checked offline                                  */
/* ------------------------------------------------------------------ */

/*
 * paicha-admin proof-check on dir/NAME with `how`: its exit status,
 * which must be `want`, and what it says, which must hold `says`.
 */
static void
proof_check(const char *dir, const char *name, const char *how, int want,
    const char *says)
{
	char	*cmd = fmt("fcgi/paicha-admin proof-check --proof %s/%s"
		    " --public-key %s/pub.pem %s", dir, name, dir, how);
	char	 out[1024];
	size_t	 n;
	FILE	*p = popen(cmd, "r");
	int	 st;

	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	st = pclose(p);
	fprintf(stderr, "%s", out);
	if (st == -1 || WEXITSTATUS(st) != want || strstr(out, says) == NULL)
		fail_msg("%s: exit %d, want %d saying \"%s\": %s", cmd,
		    st == -1 ? -1 : WEXITSTATUS(st), want, says, out);
	free(cmd);
}

/*
 * Write the proof `o` as dir/NAME with member `key` of `obj` (o, or its
 * checkpoint; with key NULL, element 0 of the array `obj`) set to `v`
 * (stolen); `o` is left as it was.
 */
static void
write_changed(const char *dir, const char *name, json_t *o, json_t *obj,
    const char *key, json_t *v)
{
	json_t	*old = json_incref(key != NULL ? json_object_get(obj, key) :
		    json_array_get(obj, 0));
	char	*text;

	if (key != NULL)
		json_object_set_new(obj, key, v);
	else
		json_array_set_new(obj, 0, v);
	text = json_dumps(o, JSON_COMPACT);
	write_file(dir, name, text, strlen(text));
	free(text);
	if (key != NULL)
		json_object_set_new(obj, key, old);
	else
		json_array_set_new(obj, 0, old);
}

static void
test_proof_offline(void **state)
{
	PGconn		*db = db_admin();
	struct resp	 r;
	long long	 id = case_with(officer, ent_bj, 3);
	json_t		*cp, *path;
	char		 dir[] = "/tmp/e2e-proof-XXXXXX", hdr[16];
	char		*q, *sql, *rec2 = NULL, *v, *cmd, *hex, *recarg;
	int		 seq;

	assert_non_null(mkdtemp(dir));
	recarg = fmt("--record %s/record", dir);
	/* The key the instance signs with, from outside the database. */
	cmd = fmt("openssl pkey -in '%s/keys/checkpoint.pem' -pubout"
	    " -out %s/pub.pem", e2e_env("PAICHA_VAR"), dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);

	/* Before a checkpoint covers it: 404, saying so, and when to ask. */
	q = fmt("/api/v1/audit/proof?entity=case&entity_id=%lld&seq=3", id);
	http_get(auditor, q, &r);
	if (r.status == 404) {
		assert_non_null(strstr(json_string_value(json_object_get(r.json,
		    "type")), "not-checkpointed"));
		assert_non_null(resp_header(&r, "Retry-After", hdr,
		    sizeof(hdr)));
	} else
		assert_status(&r, 200);
	resp_free(&r);
	free(q);

	checkpoint_covering_all(db, &r);
	resp_free(&r);
	for (seq = 1; seq <= 3; seq++) {
		q = fmt("/api/v1/audit/proof?entity=case&entity_id=%lld&seq=%d",
		    id, seq);
		get_ok(auditor, q, &r);
		free(q);
		cp = json_object_get(r.json, "checkpoint");
		path = json_object_get(r.json, "audit_path");
		assert_true(json_is_integer(json_object_get(r.json,
		    "leaf_index")));
		assert_int_equal(json_integer_value(json_object_get(r.json,
		    "tree_size")), json_integer_value(json_object_get(cp,
		    "size")));
		assert_true(json_is_array(path));
		assert_true(json_array_size(path) >= 1);
		assert_int_equal(strlen(json_string_value(json_array_get(path,
		    0))), 64);
		assert_non_null(json_string_value(json_object_get(cp, "root")));
		assert_non_null(json_string_value(json_object_get(cp,
		    "signature")));
		assert_non_null(json_string_value(json_object_get(cp, "at")));
		assert_non_null(strstr(json_string_value(json_object_get(cp,
		    "public_key")), "-----BEGIN PUBLIC KEY-----"));
		write_file(dir, "proof.json", r.body, r.len);

		/* The record and hash as the database holds them. */
		sql = fmt("SELECT record FROM case_events WHERE case_id = %lld"
		    " AND seq = %d", id, seq);
		v = db_value(db, sql, NULL);
		free(sql);
		write_file(dir, "record", v, strlen(v));
		if (seq == 2)
			rec2 = v;
		else
			free(v);
		sql = fmt("SELECT encode(hash, 'hex') FROM case_events"
		    " WHERE case_id = %lld AND seq = %d", id, seq);
		hex = db_value(db, sql, NULL);
		free(sql);
		proof_check(dir, "proof.json", recarg, 0, "OK");
		v = fmt("--leaf %s", hex);
		proof_check(dir, "proof.json", v, 0, "OK");
		free(v);
		free(hex);
		if (seq < 3) {
			resp_free(&r);
			continue;
		}

		/* Anything changed: not ok, and why. */
		write_file(dir, "record", rec2, strlen(rec2));
		proof_check(dir, "proof.json", recarg, 1, "not the event");
		v = strdup(rec2);
		assert_non_null(strstr(v, "note-2"));
		memcpy(strstr(v, "note-2"), "note-3", 6);
		memcpy(strstr(v, "\"seq\":2"), "\"seq\":3", 7);
		write_file(dir, "record", v, strlen(v));
		free(v);
		proof_check(dir, "proof.json", recarg, 1, "not that leaf");
		sql = fmt("SELECT record FROM case_events WHERE case_id = %lld"
		    " AND seq = 3", id);
		v = db_value(db, sql, NULL);
		free(sql);
		write_file(dir, "record", v, strlen(v));
		free(v);
		v = strdup(json_string_value(json_array_get(path, 0)));
		v[0] = v[0] == '0' ? '1' : '0';
		write_changed(dir, "bad.json", r.json, path, NULL,
		    json_string(v));
		free(v);
		proof_check(dir, "bad.json", recarg, 1, "not that leaf");
		write_changed(dir, "bad.json", r.json, r.json, "leaf_index",
		    json_integer(json_integer_value(json_object_get(r.json,
		    "leaf_index")) + 1));
		proof_check(dir, "bad.json", recarg, 1, "");
		write_changed(dir, "bad.json", r.json, cp, "root", json_string(
		    "00000000000000000000000000000000"
		    "00000000000000000000000000000000"));
		proof_check(dir, "bad.json", recarg, 1, "not that leaf");
		write_changed(dir, "bad.json", r.json, cp, "at",
		    json_string("2000-01-01T00:00:00.000000Z"));
		proof_check(dir, "bad.json", recarg, 1, "signature");
		/* Untouched, it still holds; with another key it does not. */
		proof_check(dir, "proof.json", recarg, 0, "OK");
		cmd = fmt("openssl genpkey -algorithm ed25519 | openssl pkey"
		    " -pubout -out %s/pub.pem", dir);
		assert_int_equal(system(cmd), 0);
		free(cmd);
		proof_check(dir, "proof.json", recarg, 1, "signature");
		resp_free(&r);
	}
	free(rec2);

	/* Region-scoped, auditors only, and each query value checked. */
	q = fmt("/api/v1/audit/proof?entity=case&entity_id=%lld&seq=1", id);
	http_get(auditor_sh, q, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	http_get(officer, q, &r);
	assert_problem(&r, 403);
	resp_free(&r);
	free(q);
	q = fmt("/api/v1/audit/proof?entity=case&entity_id=%lld&seq=4", id);
	http_get(auditor, q, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	free(q);
	http_get(auditor, "/api/v1/audit/proof?entity=spaceship&entity_id=1"
	    "&seq=1", &r);
	assert_problem_field(&r, 400, "entity");
	resp_free(&r);
	http_get(auditor, "/api/v1/audit/proof?entity=case&entity_id=1", &r);
	assert_problem_field(&r, 400, "seq");
	resp_free(&r);

	cmd = fmt("rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(recarg);
	PQfinish(db);
}

/*
 * Another stream's event -- a user's, an enterprise's -- has its
 * inclusion proof too, hashed with its own stream's tag: paicha-admin
 * proof-check holds it with the record or the hash, and not once the
 * record is another event's or the proof names another stream.
 */
static void
test_stream_proof_offline(void **state)
{
	PGconn		*db = db_admin();
	struct resp	 r;
	long long	 ids[2];
	static const char *const ents[2] = { "user", "enterprise" };
	char		 dir[] = "/tmp/e2e-proof-XXXXXX";
	char		*q, *sql, *v, *cmd, *hex, *recarg, *other = NULL;
	int		 k, seq;

	ids[0] = user_with("110101", 2);
	ids[1] = enterprise_with("110101", 2);
	assert_non_null(mkdtemp(dir));
	recarg = fmt("--record %s/record", dir);
	cmd = fmt("openssl pkey -in '%s/keys/checkpoint.pem' -pubout"
	    " -out %s/pub.pem", e2e_env("PAICHA_VAR"), dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	checkpoint_covering_all(db, &r);
	resp_free(&r);
	for (k = 0; k < 2; k++)
		for (seq = 1; seq <= 2; seq++) {
			q = fmt("/api/v1/audit/proof?entity=%s&entity_id=%lld"
			    "&seq=%d", ents[k], ids[k], seq);
			get_ok(auditor, q, &r);
			free(q);
			assert_string_equal(json_string_value(json_object_get(
			    r.json, "entity")), ents[k]);
			assert_int_equal(json_integer_value(json_object_get(
			    r.json, "entity_id")), ids[k]);
			assert_true(json_array_size(json_object_get(r.json,
			    "audit_path")) >= 1);
			write_file(dir, "proof.json", r.body, r.len);
			sql = fmt("SELECT record FROM ledger_events"
			    " WHERE entity = '%s' AND entity_id = %lld"
			    " AND seq = %d", ents[k], ids[k], seq);
			v = db_value(db, sql, NULL);
			free(sql);
			assert_string_equal(v, json_string_value(
			    json_object_get(r.json, "record")));
			write_file(dir, "record", v, strlen(v));
			sql = fmt("SELECT encode(hash, 'hex') FROM ledger_events"
			    " WHERE entity = '%s' AND entity_id = %lld"
			    " AND seq = %d", ents[k], ids[k], seq);
			hex = db_value(db, sql, NULL);
			free(sql);
			proof_check(dir, "proof.json", recarg, 0, "OK");
			free(v);
			v = fmt("--leaf %s", hex);
			proof_check(dir, "proof.json", v, 0, "OK");
			free(v);
			free(hex);
			/* Named as another stream, it is not that leaf. */
			write_changed(dir, "bad.json", r.json, r.json, "entity",
			    json_string(ents[1 - k]));
			proof_check(dir, "bad.json", recarg, 1, "not the event");
			if (seq == 1) {
				free(other);
				other = strdup(r.body);
			} else {
				/* Event 2's record, event 1's proof. */
				write_file(dir, "proof.json", other,
				    strlen(other));
				proof_check(dir, "proof.json", recarg, 1,
				    "not the event");
			}
			resp_free(&r);
		}
	free(other);

	/* Region-scoped as a case's: not Shanghai's auditor's. */
	q = fmt("/api/v1/audit/proof?entity=user&entity_id=%lld&seq=1",
	    ids[0]);
	http_get(auditor_sh, q, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	free(q);
	q = fmt("/api/v1/audit/proof?entity=user&entity_id=%lld&seq=3",
	    ids[0]);
	http_get(auditor, q, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	free(q);

	cmd = fmt("rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(recarg);
	PQfinish(db);
}

/*
 * A user moved from Shanghai into Beijing: Beijing sees its stream from
 * event 2 on, chained onto an event it cannot see.  Beijing's verify,
 * everything's in its scope, and the whole database's all say ok; with
 * Shanghai's event 1 gone (a superuser's delete), each names it.
 */
static void
test_stream_seen_in_part(void **state)
{
	PGconn		*db = db_admin();
	long long	 id = user_with("310101", 1);
	struct resp	 r;
	const char	*h[] = { "If-Match: \"1\"", NULL };
	char		*path = fmt("/api/v1/users/%lld", id), *sql, *err;

	http_json(admin, "PATCH", path, json_pack("{s:s}", "region",
	    "110101"), h, &r);
	assert_status(&r, 200);
	resp_free(&r);
	h[0] = "If-Match: \"2\"";
	http_json(admin, "PATCH", path, json_pack("{s:s}", "display_name",
	    "moved"), h, &r);
	assert_status(&r, 200);
	resp_free(&r);
	free(path);
	sql = fmt("SELECT string_agg(scope_region, ',' ORDER BY seq)"
	    " FROM ledger_events WHERE entity = 'user' AND entity_id = %lld",
	    id);
	path = db_value(db, sql, NULL);
	free(sql);
	assert_string_equal(path, "310101,110101,110101");
	free(path);
	verify_ok(auditor, "?region=110000");
	verify_ok(auditor, "");
	verify_ok(auditor_sh, "");
	verify_ok(admin, "");

	sql = fmt("CREATE TEMP TABLE saved AS SELECT * FROM ledger_events"
	    " WHERE entity = 'user' AND entity_id = %lld AND seq = 1", id);
	db_do(db, sql);
	free(sql);
	sql = fmt("DELETE FROM ledger_events WHERE entity = 'user'"
	    " AND entity_id = %lld AND seq = 1", id);
	tamper(db, sql);
	free(sql);
	if ((err = verify_names_stream(auditor, "?region=110000", "user", id,
	    1)) == NULL && (err = verify_names_stream(auditor, "", "user", id,
	    1)) == NULL)
		err = verify_names_stream(admin, "", "user", id, 1);
	tamper(db, "INSERT INTO ledger_events SELECT * FROM saved");
	db_do(db, "DROP TABLE saved");
	if (err != NULL)
		fail_msg("%s", err);
	verify_ok(auditor, "?region=110000");
	verify_ok(admin, "");
	PQfinish(db);
}

/* ------------------------------------------------------------------ */

static void
test_auditors_only(void **state)
{
	static const char *const paths[] = {
		"/api/v1/audit/events", "/api/v1/audit/verify",
		"/api/v1/audit/checkpoints/latest", "/api/v1/audit/events?format=csv",
		"/api/v1/audit/proof?entity=case&entity_id=1&seq=1",
	};
	struct client	*who[] = { officer, legal, officer_sh };
	struct client	*anon = client_new();
	struct resp	 r;
	size_t		 i, j;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		for (j = 0; j < sizeof(who) / sizeof(who[0]); j++) {
			http_get(who[j], paths[i], &r);
			assert_problem(&r, 403);
			resp_free(&r);
		}
		http_get(anon, paths[i], &r);
		assert_problem(&r, 401);
		resp_free(&r);
	}
	client_free(anon);
}

static void
test_region_isolation(void **state)
{
	struct resp	 r;
	json_t		*it;
	/* Every stream the events listing names (audit.c's entities). */
	static const char *const streams[] = {
		"case", "user", "enterprise", "category", "campaign",
		"supervision", "activity", "file", "submission", "referral",
		"webhook", "self_inspection", "checklist_item",
	};
	long long	 bj = case_with(officer, ent_bj, 2);
	long long	 sh = case_with(officer_sh, ent_sh, 3);
	long long	 checked, listed, user;
	char		*path;
	size_t		 i, j;
	int		 mine = 0;

	/* Shanghai's auditor: Shanghai's events, never Beijing's. */
	path = fmt("/api/v1/audit/events?case=%lld", bj);
	get_ok(auditor_sh, path, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
	resp_free(&r);
	free(path);
	get_ok(auditor_sh, "/api/v1/audit/events?limit=1000", &r);
	assert_true(json_array_size(json_object_get(r.json, "items")) >= 3);
	json_array_foreach(json_object_get(r.json, "items"), i, it)
		assert_memory_equal(json_string_value(json_object_get(it,
		    "case_region")), "31", 2);
	resp_free(&r);
	path = fmt("/api/v1/audit/verify?case=%lld", bj);
	http_get(auditor_sh, path, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	free(path);
	http_get(auditor_sh, "/api/v1/audit/verify?region=110000", &r);
	assert_problem(&r, 404);
	resp_free(&r);
	path = fmt("?case=%lld", sh);
	verify_ok(auditor_sh, path);
	free(path);
	verify_ok(auditor_sh, "?region=310000");

	/*
	 * Everything, for Shanghai, is Shanghai's events only: its cases'
	 * and its other streams' (a user made there has one), each stream
	 * as the events listing shows it.
	 */
	user = user_with("310101", 2);
	get_ok(auditor_sh, "/api/v1/audit/verify", &r);
	assert_true(json_is_true(json_object_get(r.json, "ok")));
	checked = json_integer_value(json_object_get(r.json, "checked"));
	resp_free(&r);
	for (i = 0, listed = 0; i < sizeof(streams) / sizeof(streams[0]);
	    i++) {
		path = fmt("/api/v1/audit/events?limit=1000&entity=%s",
		    streams[i]);
		get_ok(auditor_sh, path, &r);
		free(path);
		listed += json_array_size(json_object_get(r.json, "items"));
		if (strcmp(streams[i], "user") == 0) {
			json_array_foreach(json_object_get(r.json, "items"), j,
			    it)
				if (json_integer_value(json_object_get(it,
				    "entity_id")) == user)
					mine++;
			assert_int_equal(mine, 2);
		}
		resp_free(&r);
	}
	assert_int_equal(checked, listed);

	/* And Beijing's auditor does not see Shanghai's. */
	path = fmt("/api/v1/audit/events?case=%lld", sh);
	get_ok(auditor, path, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
	resp_free(&r);
	free(path);
	path = fmt("/api/v1/audit/verify?case=%lld", sh);
	http_get(auditor, path, &r);
	assert_problem(&r, 404);
	resp_free(&r);
	free(path);
}

/* ------------------------------------------------------------------ */
/* The events listing                                                 */
/* ------------------------------------------------------------------ */

static void
test_events_filters_and_pages(void **state)
{
	struct resp	 r;
	json_t		*it, *seen = json_object();
	long long	 id = case_with(officer, ent_bj, 5);
	char		*path, *cursor = NULL, key[48];
	const char	*nc;
	size_t		 i, total = 0;
	time_t		 now = time(NULL);
	struct tm	 tm;
	char		 today[16], tomorrow[16];

	/* One legal note, so that the actor filter has two to tell apart. */
	note(legal, id, 5, "legal's note");

	path = fmt("/api/v1/audit/events?case=%lld", id);
	get_ok(auditor, path, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 6);
	it = json_array_get(json_object_get(r.json, "items"), 0);
	assert_int_equal(json_integer_value(json_object_get(it, "seq")), 1);
	assert_string_equal(json_string_value(json_object_get(it, "event")),
	    "create");
	assert_string_equal(json_string_value(json_object_get(it, "actor")),
	    "officer.bj");
	assert_true(json_is_object(json_object_get(it, "payload")));
	assert_int_equal(strlen(json_string_value(json_object_get(it,
	    "hash"))), 64);
	assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
	resp_free(&r);
	free(path);

	path = fmt("/api/v1/audit/events?case=%lld&actor=legal.bj", id);
	get_ok(auditor, path, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	resp_free(&r);
	free(path);
	path = fmt("/api/v1/audit/events?case=%lld&event=create", id);
	get_ok(auditor, path, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	resp_free(&r);
	free(path);
	path = fmt("/api/v1/audit/events?case=%lld&actor=nobody.here", id);
	get_ok(auditor, path, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
	resp_free(&r);
	free(path);

	/* Dates are whole days in China Standard Time. */
	now += 8 * 3600;
	gmtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	now += 86400;
	gmtime_r(&now, &tm);
	strftime(tomorrow, sizeof(tomorrow), "%Y-%m-%d", &tm);
	path = fmt("/api/v1/audit/events?case=%lld&from=%s&to=%s", id, today,
	    today);
	get_ok(auditor, path, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 6);
	resp_free(&r);
	free(path);
	path = fmt("/api/v1/audit/events?case=%lld&from=%s", id, tomorrow);
	get_ok(auditor, path, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
	resp_free(&r);
	free(path);
	path = fmt("/api/v1/audit/events?case=%lld&to=2000-01-01T00:00:00Z",
	    id);
	get_ok(auditor, path, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
	resp_free(&r);
	free(path);

	/* Pages of two: six events, each once, then no next page. */
	do {
		path = cursor == NULL ?
		    fmt("/api/v1/audit/events?case=%lld&limit=2", id) :
		    fmt("/api/v1/audit/events?case=%lld&limit=2&cursor=%s", id,
		    cursor);
		get_ok(auditor, path, &r);
		assert_true(json_array_size(json_object_get(r.json,
		    "items")) <= 2);
		json_array_foreach(json_object_get(r.json, "items"), i, it) {
			snprintf(key, sizeof(key), "%lld",
			    (long long)json_integer_value(json_object_get(it,
			    "seq")));
			assert_null(json_object_get(seen, key));
			json_object_set_new(seen, key, json_true());
			total++;
		}
		free(cursor);
		nc = json_string_value(json_object_get(r.json, "next_cursor"));
		cursor = nc != NULL ? strdup(nc) : NULL;
		resp_free(&r);
		free(path);
	} while (cursor != NULL);
	assert_int_equal(total, 6);
	json_decref(seen);
}

/* Each query limit and each malformed value is a 400 naming the field. */
static void
test_events_limits(void **state)
{
	static const struct {
		const char	*query;
		const char	*field;
	} bad[] = {
		{ "limit=1001", "limit" },
		{ "limit=0", "limit" },
		{ "case=0", "case" },
		{ "case=x", "case" },
		{ "event=launch_rocket", "event" },
		{ "region=11", "region" },
		{ "from=2024-13-01", "from" },
		{ "from=2024-02-30", "from" },
		{ "to=2024-01-01T25:00:00Z", "to" },
		{ "to=2024-01-01T10:00:00", "to" },
		{ "format=xml", "format" },
		{ "cursor=nonsense", "cursor" },
		{ "cursor=2024-01-01T00:00:00.000000Z_1_1"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "cursor" },
		/* 64 bytes: one more than a username may have. */
		{ "actor=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "actor" },
		{ "colour=blue", "colour" },
	};
	struct resp	 r;
	char		*path;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		path = fmt("/api/v1/audit/events?%s", bad[i].query);
		http_get(auditor, path, &r);
		if (r.status != 400)
			fail_msg("%s: status %ld, want 400", path, r.status);
		assert_problem_field(&r, 400, bad[i].field);
		resp_free(&r);
		free(path);
	}
	/* The largest page is allowed. */
	get_ok(auditor, "/api/v1/audit/events?limit=1000", &r);
	resp_free(&r);
	/* And verify's own. */
	http_get(auditor, "/api/v1/audit/verify?case=1&region=110000", &r);
	assert_problem(&r, 400);
	resp_free(&r);
	http_get(auditor, "/api/v1/audit/verify?case=-1", &r);
	assert_problem_field(&r, 400, "case");
	resp_free(&r);
	http_get(auditor, "/api/v1/audit/verify?region=999999", &r);
	assert_problem(&r, 404);
	resp_free(&r);
	http_get(auditor, "/api/v1/audit/verify?case=999999999", &r);
	assert_problem(&r, 404);
	resp_free(&r);
}

/* ------------------------------------------------------------------ */
/* CSV                                                                */
/* ------------------------------------------------------------------ */

/*
 * Parse RFC 4180 CSV (CRLF rows) into a JSON array of arrays of strings
 * (a new reference), or NULL when it is not well-formed.
 */
static json_t *
csv_parse(const char *s, size_t len)
{
	json_t		*rows = json_array(), *row = json_array();
	const char	*e = s + len;
	char		*cell = malloc(len + 1);
	size_t		 n = 0;
	int		 quoted;

	for (;;) {
		n = 0;
		quoted = s < e && *s == '"';
		if (quoted) {
			for (s++; s < e; s++) {
				if (*s == '"' && s + 1 < e && s[1] == '"')
					cell[n++] = *s++;
				else if (*s == '"')
					break;
				else
					cell[n++] = *s;
			}
			if (s == e)
				goto bad;
			s++;
		} else
			while (s < e && *s != ',' && *s != '\r' && *s != '"')
				cell[n++] = *s++;
		cell[n] = '\0';
		json_array_append_new(row, json_string(cell));
		if (s < e && *s == ',') {
			s++;
			continue;
		}
		if (s + 2 <= e && s[0] == '\r' && s[1] == '\n') {
			s += 2;
			json_array_append_new(rows, row);
			row = json_array();
			if (s == e)
				break;
			continue;
		}
		goto bad;
	}
	json_decref(row);
	free(cell);
	return rows;
bad:
	json_decref(row);
	json_decref(rows);
	free(cell);
	return NULL;
}

static void
test_csv_export(void **state)
{
	static const char *const header[] = {
		"seq", "case", "at", "actor", "role", "region", "event",
		"phase", "from", "to", "payload", "hash", "prev_hash",
	};
	PGconn		*db = db_admin();
	struct resp	 r;
	json_t		*rows, *row, *p;
	long long	 id = case_new(officer, ent_bj, "csv case");
	char		*path, *sql, ct[128], next[128], disp[128];
	size_t		 i;

	/* Quotes, commas, a line break and CJK in one note. */
	note(officer, id, 1, "他说 \"停产\", 然后\n离开");
	note(officer, id, 2, "plain");
	/* Columns a spreadsheet would run, planted as the superuser. */
	sql = fmt("CREATE TEMP TABLE saved AS SELECT * FROM case_events"
	    " WHERE case_id = %lld", id);
	db_do(db, sql);
	free(sql);
	sql = fmt("UPDATE case_events SET role = CASE seq WHEN 1 THEN"
	    " '=HYPERLINK(\"http://evil\")' WHEN 2 THEN '+1' ELSE '@SUM(A1)'"
	    " END, to_state = CASE seq WHEN 3 THEN '-2' ELSE to_state END"
	    " WHERE case_id = %lld", id);
	tamper(db, sql);
	free(sql);

	path = fmt("/api/v1/audit/events?case=%lld&format=csv", id);
	http_get(auditor, path, &r);
	assert_status(&r, 200);
	assert_non_null(resp_header(&r, "Content-Type", ct, sizeof(ct)));
	assert_string_equal(ct, "text/csv; charset=utf-8");
	assert_non_null(resp_header(&r, "Content-Disposition", disp,
	    sizeof(disp)));
	assert_non_null(strstr(disp, "attachment"));
	assert_true(r.len > 3);
	assert_memory_equal(r.body, "\xef\xbb\xbf", 3);
	rows = csv_parse(r.body + 3, r.len - 3);
	if (rows == NULL)
		fail_msg("not RFC 4180 CSV: %s", r.body);
	assert_int_equal(json_array_size(rows), 4);
	row = json_array_get(rows, 0);
	assert_int_equal(json_array_size(row), 13);
	for (i = 0; i < 13; i++)
		assert_string_equal(json_string_value(json_array_get(row, i)),
		    header[i]);
	/* The note's payload, back intact from its quoted cell. */
	row = json_array_get(rows, 2);
	assert_string_equal(json_string_value(json_array_get(row, 0)), "2");
	p = json_loads(json_string_value(json_array_get(row, 10)), 0, NULL);
	assert_non_null(p);
	assert_string_equal(json_string_value(json_object_get(p, "text")),
	    "他说 \"停产\", 然后\n离开");
	json_decref(p);
	/* Formulas neutralised: a leading apostrophe, the rest as it was. */
	assert_string_equal(json_string_value(json_array_get(json_array_get(
	    rows, 1), 4)), "'=HYPERLINK(\"http://evil\")");
	assert_string_equal(json_string_value(json_array_get(row, 4)), "'+1");
	assert_string_equal(json_string_value(json_array_get(json_array_get(
	    rows, 3), 4)), "'@SUM(A1)");
	assert_string_equal(json_string_value(json_array_get(json_array_get(
	    rows, 3), 9)), "'-2");
	/* Empty "from" of the first event; a hash is 64 hex digits. */
	assert_string_equal(json_string_value(json_array_get(json_array_get(
	    rows, 1), 8)), "");
	assert_int_equal(strlen(json_string_value(json_array_get(row, 11))),
	    64);
	json_decref(rows);
	resp_free(&r);
	free(path);

	/* Paged: two rows and a cursor for the rest. */
	path = fmt("/api/v1/audit/events?case=%lld&format=csv&limit=2", id);
	http_get(auditor, path, &r);
	assert_status(&r, 200);
	assert_non_null(resp_header(&r, "X-Next-Cursor", next, sizeof(next)));
	rows = csv_parse(r.body + 3, r.len - 3);
	assert_non_null(rows);
	assert_int_equal(json_array_size(rows), 3);
	json_decref(rows);
	resp_free(&r);
	free(path);
	path = fmt("/api/v1/audit/events?case=%lld&format=csv&limit=2"
	    "&cursor=%s", id, next);
	http_get(auditor, path, &r);
	assert_status(&r, 200);
	assert_null(resp_header(&r, "X-Next-Cursor", next, sizeof(next)));
	rows = csv_parse(r.body + 3, r.len - 3);
	assert_non_null(rows);
	assert_int_equal(json_array_size(rows), 2);
	assert_string_equal(json_string_value(json_array_get(json_array_get(
	    rows, 1), 0)), "3");
	json_decref(rows);
	resp_free(&r);
	free(path);

	/* The planted columns disagree with the records: verify says so. */
	path = fmt("?case=%lld", id);
	verify_bad_at(auditor, path, id, 1);
	free(path);
	sql = fmt("DELETE FROM case_events WHERE case_id = %lld;"
	    " INSERT INTO case_events SELECT * FROM saved", id);
	tamper(db, sql);
	free(sql);
	db_do(db, "DROP TABLE saved");
	verify_ok_everywhere(id);
	PQfinish(db);
}

/* The whole export, streamed, holds every event the listing holds. */
static void
test_csv_streams_everything(void **state)
{
	PGconn		*db = db_admin();
	struct resp	 r;
	json_t		*rows;
	char		*v;

	http_get(admin, "/api/v1/audit/events?format=csv", &r);
	assert_status(&r, 200);
	rows = csv_parse(r.body + 3, r.len - 3);
	assert_non_null(rows);
	v = db_value(db, "SELECT count(*) FROM case_events", NULL);
	assert_int_equal(json_array_size(rows) - 1, atoll(v));
	free(v);
	json_decref(rows);
	resp_free(&r);
	PQfinish(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_untouched_verifies),
		cmocka_unit_test(test_checkpoint_signature_openssl),
		cmocka_unit_test(test_checkpoints_consistent),
		cmocka_unit_test(test_auditors_only),
		cmocka_unit_test(test_proof_offline),
		cmocka_unit_test(test_stream_proof_offline),
		cmocka_unit_test(test_stream_seen_in_part),
		cmocka_unit_test(test_region_isolation),
		cmocka_unit_test(test_events_filters_and_pages),
		cmocka_unit_test(test_events_limits),
		cmocka_unit_test(test_csv_export),
		cmocka_unit_test(test_csv_streams_everything),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("e2e-audit", tests, setup,
	    teardown);
}
