// pages/case.js: one case -- its facts, deadlines, pending proposal,
// evidence files, history, and a button for exactly each event GET
// /actions returns, each opening the form built from that event's
// required fields.

import { get, Change, ApiError, message } from '../api.js';
import { h, tableWrap, replace, announce, alertMsg, showProblem, busy, focusHeading } from '../dom.js';
import {
	workflow, categories, campaigns, problemTypes, stateLabel, eventLabel, label, SOURCES, DOMAINS, RISKS, ROLES, PHASES,
} from '../ref.js';
import { dateTime, money } from '../fmt.js';
import { eventForm, payloadList } from '../forms.js';
import { proposalView, approvalForm, r0etag } from '../approval.js';
import { filePanel } from '../files.js';
import { linksPanel } from './referrals.js';

async function loadCase(id) {
	// A case another region referred to it is read, not acted on: its
	// actions are that region's (404 here).
	const [c, a, ev] = await Promise.all([
		get(`/cases/${id}`),
		get(`/cases/${id}/actions`).catch((e) => {
			if (e instanceof ApiError && e.status === 404)
				return null;
			throw e;
		}),
		get(`/cases/${id}/events`),
	]);
	const kase = c.data;
	kase._etag = c.etag || `"${kase.version}"`;
	return {
		kase, mine: a !== null, actions: a ? a.data : { items: [] },
		events: ev.data.items || [],
	};
}

function facts(c, camps, ptypes) {
	const ptLabel = Object.fromEntries(ptypes.map((p) => [p.id, p.label]));
	const rows = [
		['企业', h('a', { href: `#/enterprises/${c.enterprise_id}` }, `${c.enterprise?.name || c.enterprise_name || ''}`)],
		['统一社会信用代码', c.enterprise?.uscc || ''],
		['所在地区', c.region_name || c.region],
		['产品类别', c.category_name || c.category],
		['领域', label(DOMAINS, c.domain)],
		['问题来源', label(SOURCES, c.source)],
		['问题类型', (c.problem_types || []).length ? c.problem_types.map((t) => ptLabel[t] || t).join('、') : '未分类'],
		['风险等级', c.risk_level ? label(RISKS, c.risk_level) : '未评定'],
		['专项行动', camps.find((x) => String(x.id) === String(c.campaign_id))?.label || String(c.campaign_id ?? '')],
		['问题描述', c.problem],
		['登记', `${dateTime(c.created_at)}${c.created_by ? `（${c.created_by}）` : ''}`],
		['承办人', (c.assignee_users || []).map((u) => u.display_name || u.username).join('、') || '—'],
		['回头看日期', c.lookback_on || '—'],
	];
	const f = c.facts || {};
	if (f.fine_amount)
		rows.push(['罚款金额', money(f.fine_amount)]);
	if (f.confiscation_amount)
		rows.push(['没收金额', money(f.confiscation_amount)]);
	if (f.case_value)
		rows.push(['案值', money(f.case_value)]);
	if (f.penalty_decided_at)
		rows.push(['处罚公示批准', dateTime(f.penalty_decided_at)]);
	if (f.judicial_transferred_at)
		rows.push(['移送司法机关', dateTime(f.judicial_transferred_at)]);
	if (f.discipline_transferred_at)
		rows.push(['移送纪检监察', dateTime(f.discipline_transferred_at)]);
	if (f.interviews)
		rows.push(['约谈次数', String(f.interviews)]);
	return h('section.card', { 'aria-labelledby': 'facts-h' },
	    h('h2#facts-h', '基本情况'),
	    h('dl.facts', rows.map(([k, v]) => [h('dt', k), h('dd', v)])));
}

