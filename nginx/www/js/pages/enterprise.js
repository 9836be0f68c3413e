// pages/enterprise.js: one enterprise -- its risk grade and the reasons
// for it, its profile and licences (edited in place, with If-Match), and
// its cases and activities over time (分类监管, API.md Part 2).

import { get, call, ApiError, message } from '../api.js';
import { h, tableWrap, replace, field, input, showProblem, clearErrors, busy, focusHeading, announce, alertMsg } from '../dom.js';
import {
	AREA_TYPES, LICENCE_KINDS, LICENCE_STATUS, ACTIVITY_KINDS, DOMAINS, CHANNELS, label,
	problemTypes, categories, riskRule,
} from '../ref.js';
import { date } from '../fmt.js';
import { areaChecks, licenceRows, accidentRows, accidentText, riskView } from '../profile.js';

const STATUS_NOW = { expired: '已过期', revoked: '已撤销', suspended: '已暂停' };

function licenceTable(e) {
	const alerts = new Set((e.licence_alerts || []).map((a) => `${a.kind}/${a.number}`));
	const list = e.licences || [];
	if (!list.length)
		return h('p.muted', '没有登记证照。');
	return tableWrap('证照列表', h('table.list',
	    h('caption.sr-only', '证照'),
	    h('thead', h('tr', ['类型', '编号', '登记状态', '有效期', '当前'].map((t) => h('th', { scope: 'col' }, t)))),
	    h('tbody', list.map((l) => {
		const alert = (e.licence_alerts || []).find((a) => a.kind === l.kind && a.number === l.number);
		return h('tr', { class: alerts.has(`${l.kind}/${l.number}`) ? 'row-overdue' : '' },
		    h('td', label(LICENCE_KINDS, l.kind)),
		    h('td', h('code', l.number || '（未登记编号）')),
		    h('td', l.status ? label(LICENCE_STATUS, l.status) : '未填'),
		    h('td.nowrap', `${l.valid_from || '—'} 至 ${l.valid_until || '—'}`),
		    h('td', alert ? h('span.overdue', STATUS_NOW[alert.status] || alert.status) : '有效'));
	}))));
}

function profileList(e) {
	const areas = (e.area_types || []).map((a) => label(AREA_TYPES, a));
	return h('dl.facts',
	    h('dt', '统一社会信用代码'), h('dd', h('code', e.uscc)),
	    h('dt', '所在地区'), h('dd', e.region_name || e.region),
	    h('dt', '地址'), h('dd', e.address || '—'),
	    h('dt', '法定代表人'), h('dd', e.legal_representative || '—'),
	    h('dt', '联系电话'), h('dd', e.contact_phone || '—'),
	    h('dt', '所在重点领域'), h('dd', areas.length ? areas.join('、') : '—'),
	    h('dt', '质量安全事故'), h('dd', accidentText(e.accident_history)),
	    h('dt', '登记'), h('dd', `${date(e.created_at)}${e.created_by ? `（${e.created_by}）` : ''}，版本 ${e.version}`));
}

/* The rule's factors and grades, for whoever wants to check the sum. */
async function ruleDetails() {
	const rule = await riskRule().catch(() => null);
	if (!rule)
		return null;
	return h('details.rule',
	    h('summary', '评定规则（各因素分值与等级）'),
	    h('p.muted', rule.rule || ''),
	    tableWrap('风险因素', h('table.list',
		h('thead', h('tr', ['风险因素', '分值', '计算期限', '依据'].map((t) => h('th', { scope: 'col' }, t)))),
		h('tbody', (rule.factors || []).map((f) => h('tr',
		    h('td', f.label), h('td.num', `+${f.points}`),
		    h('td', f.window_days ? `${f.window_days}天内` : '—'), h('td', f.basis)))))),
	    h('ul', (rule.grades || []).map((g) => h('li',
		`${g.grade}级（${g.label}）：${g.min_score}分起，每${g.inspect_within_days}天至少检查一次；${g.measures}`))));
}

