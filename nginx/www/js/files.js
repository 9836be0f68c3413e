// files.js: a case's evidence files -- the panel on the case page (drop
// files, pick several, or take a photo with a phone's camera; a progress
// bar each; thumbnails, previews of images and PDFs, the SHA-256 on
// hover, withdrawal with a reason) and the transfer documents a legal
// reviewer opens from a proposal.  Speaks only the public API:
// POST /cases/{id}/files (the raw file, XHR for its upload progress),
// GET /cases/{id}/files, GET /files/{id}, POST /files/{id}/withdraw.

import { BASE, get, Change, ApiError, message, newKey } from './api.js';
import { h, replace, announce, alertMsg, field, textarea, select, showProblem, busy, nextId } from './dom.js';
import { dateTime } from './fmt.js';

const PARALLEL = 3;		// uploads at once
const TRIES = 3;		// a lost upload is sent again, same key
const RETRYABLE = new Set([0, 502, 503, 504]);

/* "1.2 MB" */
export function size(n) {
	if (n < 1024)
		return `${n} B`;
	if (n < 1024 * 1024)
		return `${(n / 1024).toFixed(1)} KB`;
	return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

const inlineOk = (t) => t === 'application/pdf' || t === 'image/jpeg' || t === 'image/png';
const fileUrl = (f, inline = false) => `${BASE}/files/${f.id}${inline ? '?inline=true' : ''}`;

/* The reason a problem gives, in Chinese where it names a field. */
function reason(e) {
	const errs = e?.problem?.errors || [];
	if (errs.length)
		return errs.map((x) => x.message).join('；');
	return message(e);
}

/*
 * Send one file with XHR (fetch reports no upload progress): resolves to
 * the file resource, rejects with ApiError.  `progress(fraction)`.
 */
export function sendFile(caseId, kind, file, key, progress) {
	return new Promise((resolve, reject) => {
		const xhr = new XMLHttpRequest();
		const q = new URLSearchParams({ kind, name: file.name });
		xhr.open('POST', `${BASE}/cases/${caseId}/files?${q}`);
		xhr.setRequestHeader('Accept', 'application/json');
		xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
		xhr.setRequestHeader('Idempotency-Key', key);
		xhr.upload.addEventListener('progress', (ev) => {
			if (ev.lengthComputable)
				progress(ev.loaded / ev.total);
		});
		xhr.addEventListener('load', () => {
			let data = null;
			try {
				data = JSON.parse(xhr.responseText);
			} catch {
				data = null;
			}
			if (xhr.status === 201)
				resolve(data);
			else
				reject(new ApiError(xhr.status, data));
		});
		xhr.addEventListener('error', () => reject(new ApiError(0, null)));
		xhr.addEventListener('abort', () => reject(new ApiError(0, null)));
		xhr.send(file);
	});
}

/* The file's SHA-256: its start shown, the whole on hover and to readers. */
function shaView(sha) {
	return h('span.sha', { title: `SHA-256：${sha}` },
	    'SHA-256 ', h('code', `${sha.slice(0, 12)}…`),
	    h('span.sr-only', `（完整值 ${sha}）`));
}

/* Where and when a photo was taken, from its EXIF. */
function exifView(x) {
	if (!x)
		return null;
	const parts = [];
	if (x.taken_at)
		parts.push(`拍摄于 ${dateTime(x.taken_at)}`);
	if (typeof x.lat === 'number' && typeof x.lon === 'number')
		parts.push(`位置 ${x.lat.toFixed(5)}, ${x.lon.toFixed(5)}`);
	return parts.length ? h('p.exif', parts.join(' · ')) : null;
}

/* A preview of `f` (an image or a PDF), shown in `slot`. */
function preview(slot, f, back) {
	const close = h('button', { type: 'button' }, '关闭预览');
	const body = f.type === 'application/pdf' ?
	    h('iframe.pdf', { src: fileUrl(f, true), title: `预览：${f.name}` }) :
	    h('img', { src: fileUrl(f, true), alt: `预览：${f.name}` });
	close.addEventListener('click', () => {
		replace(slot);
		back?.focus();
	});
	replace(slot, h('div.file-preview', { role: 'region', 'aria-label': `预览：${f.name}` },
	    h('div.preview-head', h('strong', f.name), close), body));
	close.focus();
}

/*
 * The file panel of case `c` for `user`: its files and, for officers and
 * legal staff, the upload form.  `kinds` [{id, label}] from the workflow.
 * `changed()` is called after an upload or a withdrawal.
 */
export function filePanel(c, user, kinds, { changed } = {}) {
	const mayChange = user.roles.some((r) => r === 'officer' || r === 'legal');
	const listSlot = h('div.file-list', { 'aria-live': 'polite' }, h('p.muted', '正在加载证据材料…'));
	const previewSlot = h('div');
	const section = h('section.card.files', { 'aria-labelledby': 'files-h' },
	    h('h2#files-h', '证据材料'),
	    mayChange ? uploadForm() : null,
	    listSlot, previewSlot);

	async function load() {
		let items;
		try {
			items = (await get(`/cases/${c.id}/files`)).data.items || [];
		} catch (e) {
			replace(listSlot, h('p.form-error', `证据材料加载失败：${message(e)}`));
			return;
		}
		draw(items);
	}

	function draw(items) {
		if (items.length === 0) {
			replace(listSlot, h('p.muted', '尚无证据材料。'));
			return;
		}
		replace(listSlot, h('ul.files-grid', items.map(item)));
	}

	function item(f) {
		const label = (kinds.find((k) => k.id === f.kind) || {}).label || f.kind_label || f.kind;
		const thumb = f.thumbnail ?
		    h('img.thumb', { src: f.thumbnail, alt: `缩略图：${f.name}`, loading: 'lazy', width: 160 }) :
		    h('span.thumb.type', { 'aria-hidden': 'true' },
			f.type === 'application/pdf' ? 'PDF' : (f.type.split('/')[1] || '文件').slice(0, 4).toUpperCase());
		const actions = h('div.file-actions');
		const dl = h('a.button', { href: fileUrl(f), download: f.name }, '下载');
		dl.setAttribute('aria-label', `下载 ${f.name}`);
		actions.appendChild(dl);
		if (inlineOk(f.type)) {
			const pv = h('button', { type: 'button', 'aria-label': `预览 ${f.name}` }, '预览');
			pv.addEventListener('click', () => preview(previewSlot, f, pv));
			actions.appendChild(pv);
		}
		const withdrawSlot = h('div');
		if (mayChange && !f.withdrawn) {
			const wd = h('button.danger', { type: 'button', 'aria-label': `撤回 ${f.name}`, 'aria-expanded': 'false' }, '撤回');
			wd.addEventListener('click', () => {
				wd.setAttribute('aria-expanded', 'true');
				replace(withdrawSlot, withdrawForm(f, () => {
					replace(withdrawSlot);
					wd.setAttribute('aria-expanded', 'false');
					wd.focus();
				}));
				withdrawSlot.querySelector('textarea').focus();
			});
			actions.appendChild(wd);
		}
		return h('li.file', { class: f.withdrawn ? 'file withdrawn' : 'file', dataset: { id: f.id, kind: f.kind } },
		    h('div.thumb-wrap', thumb),
		    h('div.file-meta',
			h('p.file-name', f.name),
			h('p.muted', `${label} · ${size(f.size)} · ${f.uploaded_by_name || f.uploaded_by} · ${dateTime(f.at)}`),
			exifView(f.exif),
			shaView(f.sha256),
			f.withdrawn ? h('p.withdrawn-note', h('span.badge.overdue-badge', '已撤回'),
			    ` ${f.withdrawn_by || ''} ${dateTime(f.withdrawn_at)}：${f.withdraw_reason || ''}`) : null,
			actions, withdrawSlot));
	}

	function withdrawForm(f, close) {
		const why = textarea({ rows: 2 });
		const change = new Change();
		const cancel = h('button', { type: 'button' }, '取消');
		const form = h('form.withdraw', { novalidate: true, 'aria-label': `撤回 ${f.name}` },
		    field('reason', '撤回理由', why, { required: true, hint: '文件不会被删除，撤回记录和理由将留存备查。' }),
		    h('div.actions', h('button.danger', { type: 'submit' }, '确认撤回'), cancel));
		cancel.addEventListener('click', close);
		form.addEventListener('submit', async (e) => {
			e.preventDefault();
			if (!why.value.trim()) {
				showProblem(form, { errors: [{ field: 'reason', message: '请填写撤回理由' }] });
				return;
			}
			busy(form, true);
			try {
				await change.send(`/files/${f.id}/withdraw`, { reason: why.value.trim() });
				announce(`已撤回：${f.name}`);
				await load();
				changed?.();
			} catch (err) {
				if (err instanceof ApiError && err.status === 409) {
					await load();
					alertMsg('该文件已被撤回。');
					return;
				}
				showProblem(form, err.problem, message(err));
			} finally {
				busy(form, false);
			}
		});
		return form;
	}

	function uploadForm() {
		const kindSel = select(kinds.map((k) => [k.id, k.label]), { value: 'photo' });
		const accept = 'image/jpeg,image/png,application/pdf,.ofd,application/ofd,.doc,.docx,' +
		    '.xls,.xlsx,video/mp4,text/plain,.txt,.csv';
		const pick = h('input.file-input', { type: 'file', multiple: true, accept });
		const camera = h('input.file-input', { type: 'file', accept: 'image/jpeg,image/png', capture: 'environment' });
		const queue = h('ul.upload-queue', { 'aria-label': '上传进度' });
		const drop = h('div.dropzone', { dataset: { over: 'false' } },
		    h('p', '将文件拖放到此处，或：'),
		    h('div.pickers',
			field('files', '选择文件（可多选）', pick, { hint: '照片、PDF、OFD、Word、Excel、MP4 视频、纯文本；单个文件不超过 50 MB。' }),
			field('camera', '用手机拍照', camera)));
		const form = h('form.upload', { novalidate: true, 'aria-labelledby': 'upload-h' },
		    h('h3#upload-h', '上传证据材料'),
		    field('kind', '材料类别', kindSel),
		    drop, queue);
		form.addEventListener('submit', (e) => e.preventDefault());

		let active = 0;
		const waiting = [];
		const pump = () => {
			while (active < PARALLEL && waiting.length)
				run(waiting.shift());
		};
		function enqueue(files) {
			for (const file of files) {
				const bar = h('progress', { max: 100, value: 0 });
				const id = nextId('up');
				const state = h('span.up-state', { id }, '等待上传');
				bar.setAttribute('aria-label', `${file.name} 上传进度`);
				bar.setAttribute('aria-describedby', id);
				const li = h('li', h('span.up-name', file.name), bar, state);
				queue.appendChild(li);
				waiting.push({ file, kind: kindSel.value, bar, state, li });
			}
			pump();
		}
		async function run(job) {
			active += 1;
			const key = newKey();
			job.state.textContent = '正在上传';
			try {
				let f = null;
				for (let i = 0; i < TRIES && f === null; i++) {
					try {
						f = await sendFile(c.id, job.kind, job.file, key, (x) => {
							job.bar.value = Math.round(x * 100);
						});
					} catch (e) {
						if (!(e instanceof ApiError) || !RETRYABLE.has(e.status) || i + 1 === TRIES)
							throw e;
						await new Promise((r) => setTimeout(r, 800 * 2 ** i));
					}
				}
				job.bar.value = 100;
				job.state.textContent = '已上传';
				job.li.classList.add('done');
				announce(`已上传：${job.file.name}`);
				await load();
				changed?.();
			} catch (e) {
				job.state.textContent = `上传失败：${reason(e)}`;
				job.li.classList.add('failed');
				alertMsg(`${job.file.name} 上传失败：${reason(e)}`);
			} finally {
				active -= 1;
				pump();
			}
		}
		for (const input of [pick, camera]) {
			input.addEventListener('change', () => {
				enqueue([...input.files]);
				input.value = '';
			});
		}
		drop.addEventListener('dragover', (e) => {
			e.preventDefault();
			drop.dataset.over = 'true';
		});
		drop.addEventListener('dragleave', () => { drop.dataset.over = 'false'; });
		drop.addEventListener('drop', (e) => {
			e.preventDefault();
			drop.dataset.over = 'false';
			enqueue([...(e.dataTransfer?.files || [])]);
		});
		return form;
	}

	load();
	return section;
}

/*
 * The documents of a transfer proposal (pending.documents): each with
 * whether the case holds a file of it, and links that open them.
 */
export function documentsView(pending) {
	const docs = pending?.documents;
	if (!Array.isArray(docs) || docs.length === 0)
		return null;
	const missing = docs.filter((d) => !d.has_file).length;
	return h('div.transfer-docs',
	    h('h3', '移送材料', missing ? h('span.badge.overdue-badge', ` ${missing} 项缺少文件`) :
		h('span.badge', ' 均已上传')),
	    h('ul.checklist', docs.map((d) => h('li', { dataset: { doc: d.id, has: String(Boolean(d.has_file)) } },
		h('span', { class: d.has_file ? 'doc-ok' : 'doc-missing' }, d.has_file ? '✓ ' : '✗ ', d.label),
		d.has_file ? h('span.doc-files', '：', (d.files || []).map((f, i) => [i ? '、' : '',
		    h('a', { href: fileUrl(f, inlineOk(f.type)), target: '_blank', rel: 'noopener' }, f.name)])) :
		    h('span.muted', '（未上传）')))));
}
