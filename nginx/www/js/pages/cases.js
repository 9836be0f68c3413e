// pages/cases.js: the case list, its filters (kept in the URL so a list
// can be bookmarked and reloaded) and the count of cases per state.  An
// officer sees the cases they answer for first (assignee=me).

import { get, url, ApiError } from '../api.js';
import { h, tableWrap, replace, field, input, select, focusHeading } from '../dom.js';
import { workflow, categories, campaigns, regionsUnder, eventLabel, label } from '../ref.js';
import { dateTime, date, today } from '../fmt.js';

const FILTERS = ['state', 'category', 'region', 'campaign', 'overdue', 'lookback_due', 'assignee',
	'supervised', 'q'];

function filtersFrom(params) {
	const f = {};
	for (const k of FILTERS) {
		const v = params.get(k);
		if (v)
			f[k] = v;
	}
	return f;
}

function hashFor(f) {
	const u = new URLSearchParams();
	for (const k of FILTERS)
		if (f[k])
			u.set(k, f[k]);
	const s = u.toString();
	return `/cases${s ? `?${s}` : ''}`;
}

// Whether GET /cases/counts exists: unknown (undefined), yes, no.
let countsEndpoint;

/*
 * Cases per state for the filters (the state filter aside).  Uses
 * GET /cases/counts when the service has it; otherwise asks the list per
 * state and counts, up to 200 ("200+" beyond).  Returns {state: text}.
 */
async function stateCounts(states, f) {
	const base = { ...f };
	delete base.state;
	if (countsEndpoint !== false) {
		try {
			const r = await get('/cases/counts', base);
			countsEndpoint = true;
			const out = {};
			const c = r.data?.counts;
			if (Array.isArray(r.data?.items)) {
				for (const it of r.data.items)
					out[it.state] = String(it.count);
			} else if (c && typeof c === 'object') {
				for (const [k, v] of Object.entries(c))
					out[k] = String(v);
			}
			let total = r.data?.total;
			if (total === undefined)
				total = Object.values(out).reduce((a, b) => a + Number(b), 0);
			out[''] = String(total);
			return out;
		} catch (e) {
			if (!(e instanceof ApiError) || ![400, 404, 405].includes(e.status))
				throw e;
			countsEndpoint = false;
		}
	}
	const out = {};
	let sum = 0;
	let more = false;
	await Promise.all(states.map(async ([id]) => {
		const r = await get('/cases', { ...base, state: id, limit: 200 });
		const n = r.data.items.length;
		sum += n;
		more ||= Boolean(r.data.next_cursor);
		out[id] = r.data.next_cursor ? `${n}+` : String(n);
	}));
	out[''] = more ? `${sum}+` : String(sum);
	return out;
}

