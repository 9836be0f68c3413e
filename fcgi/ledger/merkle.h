/*
 * merkle.h: RFC 9162 (Certificate Transparency v2) Merkle tree hashing,
 * and the "frontier" that lets a log grow without rereading old leaves.
 *
 *	leaf hash	SHA-256(0x00 || data)
 *	node hash	SHA-256(0x01 || left || right)
 *	MTH({})		SHA-256()
 *	MTH(D[n])	node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of
 *			two smaller than n
 *
 * The frontier of a tree of n leaves is the list of the roots of its
 * perfect subtrees along the right edge -- one per set bit of n, largest
 * (leftmost) first.  Appending a leaf merges equal-sized subtrees like a
 * binary counter carries; the root hashes the frontier right to left.  So
 * a checkpoint of n + k leaves extends the one of n in O(k log n) and
 * commits to exactly the same first n leaves.
 *
 * Inclusion proofs (RFC 9162 2.1.3): the audit path of leaf m in a tree
 * of n leaves, and the verification algorithm that gives the root from
 * a leaf, its index, the size and the path.
 *
 * Tiles: the log is stored and checked in tiles of MERKLE_TILE leaves,
 * each a perfect subtree (the last one of a tree possibly partial).  For
 * n > MERKLE_TILE every split point of MTH is a multiple of MERKLE_TILE,
 * so MTH over the leaves is MTH over the tiles' roots taken as leaf
 * hashes, and a leaf's path is its path inside its tile followed by the
 * tile's path over the tiles' roots.
 *
 * Pure computation over OpenSSL's SHA-256: no I/O, safe in any thread.
 */
#ifndef MERKLE_H
#define MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH	32	/* bytes in every hash */
#define MERKLE_LEVELS	64	/* at most one subtree per bit of the size */
#define MERKLE_TILE_BITS 8
#define MERKLE_TILE	(1 << MERKLE_TILE_BITS)	/* leaves in a tile */

struct merkle_frontier {
	uint64_t	 size;			/* leaves appended */
	size_t		 n;			/* subtree roots: popcount(size) */
	unsigned char	 node[MERKLE_LEVELS][MERKLE_HASH]; /* largest first */
};

void	 merkle_leaf_hash(const void *, size_t, unsigned char *);
void	 merkle_node_hash(const unsigned char *, const unsigned char *,
	    unsigned char *);
void	 merkle_tree_hash(const unsigned char (*)[MERKLE_HASH], size_t,
	    unsigned char *);

void	 merkle_init(struct merkle_frontier *);
int	 merkle_append(struct merkle_frontier *, const unsigned char *);
void	 merkle_root(const struct merkle_frontier *, unsigned char *);
int	 merkle_restore(struct merkle_frontier *, uint64_t,
	    const unsigned char (*)[MERKLE_HASH], size_t);
size_t	 merkle_frontier_len(uint64_t);
int	 merkle_append_tile(struct merkle_frontier *, const unsigned char *,
	    unsigned char *);
void	 merkle_tail(const struct merkle_frontier *, struct merkle_frontier *);

size_t	 merkle_path(const unsigned char (*)[MERKLE_HASH], size_t, size_t,
	    unsigned char (*)[MERKLE_HASH]);
int	 merkle_path_root(uint64_t, uint64_t, const unsigned char *,
	    const unsigned char (*)[MERKLE_HASH], size_t, unsigned char *);

#endif /* MERKLE_H */
