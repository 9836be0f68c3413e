// pages/audit.js: the auditor's search over every case event, its CSV
// export, the verification of the hash chains and the latest signed
// checkpoint.

import { get, url, ApiError, message } from '../api.js';
import { h, tableWrap, replace, field, input, select, showProblem, clearErrors, busy, focusHeading, announce, alertMsg } from '../dom.js';
import { eventLabel, stateLabel, ROLES, PHASES } from '../ref.js';
import { dateTime } from '../fmt.js';
import { regionChooser } from '../region.js';

const EVENT_IDS = ['create', 'order_rectification', 'report_rectification', 'reject_rectification',
	'hold_interview', 'publish_credit', 'transfer_judicial', 'transfer_discipline',
	'record_transfer_receipt', 'close', 'dismiss', 'start_lookback', 'lookback_clear',
	'lookback_recurrence', 'add_note'];

const FILTERS = ['case', 'actor', 'event', 'region', 'from', 'to'];

// The case row's fields verify compares with its history (first_bad.field).
const FIELD_LABELS = {
	state: '状态', version: '版本', pending_event: '待审提议', pending_seq: '待审提议',
	pending_by: '提议人', pending_at: '提议时间', fine_amount: '罚款金额',
	confiscation_amount: '没收金额', case_value: '案值', penalty_decided_at: '处罚决定',
	lookback_on: '回头看日期', interviews: '约谈次数', judicial_transferred_at: '移送司法机关',
	discipline_transferred_at: '移送纪检监察', enterprise_id: '企业', region: '地区',
	campaign_id: '专项行动', category: '产品类别', domain: '领域', source: '问题来源',
	problem: '问题描述', risk_level: '风险等级', created_by: '登记人',
};

// The other streams verify checks besides a case's (first_bad.entity).
const ENTITY_LABELS = {
	user: '用户', enterprise: '企业', category: '产品类别', campaign: '专项行动',
};

