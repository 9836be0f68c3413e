/*
 * chain.c: the case history's hash chain, computed in C and checked
 * again by the database (sql/0007_cases.sql):
 *
 *	hash = SHA-256("paicha/case-event/v1" || int8 case id || int4 seq
 *	               || prev_hash || SHA-256(record))
 *
 * integers big-endian; prev_hash 32 zero bytes for the first event;
 * record the event as canonical JSON: keys sorted, compact, UTF-8.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "paicha.h"

#define CHAIN_TAG	"paicha/case-event/v1"

/* The canonical text of a JSON value (malloc'd), or NULL. */
char *
chain_canonical(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

/*
 * Open a hasher: a SHA-256 context to hash many events with, for the
 * bulk readers (verify).  Returns 0, or -1 (out of memory).
 */
int
chain_hasher_open(struct chain_hasher *h)
{
	h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	h->ctx = EVP_MD_CTX_new();
	if (h->md == NULL || h->ctx == NULL) {
		chain_hasher_close(h);
		return -1;
	}
	return 0;
}

void
chain_hasher_close(struct chain_hasher *h)
{
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->md);
	h->ctx = NULL;
	h->md = NULL;
}

/*
 * Compute the hash of event (case_id, seq) whose record is `len` bytes
 * at `record`, chained onto `prev`, into `out`.  Returns 0, or -1 when
 * OpenSSL fails (out of memory); `out` is then not a hash.
 */
int
chain_hash_with(struct chain_hasher *h, int64_t case_id, int32_t seq,
    const unsigned char *prev, const char *record, size_t len,
    unsigned char *out)
{
	unsigned char	 rh[SHA256_DIGEST_LENGTH], ib[8], sb[4];
	int		 i;

	for (i = 0; i < 8; i++)
		ib[i] = (unsigned char)((uint64_t)case_id >> (56 - 8 * i));
	for (i = 0; i < 4; i++)
		sb[i] = (unsigned char)((uint32_t)seq >> (24 - 8 * i));
	if (EVP_DigestInit_ex2(h->ctx, h->md, NULL) != 1 ||
	    EVP_DigestUpdate(h->ctx, record, len) != 1 ||
	    EVP_DigestFinal_ex(h->ctx, rh, NULL) != 1 ||
	    EVP_DigestInit_ex2(h->ctx, h->md, NULL) != 1 ||
	    EVP_DigestUpdate(h->ctx, CHAIN_TAG, sizeof(CHAIN_TAG) - 1) != 1 ||
	    EVP_DigestUpdate(h->ctx, ib, sizeof(ib)) != 1 ||
	    EVP_DigestUpdate(h->ctx, sb, sizeof(sb)) != 1 ||
	    EVP_DigestUpdate(h->ctx, prev, CHAIN_LEN) != 1 ||
	    EVP_DigestUpdate(h->ctx, rh, sizeof(rh)) != 1 ||
	    EVP_DigestFinal_ex(h->ctx, out, NULL) != 1)
		return -1;
	return 0;
}

/* Compute an event's hash into `out`. */
void
chain_hash(int64_t case_id, int32_t seq, const unsigned char *prev,
    const char *record, size_t len, unsigned char *out)
{
	struct chain_hasher	 h;

	if (chain_hasher_open(&h) == -1 ||
	    chain_hash_with(&h, case_id, seq, prev, record, len, out) == -1) {
		/* Only out of memory gets here; never write a wrong hash. */
		log_error("sha-256 failed");
		abort();
	}
	chain_hasher_close(&h);
}

/* Lower-case hex of `n` bytes into `out` (2n + 1 bytes). */
void
hex_encode(const unsigned char *b, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t	 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Bytes as a bytea hex literal "\x...", NUL-terminated (2n + 3 bytes). */
void
bytea_hex(const unsigned char *b, size_t n, char *out)
{
	out[0] = '\\';
	out[1] = 'x';
	hex_encode(b, n, out + 2);
}

/*
 * Parse PostgreSQL's hex bytea output ("\x...") of exactly `n` bytes.
 * Returns 0, or -1 when it is not that.
 */
int
bytea_parse(const char *s, unsigned char *out, size_t n)
{
	size_t	 i;
	int	 hi, lo;

	if (s[0] != '\\' || s[1] != 'x' || strlen(s) != 2 + 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		if ((hi = hex_digit((unsigned char)s[2 + 2 * i])) < 0 ||
		    (lo = hex_digit((unsigned char)s[3 + 2 * i])) < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

