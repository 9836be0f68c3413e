// pages/dashboard.js: the campaign as a coordinator runs it -- its two
// milestones, totals and clearance rate, by child region (a click on a
// region drills down), by category, and opened/closed per week
// (GET /dashboard).  Charts by Apache ECharts, served by nginx from
// /vendor/ (./run vendors it from npm; no CDN); each chart is also a
// table -- the regions' visibly, with the drill-down links, the others
// for screen readers -- and the charts themselves are hidden from them.
// Without the library the tables alone are shown.

import { get } from '../api.js';
import { h, replace, select, field, tableWrap, focusHeading } from '../dom.js';
import { campaigns } from '../ref.js';
import { dateTime } from '../fmt.js';

const MILESTONE = { met: '已达成', missed: '未达成', pending: '未到期' };
const COLORS = { closed: '#1a7f37', open: '#d4a72c', overdue: '#cf222e', opened: '#0b4f8a' };

let charts = [];
let echartsP = null;

/* The library, loaded once; null when it is not there. */
function library() {
	if (!echartsP)
		echartsP = import('/vendor/echarts.esm.min.js').catch((e) => {
			console.warn('ECharts is not available: tables only', e);
			echartsP = null;
			return null;
		});
	return echartsP;
}

function disposeCharts() {
	for (const c of charts)
		c.dispose();
	charts = [];
}

window.addEventListener('resize', () => {
	for (const c of charts)
		c.resize();
});

/* A chart's box: hidden from assistive technology (its table speaks). */
function chartBox(label, height) {
	return h('div.chart', { 'aria-hidden': 'true', dataset: { chart: label }, style: null },
	    h('div.chart-canvas', { dataset: { height: String(height) } }));
}

function sizeBox(box) {
	const c = box.firstChild;
	c.style.height = `${c.dataset.height}px`;
	return c;
}

/* A horizontal bar chart of open and closed per row, names on the axis. */
function barOption(rows, name) {
	return {
		animation: false,
		tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
		legend: { top: 0 },
		grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
		xAxis: { type: 'value', minInterval: 1 },
		yAxis: { type: 'category', inverse: true, data: rows.map(name), axisLabel: { width: 96, overflow: 'truncate' } },
		series: [
			{ name: '已办结', type: 'bar', stack: 'n', data: rows.map((r) => r.closed), itemStyle: { color: COLORS.closed } },
			{ name: '未办结', type: 'bar', stack: 'n', data: rows.map((r) => r.open), itemStyle: { color: COLORS.open } },
			{ name: '已逾期', type: 'bar', data: rows.map((r) => r.overdue), itemStyle: { color: COLORS.overdue } },
		],
	};
}

function weeklyOption(weeks) {
	return {
		animation: false,
		tooltip: { trigger: 'axis' },
		legend: { top: 0 },
		grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
		xAxis: { type: 'category', data: weeks.map((w) => w.week.slice(5)) },
		yAxis: { type: 'value', minInterval: 1 },
		series: [
			{ name: '新登记', type: 'line', data: weeks.map((w) => w.opened), itemStyle: { color: COLORS.opened } },
			{ name: '办结', type: 'line', data: weeks.map((w) => w.closed), itemStyle: { color: COLORS.closed } },
		],
	};
}

function pct(x) {
	return `${Number(x).toFixed(1)}%`;
}

