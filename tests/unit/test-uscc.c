/*
 * test-uscc.c: the unified social credit code check (fcgi/resources/uscc.c).
 *
 * The valid codes below were not produced by the code under test.  The
 * standard's example is worked by hand; the others' check characters come
 * from this independent Python one-liner (or are codes published by real
 * enterprises, which pass it as well):
 *
 *   python3 -c 'import sys; A="0123456789ABCDEFGHJKLMNPQRTUWXY"; \
 *     s=sys.argv[1]; t=sum(A.index(c)*pow(3,i,31) for i,c in enumerate(s)); \
 *     print(s+A[(31-t%31)%31])' 91110101MAK3DGFBA
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../fcgi/resources/uscc.h"

static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/*
 * GB 32100-2015's example, 91350100M000100Y43, by hand.  Values times
 * weights for positions 1..17:
 *   9*1 + 1*3 + 3*9 + 5*27 + 0*19 + 1*26 + 0*16 + 0*17 + M(21)*20 + 0*29
 *   + 0*25 + 0*13 + 1*8 + 0*24 + 0*10 + Y(30)*30 + 4*28
 *   = 9 + 3 + 27 + 135 + 26 + 420 + 8 + 900 + 112 = 1640
 * 1640 mod 31 = 28, and (31 - 28) mod 31 = 3: the check character is '3'.
 */
#define STANDARD_EXAMPLE	"91350100M000100Y43"

static const char *const valid[] = {
	STANDARD_EXAMPLE,
	/* Published codes of operating enterprises. */
	"914403001922038216",
	"91440300708461136T",
	"91330100716105852F",
	"91110000802100433B",
	/* Real-looking: authority and type, region, MA + 7, check by Python. */
	"91110101MAK3DGFBAA",
	"92310115MAW3T453AJ",
	"93440300MAQFR39F50",
	"11100000MAMJHL6XRP",
	"51110000MA3TGE9GJP",
	"52440300MARFYBU4MA",
	"Y1320500MA9QNX8N6F",
	"N2510100MA3MPUGDX1",
	"31110000MAHEBLGM97",
	"91650100MADYT9BQDG",
	/* No 0 in the first 17, so that every weight takes part. */
	"91441211MA4WFNP1K9",
	"Y2653128MAYRQ7K3X7",
	"52371523MA3C7HUN8L",
	/* Check values at the ends of the range: 0 ('0') and 30 ('Y'). */
	"91110108MA00000070",
	"91110108MA0000026Y",
};
#define NVALID	(sizeof(valid) / sizeof(valid[0]))

/*
 * One weight at a time: the value 1 at position i (1..17) and 0 elsewhere
 * has the check value (31 - 3^(i-1) mod 31) mod 31 (Python, as above).
 */
static const char *const unit[USCC_LEN - 1] = {
	"10000000000000000Y", "01000000000000000W", "00100000000000000N",
	"000100000000000004", "00001000000000000C", "000001000000000005",
	"00000010000000000F", "00000001000000000E", "00000000100000000B",
	"000000000100000002", "000000000010000006", "00000000000100000J",
	"00000000000010000P", "000000000000010007", "00000000000000100M",
	"000000000000000101", "000000000000000013",
};

static enum uscc_error
check_str(const char *s)
{
	return uscc_check(s, strlen(s));
}

/* ------------------------------------------------------------------ */
/* Valid codes                                                        */
/* ------------------------------------------------------------------ */

static void
test_valid(void **state)
{
	size_t	 i;

	for (i = 0; i < NVALID; i++) {
		assert_int_equal(strlen(valid[i]), USCC_LEN);
		assert_int_equal(check_str(valid[i]), USCC_OK);
	}
}

/* Each weight on its own: the table above, and the same computed here
 * from the definition 3^(i-1) mod 31. */
