// pages/referrals.js: work across regions (API.md Part 2, "Across
// regions") -- the referrals inbox (incoming to decide, outgoing to
// follow) with their decision deadlines, one referral with its accept and
// return forms, the 移送/追查 form of a case (the region chosen from the
// GB/T 2260 tree, the enterprise there looked up by its credit code), and
// the links panel of a case page.

import { get, Change, ApiError, message } from '../api.js';
import {
	h, replace, field, input, textarea, select, announce, alertMsg, showProblem, busy,
	focusHeading, tableWrap, nextId,
} from '../dom.js';
import { regionChooser } from '../region.js';
import { categories, stateLabel, label, DOMAINS } from '../ref.js';
import { normalize, check } from '../uscc.js';
import { dateTime } from '../fmt.js';

export const REFERRAL_KINDS = [
	['jurisdiction', '管辖移送'],
	['trace_upstream', '向上游追查（生产环节）'],
	['trace_downstream', '向下游追查（流通环节）'],
];
const REFERRAL_STATES = [['open', '待接收'], ['accepted', '已接收'], ['returned', '已退回']];
const LINK_KINDS = {
	referred_from: '由外地移送而来', referred_to: '已移送外地',
	related: '关联案件', duplicate_of: '重复案件（本案重复于）',
};
const DIRECTIONS = [['incoming', '移入本地'], ['outgoing', '本地移出'], ['', '全部']];
const STATES = [...REFERRAL_STATES, ['', '全部']];

function stateBadge(f) {
	return h('span.badge', { dataset: { state: f.state === 'open' ? 'supervised' : 'closed' } },
	    label(REFERRAL_STATES, f.state));
}

function due(f) {
	return [f.due, f.state === 'open' && f.overdue ? h('span.overdue', ' 已超期') : null];
}

/*
 * Look an enterprise up by its unified social credit code, anywhere:
 * {node, value(), chosen()} -- value() the id found (or `preset`).
 */
function usccLookup(name, { preset = null, legend = '企业（按统一社会信用代码查询）', required = false } = {}) {
	const code = input({ maxlength: 18, spellcheck: 'false', placeholder: '18位统一社会信用代码' });
	code.id = nextId('uscc');
	const find = h('button', { type: 'button' }, '查询');
	const out = h('div.lookup-result', { 'aria-live': 'polite' });
	const errId = nextId('err');
	let found = preset;
	if (preset)
		replace(out, h('p', `已选：${preset.name}（${preset.uscc}，${preset.region}）`));
	async function look() {
		const v = normalize(code.value);
		const ok = check(v);
		if (!ok.ok) {
			replace(out, h('p.field-error', ok.message || '统一社会信用代码格式或校验位不正确。'));
			return;
		}
		replace(out, h('p.muted', '正在查询…'));
		try {
			const r = await get('/enterprises/lookup', { uscc: v });
			found = r.data;
			replace(out, h('p', `已找到：${found.name}（${found.uscc}，行政区划 ${found.region}）`));
		} catch (e) {
			found = null;
			replace(out, h('p.field-error', e instanceof ApiError && e.status === 404 ?
			    '没有以该代码登记的企业。' : message(e)));
		}
	}
	find.addEventListener('click', look);
	code.addEventListener('keydown', (e) => {
		if (e.key === 'Enter') {
			e.preventDefault();
			look();
		}
	});
	const node = h('fieldset.field', { dataset: { field: name } },
	    h('legend', legend, required ? h('span.req', { 'aria-hidden': 'true' }, ' *') : null),
	    h('div.inline', h('label.sr-only', { for: code.id }, '统一社会信用代码'), code, find),
	    out, h('p.field-error', { id: errId }));
	return { node, value: () => found?.id ?? null };
}

/* ------------------------------------------------------------------ */
/* The inbox                                                          */
/* ------------------------------------------------------------------ */

