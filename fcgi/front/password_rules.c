/*
 * password_rules.c: what a new password must be (API.md Part 2) --
 *
 *	at least PASSWORD_MIN_CHARS characters (code points, not bytes);
 *	not only spaces or characters that show nothing (zero-width,
 *	format and control characters);
 *	what libpwquality accepts: not the username in any form, not a
 *	word of cracklib's dictionary (Debian's cracklib-runtime), not
 *	too simple, not (much like) the password it replaces.
 *
 * Every password set passes here: an administrator's (users.c), one's
 * own (sessions.c) and paicha-admin's.  The settings are this file's,
 * not /etc/security/pwquality.conf's: the contract is the same on every
 * machine.  cracklib keeps state in static buffers, so one check runs at
 * a time.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <pwquality.h>

#include "../base/base.h"
#include "front.h"

static pthread_mutex_t		 pwq_lock = PTHREAD_MUTEX_INITIALIZER;
static pwquality_settings_t	*pwq;

/*
 * Whether code point `c` is a space or shows nothing: Unicode's
 * White_Space and Default_Ignorable_Code_Point, control characters, and
 * the blanks that pass for letters (Hangul fillers, the Braille blank).
 */
static int
blank(uint32_t c)
{
	static const struct { uint32_t lo, hi; } ranges[] = {
		{ 0x0000, 0x0020 }, { 0x007f, 0x00a0 }, { 0x00ad, 0x00ad },
		{ 0x034f, 0x034f }, { 0x061c, 0x061c }, { 0x115f, 0x1160 },
		{ 0x1680, 0x1680 }, { 0x17b4, 0x17b5 }, { 0x180b, 0x180f },
		{ 0x2000, 0x200f }, { 0x2028, 0x202f }, { 0x205f, 0x206f },
		{ 0x2800, 0x2800 }, { 0x3000, 0x3000 }, { 0x3164, 0x3164 },
		{ 0xfe00, 0xfe0f }, { 0xfeff, 0xfeff }, { 0xffa0, 0xffa0 },
		{ 0xfff0, 0xfff8 }, { 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a },
		{ 0xe0000, 0xe0fff },
	};
	size_t	 i;

	for (i = 0; i < NITEMS(ranges); i++)
		if (c >= ranges[i].lo && c <= ranges[i].hi)
			return 1;
	return 0;
}

/*
 * Whether every character of valid UTF-8 `s` is blank.  Counts them
 * into *chars.
 */
static int
all_blank(const char *s, size_t *chars)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint32_t		 c;
	int			 only = 1, more;

	*chars = 0;
	while (*p != '\0') {
		if (*p < 0x80) {
			c = *p++;
			more = 0;
		} else if (*p < 0xe0) {
			c = *p++ & 0x1f;
			more = 1;
		} else if (*p < 0xf0) {
			c = *p++ & 0x0f;
			more = 2;
		} else {
			c = *p++ & 0x07;
			more = 3;
		}
		while (more-- > 0 && *p != '\0')
			c = (c << 6) | (*p++ & 0x3f);
		(*chars)++;
		if (!blank(c))
			only = 0;
	}
	return only;
}

/* The settings, made once: only this file's, none from /etc. */
static int
settings(void)
{
	static const struct { int setting, value; } v[] = {
		{ PWQ_SETTING_MIN_LENGTH, PASSWORD_MIN_CHARS },
		{ PWQ_SETTING_DIG_CREDIT, 0 },
		{ PWQ_SETTING_UP_CREDIT, 0 },
		{ PWQ_SETTING_LOW_CREDIT, 0 },
		{ PWQ_SETTING_OTH_CREDIT, 0 },
		{ PWQ_SETTING_MIN_CLASS, 0 },
		{ PWQ_SETTING_DIFF_OK, 1 },
		{ PWQ_SETTING_DICT_CHECK, 1 },
		{ PWQ_SETTING_USER_CHECK, 1 },
		{ PWQ_SETTING_GECOS_CHECK, 0 },
	};
	size_t	 i;

	if (pwq != NULL)
		return 0;
	if ((pwq = pwquality_default_settings()) == NULL)
		return -1;
	for (i = 0; i < NITEMS(v); i++)
		if (pwquality_set_int_value(pwq, v[i].setting,
		    v[i].value) != 0) {
			pwquality_free_settings(pwq);
			pwq = NULL;
			return -1;
		}
	return 0;
}

/* libpwquality's refusal `code` as the message a user reads. */
static const char *
refusal(int code)
{
	switch (code) {
	case PWQ_ERROR_MIN_LENGTH:
		return "密码至少12个字符";
	case PWQ_ERROR_USER_CHECK:
		return "密码不能包含用户名";
	case PWQ_ERROR_SAME_PASSWORD:
	case PWQ_ERROR_TOO_SIMILAR:
	case PWQ_ERROR_CASE_CHANGES_ONLY:
	case PWQ_ERROR_ROTATED:
		return "新密码与原密码太相似";
	case PWQ_ERROR_PALINDROME:
		return "密码不能是回文";
	case PWQ_ERROR_CRACKLIB_CHECK:
		return "密码太简单，或基于字典中的单词";
	default:
		return "密码太弱";
	}
}

/*
 * Whether `pw` may be set as the password of `username` (NULL: not
 * known), replacing `old` (NULL: not known).  Returns 0 when it may; 1
 * when not, with the reason for the user in *why; -1 when the check
 * itself failed (logged: no dictionary, no memory) -- then nothing may
 * be set.
 */
int
password_rules(const char *pw, const char *username, const char *old,
    const char **why)
{
	char	 msg[PWQ_MAX_ERROR_MESSAGE_LEN];
	void	*aux = NULL;
	size_t	 chars;
	int	 rc;

	if (!utf8_valid(pw, strlen(pw))) {
		*why = "密码不是有效的UTF-8文本";
		return 1;
	}
	if (all_blank(pw, &chars)) {
		*why = "密码不能只有空格或不可见字符";
		return 1;
	}
	if (chars < PASSWORD_MIN_CHARS) {
		*why = "密码至少12个字符";
		return 1;
	}
	pthread_mutex_lock(&pwq_lock);
	if (settings() == -1) {
		pthread_mutex_unlock(&pwq_lock);
		log_error("could not set up libpwquality");
		return -1;
	}
	rc = pwquality_check(pwq, pw, old, username, &aux);
	/* The reason also frees what libpwquality allocated for it. */
	pwquality_strerror(msg, sizeof(msg), rc, aux);
	pthread_mutex_unlock(&pwq_lock);
	if (rc >= 0)
		return 0;
	if (rc == PWQ_ERROR_MEM_ALLOC || rc == PWQ_ERROR_FATAL_FAILURE ||
	    (rc == PWQ_ERROR_CRACKLIB_CHECK && strstr(msg,
	    "error loading dictionary") != NULL)) {
		log_error("could not check a password: %s", msg);
		return -1;
	}
	*why = refusal(rc);
	return 1;
}

/*
 * The same for a request: 0 when `pw` may be set, else -1 after
 * replying -- 422 naming `field` with the reason, or 500 when the rules
 * could not be checked.
 */
int
password_acceptable(struct req *r, const char *field, const char *pw,
    const char *username, const char *old)
{
	const char	*why = NULL;

	switch (password_rules(pw, username, old, &why)) {
	case 0:
		return 0;
	case 1:
		reply_problem(r, 422, NULL, "the password is too weak",
		    problem_field(NULL, field, why));
		return -1;
	default:
		reply_problem(r, 500, NULL, "internal error", NULL);
		return -1;
	}
}
