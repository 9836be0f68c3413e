/*
 * fuzz-uscc.c: the unified social credit code check (uscc_check).
 *
 * Properties: the verdict is one of the enum with a message; it agrees
 * with an independent reading of GB 32100-2015 (18 characters of the
 * alphabet, the check character by weights 3^(i-1) mod 31); a valid
 * code's check character is what uscc_check_char computes.
 */
#include <string.h>

#include "../../fcgi/resources/uscc.h"
#include "fuzz.h"

static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* Valid per the standard, computed here without uscc.c. */
static int
valid(const uint8_t *s, size_t n)
{
	const char	*p;
	int		 i, sum = 0, w = 1;

	if (n != 18)
		return 0;
	for (i = 0; i < 18; i++)
		if (s[i] == '\0' || strchr(alphabet, s[i]) == NULL)
			return 0;
	for (i = 0; i < 17; i++) {
		p = strchr(alphabet, s[i]);
		sum += (int)(p - alphabet) * w;
		w = w * 3 % 31;
	}
	return alphabet[(31 - sum % 31) % 31] == s[17];
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum uscc_error	 e = uscc_check((const char *)data, size);
	char		 c;

	if ((unsigned)e >= USCC__MAX || uscc_message(e) == NULL)
		fuzz_fail("verdict %d", (int)e);
	if ((e == USCC_OK) != valid(data, size))
		fuzz_fail("uscc_check says %d for %.*s", (int)e, (int)size,
		    (const char *)data);
	if (e == USCC_LENGTH && size == 18)
		fuzz_fail("a length error for 18 bytes");
	if (size >= 17 && uscc_check_char((const char *)data, &c) == 0 &&
	    size == 18 && e != USCC_ALPHABET && e != USCC_LOWERCASE &&
	    (c == (char)data[17]) != (e == USCC_OK))
		fuzz_fail("check character %c, verdict %d", c, (int)e);
	return 0;
}