function deadlines(c) {
	const list = c.deadlines || [];
	const body = list.length === 0 ? h('p.muted', '当前没有期限。') :
	    tableWrap('期限表', h('table.list',
		h('caption.sr-only', '期限'),
		h('thead', h('tr',
		    h('th', { scope: 'col' }, '期限'),
		    h('th', { scope: 'col' }, '起算'),
		    h('th', { scope: 'col' }, '届满'),
		    h('th', { scope: 'col' }, '状态'))),
		h('tbody', list.map((d) => {
			const status = d.stopped_at ? `已结束（${dateTime(d.stopped_at)}）` :
			    d.overdue ? '已逾期' : '进行中';
			return h('tr', { class: d.overdue ? 'row-overdue' : '' },
			    h('th', { scope: 'row' }, d.label || d.kind),
			    h('td', dateTime(d.basis_at)),
			    h('td', dateTime(d.due_at), d.calendar_known === false ? '（节假日安排未知，按已知日历计算）' : ''),
			    h('td', h('span', { class: d.overdue ? 'overdue' : d.stopped_at ? 'muted' : '' }, status)));
		}))));
	const overdue = list.filter((d) => d.overdue).length;
	return h('section.card', { 'aria-labelledby': 'dl-h' },
	    h('h2#dl-h', '期限', overdue ? h('span.badge.overdue-badge', ` ${overdue} 项已逾期`) : null),
	    body);
}

function timeline(events) {
	return h('section.card', { 'aria-labelledby': 'tl-h' },
	    h('h2#tl-h', '办理记录'),
	    h('ol.timeline', events.map((e) => {
		const phase = e.phase && e.phase !== 'applied' && e.phase !== 'created' ? `（${PHASES[e.phase] || e.phase}）` : '';
		const move = e.from && e.to && e.from !== e.to ?
		    `${stateLabel(e.from)} → ${stateLabel(e.to)}` : e.to && !e.from ? stateLabel(e.to) : '';
		return h('li', { dataset: { seq: e.seq, event: e.event, phase: e.phase || '' } },
		    h('div.tl-head',
			h('span.tl-seq', `第${e.seq}条`),
			h('strong', `${eventLabel(e.event)}${phase}`),
			move ? h('span.tl-move', move) : null),
		    h('div.tl-meta',
			h('time', { datetime: e.at }, dateTime(e.at)), ' · ',
			`${e.actor_name || e.actor}（${ROLES[e.role] || e.role}）`),
		    payloadList(e.payload, ['proposal_seq', 'enterprise_id', 'campaign_id']),
		    h('div.tl-hash', '哈希 ', h('code', String(e.hash || '').slice(0, 16))));
	})));
}

