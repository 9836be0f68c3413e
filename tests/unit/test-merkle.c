/*
 * test-merkle.c: RFC 9162 hashing and the incremental frontier.
 *
 *  - the Certificate Transparency reference vectors (RFC 6962's tree
 *    heads for the eight reference leaves, sizes 0..8);
 *  - for n = 0..70, the frontier's root equals a naive recursive MTH
 *    written here independently of merkle.c, and merkle_tree_hash too;
 *  - a frontier restored at size m and extended to n gives the same root
 *    as one built from scratch, and the root of its first m leaves is the
 *    old root (what makes checkpoints consistent);
 *  - the limits: a stored frontier of the wrong length is refused, and a
 *    full tree refuses another leaf;
 *  - inclusion proofs (RFC 9162 2.1.3): for every (m, n) up to 70 the
 *    audit path equals a naive PATH(m, D[n]) written here from the RFC's
 *    definition, and the RFC's verification algorithm gives the root
 *    from it -- and not from a path, leaf or index changed anywhere;
 *  - tiles: for sizes around multiples of 256, the tree over the leaves
 *    is the tree over the 256-leaf tiles' roots (the last one partial),
 *    and a path is the path inside the tile followed by the path over
 *    the tiles; the roots of completed tiles come out of the frontier
 *    as it grows, and the tail of a frontier is its partial tile.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/sha.h>

#include "../../fcgi/ledger/merkle.h"

#define MAXN	70
#define TILEN	1300	/* leaves for the tile tests: five tiles and more */

static void
unhex(const char *s, unsigned char *out, size_t n)
{
	size_t		 i;
	unsigned	 b;

	assert_int_equal(strlen(s), 2 * n);
	for (i = 0; i < n; i++) {
		assert_int_equal(sscanf(s + 2 * i, "%2x", &b), 1);
		out[i] = (unsigned char)b;
	}
}

static void
assert_hash(const unsigned char *got, const char *want)
{
	unsigned char	 w[MERKLE_HASH];

	unhex(want, w, sizeof(w));
	assert_memory_equal(got, w, sizeof(w));
}

/* ------------------------------------------------------------------ */
/* An independent, naive MTH: SHA256() straight, split by clz.        */
/* ------------------------------------------------------------------ */

static void
naive_leaf(const unsigned char *d, size_t len, unsigned char *out)
{
	unsigned char	 buf[256];

	assert_true(len < sizeof(buf));
	buf[0] = 0;
	memcpy(buf + 1, d, len);
	SHA256(buf, len + 1, out);
}

static void
naive_mth(unsigned char data[][8], size_t n, unsigned char *out)
{
	unsigned char	 buf[65];
	size_t		 k;

	if (n == 0) {
		SHA256((const unsigned char *)"", 0, out);
		return;
	}
	if (n == 1) {
		naive_leaf(data[0], 8, out);
		return;
	}
	k = (size_t)1 << (63 - __builtin_clzll((unsigned long long)n - 1));
	buf[0] = 1;
	naive_mth(data, k, buf + 1);
	naive_mth(data + k, n - k, buf + 33);
	SHA256(buf, sizeof(buf), out);
}

/* Leaf i's data: eight bytes that differ for every i. */
static unsigned char	 data[MAXN][8];
static unsigned char	 leaves[MAXN][MERKLE_HASH];

static int
setup(void **state)
{
	size_t	 i, j;

	for (i = 0; i < MAXN; i++) {
		for (j = 0; j < 8; j++)
			data[i][j] = (unsigned char)(i * 31 + j * 7 + 1);
		merkle_leaf_hash(data[i], 8, leaves[i]);
	}
	return 0;
}

/* ------------------------------------------------------------------ */

static void
test_rfc6962_vectors(void **state)
{
	static const char *const inputs[] = {
		"", "00", "10", "2021", "3031", "40414243",
		"5051525354555657", "606162636465666768696a6b6c6d6e6f",
	};
	static const char *const roots[] = {
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	};
	unsigned char		 lh[8][MERKLE_HASH], in[16], root[MERKLE_HASH];
	struct merkle_frontier	 f;
	size_t			 i, len;

	merkle_init(&f);
	merkle_root(&f, root);
	assert_hash(root, roots[0]);
	for (i = 0; i < 8; i++) {
		len = strlen(inputs[i]) / 2;
		unhex(inputs[i], in, len);
		merkle_leaf_hash(in, len, lh[i]);
		assert_int_equal(merkle_append(&f, lh[i]), 0);
		merkle_root(&f, root);
		assert_hash(root, roots[i + 1]);
		merkle_tree_hash(lh, i + 1, root);
		assert_hash(root, roots[i + 1]);
	}
	merkle_tree_hash(lh, 0, root);
	assert_hash(root, roots[0]);
}

