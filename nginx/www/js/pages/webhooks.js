// pages/webhooks.js: an admin's webhooks (API.md Part 2 "Data exchange"):
// the list, the register form {url, events, secret}, and one webhook's
// delivery log with its disable button.  The secret is typed once and
// never shown again: no answer of the service carries it.

import { get, Change, ApiError, message } from '../api.js';
import { h, tableWrap, replace, field, input, nextId, focusHeading, announce, alertMsg, showProblem, busy } from '../dom.js';
import { dateTime } from '../fmt.js';
import { regionName } from '../ref.js';

// The filter's choices: "*" or a stream (sql/0140_webhooks.sql).
const EVENTS = [
	['*', '全部事件'], ['case', '案件'], ['enterprise', '企业'],
	['activity', '排查抽查等工作'], ['supervision', '挂牌督办'],
	['file', '证据材料'], ['submission', '总结报送'], ['campaign', '专项行动'],
	['category', '产品类别'], ['user', '用户'], ['webhook', '数据推送'],
];
const EVENT_ZH = Object.fromEntries(EVENTS);

const STATUS_ZH = { pending: '待投递', delivered: '已投递', failed: '已放弃' };

function eventsText(list) {
	return list.map((e) => EVENT_ZH[e] || e).join('、');
}

/* A random secret: 32 bytes as hex, from the browser's CSPRNG. */
function randomSecret() {
	const b = new Uint8Array(32);
	crypto.getRandomValues(b);
	return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function stateBadge(w) {
	return h('span.badge', w.active ? '启用' : '已停用');
}

export async function webhooksPage(ctx) {
	ctx.title('数据推送');
	const url = input({ type: 'url', inputmode: 'url', placeholder: 'https://example.gov.cn/paicha/hook', maxlength: 2048 });
	const secret = input({ autocomplete: 'off', minlength: 16, maxlength: 256, spellcheck: false });
	const gen = h('button', { type: 'button' }, '生成随机密钥');
	gen.addEventListener('click', () => {
		secret.value = randomSecret();
		secret.focus();
	});
	const boxes = EVENTS.map(([id, label]) => {
		const cid = nextId('ev');
		return h('li', h('input', { type: 'checkbox', id: cid, name: 'events', value: id, checked: id === '*' }),
		    h('label', { for: cid }, label));
	});
	const events = h('fieldset.webhook-events', { dataset: { field: 'events' } },
	    h('legend', '推送哪些事件'), h('ul.checklist', boxes),
	    h('p.hint', '按实体选择；选“全部事件”则本辖区的全部审计事件都推送。'),
	    h('p.field-error'));
	const change = new Change();
	const form = h('form.card', { novalidate: true, 'aria-labelledby': 'wf-h' },
	    h('h2#wf-h', '登记推送地址'),
	    field('url', '接收地址（http 或 https）', url, { required: true,
		hint: '不能是本机、内网或保留地址（本实例另有允许的除外）；每次投递前都会重新解析并检查。' }),
	    events,
	    field('secret', '签名密钥（16 至 256 个字符）', secret, { required: true,
		hint: '每次推送带 X-Paicha-Signature: sha256=<用此密钥对正文计算的 HMAC-SHA256>。密钥保存后不再显示，请自行妥善保存。' }),
	    h('div.actions', gen, h('button.primary', { type: 'submit' }, '登记')));
	const list = h('div#webhook-list');

	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const chosen = boxes.map((b) => b.querySelector('input')).filter((c) => c.checked).map((c) => c.value);
		if (chosen.length === 0) {
			showProblem(form, { errors: [{ field: 'events', message: '请至少选择一类事件' }] }, '');
			return;
		}
		busy(form, true);
		try {
			const r = await change.send('/webhooks', {
				url: url.value.trim(),
				events: chosen.includes('*') ? ['*'] : chosen,
				secret: secret.value,
			});
			secret.value = '';
			url.value = '';
			showProblem(form, null, '');
			announce(`已登记推送地址 #${r.data.id}`);
			await drawList();
		} catch (e) {
			if (!(e instanceof ApiError && e.status === 401))
				showProblem(form, e.problem, message(e));
		} finally {
			busy(form, false);
		}
	});

	async function drawList() {
		const r = await get('/webhooks', { limit: 200 });
		if (!ctx.current())
			return;
		replace(list, r.data.items.length === 0 ? h('p.muted', '本辖区还没有推送地址。') :
		    tableWrap('推送地址', h('table.list',
			h('caption', '本辖区的推送地址'),
			h('thead', h('tr',
			    h('th', { scope: 'col' }, '编号'),
			    h('th', { scope: 'col' }, '接收地址'),
			    h('th', { scope: 'col' }, '事件'),
			    h('th', { scope: 'col' }, '状态'),
			    h('th', { scope: 'col' }, '待投递'),
			    h('th', { scope: 'col' }, '登记'))),
			h('tbody', r.data.items.map((w) => h('tr',
			    h('td', h('a', { href: `#/webhooks/${w.id}` }, `#${w.id}`)),
			    h('td.break', w.url),
			    h('td', eventsText(w.events)),
			    h('td', stateBadge(w)),
			    h('td', String(w.pending) + (w.failed ? `（已放弃 ${w.failed}）` : '')),
			    h('td.nowrap', `${w.created_by || ''} · ${dateTime(w.created_at)}`)))))));
	}

	replace(ctx.main, h('h1', '数据推送（Webhook）'),
	    h('p', '审计事件发生后，系统将其以 JSON POST 到登记的地址；失败时按 30 秒、1、2、4、8、16 分钟、此后每 30 分钟重试，最长 72 小时；同一对象的事件按发生顺序逐条投递。'),
	    form, h('h2', '推送地址'), list);
	focusHeading(ctx.main);
	await drawList();
}

