// forms.js: the form for one workflow event, built from the event's
// `requires` (name, type date|text|money|bool|list|ids, Chinese label), and
// the rendering of a payload back into words for the timeline.

import { h, field, input, select, textarea, nextId, showProblem, clearErrors } from './dom.js';
import { fieldLabel, documentLabel, fieldOrder, enumLabel, eventFields } from './ref.js';
import { parseMoney, money, today } from './fmt.js';

// Text fields that hold a number or a name, not a paragraph: the
// workflow's fields say so (`line`); these when it does not.
const SHORT = new Set(['decision_no', 'receiving_organ', 'receipt_no']);
const MONEY_HINT = '单位：元，最多两位小数，例如 12500.00';

/* A list field: one input per item, items added and removed at will. */
function listControl(name, lab) {
	const items = h('ol.list-items');
	const wrap = h('fieldset.field.list', { dataset: { field: name } },
	    h('legend', lab, h('span.req', { 'aria-hidden': 'true' }, ' *')),
	    items);
	const errId = nextId('err');
	const add = (value = '') => {
		const n = items.children.length + 1;
		const inp = input({ value, 'aria-describedby': errId, dataset: { item: '1' } });
		const del = h('button.link', { type: 'button' }, '删除');
		const li = h('li', h('label', { for: inp.id = nextId('li') }, h('span.sr-only', `${lab} `), h('span.n', `第${n}项`)), inp, del);
		del.addEventListener('click', () => {
			const next = li.nextElementSibling || li.previousElementSibling;
			li.remove();
			renumber();
			(next?.querySelector('input') || addBtn).focus();
		});
		items.appendChild(li);
		return inp;
	};
	const renumber = () => {
		[...items.children].forEach((li, i) => {
			li.querySelector('label .n').textContent = `第${i + 1}项`;
			li.querySelector('.link').setAttribute('aria-label', `删除${lab}第${i + 1}项`);
		});
	};
	const addBtn = h('button', { type: 'button' }, `添加一项`);
	addBtn.setAttribute('aria-label', `添加一项${lab}`);
	addBtn.addEventListener('click', () => {
		add().focus();
		renumber();
	});
	add();
	renumber();
	wrap.append(addBtn, h('p.field-error', { id: errId }));
	return {
		node: wrap,
		value: () => [...items.querySelectorAll('input')].map((i) => i.value.trim()).filter(Boolean),
	};
}

/* The five documents of a transfer to the police, as a checklist. */
function documentsControl(name, lab, documents) {
	const errId = nextId('err');
	const boxes = documents.map(([id, l]) => {
		const cb = h('input', { type: 'checkbox', value: id, id: nextId('doc'), 'aria-describedby': errId });
		return h('li', cb, h('label', { for: cb.id }, l));
	});
	const wrap = h('fieldset.field.docs', { dataset: { field: name } },
	    h('legend', lab, '（须齐备以下材料）', h('span.req', { 'aria-hidden': 'true' }, ' *')),
	    h('ul.checklist', boxes), h('p.field-error', { id: errId }));
	return {
		node: wrap,
		value: () => [...wrap.querySelectorAll('input:checked')].map((c) => c.value),
	};
}

/*
 * An ids field (the assignees): a checklist of `candidates` ([{id,
 * display_name, username, region_name}]), those in `selected` ticked.
 */
function idsControl(name, lab, candidates, selected) {
	const errId = nextId('err');
	const boxes = candidates.map((c) => {
		const cb = h('input', { type: 'checkbox', value: String(c.id), id: nextId('id'), 'aria-describedby': errId,
			checked: selected.includes(c.id) });
		return h('li', cb, h('label', { for: cb.id }, `${c.display_name || c.username}（${c.region_name || c.region || ''}）`));
	});
	const wrap = h('fieldset.field.docs', { dataset: { field: name } },
	    h('legend', lab, h('span.req', { 'aria-hidden': 'true' }, ' *')),
	    candidates.length ? h('ul.checklist', boxes) : h('p.muted', '没有可选的人员。'),
	    h('p.field-error', { id: errId }));
	return {
		node: wrap,
		value: () => [...wrap.querySelectorAll('input:checked')].map((c) => Number(c.value)),
	};
}

