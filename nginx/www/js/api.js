// api.js: the only way the front end speaks to the service -- the public
// API of API.md under /api/v1/, same origin, the session in its HttpOnly
// cookie.  Problems (RFC 9457) become ApiError; a 401 sends the user to
// the login page and back; state changes carry If-Match and an
// Idempotency-Key that a retry after a network failure or 503 reuses.

export const BASE = '/api/v1';

export class ApiError extends Error {
	constructor(status, problem) {
		super(problem?.detail || problem?.title || `HTTP ${status}`);
		this.status = status;		// 0: no answer (network)
		this.problem = problem || null;
	}
	get type() {
		return String(this.problem?.type || '').replace(/^.*[:/]/, '');
	}
}

let unauthorized = () => {};

/* Called with no arguments when the session is missing or expired. */
export function onUnauthorized(fn) {
	unauthorized = fn;
}

/* A random UUID, also where crypto.randomUUID is missing (old browsers). */
export function newKey() {
	if (crypto.randomUUID)
		return crypto.randomUUID();
	const b = crypto.getRandomValues(new Uint8Array(16));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
	return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/* A query string from an object, leaving out empty values. */
export function qs(params) {
	const u = new URLSearchParams();
	for (const [k, v] of Object.entries(params || {})) {
		if (v === undefined || v === null || v === '' || v === false)
			continue;
		u.set(k, v === true ? 'true' : String(v));
	}
	const s = u.toString();
	return s ? `?${s}` : '';
}

export function url(path, params) {
	return `${BASE}${path}${qs(params)}`;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const RETRYABLE = new Set([0, 502, 503, 504]);

// The calls in flight, each with its AbortController: logging out cancels
// them, or a list the page was still loading would be answered 401 once
// the session is gone (a noise in the console, and a redirect to log in
// again from the login page).
const inFlight = new Set();

/* Cancels every call in flight: their pages are going away.  A cancelled
   call rejects with ApiError status 0 and is not retried. */
export function cancelAll() {
	for (const c of inFlight)
		c.abort();
	inFlight.clear();
}

async function once(method, path, { body, ifMatch, key }) {
	const headers = { Accept: 'application/json' };
	if (body !== undefined)
		headers['Content-Type'] = 'application/json; charset=utf-8';
	if (ifMatch !== undefined && ifMatch !== null)
		headers['If-Match'] = /^".*"$/.test(String(ifMatch)) ?
		    String(ifMatch) : `"${ifMatch}"`;
	if (key)
		headers['Idempotency-Key'] = key;
	const ctl = new AbortController();
	inFlight.add(ctl);
	let res;
	let data = null;
	try {
		res = await fetch(`${BASE}${path}`, {
			method, headers, credentials: 'same-origin',
			cache: 'no-store', signal: ctl.signal,
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		if (res.status !== 204 && /json/.test(res.headers.get('Content-Type') || ''))
			data = await res.json().catch((e) => {
				if (ctl.signal.aborted)
					throw e;
				return null;
			});
	} catch {
		return { status: 0, error: new ApiError(0, null), cancelled: ctl.signal.aborted };
	} finally {
		inFlight.delete(ctl);
	}
	if (!res.ok)
		return { status: res.status, error: new ApiError(res.status, data) };
	return {
		status: res.status, data,
		etag: res.headers.get('ETag'),
		location: res.headers.get('Location'),
	};
}

/*
 * One API call.  Reads are retried twice on a network failure or 502-504;
 * so is a write that carries an Idempotency-Key (the same key: the
 * service replays the first answer if the first attempt did commit).
 * Resolves to {status, data, etag, location}; rejects with ApiError.
 */
export async function call(method, path, opts = {}) {
	const canRetry = method === 'GET' || Boolean(opts.key);
	const tries = canRetry ? 3 : 1;
	let r;
	for (let i = 0; i < tries; i++) {
		if (i > 0)
			await sleep(400 * 2 ** i);
		r = await once(method, path, opts);
		if (!r.error || r.cancelled || !RETRYABLE.has(r.status))
			break;
	}
	if (r.error) {
		if (r.status === 401 && !opts.noAuthRedirect)
			unauthorized();
		throw r.error;
	}
	return r;
}

/*
 * POST a file as the raw body (an import: CSV or XLSX) with its own
 * Content-Type; `key` an Idempotency-Key the same file reuses.  With
 * `blob`, a 2xx answer is read as a Blob (a CSV report), else as JSON.
 * Resolves to {status, data}; rejects with ApiError.
 */
export async function upload(path, file, { key, blob = false } = {}) {
	const type = file.type || (/\.xlsx$/i.test(file.name || '') ?
	    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv');
	const headers = { 'Content-Type': type, Accept: blob ? 'text/csv' : 'application/json' };
	if (key)
		headers['Idempotency-Key'] = key;
	let res;
	try {
		res = await fetch(`${BASE}${path}`, {
			method: 'POST', headers, credentials: 'same-origin', cache: 'no-store', body: file,
		});
	} catch {
		throw new ApiError(0, null);
	}
	if (res.ok && blob)
		return { status: res.status, data: await res.blob() };
	let data = null;
	if (/json/.test(res.headers.get('Content-Type') || '')) {
		try {
			data = await res.json();
		} catch {
			data = null;
		}
	}
	if (!res.ok) {
		if (res.status === 401)
			unauthorized();
		throw new ApiError(res.status, data);
	}
	return { status: res.status, data };
}

export const get = (path, params, opts) => call('GET', path + qs(params), opts);
export const post = (path, body, opts = {}) => call('POST', path, { ...opts, body });
export const del = (path, opts) => call('DELETE', path, opts);

/*
 * A state change whose key lives as long as its body: the same body
 * after a failure reuses the key (a retry); a changed body gets a new
 * one (the service answers 422 to one key with two bodies).
 */
export class Change {
	constructor() {
		this.key = null;
		this.body = null;
	}
	async send(path, body, ifMatch) {
		const text = JSON.stringify(body);
		if (this.key === null || text !== this.body) {
			this.key = newKey();
			this.body = text;
		}
		try {
			const r = await post(path, body, { ifMatch, key: this.key });
			this.key = null;
			return r;
		} catch (e) {
			// Only a failure whose outcome is unknown keeps the key.
			if (!(e instanceof ApiError) || !RETRYABLE.has(e.status))
				this.key = null;
			throw e;
		}
	}
}

const STATUS_ZH = {
	0: '网络连接失败，请检查网络后重试（重试不会重复提交）。',
	400: '请求格式有误。',
	401: '登录已过期，请重新登录。',
	403: '您无权执行此操作。',
	404: '未找到该记录，或它不在您的辖区内。',
	405: '不支持该操作。',
	409: '当前状态下不能执行此操作。',
	412: '该案件已被他人修改，已为您重新加载，请核对后再操作。',
	413: '提交的内容过大。',
	415: '提交的内容格式不受支持。',
	422: '请更正标出的字段。',
	428: '缺少版本信息，请刷新后重试。',
	429: '尝试次数过多，请稍后再试。',
	500: '服务器内部错误。',
	502: '服务暂不可用，请稍后重试（重试不会重复提交）。',
	503: '服务暂不可用，请稍后重试（重试不会重复提交）。',
	504: '服务响应超时，请稍后重试（重试不会重复提交）。',
};

const TYPE_ZH = {
	'proposal-pending': '该案件有待法制审核的提议，审核完成前不能变更状态。',
	'illegal-transition': '案件当前状态下不能执行此操作，页面已刷新。',
	'self-approval': '不能审核本人提出的提议。',
	'nothing-pending': '该案件没有待审核的提议。',
	'bad-credentials': '用户名或密码错误。',
};

/* The Chinese message for an error, for the user. */
export function message(e) {
	if (!(e instanceof ApiError))
		return `出错了：${e?.message || e}`;
	if (TYPE_ZH[e.type])
		return TYPE_ZH[e.type];
	if (e.status === 409 && /duplicate|exists|already/i.test(e.message))
		return '记录已存在，不能重复登记。';
	return STATUS_ZH[e.status] || `请求失败（${e.status}）。`;
}
