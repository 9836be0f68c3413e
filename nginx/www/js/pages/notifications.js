// pages/notifications.js: the user's inbox -- reminders, overdue and
// escalated deadlines, review requests, 督办 -- newest first, unread
// ones marked; each read by a click on it or all at once.

import { get, post, ApiError, message } from '../api.js';
import { h, replace, announce, alertMsg, focusHeading } from '../dom.js';
import { dateTime } from '../fmt.js';
import { bellRefresh } from '../bell.js';

export const KINDS = {
	deadline_soon: '期限将至',
	overdue: '已逾期',
	review_requested: '待法制审核',
	referral_received: '收到移送',
	supervision_assigned: '挂牌督办',
	submission_due: '报送将至',
	submission_returned: '报送退回',
	escalated: '逾期上报',
	self_inspection_risk: '企业自查重大风险',
};

/* Where a notification leads: its supervision, case, or nowhere. */
function target(n) {
	if (n.supervision_id)
		return `#/supervisions/${n.supervision_id}`;
	if (n.case_id)
		return `#/cases/${n.case_id}`;
	return null;
}

export async function notificationsPage(ctx) {
	ctx.title('通知');
	const unreadOnly = ctx.params.get('unread') === 'true';
	const list = h('ol.notices');
	const summary = h('p.muted');
	const more = h('button', { type: 'button', hidden: true }, '加载更多');
	const allRead = h('button', { type: 'button' }, '全部标为已读');
	const toggle = h('a.button', { href: unreadOnly ? '#/notifications' : '#/notifications?unread=true' },
	    unreadOnly ? '显示全部通知' : '只看未读');
	replace(ctx.main,
	    h('div.page-head', h('h1', unreadOnly ? '未读通知' : '通知'),
		h('div.actions', toggle, allRead)),
	    summary, list, h('div.actions', more));
	focusHeading(ctx.main);

	let cursor = null;
	let shown = 0;

	async function markRead(ids, all = false) {
		await post('/notifications/read', all ? { all: true } : { ids });
		bellRefresh();
	}

	function item(n) {
		const href = target(n);
		const readBtn = n.read ? null : h('button.link', { type: 'button' }, '标为已读');
		const li = h(n.read ? 'li.card.notice' : 'li.card.notice.unread', { dataset: { id: n.id, kind: n.kind } },
		    h('p.notice-head',
			h('span.badge.kind', { dataset: { kind: n.kind } }, KINDS[n.kind] || n.kind),
			n.read ? null : h('span.badge.pending', '未读'),
			h('time', { datetime: n.at }, dateTime(n.at))),
		    h('p.notice-text', href ? h('a', { href }, n.text) : n.text),
		    readBtn);
		const read = async () => {
			if (n.read)
				return;
			await markRead([n.id]);
			n.read = true;
			li.classList.remove('unread');
			li.querySelector('.badge.pending')?.remove();
			readBtn?.remove();
		};
		readBtn?.addEventListener('click', async () => {
			try {
				await read();
				announce('已标为已读。');
				li.querySelector('a')?.focus();
			} catch (e) {
				if (!(e instanceof ApiError && e.status === 401))
					alertMsg(message(e));
			}
		});
		li.querySelector('a')?.addEventListener('click', () => {
			read().catch(() => {});
		});
		return li;
	}

	async function load() {
		more.disabled = true;
		const r = await get('/notifications', { unread: unreadOnly, cursor, limit: 50 });
		if (!ctx.current())
			return;
		for (const n of r.data.items)
			list.appendChild(item(n));
		shown += r.data.items.length;
		cursor = r.data.next_cursor;
		more.hidden = !cursor;
		more.disabled = false;
		const unread = r.data.unread_more ? '999 条以上' : `${r.data.unread ?? 0} 条`;
		summary.textContent = shown === 0 ? (unreadOnly ? '没有未读通知。' : '没有通知。') :
		    `已显示 ${shown} 条${cursor ? '，还有更多' : ''}；未读 ${unread}。`;
	}

	more.addEventListener('click', () => load().catch(() => { more.disabled = false; }));
	allRead.addEventListener('click', async () => {
		allRead.disabled = true;
		try {
			await markRead(null, true);
			announce('全部通知已标为已读。');
			replace(list);
			cursor = null;
			shown = 0;
			await load();
		} catch (e) {
			if (!(e instanceof ApiError && e.status === 401))
				alertMsg(message(e));
		} finally {
			allRead.disabled = false;
		}
	});
	await load();
}