export async function webhookPage(ctx, idText) {
	const id = Number(idText);
	const status = ctx.params.get('status') || '';
	const [w, d] = await Promise.all([get(`/webhooks/${id}`),
	    get(`/webhooks/${id}/deliveries`, { limit: 100, status: status || undefined })]);
	if (!ctx.current())
		return;
	const hook = w.data;
	const region = await regionName(hook.region).catch(() => null);
	if (!ctx.current())
		return;
	ctx.title(`推送地址 #${hook.id}`);
	const facts = h('dl.facts',
	    [['接收地址', hook.url], ['事件', eventsText(hook.events)],
		['辖区', region ? `${region}（${hook.region}）` : hook.region], ['状态', stateBadge(hook)],
		['登记', `${hook.created_by || ''} · ${dateTime(hook.created_at)}`],
		hook.disabled_at ? ['停用时间', dateTime(hook.disabled_at)] : null,
		['待投递', String(hook.pending)], ['已放弃', String(hook.failed)]]
		.filter(Boolean).map(([k, v]) => [h('dt', k), h('dd', v)]));

	const actions = h('div.actions');
	if (hook.active) {
		const off = h('button.danger', { type: 'button' }, '停用');
		off.addEventListener('click', async () => {
			if (!confirm('停用后不再推送，未投递的记录也不再投递。确定停用？'))
				return;
			off.disabled = true;
			try {
				await new Change().send(`/webhooks/${id}/disable`, {});
				announce('已停用');
				await webhookPage(ctx, idText);
			} catch (e) {
				alertMsg(message(e));
				off.disabled = false;
			}
		});
		actions.append(off);
	}

	const filter = h('p.status-filter', '筛选：', ...[['', '全部'], ['pending', '待投递'], ['delivered', '已投递'], ['failed', '已放弃']]
	    .map(([s, label]) => [h('a', { href: `#/webhooks/${id}${s ? `?status=${s}` : ''}`,
		'aria-current': s === status ? 'page' : undefined }, label), ' ']));
	const items = d.data.items;
	const log = items.length === 0 ? h('p.muted', '没有投递记录。') :
	    tableWrap('投递记录', h('table.list',
		h('caption', '投递记录（最新在前，最多 100 条）'),
		h('thead', h('tr',
		    h('th', { scope: 'col' }, '编号'),
		    h('th', { scope: 'col' }, '事件'),
		    h('th', { scope: 'col' }, '状态'),
		    h('th', { scope: 'col' }, '尝试'),
		    h('th', { scope: 'col' }, '最近结果'),
		    h('th', { scope: 'col' }, '时间'))),
		h('tbody', items.map((x) => h('tr',
		    h('td', `#${x.id}`),
		    h('td', `${EVENT_ZH[x.entity] || x.entity} #${x.entity_id} · ${x.event}（第 ${x.seq} 条）`),
		    h('td', STATUS_ZH[x.status] || x.status),
		    h('td', String(x.attempts)),
		    h('td.break', x.last_status ? `HTTP ${x.last_status}` : (x.last_error || '—')),
		    h('td.nowrap', x.status === 'delivered' ? `投递于 ${dateTime(x.delivered_at)}` :
			x.status === 'pending' ? `下次 ${dateTime(x.next_attempt)}` :
			`最后尝试 ${dateTime(x.last_attempt)}`))))));

	replace(ctx.main, h('p', h('a', { href: '#/webhooks' }, '← 数据推送')),
	    h('h1', `推送地址 #${hook.id}`), h('section.card', facts, actions),
	    h('h2', '投递记录'), filter, log);
	focusHeading(ctx.main);
}
