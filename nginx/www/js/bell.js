// bell.js: the notification bell in the header -- how many notifications
// the user has not read (GET /notifications?unread=true&limit=1), kept
// fresh every minute and on every page.  Its accessible name says the
// count; it links to the inbox (#/notifications).

import { get, ApiError } from './api.js';

const EVERY_MS = 60000;
let timer = 0;
let inflight = null;

function draw(n, more) {
	const bell = document.getElementById('bell');
	if (!bell)
		return;
	const text = n === 0 ? '通知' : `通知 ${more ? '999+' : n}`;
	bell.textContent = text;
	bell.classList.toggle('unread', n > 0);
	bell.setAttribute('aria-label', n === 0 ? '通知：没有未读通知' :
	    `通知：${more ? '999 条以上' : `${n} 条`}未读`);
}

/* Ask the service now (at most one request at a time). */
export function bellRefresh() {
	if (inflight)
		return inflight;
	inflight = get('/notifications', { unread: true, limit: 1 }, { noAuthRedirect: true })
	    .then((r) => {
		const n = Number(r.data?.unread ?? 0);
		draw(n, Boolean(r.data?.unread_more));
	}).catch((e) => {
		if (!(e instanceof ApiError))
			console.warn('bell', e);
	}).finally(() => {
		inflight = null;
	});
	return inflight;
}

export function bellStart() {
	bellStop();
	bellRefresh();
	timer = setInterval(bellRefresh, EVERY_MS);
}

export function bellStop() {
	clearInterval(timer);
	timer = 0;
	draw(0, false);
}
