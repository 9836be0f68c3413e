// uscc.js: the unified social credit code (统一社会信用代码, GB 32100-2015)
// checked as it is typed.  The service has the last word; this only
// spares the user a round trip.

export const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/* Weights 3^(i-1) mod 31 for positions 1..17. */
export const WEIGHTS = Array.from({ length: 17 }, (_, i) => {
	let w = 1;
	for (let k = 0; k < i; k++)
		w = (w * 3) % 31;
	return w;
});

/* Upper case, no blanks: what the user meant. */
export function normalize(s) {
	return String(s || '').replace(/\s+/g, '').toUpperCase();
}

/* The check character for the first 17 characters, or null. */
export function checkChar(first17) {
	if (first17.length !== 17)
		return null;
	let sum = 0;
	for (let i = 0; i < 17; i++) {
		const v = ALPHABET.indexOf(first17[i]);
		if (v < 0)
			return null;
		sum += v * WEIGHTS[i];
	}
	return ALPHABET[(31 - (sum % 31)) % 31];
}

/*
 * Check a (normalized) code.  Returns {ok: true} or {ok: false, partial,
 * message}: `partial` is true while the input could still become valid
 * by typing more (the field then only hints, it does not yet complain).
 */
export function check(code) {
	const s = normalize(code);
	if (s === '')
		return { ok: false, partial: true, message: '请输入18位统一社会信用代码' };
	for (let i = 0; i < s.length; i++) {
		if (ALPHABET.indexOf(s[i]) < 0)
			return {
				ok: false, partial: false,
				message: `第${i + 1}位“${s[i]}”不是统一社会信用代码允许的字符（不含 I、O、Z、S、V）`,
			};
	}
	if (s.length < 18)
		return { ok: false, partial: true, message: `已输入${s.length}位，还需${18 - s.length}位` };
	if (s.length > 18)
		return { ok: false, partial: false, message: `统一社会信用代码为18位，当前${s.length}位` };
	if (checkChar(s.slice(0, 17)) !== s[17])
		return { ok: false, partial: false, message: '校验码不正确，请核对统一社会信用代码' };
	return { ok: true, partial: false, message: '格式与校验码正确' };
}