static void
test_naive_0_to_70(void **state)
{
	unsigned char		 want[MERKLE_HASH], got[MERKLE_HASH];
	struct merkle_frontier	 f;
	size_t			 n;

	merkle_init(&f);
	for (n = 0; n <= MAXN; n++) {
		naive_mth(data, n, want);
		merkle_root(&f, got);
		if (memcmp(want, got, sizeof(want)) != 0)
			fail_msg("frontier root differs from naive MTH at n=%zu", n);
		merkle_tree_hash(leaves, n, got);
		if (memcmp(want, got, sizeof(want)) != 0)
			fail_msg("merkle_tree_hash differs from naive MTH at n=%zu", n);
		assert_int_equal(f.n, merkle_frontier_len(n));
		if (n < MAXN)
			assert_int_equal(merkle_append(&f, leaves[n]), 0);
	}
}

/* Every (m, n): restore at m, extend to n, compare with from scratch. */
static void
test_incremental_equals_scratch(void **state)
{
	struct merkle_frontier	 at_m, f;
	unsigned char		 want[MERKLE_HASH], got[MERKLE_HASH];
	unsigned char		 old[MERKLE_HASH];
	size_t			 m, n, i;

	for (m = 0; m <= MAXN; m++) {
		merkle_init(&at_m);
		for (i = 0; i < m; i++)
			merkle_append(&at_m, leaves[i]);
		merkle_root(&at_m, old);
		for (n = m; n <= MAXN; n++) {
			/* As the checkpointer does: only the stored frontier. */
			merkle_init(&f);
			assert_int_equal(merkle_restore(&f, at_m.size,
			    (const unsigned char (*)[MERKLE_HASH])at_m.node,
			    at_m.n), 0);
			for (i = m; i < n; i++)
				assert_int_equal(merkle_append(&f, leaves[i]), 0);
			merkle_root(&f, got);
			merkle_tree_hash(leaves, n, want);
			if (memcmp(want, got, sizeof(want)) != 0)
				fail_msg("restored at %zu, extended to %zu: "
				    "root differs", m, n);
			/* The new tree's first m leaves are the old tree. */
			merkle_tree_hash(leaves, m, got);
			assert_memory_equal(got, old, sizeof(old));
		}
	}
}

static void
test_restore_wrong_length(void **state)
{
	struct merkle_frontier	 f;
	unsigned char		 nodes[4][MERKLE_HASH];

	memset(nodes, 7, sizeof(nodes));
	merkle_init(&f);
	/* 5 = 0b101 has two subtrees, not one or three. */
	assert_int_equal(merkle_restore(&f, 5,
	    (const unsigned char (*)[MERKLE_HASH])nodes, 1), -1);
	assert_int_equal(merkle_restore(&f, 5,
	    (const unsigned char (*)[MERKLE_HASH])nodes, 3), -1);
	assert_int_equal(f.size, 0);
	assert_int_equal(merkle_restore(&f, 5,
	    (const unsigned char (*)[MERKLE_HASH])nodes, 2), 0);
	assert_int_equal(f.size, 5);
	assert_int_equal(merkle_restore(&f, 0, NULL, 0), 0);
}

static void
test_full_tree_refuses(void **state)
{
	static unsigned char	 nodes[MERKLE_LEVELS][MERKLE_HASH];
	struct merkle_frontier	 f;

	merkle_init(&f);
	assert_int_equal(merkle_restore(&f, UINT64_MAX,
	    (const unsigned char (*)[MERKLE_HASH])nodes, 64), 0);
	assert_int_equal(merkle_append(&f, leaves[0]), -1);
	assert_true(f.size == UINT64_MAX);
	assert_int_equal(f.n, 64);
}

