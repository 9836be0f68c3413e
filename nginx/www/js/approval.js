// approval.js: a case's pending proposal, and the legal reviewer's
// approve/reject form (POST /cases/{id}/approval with If-Match and an
// Idempotency-Key), used by the case page and the inbox alike.

import { Change, ApiError, message } from './api.js';
import { h, field, textarea, showProblem, busy, nextId } from './dom.js';
import { eventLabel, stateLabel } from './ref.js';
import { dateTime } from './fmt.js';
import { payloadList } from './forms.js';
import { documentsView } from './files.js';

/* The proposal of case `c` (c.pending not null) in words. */
export function proposalView(c, headingLevel = 'h2') {
	const p = c.pending;
	return h('section.card.proposal', { 'aria-label': '待法制审核的提议' },
	    h(headingLevel, `待法制审核：${p.label || eventLabel(p.event)}`),
	    h('p',
		`由 ${p.by?.display_name || p.by?.username || '—'} 于 ${dateTime(p.at)} 提出`,
		p.target && p.target !== c.state ? `，批准后案件转为“${stateLabel(p.target)}”` : '',
		'。'),
	    payloadList(p.payload, p.documents ? ['documents'] : []),
	    documentsView(p));
}

/*
 * The decision form for case `c`.  `done(result, decision)` is called
 * after the service answered 200; `stale()` after a 412 or 409 (the
 * case changed: reload it).
 */
export function approvalForm(c, { done, stale }) {
	const comment = textarea({ rows: 2 });
	const change = new Change();
	const id = nextId('ap');
	const approve = h('button.primary', { type: 'submit', value: 'approve' }, '批准');
	const reject = h('button.danger', { type: 'submit', value: 'reject' }, '驳回');
	const form = h('form.approval', { novalidate: true, 'aria-labelledby': id },
	    h('h3', { id }, '法制审核意见'),
	    field('comment', '审核意见（驳回时必填）', comment),
	    h('div.actions', approve, reject));
	let chosen = 'approve';	// for browsers without SubmitEvent.submitter
	approve.addEventListener('click', () => { chosen = 'approve'; });
	reject.addEventListener('click', () => { chosen = 'reject'; });
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		const decision = (e.submitter?.value || chosen) === 'reject' ? 'reject' : 'approve';
		if (decision === 'reject' && !comment.value.trim()) {
			showProblem(form, { errors: [{ field: 'comment', message: '驳回时请填写理由' }] });
			return;
		}
		busy(form, true);
		try {
			const body = { decision };
			if (comment.value.trim())
				body.comment = comment.value.trim();
			const r = await change.send(`/cases/${c.id}/approval`, body, r0etag(c));
			done(r, decision);
		} catch (err) {
			if (err instanceof ApiError && (err.status === 412 || err.status === 409)) {
				stale(message(err));
				return;
			}
			if (err instanceof ApiError && err.status === 401)
				return;
			showProblem(form, err.problem, message(err));
		} finally {
			busy(form, false);
		}
	});
	return form;
}

/* The If-Match value for a case: its ETag when known, else its version. */
export function r0etag(c) {
	return c._etag || `"${c.version}"`;
}
