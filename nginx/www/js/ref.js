// ref.js: reference data (workflow, categories, campaigns, regions) read
// once per session from the API, and the Chinese labels of the API's
// stable ids.  Where an endpoint does not answer, the built-in tables
// below -- copies of DESIGN.md and workflow/ -- stand in, so the pages
// still read in Chinese; the service decides everything regardless.

import { get, ApiError } from './api.js';

export const STATES = [
	['detected', '发现登记'],
	['rectifying', '责令整改'],
	['rectification_review', '整改复查'],
	['interview', '约谈'],
	['credit_publication', '信用公示'],
	['transfer_judicial', '移送司法机关'],
	['transfer_discipline', '移送纪检监察'],
	['closed', '办结'],
	['lookback', '回头看'],
];

const EVENTS = {
	create: '登记案件',
	order_rectification: '责令整改',
	report_rectification: '企业报告整改完成',
	reject_rectification: '复查不合格，重新整改',
	hold_interview: '约谈企业负责人',
	publish_credit: '行政处罚信息信用公示',
	transfer_judicial: '移送司法机关',
	transfer_discipline: '移送纪检监察机关',
	record_transfer_receipt: '登记接收机关回执',
	close: '办结',
	dismiss: '不予处理',
	start_lookback: '开展回头看',
	lookback_clear: '回头看未发现反弹',
	lookback_recurrence: '回头看发现问题反弹',
	add_note: '添加备注',
	assign: '指定承办人',
};

const FIELDS = {
	enterprise_id: '企业编号', campaign_id: '专项行动', category: '产品类别',
	domain: '领域', source: '问题来源', problem: '问题描述', risk_level: '风险等级',
	deadline: '整改期限', measures: '整改措施', evidence: '整改情况及证明材料',
	reason: '理由', held_on: '约谈日期', attendees: '参加约谈人员',
	minutes: '约谈纪要', decision_no: '行政处罚决定书文号',
	fine_amount: '罚款金额（元）', confiscation_amount: '没收金额（元）',
	case_value: '案值（元）', published_on: '公示日期',
	serious_list: '列入严重违法失信名单', receiving_organ: '接收机关',
	documents: '移送材料', clue_summary: '问题线索摘要', receipt_no: '回执编号',
	accepted: '是否受理', decided_on: '接收机关决定日期', conclusion: '办结结论',
	lookback_on: '回头看日期', findings: '检查情况', text: '备注',
	assignees: '承办人',
	comment: '审核意见', proposal_seq: '提议序号',
};

// 《行政执法机关移送涉嫌犯罪案件的规定》 art. 6 (workflow/field.c).
const DOCUMENTS = [
	['transfer_letter', '涉嫌犯罪案件移送书'],
	['investigation_report', '涉嫌犯罪案件情况的调查报告'],
	['evidence_list', '涉案物品清单'],
	['inspection_report', '有关检验报告或者鉴定结论'],
	['other_materials', '其他有关涉嫌犯罪的材料'],
];

