/*
 * routes.c: every route of the service, one row each -- its method and
 * path, what the front line must do around its handler (flags), who may
 * call it, the largest body it takes, and the handler.  A new route is
 * one more row here and one handler in resources/.
 *
 * Flags (front/front.h): EP_PUBLIC no session; EP_JSON a JSON body;
 * EP_LOOPBACK from this host only; EP_REPLICA a replica may answer;
 * EP_TX a read-write transaction the front line commits after a 2xx;
 * EP_SNAPSHOT one read-only snapshot; EP_IF_MATCH If-Match required;
 * EP_IDEM an Idempotency-Key is honoured; EP_BODY a raw body read whole
 * (bounded by the row's limit: an import); EP_RAW a raw body (a file)
 * the handler streams, up to the row's limit; EP_EXPORT a list that
 * runs in one snapshot when it is asked for a file (?format=csv|xlsx).
 */
#include <stddef.h>

#include "front/front.h"
#include "resources/resources.h"

/* The regulator's people; an enterprise's account is not among them. */
#define EVERYONE	(R(OFFICER) | R(LEGAL) | R(AUDITOR) | R(ADMIN) | \
			    R(COORDINATOR))
/* ... and an enterprise's own account, where its own rows answer. */
#define WITH_OWN	(EVERYONE | R(ENTERPRISE))
#define CHANGE		(EP_JSON | EP_TX)	/* a change with a JSON body */
#define IMPORT_BYTES	(10 * 1024 * 1024)	/* an import's file */

enum ep {
	EP_HEALTHZ,
	EP_METRICS,
	EP_SESSION_CREATE,
	EP_SESSION_GET,
	EP_SESSION_DELETE,
	EP_SESSION_PASSWORD,
	EP_CASE_CREATE,
	EP_CASE_LIST,
	EP_CASE_COUNTS,
	EP_CASE_GET,
	EP_CASE_ACTIONS,
	EP_CASE_EVENTS,
	EP_CASE_TRANSITION,
	EP_CASE_APPROVAL,
	EP_CASE_ASSIGNABLE,
	EP_NOTIFICATION_LIST,
	EP_NOTIFICATION_READ,
	EP_SUPERVISION_CREATE,
	EP_SUPERVISION_LIST,
	EP_SUPERVISION_GET,
	EP_SUPERVISION_REPORT,
	EP_SUPERVISION_CLOSE,
	EP_DASHBOARD,
	EP_FILE_UPLOAD,
	EP_FILE_LIST,
	EP_FILE_GET,
	EP_FILE_THUMBNAIL,
	EP_FILE_WITHDRAW,
	EP_WORKFLOW,
	EP_REGIONS,
	EP_CATEGORY_LIST,
	EP_CATEGORY_CREATE,
	EP_CAMPAIGNS,
	EP_CAMPAIGN_CREATE,
	EP_CAMPAIGN_GET,
	EP_CAMPAIGN_PATCH,
	EP_SUBMISSION_CREATE,
	EP_SUBMISSION_LIST,
	EP_SUBMISSION_GET,
	EP_SUBMISSION_RETURN,
	EP_LATE_ENTRIES,
	EP_ROLLUP,
	EP_ENTERPRISE_CREATE,
	EP_ENTERPRISE_LIST,
	EP_ENTERPRISE_LOOKUP,
	EP_ENTERPRISE_GET,
	EP_ENTERPRISE_PATCH,
	EP_PROBLEM_TYPES,
	EP_RISK_RULE,
	EP_USER_LIST,
	EP_USER_GET,
	EP_USER_CREATE,
	EP_USER_PATCH,
	EP_ACCOUNT_CREATE,
	EP_CHECKLISTS,
	EP_CHECKLIST_CREATE,
	EP_SELF_INSPECTION_CREATE,
	EP_SELF_INSPECTION_LIST,
	EP_SELF_INSPECTION_MISSING,
	EP_ACTIVITY_CREATE,
	EP_ACTIVITY_LIST,
	EP_ACTIVITY_GET,
	EP_ACTIVITY_VOID,
	EP_REPORT_CAMPAIGN,
	EP_REPORT_PROBLEM_TYPES,
	EP_AUDIT_EVENTS,
	EP_AUDIT_VERIFY,
	EP_AUDIT_CHECKPOINT,
	EP_AUDIT_PROOF,
	EP_IMPORT_CREATE,
	EP_IMPORT_CHECK,
	EP_IMPORT_TEMPLATE,
	EP_IMPORT_LIST,
	EP_IMPORT_GET,
	EP_FEED,
	EP_REPORT_CREDIT,
	EP_OPENAPI,
	EP__MAX
};