/*
 * One control for one field: {node, value(), check()}.  A field the
 * caller gives `choices` for ([[value, label]]) is a select that may
 * stay empty, as every field may when `loose` (the correction: only
 * what is filled in is sent).
 */
function control(f, documents, candidates, selected, choices, loose) {
	const lab = f.label || fieldLabel(f.name);
	if (choices?.[f.name]) {
		const c = select(choices[f.name], { empty: '不更正' });
		return { node: field(f.name, lab, c), value: () => c.value || undefined, check: () => null };
	}
	if (loose && f.type === 'text') {
		const c = textarea();
		return { node: field(f.name, lab, c, { hint: '不更正则留空' }), value: () => c.value.trim() || undefined,
			check: () => null };
	}
	switch (f.type) {
	case 'date': {
		// min/max only guide the date picker (the form is novalidate):
		// the service judges "today" by its own calendar.
		const c = input({ type: 'date',
			min: f.when === 'future' ? today(1) : null,
			max: f.when === 'not_future' ? today() : null });
		const hint = f.when === 'future' ? '须晚于今天' : f.when === 'not_future' ? '不能晚于今天' : null;
		return { node: field(f.name, lab, c, { required: true, hint }), value: () => c.value,
			check: () => (c.value ? null : `请选择${lab}`) };
	}
	case 'money': {
		const c = input({ inputmode: 'decimal', placeholder: '0.00' });
		c.addEventListener('blur', () => {
			const m = parseMoney(c.value);
			if (m !== null)
				c.value = m;
		});
		return { node: field(f.name, lab, c, { required: true, hint: MONEY_HINT }),
			value: () => parseMoney(c.value) ?? c.value.trim(),
			check: () => (c.value.trim() === '' ? `请填写${lab}` :
			    parseMoney(c.value) === null ? '金额格式不正确：只能是数字，最多两位小数' : null) };
	}
	case 'bool': {
		const c = h('input', { type: 'checkbox' });
		return { node: field(f.name, lab, c), value: () => c.checked, check: () => null };
	}
	case 'ids': {
		const l = idsControl(f.name, lab, candidates || [], selected || []);
		return { node: l.node, value: l.value,
			check: () => (l.value().length ? null : `请至少选择一名${lab}`) };
	}
	case 'list': {
		const l = f.name === 'documents' ? documentsControl(f.name, lab, documents) : listControl(f.name, lab);
		return { node: l.node, value: l.value,
			check: () => (l.value().length ? null : f.name === 'documents' ? '请勾选移送材料' : `请至少填写一项${lab}`) };
	}
	default: {
		const c = f.line || SHORT.has(f.name) ? input() : textarea();
		return { node: field(f.name, lab, c, { required: true }), value: () => c.value.trim(),
			check: () => (c.value.trim() ? null : `请填写${lab}`) };
	}
	}
}

/*
 * The form for event `ev` ({id, label, requires, approval}).  `submit`
 * gets the payload and returns a promise; the form shows what it throws
 * through showProblem.  `cancel` closes it.  An ids field chooses among
 * `candidates`, `selected` ticked at first.  `choices` makes selects of
 * the fields it names; `loose`, the optional text fields optional here
 * too (the correction's).
 */
export function eventForm(ev, { documents, candidates, selected, choices, submit, cancel }) {
	const required = new Set((ev.requires || ev.fields || []).map((f) => (typeof f === 'string' ? f : f.name)));
	const controls = eventFields(ev).map((f) => [f.name, control(f, documents, candidates, selected, choices,
	    !!choices && !required.has(f.name))]);
	const title = h('h2', { id: nextId('h') }, ev.label);
	const form = h('form.card.event-form', { novalidate: true, 'aria-labelledby': title.id, dataset: { event: ev.id } },
	    title,
	    ev.approval ? h('p.note', '此操作须经法制审核：提交后成为待审核提议，由其他法制审核人员批准后生效。') : null,
	    controls.length ? null : h('p', '此操作无需填写内容。'),
	    controls.map(([, c]) => c.node),
	    h('div.actions',
		h('button.primary', { type: 'submit' }, ev.approval ? '提请法制审核' : '确认提交'),
		h('button', { type: 'button', onclick: cancel }, '取消')));
	form.addEventListener('keydown', (e) => {
		if (e.key === 'Escape') {
			e.preventDefault();
			cancel();
		}
	});
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		clearErrors(form);
		const errors = [];
		const payload = {};
		for (const [name, c] of controls) {
			const msg = c.check();
			if (msg)
				errors.push({ field: name, message: msg });
			payload[name] = c.value();
		}
		if (errors.length) {
			showProblem(form, { errors });
			return;
		}
		await submit(payload, form);
	});
	return form;
}

