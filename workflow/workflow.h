/*
 * workflow.h: the case workflow of paicha as data -- states, events,
 * roles, guards, approvals and deadlines.  Pure C: libc only, no I/O.
 */
#ifndef WORKFLOW_H
#define WORKFLOW_H

enum wf_role {
	WF_ROLE_OFFICER,	/* 执法人员 */
	WF_ROLE_LEGAL,		/* 法制/衔接 */
	WF_ROLE_AUDITOR,	/* 审计 */
	WF_ROLE_ADMIN,		/* 管理员 */
	WF_ROLE__MAX
};

/* API-stable role ids ("officer", ...) and Chinese labels. */
extern const char *const wf_role_ids[WF_ROLE__MAX];
extern const char *const wf_role_labels[WF_ROLE__MAX];

/* The role whose id is the string, or WF_ROLE__MAX. */
enum wf_role	 wf_role_parse(const char *);

#endif /* WORKFLOW_H */