static void
test_weights(void **state)
{
	char	 buf[USCC_LEN];
	int	 i, w = 1;

	for (i = 0; i < USCC_LEN - 1; i++) {
		assert_int_equal(check_str(unit[i]), USCC_OK);
		memset(buf, '0', sizeof(buf));
		buf[i] = '1';
		buf[USCC_LEN - 1] = alphabet[(31 - w) % 31];
		assert_int_equal(uscc_check(buf, USCC_LEN), USCC_OK);
		assert_memory_equal(buf, unit[i], USCC_LEN);
		w = w * 3 % 31;
	}
	/* All zeros: the sum is 0, the check character '0'. */
	assert_int_equal(check_str("000000000000000000"), USCC_OK);
}

/* A NUL after the 18 bytes is not read: len decides. */
static void
test_valid_not_terminated(void **state)
{
	char	 buf[USCC_LEN + 3];

	memcpy(buf, STANDARD_EXAMPLE "XYZ", sizeof(buf));
	assert_int_equal(uscc_check(buf, USCC_LEN), USCC_OK);
}

/* With weights 3^(i-1) mod 31, none of them 0 mod 31 and 31 prime, any
 * change of one character, check character included, is caught. */
static void
test_single_substitution_caught(void **state)
{
	char	 buf[USCC_LEN];
	size_t	 i, pos, k;

	for (i = 0; i < NVALID; i++) {
		for (pos = 0; pos < USCC_LEN; pos++) {
			for (k = 0; k < sizeof(alphabet) - 1; k++) {
				if (alphabet[k] == valid[i][pos])
					continue;
				memcpy(buf, valid[i], USCC_LEN);
				buf[pos] = alphabet[k];
				assert_int_equal(uscc_check(buf, USCC_LEN), USCC_CHECK);
			}
		}
	}
}

/* Weights are distinct mod 31, so swapping two different characters at
 * any two positions of the first 17 is caught too. */
static void
test_transposition_caught(void **state)
{
	char	 buf[USCC_LEN];
	size_t	 i, a, b;

	for (i = 0; i < NVALID; i++)
		for (a = 0; a < USCC_LEN - 1; a++)
			for (b = a + 1; b < USCC_LEN - 1; b++) {
				if (valid[i][a] == valid[i][b])
					continue;
				memcpy(buf, valid[i], USCC_LEN);
				buf[a] = valid[i][b];
				buf[b] = valid[i][a];
				assert_int_equal(uscc_check(buf, USCC_LEN), USCC_CHECK);
			}
}

/* ------------------------------------------------------------------ */
/* Invalid codes                                                      */
/* ------------------------------------------------------------------ */

static void
test_wrong_check_character(void **state)
{
	assert_int_equal(check_str("91350100M000100Y44"), USCC_CHECK);
	assert_int_equal(check_str("91350100M000100Y4Y"), USCC_CHECK);
	assert_int_equal(check_str("91350100M000100Y40"), USCC_CHECK);
	assert_int_equal(check_str("914403001922038217"), USCC_CHECK);
	/* Two adjacent characters swapped. */
	assert_int_equal(check_str("19350100M000100Y43"), USCC_CHECK);
}

static void
test_length(void **state)
{
	assert_int_equal(check_str(""), USCC_LENGTH);
	assert_int_equal(uscc_check(NULL, 0), USCC_LENGTH);
	assert_int_equal(uscc_check(NULL, USCC_LEN), USCC_LENGTH);
	assert_int_equal(check_str("9"), USCC_LENGTH);
	assert_int_equal(check_str("91350100M000100Y4"), USCC_LENGTH);
	assert_int_equal(check_str("91350100M000100Y433"), USCC_LENGTH);
	assert_int_equal(check_str(STANDARD_EXAMPLE STANDARD_EXAMPLE), USCC_LENGTH);
	/* Length comes first: a short code of bad characters is too short. */
	assert_int_equal(check_str("iosvz"), USCC_LENGTH);
	/* Surrounding blanks are not trimmed here. */
	assert_int_equal(check_str(" " STANDARD_EXAMPLE), USCC_LENGTH);
	assert_int_equal(check_str(STANDARD_EXAMPLE "\n"), USCC_LENGTH);
}