/*
 * Rows of a repeatable record, each a fieldset of fields made by
 * `make(init)` (returning [{name, node, value()}]); the error slots
 * follow each row's number (`${list}[${i}].${name}`), as the service
 * names them.  Returns {node, value(), changed()}.
 */
export function repeatRows(list, legend, noun, make, initial) {
	const box = h('div.rows');
	const listeners = [];
	const fire = () => listeners.forEach((fn) => fn());
	let touched = false;
	const renumber = () => {
		[...box.children].forEach((fs, i) => {
			fs.querySelector('legend').textContent = `第${i + 1}${noun}`;
			for (const f of fs.querySelectorAll('[data-col]'))
				f.dataset.field = `${list}[${i}].${f.dataset.col}`;
			fs.querySelector('button.link').setAttribute('aria-label', `删除第${i + 1}${noun}`);
		});
	};
	const add = (init = {}) => {
		const cols = make(init);
		const del = h('button.link', { type: 'button' }, '删除');
		const fs = h('fieldset.row-set', h('legend', ''), h('div.grid-row', cols.map((c) => {
			c.node.dataset.col = c.name;
			return c.node;
		})), del);
		fs._cols = cols;
		del.addEventListener('click', () => {
			touched = true;
			const next = fs.nextElementSibling || fs.previousElementSibling;
			fs.remove();
			renumber();
			fire();
			(next?.querySelector('input, select') || addBtn).focus();
		});
		box.appendChild(fs);
		renumber();
		return fs;
	};
	const addBtn = h('button', { type: 'button' }, `添加一${noun}`);
	addBtn.addEventListener('click', () => {
		touched = true;
		const fs = add();
		fire();
		fs.querySelector('input, select').focus();
	});
	for (const r of initial || [])
		add(r);
	const node = h('fieldset.field.rows-field', { dataset: { field: list } },
	    h('legend', legend), box, addBtn, h('p.field-error'));
	node.addEventListener('input', () => { touched = true; });
	node.addEventListener('change', () => {
		touched = true;
		fire();
	});
	return {
		node,
		value: () => [...box.children].map((fs) => Object.fromEntries(fs._cols
		    .map((c) => [c.name, c.value()]).filter(([, v]) => v !== '' && v !== null))),
		changed: () => touched,
		count: () => box.children.length,
		onChange: (fn) => listeners.push(fn),
	};
}

/* One column of a repeated row: {name, node, value()}. */
export const col = (name, lab, control) => ({ name, node: field(name, lab, control), value: () => control.value.trim() });

/* A payload value as words. */
function valueText(k, v) {
	if (v === true)
		return '是';
	if (v === false)
		return '否';
	if (Array.isArray(v))
		return v.map((x) => (k === 'documents' ? documentLabel(x) : String(x))).join('、');
	if (v && typeof v === 'object')
		return JSON.stringify(v);
	if (/amount$|_value$|_gain$/.test(k) && /^\d+(\.\d+)?$/.test(String(v)))
		return money(v);
	return enumLabel(k, v) ?? String(v ?? '');
}

/* A payload as a definition list (null when empty). */
export function payloadList(payload, skip = []) {
	const entries = Object.entries(payload || {}).filter(([k]) => !skip.includes(k))
	    .sort(([a], [b]) => fieldOrder(a) - fieldOrder(b));
	if (!entries.length)
		return null;
	return h('dl.payload', entries.map(([k, v]) => [h('dt', fieldLabel(k)), h('dd', valueText(k, v))]));
}
