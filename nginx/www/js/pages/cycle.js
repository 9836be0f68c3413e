// pages/cycle.js: the campaign's reporting cycle (总结报送) -- the
// campaign's milestones, my region's stage or annual submission and my
// child regions' (submitted / late / returned / missing), each version
// with its download; the submit screen (preview of the form to be
// frozen, the summary, confirm) and the return of a child's submission
// with a reason.  Speaks only the public API (API.md Part 2, "The
// reporting cycle").

import { get, url, Change, ApiError, message } from '../api.js';
import {
	h, replace, field, input, textarea, select, announce, showProblem, busy,
	focusHeading, tableWrap,
} from '../dom.js';
import { campaigns } from '../ref.js';
import { dateTime, today } from '../fmt.js';
import { defaultCampaign } from './newcase.js';
import { headerRows } from './report.js';

const KINDS = [['annual', '全年工作总结（含附表）'], ['stage', '阶段性工作总结']];
const STATUS = {
	submitted: '已报送',
	late: '逾期报送',
	returned: '已退回',
	missing: '未报送',
};

function statusBadge(status) {
	return h('span.badge.sub-status', { dataset: { status } }, STATUS[status] || status);
}

/* The download links of one version. */
function downloads(id, version) {
	return h('span.sub-files',
	    h('a', { href: url(`/submissions/${id}`, { format: 'xlsx' }), download: `报送-${id}-v${version}.xlsx` },
		`第${version}版 Excel`),
	    ' · ',
	    h('a', { href: url(`/submissions/${id}`, { format: 'json' }), download: `报送-${id}-v${version}.json` },
		'JSON（含签名）'));
}

/* Every version of a row, oldest first, in a disclosure. */
function history(row) {
	const vs = row.versions || [];
	if (vs.length === 0)
		return null;
	return h('details.sub-history',
	    h('summary', `历次版本（${vs.length}）`),
	    h('ol', vs.map((v) => h('li',
		`第${v.version}版 ${v.state === 'returned' ? '已退回' : v.late ? '逾期报送' : '已报送'} `,
		h('span.muted', dateTime(v.submitted_at)), ' ',
		downloads(v.id, v.version),
		v.return_reason ? h('p.muted', `退回理由：${v.return_reason}`) : null))));
}

/* The form to return `row`'s standing submission, with a reason. */
function returnForm(row, done) {
	const change = new Change();
	const reason = textarea({ rows: 2 });
	const form = h('form.sub-return', { novalidate: true, 'aria-label': `退回${row.name}的报送` },
	    field('reason', '退回理由', reason, { required: true }),
	    h('div.actions', h('button.danger', { type: 'submit' }, '确认退回')));
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		busy(form, true);
		try {
			await change.send(`/submissions/${row.id}/return`, { reason: reason.value.trim() });
			announce(`已退回${row.name}的报送。`);
			done();
		} catch (err) {
			if (!(err instanceof ApiError && err.status === 401))
				showProblem(form, err.problem, message(err));
		} finally {
			busy(form, false);
		}
	});
	return form;
}

/* The submit screen: the date, the summary, a preview, confirm. */
function submitForm(ctx, campaignId, kind, done) {
	const change = new Change();
	const asOf = input({ type: 'date', max: today(), value: today() });
	const summary = textarea({ rows: 6 });
	const preview = h('div.sub-preview');
	const confirm = h('button.primary', { type: 'submit', disabled: true }, '确认报送');
	const look = h('button', { type: 'button' }, '预览报表');
	const form = h('form.card.sub-submit', { novalidate: true, 'aria-labelledby': 'sub-h' },
	    h('h2#sub-h', `报送本级${KINDS.find(([k]) => k === kind)[1]}`),
	    h('p.muted', '报送后报表即冻结并签名，不再随之后录入的数据变化；如需修改，须由上级退回后重新报送（新版本）。'),
	    field('as_of', '数据截至日期', asOf, { hint: '报表按该日结束时（北京时间）的数据生成' }),
	    field('summary', '工作总结', summary, { required: true }),
	    h('div.actions', look, ' ', confirm),
	    preview);
	const stale = () => {
		confirm.disabled = true;
	};
	asOf.addEventListener('change', stale);
	look.addEventListener('click', async () => {
		replace(preview, h('p.loading', '正在生成预览…'));
		try {
			const d = (await get(`/reports/campaign/${campaignId}`, { as_of: asOf.value, format: 'json' })).data;
			replace(preview,
			    h('h3', `预览：${d.region_name} 截至 ${d.as_of}`),
			    tableWrap('预览报表', h('table.report',
				h('caption.sr-only', '将要冻结的统计表'),
				h('thead', headerRows(d.columns || [])),
				h('tbody', (d.rows || []).map((row) => h('tr', { class: row[0] === '合计' ? 'total' : '' },
				    row.map((cell, i) => (i === 0 ? h('th', { scope: 'row' }, String(cell)) :
					h('td.num', String(cell ?? ''))))))))));
			confirm.disabled = false;
		} catch (err) {
			if (!(err instanceof ApiError && err.status === 401))
				showProblem(form, err.problem, message(err));
			replace(preview);
		}
	});
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		const body = { kind, summary: summary.value.trim() };
		if (asOf.value && asOf.value !== today())
			body.as_of = asOf.value;
		busy(form, true);
		try {
			const r = await change.send(`/campaigns/${campaignId}/submissions`, body);
			announce(`已报送（第${r.data.version}版${r.data.late ? '，逾期' : ''}）。`);
			done();
		} catch (err) {
			if (!(err instanceof ApiError && err.status === 401))
				showProblem(form, err.problem, message(err));
		} finally {
			busy(form, false);
		}
	});
	return form;
}