export async function referralsPage(ctx) {
	ctx.title('跨区域移送');
	const dir = ctx.params.get('direction') ?? 'incoming';
	const st = ctx.params.get('state') ?? 'open';
	const nav = (key, list, cur, other) => h('ul', list.map(([v, l]) => h('li',
	    h('a', {
		href: `#/referrals?${new URLSearchParams({ [key]: v, ...other })}`,
		'aria-current': v === cur ? 'true' : null,
	    }, l))));
	const tbody = h('tbody');
	const summary = h('p.muted');
	const table = h('table.list',
	    h('caption', '移送与追查'),
	    h('thead', h('tr',
		h('th', { scope: 'col' }, '编号'),
		h('th', { scope: 'col' }, '移出地区'),
		h('th', { scope: 'col' }, '移入地区'),
		h('th', { scope: 'col' }, '类型'),
		h('th', { scope: 'col' }, '涉及企业'),
		h('th', { scope: 'col' }, '决定期限'),
		h('th', { scope: 'col' }, '状态'))),
	    tbody);
	replace(ctx.main,
	    h('div.page-head', h('h1', '跨区域移送')),
	    h('nav.counts', { 'aria-label': '移送方向' }, nav('direction', DIRECTIONS, dir, { state: st })),
	    h('nav.counts', { 'aria-label': '移送状态' }, nav('state', STATES, st, { direction: dir })),
	    summary, tableWrap('移送列表', table));
	focusHeading(ctx.main);
	const r = await get('/referrals', { direction: dir, state: st, limit: 100 });
	if (!ctx.current())
		return;
	for (const f of r.data.items) {
		tbody.appendChild(h('tr', { class: f.state === 'open' && f.overdue ? 'row-overdue' : '' },
		    h('td', h('a', { href: `#/referrals/${f.id}` }, `#${f.id}`)),
		    h('td', f.from_region_name),
		    h('td', f.to_region_name),
		    h('td', label(REFERRAL_KINDS, f.kind)),
		    h('td', f.enterprise?.name || f.origin?.enterprise_name || ''),
		    h('td.nowrap', due(f)),
		    h('td', stateBadge(f))));
	}
	summary.textContent = r.data.items.length ?
	    `共 ${r.data.items.length} 项${r.data.next_cursor ? '（仅显示前100项）' : ''}。` : '没有移送事项。';
}

/* ------------------------------------------------------------------ */
/* One referral: accept, return                                       */
/* ------------------------------------------------------------------ */

function acceptForm(ctx, f, cats, again) {
	const change = new Change();
	const ent = usccLookup('enterprise_id', { preset: f.enterprise, legend: '本地企业（按统一社会信用代码查询）', required: true });
	const cat = select(cats.map((c) => [c.id, c.name]), { empty: `沿用移出地区的类别（${f.origin?.category_name || ''}）` });
	const problem = textarea({ rows: 3, placeholder: f.origin?.problem || '' });
	const form = h('form.card', { novalidate: true, 'aria-labelledby': 'acc-h' },
	    h('h2#acc-h', '接收并立案'),
	    h('p.hint', '接收后将在本地区登记一件新案件（问题来源：外地移送），并与移出地区的案件关联。'),
	    ent.node,
	    field('category', '产品类别', cat),
	    field('problem', '问题描述（不填则沿用移出地区的描述）', problem),
	    h('div.actions', h('button.primary', { type: 'submit' }, '接收')));
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		const body = {};
		if (ent.value())
			body.enterprise_id = ent.value();
		if (cat.value)
			body.category = cat.value;
		if (problem.value.trim())
			body.problem = problem.value.trim();
		busy(form, true);
		try {
			const r = await change.send(`/referrals/${f.id}/accept`, body);
			announce(`已接收移送，新案件 #${r.data.case.id}。`);
			ctx.go(`/cases/${r.data.case.id}`);
		} catch (err) {
			if (err instanceof ApiError && err.status === 409) {
				alertMsg('该移送已被接收或退回。');
				await again();
				return;
			}
			if (!(err instanceof ApiError && err.status === 401))
				showProblem(form, err.problem, message(err));
		} finally {
			busy(form, false);
		}
	});
	return form;
}

