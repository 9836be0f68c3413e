// pages/portal.js: the enterprise's own portal (企业端; API.md Part 2
// "Enterprises as users"), phone first: its tasks (整改期限 running and
// what is asked), one case (upload evidence with the camera, report the
// rectification), the self-inspection form, and what it has submitted.
// Also the first password change every new account must make.  Speaks
// only the public API; every list is the account's own (the service and
// row-level security see to it).

import { get, post, Change, ApiError, message, newKey } from '../api.js';
import { h, replace, field, input, textarea, select, showProblem, busy, flash, announce } from '../dom.js';
import { sendFile, size } from '../files.js';
import { dateTime, date } from '../fmt.js';
import { stateLabel, categories, campaigns } from '../ref.js';

const STAGES = {
	raw_materials: '原材料进货检验', process: '过程控制', outgoing: '出厂检验',
	equipment: '生产设备', testing: '检验设施',
};
const RESULT_LABELS = [['pass', '合格'], ['fail', '不合格'], ['na', '不适用']];
const KINDS = [['rectification_evidence', '整改证明材料'], ['self_inspection', '企业自查报告']];

/* "还剩 5 天" / "已逾期 2 天" for a deadline's due time. */
function remaining(due) {
	const days = Math.ceil((new Date(due).getTime() - Date.now()) / 86400000);
	return days >= 0 ? `还剩 ${days} 天` : `已逾期 ${-days} 天`;
}

/* The rectification deadline still running, or null. */
function runningDeadline(c) {
	return (c.deadlines || []).find((d) => d.kind === 'rectification' && !d.stopped_at) || null;
}

/* The last rectification order's measures and deadline. */
function lastOrder(c) {
	const o = (c.orders || []).filter((x) => x.event === 'order_rectification').pop();
	return o ? o.payload || {} : null;
}

/* ------------------------------------------------------------------ */
/* 修改密码                                                            */
/* ------------------------------------------------------------------ */

export async function passwordPage(ctx) {
	ctx.title('修改密码');
	const cur = input({ type: 'password', autocomplete: 'current-password' });
	const neu = input({ type: 'password', autocomplete: 'new-password' });
	const again = input({ type: 'password', autocomplete: 'new-password' });
	const form = h('form.card', { novalidate: true },
	    field('current', '当前密码（一次性密码）', cur, { required: true }),
	    field('new', '新密码', neu, { required: true, hint: '至少12个字符，不能包含用户名，不能是常见单词。' }),
	    field('again', '再次输入新密码', again, { required: true }),
	    h('div.actions', h('button.primary', { type: 'submit' }, '保存新密码')));
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const errors = [];
		if (!cur.value)
			errors.push({ field: 'current', message: '请输入当前密码' });
		if (!neu.value)
			errors.push({ field: 'new', message: '请输入新密码' });
		else if (neu.value !== again.value)
			errors.push({ field: 'again', message: '两次输入的新密码不一致' });
		if (errors.length) {
			showProblem(form, { errors });
			return;
		}
		busy(form, true);
		try {
			await post('/session/password', { current: cur.value, new: neu.value });
			const u = (await get('/session')).data;
			ctx.login(u);
			flash('新密码已生效。');
			ctx.go(ctx.home(), { replace: true });
		} catch (e) {
			showProblem(form, e instanceof ApiError ? e.problem : null, message(e));
		} finally {
			busy(form, false);
		}
	});
	replace(ctx.main,
	    h('h1', { tabindex: '-1' }, '修改密码'),
	    ctx.user.must_change_password ?
		h('p.hint', '首次登录请先设置您自己的密码，设置后才能使用系统。') : null,
	    form);
	cur.focus();
}

/* ------------------------------------------------------------------ */
/* 我的任务                                                            */
/* ------------------------------------------------------------------ */

function taskCard(c) {
	const dl = runningDeadline(c);
	const order = lastOrder(c);
	return h('li.card.task', { dataset: { id: c.id } },
	    h('h2', `案件 ${c.id}：${c.category_name || c.category}`),
	    h('p', h('span.badge', stateLabel(c.state)), ' ', c.problem),
	    dl ? h('p', { class: dl.overdue ? 'overdue' : '' },
		h('strong', '整改期限：'), `${date(dl.due_at)}（${remaining(dl.due_at)}）`) : null,
	    order ? h('p', h('strong', '整改要求：'), order.measures || '') : null,
	    h('p', h('a.button', { href: `#/portal/cases/${c.id}` },
		c.state === 'rectifying' ? '上传材料并报告整改' : '查看详情')));
}

