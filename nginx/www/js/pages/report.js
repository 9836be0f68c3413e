// pages/report.js: the campaign's statistics form (附件统计表) as a
// table with the form's own header levels, and its CSV and XLSX files;
// below it, the cases counted by the seed's key problems and category.

import { get, url, ApiError, message } from '../api.js';
import { h, tableWrap, replace, field, select, focusHeading } from '../dom.js';
import { campaigns, regionName } from '../ref.js';
import { regionChooser } from '../region.js';
import { defaultCampaign } from './newcase.js';

/* The header rows for headings joined by '/', merged like the form. */
export function headerRows(columns) {
	const cols = columns.map((c) => String(c).split('/'));
	const depth = Math.max(...cols.map((c) => c.length));
	const rows = [];
	for (let level = 0; level < depth; level++) {
		const tr = h('tr');
		let i = 0;
		while (i < cols.length) {
			const segs = cols[i];
			if (segs.length <= level) {
				i++;
				continue;
			}
			if (level === segs.length - 1) {
				tr.appendChild(h('th', { scope: 'col', rowspan: depth - level > 1 ? depth - level : null }, segs[level]));
				i++;
				continue;
			}
			const prefix = segs.slice(0, level + 1).join('/');
			let j = i;
			while (j < cols.length && cols[j].length > level + 1 &&
			    cols[j].slice(0, level + 1).join('/') === prefix)
				j++;
			tr.appendChild(h('th', { scope: 'colgroup', colspan: j - i > 1 ? j - i : null }, segs[level]));
			i = j;
		}
		rows.push(tr);
	}
	return rows;
}

/* The cases of the campaign by key problem and category (a section). */
async function problemTypeReport(id, params) {
	const q = { campaign: id, ...params };
	let d;
	try {
		d = (await get('/reports/problem-types', { ...q, format: 'json' })).data;
	} catch (e) {
		if (e instanceof ApiError && e.status === 401)
			throw e;
		return h('p.muted', `暂时无法统计重点问题：${message(e)}`);
	}
	const cols = d.columns || [];
	return h('section.card.ptype-section', { 'aria-labelledby': 'pt-h' },
	    h('h2#pt-h', '重点问题分类统计'),
	    h('p.muted', `案件 ${d.cases} 起，其中标注了重点问题的 ${d.classified} 起；一起案件有几个问题类型即计几次。`),
	    h('p.downloads',
		h('a.button', { href: url('/reports/problem-types', { ...q, format: 'csv' }), download: `重点问题-${id}-${params.region}.csv` }, '重点问题统计 CSV'),
		' ',
		h('a.button', { href: url('/reports/problem-types', { ...q, format: 'xlsx' }), download: `重点问题-${id}-${params.region}.xlsx` }, '重点问题统计 Excel（XLSX）')),
	    tableWrap('重点问题分类统计表', h('table.ptype-table',
		h('caption.sr-only', '重点问题分类统计'),
		h('thead', h('tr', cols.map((c) => h('th', { scope: 'col' }, c)))),
		h('tbody', (d.rows || []).map((row) => h('tr', { class: row[0] === '合计' ? 'total' : '' },
		    row.map((cell, i) => (i === 0 ? h('th', { scope: 'row' }, String(cell)) :
			h('td', { class: i > 1 ? 'num' : '' }, String(cell))))))))));
}

export async function reportPage(ctx) {
	ctx.title('统计报表');
	const camps = await campaigns();
	if (!ctx.current())
		return;
	const wanted = ctx.params.get('campaign') || defaultCampaign(camps);
	const camp = select(camps.map((c) => [String(c.id), c.label]), { empty: camps.length ? null : '（无）', value: wanted });
	const region = regionChooser('region', ctx.user, { label: '统计范围' });
	const out = h('div#report-out');
	const form = h('form.filters', { 'aria-label': '选择报表' },
	    field('campaign', '专项行动', camp), region.node,
	    h('div.actions', h('button.primary', { type: 'submit' }, '生成报表')));
	replace(ctx.main, h('h1', '重点工业产品质量安全排查治理专项行动情况统计表'), form, out);
	focusHeading(ctx.main);

	async function show() {
		const id = camp.value;
		if (!id) {
			replace(out, h('p.muted', '没有可选的专项行动。'));
			return;
		}
		const params = { region: region.value() };
		replace(out, h('p.loading', '正在统计…'));
		let r;
		try {
			r = await get(`/reports/campaign/${encodeURIComponent(id)}`, { ...params, format: 'json' });
		} catch (e) {
			if (e instanceof ApiError && e.status === 401)
				return;
			replace(out, h('p.form-error', `无法生成报表：${message(e)}`));
			return;
		}
		if (!ctx.current())
			return;
		const d = r.data;
		const name = camps.find((c) => String(c.id) === String(id))?.label || id;
		const where = await regionName(d.region || params.region).catch(() => d.region);
		const links = h('p.downloads',
		    h('a.button', { href: url(`/reports/campaign/${encodeURIComponent(id)}`, { ...params, format: 'csv' }), download: `统计表-${id}-${params.region}.csv` }, '下载 CSV'),
		    ' ',
		    h('a.button', { href: url(`/reports/campaign/${encodeURIComponent(id)}`, { ...params, format: 'xlsx' }), download: `统计表-${id}-${params.region}.xlsx` }, '下载 Excel（XLSX）'));
		const body = (d.rows || []).map((row) => h('tr', { class: row[0] === '合计' ? 'total' : '' },
		    row.map((cell, i) => (i === 0 ? h('th', { scope: 'row' }, String(cell)) :
			h('td.num', cell === null || cell === undefined ? '' : String(cell))))));
		replace(out,
		    h('p', `${name} · 统计范围：${where}（${d.region || params.region}）`),
		    links,
		    tableWrap('统计表', h('table.report',
			    h('caption.sr-only', `${name}情况统计表`),
			    h('thead', headerRows(d.columns || [])),
			    h('tbody', body))),
		    await problemTypeReport(id, params));
	}
	form.addEventListener('submit', (e) => {
		e.preventDefault();
		show();
	});
	await show();
}
