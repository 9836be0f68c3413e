/*
 * text.c: the characters stored text may hold.
 *
 * Names, codes, numbers and ids are one line; free text keeps line
 * breaks (\n) and tabs (\t).  Neither holds other control characters,
 * nor the invisible format characters that change what a reader sees
 * without being seen -- "RT\u202egpj.exe" displays as "RTexe.jpg" -- or
 * hide text from one reader and not another (zero-width, tags).  What
 * is merely unusual (U+3000, U+00A0, variation selectors, emoji) stays.
 */
#include <stddef.h>

#include "workflow.h"

const char *const wf_text_refusals[WF_TEXT__MAX] = {
	[WF_TEXT_LINE] = "不能包含换行、控制字符或不可见的格式字符（如双向"
	    "控制符、零宽字符）",
	[WF_TEXT_FREE] = "不能包含控制字符或不可见的格式字符（如双向控制符、"
	    "零宽字符）",
};

/* Code points no text holds, inclusive ranges; \t and \n: see below. */
static const struct {
	unsigned	 lo, hi;
} refused[] = {
	{ 0x0000, 0x001f },	/* C0 controls */
	{ 0x007f, 0x009f },	/* DEL, C1 controls */
	{ 0x00ad, 0x00ad },	/* soft hyphen */
	{ 0x061c, 0x061c },	/* Arabic letter mark (bidi) */
	{ 0x180e, 0x180e },	/* Mongolian vowel separator */
	{ 0x200b, 0x200f },	/* zero-width space, non-joiner, joiner;
				   left-to-right and right-to-left marks */
	{ 0x2028, 0x202e },	/* line and paragraph separators; bidi
				   embeddings, pop, overrides */
	{ 0x2060, 0x206f },	/* word joiner, invisible operators, bidi
				   isolates, deprecated format controls */
	{ 0xfeff, 0xfeff },	/* zero-width no-break space (BOM) */
	{ 0xfff9, 0xfffb },	/* interlinear annotation */
	{ 0xe0000, 0xe007f },	/* tags */
};

/*
 * Decode the character at `p` into *cp; returns its length in bytes, or
 * 0 when `p` does not begin a well-formed UTF-8 character (overlong
 * forms, surrogates and code points above U+10FFFF included).
 */
static size_t
decode(const unsigned char *p, unsigned *cp)
{
	unsigned	 c = p[0], min;
	size_t		 n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		min = 0x80;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		min = 0x800;
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		min = 0x10000;
		c &= 0x07;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Whether code point `cp` is in the table of refused ones. */
static int
in_refused(unsigned cp)
{
	size_t	 i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (cp >= refused[i].lo && cp <= refused[i].hi)
			return 1;
	return 0;
}

/*
 * The first character of the NUL-terminated UTF-8 string `s` that text
 * of kind `k` may not hold, or NULL when it holds none.  Bytes that do
 * not form a UTF-8 character are refused too.
 */
const char *
wf_text_refused(const char *s, enum wf_text k)
{
	const unsigned char	*p = (const unsigned char *)s;
	const char		*bad = NULL;
	unsigned		 cp = 0;
	size_t			 n;

	while (*p != '\0' && bad == NULL) {
		if ((n = decode(p, &cp)) == 0)
			bad = (const char *)p;
		else if (in_refused(cp) && !(k == WF_TEXT_FREE &&
		    (cp == '\n' || cp == '\t')))
			bad = (const char *)p;
		p += n;
	}
	return bad;
}