export async function auditPage(ctx) {
	ctx.title('审计');
	const p = ctx.params;
	const f = Object.fromEntries(FILTERS.map((k) => [k, p.get(k) || '']));

	// Verification.
	const vCase = input({ inputmode: 'numeric', value: f.case });
	const vRegion = regionChooser('verify_region', ctx.user, { label: '或按地区校验（不填案件编号时）' });
	const vOut = h('div#verify-out');
	const vForm = h('form.card', { novalidate: true, 'aria-labelledby': 'verify-h' },
	    h('h2#verify-h', '校验办理记录是否被篡改'),
	    field('case', '案件编号', vCase, { hint: '校验一个案件的哈希链；留空则校验所选地区的全部案件' }),
	    vRegion.node,
	    h('div.actions', h('button.primary', { type: 'submit' }, '校验')),
	    vOut);
	vForm.addEventListener('submit', async (e) => {
		e.preventDefault();
		clearErrors(vForm);
		const c = vCase.value.trim();
		if (c && !/^[1-9]\d{0,17}$/.test(c)) {
			showProblem(vForm, { errors: [{ field: 'case', message: '案件编号应为正整数' }] });
			return;
		}
		const params = c ? { case: c } : { region: vRegion.value() };
		busy(vForm, true);
		replace(vOut, h('p.loading', '正在校验…'));
		try {
			const r = await get('/audit/verify', params);
			const d = r.data;
			const scope = c ? `案件 #${c}` : `地区 ${params.region}`;
			let msg;
			if (d.ok) {
				msg = `校验通过：${scope}共检查 ${d.checked} 条记录，哈希链完整，案件现状与办理记录一致，未发现篡改。`;
				const signed = d.uncovered > 0
				    ? `其中 ${d.covered} 条已与最新签名检查点核对，${d.uncovered} 条尚待下一个检查点（只核对了哈希链）。`
				    : `全部 ${d.covered} 条已与最新签名检查点核对。`;
				replace(vOut, h('div.result.ok', { tabindex: '-1' }, h('strong', '✓ 校验通过'), h('p', msg),
				    h('p.muted', signed)));
			} else {
				const bad = d.first_bad || {};
				const where = !d.first_bad ? '审计日志或其签名检查点'
				    : bad.entity && bad.entity !== 'case'
				    ? `${ENTITY_LABELS[bad.entity] || bad.entity} #${bad.entity_id} 的变更记录第 ${bad.seq} 条`
				    : bad.field ? `案件 #${bad.case} 的「${FIELD_LABELS[bad.field] || bad.field}」与其办理记录不符（未经事件的改动）`
				    : `案件 #${bad.case} 第 ${bad.seq} 条`;
				msg = `校验未通过：${scope}共检查 ${d.checked} 条记录，首个异常在${where}。`;
				replace(vOut, h('div.result.bad', { tabindex: '-1' }, h('strong', '✗ 校验未通过'), h('p', msg),
				    d.reason ? h('p.muted', d.reason) : null,
				    bad.case ? h('p', h('a', { href: `#/cases/${bad.case}` }, `查看案件 #${bad.case}`)) : null));
			}
			(d.ok ? announce : alertMsg)(msg);
		} catch (err) {
			if (err instanceof ApiError && err.status === 401)
				return;
			replace(vOut);
			showProblem(vForm, err.problem, message(err));
		} finally {
			busy(vForm, false);
		}
	});

	// Search.
	const sCase = input({ inputmode: 'numeric', value: f.case });
	const sActor = input({ value: f.actor, placeholder: '用户名' });
	const sEvent = select(EVENT_IDS.map((id) => [id, eventLabel(id)]), { empty: '全部事件', value: f.event });
	const sRegion = input({ value: f.region, inputmode: 'numeric', maxlength: 6, placeholder: '如 110101' });
	const sFrom = input({ type: 'date', value: f.from });
	const sTo = input({ type: 'date', value: f.to });
	const sForm = h('form.filters', { role: 'search', 'aria-label': '查询办理记录' },
	    field('case', '案件编号', sCase), field('actor', '操作人', sActor),
	    field('event', '事件', sEvent), field('region', '地区代码', sRegion),
	    field('from', '起始日期', sFrom), field('to', '截止日期', sTo),
	    h('div.actions', h('button.primary', { type: 'submit' }, '查询')));
	sForm.addEventListener('submit', (e) => {
		e.preventDefault();
		const u = new URLSearchParams();
		const vals = { case: sCase.value, actor: sActor.value, event: sEvent.value, region: sRegion.value, from: sFrom.value, to: sTo.value };
		for (const [k, v] of Object.entries(vals))
			if (v.trim())
				u.set(k, v.trim());
		ctx.go(`/audit${u.toString() ? `?${u}` : ''}`);
	});
	const query = Object.fromEntries(Object.entries(f).filter(([, v]) => v));
	const csv = h('a.button', { href: url('/audit/events', { ...query, format: 'csv' }), download: 'audit-events.csv' }, '导出 CSV');
	const tbody = h('tbody');
	const note = h('p.muted');
	const more = h('button', { type: 'button', hidden: true }, '加载更多');
	const cp = h('div#checkpoint', h('p.muted', '正在读取…'));

	replace(ctx.main, h('h1', '审计'),
	    vForm,
	    h('section.card', { 'aria-labelledby': 'cp-h' }, h('h2#cp-h', '最新签名检查点'), cp),
	    h('section.card', { 'aria-labelledby': 'search-h' },
		h('h2#search-h', '办理记录查询'), sForm,
		h('p', csv), note,
		tableWrap('办理记录查询结果', h('table.list',
		    h('thead', h('tr', ['时间', '案件', '序号', '操作人', '角色', '事件', '状态变化', '哈希'].map((t) => h('th', { scope: 'col' }, t)))),
		    tbody)),
		h('div.actions', more)));
	focusHeading(ctx.main);

	get('/audit/checkpoints/latest').then((r) => {
		const d = r.data || {};
		replace(cp, h('dl.facts',
		    h('dt', '时间'), h('dd', dateTime(d.at)),
		    h('dt', '记录数'), h('dd', String(d.size ?? '')),
		    h('dt', '默克尔根'), h('dd', h('code.wrap', String(d.root ?? ''))),
		    h('dt', '公钥'), h('dd', h('code.wrap', String(d.public_key ?? '')))));
	}).catch((e) => {
		if (!(e instanceof ApiError && e.status === 401))
			replace(cp, h('p.muted', e instanceof ApiError && e.status === 404 ? '尚无检查点。' : `无法读取：${message(e)}`));
	});

	let cursor = null;
	let shown = 0;
	async function load() {
		const r = await get('/audit/events', { ...query, cursor });
		if (!ctx.current())
			return;
		for (const e of r.data.items || []) {
			const cid = e.case ?? e.case_id;
			const phase = e.phase && !['applied', 'created'].includes(e.phase) ? `（${PHASES[e.phase] || e.phase}）` : '';
			tbody.appendChild(h('tr',
			    h('td', dateTime(e.at)),
			    h('td', cid ? h('a', { href: `#/cases/${cid}` }, `#${cid}`) : ''),
			    h('td', String(e.seq ?? '')),
			    h('td', e.actor_name ? `${e.actor_name}（${e.actor}）` : String(e.actor ?? '')),
			    h('td', ROLES[e.role] || e.role || ''),
			    h('td', `${eventLabel(e.event)}${phase}`),
			    h('td', e.from && e.to && e.from !== e.to ? `${stateLabel(e.from)} → ${stateLabel(e.to)}` : stateLabel(e.to || '')),
			    h('td', h('code', String(e.hash || '').slice(0, 16)))));
			shown += 1;
		}
		cursor = r.data.next_cursor || null;
		more.hidden = !cursor;
		note.textContent = shown ? `已显示 ${shown} 条${cursor ? '，还有更多' : ''}。` : '没有符合条件的记录。';
	}
	more.addEventListener('click', () => load().catch((e) => alertMsg(message(e))));
	try {
		await load();
	} catch (e) {
		if (e instanceof ApiError && e.status === 401)
			throw e;
		note.textContent = `暂时无法查询：${message(e)}`;
	}
}
