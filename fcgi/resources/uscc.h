/*
 * uscc.h: the unified social credit code (统一社会信用代码, GB 32100-2015)
 * that identifies an enterprise.
 *
 * A code is 18 characters from the alphabet
 *
 *	0123456789ABCDEFGHJKLMNPQRTUWXY		(no I, O, S, V, Z)
 *
 * whose values are their positions, 0 to 30.  The 18th is a check
 * character: with the weights 3^(i-1) mod 31 for positions i = 1..17,
 * its value is (31 - (sum of value * weight) mod 31) mod 31.
 *
 * Only length, alphabet and check character are checked; the structure
 * of the first 17 characters (registration authority, type, region,
 * organization code and its own GB 11714 check) is not.  Legacy codes
 * that fail the check are for the caller to accept by an explicit,
 * audited override; this file never does.
 *
 * libc only: no allocation, no global state, safe from any thread.
 */
#ifndef USCC_H
#define USCC_H

#include <stddef.h>

#define USCC_LEN	18	/* characters, which are all one byte */

enum uscc_error {
	USCC_OK,		/* a valid code */
	USCC_LENGTH,		/* not 18 bytes */
	USCC_LOWERCASE,		/* a letter a-z whose capital is allowed */
	USCC_ALPHABET,		/* any other byte outside the alphabet */
	USCC_CHECK,		/* the 18th character does not match */
	USCC__MAX
};

/*
 * Check the len bytes at s (not necessarily NUL-terminated; a NUL among
 * them is just a byte outside the alphabet).  Returns the first of these
 * that applies:
 *
 *   USCC_LENGTH	s is NULL or len is not 18.  Length is counted in
 *			bytes before anything else, so UTF-8 input with a
 *			multi-byte character is a length error unless it
 *			happens to be 18 bytes long, and then an alphabet
 *			error.
 *   USCC_ALPHABET	some byte is neither in the alphabet nor a lower-case
 *			letter whose capital is (so "i", "o", "s", "v", "z"
 *			are alphabet errors: capitalizing would not help).
 *   USCC_LOWERCASE	some byte is a lower-case letter whose capital is in
 *			the alphabet; no code is accepted in lower case.
 *   USCC_CHECK		the 18th character is not the check character.
 *   USCC_OK		otherwise.
 *
 * Reads at most len bytes; never writes.
 */
enum uscc_error	 uscc_check(const char *s, size_t len);

/*
 * The Chinese message for an error, for problem+json `errors[].message`:
 * a static string, never to be freed.  NULL for a value that is not one of
 * enum uscc_error (USCC__MAX included).
 */
const char	*uscc_message(enum uscc_error);

/*
 * Compute the check character for the 17 characters at first17 (exactly
 * 17 bytes are read; no NUL needed) and store it in *out.  Returns 0 on
 * success; -1, leaving *out unchanged, when out is NULL or any of the 17 is
 * not in the alphabet (lower case included).  For generating demo data.
 */
int		 uscc_check_char(const char first17[17], char *out);

#endif /* USCC_H */
