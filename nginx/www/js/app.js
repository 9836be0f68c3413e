// app.js: the single page's entry point -- the session, the navigation
// each role sees, and routing in the URL's fragment (#/cases/12): nginx
// serves index.html only at /, so every page lives after the '#'.

import { get, del, onUnauthorized, cancelAll, ApiError, message } from './api.js';
import { h, replace, announce, alertMsg, clearMessages, takeFlash } from './dom.js';
import { ROLES, forget, workflow, regionName } from './ref.js';
import { loginPage } from './pages/login.js';
import { casesPage } from './pages/cases.js';
import { casePage } from './pages/case.js';
import { newCasePage } from './pages/newcase.js';
import { inboxPage } from './pages/inbox.js';
import { enterprisesPage, newEnterprisePage } from './pages/enterprises.js';
import { enterprisePage } from './pages/enterprise.js';
import { activitiesPage } from './pages/activities.js';
import { reportPage } from './pages/report.js';
import { auditPage } from './pages/audit.js';
import { notificationsPage } from './pages/notifications.js';
import { supervisionsPage, supervisionPage } from './pages/supervisions.js';
import { dashboardPage } from './pages/dashboard.js';
import { cyclePage } from './pages/cycle.js';
import { bellStart, bellStop, bellRefresh } from './bell.js';
import { importsPage } from './pages/imports.js';
import { referralsPage, referralPage, referPage } from './pages/referrals.js';
import { webhooksPage, webhookPage } from './pages/webhooks.js';
import { passwordPage, portalPage, portalCasePage, inspectPage, historyPage } from './pages/portal.js';
import { selfInspectionsPage } from './pages/selfinspections.js';

const ALL = ['officer', 'legal', 'auditor', 'admin', 'coordinator'];
const ENT = ['enterprise'];	// an enterprise's own account: the portal

// [pattern, page, roles that may open it (null: anyone, even logged out)]
const ROUTES = [
	[/^\/login$/, loginPage, null],
	[/^\/cases$/, casesPage, ALL],
	[/^\/cases\/new$/, newCasePage, ['officer']],
	[/^\/cases\/(\d+)$/, casePage, ALL],
	[/^\/inbox$/, inboxPage, ['legal', 'admin']],
	[/^\/enterprises$/, enterprisesPage, ['officer', 'legal', 'admin']],
	[/^\/enterprises\/new$/, newEnterprisePage, ['officer', 'admin']],
	[/^\/enterprises\/(\d+)$/, enterprisePage, ['officer', 'legal', 'admin']],
	[/^\/activities$/, activitiesPage, ['officer', 'admin', 'auditor']],
	[/^\/reports$/, reportPage, ALL],
	[/^\/audit$/, auditPage, ['auditor', 'admin']],
	[/^\/notifications$/, notificationsPage, ALL],
	[/^\/supervisions$/, supervisionsPage, ALL],
	[/^\/supervisions\/(\d+)$/, supervisionPage, ALL],
	[/^\/dashboard$/, dashboardPage, ALL],
	[/^\/imports$/, importsPage, ['officer', 'admin']],
	[/^\/cycle$/, cyclePage, ALL],
	[/^\/referrals$/, referralsPage, ALL],
	[/^\/referrals\/(\d+)$/, referralPage, ALL],
	[/^\/cases\/(\d+)\/refer$/, referPage, ['officer']],
	[/^\/webhooks$/, webhooksPage, ['admin']],
	[/^\/webhooks\/(\d+)$/, webhookPage, ['admin']],
	[/^\/self-inspections$/, selfInspectionsPage, ['officer', 'coordinator', 'admin']],
	[/^\/password$/, passwordPage, ENT],
	[/^\/portal$/, portalPage, ENT],
	[/^\/portal\/cases\/(\d+)$/, portalCasePage, ENT],
	[/^\/portal\/inspect$/, inspectPage, ENT],
	[/^\/portal\/history$/, historyPage, ENT],
];

const NAV = [
	['#/dashboard', '专项行动看板', ['coordinator']],
	['#/cycle', '总结报送', ['coordinator']],
	['#/cases', '案件列表', ALL],
	['#/cases/new', '登记案件', ['officer']],
	['#/inbox', '法制审核待办', ['legal', 'admin']],
	['#/enterprises', '企业', ['officer', 'legal', 'admin']],
	['#/activities', '排查抽查等工作', ['officer', 'admin', 'auditor']],
	['#/supervisions', '挂牌督办', ['officer', 'coordinator']],
	['#/referrals', '跨区域移送', ['officer', 'legal', 'coordinator']],
	['#/reports', '统计报表', ALL],
	['#/audit', '审计', ['auditor', 'admin']],
	['#/imports', '批量导入', ['officer', 'admin']],
	['#/webhooks', '数据推送', ['admin']],
	['#/self-inspections', '企业自查情况', ['officer', 'coordinator', 'admin']],
	['#/portal', '我的任务', ENT],
	['#/portal/inspect', '企业自查', ENT],
	['#/portal/history', '自查记录', ENT],
	['#/password', '修改密码', ENT],
];

let user = null;
let navSeq = 0;

const isEnterprise = () => Boolean(user && user.roles.includes('enterprise'));
const may = (roles) => roles === null || (user && user.roles.some((r) => roles.includes(r)));

/* Where a user starts after logging in. */
function home() {
	if (user.roles.includes('enterprise'))
		return user.must_change_password ? '/password' : '/portal';
	if (user.roles.includes('coordinator'))
		return '/dashboard';
	if (user.roles.includes('legal'))
		return '/inbox';
	if (user.roles.includes('auditor'))
		return '/audit';
	return '/cases';
}

