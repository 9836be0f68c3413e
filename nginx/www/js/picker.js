// picker.js: choosing an enterprise -- a search box and the matches as
// radio buttons (plain keyboard use, announced by screen readers).

import { get, message } from './api.js';
import { h, replace, input, nextId } from './dom.js';

/*
 * An enterprise picker for field `name`.  Returns {node, value()}:
 * value() is the chosen enterprise's id (a number) or null.
 * `preset` is an enterprise id to show chosen.
 */
export function enterprisePicker(name, { preset, required = true, label = '企业' } = {}) {
	const q = input({ type: 'search', placeholder: '输入企业名称或统一社会信用代码' });
	const qId = q.id = nextId('ent-q');
	const find = h('button', { type: 'button' }, '查找企业');
	const results = h('div.picker-results', { 'aria-live': 'polite' });
	const errId = nextId('err');
	const group = nextId('ent');
	let chosen = null;

	function show(items, note) {
		if (!items.length) {
			replace(results, h('p.muted', note || '没有找到匹配的企业。'));
			return;
		}
		replace(results, h('ul.radio-list', items.map((e) => {
			const r = h('input', {
				type: 'radio', name: group, value: String(e.id), id: nextId('ent-r'),
				checked: chosen === e.id, 'aria-describedby': errId,
			});
			r.addEventListener('change', () => { chosen = e.id; });
			return h('li', r, h('label', { for: r.id }, `${e.name}（${e.uscc}）`,
			    e.region_name ? h('span.muted', ` ${e.region_name}`) : null));
		})));
		if (items.length === 1 && chosen === null) {
			chosen = items[0].id;
			results.querySelector('input').checked = true;
		}
	}

	async function search() {
		const term = q.value.trim();
		replace(results, h('p.muted', '正在查找…'));
		try {
			const r = await get('/enterprises', { q: term });
			show(r.data.items || []);
		} catch (e) {
			replace(results, h('p.field-error', message(e)));
		}
	}
	find.addEventListener('click', search);
	q.addEventListener('keydown', (e) => {
		if (e.key === 'Enter') {
			e.preventDefault();
			search();
		}
	});

	if (preset) {
		chosen = Number(preset);
		get(`/enterprises/${preset}`).then((r) => show([r.data]))
		    .catch((e) => replace(results, h('p.field-error', message(e))));
	}

	const node = h('fieldset.field.picker', { dataset: { field: name } },
	    h('legend', label, required ? h('span.req', { 'aria-hidden': 'true' }, ' *') : null),
	    h('div.inline', h('label.sr-only', { for: qId }, '查找企业'), q, find),
	    results,
	    h('p.hint', '找不到？', h('a', { href: '#/enterprises/new' }, '先登记企业')),
	    h('p.field-error', { id: errId }));
	return { node, value: () => chosen, focus: () => q.focus() };
}
