// profile.js: the enterprise profile's controls (API.md Part 2), shared
// by the registration form and the enterprise page -- the 重点领域 as
// checkboxes, licences and accidents as rows added and removed at will --
// and the risk grade with the reasons it was given.

import { h, input, select, nextId } from './dom.js';
import { repeatRows, col } from './forms.js';
import { AREA_TYPES, LICENCE_KINDS, LICENCE_STATUS, GRADES, label } from './ref.js';
import { date } from './fmt.js';

/* The area types as a checkbox list: {node, value()}. */
export function areaChecks(value = []) {
	const errId = nextId('err');
	const boxes = AREA_TYPES.map(([id, l]) => {
		const cb = h('input', { type: 'checkbox', value: id, id: nextId('area'),
			checked: value.includes(id), 'aria-describedby': errId });
		return h('li', cb, h('label', { for: cb.id }, l));
	});
	const node = h('fieldset.field', { dataset: { field: 'area_types' } },
	    h('legend', '所在重点领域（可多选）'), h('ul.checklist.inline-list', boxes),
	    h('p.field-error', { id: errId }));
	return { node, value: () => [...node.querySelectorAll('input:checked')].map((c) => c.value) };
}


/* Licences as rows: kind, number, status, valid from, valid until. */
export function licenceRows(initial = []) {
	return repeatRows('licences', '证照（生产许可证、CCC认证证书）', '张证照', (l) => [
		col('kind', '证照类型', select(LICENCE_KINDS, { value: l.kind || 'production' })),
		col('number', '证照编号', input({ maxlength: 64, value: l.number || '' })),
		col('status', '证照状态', select(LICENCE_STATUS, { empty: '未填', value: l.status || '' })),
		col('valid_from', '有效期起', input({ type: 'date', value: l.valid_from || '' })),
		col('valid_until', '有效期至', input({ type: 'date', value: l.valid_until || '' })),
	], initial);
}

/* Accidents as rows: the day and what happened. */
export function accidentRows(initial = []) {
	return repeatRows('accident_history', '发生过的质量安全事故', '起事故', (a) => [
		col('on', '事故日期', input({ type: 'date', value: a.on || '' })),
		col('summary', '事故概况', input({ maxlength: 500, value: a.summary || '' })),
	], initial);
}

/* accident_history as words, whichever form it was given in. */
export function accidentText(v) {
	if (v === true)
		return '发生过质量安全事故';
	if (v === false || v === null || v === undefined || (Array.isArray(v) && !v.length))
		return '无记录';
	if (typeof v === 'string')
		return v;
	return v.map((a) => `${a.on || ''} ${a.summary || ''}`.trim()).join('；');
}

export function gradeLabel(g) {
	return `${g}级（${label(GRADES, g)}）`;
}

/* The risk grade, its score and the factors that make it ("why D"). */
export function riskView(risk) {
	if (!risk)
		return h('p.muted', '尚未评定风险等级。');
	const factors = risk.factors || [];
	return h('div.risk',
	    h('p.risk-line',
		h('span.grade', { dataset: { grade: risk.grade } }, gradeLabel(risk.grade)),
		` 风险分 ${risk.score}`,
		risk.computed_at ? h('span.muted', `（评定于 ${date(risk.computed_at)}）`) : null),
	    h('p', '下次检查期限：', h('strong', risk.next_inspection_by || '—'),
		risk.due_for_inspection ? h('span.badge.overdue-badge', '已到期，须检查') : null,
		risk.inspect_within_days ? h('span.muted', `（${label(GRADES, risk.grade)}企业每 ${risk.inspect_within_days} 天至少检查一次）`) : null),
	    h('h3', `为什么是${risk.grade}级`),
	    factors.length ? h('ul.factors', factors.map((f) => h('li',
		h('span.pts', `+${f.points}`), ' ', f.label, f.on ? h('span.muted', `（${f.on}）`) : null))) :
		h('p.muted', '没有加分的风险因素。'));
}