function parseHash() {
	const raw = location.hash.replace(/^#/, '') || '/';
	const [path, query = ''] = raw.split('?');
	return { path: path || '/', params: new URLSearchParams(query), raw };
}

export function go(hashPath, { replace: rep = false } = {}) {
	const target = `#${hashPath}`;
	if (location.hash === target) {
		render().then(() => {
			const f = takeFlash();
			if (f)
				announce(f);
		});
		return;
	}
	if (rep)
		location.replace(target);
	else
		location.hash = target;
}

function drawNav() {
	const nav = document.getElementById('nav');
	const who = document.getElementById('who');
	if (!user) {
		nav.hidden = true;
		who.hidden = true;
		return;
	}
	const { path } = parseHash();
	const ul = h('ul');
	for (const [href, text, roles] of NAV) {
		if (!may(roles))
			continue;
		const current = `#${path}` === href ||
		    (href === '#/cases' && /^\/cases\/\d+$/.test(path)) ||
		    (href === '#/enterprises' && /^\/enterprises\/\d+$/.test(path)) ||
		    (href === '#/supervisions' && /^\/supervisions\/\d+$/.test(path)) ||
		    (href === '#/referrals' && /^\/referrals\/\d+$/.test(path));
		ul.appendChild(h('li', h('a', { href, 'aria-current': current ? 'page' : null }, text)));
	}
	replace(nav, ul);
	nav.hidden = false;
	document.getElementById('bell').hidden = isEnterprise();	// no bell in the portal
	document.getElementById('who-name').textContent =
	    `${user.display_name || user.username}（${user.roles.map((r) => ROLES[r] || r).join('、')}，${user.region_name || user.region}）`;
	who.hidden = false;
}

async function render() {
	const seq = ++navSeq;
	const { path, params } = parseHash();
	const main = document.getElementById('main');
	if (!user && path !== '/login') {
		go(`/login?next=${encodeURIComponent(parseHash().raw)}`, { replace: true });
		return;
	}
	if (path === '/' || (user && path === '/login' && !params.get('next'))) {
		go(user ? home() : '/login', { replace: true });
		return;
	}
	// A new enterprise account sets its own password before anything.
	if (user && user.must_change_password && path !== '/password') {
		go('/password', { replace: true });
		return;
	}
	drawNav();
	if (user && !isEnterprise())
		bellRefresh();
	for (const [re, page, roles] of ROUTES) {
		const m = re.exec(path);
		if (!m)
			continue;
		if (!may(roles)) {
			replace(main, h('h1', { tabindex: '-1' }, '无权访问'),
			    h('p', '您的角色不能使用此页面。'));
			return;
		}
		const ctx = {
			user, params, main, go,
			current: () => seq === navSeq,
			title(t) {
				document.title = `${t} - 排查治理案件管理系统`;
			},
			login(u) {
				setUser(u);
			},
			home,
		};
		replace(main, h('p.loading', '正在加载…'));
		try {
			await page(ctx, ...m.slice(1));
		} catch (e) {
			if (!ctx.current())
				return;
			if (e instanceof ApiError && e.status === 401)
				return;
			console.warn('page failed', e);
			replace(main, h('h1', { tabindex: '-1' }, '加载失败'),
			    h('p', message(e)),
			    h('p', h('button', { type: 'button', onclick: () => render() }, '重试')));
			alertMsg(message(e));
		}
		return;
	}
	replace(main, h('h1', { tabindex: '-1' }, '页面不存在'),
	    h('p', h('a', { href: '#/cases' }, '返回案件列表')));
}

function setUser(u) {
	user = u;
	if (u && u.roles.includes('enterprise'))
		bellStop();	// the portal has no bell, nor the workflow's table
	else if (u) {
		workflow().catch(() => {});
		bellStart();
	} else
		bellStop();
	if (u && !u.region_name && !u.roles.includes('enterprise')) {
		regionName(u.region).then((n) => {
			if (user === u) {
				u.region_name = n;
				drawNav();
			}
		}).catch(() => {});
	}
}

async function logout() {
	cancelAll();
	try {
		await del('/session', { noAuthRedirect: true });
	} catch {
		// The session may be gone already; the user is logged out anyway.
	}
	user = null;
	bellStop();
	forget();
	announce('您已退出登录。');
	go('/login', { replace: true });
}

async function start() {
	// Anything the CSP blocks is a bug: say so loudly in the console.
	document.addEventListener('securitypolicyviolation', (e) => {
		console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
	});
	document.getElementById('skip-link').addEventListener('click', (e) => {
		e.preventDefault();
		document.getElementById('main').focus();
	});
	document.getElementById('logout').addEventListener('click', logout);
	onUnauthorized(() => {
		const had = user !== null;
		user = null;
		bellStop();
		forget();
		const { path, raw } = parseHash();
		if (path === '/login')
			return;
		if (had)
			alertMsg('登录已过期，请重新登录；登录后将回到刚才的页面。');
		go(`/login?next=${encodeURIComponent(raw)}`, { replace: true });
	});
	window.addEventListener('hashchange', async () => {
		clearMessages();
		await render();
		const f = takeFlash();
		if (f)
			announce(f);
	});
	try {
		const r = await get('/session', null, { noAuthRedirect: true });
		setUser(r.data);
	} catch (e) {
		if (!(e instanceof ApiError && e.status === 401))
			alertMsg(message(e));
	}
	render();
}

start();
