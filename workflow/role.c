/*
 * role.c: the roles a user may hold.
 */
#include <string.h>

#include "workflow.h"

const char *const wf_role_ids[WF_ROLE__MAX] = {
	[WF_ROLE_OFFICER] = "officer",
	[WF_ROLE_LEGAL] = "legal",
	[WF_ROLE_AUDITOR] = "auditor",
	[WF_ROLE_ADMIN] = "admin",
	[WF_ROLE_COORDINATOR] = "coordinator",
	[WF_ROLE_ENTERPRISE] = "enterprise",
};

const char *const wf_role_labels[WF_ROLE__MAX] = {
	[WF_ROLE_OFFICER] = "执法人员",
	[WF_ROLE_LEGAL] = "法制审核",
	[WF_ROLE_AUDITOR] = "审计",
	[WF_ROLE_ADMIN] = "管理员",
	[WF_ROLE_COORDINATOR] = "专项行动统筹",
	[WF_ROLE_ENTERPRISE] = "企业",
};

enum wf_role
wf_role_parse(const char *s)
{
	int	 i;

	for (i = 0; i < WF_ROLE__MAX; i++)
		if (strcmp(s, wf_role_ids[i]) == 0)
			return (enum wf_role)i;
	return WF_ROLE__MAX;
}
