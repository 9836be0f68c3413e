/*
 * merkle.c: RFC 9162 section 2.1 Merkle tree hashing and the frontier
 * (compact range [0, n)) the checkpointer extends.  See merkle.h.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "merkle.h"

static EVP_MD		*sha256;
static pthread_key_t	 ctx_key;	/* each thread's reusable context */
static pthread_once_t	 sha256_once = PTHREAD_ONCE_INIT;

static void
ctx_free(void *ctx)
{
	EVP_MD_CTX_free(ctx);
}

static void
sha256_fetch(void)
{
	if (pthread_key_create(&ctx_key, ctx_free) == 0)
		sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/*
 * SHA-256 of `len` bytes into `out`, on the calling thread's own context
 * (a log check hashes millions of tiny inputs: no allocation each time).
 * Only a broken OpenSSL or no memory fails here, and a wrong hash must
 * never be written: abort.
 */
static void
digest(const void *data, size_t len, unsigned char *out)
{
	static const char msg[] = "merkle: sha-256 failed\n";
	EVP_MD_CTX	*ctx;

	pthread_once(&sha256_once, sha256_fetch);
	if (sha256 == NULL)
		goto fail;
	if ((ctx = pthread_getspecific(ctx_key)) == NULL) {
		if ((ctx = EVP_MD_CTX_new()) == NULL ||
		    pthread_setspecific(ctx_key, ctx) != 0)
			goto fail;
	}
	if (EVP_DigestInit_ex2(ctx, sha256, NULL) == 1 &&
	    EVP_DigestUpdate(ctx, data, len) == 1 &&
	    EVP_DigestFinal_ex(ctx, out, NULL) == 1)
		return;
fail:
	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	abort();
}

/* The leaf hash of `len` bytes of `data`: SHA-256(0x00 || data). */
void
merkle_leaf_hash(const void *data, size_t len, unsigned char *out)
{
	unsigned char	 small[1 + 2 * MERKLE_HASH], *buf = small;

	if (len + 1 > sizeof(small) && (buf = malloc(len + 1)) == NULL)
		abort();
	buf[0] = 0x00;
	if (len > 0)
		memcpy(buf + 1, data, len);
	digest(buf, len + 1, out);
	if (buf != small)
		free(buf);
}

/* The hash of an inner node: SHA-256(0x01 || left || right). */
void
merkle_node_hash(const unsigned char *left, const unsigned char *right,
    unsigned char *out)
{
	unsigned char	 buf[1 + 2 * MERKLE_HASH];

	buf[0] = 0x01;
	memcpy(buf + 1, left, MERKLE_HASH);
	memcpy(buf + 1 + MERKLE_HASH, right, MERKLE_HASH);
	digest(buf, sizeof(buf), out);
}

/*
 * MTH of `n` leaf hashes, from scratch, by the definition's recursion
 * (depth at most 64).  For tests and for checking a whole log.
 */
void
merkle_tree_hash(const unsigned char (*leaves)[MERKLE_HASH], size_t n,
    unsigned char *out)
{
	unsigned char	 l[MERKLE_HASH], r[MERKLE_HASH];
	size_t		 k;

	if (n == 0) {
		digest("", 0, out);
		return;
	}
	if (n == 1) {
		memcpy(out, leaves[0], MERKLE_HASH);
		return;
	}
	for (k = 1; k < n - k; k <<= 1)
		continue;
	/* k: the largest power of two smaller than n. */
	merkle_tree_hash(leaves, k, l);
	merkle_tree_hash(leaves + k, n - k, r);
	merkle_node_hash(l, r, out);
}

/* The number of subtree roots in the frontier of a tree of `size`. */
size_t
merkle_frontier_len(uint64_t size)
{
	return (size_t)__builtin_popcountll(size);
}

void
merkle_init(struct merkle_frontier *f)
{
	memset(f, 0, sizeof(*f));
}

/*
 * Append the leaf whose leaf hash is `leaf`; when that completes a tile
 * (the size becomes a multiple of MERKLE_TILE) and `tile` is not NULL,
 * the tile's root -- met on the way, as the subtrees merge -- into
 * `tile`.  Returns 1 when a tile was completed, 0 when not, or -1 (the
 * frontier unchanged) when the tree is full (2^64 - 1 leaves).
 */
int
merkle_append_tile(struct merkle_frontier *f, const unsigned char *leaf,
    unsigned char *tile)
{
	unsigned char	 carry[MERKLE_HASH];
	uint64_t	 bits;
	unsigned	 height = 0;
	int		 done = 0;

	if (f->size == UINT64_MAX)
		return -1;
	memcpy(carry, leaf, MERKLE_HASH);
	/* Each trailing one bit of the size is a subtree of equal height. */
	for (bits = f->size; bits & 1; bits >>= 1) {
		f->n--;
		merkle_node_hash(f->node[f->n], carry, carry);
		if (++height == MERKLE_TILE_BITS) {
			if (tile != NULL)
				memcpy(tile, carry, MERKLE_HASH);
			done = 1;
		}
	}
	memcpy(f->node[f->n], carry, MERKLE_HASH);
	f->n++;
	f->size++;
	return done;
}

/*
 * Append the leaf whose leaf hash is `leaf`.  Returns 0, or -1 (the
 * frontier unchanged) when the tree is full (2^64 - 1 leaves).
 */
int
merkle_append(struct merkle_frontier *f, const unsigned char *leaf)
{
	return merkle_append_tile(f, leaf, NULL) == -1 ? -1 : 0;
}

/*
 * The frontier of the leaves of `f` past its last complete tile (size
 * mod MERKLE_TILE of them, possibly none) into `tail`: its subtrees
 * smaller than a tile, which cover exactly those leaves.
 */
void
merkle_tail(const struct merkle_frontier *f, struct merkle_frontier *tail)
{
	uint64_t	 rest = f->size % MERKLE_TILE;
	size_t		 k = merkle_frontier_len(rest);

	merkle_init(tail);
	tail->size = rest;
	tail->n = k;
	if (k > 0)
		memcpy(tail->node, f->node[f->n - k], k * MERKLE_HASH);
}

/* The tree's root (MTH of every leaf appended) into `out`. */
void
merkle_root(const struct merkle_frontier *f, unsigned char *out)
{
	unsigned char	 h[MERKLE_HASH];
	size_t		 i;

	if (f->n == 0) {
		digest("", 0, out);
		return;
	}
	memcpy(h, f->node[f->n - 1], MERKLE_HASH);
	for (i = f->n - 1; i > 0; i--)
		merkle_node_hash(f->node[i - 1], h, h);
	memcpy(out, h, MERKLE_HASH);
}

/*
 * Set `f` to the stored frontier of a tree of `size` leaves: `n` subtree
 * roots, largest first.  Returns 0, or -1 (f untouched) when n is not
 * the number a tree of that size has.
 */
int
merkle_restore(struct merkle_frontier *f, uint64_t size,
    const unsigned char (*nodes)[MERKLE_HASH], size_t n)
{
	if (n != merkle_frontier_len(size))
		return -1;
	f->size = size;
	f->n = n;
	if (n > 0)
		memcpy(f->node, nodes, n * MERKLE_HASH);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Inclusion proofs (RFC 9162 2.1.3)                                  */
/* ------------------------------------------------------------------ */

/* The largest power of two smaller than n (n >= 2): MTH's split. */
static size_t
split(size_t n)
{
	size_t	 k;

	for (k = 1; k < n - k; k <<= 1)
		continue;
	return k;
}

/*
 * The audit path of leaf `m` in the tree of the `n` leaf hashes
 * `leaves` (m < n), RFC 9162 2.1.3.1 PATH(m, D[n]): the sibling hashes
 * from the leaf up, into `out` (room for MERKLE_LEVELS).  Returns their
 * number.  O(n) hashing.
 */
size_t
merkle_path(const unsigned char (*leaves)[MERKLE_HASH], size_t n, size_t m,
    unsigned char (*out)[MERKLE_HASH])
{
	size_t	 len, k;

	if (n <= 1 || m >= n)
		return 0;
	k = split(n);
	if (m < k) {
		len = merkle_path(leaves, k, m, out);
		merkle_tree_hash(leaves + k, n - k, out[len]);
	} else {
		len = merkle_path(leaves + k, n - k, m - k, out);
		merkle_tree_hash(leaves, k, out[len]);
	}
	return len + 1;
}

/*
 * The root that leaf hash `leaf` at index `m` of a tree of `n` leaves
 * and its audit path (`len` hashes) give, by the verification algorithm
 * of RFC 9162 2.1.3.2, into `root`.  Returns 0, or -1 when m >= n or the
 * path has not the length a leaf m of n has (the caller compares the
 * root with the one it trusts).
 */
int
merkle_path_root(uint64_t m, uint64_t n, const unsigned char *leaf,
    const unsigned char (*path)[MERKLE_HASH], size_t len,
    unsigned char *root)
{
	unsigned char	 r[MERKLE_HASH];
	uint64_t	 fn = m, sn;
	size_t		 i;

	if (m >= n)
		return -1;
	sn = n - 1;
	memcpy(r, leaf, MERKLE_HASH);
	for (i = 0; i < len; i++) {
		if (sn == 0)
			return -1;
		if ((fn & 1) || fn == sn) {
			merkle_node_hash(path[i], r, r);
			while ((fn & 1) == 0 && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else
			merkle_node_hash(r, path[i], r);
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return -1;
	memcpy(root, r, MERKLE_HASH);
	return 0;
}
