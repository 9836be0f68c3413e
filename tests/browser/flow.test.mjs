// flow.test.mjs: paicha's front end in a real browser (Debian's chromium,
// driven by playwright-core) against a live instance: an officer
// registers an enterprise with its profile (its licence lapsed) and a case
// with its key problem, reads the enterprise's page (grade and reasons,
// licences, cases) at 1366 and 390 px, uploads a photo and a PDF to the
// case (thumbnail, preview, download compared byte for byte, at 1366 and
// 390 px), drives the case to a proposed credit publication, legal staff
// see the review request in the bell and approve it from the inbox, the
// officer proposes closing with a look-back date and legal staff approve,
// an auditor verifies the hash chain, imports enterprises, and a
// coordinator's dashboard draws its charts (ECharts) at 1366 and 390 px
// and drills down, and files the region's annual summary (preview,
// confirm, its versions and their workbooks); officer.bj refers the case
// to Shanghai, officer.sh accepts it from the referrals inbox, and both
// see the cases linked; an admin registers a webhook (a private address
// refused), reads its delivery log and disables it, at 1366 and 390 px;
// then the enterprise portal (企业端) at 390 px: an officer makes an
// enterprise's account, it logs in with its one-time password and must
// change it first, self-inspects with one failure reported as a major
// risk, officer.bj orders the new case's rectification, the enterprise
// uploads a photo as rectification evidence with the camera input and
// reports, and officer.bj sees the report and the evidence.  Every step
// is asserted on what the
// page shows; the test fails on any console error, page error or CSP
// violation.  It takes the screenshots under docs/screenshots/.
//
// Environment: PAICHA_URL (default https://localhost:18443), PAICHA_CA
// (the instance's certificate, to check the headers over verified TLS),
// PAICHA_CHROMIUM (default /usr/bin/chromium), PAICHA_SCREENSHOTS (where
// the screenshots go; default docs/screenshots in the checkout).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BASE = (process.env.PAICHA_URL || 'https://localhost:18443').replace(/\/$/, '');
const CA = process.env.PAICHA_CA || '';
const SHOTS = process.env.PAICHA_SCREENSHOTS || path.join(HERE, '..', '..', 'docs', 'screenshots');
const PASSWORD = 'paicha-demo';
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

let context;
let page;
let profile;
const consoleErrors = [];
const pageErrors = [];
const cspViolations = [];

// What the scenario makes, shared between the steps.
const run = {
	uscc: null,
	// Not unique (the credit code is): the steps find it by its code.
	name: ['北京恒信化工有限公司', '北京安达化学品有限公司', '北京华泰精细化工有限公司',
		'北京永盛化工科技有限公司'][Math.floor(Math.random() * 4)],
	caseId: null,
};

/* A one-page PDF with `text` (ASCII), its xref offsets right. */
function pdfOf(text) {
	const objs = [
		'<< /Type /Catalog /Pages 2 0 R >>',
		'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
		'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
		'<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
	];
	const stream = `BT /F1 18 Tf 72 760 Td (${text}) Tj ET`;
	objs.push(`<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`);
	let out = '%PDF-1.4\n';
	const offs = [];
	objs.forEach((o, i) => {
		offs.push(out.length);
		out += `${i + 1} 0 obj\n${o}\nendobj\n`;
	});
	const xref = out.length;
	out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
	for (const o of offs)
		out += `${String(o).padStart(10, '0')} 00000 n \n`;
	out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
	return Buffer.from(out, 'latin1');
}

const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex');

/* A date N days from today in China's time zone (the service's calendar). */
function day(n) {
	return new Date(Date.now() + n * 86400000).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
}

// GB 32100-2015, computed here independently of the page's uscc.js.
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
function checkChar(first17) {
	let sum = 0;
	let w = 1;
	for (let i = 0; i < 17; i++, w = (w * 3) % 31)
		sum += ALPHABET.indexOf(first17[i]) * w;
	return ALPHABET[(31 - (sum % 31)) % 31];
}

/* A fresh, valid unified social credit code. */
function freshUscc() {
	let s = '91110101';
	for (let i = 0; i < 9; i++)
		s += ALPHABET[Math.floor(Math.random() * 31)];
	return s + checkChar(s);
}

/* Wait until `locator`'s text matches `re`; fail with what it showed. */
async function expectText(locator, re, timeout = 15000) {
	const end = Date.now() + timeout;
	let last = '';
	for (;;) {
		try {
			last = await locator.innerText({ timeout: 1000 });
			if (re.test(last))
				return last;
		} catch {
			// not there yet
		}
		if (Date.now() > end)
			assert.fail(`expected ${re} in ${locator}, saw: ${JSON.stringify(last.slice(0, 400))}`);
		await page.waitForTimeout(100);
	}
}

/*
 * axe-core on the page as it now is: no WCAG 2.1 A/AA or best-practice
 * violation (labels, names, contrast, landmarks, ARIA).  Evaluated over
 * the DevTools protocol, so the page's CSP is neither needed nor touched.
 */
async function accessible(what) {
	await page.evaluate(AXE);
	const r = await page.evaluate(() => window.axe.run(document, {
		runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'],
	}));
	const found = r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
	assert.deepEqual(found, [], `accessibility of ${what}`);
}

const stateBadge = () => page.locator('#case-state');
const status = () => page.locator('#status');
const alertBox = () => page.locator('#alert');

async function login(username) {
	await page.goto(`${BASE}/#/login`);
	await page.getByLabel('用户名').fill(username);
	await page.getByLabel('密码').fill(PASSWORD);
	await page.getByRole('button', { name: '登录', exact: true }).click();
	await page.locator('#who:not([hidden])').waitFor();
}

async function logout() {
	await page.getByRole('button', { name: '退出登录' }).click();
	await page.getByRole('heading', { name: '登录' }).waitFor();
}

async function openCase() {
	await page.goto(`${BASE}/#/cases/${run.caseId}`);
	await page.getByRole('heading', { level: 1, name: new RegExp(`案件 #${run.caseId}`) }).waitFor();
}

/* Click the action button `label` and wait for its form. */
async function action(label) {
	await page.locator('.action-buttons').getByRole('button', { name: label, exact: true }).click();
	return page.locator('form.event-form');
}

function fetchHead(url) {
	return new Promise((resolve, reject) => {
		const req = https.request(url, { method: 'GET', ca: CA ? fs.readFileSync(CA) : undefined,
			rejectUnauthorized: Boolean(CA) }, (res) => {
			res.resume();
			resolve(res);
		});
		req.on('error', reject);
		req.end();
	});
}

before(async () => {
	fs.mkdirSync(SHOTS, { recursive: true });
	profile = fs.mkdtempSync(path.join(os.tmpdir(), 'paicha-chromium-'));
	context = await chromium.launchPersistentContext(profile, {
		executablePath: process.env.PAICHA_CHROMIUM || '/usr/bin/chromium',
		headless: true,
		args: [
			...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
			'--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync',
		],
		ignoreHTTPSErrors: true,
		viewport: { width: 1366, height: 768 },
		locale: 'zh-CN',
		timezoneId: 'Asia/Shanghai',
	});
	await context.exposeBinding('__paichaCsp', (_src, v) => { cspViolations.push(v); });
	await context.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) => {
			window.__paichaCsp(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
		});
	});
	page = context.pages()[0] || await context.newPage();
	page.setDefaultTimeout(15000);
	context.on('page', (p) => watch(p));
	watch(page);
});

/* Answers the browser logs as "Failed to load resource" that a step
   provokes on purpose: [status or net::ERR_..., url pattern].  The 401 of GET
   /api/v1/session is always expected: it is how the page learns that
   nobody is logged in yet. */
