// pages/activities.js: the counted work that is not a case -- risk
// investigations, spot checks, risk information, risk monitoring and
// technical assistance (POST /activities), and the recent ones.

import { get, Change, ApiError, message } from '../api.js';
import { h, tableWrap, replace, field, input, select, textarea, showProblem, clearErrors, busy, focusHeading, announce } from '../dom.js';
import { categories, campaigns, ACTIVITY_KINDS, DOMAINS, CHANNELS, RESULTS, label } from '../ref.js';
import { repeatRows, col } from '../forms.js';
import { today, parseMoney, money } from '../fmt.js';
import { enterprisePicker } from '../picker.js';
import { regionChooser } from '../region.js';
import { defaultCampaign } from './newcase.js';

const MONEY_HINT = '单位：元，最多两位小数';

/* The kind's own fields: [{name, node, value(), check()}]. */
function kindFields(kind, user) {
	const out = [];
	const count = (name, lab, min, hint) => {
		const c = input({ type: 'number', min, step: 1, inputmode: 'numeric' });
		out.push({ name, node: field(name, lab, c, { required: true, hint }),
			value: () => (c.value === '' ? null : Number(c.value)),
			check: () => (c.value === '' || !Number.isInteger(Number(c.value)) || Number(c.value) < min ?
			    `请填写不小于${min}的整数` : null) });
		return c;
	};
	const ent = (required) => {
		const p = enterprisePicker('enterprise_id', { required, label: required ? '企业' : '企业（可不填）' });
		out.push({ name: 'enterprise_id', node: p.node, value: p.value,
			check: () => (required && !p.value() ? '请选择企业' : null), optional: !required });
	};
	const domain = () => {
		const s = select(DOMAINS, { empty: '请选择' });
		out.push({ name: 'domain', node: field('domain', '领域', s, { required: true }), value: () => s.value,
			check: () => (s.value ? null : '请选择领域') });
	};
	const region = () => {
		const r = regionChooser('region', user, { required: true });
		out.push({ name: 'region', node: r.node, value: r.value, check: () => null });
	};
	switch (kind) {
	case 'inspection': {
		ent(true);
		domain();
		const b = h('input', { type: 'checkbox' });
		out.push({ name: 'problems_found', node: field('problems_found', '发现问题', b), value: () => b.checked, check: () => null });
		break;
	}
	case 'spot_check': {
		ent(true);
		domain();
		const ch = select(CHANNELS, { empty: '未填' });
		out.push({ name: 'channel', node: field('channel', '抽查渠道', ch), value: () => ch.value || undefined,
			check: () => null });
		// The batches one by one; given, they are the counts.
		const items = batchRows();
		const batches = count('batches', '抽查批次', 1);
		const failed = count('failed_batches', '不合格批次', 0);
		const byItems = () => items.count() > 0;
		const counted = out.filter((f) => f.name === 'batches' || f.name === 'failed_batches');
		const sync = () => {
			const v = items.value();
			for (const [c, n] of [[batches, v.length], [failed, v.filter((i) => i.result === 'fail').length]]) {
				c.disabled = byItems();
				if (byItems())
					c.value = String(n);
			}
		};
		items.onChange(sync);
		for (const f of counted) {
			const plain = f.value;
			const check = f.check;
			f.value = () => (byItems() ? undefined : plain());
			f.check = () => (byItems() ? null : check());
		}
		out.push({ name: 'items', node: items.node, value: () => (byItems() ? items.value() : undefined),
			check: () => (byItems() && items.value().some((i) => !i.product) ? '每一批都要填写产品名称' : null),
			cross: () => (!byItems() && Number(failed.value) > Number(batches.value) ?
			    { field: 'failed_batches', message: '不合格批次不能多于抽查批次' } : null) });
		break;
	}
	case 'risk_info': {
		region();
		const s = textarea({ rows: 3 });
		out.push({ name: 'summary', node: field('summary', '风险信息摘要', s, { required: true }), value: () => s.value.trim(),
			check: () => (s.value.trim() ? null : '请填写风险信息摘要') });
		ent(false);
		break;
	}
	case 'risk_monitoring':
		region();
		count('batches', '监测产品批次', 1);
		count('problems_found', '发现质量问题（个）', 0);
		break;
	case 'assistance': {
		ent(true);
		count('problems_solved', '解决质量问题（个）', 0);
		const m = input({ inputmode: 'decimal', placeholder: '0.00' });
		out.push({ name: 'output_gain', node: field('output_gain', '帮助企业提升产值（元）', m, { required: true, hint: MONEY_HINT }),
			value: () => parseMoney(m.value) ?? m.value.trim(),
			check: () => (parseMoney(m.value) === null ? '金额格式不正确：只能是数字，最多两位小数' : null) });
		break;
	}
	default:
		break;
	}
	return out;
}

/*
 * A spot check's batches: product, model, batch number, standard, result,
 * failed test items (separated by 、 or commas), report number, lab.
 */
function batchRows() {
	const r = repeatRows('items', '逐批检验结果（填写后按批次自动计算抽查批次和不合格批次）', '批', () => {
		const failedItems = input({ maxlength: 1000, placeholder: '如：3天抗压强度、安定性' });
		return [
			col('product', '产品名称', input({ maxlength: 200 })),
			col('model', '规格型号', input({ maxlength: 200 })),
			col('batch_no', '生产批号', input({ maxlength: 200 })),
			col('standard', '检验依据（标准）', input({ maxlength: 200 })),
			col('result', '检验结论', select(RESULTS, { value: 'pass' })),
			{ name: 'failed_items', node: field('failed_items', '不合格项目', failedItems),
				value: () => failedItems.value.split(/[、,，;；]/).map((x) => x.trim()).filter(Boolean) },
			col('report_no', '检验报告编号', input({ maxlength: 200 })),
			col('lab', '检验机构', input({ maxlength: 200 })),
		];
	});
	const value = r.value;
	// An empty list of failed items is no value.
	r.value = () => value().map((i) => {
		const o = { ...i };
		if (Array.isArray(o.failed_items) && !o.failed_items.length)
			delete o.failed_items;
		return o;
	});
	return r;
}