function returnForm(f, again) {
	const change = new Change();
	const reason = textarea({ rows: 3 });
	const form = h('form.card', { novalidate: true, 'aria-labelledby': 'ret-h' },
	    h('h2#ret-h', '退回'),
	    field('reason', '退回理由', reason, { required: true }),
	    h('div.actions', h('button.danger', { type: 'submit' }, '退回')));
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		busy(form, true);
		try {
			await change.send(`/referrals/${f.id}/return`, { reason: reason.value.trim() });
			announce('已退回移送。');
			await again();
		} catch (err) {
			if (err instanceof ApiError && err.status === 409) {
				alertMsg('该移送已被接收或退回。');
				await again();
				return;
			}
			if (!(err instanceof ApiError && err.status === 401))
				showProblem(form, err.problem, message(err));
		} finally {
			busy(form, false);
		}
	});
	return form;
}

export async function referralPage(ctx, idText) {
	const id = Number(idText);
	const [r, cats] = await Promise.all([get(`/referrals/${id}`), categories()]);
	if (!ctx.current())
		return;
	const f = r.data;
	ctx.title(`移送 #${f.id}`);
	const again = () => referralPage(ctx, idText);
	const o = f.origin || {};
	const facts = [
		['类型', label(REFERRAL_KINDS, f.kind)],
		['移出地区', f.from_region_name],
		['移入地区', f.to_region_name],
		['移出案件', f.direction === 'outgoing' ? h('a', { href: `#/cases/${f.case_id}` }, `案件 #${f.case_id}`) : `案件 #${f.case_id}`],
		['移出案件企业', `${o.enterprise_name || ''}（${o.uscc || ''}）`],
		['产品类别', o.category_name || ''],
		['领域', label(DOMAINS, o.domain)],
		['问题描述', o.problem || ''],
		['移送理由', f.reason],
		['指明的本地企业', f.enterprise ? `${f.enterprise.name}（${f.enterprise.uscc}）` : '未指明'],
		['随附材料', f.file_ids.length ? f.file_ids.map((x) => h('a', { href: `/api/v1/files/${x}`, download: '' }, `文件 #${x} `)) : '无'],
		['发起', `${f.created_by?.display_name || ''} · ${dateTime(f.created_at)}`],
		['决定期限', due(f)],
		['状态', stateBadge(f)],
	];
	if (f.state !== 'open')
		facts.push(['决定', `${f.decided_by?.display_name || ''} · ${dateTime(f.decided_at)}`]);
	if (f.state === 'returned')
		facts.push(['退回理由', f.return_reason]);
	if (f.new_case_id)
		facts.push(['本地新案件', h('a', { href: `#/cases/${f.new_case_id}` }, `案件 #${f.new_case_id}`)]);
	const forms = f.can_decide ? [acceptForm(ctx, f, cats, again), returnForm(f, again)] : [];
	replace(ctx.main,
	    h('p.crumbs', h('a', { href: '#/referrals' }, '跨区域移送'), ' › ', `#${f.id}`),
	    h('div.page-head', h('h1', `移送 #${f.id} `, h('span.sub', `${f.from_region_name} → ${f.to_region_name}`))),
	    h('div.case-grid',
		h('div.col', h('section.card', { 'aria-labelledby': 'rf-h' }, h('h2#rf-h', '移送事项'),
		    h('dl.facts', facts.map(([k, v]) => [h('dt', k), h('dd', v)])))),
		h('div.col', forms)));
	focusHeading(ctx.main);
}

/* ------------------------------------------------------------------ */
/* 移送/追查 from a case                                              */
/* ------------------------------------------------------------------ */