const struct endpoint endpoints[EP__MAX] = {
	/* Operations */
	[EP_HEALTHZ] = { METHOD_GET, "/healthz", EP_PUBLIC, ROLES_ANY, 0,
	    health_get },
	[EP_METRICS] = { METHOD_GET, "/metrics", EP_PUBLIC | EP_LOOPBACK,
	    ROLES_ANY, 0, metrics_get },
	/*
	 * Sessions: the login and a password change hash outside any
	 * transaction, and record a failure that must stay (sessions.c).
	 */
	[EP_SESSION_CREATE] = { METHOD_POST, "/api/v1/session",
	    EP_PUBLIC | EP_JSON, ROLES_ANY, 4096, session_create },
	[EP_SESSION_GET] = { METHOD_GET, "/api/v1/session", EP_FIRST,
	    ROLES_ANY, 0, session_get },
	[EP_SESSION_DELETE] = { METHOD_DELETE, "/api/v1/session", EP_FIRST,
	    ROLES_ANY, 0, session_delete },
	[EP_SESSION_PASSWORD] = { METHOD_POST, "/api/v1/session/password",
	    EP_JSON | EP_FIRST, ROLES_ANY, 4096, session_password },
	/* Cases */
	[EP_CASE_CREATE] = { METHOD_POST, "/api/v1/cases", CHANGE | EP_IDEM,
	    R(OFFICER), 0, case_create },
	/* With ?format=csv|xlsx, the whole list in one snapshot. */
	[EP_CASE_LIST] = { METHOD_GET, "/api/v1/cases", EP_EXPORT, WITH_OWN,
	    0, case_list },
	[EP_CASE_COUNTS] = { METHOD_GET, "/api/v1/cases/counts", 0, EVERYONE,
	    0, case_counts },
	[EP_CASE_GET] = { METHOD_GET, "/api/v1/cases/#", 0, WITH_OWN, 0,
	    case_get },
	[EP_CASE_ACTIONS] = { METHOD_GET, "/api/v1/cases/#/actions", 0,
	    EVERYONE, 0, case_actions },
	[EP_CASE_EVENTS] = { METHOD_GET, "/api/v1/cases/#/events", EP_REPLICA,
	    EVERYONE, 0, case_events_get },
	[EP_CASE_TRANSITION] = { METHOD_POST, "/api/v1/cases/#/transitions",
	    CHANGE | EP_IF_MATCH | EP_IDEM, R(OFFICER) | R(LEGAL) |
	    R(ENTERPRISE), 0, case_transition },
	[EP_CASE_APPROVAL] = { METHOD_POST, "/api/v1/cases/#/approval",
	    CHANGE | EP_IF_MATCH | EP_IDEM, EVERYONE, 0, case_approval },
	[EP_CASE_ASSIGNABLE] = { METHOD_GET, "/api/v1/cases/#/assignable", 0,
	    EVERYONE, 0, case_assignable },
	/* Responsibility, reminders, supervision (API.md Part 2) */
	[EP_NOTIFICATION_LIST] = { METHOD_GET, "/api/v1/notifications", 0,
	    ROLES_ANY, 0, notification_list },
	[EP_NOTIFICATION_READ] = { METHOD_POST, "/api/v1/notifications/read",
	    CHANGE, ROLES_ANY, 4096, notification_read },
	[EP_SUPERVISION_CREATE] = { METHOD_POST, "/api/v1/supervisions",
	    CHANGE | EP_IDEM, R(COORDINATOR), 16384, supervision_create },
	[EP_SUPERVISION_LIST] = { METHOD_GET, "/api/v1/supervisions", 0,
	    EVERYONE, 0, supervision_list },
	[EP_SUPERVISION_GET] = { METHOD_GET, "/api/v1/supervisions/#", 0,
	    EVERYONE, 0, supervision_get },
	[EP_SUPERVISION_REPORT] = { METHOD_POST,
	    "/api/v1/supervisions/#/reports", CHANGE | EP_IDEM,
	    R(OFFICER) | R(COORDINATOR), 16384, supervision_report },
	[EP_SUPERVISION_CLOSE] = { METHOD_POST,
	    "/api/v1/supervisions/#/close", CHANGE, R(COORDINATOR), 16384,
	    supervision_close },
	[EP_DASHBOARD] = { METHOD_GET, "/api/v1/dashboard", EP_SNAPSHOT,
	    EVERYONE, 0, dashboard_get },
	/* Evidence files: streamed in and out, never the whole in memory. */
	[EP_FILE_UPLOAD] = { METHOD_POST, "/api/v1/cases/#/files",
	    EP_RAW | EP_TX | EP_IDEM, R(OFFICER) | R(LEGAL) | R(ENTERPRISE),
	    MAX_UPLOAD, file_upload },
	[EP_FILE_LIST] = { METHOD_GET, "/api/v1/cases/#/files", 0, WITH_OWN,
	    0, file_list },
	[EP_FILE_GET] = { METHOD_GET, "/api/v1/files/#",
	    EP_REPLICA | EP_SNAPSHOT, WITH_OWN, 0, file_get },
	[EP_FILE_THUMBNAIL] = { METHOD_GET, "/api/v1/files/#/thumbnail",
	    EP_REPLICA, WITH_OWN, 0, file_thumbnail_get },
	[EP_FILE_WITHDRAW] = { METHOD_POST, "/api/v1/files/#/withdraw",
	    CHANGE | EP_IDEM, R(OFFICER) | R(LEGAL), 16384, file_withdraw },
	/* Reference data: any signed-in user reads it. */
	[EP_WORKFLOW] = { METHOD_GET, "/api/v1/workflow", 0, ROLES_ANY, 0,
	    workflow_get },
	[EP_REGIONS] = { METHOD_GET, "/api/v1/regions", 0, ROLES_ANY, 0,
	    regions_get },
	[EP_CATEGORY_LIST] = { METHOD_GET, "/api/v1/categories", 0,
	    ROLES_ANY, 0, categories_get },
	[EP_CATEGORY_CREATE] = { METHOD_POST, "/api/v1/categories",
	    CHANGE | EP_IDEM, R(ADMIN), 4096, category_create },
	[EP_CAMPAIGNS] = { METHOD_GET, "/api/v1/campaigns", 0, ROLES_ANY, 0,
	    campaigns_get },
	/* The reporting cycle (API.md Part 2) */
	[EP_CAMPAIGN_CREATE] = { METHOD_POST, "/api/v1/campaigns",
	    CHANGE | EP_IDEM, R(ADMIN), 4096, campaign_create },
	[EP_CAMPAIGN_GET] = { METHOD_GET, "/api/v1/campaigns/#", 0,
	    ROLES_ANY, 0, campaign_get },
	[EP_CAMPAIGN_PATCH] = { METHOD_PATCH, "/api/v1/campaigns/#",
	    CHANGE | EP_IF_MATCH, R(ADMIN), 4096, campaign_patch },
	[EP_SUBMISSION_CREATE] = { METHOD_POST,
	    "/api/v1/campaigns/#/submissions", CHANGE | EP_IDEM,
	    R(COORDINATOR), 0, submission_create },
	[EP_SUBMISSION_LIST] = { METHOD_GET,
	    "/api/v1/campaigns/#/submissions", 0, EVERYONE, 0,
	    submission_list },
	[EP_SUBMISSION_GET] = { METHOD_GET, "/api/v1/submissions/#", 0,
	    EVERYONE, 0, submission_get },
	[EP_SUBMISSION_RETURN] = { METHOD_POST,
	    "/api/v1/submissions/#/return", CHANGE, R(COORDINATOR), 16384,
	    submission_return },
	[EP_LATE_ENTRIES] = { METHOD_GET, "/api/v1/campaigns/#/late-entries",
	    EP_SNAPSHOT, EVERYONE, 0, submission_late_entries },
	[EP_ROLLUP] = { METHOD_GET, "/api/v1/campaigns/#/rollup", EP_SNAPSHOT,
	    EVERYONE, 0, submission_rollup },
	/* Enterprises: the regulator reads; officers and admins register. */
	[EP_ENTERPRISE_CREATE] = { METHOD_POST, "/api/v1/enterprises",
	    CHANGE | EP_IDEM, R(OFFICER) | R(ADMIN), 16384, enterprise_create },
	[EP_ENTERPRISE_LIST] = { METHOD_GET, "/api/v1/enterprises", 0,
	    EVERYONE, 0, enterprise_list },
	/* The directory across regions: who is registered where. */
	[EP_ENTERPRISE_LOOKUP] = { METHOD_GET, "/api/v1/enterprises/lookup",
	    0, R(OFFICER) | R(LEGAL) | R(ADMIN) | R(COORDINATOR), 0,
	    enterprise_lookup },
	[EP_ENTERPRISE_GET] = { METHOD_GET, "/api/v1/enterprises/#", 0,
	    WITH_OWN, 0, enterprise_get },
	[EP_ENTERPRISE_PATCH] = { METHOD_PATCH, "/api/v1/enterprises/#",
	    CHANGE | EP_IF_MATCH, R(OFFICER) | R(ADMIN), 16384,
	    enterprise_patch },
	/* The profile's reference data: the key problems, the risk rule. */
	[EP_PROBLEM_TYPES] = { METHOD_GET, "/api/v1/problem-types", 0,
	    ROLES_ANY, 0, problem_types_get },
	[EP_RISK_RULE] = { METHOD_GET, "/api/v1/risk-rule", 0, EVERYONE, 0,
	    risk_rule_get },
	/* Users: administrators, within their own region. */
	[EP_USER_LIST] = { METHOD_GET, "/api/v1/users", 0, R(ADMIN), 0,
	    user_list },
	[EP_USER_GET] = { METHOD_GET, "/api/v1/users/#", 0, R(ADMIN), 0,
	    user_get },
	[EP_USER_CREATE] = { METHOD_POST, "/api/v1/users", CHANGE | EP_IDEM,
	    R(ADMIN), 4096, user_create },
	[EP_USER_PATCH] = { METHOD_PATCH, "/api/v1/users/#",
	    CHANGE | EP_IF_MATCH, R(ADMIN), 4096, user_patch },
	/* Enterprises as users (API.md Part 2): accounts, self-inspection. */
	[EP_ACCOUNT_CREATE] = { METHOD_POST, "/api/v1/enterprises/#/accounts",
	    CHANGE | EP_IDEM, R(OFFICER), 4096, account_create },
	[EP_CHECKLISTS] = { METHOD_GET, "/api/v1/checklists", 0, ROLES_ANY, 0,
	    checklist_list },
	[EP_CHECKLIST_CREATE] = { METHOD_POST, "/api/v1/checklists",
	    CHANGE | EP_IDEM, R(ADMIN), 4096, checklist_create },
	[EP_SELF_INSPECTION_CREATE] = { METHOD_POST,
	    "/api/v1/self-inspections", CHANGE | EP_IDEM, R(ENTERPRISE), 65536,
	    self_inspection_create },
	[EP_SELF_INSPECTION_LIST] = { METHOD_GET, "/api/v1/self-inspections",
	    0, WITH_OWN, 0, self_inspection_list },
	[EP_SELF_INSPECTION_MISSING] = { METHOD_GET,
	    "/api/v1/self-inspections/missing", 0, EVERYONE, 0,
	    self_inspection_missing },
	/* Activities and the statistics form */
	[EP_ACTIVITY_CREATE] = { METHOD_POST, "/api/v1/activities",
	    CHANGE | EP_IDEM, R(OFFICER), 0, activity_create },
	[EP_ACTIVITY_LIST] = { METHOD_GET, "/api/v1/activities", 0, EVERYONE,
	    0, activity_list },
	[EP_ACTIVITY_GET] = { METHOD_GET, "/api/v1/activities/#", 0, EVERYONE,
	    0, activity_get },
	[EP_ACTIVITY_VOID] = { METHOD_POST, "/api/v1/activities/#/void",
	    CHANGE, R(OFFICER), 16384, activity_void },
	[EP_REPORT_CAMPAIGN] = { METHOD_GET, "/api/v1/reports/campaign/#",
	    EP_REPLICA | EP_SNAPSHOT, EVERYONE, 0, report_campaign },
	[EP_REPORT_PROBLEM_TYPES] = { METHOD_GET,
	    "/api/v1/reports/problem-types", EP_REPLICA | EP_SNAPSHOT,
	    EVERYONE, 0, report_problem_types },
	/* Audit: the bulk readers go through one snapshot. */
	[EP_AUDIT_EVENTS] = { METHOD_GET, "/api/v1/audit/events",
	    EP_REPLICA | EP_SNAPSHOT, R(AUDITOR) | R(ADMIN), 0, audit_events },
	[EP_AUDIT_VERIFY] = { METHOD_GET, "/api/v1/audit/verify",
	    EP_REPLICA | EP_SNAPSHOT, R(AUDITOR) | R(ADMIN), 0, audit_verify },
	[EP_AUDIT_CHECKPOINT] = { METHOD_GET,
	    "/api/v1/audit/checkpoints/latest", EP_REPLICA,
	    R(AUDITOR) | R(ADMIN), 0, audit_checkpoint_latest },
	[EP_AUDIT_PROOF] = { METHOD_GET, "/api/v1/audit/proof",
	    EP_REPLICA | EP_SNAPSHOT, R(AUDITOR) | R(ADMIN), 0, audit_proof },
	/*
	 * Data exchange: imports take a CSV or XLSX file as the raw body
	 * (imports.c); the feed reads two sources in one snapshot (feed.c).
	 */
	[EP_IMPORT_CREATE] = { METHOD_POST, "/api/v1/imports",
	    EP_BODY | EP_TX | EP_IDEM, R(OFFICER) | R(ADMIN), IMPORT_BYTES,
	    import_create },
	[EP_IMPORT_CHECK] = { METHOD_POST, "/api/v1/imports/check",
	    EP_BODY | EP_SNAPSHOT, R(OFFICER) | R(ADMIN), IMPORT_BYTES,
	    import_check },
	[EP_IMPORT_TEMPLATE] = { METHOD_GET, "/api/v1/imports/template", 0,
	    R(OFFICER) | R(ADMIN), 0, import_template },
	[EP_IMPORT_LIST] = { METHOD_GET, "/api/v1/imports", 0, EVERYONE, 0,
	    import_list },
	[EP_IMPORT_GET] = { METHOD_GET, "/api/v1/imports/#", 0, EVERYONE, 0,
	    import_get },
	[EP_FEED] = { METHOD_GET, "/api/v1/feed", EP_SNAPSHOT, EVERYONE, 0,
	    feed_get },
	/* The 行政处罚信息摘要 of approved publications (publications.c). */
	[EP_REPORT_CREDIT] = { METHOD_GET,
	    "/api/v1/reports/credit-publications", EP_REPLICA | EP_SNAPSHOT,
	    EVERYONE, 0, report_credit_publications },
	/* This table, described (openapi.c); /api/docs/ renders it. */
	[EP_OPENAPI] = { METHOD_GET, "/api/v1/openapi.json", EP_PUBLIC,
	    ROLES_ANY, 0, openapi_get },
};

const size_t endpoints_count = EP__MAX;
