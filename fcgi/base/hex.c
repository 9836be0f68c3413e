/*
 * hex.c: bytes as lower-case hex and as PostgreSQL's bytea hex format,
 * and back.
 */
#include <stdio.h>
#include <string.h>

#include "base.h"

/* The value of a hex digit, or -1. */
int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
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