export async function casesPage(ctx) {
	ctx.title('案件列表');
	const f = filtersFrom(ctx.params);
	const [wf, cats, camps, regions] = await Promise.all([
		workflow(), categories(), campaigns(), regionsUnder(ctx.user),
	]);
	if (!ctx.current())
		return;
	const catName = Object.fromEntries(cats);

	const st = select(wf.states, { empty: '全部状态', value: f.state || '' });
	const cat = select(cats, { empty: '全部类别', value: f.category || '' });
	const reg = select(regions, { empty: '本辖区全部', value: f.region || '' });
	const camp = select(camps.map((c) => [String(c.id), c.label]), { empty: '全部专项行动', value: f.campaign || '' });
	const overdue = h('input', { type: 'checkbox', checked: f.overdue === 'true' });
	const lookback = h('input', { type: 'checkbox', checked: f.lookback_due === 'true' });
	const mine = h('input', { type: 'checkbox', checked: f.assignee === 'me' });
	const supervised = h('input', { type: 'checkbox', checked: f.supervised === 'true' });
	const q = input({ type: 'search', value: f.q || '', placeholder: '企业名称、统一社会信用代码或问题描述' });
	const form = h('form.filters', { role: 'search', 'aria-label': '筛选案件' },
	    field('state', '状态', st),
	    field('category', '产品类别', cat),
	    field('region', '地区', reg),
	    field('campaign', '专项行动', camp),
	    field('q', '关键词', q),
	    field('overdue', '仅看已逾期', overdue),
	    field('lookback_due', '仅看回头看到期', lookback),
	    ctx.user.roles.includes('officer') ? field('assignee', '仅看我负责的', mine) : null,
	    field('supervised', '仅看挂牌督办', supervised),
	    h('div.actions',
		h('button.primary', { type: 'submit' }, '筛选'),
		h('a.button', { href: '#/cases' }, '清除筛选')));
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		ctx.go(hashFor({
			state: st.value, category: cat.value, region: reg.value,
			campaign: camp.value, q: q.value.trim(),
			overdue: overdue.checked ? 'true' : '', lookback_due: lookback.checked ? 'true' : '',
			assignee: mine.checked ? 'me' : '', supervised: supervised.checked ? 'true' : '',
		}));
	});

	const countsNav = h('nav.counts', { 'aria-label': '按状态统计' }, h('p.muted', '正在统计…'));
	const tbody = h('tbody');
	const summary = h('p.muted', { id: 'list-summary' });
	const more = h('button', { type: 'button', hidden: true }, '加载更多');
	const table = h('table.list',
	    h('caption', '案件'),
	    h('thead', h('tr',
		h('th', { scope: 'col' }, '编号'),
		h('th', { scope: 'col' }, '企业'),
		h('th', { scope: 'col' }, '问题'),
		h('th', { scope: 'col' }, '产品类别'),
		h('th', { scope: 'col' }, '地区'),
		h('th', { scope: 'col' }, '状态'),
		h('th', { scope: 'col' }, '下一期限'),
		h('th', { scope: 'col' }, '回头看'),
		h('th', { scope: 'col' }, '更新时间'))),
	    tbody);

	// An officer's own cases first, when the list is not filtered.
	const mineSlot = h('div.mine-list');
	// The whole filtered list as a file (API.md Part 2 "Data exchange").
	const exports = h('p.downloads', { 'aria-label': '导出筛选结果' },
	    h('a.button', { href: url('/cases', { ...f, format: 'csv' }), download: '案件列表.csv' }, '导出 CSV'),
	    ' ',
	    h('a.button', { href: url('/cases', { ...f, format: 'xlsx' }), download: '案件列表.xlsx' }, '导出 Excel（XLSX）'));
	replace(ctx.main,
	    h('div.page-head',
		h('h1', '案件列表'),
		ctx.user.roles.includes('officer') ? h('a.button.primary', { href: '#/cases/new' }, '登记案件') : null),
	    mineSlot, form, exports, countsNav, summary,
	    tableWrap('案件列表', table), h('div.actions', more));
	focusHeading(ctx.main);

	let shown = 0;
	let cursor = null;
	async function load() {
		more.disabled = true;
		const r = await get('/cases', { ...f, cursor, limit: 50 });
		if (!ctx.current())
			return;
		for (const c of r.data.items) {
			const due = c.next_due ? h('span', { class: c.overdue ? 'overdue' : '' },
			    date(c.next_due), c.overdue ? ' 已逾期' : '') : '';
			tbody.appendChild(h('tr', { class: c.overdue ? 'row-overdue' : '' },
			    h('td', h('a', { href: `#/cases/${c.id}` }, `#${c.id}`)),
			    h('td', c.enterprise_name),
			    h('td', h('span.clip', c.problem)),
			    h('td', catName[c.category] || c.category_name || c.category),
			    h('td', c.region_name || c.region),
			    h('td', h('span.badge', { dataset: { state: c.state } }, c.state_label || label(wf.states, c.state)),
				c.pending ? h('span.badge.pending', `待审核：${eventLabel(c.pending)}`) : null,
				c.supervised ? h('span.badge', { dataset: { state: 'supervised' } }, '督办') : null,
				(c.assignees || []).includes(ctx.user.id) ? h('span.badge', '我负责') : null),
			    h('td.nowrap', due),
			    h('td.nowrap', c.lookback_on || '',
				c.state === 'closed' && c.lookback_on && c.lookback_on <= today() ?
				    h('span.badge.pending', '回头看到期') : null),
			    h('td.nowrap', dateTime(c.updated_at))));
		}
		shown += r.data.items.length;
		cursor = r.data.next_cursor;
		more.hidden = !cursor;
		more.disabled = false;
		summary.textContent = shown === 0 ? '没有符合条件的案件。' :
		    `已显示 ${shown} 件${cursor ? '，还有更多' : ''}。`;
	}
	more.addEventListener('click', () => load().catch(() => { more.disabled = false; }));

	const mineP = (async () => {
		if (!ctx.user.roles.includes('officer') || Object.keys(f).length)
			return;
		const r = await get('/cases', { assignee: 'me', limit: 10 });
		if (!ctx.current() || !r.data.items.length)
			return;
		replace(mineSlot, h('section.card', { 'aria-labelledby': 'mine-h' },
		    h('h2#mine-h', '我负责的案件'),
		    h('ul', r.data.items.map((c) => h('li',
			h('a', { href: `#/cases/${c.id}` }, `#${c.id} ${c.enterprise_name}`), ' ',
			h('span.badge', { dataset: { state: c.state } }, c.state_label || label(wf.states, c.state)),
			c.overdue ? h('span.overdue', ' 已逾期') : null,
			c.supervised ? h('span.badge', { dataset: { state: 'supervised' } }, '督办') : null))),
		    h('p', h('a', { href: '#/cases?assignee=me' }, '查看我负责的全部案件'))));
	})().catch(() => {});
	const countsP = stateCounts(wf.states, f).then((counts) => {
		if (!ctx.current())
			return;
		const link = (id, text) => {
			const cur = (f.state || '') === id;
			return h('li', h('a', {
				href: `#${hashFor({ ...f, state: id })}`,
				'aria-current': cur ? 'true' : null,
			}, text, ' ', h('span.count', counts[id] ?? '0')));
		};
		replace(countsNav, h('ul', link('', '全部'), wf.states.map(([id, l]) => link(id, l))));
	}).catch(() => replace(countsNav, h('p.muted', '暂时无法统计各状态数量。')));
	await Promise.all([load(), countsP, mineP]);
}
