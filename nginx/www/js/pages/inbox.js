// pages/inbox.js: the legal reviewer's inbox -- cases with a pending
// proposal (GET /cases?pending=true), each decided in place.

import { get, ApiError, message } from '../api.js';
import { h, replace, announce, alertMsg, focusHeading } from '../dom.js';
import { eventLabel, stateLabel } from '../ref.js';
import { dateTime } from '../fmt.js';
import { proposalView, approvalForm } from '../approval.js';

export async function inboxPage(ctx) {
	ctx.title('法制审核待办');
	const list = h('ul.inbox');
	const summary = h('p.muted');
	replace(ctx.main, h('h1', '法制审核待办'), summary, list);
	focusHeading(ctx.main);

	async function load() {
		const r = await get('/cases', { pending: true, limit: 100 });
		if (!ctx.current())
			return;
		const items = r.data.items || [];
		summary.textContent = items.length ? `共 ${items.length} 件待审核${r.data.next_cursor ? '（仅显示前100件）' : ''}。` :
		    '没有待审核的提议。';
		replace(list, items.map(item));
	}

	function item(c) {
		const panelId = `review-${c.id}`;
		const panel = h('div.review', { id: panelId, hidden: true });
		const btn = h('button.primary', { type: 'button', 'aria-expanded': 'false', 'aria-controls': panelId },
		    `审核案件 #${c.id}`);
		const li = h('li.card', { dataset: { case: c.id } },
		    h('h2', h('a', { href: `#/cases/${c.id}` }, `案件 #${c.id}`), ` ${c.enterprise_name}`),
		    h('p', `提议：${eventLabel(c.pending)} · 当前状态：${c.state_label || stateLabel(c.state)} · ${c.region_name || c.region} · 更新于 ${dateTime(c.updated_at)}`),
		    h('p.problem', c.problem),
		    btn, panel);
		btn.addEventListener('click', async () => {
			if (!panel.hidden) {
				panel.hidden = true;
				btn.setAttribute('aria-expanded', 'false');
				return;
			}
			btn.disabled = true;
			try {
				await openReview(c.id, panel);
				panel.hidden = false;
				btn.setAttribute('aria-expanded', 'true');
				panel.querySelector('textarea, button')?.focus();
			} catch (e) {
				if (!(e instanceof ApiError && e.status === 401))
					alertMsg(message(e));
			} finally {
				btn.disabled = false;
			}
		});
		return li;
	}

	async function openReview(id, panel) {
		const [cr, ar] = await Promise.all([get(`/cases/${id}`), get(`/cases/${id}/actions`)]);
		const c = cr.data;
		c._etag = cr.etag || `"${c.version}"`;
		if (!c.pending) {
			replace(panel, h('p.muted', '该提议已被处理。'));
			return;
		}
		const view = proposalView(c, 'h3');
		if (ar.data.can_decide) {
			view.appendChild(approvalForm(c, {
				done: async (r, decision) => {
					announce(decision === 'approve' ?
					    `已批准案件 #${id} 的提议：${c.pending.label}。案件状态：${r.data.state_label || stateLabel(r.data.state)}。` :
					    `已驳回案件 #${id} 的提议：${c.pending.label}。`);
					await load();
					focusHeading(ctx.main);
				},
				stale: async (msg) => {
					alertMsg(msg);
					await load();
				},
			}));
		} else if (c.pending.by?.id === ctx.user.id) {
			view.appendChild(h('p.muted', '这是您本人提出的提议，须由其他法制审核人员审核。'));
		} else {
			view.appendChild(h('p.muted', '您不能审核此提议。'));
		}
		replace(panel, view);
	}

	await load();
}