export async function casePage(ctx, idText) {
	const id = Number(idText);
	const [wf, , camps, ptypes] = await Promise.all([workflow(), categories(), campaigns(), problemTypes()]);
	let state = await loadCase(id);
	if (!ctx.current())
		return;

	async function reload(msg, { alert = false, focus = true } = {}) {
		try {
			state = await loadCase(id);
		} catch (e) {
			if (!(e instanceof ApiError && e.status === 401))
				alertMsg(message(e));
			return;
		}
		if (!ctx.current())
			return;
		draw();
		if (focus)
			focusHeading(ctx.main);
		if (msg)
			(alert ? alertMsg : announce)(msg);
	}

	function draw() {
		const { kase: c, actions, events, mine } = state;
		ctx.title(`案件 #${c.id}`);
		const formSlot = h('div#action-form');
		const buttons = (actions.items || []).map((ev) => {
			const b = h('button', { type: 'button', dataset: { event: ev.id }, 'aria-expanded': 'false', 'aria-controls': 'action-form' },
			    ev.label || eventLabel(ev.id));
			b.addEventListener('click', () => open(ev, b));
			return b;
		});
		async function open(ev, btn) {
			for (const b of buttons)
				b.setAttribute('aria-expanded', String(b === btn));
			// Who may answer for the case: the assign form's choices.
			let candidates = [];
			if (ev.id === 'assign') {
				try {
					candidates = (await get(`/cases/${c.id}/assignable`)).data.items || [];
				} catch (e) {
					if (!(e instanceof ApiError && e.status === 401))
						alertMsg(message(e));
					return;
				}
			}
			const change = new Change();
			const close = () => {
				replace(formSlot);
				btn.setAttribute('aria-expanded', 'false');
				btn.focus();
			};
			// A correction: the registration facts as choices.
			const choices = ev.id === 'correct' ? {
				category: await categories(), domain: DOMAINS, source: SOURCES, risk_level: RISKS,
			} : null;
			const form = eventForm(ev, {
				documents: wf.documents,
				candidates,
				selected: c.assignees || [],
				choices,
				cancel: close,
				submit: async (payload, f) => {
					busy(f, true);
					try {
						const r = await change.send(`/cases/${c.id}/transitions`,
						    { event: ev.id, payload }, r0etag(c));
						await reload(r.status === 202 ?
						    `已提请法制审核：${ev.label}。案件状态在批准后变更。` :
						    `已完成：${ev.label}。案件状态：${r.data.state_label || stateLabel(r.data.state)}。`);
					} catch (e) {
						if (e instanceof ApiError && e.status === 401)
							return;
						if (e instanceof ApiError && (e.status === 412 || e.status === 409 || e.status === 404)) {
							await reload(message(e), { alert: true });
							return;
						}
						showProblem(f, e.problem, message(e));
					} finally {
						busy(f, false);
					}
				},
			});
			replace(formSlot, form);
			const first = form.querySelector('input, textarea, select');
			(first || form.querySelector('button')).focus();
		}

		const overdue = (c.deadlines || []).some((d) => d.overdue);
		const head = h('div.page-head',
		    h('h1', `案件 #${c.id} `, h('span.sub', c.enterprise?.name || '')),
		    h('p.state-line',
			'当前状态：', h('span.badge', { id: 'case-state', dataset: { state: c.state } }, c.state_label || stateLabel(c.state)),
			c.pending ? h('span.badge.pending', '有待审核的提议') : null,
			overdue ? h('span.badge.overdue-badge', '已逾期') : null,
			c.supervised ? h('a.badge', { href: `#/supervisions/${c.supervision_id}`, dataset: { state: 'supervised' } }, '挂牌督办中') : null,
			(c.assignees || []).includes(ctx.user.id) ? h('span.badge', '我负责') : null,
			h('span.muted', ` 版本 ${c.version}`)));
		const canSupervise = ctx.user.roles.includes('coordinator') && !c.supervised &&
		    c.region !== ctx.user.region;
		const actionSection = h('section.card', { 'aria-labelledby': 'act-h' },
		    h('h2#act-h', '可办理事项'),
		    canSupervise ? h('p', h('a.button', { href: `#/supervisions?issue=1&case_id=${c.id}` }, '挂牌督办此案件')) : null,
		    mine && ctx.user.roles.includes('officer') ?
			h('p', h('a.button', { href: `#/cases/${c.id}/refer`, id: 'refer-link' }, '移送/追查（跨地区）')) : null,
		    !mine ? h('p.muted', '此案件由本地区移送，现由移入地区办理；您可以查阅，不能办理。') : null,
		    buttons.length ? h('div.action-buttons', buttons) :
			h('p.muted', c.pending ? '有待法制审核的提议，审核完成前不能办理其他事项。' : '您当前不能对此案件办理任何事项。'),
		    formSlot);
		let approval = null;
		if (c.pending) {
			approval = proposalView(c);
			if (actions.can_decide) {
				approval.appendChild(approvalForm(c, {
					done: (r, decision) => reload(decision === 'approve' ?
					    `已批准：${c.pending.label}。案件状态：${r.data.state_label || stateLabel(r.data.state)}。` :
					    `已驳回：${c.pending.label}。`),
					stale: (msg) => reload(msg, { alert: true }),
				}));
			} else if (ctx.user.roles.includes('legal') && c.pending.by?.id === ctx.user.id) {
				approval.appendChild(h('p.muted', '这是您本人提出的提议，须由其他法制审核人员审核。'));
			}
		}
		// An expired, suspended or revoked licence: on every case (issue 21).
		const alerts = c.enterprise?.licence_alerts || [];
		// A new file may complete a proposal's documents: reload the case
		// (not the panel, which reloads itself) only when one is pending.
		const files = filePanel(c, ctx.user, wf.fileKinds || [], {
			changed: () => (c.pending ? reload(null, { focus: false }) : null),
		});
		replace(ctx.main,
		    h('p.crumbs', h('a', { href: '#/cases' }, '案件列表'), ' › ', `案件 #${c.id}`),
		    head,
		    alerts.length ? h('div.card.licence-alert', { role: 'note' }, h('strong', '企业证照异常：'),
			alerts.map((a) => h('span', a.message, ' '))) : null,
		    h('div.case-grid',
			h('div.col', approval, actionSection, files, facts(c, camps, ptypes),
			    linksPanel(c, ctx.user, { mine }), deadlines(c)),
			h('div.col', timeline(events))));
	}

	draw();
	focusHeading(ctx.main);
}