export const SOURCES = [
	['self_inspection', '企业自查'], ['risk_investigation', '风险排查'],
	['spot_check', '监督抽查'], ['risk_monitoring', '风险监测'],
	['complaint', '投诉举报'], ['public_opinion', '舆情'],
	['injury_monitoring', '伤害监测'], ['recall', '缺陷召回'],
	['lookback', '回头看'], ['referral', '外地移送'],
];
/* What POST /cases takes: all but a referral's (GET /workflow `manual`). */
export const MANUAL_SOURCES = SOURCES.filter(([id]) => id !== 'referral');
export const DOMAINS = [['production', '生产领域'], ['circulation', '流通领域']];
export const RISKS = [['high', '高'], ['medium', '中'], ['low', '低']];
export const ROLES = {
	officer: '执法人员', legal: '法制审核', auditor: '审计', admin: '管理员',
	coordinator: '专项行动统筹', enterprise: '企业',
};
export const PHASES = {
	created: '登记', applied: '执行', proposed: '提请法制审核',
	approved: '法制审核通过', rejected: '法制审核驳回',
};
export const ACTIVITY_KINDS = [
	['inspection', '风险排查'], ['spot_check', '监督抽查'],
	['risk_info', '采集风险信息'], ['risk_monitoring', '风险监测'],
	['assistance', '质量技术帮扶'],
];
export const LICENCE_STATUS = [
	['valid', '有效'], ['suspended', '暂停'], ['revoked', '撤销'], ['expired', '过期'],
];
// The enterprise profile (API.md Part 2): the seed's 重点领域 and licence kinds.
export const AREA_TYPES = [
	['cluster', '重点产品生产企业集聚区'], ['problem_prone', '质量问题易发多发区'],
	['urban_rural_fringe', '城乡结合部'], ['rural_market', '农村市场'], ['retail_store', '销售门店'],
];
export const LICENCE_KINDS = [['production', '生产许可证'], ['ccc', 'CCC认证证书']];
export const CHANNELS = [['offline', '线下'], ['online', '网络销售'], ['rural', '农村市场']];
export const RESULTS = [['pass', '合格'], ['fail', '不合格']];
export const GRADES = [['A', '低风险'], ['B', '一般风险'], ['C', '较高风险'], ['D', '高风险']];

const cache = new Map();

/* GET once per session; null when the endpoint is missing or fails. */
async function once(path, params) {
	const k = path + JSON.stringify(params || {});
	if (!cache.has(k)) {
		cache.set(k, get(path, params).then((r) => r.data).catch((e) => {
			cache.delete(k);
			if (e instanceof ApiError && e.status === 401)
				throw e;
			return null;
		}));
	}
	return cache.get(k);
}

export function forget() {
	cache.clear();
}

let wf = null;

/* The workflow as data: from GET /workflow, or the built-in copy. */
export async function workflow() {
	const data = await once('/workflow');
	wf = {
		states: data?.states?.length ? data.states.map((s) => [s.id, s.label || stateLabel(s.id)]) : STATES,
		events: Object.fromEntries((data?.events || []).map((e) => [e.id, e])),
		documents: documentsFrom(data) || DOCUMENTS,
		fields: Object.fromEntries((data?.fields || []).map((f) => [f.name, f.label])),
		fieldDefs: Object.fromEntries((data?.fields || []).map((f) => [f.name, f])),
		fileKinds: (data?.file_kinds || []).map((k) => ({ id: k.id, label: k.label || k.id })),
		live: Boolean(data),
	};
	return wf;
}

function documentsFrom(data) {
	const d = data?.documents || data?.transfer_documents;
	if (!Array.isArray(d) || d.length === 0)
		return null;
	return d.map((x) => (typeof x === 'string' ? [x, x] : [x.id, x.label || x.name || x.id]));
}

export function stateLabel(id) {
	const s = (wf?.states || STATES).find(([k]) => k === id);
	return s ? s[1] : id;
}

export function eventLabel(id) {
	return wf?.events?.[id]?.label || EVENTS[id] || id;
}

// Field types (workflow/field.c), for a `requires` that lists names only.
const FIELD_TYPES = {
	deadline: 'date', held_on: 'date', published_on: 'date', decided_on: 'date', lookback_on: 'date',
	fine_amount: 'money', confiscation_amount: 'money', case_value: 'money',
	serious_list: 'bool', accepted: 'bool', attendees: 'list', documents: 'list',
	assignees: 'ids',
};
const FIELD_WHEN = {
	deadline: 'future', lookback_on: 'future',
	held_on: 'not_future', published_on: 'not_future', decided_on: 'not_future',
};

