// pages/selfinspections.js: the officers' view of enterprises'
// self-inspections (企业自查情况; API.md Part 2 "Enterprises as users"):
// a campaign's self-inspections in the user's region, with their
// results, and the region's enterprises that have not self-inspected
// yet (GET /self-inspections, GET /self-inspections/missing).

import { get } from '../api.js';
import { h, replace, field, select, tableWrap } from '../dom.js';
import { dateTime } from '../fmt.js';
import { campaigns } from '../ref.js';

export async function selfInspectionsPage(ctx) {
	ctx.title('企业自查情况');
	const camps = await campaigns();
	if (!ctx.current())
		return;
	const chosen = ctx.params.get('campaign_id') ||
	    String(camps.length ? camps[camps.length - 1].id : '');
	const camp = select(camps.map((x) => [String(x.id), x.label]), { value: chosen });
	camp.addEventListener('change', () => ctx.go(`/self-inspections?campaign_id=${camp.value}`));
	const q = { campaign_id: chosen, limit: 200 };
	const [done, missing] = await Promise.all([
		get('/self-inspections', q), get('/self-inspections/missing', q)]);
	if (!ctx.current())
		return;
	const items = done.data.items || [];
	const rows = items.slice().reverse().map((s) => h('tr', { dataset: { id: s.id } },
	    h('td', s.enterprise_name),
	    h('td', s.category_name),
	    h('td', `${s.items.length} 项，不合格 ${s.failed} 项`),
	    h('td', s.major_risk ? h('span.badge.overdue-badge', '重大风险') : '否'),
	    h('td', s.case_id ? h('a', { href: `#/cases/${s.case_id}` }, `案件 ${s.case_id}`) : '—'),
	    h('td', dateTime(s.submitted_at))));
	const table = h('table',
	    h('thead', h('tr', ['企业', '产品类别', '结果', '重大风险', '案件', '提交时间'].map((t) => h('th', { scope: 'col' }, t)))),
	    h('tbody', rows));
	const miss = missing.data.items || [];
	replace(ctx.main,
	    h('h1', { tabindex: '-1' }, '企业自查情况'),
	    h('form.card.filters', { novalidate: true }, field('campaign', '专项行动', camp)),
	    h('section', { 'aria-labelledby': 'si-h' }, h('h2#si-h', `已提交的自查（${items.length}）`),
		items.length ? tableWrap('已提交的自查', table) : h('p.muted', '本辖区尚无企业提交自查。')),
	    h('section', { 'aria-labelledby': 'miss-h' },
		h('h2#miss-h', `尚未自查的企业（${miss.length}${missing.data.next_cursor ? '+' : ''}）`),
		miss.length ? h('ul.missing', miss.map((e) => h('li', { dataset: { id: e.id } },
		    h('a', { href: `#/enterprises/${e.id}` }, e.name), ` ${e.uscc}`))) :
		    h('p.muted', '本辖区企业均已自查。')));
}
