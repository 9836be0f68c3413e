// pages/supervisions.js: 挂牌督办 -- the supervisions the user received
// (to report on) and issued (to close), a coordinator's form to issue
// one of a case or a region, and one supervision with its reports.

import { get, Change, ApiError, message } from '../api.js';
import {
	h, replace, field, input, textarea, select, announce, alertMsg, showProblem, busy,
	focusHeading, tableWrap,
} from '../dom.js';
import { regionChooser } from '../region.js';
import { dateTime, today } from '../fmt.js';

const DIRECTIONS = [['received', '我方承办'], ['issued', '我方发起'], ['', '全部']];
const STATES = [['open', '督办中'], ['closed', '已办结'], ['', '全部']];

function stateBadge(s) {
	return h('span.badge', { dataset: { state: s.state === 'closed' ? 'closed' : 'supervised' } },
	    s.state === 'closed' ? '已办结' : '督办中');
}

function targetText(s) {
	if (s.target === 'case')
		return `案件 #${s.case_id}${s.case?.enterprise_name ? `（${s.case.enterprise_name}）` : ''}`;
	return `地区：${s.region_name}`;
}

function isCoordinator(user) {
	return user.roles.includes('coordinator');
}

/* The coordinator's form to issue a supervision; prefilled from params. */
function issueForm(ctx, params) {
	const change = new Change();
	const caseId = params.get('case_id') || '';
	const target = select([['case', '案件'], ['region', '下级地区']], { value: 'case' });
	const caseInput = input({ inputmode: 'numeric', value: caseId, placeholder: '案件编号' });
	const region = regionChooser('region', ctx.user, { label: '督办地区（须为下级地区）' });
	const reason = textarea({ rows: 3 });
	const due = input({ type: 'date', min: today() });
	const caseField = field('case_id', '案件编号', caseInput, { required: true });
	const form = h('form.card.issue', { novalidate: true, 'aria-labelledby': 'issue-h' },
	    h('h2#issue-h', '发起挂牌督办'),
	    field('target', '督办对象', target),
	    caseField, region.node,
	    field('reason', '督办事由', reason, { required: true }),
	    field('due', '办结期限', due, { required: true }),
	    h('div.actions', h('button.primary', { type: 'submit' }, '挂牌督办')));
	const sync = () => {
		caseField.hidden = target.value !== 'case';
		region.node.hidden = target.value !== 'region';
	};
	target.addEventListener('change', sync);
	sync();
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		const body = { target: target.value, reason: reason.value.trim(), due: due.value };
		if (target.value === 'case')
			body.case_id = Number(caseInput.value.trim()) || caseInput.value.trim();
		else
			body.region = region.value();
		busy(form, true);
		try {
			const r = await change.send('/supervisions', body);
			announce(`已挂牌督办：${targetText(r.data)}。`);
			ctx.go(`/supervisions/${r.data.id}`);
		} catch (err) {
			if (!(err instanceof ApiError && err.status === 401))
				showProblem(form, err.problem, message(err));
		} finally {
			busy(form, false);
		}
	});
	return form;
}

export async function supervisionsPage(ctx) {
	ctx.title('挂牌督办');
	const coord = isCoordinator(ctx.user);
	const dir = ctx.params.get('direction') ?? (coord ? 'issued' : 'received');
	const st = ctx.params.get('state') ?? 'open';
	const nav = (key, list, cur, other) => h('ul', list.map(([v, l]) => h('li',
	    h('a', {
		href: `#/supervisions?${new URLSearchParams({ [key]: v, ...other })}`,
		'aria-current': v === cur ? 'true' : null,
	    }, l))));
	const tbody = h('tbody');
	const summary = h('p.muted');
	const table = h('table.list',
	    h('caption', '挂牌督办'),
	    h('thead', h('tr',
		h('th', { scope: 'col' }, '编号'),
		h('th', { scope: 'col' }, '督办对象'),
		h('th', { scope: 'col' }, '发起'),
		h('th', { scope: 'col' }, '事由'),
		h('th', { scope: 'col' }, '期限'),
		h('th', { scope: 'col' }, '进展报告'),
		h('th', { scope: 'col' }, '状态'))),
	    tbody);
	replace(ctx.main,
	    h('div.page-head', h('h1', '挂牌督办')),
	    coord && ctx.params.get('issue') ? issueForm(ctx, ctx.params) : null,
	    coord && !ctx.params.get('issue') ?
		h('p', h('a.button.primary', { href: '#/supervisions?issue=1' }, '发起挂牌督办')) : null,
	    h('nav.counts', { 'aria-label': '督办方向' }, nav('direction', DIRECTIONS, dir, { state: st })),
	    h('nav.counts', { 'aria-label': '督办状态' }, nav('state', STATES, st, { direction: dir })),
	    summary, tableWrap('挂牌督办列表', table));
	focusHeading(ctx.main);
	const r = await get('/supervisions', { direction: dir, state: st, limit: 100 });
	if (!ctx.current())
		return;
	for (const s of r.data.items) {
		tbody.appendChild(h('tr', { class: s.overdue ? 'row-overdue' : '' },
		    h('td', h('a', { href: `#/supervisions/${s.id}` }, `#${s.id}`)),
		    h('td', s.target === 'case' ? h('a', { href: `#/cases/${s.case_id}` }, targetText(s)) : targetText(s)),
		    h('td', s.issuer_region_name),
		    h('td', h('span.clip', s.reason)),
		    h('td.nowrap', s.due, s.overdue ? h('span.overdue', ' 已超期') : null),
		    h('td', String(s.report_count)),
		    h('td', stateBadge(s))));
	}
	summary.textContent = r.data.items.length ? `共 ${r.data.items.length} 项${r.data.next_cursor ? '（仅显示前100项）' : ''}。` :
	    '没有挂牌督办事项。';
}

