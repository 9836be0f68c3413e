// pages/enterprises.js: finding enterprises (by name or code, by risk
// grade, those due for inspection) and registering one with its profile,
// the unified social credit code checked as it is typed (GB 32100-2015).

import { get, Change, ApiError, message } from '../api.js';
import { h, tableWrap, replace, field, input, select, textarea, showProblem, clearErrors, fieldError, busy, focusHeading, announce } from '../dom.js';
import { LICENCE_STATUS, GRADES, label } from '../ref.js';
import { areaChecks, accidentRows, gradeLabel } from '../profile.js';
import { check, normalize, checkChar } from '../uscc.js';
import { regionChooser } from '../region.js';

export async function enterprisesPage(ctx) {
	ctx.title('企业');
	const q = input({ type: 'search', value: ctx.params.get('q') || '', placeholder: '企业名称或统一社会信用代码' });
	const grade = select(GRADES.map(([g, l]) => [g, `${g}级（${l}）`]), { empty: '全部等级', value: ctx.params.get('grade') || '' });
	const due = h('input', { type: 'checkbox', checked: ctx.params.get('due_for_inspection') === 'true' });
	const form = h('form.filters', { role: 'search', 'aria-label': '查找企业' },
	    field('q', '关键词', q),
	    field('grade', '风险等级', grade),
	    field('due_for_inspection', '仅看到期须检查（反复查）', due),
	    h('div.actions', h('button.primary', { type: 'submit' }, '查找')));
	form.addEventListener('submit', (e) => {
		e.preventDefault();
		const u = new URLSearchParams();
		if (q.value.trim())
			u.set('q', q.value.trim());
		if (grade.value)
			u.set('grade', grade.value);
		if (due.checked)
			u.set('due_for_inspection', 'true');
		const s = u.toString();
		ctx.go(`/enterprises${s ? `?${s}` : ''}`);
	});
	const tbody = h('tbody');
	const summary = h('p.muted');
	const more = h('button', { type: 'button', hidden: true }, '加载更多');
	const officer = ctx.user.roles.includes('officer');
	replace(ctx.main,
	    h('div.page-head', h('h1', '企业'),
		officer || ctx.user.roles.includes('admin') ? h('a.button.primary', { href: '#/enterprises/new' }, '登记企业') : null),
	    form, summary,
	    tableWrap('企业列表', h('table.list',
		h('caption.sr-only', '企业'),
		h('thead', h('tr',
		    h('th', { scope: 'col' }, '企业名称'),
		    h('th', { scope: 'col' }, '统一社会信用代码'),
		    h('th', { scope: 'col' }, '地区'),
		    h('th', { scope: 'col' }, '风险等级'),
		    h('th', { scope: 'col' }, '下次检查'),
		    h('th', { scope: 'col' }, '生产许可证'),
		    h('th', { scope: 'col' }, 'CCC证书'),
		    officer ? h('th', { scope: 'col' }, '操作') : null)),
		tbody)),
	    h('div.actions', more));
	focusHeading(ctx.main);

	let cursor = null;
	let shown = 0;
	async function load() {
		const r = await get('/enterprises', {
			q: ctx.params.get('q') || '', grade: ctx.params.get('grade') || '',
			due_for_inspection: ctx.params.get('due_for_inspection') === 'true', cursor,
		});
		if (!ctx.current())
			return;
		for (const e of r.data.items || []) {
			const lic = (no, st) => (no ? `${no}${st ? `（${label(LICENCE_STATUS, st)}）` : ''}` : '—');
			tbody.appendChild(h('tr',
			    h('td', h('a', { href: `#/enterprises/${e.id}` }, e.name)),
			    h('td', h('code', e.uscc), e.uscc_overridden ? h('span.badge.pending', '历史代码') : null),
			    h('td', e.region_name || e.region),
			    h('td.nowrap', e.risk_grade ? h('span.grade', { dataset: { grade: e.risk_grade } }, gradeLabel(e.risk_grade)) : '—'),
			    h('td.nowrap', e.next_inspection_by || '—',
				e.due_for_inspection ? h('span.badge.overdue-badge', '到期') : null),
			    h('td', lic(e.production_licence, e.production_licence_status)),
			    h('td', lic(e.ccc_certificate, e.ccc_status)),
			    officer ? h('td', h('a', { href: `#/cases/new?enterprise=${e.id}` }, '登记案件')) : null));
			shown += 1;
		}
		cursor = r.data.next_cursor || null;
		more.hidden = !cursor;
		summary.textContent = shown ? `已显示 ${shown} 家企业${cursor ? '，还有更多' : ''}。` : '没有找到企业。';
	}
	more.addEventListener('click', () => load().catch((e) => announce(message(e))));
	await load();
}