export async function referPage(ctx, idText) {
	const id = Number(idText);
	const [c, files] = await Promise.all([get(`/cases/${id}`), get(`/cases/${id}/files`)]);
	if (!ctx.current())
		return;
	const kase = c.data;
	ctx.title(`移送/追查 案件 #${id}`);
	const change = new Change();
	const kind = select(REFERRAL_KINDS, { value: 'jurisdiction' });
	const region = regionChooser('to_region', { region: '000000', region_name: '全国' },
	    { label: '移入地区（按行政区划逐级选择）', required: true });
	const ent = usccLookup('enterprise_id');
	const reason = textarea({ rows: 3 });
	const boxes = (files.data.items || []).filter((x) => !x.withdrawn).map((x) => {
		const cb = h('input', { type: 'checkbox', value: String(x.id), id: nextId('rf') });
		return [cb, h('li', cb, h('label', { for: cb.id }, x.name))];
	});
	const form = h('form.card', { novalidate: true, 'aria-labelledby': 'refer-h' },
	    h('h2#refer-h', '移送/追查'),
	    field('kind', '类型', kind, { required: true }),
	    region.node,
	    ent.node,
	    field('reason', '移送理由', reason, { required: true }),
	    boxes.length ? h('fieldset.field', { dataset: { field: 'file_ids' } },
		h('legend', '随附证据材料（移入地区可查阅）'),
		h('ul.radio-list', boxes.map(([, li]) => li)), h('p.field-error')) : null,
	    h('div.actions', h('button.primary', { type: 'submit' }, '移送'),
		h('a.button', { href: `#/cases/${id}` }, '取消')));
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		const body = { case_id: id, kind: kind.value, to_region: region.value(), reason: reason.value.trim() };
		if (ent.value())
			body.enterprise_id = ent.value();
		const picked = boxes.filter(([cb]) => cb.checked).map(([cb]) => Number(cb.value));
		if (picked.length)
			body.file_ids = picked;
		busy(form, true);
		try {
			const r = await change.send('/referrals', body);
			announce(`已移送至${r.data.to_region_name}，请其于 ${r.data.due} 前决定。`);
			ctx.go(`/referrals/${r.data.id}`);
		} catch (err) {
			if (!(err instanceof ApiError && err.status === 401))
				showProblem(form, err.problem, message(err));
		} finally {
			busy(form, false);
		}
	});
	replace(ctx.main,
	    h('p.crumbs', h('a', { href: '#/cases' }, '案件列表'), ' › ',
		h('a', { href: `#/cases/${id}` }, `案件 #${id}`), ' › ', '移送/追查'),
	    h('div.page-head', h('h1', `移送/追查：案件 #${id} `, h('span.sub', kase.enterprise?.name || ''))),
	    form);
	focusHeading(ctx.main);
}

/* ------------------------------------------------------------------ */
/* A case's links                                                     */
/* ------------------------------------------------------------------ */

/* The links panel of case `c`; officers of the case may add one. */
export function linksPanel(c, user, { mine }) {
	const list = h('div', { 'aria-live': 'polite' }, h('p.muted', '正在加载关联案件…'));
	const section = h('section.card.links', { 'aria-labelledby': 'links-h' },
	    h('h2#links-h', '关联案件'), list);
	async function load() {
		let items;
		try {
			items = (await get(`/cases/${c.id}/links`)).data.items || [];
		} catch (e) {
			replace(list, h('p.form-error', `关联案件加载失败：${message(e)}`));
			return;
		}
		replace(list, items.length ? h('ul.links-list', items.map((l) => h('li',
		    h('span.badge', LINK_KINDS[l.kind] || l.kind), ' ',
		    h('a', { href: `#/cases/${l.case.id}` }, `案件 #${l.case.id}`),
		    ` ${l.case.enterprise_name}（${l.case.region}，${stateLabel(l.case.state)}）`))) :
		    h('p.muted', '没有关联案件。'));
	}
	if (mine && user.roles.includes('officer')) {
		const change = new Change();
		const kind = select([['related', '关联案件'], ['duplicate_of', '本案重复于']], { value: 'related' });
		const other = input({ inputmode: 'numeric', placeholder: '案件编号' });
		const form = h('form.inline-form', { novalidate: true },
		    field('kind', '关系', kind), field('case_id', '案件编号', other, { required: true }),
		    h('div.actions', h('button', { type: 'submit' }, '添加关联')));
		form.addEventListener('submit', async (e) => {
			e.preventDefault();
			busy(form, true);
			try {
				await change.send(`/cases/${c.id}/links`, { kind: kind.value, case_id: Number(other.value.trim()) || 0 });
				announce('已添加关联案件。');
				other.value = '';
				await load();
			} catch (err) {
				if (!(err instanceof ApiError && err.status === 401))
					showProblem(form, err.problem, message(err));
			} finally {
				busy(form, false);
			}
		});
		section.appendChild(form);
	}
	load();
	return section;
}