export async function cyclePage(ctx) {
	ctx.title('总结报送');
	const camps = await campaigns();
	if (!ctx.current())
		return;
	const coord = ctx.user.roles.includes('coordinator');
	const wanted = ctx.params.get('campaign') || defaultCampaign(camps);
	const camp = select(camps.map((c) => [String(c.id), c.label]), { value: wanted });
	const kind = select(KINDS, { value: ctx.params.get('kind') || 'annual' });
	const out = h('div#cycle-out');
	const form = h('form.filters', { 'aria-label': '选择报送' },
	    field('campaign', '专项行动', camp), field('kind', '报送类型', kind),
	    h('div.actions', h('button.primary', { type: 'submit' }, '查看')));
	replace(ctx.main, h('h1', '专项行动总结报送'), form, out);
	focusHeading(ctx.main);

	async function show() {
		const id = camp.value;
		const c = camps.find((x) => String(x.id) === String(id));
		if (!c) {
			replace(out, h('p.muted', '没有可选的专项行动。'));
			return;
		}
		replace(out, h('p.loading', '正在加载…'));
		const d = (await get(`/campaigns/${id}/submissions`, { kind: kind.value })).data;
		if (!ctx.current())
			return;
		const milestones = h('ul.sub-milestones',
		    [['开始', c.starts_on], ['完成风险排查', c.risk_investigation_by],
			['全面完成排查治理', c.governance_by], ['报送阶段性总结', c.stage_report_due],
			['报送全年总结及附表', c.annual_report_due]]
			.map(([k, v]) => h('li', h('strong', k), ` ${v || '未定'}`)));
		const rows = d.items || [];
		const own = rows.find((r) => r.own);
		const table = h('table.sub-table',
		    h('caption.sr-only', '本级及下级报送情况'),
		    h('thead', h('tr', ['地区', '状态', '版本', '报送时间', '数据截至', '操作'].map((t) => h('th', { scope: 'col' }, t)))),
		    h('tbody', rows.map((r) => {
			const actions = h('td.sub-actions',
			    r.id ? downloads(r.id, r.version) : null,
			    history(r));
			if (coord && !r.own && r.state === 'submitted') {
				const btn = h('button', { type: 'button', 'aria-expanded': 'false' }, '退回');
				btn.addEventListener('click', () => {
					btn.hidden = true;
					actions.appendChild(returnForm(r, show));
				});
				actions.appendChild(btn);
			}
			return h('tr', { class: r.own ? 'own' : '' },
			    h('th', { scope: 'row' }, `${r.name}${r.own ? '（本级）' : ''}`),
			    h('td', statusBadge(r.status),
				r.return_reason ? h('p.muted', `退回理由：${r.return_reason}`) : null),
			    h('td', r.version ? `第${r.version}版` : '—'),
			    h('td', r.submitted_at ? dateTime(r.submitted_at) : '—'),
			    h('td', r.as_of || '—'),
			    actions);
		    })));
		const mayFile = coord && own && (own.state === 'missing' || own.state === 'returned');
		replace(out,
		    h('section.card', { 'aria-labelledby': 'ms-h' }, h('h2#ms-h', '进度安排'), milestones),
		    h('section', { 'aria-labelledby': 'st-h' }, h('h2#st-h', '本级及下级报送情况'),
			tableWrap('报送情况', table)),
		    mayFile ? submitForm(ctx, id, kind.value, show) : null);
	}
	form.addEventListener('submit', (e) => {
		e.preventDefault();
		show().catch((err) => {
			if (!(err instanceof ApiError && err.status === 401))
				replace(out, h('p.form-error', message(err)));
		});
	});
	await show();
}