const expectedFailures = [['401', /\/api\/v1\/session$/],
	// A case referred to another region: the origin reads it, its actions
	// are the other region's (the page then shows it read-only).
	['404', /\/api\/v1\/cases\/\d+\/actions$/]];

/* Console errors and page errors of every tab are failures, save the
   browser's log lines for the expected failures above. */
function watch(p) {
	p.on('console', (m) => {
		if (m.type() !== 'error')
			return;
		const where = m.location()?.url || '';
		const st = /^Failed to load resource: (?:.*status of (\d+)|(net::ERR_\w+))/.exec(m.text());
		if (st && expectedFailures.some(([code, re]) => code === (st[1] || st[2]) && re.test(where)))
			return;
		consoleErrors.push(`${m.text()} (${where})`);
	});
	p.on('pageerror', (e) => pageErrors.push(String(e)));
}

/* A scenario step: skipped once an earlier step failed (each builds on
   the one before), so one failure is reported once, quickly -- the run
   still fails on it.  Every route the steps use is on the service: a
   missing one fails its step. */
let broken = null;
function step(name, fn) {
	test(name, async (t) => {
		if (broken) {
			t.skip(`after the failed step: ${broken}`);
			return;
		}
		try {
			await fn(t);
		} catch (e) {
			broken = name;
			throw e;
		}
	});
}

after(async () => {
	await context?.close();
	if (profile)
		fs.rmSync(profile, { recursive: true, force: true });
});

step('the page is served with the strict CSP and security headers', async () => {
	const res = await fetchHead(`${BASE}/`);
	assert.equal(res.statusCode, 200);
	assert.equal(res.headers['content-security-policy'], CSP);
	assert.equal(res.headers['x-content-type-options'], 'nosniff');
	const nav = await page.goto(`${BASE}/`);
	assert.equal((await nav.allHeaders())['content-security-policy'], CSP);
	await page.getByRole('heading', { name: '登录' }).waitFor();
	await accessible('the login page');
});

step('the page\'s credit code check agrees with GB 32100', async () => {
	const got = await page.evaluate(async () => {
		const m = await import('/js/uscc.js');
		return ['91350100M000100Y43', '91350100M000100Y44', '91350100M000100Y4', '9135010OM000100Y43']
		    .map((c) => m.check(c).ok);
	});
	// The standard's own example, a wrong check character, too short, a letter O.
	assert.deepEqual(got, [true, false, false, false]);
});

step('a wrong password is refused on the page', async () => {
	await page.getByLabel('用户名').fill('officer.bj');
	await page.getByLabel('密码').fill('wrong-password');
	await page.getByRole('button', { name: '登录', exact: true }).click();
	await expectText(page.locator('form .form-error'), /用户名或密码错误/);
});

step('officer.bj registers an enterprise, the credit code checked as typed', async () => {
	await login('officer.bj');
	await expectText(page.locator('#who'), /北京市执法人员/);
	await page.getByRole('link', { name: '企业', exact: true }).click();
	await page.getByRole('link', { name: '登记企业' }).click();
	await page.getByRole('heading', { name: '登记企业' }).waitFor();
	run.uscc = freshUscc();
	const wrong = run.uscc.slice(0, 17) + ALPHABET[(ALPHABET.indexOf(run.uscc[17]) + 1) % 31];
	const code = page.getByLabel('统一社会信用代码');
	await code.fill(wrong);
	await expectText(page.locator('#uscc-state'), /校验码不正确/);
	assert.equal(await code.getAttribute('aria-invalid'), 'true');
	await code.fill(`${run.uscc.slice(0, 10)}O`);
	await expectText(page.locator('#uscc-state'), /第11位“O”不是/);
	await code.fill(run.uscc.toLowerCase());
	await expectText(page.locator('#uscc-state'), /格式与校验码正确/);
	await page.getByLabel('企业名称').fill(run.name);
	await page.getByLabel('区县级').selectOption({ label: '东城区' });
	await page.getByLabel('地址').fill('北京市东城区测试路1号');
	await page.getByLabel('生产许可证编号').fill('XK13-014-00001');
	// The profile (issue 21): its licence lapsed a month ago.
	await page.getByLabel('生产许可证有效期至').fill(day(-30));
	await page.getByLabel('法定代表人').fill('张建华');
	await page.getByLabel('联系电话').fill('010-82262225');
	await page.getByLabel('重点产品生产企业集聚区').check();
	await accessible('the enterprise registration form');
	await page.getByRole('button', { name: '登记企业' }).click();
	await expectText(page.locator('#ent-result'), new RegExp(`已登记企业：${run.name}（${run.uscc}）`));
});

