// fmt.js: dates, times and money as a Chinese office reads them.

const pad = (n) => String(n).padStart(2, '0');

/* Today as YYYY-MM-DD in the browser's time zone. */
export function today(offsetDays = 0) {
	const d = new Date();
	d.setDate(d.getDate() + offsetDays);
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/* An RFC 3339 timestamp as "YYYY-MM-DD HH:MM" local time. */
export function dateTime(s) {
	if (!s)
		return '';
	const d = new Date(s);
	if (Number.isNaN(d.getTime()))
		return String(s);
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/* A date or timestamp as YYYY-MM-DD. */
export function date(s) {
	if (!s)
		return '';
	if (/^\d{4}-\d{2}-\d{2}$/.test(s))
		return s;
	return dateTime(s).slice(0, 10);
}

/* Money as the API writes it: "1234.50"; null when not valid. */
export const MONEY_RE = /^(0|[1-9]\d{0,12})(\.\d{1,2})?$/;

export function parseMoney(s) {
	const t = String(s ?? '').replace(/[,，\s]/g, '');
	if (!MONEY_RE.test(t))
		return null;
	const [i, f = ''] = t.split('.');
	return `${i}.${f.padEnd(2, '0')}`;
}

/* "1234567.50" as "1,234,567.50 元". */
export function money(s) {
	if (s === null || s === undefined || s === '')
		return '';
	const [i, f = '00'] = String(s).split('.');
	return `${i.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${f.padEnd(2, '0')} 元`;
}
