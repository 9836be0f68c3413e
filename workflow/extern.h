/*
 * extern.h: what the files of workflow/ share and nothing outside needs.
 */
#ifndef WF_EXTERN_H
#define WF_EXTERN_H

/*
 * Check the payload of an event against its fields: append one
 * wf_error per offending field (several for an incomplete documents
 * list), then one per key the event does not declare, to the verdict,
 * up to WF_MAX_ERRORS.  Leaves outcome and `to` alone.  (payload.c)
 */
void		 wf_payload_check(enum wf_event, const struct wf_payload *,
			int today, struct wf_verdict *);

/*
 * Read a date field of a payload into a day number.  Returns 0 and sets
 * *day, or -1 (leaving *day alone) when the field is absent, not a
 * string or not a valid date.  The payload may be NULL.  (payload.c)
 */
int		 wf_payload_date(const struct wf_payload *, const char *field,
			int *day);

#endif /* WF_EXTERN_H */
