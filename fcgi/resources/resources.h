/*
 * resources.h: the handlers, one file per resource, and what resources
 * share.  A handler runs after the front line (../front/router.c) has
 * checked the request and, for the routes that change things, opened
 * the transaction: it validates, loads, decides (the workflow library),
 * appends to the ledger and stages its reply -- nothing more.
 */
#ifndef PAICHA_RESOURCES_H
#define PAICHA_RESOURCES_H

#include <stdint.h>

#include <jansson.h>

#include "../../workflow/workflow.h"
#include "../ledger/ledger.h"

struct req;

/* ------------------------------------------------------------------ */
/* Cases (cases.c, case_history.c, transitions.c, payload.c)          */
/* ------------------------------------------------------------------ */

struct case_row {
	int64_t		 id;
	int64_t		 enterprise_id;
	char		 region[7];
	enum wf_state	 state;
	int		 version;
	int		 pending;
	enum wf_event	 pending_event;
	int		 pending_seq;
	int64_t		 pending_by;
	int		 last_seq;
	unsigned char	 last_hash[CHAIN_LEN];
};

/*
 * What a step changes on the case row besides its state and chain head
 * (transitions.c): the service's case_step() and the bulk seeder both
 * apply it.
 */
struct advance {
	enum wf_state	 to;
	const char	*pending_event;	/* NULL: no proposal pending after */
	int		 pending_seq;
	/* Facts the statistics count; see sql/0007_cases.sql. */
	int		 facts;
	int		 interviews;	/* added */
	int		 set_lookback;	/* 1: lookback_on = lookback (NULL ok) */
	const char	*lookback;
	int		 penalty;	/* 1: a penalty decision, amounts below */
	const char	*fine, *confiscation, *value;
	int		 judicial, discipline;
};

struct dbq;

/* case_json's reads, queued beside a caller's own (cases.c). */
#define CASE_JSON_QUERIES	2

int	 case_load(struct req *, int64_t, struct case_row *);
json_t	*case_json(struct req *, int64_t);
void	 case_json_queue(struct dbq *, const char *const *);
json_t	*case_json_build(struct req *, const struct dbq *, const char *);
void	 payload_view(struct wf_payload *, json_t *);
json_t	*event_json(enum wf_event);
void	 advance_facts(struct advance *, enum wf_event, json_t *);
const char *acting_role(unsigned, unsigned);
void	 like_pattern(const char *, char *);
const char *region_usable(struct req *, const char *, int);

/* changes.c: a resource's change as an event of its stream. */
int	 change_record(struct req *, enum ledger_entity, int64_t, const char *,
	    const char *, json_t *);
int	 change_update(struct req *, enum ledger_entity, int64_t, const char *,
	    const json_t *, const json_t *, const char *const *);

/* ------------------------------------------------------------------ */
/* Evidence files (files.c, filetype.c, images.c)                     */
/* ------------------------------------------------------------------ */

#define FILE_CHUNK	(256 * 1024)	/* a piece of a file's content */
#define FILE_SNIFF	FILE_CHUNK	/* bytes its type is judged by */
#define FILE_NAME_MAX	255		/* bytes of a file's name */

/* The types a file may have (API.md Part 2), judged by content. */
enum ftype {
	FT_JPEG,
	FT_PNG,
	FT_PDF,
	FT_OFD,
	FT_DOC,
	FT_DOCX,
	FT_XLS,
	FT_XLSX,
	FT_MP4,
	FT_TEXT,
	FT__MAX
};

struct ftype_def {
	const char		*mime;		/* stored and served */
	const char		*label;		/* 中文 */
	const char *const	*declared;	/* Content-Types that agree */
	const char *const	*seen;		/* libmagic's other names */
	int			 image;		/* gets a thumbnail */
	int			 inline_ok;	/* may be shown in the page */
};

extern const struct ftype_def ftypes[FT__MAX];

enum fjudge {
	FJ_OK,
	FJ_REFUSED,		/* not an allowed type: 415 */
	FJ_CONTRADICTED,	/* the declared type says otherwise: 415 */
	FJ_FAILED,		/* libmagic failed: 500 */
	FJ__MAX
};

enum fjudge	 filetype_judge(const void *, size_t, const char *,
		    enum ftype *, char *, size_t);
enum ftype	 filetype_of_mime(const char *);

/* A content read piece by piece (images.c reads a photo this way). */
struct piece_reader {
	long long	 size;		/* bytes in all */
	size_t		 chunk;		/* bytes in each piece but the last */
	/* Piece `n`: 0 with its bytes, valid until the next call; or -1. */
	int		(*fetch)(void *, int, const char **, size_t *);
	void		*arg;
};

json_t	*image_exif(const void *, size_t);
int	 image_thumbnail(const struct piece_reader *, unsigned char **,
	    size_t *);

/* files.c: the pure parts, for the tests. */
const char	*file_name_check(const char *);
int		 file_disposition(char *, size_t, const char *, const char *);

enum range {
	RANGE_NONE,	/* none, or one to ignore: the whole file, 200 */
	RANGE_PART,	/* one satisfiable range: 206 */
	RANGE_UNSATISFIABLE, /* 416 */
	RANGE__MAX
};

enum range	 range_parse(const char *, long long, long long *,
		    long long *);

/* ------------------------------------------------------------------ */
/* Handlers, by route (../routes.c)                                   */
/* ------------------------------------------------------------------ */

/* operations.c */
void	 health_get(struct req *);
void	 metrics_get(struct req *);

/* sessions.c */
void	 session_create(struct req *);
void	 session_get(struct req *);
void	 session_delete(struct req *);

/* cases.c, case_history.c, transitions.c */
void	 case_create(struct req *);
void	 case_get(struct req *);
void	 case_list(struct req *);
void	 case_counts(struct req *);
void	 case_actions(struct req *);
void	 case_events_get(struct req *);
void	 case_transition(struct req *);
void	 case_approval(struct req *);

/* workflow.c, reference.c */
void	 workflow_get(struct req *);
void	 regions_get(struct req *);
void	 categories_get(struct req *);
void	 category_create(struct req *);
void	 campaigns_get(struct req *);

/* enterprises.c */
void	 enterprise_create(struct req *);
void	 enterprise_list(struct req *);
void	 enterprise_get(struct req *);
void	 enterprise_patch(struct req *);

/* users.c */
void	 user_list(struct req *);
void	 user_get(struct req *);
void	 user_create(struct req *);
void	 user_patch(struct req *);

/* activities.c, reports.c */
void	 activity_create(struct req *);
void	 activity_get(struct req *);
void	 activity_list(struct req *);
void	 report_campaign(struct req *);

/* files.c */
void	 file_upload(struct req *);
void	 file_list(struct req *);
void	 file_get(struct req *);
void	 file_thumbnail_get(struct req *);
void	 file_withdraw(struct req *);

/* audit.c */
void	 audit_events(struct req *);
void	 audit_verify(struct req *);
void	 audit_checkpoint_latest(struct req *);

#endif /* PAICHA_RESOURCES_H */
