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
 * Append the leaf whose leaf hash is `leaf`.  Returns 0, or -1 (the
 * frontier unchanged) when the tree is full (2^64 - 1 leaves).
 */
int
merkle_append(struct merkle_frontier *f, const unsigned char *leaf)
{
	unsigned char	 carry[MERKLE_HASH];
	uint64_t	 bits;

	if (f->size == UINT64_MAX)
		return -1;
	memcpy(carry, leaf, MERKLE_HASH);
	/* Each trailing one bit of the size is a subtree of equal height. */
	for (bits = f->size; bits & 1; bits >>= 1) {
		f->n--;
		merkle_node_hash(f->node[f->n], carry, carry);
	}
	memcpy(f->node[f->n], carry, MERKLE_HASH);
	f->n++;
	f->size++;
	return 0;
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