/* ------------------------------------------------------------------ */
/* Inclusion proofs                                                   */
/* ------------------------------------------------------------------ */

/*
 * PATH(m, D[n]) of RFC 9162 2.1.3.1 over naive_mth, straight from the
 * definition: the path of the half holding m, then the other half's
 * MTH.  Appends to `out` at *len.
 */
static void
naive_path(unsigned char d[][8], size_t n, size_t m,
    unsigned char out[][MERKLE_HASH], size_t *len)
{
	size_t	 k;

	if (n <= 1)
		return;
	k = (size_t)1 << (63 - __builtin_clzll((unsigned long long)n - 1));
	if (m < k) {
		naive_path(d, k, m, out, len);
		naive_mth(d + k, n - k, out[(*len)++]);
	} else {
		naive_path(d + k, n - k, m - k, out, len);
		naive_mth(d, k, out[(*len)++]);
	}
}

static void
test_path_naive_and_verified(void **state)
{
	unsigned char	 want[MERKLE_LEVELS][MERKLE_HASH];
	unsigned char	 got[MERKLE_LEVELS][MERKLE_HASH];
	unsigned char	 root[MERKLE_HASH], r[MERKLE_HASH], bad[MERKLE_HASH];
	size_t		 n, m, wn, gn, i;

	for (n = 1; n <= MAXN; n++) {
		merkle_tree_hash(leaves, n, root);
		for (m = 0; m < n; m++) {
			wn = 0;
			naive_path(data, n, m, want, &wn);
			gn = merkle_path(leaves, n, m, got);
			assert_int_equal(gn, wn);
			if (gn > 0)
				assert_memory_equal(got, want, gn * MERKLE_HASH);
			assert_int_equal(merkle_path_root(m, n, leaves[m],
			    (const unsigned char (*)[MERKLE_HASH])got, gn, r), 0);
			if (memcmp(r, root, MERKLE_HASH) != 0)
				fail_msg("(%zu, %zu): the path does not give the "
				    "root", m, n);
			/* Another leaf, another index: another root. */
			assert_int_equal(merkle_path_root(m, n, leaves[(m + 1) %
			    MAXN], (const unsigned char (*)[MERKLE_HASH])got, gn,
			    r), 0);
			assert_memory_not_equal(r, root, MERKLE_HASH);
			if (n > 1 && merkle_path_root(n - 1 - m == m ? (m + 1) % n :
			    n - 1 - m, n, leaves[m],
			    (const unsigned char (*)[MERKLE_HASH])got, gn, r) == 0)
				assert_memory_not_equal(r, root, MERKLE_HASH);
			/* Any one bit of the path changed: another root. */
			for (i = 0; i < gn; i++) {
				memcpy(bad, got[i], MERKLE_HASH);
				got[i][i % MERKLE_HASH] ^= 0x40;
				assert_int_equal(merkle_path_root(m, n, leaves[m],
				    (const unsigned char (*)[MERKLE_HASH])got, gn,
				    r), 0);
				assert_memory_not_equal(r, root, MERKLE_HASH);
				memcpy(got[i], bad, MERKLE_HASH);
			}
			/* A path one too short or too long is refused. */
			if (gn > 0)
				assert_int_equal(merkle_path_root(m, n, leaves[m],
				    (const unsigned char (*)[MERKLE_HASH])got,
				    gn - 1, r), -1);
			memcpy(got[gn], root, MERKLE_HASH);
			assert_int_equal(merkle_path_root(m, n, leaves[m],
			    (const unsigned char (*)[MERKLE_HASH])got, gn + 1, r),
			    -1);
		}
		/* No leaf at n or past it. */
		assert_int_equal(merkle_path_root(n, n, leaves[0],
		    (const unsigned char (*)[MERKLE_HASH])got, 0, r), -1);
	}
}

/* ------------------------------------------------------------------ */
/* Tiles                                                              */
/* ------------------------------------------------------------------ */

static unsigned char	 many[TILEN][MERKLE_HASH];

/* The roots of the tiles of the first n of `many`, the last partial. */
static size_t
tile_roots(size_t n, unsigned char out[][MERKLE_HASH])
{
	size_t	 t, w;

	for (t = 0; t * MERKLE_TILE < n; t++) {
		w = n - t * MERKLE_TILE < MERKLE_TILE ? n - t * MERKLE_TILE :
		    MERKLE_TILE;
		merkle_tree_hash(many + t * MERKLE_TILE, w, out[t]);
	}
	return t;
}

