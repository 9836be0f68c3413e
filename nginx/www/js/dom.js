// dom.js: building elements without innerHTML (every string from the
// server becomes a text node, never markup), the live regions, and the
// form helpers every page shares: labelled fields, errors next to the
// field they name.

let uid = 0;

/* A fresh id for label/aria wiring. */
export function nextId(prefix = 'f') {
	uid += 1;
	return `${prefix}-${uid}`;
}

/*
 * h('tag.class#id', {attr: value, onclick: fn, ...}, child, ...)
 * Children may be strings, numbers, nodes, arrays, null or false.
 */
export function h(spec, attrs, ...children) {
	const m = /^([a-z0-9]+)((?:[.#][\w-]+)*)$/i.exec(spec);
	const el = document.createElement(m ? m[1] : spec);
	if (m && m[2]) {
		for (const part of m[2].match(/[.#][\w-]+/g)) {
			if (part[0] === '.')
				el.classList.add(part.slice(1));
			else
				el.id = part.slice(1);
		}
	}
	if (attrs && (typeof attrs !== 'object' || attrs instanceof Node ||
	    Array.isArray(attrs))) {
		children.unshift(attrs);
		attrs = null;
	}
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false)
			continue;
		if (k.startsWith('on') && typeof v === 'function')
			el.addEventListener(k.slice(2), v);
		else if (k === 'class')
			el.className = v;
		else if (k === 'dataset')
			Object.assign(el.dataset, v);
		else if (k === 'value' || k === 'checked' || k === 'selected')
			el[k] = v;
		else
			el.setAttribute(k, v === true ? '' : String(v));
	}
	append(el, children);
	return el;
}

function append(el, children) {
	for (const c of children) {
		if (c === null || c === undefined || c === false)
			continue;
		if (Array.isArray(c))
			append(el, c);
		else if (c instanceof Node)
			el.appendChild(c);
		else
			el.appendChild(document.createTextNode(String(c)));
	}
}

export function clear(el) {
	while (el.firstChild)
		el.removeChild(el.firstChild);
	return el;
}

export function replace(el, ...children) {
	clear(el);
	append(el, children);
	return el;
}

/*
 * A horizontally scrollable wrapper for a wide table: a named region
 * that joins the tab order only while its content overflows, so that
 * keyboard users can scroll it and nobody tabs through a dead stop.
 */
export function tableWrap(label, table, cls = '') {
	const wrap = h(`div.table-wrap${cls}`, { role: 'region', 'aria-label': label }, table);
	const update = () => {
		if (wrap.scrollWidth > wrap.clientWidth + 1)
			wrap.setAttribute('tabindex', '0');
		else
			wrap.removeAttribute('tabindex');
	};
	if (typeof ResizeObserver === 'function') {
		const ro = new ResizeObserver(update);
		ro.observe(wrap);
		ro.observe(table);
	} else {
		wrap.setAttribute('tabindex', '0');
	}
	return wrap;
}

/* ------------------------------------------------------------------ */
/* Live regions                                                        */
/* ------------------------------------------------------------------ */

let statusTimer = 0;

/* A polite status message (saved, loaded, approved ...). */
export function announce(msg) {
	const s = document.getElementById('status');
	const a = document.getElementById('alert');
	a.textContent = '';
	a.classList.remove('shown');
	// Emptied first so the same message twice is read twice.
	s.textContent = '';
	clearTimeout(statusTimer);
	setTimeout(() => {
		s.textContent = msg;
		s.classList.add('shown');
	}, 30);
	statusTimer = setTimeout(() => s.classList.remove('shown'), 8000);
}

/* An assertive message: something failed or needs the user's eyes. */
export function alertMsg(msg) {
	const a = document.getElementById('alert');
	const s = document.getElementById('status');
	s.textContent = '';
	s.classList.remove('shown');
	a.textContent = '';
	setTimeout(() => {
		a.textContent = msg;
		a.classList.add('shown');
	}, 30);
}

/* Focus the page's heading so a screen reader announces the new page. */
export function focusHeading(root) {
	const h1 = root.querySelector('h1');
	if (h1) {
		h1.setAttribute('tabindex', '-1');
		h1.focus();
	}
}

let flashed = '';

/* A status message for the page about to be shown (after navigation). */
export function flash(msg) {
	flashed = msg;
}

export function takeFlash() {
	const f = flashed;
	flashed = '';
	return f;
}

export function clearMessages() {
	for (const id of ['status', 'alert']) {
		const el = document.getElementById(id);
		el.textContent = '';
		el.classList.remove('shown');
	}
}

/* ------------------------------------------------------------------ */
/* Fields                                                              */
/* ------------------------------------------------------------------ */

/*
 * A labelled field: returns the wrapper (data-field=name) holding the
 * label, the control, an optional hint and the error slot the server's
 * errors[] for `name` go into.
 */
export function field(name, label, control, { hint, required } = {}) {
	const id = control.id || nextId('f');
	control.id = id;
	if (!control.name && 'name' in control)
		control.name = name;
	const errId = `${id}-err`;
	const described = [errId];
	let hintEl = null;
	if (hint) {
		hintEl = h('p.hint', { id: `${id}-hint` }, hint);
		described.unshift(hintEl.id);
	}
	control.setAttribute('aria-describedby', described.join(' '));
	if (required)
		control.required = true;
	const isCheck = control.type === 'checkbox';
	const lab = h('label', { for: id }, label,
	    required ? h('span.req', { 'aria-hidden': 'true' }, ' *') : null);
	return h('div.field' + (isCheck ? '.check' : ''), { dataset: { field: name } },
	    isCheck ? [control, lab] : [lab, control],
	    hintEl, h('p.field-error', { id: errId }));
}

export function input(attrs = {}) {
	return h('input', { type: 'text', autocomplete: 'off', ...attrs });
}

export function textarea(attrs = {}) {
	return h('textarea', { rows: 3, ...attrs });
}

/* A select from [[value, label], ...]; `empty` adds a first blank option. */
export function select(options, { value = '', empty = null, ...attrs } = {}) {
	const s = h('select', attrs);
	if (empty !== null)
		s.appendChild(h('option', { value: '' }, empty));
	for (const [v, l] of options)
		s.appendChild(h('option', { value: v }, l));
	s.value = value ?? '';
	return s;
}

/* Remove every error shown in `form`. */
export function clearErrors(form) {
	for (const e of form.querySelectorAll('.field-error'))
		e.textContent = '';
	for (const e of form.querySelectorAll('[aria-invalid]'))
		e.removeAttribute('aria-invalid');
	const box = form.querySelector('.form-error');
	if (box) {
		box.textContent = '';
		box.hidden = true;
	}
}

/* Mark one field of `form` invalid with `msg`; false when no such field. */
export function fieldError(form, name, msg) {
	const wrap = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
	if (!wrap)
		return false;
	const slot = wrap.querySelector('.field-error');
	slot.textContent = slot.textContent ? `${slot.textContent}；${msg}` : msg;
	for (const c of wrap.querySelectorAll('input, select, textarea'))
		c.setAttribute('aria-invalid', 'true');
	return true;
}

/*
 * Show a problem's errors[] next to the fields they name; what names no
 * field here (or a problem without errors[]) goes in the form's error
 * box.  Focuses the first invalid field.  Returns the text shown.
 */
export function showProblem(form, problem, fallback) {
	clearErrors(form);
	const rest = [];
	for (const e of problem?.errors || []) {
		const name = String(e.field || '').replace(/^payload\./, '');
		if (!fieldError(form, name, e.message || '无效'))
			rest.push(e.field ? `${e.field}：${e.message}` : e.message);
	}
	let box = form.querySelector('.form-error');
	if (!box) {
		box = h('p.form-error', { role: 'alert' });
		form.prepend(box);
	}
	const msg = rest.length ? rest.join('；') :
	    (problem?.errors?.length ? '请更正标出的字段。' : fallback);
	box.textContent = msg || '';
	box.hidden = !msg;
	const bad = form.querySelector('[aria-invalid="true"]');
	if (bad)
		bad.focus();
	return msg;
}

/* Disable a form's controls while a request runs. */
export function busy(form, on) {
	form.setAttribute('aria-busy', on ? 'true' : 'false');
	for (const b of form.querySelectorAll('button, input[type=submit]'))
		b.disabled = on;
}
