// region.js: choosing a region within the user's, level by level
// (province -> prefecture -> county), each level its own labelled select.

import { h, replace, select, nextId } from './dom.js';
import { childRegions, regionName } from './ref.js';

const LEVEL = { 1: '省级', 2: '地市级', 3: '区县级' };

/*
 * A cascading region chooser rooted at the user's region.  Returns
 * {node, value()}: the deepest region chosen (the user's own when none).
 * `any` adds "all" wording for filters.
 */
export function regionChooser(name, user, { label = '所属地区', required = false } = {}) {
	const errId = nextId('err');
	const levels = h('div.region-levels');
	const wrap = h('fieldset.field.region', { dataset: { field: name } },
	    h('legend', label, required ? h('span.req', { 'aria-hidden': 'true' }, ' *') : null),
	    levels, h('p.field-error', { id: errId }));
	const chosen = [user.region];

	async function addLevel(parent, depth) {
		const kids = await childRegions(parent);
		if (!kids.length)
			return;
		const own = depth === 0 ? (user.region_name || await regionName(user.region)) : '';
		const s = select(kids.map((r) => [r.code, r.name]), { empty: depth === 0 ? `${own}（不细分）` : '（不细分）', 'aria-describedby': errId });
		s.id = nextId('rg');
		const lab = h('label', { for: s.id }, LEVEL[kids[0].level] || levelName(parent));
		const box = h('div.region-level', lab, s);
		levels.appendChild(box);
		s.addEventListener('change', async () => {
			// Drop the levels below this one, then offer the next.
			while (box.nextSibling)
				box.nextSibling.remove();
			chosen.length = depth + 1;
			if (s.value) {
				chosen.push(s.value);
				await addLevel(s.value, depth + 1);
			}
		});
	}

	function levelName(parent) {
		if (parent === '000000')
			return LEVEL[1];
		return parent.slice(2) === '0000' ? LEVEL[2] : LEVEL[3];
	}

	replace(levels);
	addLevel(user.region, 0).catch(() => {
		levels.appendChild(h('p.muted', `本辖区（${user.region}）`));
	});
	return { node: wrap, value: () => chosen[chosen.length - 1] };
}