/* I, O, S, V, Z are not used, in any position, and with a correct-looking
 * check character they are still alphabet errors. */
static void
test_forbidden_letters(void **state)
{
	static const char forbidden[] = "IOSVZ";
	char	 buf[USCC_LEN];
	size_t	 f, pos;

	assert_int_equal(check_str("91350100M000I00Y43"), USCC_ALPHABET);
	assert_int_equal(check_str("91350100M000O00Y43"), USCC_ALPHABET);
	assert_int_equal(check_str("91350100M000S00Y43"), USCC_ALPHABET);
	assert_int_equal(check_str("91350100M000V00Y43"), USCC_ALPHABET);
	assert_int_equal(check_str("91350100M000Z00Y43"), USCC_ALPHABET);
	for (f = 0; f < sizeof(forbidden) - 1; f++)
		for (pos = 0; pos < USCC_LEN; pos++) {
			memcpy(buf, STANDARD_EXAMPLE, USCC_LEN);
			buf[pos] = forbidden[f];
			assert_int_equal(uscc_check(buf, USCC_LEN), USCC_ALPHABET);
		}
}

static void
test_lowercase(void **state)
{
	assert_int_equal(check_str("91350100m000100y43"), USCC_LOWERCASE);
	assert_int_equal(check_str("91350100M000100y43"), USCC_LOWERCASE);
	assert_int_equal(check_str("91440300708461136t"), USCC_LOWERCASE);
	assert_int_equal(check_str("y1320500ma9qnx8n6f"), USCC_LOWERCASE);
	/* Lower case wins over a wrong check character. */
	assert_int_equal(check_str("91350100m000100y44"), USCC_LOWERCASE);
	/* Lower-case forms of the forbidden letters: capitalizing would not
	 * help, so they are alphabet errors, wherever they are. */
	assert_int_equal(check_str("91350100M000i00Y43"), USCC_ALPHABET);
	assert_int_equal(check_str("91350100M000o00Y43"), USCC_ALPHABET);
	assert_int_equal(check_str("91350100M000s00Y43"), USCC_ALPHABET);
	assert_int_equal(check_str("91350100M000v00Y43"), USCC_ALPHABET);
	assert_int_equal(check_str("91350100M000z00Y43"), USCC_ALPHABET);
	assert_int_equal(check_str("91350100m000100y4z"), USCC_ALPHABET);
	assert_int_equal(check_str("91350100m000100-43"), USCC_ALPHABET);
}

/* Bytes outside ASCII letters and digits.  UTF-8 is judged by bytes: a
 * multi-byte character keeps the length 18 only if others are missing. */
static void
test_non_ascii(void **state)
{
	char	 buf[USCC_LEN];
	int	 c;

	/* 16 ASCII + "é" (2 bytes) = 18 bytes: alphabet. */
	assert_int_equal(check_str("91350100M000100Y\xc3\xa9"), USCC_ALPHABET);
	/* 15 ASCII + fullwidth "３" (3 bytes) = 18 bytes: alphabet. */
	assert_int_equal(check_str("91350100M000100\xef\xbc\x93"), USCC_ALPHABET);
	/* 17 ASCII + fullwidth "３" = 20 bytes: length. */
	assert_int_equal(check_str("91350100M000100Y4\xef\xbc\x93"), USCC_LENGTH);
	/* A Chinese character (3 bytes) in place of the M: 20 bytes. */
	assert_int_equal(check_str("91350100\xe4\xb8\xad" "000100Y43"), USCC_LENGTH);
	/* Six Chinese characters are 18 bytes: alphabet. */
	assert_int_equal(check_str("统一社会信用"), USCC_ALPHABET);

	/* A NUL, punctuation, a blank, a control byte, a byte >= 0x80 at the
	 * last position: every byte not in the alphabet or a-z. */
	for (c = 0; c < 256; c++) {
		if (memchr(alphabet, c, sizeof(alphabet) - 1) != NULL ||
		    (c >= 'a' && c <= 'z'))
			continue;
		memcpy(buf, STANDARD_EXAMPLE, USCC_LEN);
		buf[USCC_LEN - 1] = (char)c;
		assert_int_equal(uscc_check(buf, USCC_LEN), USCC_ALPHABET);
		memcpy(buf, STANDARD_EXAMPLE, USCC_LEN);
		buf[0] = (char)c;
		assert_int_equal(uscc_check(buf, USCC_LEN), USCC_ALPHABET);
	}
}