export async function portalPage(ctx) {
	ctx.title('我的任务');
	const items = (await get('/cases', { limit: 100 })).data.items || [];
	if (!ctx.current())
		return;
	const open = items.filter((c) => c.state !== 'closed');
	replace(ctx.main,
	    h('h1', { tabindex: '-1' }, '我的任务'),
	    open.length === 0 ? h('p.muted', '目前没有需要处理的整改任务。') :
		h('ul.tasks', open.map(taskCard)),
	    h('p', h('a.button', { href: '#/portal/inspect' }, '开展企业自查')));
}

/* ------------------------------------------------------------------ */
/* 一件案件：上传整改材料、报告整改完成                                  */
/* ------------------------------------------------------------------ */

export async function portalCasePage(ctx, id) {
	ctx.title(`案件 ${id}`);
	let c = (await get(`/cases/${id}`)).data;
	if (!ctx.current())
		return;
	const filesSlot = h('div');
	const reportSlot = h('div');

	function drawFiles() {
		replace(filesSlot, (c.files || []).length === 0 ? h('p.muted', '尚未上传材料。') :
		    h('ul.my-files', c.files.map((f) => h('li', { dataset: { id: f.id } },
			`${f.name}（${(KINDS.find(([k]) => k === f.kind) || [])[1] || f.kind}，${size(f.size)}，${dateTime(f.uploaded_at)}）`))));
	}

	function uploadForm() {
		const kind = select(KINDS, { value: 'rectification_evidence' });
		const camera = h('input.file-input', { type: 'file', accept: 'image/jpeg,image/png', capture: 'environment' });
		const pick = h('input.file-input', { type: 'file', accept: 'image/jpeg,image/png,application/pdf' });
		const queue = h('ul.upload-queue', { 'aria-label': '上传进度' });
		const form = h('form.card.upload', { novalidate: true, 'aria-labelledby': 'up-h' },
		    h('h2#up-h', '上传整改材料'),
		    field('kind', '材料类别', kind),
		    field('camera', '拍照上传', camera),
		    field('files', '选择文件', pick, { hint: '照片或 PDF，单个文件不超过 50 MB。' }),
		    queue);
		form.addEventListener('submit', (e) => e.preventDefault());
		async function send(input) {
			for (const file of input.files) {
				const bar = h('progress', { max: 100, value: 0 });
				bar.setAttribute('aria-label', `${file.name} 上传进度`);
				const state = h('span.up-state', '正在上传');
				queue.appendChild(h('li', h('span.up-name', file.name), bar, state));
				try {
					await sendFile(c.id, kind.value, file, newKey(), (x) => {
						bar.value = Math.round(x * 100);
					});
					bar.value = 100;
					state.textContent = '已上传';
					announce(`已上传：${file.name}`);
				} catch (e) {
					state.textContent = `上传失败：${message(e)}`;
				}
			}
			input.value = '';
			c = (await get(`/cases/${c.id}`)).data;
			drawFiles();
		}
		camera.addEventListener('change', () => send(camera));
		pick.addEventListener('change', () => send(pick));
		return form;
	}

	function reportForm() {
		const text = textarea({ rows: 4 });
		const change = new Change();
		const form = h('form.card', { novalidate: true, 'aria-labelledby': 'rep-h' },
		    h('h2#rep-h', '报告整改完成'),
		    field('evidence', '整改情况说明', text, { required: true, hint: '说明已采取的整改措施；证明材料请在上方上传。' }),
		    h('div.actions', h('button.primary', { type: 'submit' }, '提交整改报告')));
		form.addEventListener('submit', async (e) => {
			e.preventDefault();
			if (!text.value.trim()) {
				showProblem(form, { errors: [{ field: 'evidence', message: '请填写整改情况' }] });
				return;
			}
			busy(form, true);
			try {
				const r = await change.send(`/cases/${c.id}/transitions`,
				    { event: 'report_rectification', payload: { evidence: text.value.trim() } }, c.version);
				c = r.data;
				announce('整改报告已提交，等待执法人员复查。');
				draw();
			} catch (err) {
				showProblem(form, err instanceof ApiError ? err.problem : null, message(err));
			} finally {
				busy(form, false);
			}
		});
		return form;
	}

	function draw() {
		const dl = runningDeadline(c);
		const orders = (c.orders || []).map((o) => h('li',
		    h('strong', o.event === 'order_rectification' ? '责令整改' : '我方报告整改'),
		    `（${dateTime(o.at)}）：`,
		    o.event === 'order_rectification' ?
			`${o.payload?.measures || ''}；期限 ${o.payload?.deadline || ''}` :
			o.payload?.evidence || ''));
		replace(reportSlot, c.state === 'rectifying' ? reportForm() : null);
		drawFiles();
		replace(ctx.main,
		    h('p', h('a', { href: '#/portal' }, '← 我的任务')),
		    h('h1', { tabindex: '-1' }, `案件 ${c.id}：${c.category_name || c.category}`),
		    h('section.card',
			h('p', h('strong', '状态：'), h('span.badge#case-state', stateLabel(c.state))),
			h('p', h('strong', '问题：'), c.problem),
			dl ? h('p', { class: dl.overdue ? 'overdue' : '' }, h('strong', '整改期限：'),
			    `${date(dl.due_at)}（${remaining(dl.due_at)}）`) : null,
			orders.length ? [h('h2', '整改要求与报告'), h('ul', orders)] : null),
		    h('section.card', h('h2', '我上传的材料'), filesSlot),
		    c.state === 'rectifying' ? uploadForm() : null,
		    reportSlot);
	}
	draw();
}