export async function supervisionPage(ctx, idText) {
	const id = Number(idText);
	const r = await get(`/supervisions/${id}`);
	if (!ctx.current())
		return;
	const s = r.data;
	ctx.title(`挂牌督办 #${s.id}`);
	const facts = [
		['督办对象', s.target === 'case' ? h('a', { href: `#/cases/${s.case_id}` }, targetText(s)) : targetText(s)],
		['发起', `${s.issuer_region_name} · ${s.issued_by?.display_name || ''} · ${dateTime(s.created_at)}`],
		['督办事由', s.reason],
		['办结期限', [s.due, s.overdue ? h('span.overdue', ' 已超期') : null]],
		['状态', stateBadge(s)],
	];
	if (s.state === 'closed')
		facts.push(['办结结论', s.conclusion], ['办结', `${s.closed_by?.display_name || ''} · ${dateTime(s.closed_at)}`]);
	const reports = h('section.card', { 'aria-labelledby': 'rep-h' },
	    h('h2#rep-h', `进展报告（${s.reports?.length || 0}）`),
	    s.reports?.length ? h('ol.timeline', s.reports.map((p) => h('li',
		h('div.tl-meta', h('time', { datetime: p.at }, dateTime(p.at)), ' · ', p.by?.display_name || ''),
		h('p', p.text),
		p.file_ids?.length ? h('p.muted', `附件：${p.file_ids.map((f) => `#${f}`).join('、')}`) : null))) :
		h('p.muted', '尚无进展报告。'));

	const forms = [];
	if (s.state === 'open' && s.mine) {
		const text = textarea({ rows: 3 });
		const change = new Change();
		const f = h('form.card', { novalidate: true, 'aria-labelledby': 'rf-h' },
		    h('h2#rf-h', '报告进展'),
		    field('text', '进展情况', text, { required: true }),
		    h('div.actions', h('button.primary', { type: 'submit' }, '提交报告')));
		f.addEventListener('submit', async (e) => {
			e.preventDefault();
			busy(f, true);
			try {
				await change.send(`/supervisions/${id}/reports`, { text: text.value.trim() });
				announce('进展报告已提交。');
				await supervisionPage(ctx, idText);
			} catch (err) {
				if (!(err instanceof ApiError && err.status === 401))
					showProblem(f, err.problem, message(err));
			} finally {
				busy(f, false);
			}
		});
		forms.push(f);
	}
	if (s.closable) {
		const conclusion = textarea({ rows: 3 });
		const change = new Change();
		const f = h('form.card', { novalidate: true, 'aria-labelledby': 'cf-h' },
		    h('h2#cf-h', '办结督办'),
		    field('conclusion', '办结结论', conclusion, { required: true }),
		    h('div.actions', h('button.primary', { type: 'submit' }, '办结')));
		f.addEventListener('submit', async (e) => {
			e.preventDefault();
			busy(f, true);
			try {
				await change.send(`/supervisions/${id}/close`, { conclusion: conclusion.value.trim() }, s.version);
				announce('挂牌督办已办结。');
				await supervisionPage(ctx, idText);
			} catch (err) {
				if (err instanceof ApiError && [409, 412].includes(err.status)) {
					alertMsg(message(err));
					await supervisionPage(ctx, idText);
					return;
				}
				if (!(err instanceof ApiError && err.status === 401))
					showProblem(f, err.problem, message(err));
			} finally {
				busy(f, false);
			}
		});
		forms.push(f);
	}
	replace(ctx.main,
	    h('p.crumbs', h('a', { href: '#/supervisions' }, '挂牌督办'), ' › ', `#${s.id}`),
	    h('div.page-head', h('h1', `挂牌督办 #${s.id} `, h('span.sub', targetText(s)))),
	    h('div.case-grid',
		h('div.col',
		    h('section.card', { 'aria-labelledby': 'sf-h' }, h('h2#sf-h', '督办事项'),
			h('dl.facts', facts.map(([k, v]) => [h('dt', k), h('dd', v)]))),
		    forms),
		h('div.col', reports)));
	focusHeading(ctx.main);
}
