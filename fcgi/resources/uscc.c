/*
 * uscc.c: check the unified social credit code (GB 32100-2015).
 * See uscc.h for the rules and the contract.
 */
#include <stddef.h>
#include <string.h>

#include "uscc.h"

/* The 31 characters of the code; a character's value is its index. */
static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
#define RADIX	31

_Static_assert(sizeof(alphabet) - 1 == RADIX, "the alphabet has 31 characters");

/* Weights of positions 1..17: 3^(i-1) mod 31. */
static const int weights[USCC_LEN - 1] = {
	1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
};

static const char *const messages[USCC__MAX] = {
	[USCC_OK] = "统一社会信用代码有效",
	[USCC_LENGTH] = "统一社会信用代码应为18位",
	[USCC_LOWERCASE] = "统一社会信用代码应使用大写字母",
	[USCC_ALPHABET] = "统一社会信用代码含有不允许的字符（不使用 I、O、S、V、Z）",
	[USCC_CHECK] = "统一社会信用代码校验位不正确",
};

/*
 * The value (0..30) of byte c in the alphabet, or -1 if c is not in it.
 * memchr, not strchr: the terminating NUL must not count as a member.
 */
static int
value_of(unsigned char c)
{
	const char	*p;

	p = memchr(alphabet, c, RADIX);
	return p == NULL ? -1 : (int)(p - alphabet);
}

/*
 * The value of the check character for the values of positions 1..17.
 */
static int
check_value(const int v[USCC_LEN - 1])
{
	int	 i, sum = 0;

	for (i = 0; i < USCC_LEN - 1; i++)
		sum += v[i] * weights[i];
	return (RADIX - sum % RADIX) % RADIX;
}

enum uscc_error
uscc_check(const char *s, size_t len)
{
	enum uscc_error	 rc;
	int		 v[USCC_LEN];
	int		 i, lower = 0;
	unsigned char	 c;

	if (s == NULL || len != USCC_LEN) {
		rc = USCC_LENGTH;
		goto out;
	}

	/*
	 * One pass over all 18 bytes: a byte no capitalizing can fix is an
	 * alphabet error wherever it is, so it is reported before any lower
	 * case letter.
	 */
	for (i = 0; i < USCC_LEN; i++) {
		c = (unsigned char)s[i];
		if (c >= 'a' && c <= 'z' && value_of(c - 'a' + 'A') >= 0) {
			lower = 1;
			v[i] = -1;
			continue;
		}
		if ((v[i] = value_of(c)) < 0) {
			rc = USCC_ALPHABET;
			goto out;
		}
	}
	if (lower) {
		rc = USCC_LOWERCASE;
		goto out;
	}

	rc = check_value(v) == v[USCC_LEN - 1] ? USCC_OK : USCC_CHECK;
out:
	return rc;
}

const char *
uscc_message(enum uscc_error e)
{
	if ((unsigned int)e >= USCC__MAX)
		return NULL;
	return messages[e];
}

int
uscc_check_char(const char first17[17], char *out)
{
	int	 v[USCC_LEN - 1];
	int	 i, rc = -1;

	if (first17 == NULL || out == NULL)
		goto out;
	for (i = 0; i < USCC_LEN - 1; i++)
		if ((v[i] = value_of((unsigned char)first17[i])) < 0)
			goto out;
	*out = alphabet[check_value(v)];
	rc = 0;
out:
	return rc;
}