static void
test_tiles_are_the_tree(void **state)
{
	static const size_t sizes[] = {
		1, 2, 255, 256, 257, 300, 511, 512, 513, 767, 768, 769, 1024,
		1025, 1100, 1280, TILEN,
	};
	unsigned char	 tiles[TILEN / MERKLE_TILE + 1][MERKLE_HASH];
	unsigned char	 whole[MERKLE_LEVELS][MERKLE_HASH];
	unsigned char	 part[2 * MERKLE_LEVELS][MERKLE_HASH];
	unsigned char	 a[MERKLE_HASH], b[MERKLE_HASH];
	size_t		 i, j, n, m, nt, t, w, wn, pn;

	for (i = 0; i < TILEN; i++) {
		unsigned char	 d[8];

		for (j = 0; j < 8; j++)
			d[j] = (unsigned char)(i >> (8 * (j % 2)) ^ j * 13);
		merkle_leaf_hash(d, 8, many[i]);
	}
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		n = sizes[i];
		nt = tile_roots(n, tiles);
		merkle_tree_hash(many, n, a);
		merkle_tree_hash(tiles, nt, b);
		if (memcmp(a, b, MERKLE_HASH) != 0)
			fail_msg("%zu leaves: the tiles give another root", n);
		/* Paths: inside the tile, then over the tiles. */
		for (m = 0; m < n; m += n < 300 ? 1 : 37) {
			t = m / MERKLE_TILE;
			w = n - t * MERKLE_TILE < MERKLE_TILE ?
			    n - t * MERKLE_TILE : MERKLE_TILE;
			wn = merkle_path(many, n, m, whole);
			pn = merkle_path(many + t * MERKLE_TILE, w,
			    m % MERKLE_TILE, part);
			pn += merkle_path(tiles, nt, t, part + pn);
			assert_int_equal(pn, wn);
			assert_memory_equal(part, whole, wn * MERKLE_HASH);
		}
	}
}

/* Completed tiles come out of the frontier; its tail is the partial one. */
static void
test_frontier_tiles_and_tail(void **state)
{
	unsigned char		 tiles[TILEN / MERKLE_TILE + 1][MERKLE_HASH];
	unsigned char		 sub[MERKLE_HASH], a[MERKLE_HASH];
	unsigned char		 b[MERKLE_HASH];
	struct merkle_frontier	 f, tail;
	size_t			 n, done = 0, nt;
	int			 rc;

	nt = tile_roots(TILEN, tiles);
	merkle_init(&f);
	for (n = 1; n <= TILEN; n++) {
		rc = merkle_append_tile(&f, many[n - 1], sub);
		assert_true(rc == 0 || rc == 1);
		assert_int_equal(rc, n % MERKLE_TILE == 0);
		if (rc == 1) {
			assert_memory_equal(sub, tiles[done], MERKLE_HASH);
			done++;
		}
		merkle_root(&f, a);
		merkle_tree_hash(many, n, b);
		assert_memory_equal(a, b, MERKLE_HASH);
		/* The tail: the leaves past the last complete tile. */
		merkle_tail(&f, &tail);
		assert_int_equal(tail.size, n % MERKLE_TILE);
		merkle_root(&tail, a);
		merkle_tree_hash(many + (n - n % MERKLE_TILE), n % MERKLE_TILE,
		    b);
		assert_memory_equal(a, b, MERKLE_HASH);
		/* The last tile of the whole set is this partial one. */
		if (n == TILEN)
			assert_memory_equal(a, tiles[nt - 1], MERKLE_HASH);
	}
	assert_int_equal(done, TILEN / MERKLE_TILE);
	assert_true(nt > done);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6962_vectors),
		cmocka_unit_test(test_naive_0_to_70),
		cmocka_unit_test(test_incremental_equals_scratch),
		cmocka_unit_test(test_restore_wrong_length),
		cmocka_unit_test(test_full_tree_refuses),
		cmocka_unit_test(test_path_naive_and_verified),
		cmocka_unit_test(test_tiles_are_the_tree),
		cmocka_unit_test(test_frontier_tiles_and_tail),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