export async function activitiesPage(ctx) {
	ctx.title('排查抽查等工作');
	const [cats, camps] = await Promise.all([categories(), campaigns()]);
	if (!ctx.current())
		return;
	const canWrite = ctx.user.roles.some((r) => r === 'officer' || r === 'admin');
	const kind = select(ACTIVITY_KINDS, { empty: '请选择' });
	const camp = select(camps.map((c) => [String(c.id), c.label]), { empty: '请选择', value: defaultCampaign(camps) });
	const cat = select(cats, { empty: '请选择' });
	const on = input({ type: 'date', value: today() });
	const slot = h('div.kind-fields');
	let extra = [];
	kind.addEventListener('change', () => {
		extra = kindFields(kind.value, ctx.user);
		replace(slot, extra.map((f) => f.node));
	});
	const change = new Change();
	const form = h('form.card', { novalidate: true, 'aria-labelledby': 'act-new-h' },
	    h('h2#act-new-h', '录入工作'),
	    h('div.grid2',
		field('kind', '工作类型', kind, { required: true }),
		field('campaign_id', '专项行动', camp, { required: true }),
		field('category', '产品类别', cat, { required: true }),
		field('on', '日期', on, { required: true })),
	    slot,
	    h('div.actions', h('button.primary', { type: 'submit' }, '保存')));
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		clearErrors(form);
		const errors = [];
		if (!kind.value)
			errors.push({ field: 'kind', message: '请选择工作类型' });
		if (!camp.value)
			errors.push({ field: 'campaign_id', message: '请选择专项行动' });
		if (!cat.value)
			errors.push({ field: 'category', message: '请选择产品类别' });
		if (!on.value)
			errors.push({ field: 'on', message: '请选择日期' });
		const body = { kind: kind.value, campaign_id: Number(camp.value), category: cat.value, on: on.value };
		for (const f of extra) {
			const m = f.check();
			if (m)
				errors.push({ field: f.name, message: m });
			const x = f.cross?.();
			if (x)
				errors.push(x);
			const v = f.value();
			if (f.name && v !== undefined && v !== null && !(f.optional && !v))
				body[f.name] = v;
		}
		if (errors.length) {
			showProblem(form, { errors });
			return;
		}
		busy(form, true);
		try {
			await change.send('/activities', body);
			announce(`已保存：${label(ACTIVITY_KINDS, body.kind)}（${body.on}）。`);
			kind.value = '';
			replace(slot);
			extra = [];
			await loadList();
		} catch (err) {
			if (err instanceof ApiError && err.status === 401)
				return;
			showProblem(form, err.problem, message(err));
		} finally {
			busy(form, false);
		}
	});

	const tbody = h('tbody');
	const listNote = h('p.muted');
	const catName = Object.fromEntries(cats);
	async function loadList() {
		try {
			const r = await get('/activities', {});
			if (!ctx.current())
				return;
			replace(tbody, (r.data.items || []).map((a) => h('tr',
			    h('td', a.on || ''),
			    h('td', label(ACTIVITY_KINDS, a.kind)),
			    h('td', catName[a.category] || a.category),
			    h('td', a.enterprise_name || a.enterprise?.name || (a.enterprise_id ? `#${a.enterprise_id}` : '—')),
			    h('td', a.region_name || a.region || ''),
			    h('td', describe(a)))));
			listNote.textContent = (r.data.items || []).length ? '' : '暂无记录。';
		} catch (e) {
			if (!(e instanceof ApiError && e.status === 401))
				listNote.textContent = `暂时无法读取工作记录：${message(e)}`;
		}
	}
	replace(ctx.main, h('h1', '排查、抽查、监测与帮扶工作'),
	    canWrite ? form : null,
	    h('section.card', { 'aria-labelledby': 'act-list-h' },
		h('h2#act-list-h', '最近的工作记录'), listNote,
		tableWrap('工作记录', h('table.list',
		    h('thead', h('tr', ['日期', '类型', '产品类别', '企业', '地区', '情况'].map((t) => h('th', { scope: 'col' }, t)))),
		    tbody))));
	focusHeading(ctx.main);
	await loadList();
}

function describe(a) {
	switch (a.kind) {
	case 'inspection': return `${label(DOMAINS, a.domain)}，${a.problems_found ? '发现问题' : '未发现问题'}`;
	case 'spot_check': {
		// The failed batches by product and batch number, the rest counted.
		const failed = (a.items || []).filter((i) => i.result === 'fail')
		    .map((i) => `${i.product}${i.batch_no ? ` ${i.batch_no}` : ''}`);
		return `${label(DOMAINS, a.domain)}，${a.channel ? `${label(CHANNELS, a.channel)}，` : ''}抽查${a.batches}批次，` +
		    `不合格${a.failed_batches}批次${(a.items || []).length ? '（逐批记录）' : ''}` +
		    `${failed.length ? `：${failed.slice(0, 3).join('；')}${failed.length > 3 ? ' 等' : ''}` : ''}`;
	}
	case 'risk_info': return a.summary || '';
	case 'risk_monitoring': return `监测${a.batches}批次，发现问题${a.problems_found}个`;
	case 'assistance': return `解决问题${a.problems_solved}个，提升产值${money(a.output_gain)}`;
	default: return '';
	}
}