/* ------------------------------------------------------------------ */
/* Messages and the check character                                   */
/* ------------------------------------------------------------------ */

static void
test_messages(void **state)
{
	int	 i, j;

	assert_string_equal(uscc_message(USCC_LENGTH), "统一社会信用代码应为18位");
	assert_string_equal(uscc_message(USCC_LOWERCASE), "统一社会信用代码应使用大写字母");
	assert_string_equal(uscc_message(USCC_ALPHABET),
	    "统一社会信用代码含有不允许的字符（不使用 I、O、S、V、Z）");
	assert_string_equal(uscc_message(USCC_CHECK), "统一社会信用代码校验位不正确");
	for (i = 0; i < USCC__MAX; i++) {
		assert_non_null(uscc_message((enum uscc_error)i));
		assert_true(uscc_message((enum uscc_error)i)[0] != '\0');
		for (j = 0; j < i; j++)
			assert_string_not_equal(uscc_message((enum uscc_error)i),
			    uscc_message((enum uscc_error)j));
	}
	assert_null(uscc_message(USCC__MAX));
	assert_null(uscc_message((enum uscc_error)-1));
}

/* uscc_check_char agrees with the independently computed table. */
static void
test_check_char(void **state)
{
	size_t	 i;
	char	 c;

	for (i = 0; i < NVALID; i++) {
		c = '?';
		assert_int_equal(uscc_check_char(valid[i], &c), 0);
		assert_int_equal(c, valid[i][USCC_LEN - 1]);
	}
}

static void
test_check_char_refuses(void **state)
{
	char	 c = '?';

	assert_int_equal(uscc_check_char("91350100M000100YI", &c), -1);
	assert_int_equal(uscc_check_char("91350100m000100Y4", &c), -1);
	assert_int_equal(uscc_check_char("91350100 000100Y4", &c), -1);
	assert_int_equal(uscc_check_char("91350100M000100Y\xc3", &c), -1);
	assert_int_equal(uscc_check_char(NULL, &c), -1);
	assert_int_equal(c, '?');	/* unchanged on error */
	assert_int_equal(uscc_check_char("91350100M000100Y4", NULL), -1);
}

/* Generated codes pass the check (what demo data relies on). */
static void
test_check_char_round_trip(void **state)
{
	char	 buf[USCC_LEN];
	size_t	 n;

	memcpy(buf, "91110000MA0000000", USCC_LEN - 1);
	for (n = 0; n < 31 * 31; n++) {
		buf[15] = alphabet[n / 31];
		buf[16] = alphabet[n % 31];
		assert_int_equal(uscc_check_char(buf, &buf[USCC_LEN - 1]), 0);
		assert_int_equal(uscc_check(buf, USCC_LEN), USCC_OK);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_valid_not_terminated),
		cmocka_unit_test(test_single_substitution_caught),
		cmocka_unit_test(test_transposition_caught),
		cmocka_unit_test(test_wrong_check_character),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_forbidden_letters),
		cmocka_unit_test(test_lowercase),
		cmocka_unit_test(test_non_ascii),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_check_char),
		cmocka_unit_test(test_check_char_refuses),
		cmocka_unit_test(test_check_char_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