/* The cases and activities of the enterprise, newest first. */
function timeline(cases, acts, ptypes, cats) {
	const ptLabel = Object.fromEntries(ptypes.map((p) => [p.id, p.label]));
	const catName = Object.fromEntries(cats);
	const items = [
		...cases.map((c) => ({ day: date(c.created_at), node: h('li', { dataset: { kind: 'case' } },
		    h('div.tl-head', h('time', { datetime: date(c.created_at) }, date(c.created_at)),
			h('strong', h('a', { href: `#/cases/${c.id}` }, `案件 #${c.id}`)),
			h('span.badge', { dataset: { state: c.state } }, c.state_label || c.state)),
		    h('div', `${catName[c.category] || c.category} · ${label(DOMAINS, c.domain)}`,
			(c.problem_types || []).length ? ` · 问题类型：${c.problem_types.map((t) => ptLabel[t] || t).join('、')}` : ''),
		    h('div.muted', c.problem)) })),
		...acts.map((a) => ({ day: a.on, node: h('li', { dataset: { kind: 'activity' } },
		    h('div.tl-head', h('time', { datetime: a.on }, a.on),
			h('strong', label(ACTIVITY_KINDS, a.kind))),
		    h('div', `${catName[a.category] || a.category_name || a.category}${a.domain ? ` · ${label(DOMAINS, a.domain)}` : ''}`,
			activityText(a))) })),
	].sort((x, y) => (x.day < y.day ? 1 : x.day > y.day ? -1 : 0));
	if (!items.length)
		return h('p.muted', '没有案件或工作记录。');
	return h('ol.timeline', items.map((i) => i.node));
}

function activityText(a) {
	switch (a.kind) {
	case 'inspection': return a.problems_found ? ' · 发现问题' : ' · 未发现问题';
	case 'spot_check': return ` · ${a.channel ? `${label(CHANNELS, a.channel)} · ` : ''}抽查${a.batches}批次，不合格${a.failed_batches}批次`;
	case 'assistance': return ` · 解决问题${a.problems_solved}个`;
	default: return '';
	}
}

/* The profile's edit form: PATCH with If-Match, what changed only. */
function editForm(e, done, cancel) {
	const person = input({ maxlength: 100, value: e.legal_representative || '' });
	const phone = input({ type: 'tel', maxlength: 32, inputmode: 'tel', value: e.contact_phone || '' });
	const address = input({ maxlength: 500, value: e.address || '' });
	const areas = areaChecks(e.area_types || []);
	const lic = licenceRows(e.licences || []);
	const acc = accidentRows(Array.isArray(e.accident_history) ? e.accident_history : []);
	const told = e.accident_history !== null && e.accident_history !== undefined && !Array.isArray(e.accident_history);
	const form = h('form.card.edit-profile', { novalidate: true, 'aria-labelledby': 'edit-h' },
	    h('h2#edit-h', '修改企业档案'),
	    h('div.grid2',
		field('legal_representative', '法定代表人', person),
		field('contact_phone', '联系电话', phone),
		field('address', '地址', address)),
	    areas.node, lic.node,
	    told ? h('p.note', `事故记录（${accidentText(e.accident_history)}）以文字登记；在下面逐起添加将替换它。`) : null,
	    acc.node,
	    h('div.actions', h('button.primary', { type: 'submit' }, '保存'),
		h('button', { type: 'button', onclick: cancel }, '取消')));
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearErrors(form);
		const body = {};
		const text = (v) => (v.value.trim() ? v.value.trim() : null);
		if (text(person) !== (e.legal_representative ?? null))
			body.legal_representative = text(person);
		if (text(phone) !== (e.contact_phone ?? null))
			body.contact_phone = text(phone);
		if (text(address) !== (e.address ?? null))
			body.address = text(address);
		if (JSON.stringify(areas.value()) !== JSON.stringify(e.area_types || []))
			body.area_types = areas.value();
		if (lic.changed())
			body.licences = lic.value();
		if (acc.changed())
			body.accident_history = acc.value().length ? acc.value() : (told ? e.accident_history : null);
		if (!Object.keys(body).length) {
			cancel();
			return;
		}
		busy(form, true);
		try {
			const r = await call('PATCH', `/enterprises/${e.id}`, { body, ifMatch: e.version });
			done(r.data);
		} catch (err) {
			if (err instanceof ApiError && err.status === 401)
				return;
			if (err instanceof ApiError && err.status === 412) {
				alertMsg('企业档案已被他人修改，已重新载入，请再次修改。');
				done(null);
				return;
			}
			showProblem(form, err.problem, message(err));
		} finally {
			busy(form, false);
		}
	});
	return form;
}