step('officer.bj registers a case for it', async () => {
	await page.getByRole('link', { name: '为该企业登记案件' }).click();
	await page.getByRole('heading', { name: '登记案件' }).waitFor();
	const chosen = page.getByRole('radio', { name: new RegExp(run.uscc) });
	await chosen.waitFor();
	assert.ok(await chosen.isChecked(), 'the enterprise just registered is chosen');
	await page.getByLabel('产品类别').selectOption({ label: '危险化学品' });
	await page.getByLabel('领域').selectOption({ label: '生产领域' });
	await page.getByLabel('问题来源').selectOption({ label: '监督抽查' });
	await page.getByLabel('风险等级').selectOption({ label: '高' });
	await page.getByLabel('无证生产', { exact: true }).check();
	await page.getByLabel('问题描述').fill('监督抽查发现产品安全技术说明书与实际成分不符');
	await accessible('the case registration form');
	await page.getByRole('button', { name: '登记案件' }).click();
	await page.waitForURL(/#\/cases\/\d+$/);
	run.caseId = Number(/#\/cases\/(\d+)$/.exec(page.url())[1]);
	await expectText(stateBadge(), /^发现登记$/);
	await expectText(status(), new RegExp(`已登记案件 #${run.caseId}`));
	await expectText(page.locator('.facts'), new RegExp(run.uscc));
	await expectText(page.locator('.facts'), /问题类型\s*无证生产/);
	await expectText(page.locator('.licence-alert'), /生产许可证XK13-014-00001已过期/);
	await expectText(page.locator('.timeline'), /登记案件/);
});

step('the enterprise page shows its profile, licences, grade and why, and its case', async () => {
	await page.locator('.facts').getByRole('link', { name: run.name }).click();
	await page.getByRole('heading', { level: 1, name: new RegExp(run.name) }).waitFor();
	const risk = page.locator('section:has(#risk-h)');
	await expectText(risk, /为什么是[ABCD]级/);
	await expectText(risk, /生产许可证过期、暂停或被撤销[\s\S]*查出重点问题[\s\S]*有未办结的问题/);
	await expectText(risk, /下次检查期限：\d{4}-\d{2}-\d{2}/);
	await expectText(page.locator('section:has(#prof-h)'), /张建华[\s\S]*010-82262225[\s\S]*重点产品生产企业集聚区/);
	await expectText(page.locator('section:has(#lic-h)'), /XK13-014-00001[\s\S]*已过期/);
	await expectText(page.locator('section:has(#hist-h)'), new RegExp(`案件 #${run.caseId}`));
	await accessible('the enterprise page');
	await page.screenshot({ path: path.join(SHOTS, 'enterprise.png'), fullPage: true });
	// Edited in place: a second phone number; the grade is given again.
	await page.getByRole('button', { name: '修改档案' }).click();
	await page.locator('form.edit-profile').getByLabel('联系电话').fill('010-82262226');
	await accessible('the enterprise profile form');
	await page.locator('form.edit-profile').getByRole('button', { name: '保存' }).click();
	await expectText(status(), /已保存企业档案/);
	await expectText(page.locator('section:has(#prof-h)'), /010-82262226/);
	// A phone's width: nothing scrolls sideways.
	await page.setViewportSize({ width: 390, height: 844 });
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	assert.ok(overflow <= 0, `the enterprise page is ${overflow}px wider than a 390px phone`);
	await accessible('the enterprise page on a phone');
	await page.setViewportSize({ width: 1366, height: 768 });
	await openCase();
});

/* A JPEG photo drawn by the browser itself (a canvas): its bytes. */
async function canvasPhoto() {
	const bytes = await page.evaluate(async () => {
		const c = document.createElement('canvas');
		c.width = 800;
		c.height = 600;
		const g = c.getContext('2d');
		const grad = g.createLinearGradient(0, 0, 800, 600);
		grad.addColorStop(0, '#2a6f97');
		grad.addColorStop(1, '#f4a261');
		g.fillStyle = grad;
		g.fillRect(0, 0, 800, 600);
		g.fillStyle = '#264653';
		g.fillRect(120, 200, 260, 220);
		g.fillStyle = '#e9c46a';
		g.fillRect(450, 260, 200, 160);
		const blob = await new Promise((r) => c.toBlob(r, 'image/jpeg', 0.9));
		return [...new Uint8Array(await blob.arrayBuffer())];
	});
	return Buffer.from(bytes);
}

/* The file item of the case page named `name`. */
const fileItem = (name) => page.locator('ul.files-grid > li', { has: page.locator('.file-name', { hasText: name }) });

/* Download `name` from the file panel: its bytes as the browser saved them. */
async function download(name) {
	const [dl] = await Promise.all([
		page.waitForEvent('download'),
		fileItem(name).getByRole('link', { name: `下载 ${name}` }).click(),
	]);
	assert.equal(dl.suggestedFilename(), name);
	return fs.readFileSync(await dl.path());
}

step('officer.bj uploads a photo and a PDF to the case: thumbnail, preview, SHA-256, and the bytes come back', async () => {
	run.photo = await canvasPhoto();
	run.pdf = pdfOf('Inspection report for the e2e browser test');
	const panel = page.locator('section.files');
	await panel.getByRole('heading', { name: '证据材料', exact: true }).waitFor();
	await expectText(panel, /尚无证据材料/);
	const picker = panel.getByLabel('选择文件（可多选）');
	assert.equal(await picker.getAttribute('multiple'), '');
	assert.equal(await panel.getByLabel('用手机拍照').getAttribute('capture'), 'environment');
	await panel.getByLabel('材料类别').selectOption({ label: '现场照片' });
	await picker.setInputFiles({ name: '现场照片.jpg', mimeType: 'image/jpeg', buffer: run.photo });
	await expectText(panel.locator('.upload-queue'), /现场照片\.jpg[\s\S]*已上传/);
	await panel.getByLabel('材料类别').selectOption({ label: '检验报告或者鉴定结论' });
	await picker.setInputFiles({ name: '检验报告.pdf', mimeType: 'application/pdf', buffer: run.pdf });
	await expectText(panel.locator('.upload-queue'), /检验报告\.pdf[\s\S]*已上传/);
	assert.equal(await panel.locator('.upload-queue progress').count(), 2);
	for (const bar of await panel.locator('.upload-queue progress').all())
		assert.equal(await bar.evaluate((b) => b.value), 100);
	await expectText(status(), /已上传/);

	// The photo's thumbnail, made by the service: loaded, at most 320 px.
	const thumb = fileItem('现场照片.jpg').locator('img.thumb');
	await thumb.waitFor();
	await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await thumb.elementHandle());
	const [tw, th] = await thumb.evaluate((el) => [el.naturalWidth, el.naturalHeight]);
	assert.ok(tw <= 320 && th <= 320 && Math.max(tw, th) === 320, `thumbnail ${tw}x${th}`);
	// The SHA-256 on hover: the bytes' own.
	assert.equal(await fileItem('现场照片.jpg').locator('.sha').getAttribute('title'), `SHA-256：${sha256(run.photo)}`);
	assert.equal(await fileItem('检验报告.pdf').locator('.sha').getAttribute('title'), `SHA-256：${sha256(run.pdf)}`);
	await expectText(fileItem('检验报告.pdf'), /检验报告或者鉴定结论/);

	// Downloaded: byte for byte what was uploaded.
	assert.ok((await download('现场照片.jpg')).equals(run.photo), 'the photo comes back as it went up');
	assert.ok((await download('检验报告.pdf')).equals(run.pdf), 'the PDF comes back as it went up');

	// Previews: the image in the page, the PDF in a frame.
	await fileItem('现场照片.jpg').getByRole('button', { name: '预览 现场照片.jpg' }).click();
	const big = page.locator('.file-preview img');
	await big.waitFor();
	await page.waitForFunction((el) => el.complete && el.naturalWidth === 800, await big.elementHandle());
	await page.locator('.file-preview').getByRole('button', { name: '关闭预览' }).click();
	await fileItem('检验报告.pdf').getByRole('button', { name: '预览 检验报告.pdf' }).click();
	const frame = page.locator('.file-preview iframe');
	await frame.waitFor();
	assert.match(await frame.getAttribute('src'), /\/api\/v1\/files\/\d+\?inline=true$/);
	await accessible('the case page with its files and a preview');
	await page.screenshot({ path: path.join(SHOTS, 'case-files.png'), fullPage: true });
	await page.locator('.file-preview').getByRole('button', { name: '关闭预览' }).click();
});

step('the file panel works on a phone, 390 px wide', async () => {
	await page.setViewportSize({ width: 390, height: 844 });
	await openCase();
	const item = fileItem('现场照片.jpg');
	await item.locator('img.thumb').waitFor();
	assert.ok(await item.locator('img.thumb').isVisible());
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	assert.ok(overflow <= 0, `the page is ${overflow}px wider than a 390px phone`);
	assert.ok((await download('检验报告.pdf')).equals(run.pdf), 'the PDF downloads on a phone too');
	await item.getByRole('button', { name: '预览 现场照片.jpg' }).click();
	await page.locator('.file-preview img').waitFor();
	const box = await page.locator('.file-preview img').boundingBox();
	assert.ok(box.width <= 390, `the preview is ${box.width}px wide`);
	await accessible('the case page with its files on a phone');
	await page.screenshot({ path: path.join(SHOTS, 'case-files-phone.png'), fullPage: true });
	await page.setViewportSize({ width: 1366, height: 768 });
	await openCase();
});

step('officer.bj orders rectification', async () => {
	const form = await action('责令整改');
	await form.getByRole('button', { name: '确认提交' }).click();
	await expectText(form.locator('[data-field="deadline"] .field-error'), /请选择整改期限/);
	await accessible('a case page with an action form showing an error');
	await form.getByLabel('整改期限').fill(day(30));
	await form.getByLabel('整改措施').fill('立即停止销售，15日内更换安全技术说明书');
	await form.getByRole('button', { name: '确认提交' }).click();
	await expectText(stateBadge(), /^责令整改$/);
	await expectText(status(), /已完成：责令整改/);
	await expectText(page.locator('section:has(#dl-h)'), new RegExp(`整改期限[\\s\\S]*${day(30)}`));
});

step('officer.bj records the rectification report; its answer is lost once and the retry is not a second event', async () => {
	// The first attempt reaches the service and commits, but its answer
	// never arrives (the connection is reset): the page retries with the
	// same Idempotency-Key and gets the first answer replayed.
	const url = new RegExp(`/api/v1/cases/${run.caseId}/transitions$`);
	const keys = [];
	let dropped = false;
	await page.route(url, async (route) => {
		keys.push(route.request().headers()['idempotency-key']);
		if (!dropped) {
			dropped = true;
			await route.fetch();
			await route.abort('connectionreset');
			return;
		}
		await route.continue();
	});
	const lost = ['net::ERR_CONNECTION_RESET', url];
	expectedFailures.push(lost);
	const form = await action('企业报告整改完成');
	await form.getByLabel('整改情况及证明材料').fill('企业已更换说明书并提交整改报告及照片');
	await form.getByRole('button', { name: '确认提交' }).click();
	await expectText(stateBadge(), /^整改复查$/);
	await page.unroute(url);
	expectedFailures.splice(expectedFailures.indexOf(lost), 1);
	assert.equal(keys.length, 2, 'one retry');
	assert.match(keys[0], /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
	assert.equal(keys[1], keys[0], 'the retry reuses the Idempotency-Key');
	const entries = await page.locator('.timeline li[data-event="report_rectification"]').count();
	assert.equal(entries, 1, 'the report is in the history once');
});

step('officer.bj holds an interview', async () => {
	const form = await action('约谈企业负责人');
	await form.getByLabel('约谈日期').fill(day(0));
	await form.getByRole('textbox', { name: '参加约谈人员 第1项' }).fill('王某（法定代表人）');
	await form.getByRole('button', { name: '添加一项参加约谈人员' }).click();
	await form.getByRole('textbox', { name: '参加约谈人员 第2项' }).fill('赵某（质量负责人）');
	await form.getByLabel('约谈纪要').fill('企业承诺落实质量安全主体责任，建立进货查验制度');
	await form.getByRole('button', { name: '确认提交' }).click();
	await expectText(stateBadge(), /^约谈$/);
	await expectText(page.locator('.timeline'), /王某（法定代表人）、赵某（质量负责人）/);
});

step('officer.bj proposes credit publication; it awaits legal review', async () => {
	const form = await action('行政处罚信息信用公示');
	await expectText(form, /须经法制审核/);
	await form.getByLabel('行政处罚决定书文号').fill('京东市监处罚〔2026〕88号');
	await form.getByLabel('罚款金额（元）').fill('5万');
	await form.getByLabel('没收金额（元）').fill('1200');
	await form.getByLabel('案值（元）').fill('36800.5');
	await form.getByLabel('公示日期').fill(day(0));
	await form.getByLabel('列入严重违法失信名单').check();
	// The 行政处罚信息摘要's own fields (API.md Part 2 "Data exchange").
	await form.getByLabel('违法行为类型').fill('生产、销售不符合保障人体健康和人身、财产安全的国家标准、行业标准的产品');
	await form.getByLabel('行政处罚内容').fill('罚款人民币五万元，没收违法所得人民币一千二百元');
	await form.getByLabel('作出行政处罚决定的机关').fill('北京市东城区市场监督管理局');
	await form.getByLabel('行政处罚决定日期').fill(day(0));
	await form.getByRole('button', { name: '提请法制审核' }).click();
	await expectText(form.locator('[data-field="fine_amount"] .field-error'), /金额格式不正确/);
	await form.getByLabel('罚款金额（元）').fill('50000');
	await form.getByRole('button', { name: '提请法制审核' }).click();
	await expectText(page.locator('.proposal'), /待法制审核：行政处罚信息信用公示/);
	await expectText(page.locator('.proposal'), /50,000\.00 元/);
	await expectText(stateBadge(), /^约谈$/);
	await expectText(status(), /已提请法制审核/);
	// Nothing that would change the state is offered while it is pending:
	// a note, and who answers for the case (assign), stay open.
	const offered = await page.locator('.action-buttons button').allInnerTexts();
	assert.deepEqual(offered, ['添加备注', '指定承办人']);
	await page.screenshot({ path: path.join(SHOTS, 'case.png'), fullPage: true });
});

step('the case list shows the case, its state and the per-state counts', async () => {
	await page.getByRole('link', { name: '案件列表' }).first().click();
	await page.getByRole('heading', { name: '案件列表' }).waitFor();
	const row = page.locator('table.list tbody tr', { hasText: `#${run.caseId}` });
	await expectText(row, /约谈[\s\S]*待审核：行政处罚信息信用公示/);
	await expectText(page.locator('nav.counts'), /约谈 [1-9]/);
	await page.getByLabel('关键词').fill(run.uscc);
	await page.getByRole('button', { name: '筛选' }).click();
	await page.waitForURL(/q=/);
	await expectText(page.locator('#list-summary'), /已显示 1 件/);
	await page.getByRole('link', { name: '清除筛选' }).click();
	await expectText(page.locator('#list-summary'), /已显示 [1-9]/);
	// The filtered list as a file: the link asks for it, the service answers.
	const csv = page.getByRole('link', { name: '导出 CSV' });
	assert.match(await csv.getAttribute('href'), /\/api\/v1\/cases\?.*format=csv/);
	const got = await page.request.get(BASE + await csv.getAttribute('href'));
	assert.equal(got.status(), 200);
	assert.match(got.headers()['content-type'], /text\/csv/);
	assert.match(await got.text(), /^\ufeff案件编号,/);
	assert.match(await page.getByRole('link', { name: /导出 Excel/ }).getAttribute('href'), /format=xlsx/);
	await accessible('the case list');
	await page.screenshot({ path: path.join(SHOTS, 'case-list.png'), fullPage: true });
});

step('logging out while the case list is still loading leaves no 401 behind', async () => {
	// The list's requests are held until the session has ended: without
	// the page cancelling them, each would then be answered 401.
	const before = consoleErrors.length;
	const held = [];
	const lists = /\/api\/v1\/cases(\/counts)?(\?|$)/;
	await page.route(lists, (r) => { held.push(r); });
	await page.goto(`${BASE}/#/cases?state=interview`);
	for (let i = 0; i < 200 && held.length < 2; i++)
		await page.waitForTimeout(50);
	assert.ok(held.length >= 2, `the list asked for ${held.length} of its lists`);
	await logout();
	await page.unroute(lists);
	for (const r of held)
		await r.continue().catch(() => {});
	await Promise.all(held.map((r) => r.request().response().catch(() => null)));
	assert.deepEqual(consoleErrors.slice(before), [], 'console errors after logging out');
	await expectText(page.locator('main h1'), /^登录$/);
});

step('the bell shows legal.bj the review request officer.bj made', async () => {
	await login('legal.bj');
	const bell = page.locator('#bell');
	await expectText(bell, /^通知 [1-9]\d*/);
	assert.match(await bell.getAttribute('aria-label'), /条未读/);
	await bell.click();
	await page.getByRole('heading', { name: '通知', level: 1 }).waitFor();
	const notice = page.locator('li.notice', { hasText: `案件 ${run.caseId}（` }).first();
	await expectText(notice, /待法制审核[\s\S]*未读[\s\S]*有待法制审核的提请/);
	assert.equal(await notice.getAttribute('data-kind'), 'review_requested');
	await accessible('the notification inbox');
	await notice.getByRole('link').click();
	await page.getByRole('heading', { level: 1, name: new RegExp(`案件 #${run.caseId}`) }).waitFor();
	await expectText(page.locator('.proposal'), /待法制审核：行政处罚信息信用公示/);
	// Read by following it: the inbox says so.
	await page.goto(`${BASE}/#/notifications`);
	await expectText(page.locator('li.notice', { hasText: `案件 ${run.caseId}（` }).first(), /标为已读|待法制审核/);
	assert.equal(await page.locator('li.notice.unread', { hasText: `案件 ${run.caseId}（` }).count(), 0);
});

step('legal.bj approves the publication from the inbox', async () => {
	await page.goto(`${BASE}/#/inbox`);
	await page.getByRole('heading', { name: '法制审核待办' }).waitFor();
	const card = page.locator('ul.inbox > li', { hasText: `案件 #${run.caseId}` });
	await expectText(card, /提议：行政处罚信息信用公示/);
	await card.getByRole('button', { name: `审核案件 #${run.caseId}` }).click();
	await expectText(card.locator('.proposal'), /京东市监处罚〔2026〕88号/);
	await accessible('the inbox with a proposal open');
	await card.getByRole('textbox', { name: /审核意见/ }).fill('事实清楚，证据确凿，同意公示');
	await card.getByRole('button', { name: '批准' }).click();
	await expectText(status(), new RegExp(`已批准案件 #${run.caseId} 的提议：行政处罚信息信用公示。案件状态：信用公示`));
	await page.locator('ul.inbox > li', { hasText: `案件 #${run.caseId}` }).waitFor({ state: 'detached' });
	await openCase();
	await expectText(stateBadge(), /^信用公示$/);
	await expectText(page.locator('.timeline'), /行政处罚信息信用公示（法制审核通过）/);
});

step('officer.bj proposes closing with a look-back date', async () => {
	await logout();
	await login('officer.bj');
	await openCase();
	const form = await action('办结');
	await form.getByLabel('办结结论').fill('企业已整改到位，罚没款已缴纳，信用信息已公示');
	await form.getByLabel('回头看日期').fill(day(90));
	await form.getByRole('button', { name: '提请法制审核' }).click();
	await expectText(page.locator('.proposal'), /待法制审核：办结/);
	await expectText(page.locator('.proposal'), new RegExp(day(90)));
});

step('legal.bj approves the closing; the look-back date is set', async () => {
	await logout();
	await login('legal.bj');
	const card = page.locator('ul.inbox > li', { hasText: `案件 #${run.caseId}` });
	await card.getByRole('button', { name: `审核案件 #${run.caseId}` }).click();
	await card.getByRole('button', { name: '批准' }).click();
	await expectText(status(), /案件状态：办结/);
	await openCase();
	await expectText(stateBadge(), /^办结$/);
	await expectText(page.locator('.facts'), new RegExp(`回头看日期\\s*${day(90)}`));
});

step('a case changed in another tab: 412, the user is told and the case reloads', async () => {
	await logout();
	await login('officer.bj');
	await openCase();
	const first = page;
	const other = await context.newPage();
	page = other;
	await openCase();
	let form = await action('添加备注');
	await form.getByLabel('备注').fill('另一窗口中添加的备注');
	await form.getByRole('button', { name: '确认提交' }).click();
	await expectText(status(), /已完成：添加备注/);
	await other.close();
	page = first;
	const before = await page.locator('.state-line').innerText();
	const provoked = ['412', new RegExp(`/api/v1/cases/${run.caseId}/transitions$`)];
	expectedFailures.push(provoked);
	form = await action('添加备注');
	await form.getByLabel('备注').fill('本窗口的备注');
	await form.getByRole('button', { name: '确认提交' }).click();
	await expectText(alertBox(), /该案件已被他人修改，已为您重新加载/);
	await expectText(page.locator('.timeline'), /另一窗口中添加的备注/);
	assert.notEqual(await page.locator('.state-line').innerText(), before, 'the version shown moved on');
	expectedFailures.splice(expectedFailures.indexOf(provoked), 1);
});

step('an expired session goes to the login page and back to the case', async () => {
	await context.clearCookies();
	await page.reload();
	await page.getByRole('heading', { name: '登录' }).waitFor();
	assert.match(decodeURIComponent(page.url()), new RegExp(`next=/cases/${run.caseId}`));
	await page.getByLabel('用户名').fill('officer.bj');
	await page.getByLabel('密码').fill(PASSWORD);
	await page.getByRole('button', { name: '登录', exact: true }).click();
	await page.getByRole('heading', { level: 1, name: new RegExp(`案件 #${run.caseId}`) }).waitFor();
});

step('the case page reads on a tablet without sideways scrolling', async () => {
	await page.setViewportSize({ width: 768, height: 1024 });
	await openCase();
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	assert.ok(overflow <= 0, `the page is ${overflow}px wider than a 768px tablet`);
	await accessible('a case page on a tablet');
	await page.setViewportSize({ width: 1366, height: 768 });
});

step('officer.bj records a risk investigation of the enterprise', async () => {
	const caseUrl = page.url();
	await page.getByRole('link', { name: '排查抽查等工作' }).click();
	await page.getByRole('heading', { name: /排查、抽查/ }).waitFor();
	await page.getByLabel('工作类型').selectOption({ label: '风险排查' });
	await page.getByLabel('产品类别').selectOption({ label: '危险化学品' });
	await page.getByLabel('日期').fill(day(0));
	await page.getByRole('searchbox', { name: '查找企业' }).fill(run.uscc);
	await page.getByRole('button', { name: '查找企业' }).click();
	const chosen = page.getByRole('radio', { name: new RegExp(run.uscc) });
	await chosen.waitFor();
	assert.ok(await chosen.isChecked(), 'the only match is chosen');
	await page.getByLabel('领域').selectOption({ label: '生产领域' });
	await page.getByLabel('发现问题').check();
	await page.getByRole('button', { name: '保存' }).click();
	await expectText(status(), /已保存：风险排查/);
	await accessible('the activities page');
	await expectText(page.locator('section:has(#act-list-h) tbody'), new RegExp(`风险排查[\\s\\S]*${run.name}[\\s\\S]*发现问题`));
	await page.goto(caseUrl);
	await expectText(stateBadge(), /^办结$/);
});

step('officer.bj records a spot check batch by batch', async () => {
	const caseUrl = page.url();
	await page.getByRole('link', { name: '排查抽查等工作' }).click();
	await page.getByRole('heading', { name: /排查、抽查/ }).waitFor();
	await page.getByLabel('工作类型').selectOption({ label: '监督抽查' });
	await page.getByLabel('产品类别').selectOption({ label: '危险化学品' });
	await page.getByLabel('日期').fill(day(0));
	await page.getByRole('searchbox', { name: '查找企业' }).fill(run.uscc);
	await page.getByRole('button', { name: '查找企业' }).click();
	await page.getByRole('radio', { name: new RegExp(run.uscc) }).waitFor();
	await page.getByLabel('领域').selectOption({ label: '生产领域' });
	await page.getByLabel('抽查渠道').selectOption({ label: '网络销售' });
	for (let i = 0; i < 2; i++)
		await page.getByRole('button', { name: '添加一批' }).click();
	const rows = page.locator('fieldset.row-set');
	for (const [i, result] of [[0, '合格'], [1, '不合格']]) {
		const r = rows.nth(i);
		await r.getByLabel('产品名称').fill('工业硫酸');
		await r.getByLabel('生产批号').fill(`2026110${i + 1}`);
		await r.getByLabel('检验依据（标准）').fill('GB/T 534-2014');
		await r.getByLabel('检验结论').selectOption({ label: result });
	}
	await rows.nth(1).getByLabel('不合格项目').fill('硫酸含量、灰分');
	assert.equal(await page.getByLabel(/^抽查批次/).inputValue(), '2');
	assert.equal(await page.getByLabel(/^不合格批次/).inputValue(), '1');
	assert.ok(await page.getByLabel(/^抽查批次/).isDisabled(), 'the count follows the batches');
	await accessible('the spot-check form with its batches');
	await page.setViewportSize({ width: 390, height: 844 });
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	assert.ok(overflow <= 0, `the spot-check form is ${overflow}px wider than a 390px phone`);
	await page.setViewportSize({ width: 1366, height: 768 });
	await page.getByRole('button', { name: '保存' }).click();
	await expectText(status(), /已保存：监督抽查/);
	await expectText(page.locator('section:has(#act-list-h) tbody'), /网络销售，抽查2批次，不合格1批次/);
	await page.goto(caseUrl);
	await expectText(stateBadge(), /^办结$/);
});

step('officer.bj imports enterprises: a bad row is shown in a table and nothing is imported; the corrected file is', async () => {
	await page.getByRole('link', { name: '批量导入' }).click();
	await page.getByRole('heading', { name: '批量导入' }).waitFor();
	assert.match(await page.getByRole('link', { name: 'Excel（XLSX）' }).getAttribute('href'), /\/imports\/template\?kind=enterprises&format=xlsx/);
	const good = [freshUscc(), freshUscc()];
	const rows = (codes) => '统一社会信用代码(uscc),企业名称(name),行政区划代码(region)\r\n' +
	    codes.map((c, i) => `${c},浏览器导入企业${Date.now()}-${i},110101\r\n`).join('');
	const bad = good[1].slice(0, 17) + (good[1][17] === '0' ? '1' : '0');
	await page.setInputFiles('input[type=file]', { name: '企业.csv', mimeType: 'text/csv', buffer: Buffer.from(rows([good[0], bad])) });
	// The refusal is the service's 422: the browser logs it as a failed load.
	const refused = ['422', /\/api\/v1\/imports\?kind=enterprises$/];
	expectedFailures.push(refused);
	await page.getByRole('button', { name: '导入' }).click();
	const errors = page.locator('table.import-errors');
	await expectText(errors, /第 3 行[\s\S]*统一社会信用代码（uscc）[\s\S]*校验位/);
	expectedFailures.splice(expectedFailures.indexOf(refused), 1);
	await page.getByRole('button', { name: '下载错误报告（CSV）' }).waitFor();
	await accessible('the import page with row errors');
	await page.setInputFiles('input[type=file]', { name: '企业.csv', mimeType: 'text/csv', buffer: Buffer.from(rows(good)) });
	await page.getByRole('button', { name: '导入' }).click();
	await expectText(page.locator('#import-out'), /已导入 2 条/);
	await expectText(page.locator('#import-history tbody'), /企业[\s\S]*2[\s\S]*CSV/);
	await page.screenshot({ path: path.join(SHOTS, 'import.png'), fullPage: true });
});

step('auditor.bj verifies the case\'s chain', async () => {
	await logout();
	await login('auditor.bj');
	await page.getByRole('heading', { name: '审计', exact: true }).waitFor();
	await page.getByLabel('案件编号').first().fill(String(run.caseId));
	await page.getByRole('button', { name: '校验' }).click();
	await expectText(page.locator('#verify-out'), /校验通过：案件 #\d+共检查 \d+ 条记录/);
	await accessible('the audit page');
	const csv = page.getByRole('link', { name: '导出 CSV' });
	const res = await page.request.get(new URL(await csv.getAttribute('href'), BASE).href);
	assert.equal(res.status(), 200);
	assert.match(res.headers()['content-type'], /csv/);
});

step('the campaign form shows the table and offers CSV and XLSX', async () => {
	await page.getByRole('link', { name: '统计报表' }).click();
	await page.getByRole('heading', { name: /情况统计表/ }).waitFor();
	const table = page.locator('table.report');
	await expectText(table, /危险化学品[\s\S]*合计/);
	// The risk investigation recorded above: one enterprise investigated,
	// problems found, in the production domain of 危险化学品.
	const row = await table.locator('tbody tr')
	    .filter({ has: page.getByRole('rowheader', { name: '危险化学品', exact: true }) })
	    .locator('td').allInnerTexts();
	assert.ok(Number(row[0]) >= 1 && Number(row[1]) >= 1, `危险化学品 row: ${row.slice(0, 4)}`);
	await expectText(table.locator('thead'), /风险排查[\s\S]*生产领域[\s\S]*排查企业/);
	for (const [name, type] of [['下载 CSV', /csv/], ['下载 Excel（XLSX）', /spreadsheetml|octet-stream/]]) {
		const href = await page.getByRole('link', { name }).getAttribute('href');
		const res = await page.request.get(new URL(href, BASE).href);
		assert.equal(res.status(), 200, `${name}: ${href}`);
		assert.match(res.headers()['content-type'], type);
	}
	await accessible('the campaign form');
	await page.screenshot({ path: path.join(SHOTS, 'report.png'), fullPage: true });
});

step('coord.bj\'s dashboard draws its charts, also at 390 px, and drills down', async () => {
	await logout();
	await login('coord.bj');
	await page.getByRole('heading', { name: '专项行动看板', level: 1 }).waitFor();
	await page.locator('.chart canvas').nth(2).waitFor();
	assert.equal(await page.locator('.chart canvas').count() >= 3, true, 'three charts');
	await expectText(page.locator('.milestones'), /完成风险排查[\s\S]*全面完成排查治理/);
	await expectText(page.locator('.tiles'), /清零率\s*\d+(\.\d)?%/);
	const regions = page.locator('table.dash-regions');
	await expectText(regions, /东城区/);
	await accessible('the dashboard');
	await page.screenshot({ path: path.join(SHOTS, 'dashboard.png'), fullPage: true });
	await page.setViewportSize({ width: 390, height: 844 });
	await page.reload();
	await page.locator('.chart canvas').nth(2).waitFor();
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	assert.ok(overflow <= 0, `the dashboard is ${overflow}px wider than a 390px phone`);
	const box = await page.locator('.chart canvas').first().boundingBox();
	assert.ok(box && box.width <= 390 && box.width > 200, `chart width ${box?.width}`);
	await accessible('the dashboard on a phone');
	await page.screenshot({ path: path.join(SHOTS, 'dashboard-390.png'), fullPage: true });
	await page.setViewportSize({ width: 1366, height: 768 });
	await regions.getByRole('link', { name: '东城区' }).click();
	await page.waitForURL(/region=110101/);
	await expectText(page.locator('p.crumbs'), /北京市 › 东城区/);
	await page.locator('.chart canvas').nth(2).waitFor();
});

step('coord.bj files the 2022 annual summary: preview, confirm, versions, also at 390 px', async () => {
	await page.getByRole('link', { name: '总结报送' }).click();
	await page.getByRole('heading', { name: '专项行动总结报送', level: 1 }).waitFor();
	await page.getByLabel('专项行动', { exact: true }).selectOption('2022');
	await page.getByLabel('报送类型').selectOption('annual');
	await page.getByRole('button', { name: '查看', exact: true }).click();
	const table = page.locator('table.sub-table');
	await expectText(table, /北京市（本级）[\s\S]*东城区/);
	await expectText(page.locator('.sub-milestones'), /报送全年总结及附表 2022-11-10/);
	const submit = page.locator('form.sub-submit');
	if (await submit.count() > 0) {
		// Confirm waits for a preview of the form to be frozen.
		assert.equal(await submit.getByRole('button', { name: '确认报送' }).isDisabled(), true);
		await submit.getByLabel('工作总结').fill('2022年度排查治理工作总结（浏览器测试）');
		await submit.getByRole('button', { name: '预览报表' }).click();
		await expectText(submit.locator('table.report'), /危险化学品[\s\S]*合计/);
		await accessible('the submit screen');
		await submit.getByRole('button', { name: '确认报送' }).click();
		await expectText(status(), /已报送（第\d+版，逾期）/);
	}
	const own = table.locator('tbody tr.own');
	await expectText(own, /逾期报送[\s\S]*第\d+版/);
	const href = await own.getByRole('link', { name: /第\d+版 Excel/ }).first().getAttribute('href');
	const res = await page.request.get(new URL(href, BASE).href);
	assert.equal(res.status(), 200, href);
	assert.match(res.headers()['content-type'], /spreadsheetml/);
	await expectText(table, /未报送/);
	await accessible('the reporting cycle page');
	await page.screenshot({ path: path.join(SHOTS, 'cycle.png'), fullPage: true });
	await page.setViewportSize({ width: 390, height: 844 });
	await page.reload();
	await expectText(page.locator('table.sub-table'), /北京市（本级）/);
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	assert.ok(overflow <= 0, `the reporting page is ${overflow}px wider than a 390px phone`);
	await accessible('the reporting cycle page on a phone');
	await page.setViewportSize({ width: 1366, height: 768 });
});

step('officer.bj refers the case to Shanghai; officer.sh accepts it from the inbox; the cases are linked', async () => {
	// A Shanghai enterprise's credit code, as officer.sh's directory has it.
	await logout();
	await login('officer.sh');
	const shEnt = await page.evaluate(async () => {
		const r = await fetch('/api/v1/enterprises?region=310000&limit=1');
		return (await r.json()).items[0];
	});
	assert.ok(shEnt?.uscc, 'a Shanghai enterprise to accept the referral for');
	await logout();
	await login('officer.bj');
	await openCase();
	await page.getByRole('link', { name: '移送/追查（跨地区）' }).click();
	await page.getByRole('heading', { level: 1, name: new RegExp(`移送/追查：案件 #${run.caseId}`) }).waitFor();
	const form = page.locator('form:has(#refer-h)');
	await form.getByLabel('类型').selectOption('trace_upstream');
	await form.getByLabel('省级').selectOption({ label: '上海市' });
	await form.getByLabel('统一社会信用代码').fill(shEnt.uscc);
	await form.getByRole('button', { name: '查询', exact: true }).click();
	await expectText(form.locator('.lookup-result'), /已找到/);
	await form.getByLabel('移送理由').fill('上游生产企业在上海（浏览器测试）');
	await accessible('the referral form');
	await form.getByRole('button', { name: '移送', exact: true }).click();
	await expectText(status(), /已移送至上海市，请其于 \d{4}-\d{2}-\d{2} 前决定/);
	const h1 = await expectText(page.getByRole('heading', { level: 1 }), /移送 #\d+/);
	run.referralId = /#(\d+)/.exec(h1)[1];

	await logout();
	await login('officer.sh');
	await page.getByRole('link', { name: '跨区域移送' }).click();
	const row = page.locator('table.list tbody tr', { has: page.getByRole('link', { name: `#${run.referralId}`, exact: true }) });
	// From the case's own district, to the province, with its deadline.
	await expectText(row, /东城区[\s\S]*上海市[\s\S]*向上游追查[\s\S]*\d{4}-\d{2}-\d{2}[\s\S]*待接收/);
	await accessible('the referrals inbox');
	await page.screenshot({ path: path.join(SHOTS, 'referrals.png'), fullPage: true });
	await page.setViewportSize({ width: 390, height: 844 });
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	assert.ok(overflow <= 0, `the referrals inbox is ${overflow}px wider than a 390px phone`);
	await accessible('the referrals inbox on a phone');
	await page.setViewportSize({ width: 1366, height: 768 });
	await row.getByRole('link', { name: `#${run.referralId}`, exact: true }).click();
	const accept = page.locator('form:has(#acc-h)');
	await expectText(accept, /本地企业[\s\S]*已选/);
	await accessible('the accept and return forms');
	await accept.getByLabel('问题描述（不填则沿用移出地区的描述）').fill('北京移送：追查本市生产企业（浏览器测试）');
	await accept.getByRole('button', { name: '接收', exact: true }).click();
	await expectText(status(), /已接收移送，新案件 #\d+/);
	const h = await expectText(page.getByRole('heading', { level: 1 }), /案件 #\d+/);
	run.referredId = /#(\d+)/.exec(h)[1];
	await expectText(page.locator('section.links'), new RegExp(`由外地移送而来[\\s\\S]*案件 #${run.caseId}`));
	await expectText(page.locator('dl.facts'), /外地移送/);

	// The origin reads the case it referred, and may not act on it.
	await logout();
	await login('officer.bj');
	await openCase();
	const links = page.locator('section.links');
	await expectText(links, new RegExp(`已移送外地[\\s\\S]*案件 #${run.referredId}`));
	await links.getByRole('link', { name: `案件 #${run.referredId}` }).click();
	await page.getByRole('heading', { level: 1, name: new RegExp(`案件 #${run.referredId}`) }).waitFor();
	await expectText(page.locator('section:has(#act-h)'), /您可以查阅，不能办理/);
	await accessible('a referred case, read by the origin');
});

step('admin registers a webhook (a private address refused), reads its delivery log and disables it, also at 390 px', async () => {
	await logout();
	await login('admin');
	await page.getByRole('link', { name: '数据推送' }).click();
	await page.getByRole('heading', { name: '数据推送（Webhook）', level: 1 }).waitFor();
	await accessible('the webhooks page');
	const form = page.locator('form:has(#wf-h)');
	await form.getByLabel('全部事件').uncheck();
	await form.getByLabel('企业', { exact: true }).check();
	await form.getByLabel(/签名密钥/).fill('browser-test-secret-0123456789');
	// A private address: the service's 422, logged by the browser.
	const refused = ['422', /\/api\/v1\/webhooks$/];
	expectedFailures.push(refused);
	await form.getByLabel(/接收地址/).fill('http://10.20.30.40/hook');
	await form.getByRole('button', { name: '登记' }).click();
	await expectText(form.locator('[data-field="url"] .field-error'), /不允许投递到本机、内网或保留地址/);
	expectedFailures.splice(expectedFailures.indexOf(refused), 1);
	const hookUrl = `http://127.0.0.1:9/browser-${Date.now()}`;
	await form.getByLabel(/接收地址/).fill(hookUrl);
	await form.getByRole('button', { name: '登记' }).click();
	await expectText(status(), /已登记推送地址 #\d+/);
	const row = page.locator('#webhook-list tbody tr').filter({ hasText: hookUrl });
	await expectText(row, /企业[\s\S]*启用/);
	assert.equal(await form.getByLabel(/签名密钥/).inputValue(), '', 'the secret is not kept in the form');
	await page.screenshot({ path: path.join(SHOTS, 'webhooks.png'), fullPage: true });
	await row.getByRole('link').click();
	await page.getByRole('heading', { name: /推送地址 #\d+/, level: 1 }).waitFor();
	await page.getByRole('heading', { name: '投递记录' }).waitFor();
	await accessible('a webhook\'s delivery log');
	await page.setViewportSize({ width: 390, height: 844 });
	await page.reload();
	await page.getByRole('heading', { name: '投递记录' }).waitFor();
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	assert.ok(overflow <= 0, `the delivery log is ${overflow}px wider than a 390px phone`);
	await accessible('a webhook\'s delivery log on a phone');
	await page.setViewportSize({ width: 1366, height: 768 });
	page.once('dialog', (d) => d.accept());
	await page.getByRole('button', { name: '停用' }).click();
	await expectText(page.locator('dl.facts'), /已停用/);
	await page.goto(`${BASE}/#/webhooks`);
	await page.setViewportSize({ width: 390, height: 844 });
	await expectText(page.locator('#webhook-list tbody tr').filter({ hasText: hookUrl }), /已停用/);
	const overflow2 = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	assert.ok(overflow2 <= 0, `the webhooks page is ${overflow2}px wider than a 390px phone`);
	await accessible('the webhooks page on a phone');
	await page.setViewportSize({ width: 1366, height: 768 });
});

/* ------------------------------------------------------------------ */
/* The enterprise portal (issue 20), on a phone                        */
/* ------------------------------------------------------------------ */

/* A JSON request from the page itself (same origin, the user's cookie). */
async function pageCall(method, url, body) {
	return page.evaluate(async ([m, u, b]) => {
		const r = await fetch(u, { method: m, headers: { 'Content-Type': 'application/json' },
			body: b === null ? undefined : JSON.stringify(b) });
		return [r.status, r.status === 204 ? null : await r.json()];
	}, [method, url, body]);
}

async function loginAs(username, password) {
	// Whoever the earlier steps left logged in logs out first.
	await page.goto(`${BASE}/`);
	const who = page.locator('#who:not([hidden])');
	await page.getByRole('heading', { level: 1, name: '登录' }).or(who).first().waitFor();
	if (await who.isVisible())
		await logout();
	await page.goto(`${BASE}/#/login`);
	await page.getByLabel('用户名').fill(username);
	await page.getByLabel('密码').fill(password);
	await page.getByRole('button', { name: '登录', exact: true }).click();
	await page.locator('#who:not([hidden])').waitFor();
}

const portal = { user: `qiye.flow${Date.now() % 100000000}`, once: null,
	password: `Zq7-Wb4-portal-${crypto.randomBytes(4).toString('hex')}`, caseId: null };

step('officer.bj makes an enterprise account (one-time password)', async () => {
	await loginAs('officer.bj', PASSWORD);
	const [st, e] = await pageCall('POST', '/api/v1/enterprises', {
		uscc: freshUscc(), name: `北京自查示范建材有限公司${Date.now() % 10000}`, region: '110105' });
	assert.equal(st, 201, JSON.stringify(e));
	const [st2, a] = await pageCall('POST', `/api/v1/enterprises/${e.id}/accounts`,
	    { username: portal.user, display_name: '自查示范企业' });
	assert.equal(st2, 201, JSON.stringify(a));
	assert.equal(a.must_change_password, true);
	portal.once = a.password;
	await logout();
});

step('the new account logs in on a phone and must change its password first', async () => {
	await page.setViewportSize({ width: 390, height: 844 });
	await loginAs(portal.user, portal.once);
	await page.getByRole('heading', { level: 1, name: '修改密码' }).waitFor();
	// Any other page leads back here until the password is its own.
	await page.goto(`${BASE}/#/portal/inspect`);
	await page.getByRole('heading', { level: 1, name: '修改密码' }).waitFor();
	await accessible('the forced password change on a phone');
	await page.getByLabel('当前密码（一次性密码）').fill(portal.once);
	await page.getByLabel(/^新密码/).fill(portal.password);
	await page.getByLabel('再次输入新密码').fill(portal.password);
	await page.getByRole('button', { name: '保存新密码' }).click();
	await page.getByRole('heading', { level: 1, name: '我的任务' }).waitFor();
	await expectText(page.locator('#main'), /目前没有需要处理的整改任务/);
});

step('the enterprise self-inspects with one failure reported as a major risk', async () => {
	await page.goto(`${BASE}/#/portal/inspect`);
	await page.getByRole('heading', { level: 1, name: '企业自查' }).waitFor();
	await page.getByLabel('产品类别').selectOption({ label: '水泥' });
	const item = page.locator('fieldset.items .item', { hasText: '出厂检验：逐批出厂检验' });
	await item.waitFor();
	await expectText(page.locator('fieldset.items'), /原材料进货检验[\s\S]*过程控制[\s\S]*出厂检验[\s\S]*生产设备[\s\S]*检验设施[\s\S]*水泥/);
	await item.getByLabel('不合格').check();
	await item.getByRole('textbox').fill('三月部分批次未做出厂检验');
	await page.getByLabel('存在重大质量安全风险（将报告监管部门）').check();
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	assert.ok(overflow <= 0, `the self-inspection form is ${overflow}px wider than a 390px phone`);
	await accessible('the self-inspection form on a phone');
	await page.screenshot({ path: path.join(SHOTS, 'portal-inspect-phone.png'), fullPage: true });
	await page.getByRole('button', { name: '提交自查结果' }).click();
	await page.getByRole('heading', { level: 1, name: '自查记录' }).waitFor();
	const rec = page.locator('ul.history > li').first();
	await expectText(rec, /不合格 1 项，已报告重大风险/);
	const link = await rec.getByRole('link', { name: /相关案件 \d+/ }).innerText();
	portal.caseId = Number(/\d+/.exec(link)[0]);
	await accessible('the self-inspection history on a phone');
	await logout();
});

step('officer.bj sees the new case from the self-inspection and orders rectification', async () => {
	await page.setViewportSize({ width: 1366, height: 768 });
	await loginAs('officer.bj', PASSWORD);
	await page.goto(`${BASE}/#/cases/${portal.caseId}`);
	await page.getByRole('heading', { level: 1, name: new RegExp(`案件 #${portal.caseId}`) }).waitFor();
	await expectText(page.locator('#main'), /企业自查/);
	await expectText(stateBadge(), /^发现登记$/);
	const form = await action('责令整改');
	await form.getByLabel('整改期限').fill(day(15));
	await form.getByLabel('整改措施').fill('补做出厂检验，留存检验记录');
	await form.getByRole('button', { name: '确认提交' }).click();
	await expectText(stateBadge(), /^责令整改$/);
	await page.goto(`${BASE}/#/self-inspections`);
	await page.getByRole('heading', { level: 1, name: '企业自查情况' }).waitFor();
	await expectText(page.locator('#main'), new RegExp(`案件 ${portal.caseId}`));
	await accessible('the officers\' self-inspection page');
	await logout();
});

step('the enterprise sees its task, uploads a photo as rectification evidence and reports', async () => {
	await page.setViewportSize({ width: 390, height: 844 });
	await loginAs(portal.user, portal.password);
	await page.getByRole('heading', { level: 1, name: '我的任务' }).waitFor();
	const task = page.locator(`li.task[data-id="${portal.caseId}"]`);
	await expectText(task, new RegExp(`整改期限：${day(15)}（还剩 \\d+ 天）[\\s\\S]*补做出厂检验`));
	await accessible('the enterprise\'s tasks on a phone');
	await task.getByRole('link', { name: '上传材料并报告整改' }).click();
	await page.getByRole('heading', { level: 1, name: new RegExp(`案件 ${portal.caseId}`) }).waitFor();
	await page.getByLabel('拍照上传').setInputFiles({ name: '整改照片.jpg', mimeType: 'image/jpeg', buffer: await canvasPhoto() });
	await expectText(page.locator('ul.my-files'), /整改照片\.jpg（整改证明材料/);
	await page.getByLabel('整改情况说明').fill('已补做出厂检验并建立检验台账，照片已上传');
	await accessible('the enterprise\'s case on a phone');
	await page.screenshot({ path: path.join(SHOTS, 'portal-case-phone.png'), fullPage: true });
	await page.getByRole('button', { name: '提交整改报告' }).click();
	await expectText(page.locator('#case-state'), /^整改复查$/);
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	assert.ok(overflow <= 0, `the portal's case page is ${overflow}px wider than a 390px phone`);
	await logout();
	await page.setViewportSize({ width: 1366, height: 768 });
});

step('officer.bj sees the report and the evidence', async () => {
	await loginAs('officer.bj', PASSWORD);
	await page.goto(`${BASE}/#/cases/${portal.caseId}`);
	await page.getByRole('heading', { level: 1, name: new RegExp(`案件 #${portal.caseId}`) }).waitFor();
	await expectText(stateBadge(), /^整改复查$/);
	await expectText(page.locator('#main'), /已补做出厂检验并建立检验台账/);
	await fileItem('整改照片.jpg').waitFor();
	await expectText(fileItem('整改照片.jpg'), /整改证明材料/);
	await logout();
});

test('no console error, page error or CSP violation happened', () => {
	assert.deepEqual(pageErrors, [], 'page errors');
	assert.deepEqual(consoleErrors, [], 'console errors');
	assert.deepEqual(cspViolations, [], 'CSP violations');
});
