// pages/login.js: username and password; back to where the user was.

import { get, post, ApiError, message } from '../api.js';
import { h, replace, field, input, showProblem, busy, flash } from '../dom.js';
import { forget } from '../ref.js';

/* Only a fragment path of this app: never an outside address. */
function safeNext(next) {
	return /^\/[a-z]/.test(next || '') && !next.startsWith('/login') ? next : null;
}

export async function loginPage(ctx) {
	ctx.title('登录');
	const user = input({ autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false' });
	const pass = input({ type: 'password', autocomplete: 'current-password' });
	const form = h('form.card.login', { novalidate: true },
	    field('username', '用户名', user, { required: true }),
	    field('password', '密码', pass, { required: true }),
	    h('div.actions', h('button.primary', { type: 'submit' }, '登录')));
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const errors = [];
		if (!user.value.trim())
			errors.push({ field: 'username', message: '请输入用户名' });
		if (!pass.value)
			errors.push({ field: 'password', message: '请输入密码' });
		if (errors.length) {
			showProblem(form, { errors });
			return;
		}
		busy(form, true);
		try {
			const r = await post('/session', { username: user.value.trim(), password: pass.value },
			    { noAuthRedirect: true });
			forget();
			// An enterprise's account: whether it must set its password.
			const u = r.data.roles.includes('enterprise') ?
			    (await get('/session')).data : r.data;
			ctx.login(u);
			const next = safeNext(ctx.params.get('next'));
			flash(`欢迎，${r.data.display_name || r.data.username}。`);
			ctx.go(next || ctx.home(), { replace: true });
		} catch (e) {
			pass.value = '';
			const msg = e instanceof ApiError && e.status === 401 ?
			    '用户名或密码错误。' : message(e);
			showProblem(form, null, msg);
			pass.focus();
		} finally {
			busy(form, false);
		}
	});
	replace(ctx.main,
	    h('h1', '登录'),
	    ctx.params.get('next') ? h('p.hint', '请登录后继续刚才的操作。') : null,
	    form);
	user.focus();
}