/*
 * The fields an event's form asks for, as [{name, type, label, when}],
 * whether the API gave `fields` objects, `requires` objects or `requires`
 * names -- and then the fields it declares without requiring them
 * (`optional_fields`: publish_credit's 行政处罚信息摘要).  The form asks
 * for those too: every proposal made here carries the whole summary;
 * the API leaves them optional so that older clients keep working.
 */
export function eventFields(ev) {
	const optional = Array.isArray(ev.optional_fields) ?
	    ev.optional_fields.filter((f) => f && typeof f === 'object') : [];
	return [...requiredFields(ev), ...optional];
}

function requiredFields(ev) {
	if (Array.isArray(ev.fields) && ev.fields.every((f) => f && typeof f === 'object'))
		return ev.fields;
	return (ev.requires || []).map((r) => {
		if (r && typeof r === 'object')
			return { when: FIELD_WHEN[r.name], ...r };
		const def = wf?.fieldDefs?.[r];
		return def || { name: r, type: FIELD_TYPES[r] || 'text', label: fieldLabel(r), when: FIELD_WHEN[r] };
	});
}

export function fieldLabel(name) {
	return wf?.fields?.[name] || FIELDS[name] || name;
}

/* Where a payload field goes when a payload is shown (DESIGN.md's order). */
export function fieldOrder(name) {
	const i = Object.keys(FIELDS).indexOf(name);
	return i < 0 ? 1000 : i;
}

let categoryNames = {};

/* The label of an enum value in a payload (source, domain ...), or null. */
export function enumLabel(field, value) {
	const lists = { source: SOURCES, domain: DOMAINS, risk_level: RISKS, kind: ACTIVITY_KINDS };
	if (lists[field])
		return label(lists[field], value);
	if (field === 'category')
		return categoryNames[value] || null;
	return null;
}

export function documentLabel(id) {
	const d = (wf?.documents || DOCUMENTS).find(([k]) => k === id);
	return d ? d[1] : id;
}

export const label = (list, id) => (list.find(([k]) => k === id) || [id, id ?? ''])[1];

export async function categories() {
	const d = await once('/categories');
	const list = (d?.items || []).map((c) => [c.id, c.name]);
	categoryNames = Object.fromEntries(list);
	return list;
}

/* The seed's key problems: [{id, domain, label}] (GET /problem-types). */
export async function problemTypes() {
	const d = await once('/problem-types');
	return d?.items || [];
}

/* The risk rule as data (GET /risk-rule), or null. */
export async function riskRule() {
	return once('/risk-rule');
}

export async function campaigns() {
	const d = await once('/campaigns');
	return (d?.items || []).map((c) => ({ ...c, id: c.id, label: c.name || `${c.year}年专项行动` }));
}

/* The region one level up (county -> prefecture -> province -> nation). */
export function parentRegion(code) {
	if (code === '000000')
		return null;
	if (code.slice(2) === '0000')
		return '000000';
	if (code.slice(4) === '00')
		return `${code.slice(0, 2)}0000`;
	return `${code.slice(0, 4)}00`;
}

/*
 * A region's name, found among its parent's children (a municipality's
 * districts hang directly under the province-level code: 110101 under
 * 110000, so the province is tried when the prefecture has no entry).
 */
export async function regionName(code) {
	const p = parentRegion(code);
	if (p === null)
		return '全国';
	for (const parent of [p, parentRegion(p)]) {
		if (parent === null)
			break;
		const d = await once('/regions', { parent });
		const hit = d?.items?.find((r) => r.code === code);
		if (hit)
			return hit.name;
	}
	return code;
}

/* The user's region and the regions directly below it. */
export async function regionsUnder(user) {
	const out = [[user.region, user.region_name || await regionName(user.region)]];
	const d = await once('/regions', { parent: user.region });
	for (const r of d?.items || [])
		out.push([r.code, `　${r.name}`]);
	return out;
}

/* The regions directly below `code`: [{code, name, level}]. */
export async function childRegions(code) {
	const d = await once('/regions', { parent: code });
	return d?.items || [];
}
