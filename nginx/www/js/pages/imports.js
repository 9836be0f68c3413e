// pages/imports.js: importing enterprises or activities from a CSV or
// XLSX file (API.md Part 2 "Data exchange"): the template to fill in,
// the upload, and -- when the service refuses the file -- every row's
// error in a table and as a CSV report.  All or nothing: a refused file
// leaves nothing behind.

import { get, url, upload, newKey, ApiError, message } from '../api.js';
import { h, tableWrap, replace, field, select, focusHeading, announce, alertMsg } from '../dom.js';
import { dateTime } from '../fmt.js';

const KINDS = [['enterprises', '企业'], ['activities', '排查抽查等工作记录']];

// The columns' Chinese, for the errors table (imports.c's headings).
const COLUMNS = {
	uscc: '统一社会信用代码', name: '企业名称', region: '行政区划代码', address: '地址',
	production_licence: '生产许可证编号', production_licence_status: '生产许可证状态',
	ccc_certificate: 'CCC证书编号', ccc_status: 'CCC证书状态',
	region_mismatch_reason: '异地登记理由', uscc_override_reason: '代码校验例外说明',
	kind: '活动类型', campaign_id: '专项行动编号', category: '产品类别', on: '日期',
	enterprise_id: '企业编号', domain: '领域', problems_found: '发现问题', batches: '批次',
	failed_batches: '不合格批次', summary: '风险信息摘要', problems_solved: '解决问题数',
	output_gain: '提升产值（元）',
};

/* Save a Blob under `name` through a temporary link (no navigation). */
function save(blob, name) {
	const href = URL.createObjectURL(blob);
	const a = h('a', { href, download: name, hidden: true });
	document.body.appendChild(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(href), 10000);
}

function errorsTable(errors) {
	return tableWrap('导入错误', h('table.list.import-errors',
	    h('caption', `共 ${errors.length} 处错误`),
	    h('thead', h('tr',
		h('th', { scope: 'col' }, '行号'),
		h('th', { scope: 'col' }, '列'),
		h('th', { scope: 'col' }, '问题'))),
	    h('tbody', errors.map((e) => h('tr',
		h('td.nowrap', e.row ? `第 ${e.row} 行` : '整个文件'),
		h('td', e.field ? (COLUMNS[e.field] ? `${COLUMNS[e.field]}（${e.field}）` : e.field) : ''),
		h('td', e.message))))));
}

export async function importsPage(ctx) {
	ctx.title('批量导入');
	const officer = ctx.user.roles.includes('officer');
	const kinds = officer ? KINDS : KINDS.slice(0, 1);
	const kind = select(kinds, { value: ctx.params.get('kind') || 'enterprises' });
	const templates = h('p.downloads');
	const file = h('input', { type: 'file', accept: '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
	const submit = h('button.primary', { type: 'submit' }, '导入');
	const out = h('div#import-out', { 'aria-live': 'polite' });
	const history = h('div#import-history');
	const form = h('form.card', { 'aria-label': '上传导入文件' },
	    field('kind', '导入内容', kind),
	    templates,
	    field('file', '文件（CSV 或 XLSX，不超过 10 MB、20000 行）', file,
		{ hint: 'CSV 可用 UTF-8 或 GB18030 编码；第一行为标题。全部行通过检查才会导入，否则一条也不导入。' }),
	    h('div.actions', submit));

	function drawTemplates() {
		const k = kind.value;
		const label = kinds.find(([id]) => id === k)?.[1] || k;
		replace(templates, '下载模板：',
		    h('a.button', { href: url('/imports/template', { kind: k, format: 'xlsx' }), download: `导入模板-${label}.xlsx` }, 'Excel（XLSX）'),
		    ' ',
		    h('a.button', { href: url('/imports/template', { kind: k, format: 'csv' }), download: `导入模板-${label}.csv` }, 'CSV'));
	}
	kind.addEventListener('change', drawTemplates);
	drawTemplates();

	// One Idempotency-Key per chosen file: a retry of the same file
	// after a network failure cannot import it twice.
	let key = null;
	file.addEventListener('change', () => {
		key = newKey();
		replace(out);
	});

	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const f = file.files[0];
		if (!f) {
			replace(out, h('p.field-error', { role: 'alert' }, '请选择要导入的文件。'));
			file.focus();
			return;
		}
		const k = kind.value;
		submit.disabled = true;
		replace(out, h('p.loading', '正在检查并导入…'));
		try {
			const r = await upload(`/imports?kind=${encodeURIComponent(k)}`, f, { key });
			replace(out, h('p.ok', { role: 'status' },
			    `已导入 ${r.data.created} 条（共 ${r.data.rows} 行），导入编号 #${r.data.id}。`));
			announce(`已导入 ${r.data.created} 条`);
			key = null;
			file.value = '';
			await drawHistory();
		} catch (e) {
			if (!(e instanceof ApiError))
				throw e;
			const errors = e.problem?.errors || [];
			const report = h('button', { type: 'button' }, '下载错误报告（CSV）');
			report.addEventListener('click', async () => {
				try {
					const r = await upload(`/imports/check?kind=${encodeURIComponent(k)}&format=csv`, f, { blob: true });
					save(r.data, `导入错误-${f.name.replace(/\.[^.]*$/, '')}.csv`);
				} catch (err) {
					alertMsg(message(err));
				}
			});
			replace(out,
			    h('p.field-error', { role: 'alert' },
				e.status === 413 ? '文件过大或行数过多（不超过 10 MB、20000 行），未导入。' :
				e.status === 415 ? '只能导入 CSV 或 XLSX 文件。' :
				errors.length ? `文件中有 ${errors.length} 处错误，未导入任何记录。请改正后重新上传。` : message(e)),
			    errors.length ? errorsTable(errors) : null,
			    errors.length ? h('div.actions', report) : null);
			alertMsg(errors.length ? `有 ${errors.length} 处错误，未导入` : message(e));
		} finally {
			submit.disabled = false;
		}
	});

	async function drawHistory() {
		const r = await get('/imports', { limit: 20 });
		if (!ctx.current())
			return;
		const label = Object.fromEntries(KINDS);
		replace(history, r.data.items.length === 0 ? h('p.muted', '本辖区还没有导入记录。') :
		    tableWrap('导入记录', h('table.list',
			h('caption', '最近的导入'),
			h('thead', h('tr',
			    h('th', { scope: 'col' }, '编号'),
			    h('th', { scope: 'col' }, '内容'),
			    h('th', { scope: 'col' }, '条数'),
			    h('th', { scope: 'col' }, '格式'),
			    h('th', { scope: 'col' }, '导入人'),
			    h('th', { scope: 'col' }, '时间'))),
			h('tbody', r.data.items.map((i) => h('tr',
			    h('td', `#${i.id}`),
			    h('td', label[i.kind] || i.kind),
			    h('td', String(i.created)),
			    h('td', `${i.format.toUpperCase()}（${i.encoding.toUpperCase()}）`),
			    h('td', i.created_by || ''),
			    h('td.nowrap', dateTime(i.created_at))))))));
	}

	replace(ctx.main, h('h1', '批量导入'), form, out, h('h2', '导入记录'), history);
	focusHeading(ctx.main);
	await drawHistory();
}