export async function enterprisePage(ctx, idText) {
	const id = Number(idText);
	const [ptypes, cats] = await Promise.all([problemTypes(), categories()]);
	const canEdit = ctx.user.roles.some((r) => r === 'officer' || r === 'admin');
	let e;

	async function load() {
		const [er, cr, ar] = await Promise.all([
			get(`/enterprises/${id}`),
			get('/cases', { enterprise: id, limit: 200 }),
			get('/activities', { enterprise: id, limit: 200 }),
		]);
		e = er.data;
		return { cases: cr.data.items || [], acts: ar.data.items || [] };
	}

	async function draw(msg) {
		const { cases, acts } = await load();
		if (!ctx.current())
			return;
		ctx.title(e.name);
		const editSlot = h('div#edit-slot');
		const editBtn = canEdit ? h('button', { type: 'button', 'aria-controls': 'edit-slot', 'aria-expanded': 'false' }, '修改档案') : null;
		editBtn?.addEventListener('click', () => {
			editBtn.setAttribute('aria-expanded', 'true');
			const close = () => {
				replace(editSlot);
				editBtn.setAttribute('aria-expanded', 'false');
				editBtn.focus();
			};
			replace(editSlot, editForm(e, async (updated) => {
				await draw(updated ? '已保存企业档案；风险等级已按新档案重新评定。' : null);
			}, close));
			editSlot.querySelector('input').focus();
		});
		const alerts = e.licence_alerts || [];
		replace(ctx.main,
		    h('p.crumbs', h('a', { href: '#/enterprises' }, '企业'), ' › ', e.name),
		    h('div.page-head',
			h('h1', e.name, ' ', h('span.sub', e.region_name || '')),
			h('div.actions',
			    editBtn,
			    ctx.user.roles.includes('officer') ? h('a.button.primary', { href: `#/cases/new?enterprise=${e.id}` }, '登记案件') : null)),
		    alerts.length ? h('div.card.licence-alert', { role: 'note' }, h('strong', '证照异常：'),
			alerts.map((a) => h('span', a.message, ' '))) : null,
		    editSlot,
		    h('div.case-grid',
			h('div.col',
			    h('section.card', { 'aria-labelledby': 'risk-h' },
				h('h2#risk-h', '风险等级（分类监管）'), riskView(e.risk), await ruleDetails()),
			    h('section.card', { 'aria-labelledby': 'prof-h' },
				h('h2#prof-h', '企业档案'), profileList(e)),
			    h('section.card', { 'aria-labelledby': 'lic-h' },
				h('h2#lic-h', '证照'), licenceTable(e))),
			h('div.col',
			    h('section.card', { 'aria-labelledby': 'hist-h' },
				h('h2#hist-h', '案件与工作记录'),
				h('p.muted', `案件 ${cases.length} 件，排查、抽查等工作 ${acts.length} 项。`),
				timeline(cases, acts, ptypes, cats)))));
		focusHeading(ctx.main);
		if (msg)
			announce(msg);
	}
	await draw();
}