export async function newEnterprisePage(ctx) {
	ctx.title('登记企业');
	const uscc = input({ maxlength: 24, autocapitalize: 'characters', spellcheck: 'false', class: 'mono' });
	const usccState = h('p.uscc-state', { id: 'uscc-state', 'aria-live': 'polite' });
	const name = input({ maxlength: 200 });
	const region = regionChooser('region', ctx.user, { required: true });
	const address = input({ maxlength: 500 });
	const licence = input({ maxlength: 64 });
	const ccc = input({ maxlength: 64 });
	const licenceStatus = select(LICENCE_STATUS, { empty: '未填' });
	const cccStatus = select(LICENCE_STATUS, { empty: '未填' });
	const licenceUntil = input({ type: 'date' });
	const cccUntil = input({ type: 'date' });
	const person = input({ maxlength: 100 });
	const phone = input({ type: 'tel', maxlength: 32, inputmode: 'tel' });
	const areas = areaChecks();
	const accidents = accidentRows();
	// A legacy code that fails only its check character: an administrator
	// may register it with a reason, which the service records.
	const isAdmin = ctx.user.roles.includes('admin');
	const overrideBox = h('input', { type: 'checkbox' });
	const overrideReason = textarea({ rows: 2, maxlength: 500 });
	const overrideSet = h('fieldset.card.note', { hidden: true },
	    h('legend', '历史代码登记（管理员）'),
	    h('p', '此代码仅校验码不符合 GB 32100。确属历史遗留代码的，可说明理由后登记；理由与登记人将被记录。'),
	    field('uscc_override', '确认按历史代码登记', overrideBox),
	    field('uscc_override_reason', '理由', overrideReason));
	// Characters 3-8 of a code are its registering authority's region:
	// registering it in another province needs a reason, kept with it.
	const mismatchReason = textarea({ rows: 2, maxlength: 500 });
	const mismatchSet = h('fieldset.card.note', { hidden: true },
	    h('legend', '跨省登记'),
	    h('p', '此代码第3至8位表明其登记管理机关不在所选地区所在的省份。确需在本地区登记的（如企业已迁入本地），请说明理由；理由将随企业记录保存。'),
	    field('region_mismatch_reason', '理由', mismatchReason));
	const mismatch = () => {
		const code = normalize(uscc.value);
		return /^[0-9]{2}$/.test(code.slice(2, 4)) && code.slice(2, 4) !== String(region.value()).slice(0, 2);
	};
	const onlyCheckWrong = (code) => code.length === 18 && checkChar(code.slice(0, 17)) !== null &&
	    checkChar(code.slice(0, 17)) !== code[17];
	const change = new Change();
	const usccField = field('uscc', '统一社会信用代码', uscc, { required: true, hint: '18位，字母不含 I、O、Z、S、V；输入时即时校验' });
	usccField.insertBefore(usccState, usccField.querySelector('.field-error'));
	uscc.setAttribute('aria-describedby', `${uscc.getAttribute('aria-describedby')} uscc-state`);

	function liveCheck() {
		const r = check(uscc.value);
		usccState.textContent = r.message;
		usccState.className = `uscc-state ${r.ok ? 'ok' : r.partial ? '' : 'bad'}`;
		if (r.ok || r.partial)
			uscc.removeAttribute('aria-invalid');
		else
			uscc.setAttribute('aria-invalid', 'true');
		usccField.querySelector('.field-error').textContent = '';
		overrideSet.hidden = !(isAdmin && onlyCheckWrong(normalize(uscc.value)));
		mismatchSet.hidden = !mismatch();
		return r;
	}
	uscc.addEventListener('input', liveCheck);
	uscc.addEventListener('blur', () => {
		const n = normalize(uscc.value);
		if (n !== uscc.value) {
			uscc.value = n;
			liveCheck();
		}
	});

	const result = h('div#ent-result');
	const form = h('form.card', { novalidate: true },
	    usccField, overrideSet,
	    field('name', '企业名称', name, { required: true }),
	    region.node, mismatchSet,
	    field('address', '地址', address),
	    h('div.grid2',
		field('legal_representative', '法定代表人', person),
		field('contact_phone', '联系电话', phone, { hint: '如 010-82262225' })),
	    h('div.grid2',
		field('production_licence', '生产许可证编号', licence),
		field('production_licence_status', '生产许可证状态', licenceStatus),
		field('licences[0].valid_until', '生产许可证有效期至', licenceUntil),
		field('ccc_certificate', 'CCC认证证书编号', ccc),
		field('ccc_status', 'CCC证书状态', cccStatus),
		field('licences[1].valid_until', 'CCC证书有效期至', cccUntil)),
	    areas.node,
	    accidents.node,
	    h('div.actions', h('button.primary', { type: 'submit' }, '登记企业'),
		h('a.button', { href: '#/enterprises' }, '返回')));
	form.addEventListener('change', () => {
		mismatchSet.hidden = !mismatch();
	});
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		clearErrors(form);
		replace(result);
		const code = normalize(uscc.value);
		const errors = [];
		const c = check(code);
		const override = isAdmin && overrideBox.checked && onlyCheckWrong(code);
		if (override && !overrideReason.value.trim())
			errors.push({ field: 'uscc_override_reason', message: '请说明按历史代码登记的理由' });
		if (!c.ok && !override)
			errors.push({ field: 'uscc', message: c.partial && code ? `统一社会信用代码不完整：${c.message}` : c.message });
		if (!name.value.trim())
			errors.push({ field: 'name', message: '请填写企业名称' });
		if (mismatch() && !mismatchReason.value.trim())
			errors.push({ field: 'region_mismatch_reason', message: '请说明在本地区登记外省代码的理由' });
		if (errors.length) {
			showProblem(form, { errors });
			return;
		}
		const body = { uscc: code, name: name.value.trim(), region: region.value() };
		if (address.value.trim())
			body.address = address.value.trim();
		if (licence.value.trim())
			body.production_licence = licence.value.trim();
		if (ccc.value.trim())
			body.ccc_certificate = ccc.value.trim();
		if (licenceStatus.value)
			body.production_licence_status = licenceStatus.value;
		if (cccStatus.value)
			body.ccc_status = cccStatus.value;
		// With a validity date, the licences as a list (their fields
		// say the same, the service keeps both in step).
		if ((licence.value.trim() && licenceUntil.value) || (ccc.value.trim() && cccUntil.value)) {
			body.licences = [];
			for (const [kind, no, st, until] of [['production', licence, licenceStatus, licenceUntil],
			    ['ccc', ccc, cccStatus, cccUntil]]) {
				if (!no.value.trim())
					continue;
				const l = { kind, number: no.value.trim() };
				if (st.value)
					l.status = st.value;
				if (until.value)
					l.valid_until = until.value;
				body.licences.push(l);
			}
		}
		if (person.value.trim())
			body.legal_representative = person.value.trim();
		if (phone.value.trim())
			body.contact_phone = phone.value.trim();
		if (areas.value().length)
			body.area_types = areas.value();
		if (accidents.count())
			body.accident_history = accidents.value();
		if (override)
			body.uscc_override_reason = overrideReason.value.trim();
		if (mismatch())
			body.region_mismatch_reason = mismatchReason.value.trim();
		busy(form, true);
		try {
			const r = await change.send('/enterprises', body);
			const id = r.data?.id ?? Number(String(r.location || '').split('/').pop());
			const msg = `已登记企业：${body.name}（${code}）。`;
			replace(result, h('div.card.success', { tabindex: '-1' },
			    h('p', msg),
			    h('p', h('a.button.primary', { href: `#/cases/new?enterprise=${id}` }, '为该企业登记案件'), ' ',
				h('a', { href: `#/enterprises/${id}` }, '查看企业档案'))));
			announce(msg);
			for (const i of [uscc, name, address, licence, ccc, licenceStatus, cccStatus, overrideReason,
			    mismatchReason, licenceUntil, cccUntil, person, phone])
				i.value = '';
			overrideBox.checked = false;
			for (const c of areas.node.querySelectorAll('input'))
				c.checked = false;
			accidents.node.querySelector('.rows').replaceChildren();
			overrideSet.hidden = true;
			mismatchSet.hidden = true;
			usccState.textContent = '';
			result.firstChild.focus();
		} catch (err) {
			if (err instanceof ApiError && err.status === 401)
				return;
			if (err instanceof ApiError && err.status === 409 && !err.problem?.errors?.length) {
				clearErrors(form);
				fieldError(form, 'uscc', '该统一社会信用代码已登记，不能重复登记');
				uscc.focus();
				return;
			}
			showProblem(form, err.problem, message(err));
		} finally {
			busy(form, false);
		}
	});
	replace(ctx.main, h('h1', '登记企业'), form, result);
	focusHeading(ctx.main);
}
