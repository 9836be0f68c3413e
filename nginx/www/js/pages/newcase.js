// pages/newcase.js: registering a case (POST /cases), with the seed's key
// problems of its domain (problem_types) to count it by.

import { Change, ApiError, message } from '../api.js';
import { h, replace, field, select, textarea, showProblem, clearErrors, busy, flash, focusHeading, nextId } from '../dom.js';
import { categories, campaigns, problemTypes, MANUAL_SOURCES, DOMAINS, RISKS } from '../ref.js';
import { enterprisePicker } from '../picker.js';

/* The campaign of the current year if there is one, else the latest. */
export function defaultCampaign(camps) {
	const y = new Date().getFullYear();
	const c = camps.find((x) => Number(x.year) === y) ||
	    [...camps].sort((a, b) => Number(b.year) - Number(a.year))[0];
	return c ? String(c.id) : '';
}

export async function newCasePage(ctx) {
	ctx.title('登记案件');
	const [cats, camps, ptypes] = await Promise.all([categories(), campaigns(), problemTypes()]);
	if (!ctx.current())
		return;
	const ent = enterprisePicker('enterprise_id', { preset: ctx.params.get('enterprise') });
	const camp = select(camps.map((c) => [String(c.id), c.label]), { empty: '请选择', value: defaultCampaign(camps) });
	const cat = select(cats, { empty: '请选择' });
	const dom = select(DOMAINS, { empty: '请选择' });
	const src = select(MANUAL_SOURCES, { empty: '请选择' });
	const risk = select(RISKS, { empty: '未评定' });
	const problem = textarea({ rows: 5, maxlength: 4000 });
	// The key problems of the domain chosen, as checkboxes.
	const typesErr = nextId('err');
	const typesList = h('ul.checklist.inline-list');
	const typesHint = h('p.hint', '先选择领域，再勾选属于哪些重点问题（可不选）。');
	const types = h('fieldset.field', { dataset: { field: 'problem_types' } },
	    h('legend', '问题类型（重点问题）'), typesHint, typesList, h('p.field-error', { id: typesErr }));
	const drawTypes = () => {
		const mine = ptypes.filter((p) => p.domain === dom.value);
		typesHint.hidden = Boolean(dom.value);
		replace(typesList, mine.map((p) => {
			const cb = h('input', { type: 'checkbox', value: p.id, id: nextId('pt'), 'aria-describedby': typesErr });
			return h('li', cb, h('label', { for: cb.id }, p.label));
		}));
	};
	dom.addEventListener('change', drawTypes);
	drawTypes();
	const change = new Change();
	const form = h('form.card', { novalidate: true },
	    ent.node,
	    h('div.grid2',
		field('campaign_id', '专项行动', camp, { required: true }),
		field('category', '产品类别', cat, { required: true }),
		field('domain', '领域', dom, { required: true }),
		field('source', '问题来源', src, { required: true }),
		field('risk_level', '风险等级', risk)),
	    types,
	    field('problem', '问题描述', problem, { required: true }),
	    h('div.actions', h('button.primary', { type: 'submit' }, '登记案件'),
		h('a.button', { href: '#/cases' }, '取消')));
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		clearErrors(form);
		const body = {
			enterprise_id: ent.value(), campaign_id: Number(camp.value) || null,
			category: cat.value, domain: dom.value, source: src.value,
			problem: problem.value.trim(),
		};
		if (risk.value)
			body.risk_level = risk.value;
		const picked = [...typesList.querySelectorAll('input:checked')].map((c) => c.value);
		if (picked.length)
			body.problem_types = picked;
		const errors = [];
		const need = { enterprise_id: '请选择企业', campaign_id: '请选择专项行动', category: '请选择产品类别',
			domain: '请选择领域', source: '请选择问题来源', problem: '请填写问题描述' };
		for (const [k, m] of Object.entries(need))
			if (!body[k])
				errors.push({ field: k, message: m });
		if (errors.length) {
			showProblem(form, { errors });
			return;
		}
		busy(form, true);
		try {
			const r = await change.send('/cases', body);
			flash(`已登记案件 #${r.data.id}，状态：${r.data.state_label || '发现登记'}。`);
			ctx.go(`/cases/${r.data.id}`);
		} catch (err) {
			if (err instanceof ApiError && err.status === 401)
				return;
			showProblem(form, err.problem, message(err));
		} finally {
			busy(form, false);
		}
	});
	replace(ctx.main, h('h1', '登记案件'), form);
	focusHeading(ctx.main);
}
