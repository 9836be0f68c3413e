/*
 * password.c: password hashing with PBKDF2-HMAC-SHA256 (OpenSSL), at the
 * OWASP 2023 strength of 600,000 iterations, a 16-byte random salt, and
 * the parameters stored with the hash so they can be raised later:
 *
 *	pbkdf2-sha256$<iterations>$<salt, base64>$<hash, base64>
 *
 * PBKDF2 rather than scrypt because it needs no memory per login: the
 * service's footprint stays flat however many people log in at once.
 * A few hashing slots keep logins from taking every core.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "../base/base.h"
#include "front.h"

#define PBKDF2_ITER	600000
#define PBKDF2_MAX_ITER	10000000
#define SALT_LEN	16
#define HASH_LEN	32

static int
derive(const char *pw, const unsigned char *salt, size_t saltlen,
    unsigned long iter, unsigned char out[HASH_LEN])
{
	return PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), salt, (int)saltlen,
	    (int)iter, EVP_sha256(), HASH_LEN, out) == 1 ? 0 : -1;
}

/*
 * Hash `pw` into `out` (at least PASSWORD_HASH_MAX bytes).  Returns 0, or
 * -1 when the random source or the KDF failed.
 */
int
password_hash(const char *pw, char *out, size_t outlen)
{
	unsigned char	 salt[SALT_LEN], hash[HASH_LEN];
	char		 s64[32], h64[64];

	if (RAND_bytes(salt, sizeof(salt)) != 1 ||
	    derive(pw, salt, sizeof(salt), PBKDF2_ITER, hash) == -1)
		return -1;
	EVP_EncodeBlock((unsigned char *)s64, salt, sizeof(salt));
	EVP_EncodeBlock((unsigned char *)h64, hash, sizeof(hash));
	if ((size_t)snprintf(out, outlen, "pbkdf2-sha256$%d$%s$%s",
	    PBKDF2_ITER, s64, h64) >= outlen)
		return -1;
	return 0;
}

/* Decode standard base64 into `out`; returns the length or -1. */
static int
b64_decode(const char *in, size_t inlen, unsigned char *out, size_t outlen)
{
	int	 n, pad = 0;

	if (inlen == 0 || inlen % 4 != 0 || inlen / 4 * 3 > outlen)
		return -1;
	if ((n = EVP_DecodeBlock(out, (const unsigned char *)in,
	    (int)inlen)) < 0)
		return -1;
	if (in[inlen - 1] == '=')
		pad++;
	if (in[inlen - 2] == '=')
		pad++;
	return n - pad;
}

/*
 * Whether `pw` matches the stored hash: 1 yes, 0 no, -1 when the stored
 * hash is malformed.  The comparison is constant-time.
 */
int
password_verify(const char *pw, const char *stored)
{
	unsigned char	 salt[64], want[64], got[HASH_LEN];
	const char	*p, *s, *h;
	unsigned long	 iter;
	char		*end;
	int		 slen, hlen;

	if (strncmp(stored, "pbkdf2-sha256$", 14) != 0)
		return -1;
	p = stored + 14;
	iter = strtoul(p, &end, 10);
	if (end == p || *end != '$' || iter < 1000 || iter > PBKDF2_MAX_ITER)
		return -1;
	s = end + 1;
	if ((h = strchr(s, '$')) == NULL)
		return -1;
	if ((slen = b64_decode(s, (size_t)(h - s), salt, sizeof(salt))) < 8 ||
	    (hlen = b64_decode(h + 1, strlen(h + 1), want, sizeof(want))) !=
	    HASH_LEN)
		return -1;
	if (derive(pw, salt, (size_t)slen, iter, got) == -1)
		return -1;
	return CRYPTO_memcmp(got, want, HASH_LEN) == 0;
}

/*
 * Spend the same effort as a real check, for an unknown user, so that
 * the answer's timing does not tell whether the user exists.
 */
void
password_dummy(const char *pw)
{
	static const unsigned char salt[SALT_LEN] = "paicha-no-user!";
	unsigned char	 out[HASH_LEN];

	(void)derive(pw, salt, sizeof(salt), PBKDF2_ITER, out);
}

/* ------------------------------------------------------------------ */
/* Hashing slots                                                      */
/* ------------------------------------------------------------------ */

static sem_t		 hash_slots;
static pthread_once_t	 hash_once = PTHREAD_ONCE_INIT;

static void
hash_slots_init(void)
{
	sem_init(&hash_slots, 0, (unsigned)cfg.login_concurrency);
}

/*
 * Take one of the few password-hashing slots, waiting at most 5 seconds:
 * PBKDF2 at 600,000 iterations is meant to be slow, so logins and user
 * changes share a small number of concurrent hashes (login_concurrency)
 * and cannot take every core.  Returns 0 holding a slot (give it back
 * with hashing_end), or -1 when none freed up in time.
 */
int
hashing_begin(void)
{
	struct timespec	 until;

	pthread_once(&hash_once, hash_slots_init);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	while (sem_timedwait(&hash_slots, &until) == -1)
		if (errno != EINTR)
			return -1;
	return 0;
}

void
hashing_end(void)
{
	sem_post(&hash_slots);
}