export async function dashboardPage(ctx) {
	ctx.title('专项行动看板');
	disposeCharts();
	const params = {};
	for (const k of ['campaign', 'region'])
		if (ctx.params.get(k))
			params[k] = ctx.params.get(k);
	const [r, camps] = await Promise.all([get('/dashboard', params), campaigns()]);
	if (!ctx.current())
		return;
	const d = r.data;
	const hashFor = (p) => `/dashboard?${new URLSearchParams({ campaign: d.campaign_id, ...p })}`;

	// Where we are: from the top of the user's scope down to here.
	const path = d.path?.length ? d.path : [{ region: d.region, name: d.region_name }];
	const crumbs = h('p.crumbs', path.map((p, i) => [i > 0 ? ' › ' : null,
	    p.region === d.region ? h('strong', p.name) : h('a', { href: `#${hashFor({ region: p.region })}` }, p.name)]));

	const camp = select(camps.map((c) => [String(c.id), c.label]), { value: String(d.campaign_id) });
	camp.addEventListener('change', () => ctx.go(hashFor({ campaign: camp.value, region: d.region })));

	const milestones = h('ul.milestones', d.milestones.map((m) => h('li.card.milestone', { dataset: { status: m.status } },
	    h('h3', m.label),
	    h('p', h('span.badge.ms', { dataset: { status: m.status } }, MILESTONE[m.status] || m.status),
		` 期限 ${m.date || '未定'}`),
	    h('p.muted', m.cohort ? `期限前登记 ${m.cohort} 件，其中 ${m.unmet} 件${m.id === 'governance' ? '未按期办结' : '未按期确定处置措施'}` :
		'期限前没有登记的案件'))));
	const t = d.totals;
	const tiles = h('dl.tiles',
	    [['案件总数', t.cases], ['未办结', t.open], ['已办结', t.closed], ['已逾期', t.overdue],
		['清零率', pct(t.clearance_rate)], ['挂牌督办', t.supervised ?? 0]]
		.map(([k, v]) => h('div.tile', h('dt', k), h('dd', String(v)))));

	// By region: the visible table carries the drill-down links.
	const regionRows = d.by_region;
	const regionTable = h('table.list.dash-regions',
	    h('caption', `${d.region_name}各地区案件办理情况`),
	    h('thead', h('tr', ['地区', '案件', '未办结', '已逾期', '清零率', '挂牌督办']
		.map((x) => h('th', { scope: 'col' }, x)))),
	    h('tbody', regionRows.map((x) => h('tr',
		h('th', { scope: 'row' }, x.drill ? h('a', { href: `#${hashFor({ region: x.region })}` }, x.name) : x.name),
		h('td', String(x.cases)), h('td', String(x.open)),
		h('td', { class: x.overdue ? 'overdue' : '' }, String(x.overdue)),
		h('td', pct(x.clearance_rate)), h('td', String(x.supervised))))));
	const catTable = h('table.list',
	    h('caption', '各产品类别案件办理情况'),
	    h('thead', h('tr', ['产品类别', '案件', '未办结', '已逾期', '清零率'].map((x) => h('th', { scope: 'col' }, x)))),
	    h('tbody', d.by_category.map((x) => h('tr',
		h('th', { scope: 'row' }, x.name), h('td', String(x.cases)), h('td', String(x.open)),
		h('td', String(x.overdue)), h('td', pct(x.clearance_rate))))));
	const weekTable = h('table.list',
	    h('caption', '每周新登记与办结案件数'),
	    h('thead', h('tr', ['周（自周一起）', '新登记', '办结'].map((x) => h('th', { scope: 'col' }, x)))),
	    h('tbody', d.weekly.map((w) => h('tr',
		h('th', { scope: 'row' }, w.week), h('td', String(w.opened)), h('td', String(w.closed))))));

	const regionBox = chartBox('regions', Math.max(220, regionRows.length * 30 + 60));
	const catBox = chartBox('categories', Math.max(200, d.by_category.length * 30 + 60));
	const weekBox = chartBox('weekly', 280);

	replace(ctx.main,
	    h('div.page-head', h('h1', '专项行动看板'),
		h('form.inline-filter', { 'aria-label': '选择专项行动' }, field('campaign', '专项行动', camp))),
	    crumbs,
	    h('p.muted', `${d.campaign_name} · ${d.region_name} · 截至 ${dateTime(d.as_of)}`),
	    h('section', { 'aria-labelledby': 'ms-h' }, h('h2#ms-h', '节点目标'), milestones),
	    h('section.card', { 'aria-labelledby': 'tot-h' }, h('h2#tot-h', '总体情况'), tiles),
	    h('section.card', { 'aria-labelledby': 'rg-h' },
		h('h2#rg-h', '各地区'), regionBox,
		regionRows.some((x) => x.drill) ? h('p.hint', '点击图中或表中的地区，查看该地区的下级情况。') : null,
		tableWrap('各地区案件办理情况表', regionTable)),
	    h('section.card', { 'aria-labelledby': 'cat-h' },
		h('h2#cat-h', '各产品类别'), catBox, h('div.sr-only', catTable)),
	    h('section.card', { 'aria-labelledby': 'wk-h' },
		h('h2#wk-h', '每周进展'), weekBox, h('div.sr-only', weekTable)));
	focusHeading(ctx.main);

	const echarts = await library();
	if (!echarts || !ctx.current()) {
		for (const b of [regionBox, catBox, weekBox])
			b.hidden = true;
		return;
	}
	const draw = (box, option) => {
		const c = echarts.init(sizeBox(box), null, { renderer: 'canvas' });
		c.setOption(option);
		charts.push(c);
		return c;
	};
	const rc = draw(regionBox, barOption(regionRows, (x) => x.name));
	rc.on('click', (p) => {
		const x = regionRows[p.dataIndex];
		if (x && x.drill)
			ctx.go(hashFor({ region: x.region }));
	});
	draw(catBox, barOption(d.by_category, (x) => x.name));
	draw(weekBox, weeklyOption(d.weekly));
}