/* ------------------------------------------------------------------ */
/* 企业自查                                                            */
/* ------------------------------------------------------------------ */

export async function inspectPage(ctx) {
	ctx.title('企业自查');
	const [cats, camps] = await Promise.all([categories(), campaigns()]);
	if (!ctx.current())
		return;
	const camp = select(camps.map((x) => [String(x.id), x.label]),
	    { value: String(camps.length ? camps[camps.length - 1].id : '') });
	const cat = select(cats, { empty: '请选择产品类别' });
	const itemsSlot = h('fieldset.items', h('legend', '自查项目'), h('p.muted', '请先选择产品类别。'));
	const major = h('input', { type: 'checkbox' });
	const change = new Change();
	let rows = [];
	const form = h('form.card', { novalidate: true },
	    field('campaign_id', '专项行动', camp, { required: true }),
	    field('category', '产品类别', cat, { required: true }),
	    itemsSlot,
	    field('major_risk', '存在重大质量安全风险（将报告监管部门）', major),
	    h('div.actions', h('button.primary', { type: 'submit' }, '提交自查结果')));

	cat.addEventListener('change', async () => {
		if (!cat.value)
			return;
		const list = (await get('/checklists', { category: cat.value })).data.items || [];
		rows = list.map((it, i) => {
			const name = `r${it.id}`;
			const radios = RESULT_LABELS.map(([v, l]) => {
				const id = `${name}-${v}`;
				return h('span.radio', h('input', { type: 'radio', name, id, value: v, checked: v === 'pass' }),
				    h('label', { for: id }, l));
			});
			const note = input({ 'aria-label': `第${i + 1}项说明` });
			const node = h('div.item', { dataset: { item: it.id } },
			    h('p', h('span.muted', `${STAGES[it.stage] || it.stage} · `), it.label),
			    h('div.radios', { role: 'radiogroup', 'aria-label': `第${i + 1}项结果` }, radios),
			    note);
			return {
				node,
				value: () => {
					const r = node.querySelector('input[type=radio]:checked');
					const o = { id: it.id, result: r ? r.value : 'pass' };
					if (note.value.trim())
						o.note = note.value.trim();
					return o;
				},
			};
		});
		replace(itemsSlot, h('legend', '自查项目'), rows.map((r) => r.node));
	});
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		if (!cat.value || rows.length === 0) {
			showProblem(form, { errors: [{ field: 'category', message: '请选择产品类别' }] });
			return;
		}
		busy(form, true);
		try {
			const r = await change.send('/self-inspections', {
				campaign_id: Number(camp.value), category: cat.value,
				items: rows.map((x) => x.value()), major_risk: major.checked,
			});
			flash(r.data.case_id ? `自查结果已提交；重大风险已报告监管部门（案件 ${r.data.case_id}）。` :
			    '自查结果已提交。');
			ctx.go('/portal/history');
		} catch (e) {
			showProblem(form, e instanceof ApiError ? e.problem : null, message(e));
		} finally {
			busy(form, false);
		}
	});
	replace(ctx.main, h('h1', { tabindex: '-1' }, '企业自查'),
	    h('p.hint', '以原材料进货检验、过程控制、出厂检验为重点环节，以生产设备、检验设施为重点对象，逐项自查。'),
	    form);
}

/* ------------------------------------------------------------------ */
/* 自查记录                                                            */
/* ------------------------------------------------------------------ */

export async function historyPage(ctx) {
	ctx.title('自查记录');
	const items = (await get('/self-inspections', { limit: 100 })).data.items || [];
	if (!ctx.current())
		return;
	replace(ctx.main, h('h1', { tabindex: '-1' }, '自查记录'),
	    items.length === 0 ? h('p.muted', '尚无自查记录。') :
		h('ul.history', items.slice().reverse().map((s) => h('li.card', { dataset: { id: s.id } },
		    h('h2', `${s.category_name}（${dateTime(s.submitted_at)}）`),
		    h('p', `共 ${s.items.length} 项，不合格 ${s.failed} 项${s.major_risk ? '，已报告重大风险' : ''}`),
		    s.case_id ? h('p', h('a', { href: `#/portal/cases/${s.case_id}` }, `相关案件 ${s.case_id}`)) : null))),
	    h('p', h('a.button', { href: '#/portal/inspect' }, '新的自查')));
}
