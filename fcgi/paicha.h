/*
 * paicha.h: what the files of the FastCGI service share.
 *
 * One request is one `struct req`, owned by the worker thread that accepted
 * it.  The front line (router.c) fills it in a fixed order -- method, route,
 * content type, size, session, role -- and only then calls the handler, so
 * handlers never repeat those checks and never touch raw FastCGI params.
 */
#ifndef PAICHA_H
#define PAICHA_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <fcgiapp.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <openssl/evp.h>

#include "../workflow/workflow.h"

/* ------------------------------------------------------------------ */
/* Limits: checked before anything is allocated or read.              */
/* ------------------------------------------------------------------ */

#define MAX_BODY	(64 * 1024)	/* request body, bytes */
#define MAX_PARAMS	128		/* FastCGI params per request */
#define MAX_PARAM_LEN	(8 * 1024)	/* one FastCGI param, name=value */
#define MAX_QUERY	24		/* query-string fields */
#define MAX_QUERY_LEN	2048		/* whole query string, bytes */
#define MAX_PATH_LEN	256		/* request path, bytes */
#define MAX_PATH_IDS	2		/* numeric ids in one route */
#define MAX_IDEM_KEY	128		/* Idempotency-Key, bytes */

/* ------------------------------------------------------------------ */
/* Configuration (config.c)                                           */
/* ------------------------------------------------------------------ */

struct config {
	char	*socket;		/* FastCGI Unix socket path */
	char	*socket_group;		/* group that may connect (nginx's) */
	char	*user;			/* drop to this user when root */
	char	*database_url;		/* libpq connection string */
	char	*replica_url;		/* optional read replica */
	long	 replica_max_lag;	/* seconds behind the primary, at most */
	char	*key_file;		/* Ed25519 checkpoint key (PEM) */
	long	 threads;		/* worker threads */
	long	 session_idle;		/* seconds */
	long	 session_absolute;	/* seconds */
	long	 checkpoint_interval;	/* seconds; 0 disables the job */
	long	 drain_timeout;		/* seconds to finish requests on SIGTERM */
	long	 login_concurrency;	/* password hashes computed at once */
};

extern struct config cfg;

int	 config_load(struct config *);
void	 config_free(struct config *);

/* ------------------------------------------------------------------ */
/* Logging (log.c): one line per call, lower-case, no trailing period. */
/* ------------------------------------------------------------------ */

void	 log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_error(const char *, ...) __attribute__((format(printf, 1, 2)));

/* ------------------------------------------------------------------ */
/* Requests                                                           */
/* ------------------------------------------------------------------ */

enum method {
	METHOD_GET,
	METHOD_POST,
	METHOD_PUT,
	METHOD_PATCH,
	METHOD_DELETE,
	METHOD__MAX
};

extern const char *const method_names[METHOD__MAX];

/* One decoded query-string field; both strings NUL-terminated. */
struct qparam {
	const char	*key;
	const char	*val;
};

/* The user a session belongs to, loaded by session.c. */
struct user {
	int64_t		 id;
	char		 username[64];
	char		 display_name[128];
	char		 region[7];		/* GB/T 2260 code */
	unsigned	 roles;			/* bit (1u << enum wf_role) */
	int64_t		 session_id;
};

struct worker;
struct endpoint;

struct req {
	FCGX_Request		*fcgx;
	struct worker		*w;
	char			 id[64];	/* request id (nginx's, else ours) */
	enum method		 method;
	const char		*path;		/* raw path, without query */
	const struct endpoint	*ep;		/* matched route, or NULL */
	int64_t			 ids[MAX_PATH_IDS]; /* numeric path segments */
	struct qparam		 query[MAX_QUERY];
	size_t			 nquery;
	const char		*body;		/* NUL-terminated, in w's buffer */
	size_t			 bodylen;
	json_t			*json;		/* parsed body (owned), or NULL */
	struct user		 user;		/* valid when authed */
	int			 authed;
	const char		*remote_addr;
	struct timespec		 start;
	/* The reply, filled by reply.c. */
	int			 status;
	int			 replied;
	char			 etag[32];	/* ETag value without quotes */
	char			 location[128];
	char			 allow[64];
	char			 set_cookie[256];
	char			 retry_after[16];
	char			 disposition[160]; /* Content-Disposition */
	char			 next_cursor[96];	/* X-Next-Cursor */
	/* The database outcome of the last failed call, for reply_db_error. */
	char			 sqlstate[6];
	int			 db_lost;	/* connection failed */
	/*
	 * Read replica (db.c): the session's WAL positions from
	 * session_open, and whether this request reads from the replica.
	 */
	char			 wrote_lsn[24];	/* its last write; "" none */
	char			 primary_lsn[24]; /* the primary's, at auth */
	int			 on_replica;
};

/* request.c: what a handler may read. */
const char	*req_param(const struct req *, const char *);
const char	*req_query(const struct req *, const char *);
int		 req_parse_query(struct req *, char *, size_t);
int		 req_header_list_has(const char *, const char *);
int		 utf8_valid(const char *, size_t);
size_t		 utf8_chars(const char *);
int		 req_if_match(const struct req *);
int		 hex_digit(int);

/* ------------------------------------------------------------------ */
/* Replies (reply.c).  Each sends exactly one reply per request.      */
/* ------------------------------------------------------------------ */

void	 reply_json(struct req *, int, json_t *);
void	 reply_text(struct req *, int, const char *, const char *, size_t);
void	 reply_empty(struct req *, int);
void	 reply_problem(struct req *, int, const char *, const char *, json_t *);
void	 reply_db_error(struct req *);
void	 reply_stream_start(struct req *, int, const char *);
int	 reply_stream_write(struct req *, const char *, size_t);
void	 reply_stream_abort(struct req *);

struct idem;
/* resource.c: replying with a resource, the same way everywhere. */
void	 reply_resource(struct req *, json_t *, const char *);
void	 reply_change(struct req *, json_t *, int, const char *,
	    const char *, const struct idem *);
json_t	*problem_field(json_t *, const char *, const char *);
const char *status_reason(int);

/* ------------------------------------------------------------------ */
/* Input validation (validate.c): one row per field.                  */
/* ------------------------------------------------------------------ */

enum vtype {
	VT_STRING,	/* const char *: bytes in [min, max] */
	VT_TEXT,	/* const char *: as VT_STRING, and not blank */
	VT_ENUM,	/* const char *: one of choices */
	VT_REGION,	/* const char *: six digits (GB/T 2260) */
	VT_INT,		/* long long in [min, max] */
	VT_ID,		/* long long >= 1 */
	VT_BOOL,	/* int 0/1 */
	VT_OBJECT,	/* json_t *, borrowed from the body (JSON only) */
	VT_ROLES,	/* unsigned: 1..WF_ROLE__MAX distinct role ids (JSON only) */
	VT_DATE,	/* int: day number (wf_date_parse) of a real YYYY-MM-DD */
	VT_MONEY,	/* long long: fen, from yuan "1234.50" (wf_money_parse);
			   at most max fen when max > 0 */
	VT__MAX
};

struct vfield {
	const char		*name;
	enum vtype		 type;
	int			 required;
	long long		 min, max;
	const char *const	*choices;	/* VT_ENUM, NULL-terminated */
	const char		*(*check)(const char *); /* NULL or message */
	size_t			 off;		/* into the output struct */
};

/*
 * A list's paging: `cursor` (the last id of the page before) and
 * `limit` (1 to LIST_MAX), into the long long members of those names.
 */
#define LIST_MAX	200
#define VF_PAGE(type) \
	{ "cursor", VT_ID, 0, 0, 0, NULL, NULL, offsetof(type, cursor) }, \
	{ "limit", VT_INT, 0, 1, LIST_MAX, NULL, NULL, offsetof(type, limit) }

int	 validate_json(struct req *, const json_t *, const struct vfield *,
	    size_t, void *, unsigned *);
int	 validate_query(struct req *, const struct vfield *, size_t, void *,
	    unsigned *);

/* ------------------------------------------------------------------ */
/* The database (db.c): one connection per worker thread.             */
/* ------------------------------------------------------------------ */

/*
 * A statement: constant SQL with $n parameters, prepared once per
 * connection on first use.  Declare them `static struct stmt` beside
 * their only caller.
 */
struct stmt {
	const char	*sql;
	int		 nparams;
	atomic_int	 slot;		/* 0 until registered, then 1..MAX */
	int		 custom;	/* planned anew for its values each time */
};

#define STMT(text, n)	{ .sql = (text), .nparams = (n), .slot = 0 }
/*
 * A statement whose best plan depends on which of its optional filters
 * are given ("$1 IS NULL OR col = $1"): a generic plan cannot drop the
 * absent ones, so it is planned with its values on every execution.
 */
#define STMT_CUSTOM(text, n) \
	{ .sql = (text), .nparams = (n), .slot = 0, .custom = 1 }
#define MAX_STMTS	512

struct db {
	PGconn		*conn;
	const char	*url;
	unsigned char	 prepared[MAX_STMTS / 8];
	time_t		 retry_at;	/* replica: not before, after a failure */
};

/*
 * A worker's connections.  `db` is the one the current request uses:
 * the primary, except while db_route_replica() has sent the request to
 * the replica -- then the two are swapped (r->on_replica) until
 * db_release() at the end of the request, so that whatever uses
 * r->w->db follows the request.  `spare` is the other: the replica's
 * connection (url NULL: no replica) between requests.
 */
struct worker {
	int		 index;
	struct db	 db;
	struct db	 spare;
	char		 body[MAX_BODY + 1];
	char		 query[MAX_QUERY_LEN + 1];
};

/* One statement of a pipeline and, after it ran, its result. */
struct dbq {
	struct stmt		*s;
	const char *const	*params;
	PGresult		*res;
};

#define MAX_PIPELINE	8

PGresult	*db_exec(struct req *, struct stmt *, const char *const *);
int		 db_pipeline(struct req *, const char *, struct dbq *, size_t);
void		 db_pipeline_clear(struct dbq *, size_t);
PGresult	*db_exec_binary(struct req *, struct stmt *,
		    const char *const *);
int		 db_exec_ok(struct req *, struct stmt *, const char *const *);
int		 db_stream_open(struct req *, struct stmt *, const char *const *);
PGresult	*db_stream_next(struct req *, int *);
void		 db_stream_close(struct req *);
int		 db_begin(struct req *);
int		 db_begin_snapshot(struct req *);
int		 db_commit(struct req *);
void		 db_rollback(struct req *);
void		 db_close(struct db *);
int		 db_ping(struct req *);
int		 db_col(const PGresult *, const char *);
const char	*db_get(const PGresult *, int, const char *);
int		 db_isnull(const PGresult *, int, const char *);
json_t		*db_json_text(const PGresult *, int, const char *);
int		 sqlstate_status(const char *);
void		 db_route_replica(struct req *);
void		 db_release(struct req *);
void		 db_replica_probe(struct req *);

/* ------------------------------------------------------------------ */
/* The hash chain (chain.c)                                           */
/* ------------------------------------------------------------------ */

#define CHAIN_LEN	32

/* A reusable SHA-256 context for hashing many events. */
struct chain_hasher {
	EVP_MD		*md;
	EVP_MD_CTX	*ctx;
};

int	 chain_hasher_open(struct chain_hasher *);
void	 chain_hasher_close(struct chain_hasher *);
int	 chain_hash_with(struct chain_hasher *, int64_t, int32_t,
	    const unsigned char *, const char *, size_t, unsigned char *);
char	*chain_canonical(const json_t *);
void	 chain_hash(int64_t, int32_t, const unsigned char *, const char *,
	    size_t, unsigned char *);
void	 hex_encode(const unsigned char *, size_t, char *);
void	 bytea_hex(const unsigned char *, size_t, char *);
int	 bytea_parse(const char *, unsigned char *, size_t);

/* ------------------------------------------------------------------ */
/* Idempotency-Key (idempotency.c)                                    */
/* ------------------------------------------------------------------ */

enum idem_outcome {
	IDEM_NONE,	/* no key: go on */
	IDEM_NEW,	/* the key is ours: go on, idem_finish before COMMIT */
	IDEM_DONE,	/* replied: a replay or an error */
	IDEM__MAX
};

struct idem {
	const char	*key;	/* borrowed from the request; NULL: none */
};

enum idem_outcome idem_begin(struct req *, struct idem *);
int		 idem_finish(struct req *, const struct idem *, int,
		    const char *);

/* ------------------------------------------------------------------ */
/* Cases (cases.c, transitions.c)                                     */
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
 * What a step changes on the case row besides its state (transitions.c):
 * the service's guarded UPDATE and the bulk loader both apply it.
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

int	 case_load(struct req *, int64_t, struct case_row *);
json_t	*case_json(struct req *, int64_t);
void	 case_reply(struct req *, int64_t, int, const struct idem *);
void	 case_create(struct req *);
void	 case_get(struct req *);
void	 case_list(struct req *);
void	 case_counts(struct req *);
void	 case_actions(struct req *);
void	 case_events_get(struct req *);
void	 case_transition(struct req *);
void	 case_approval(struct req *);
void	 payload_view(struct wf_payload *, json_t *);
json_t	*event_json(enum wf_event);
void	 payload_view(struct wf_payload *, json_t *);
void	 advance_facts(struct advance *, enum wf_event, json_t *);
const char *acting_role(unsigned, unsigned);
void	 like_pattern(const char *, char *);

/* ------------------------------------------------------------------ */
/* Activities (activities.c) and the statistics form (reports.c)      */
/* ------------------------------------------------------------------ */

void	 activity_create(struct req *);
void	 activity_get(struct req *);
void	 activity_list(struct req *);
void	 report_campaign(struct req *);

/* ------------------------------------------------------------------ */
/* Case history (history.c)                                           */
/* ------------------------------------------------------------------ */

struct event_rec {
	int64_t			 case_id;
	int32_t			 seq;
	const unsigned char	*prev;		/* CHAIN_LEN bytes */
	const char		*case_region;
	const char		*role;		/* the role the actor acts in */
	const char		*event;
	const char		*phase;		/* created, applied, proposed, ... */
	const char		*from;		/* NULL for the first event */
	const char		*to;
	json_t			*payload;	/* borrowed */
	long long		 at_us;
	char			*record;	/* out: canonical JSON */
	unsigned char		 hash[CHAIN_LEN];	/* out */
};

long long	 now_us(void);
void		 format_time(long long, char *);
void		 history_first(struct event_rec *, int64_t, const char *,
		    json_t *, long long);
int		 history_record(struct event_rec *, int64_t, const char *,
		    const char *);
int		 history_prepare(struct req *, struct event_rec *);
int		 history_insert(struct req *, struct event_rec *);
void		 history_discard(struct event_rec *);
int		 deadlines_apply(struct req *, int64_t, int32_t, const char *,
		    long long, const struct wf_dl_change *, size_t);

/* ------------------------------------------------------------------ */
/* The Merkle log's checkpointer (checkpoint.c) and the auditors'     */
/* endpoints (audit.c)                                                */
/* ------------------------------------------------------------------ */

int		 checkpoint_key_load(const char *);
const char	*checkpoint_public_key(void);
int		 checkpoint_start(void);
void		 checkpoint_stop(void);

void	 audit_events(struct req *);
void	 audit_verify(struct req *);
void	 audit_checkpoint_latest(struct req *);

/* ------------------------------------------------------------------ */
/* Metrics (metrics.c)                                                */
/* ------------------------------------------------------------------ */

void	 metrics_request(const struct req *, double);
void	 metrics_db_error(void);

/* Why a replica-routed request read from the primary instead. */
enum replica_miss {
	MISS_DOWN,		/* no connection, or not a standby */
	MISS_LAG,		/* more than cfg.replica_max_lag behind */
	MISS_OWN_WRITE,		/* has not replayed the session's last write */
	MISS__MAX
};

void	 metrics_replica_read(void);
void	 metrics_replica_miss(enum replica_miss);
void	 metrics_replica_state(int, double, double);
char	*metrics_render(size_t *);

/* ------------------------------------------------------------------ */
/* The front line (router.c)                                          */
/* ------------------------------------------------------------------ */

#define EP_PUBLIC	0x01u	/* no session needed */
#define EP_JSON		0x02u	/* takes a JSON body */
#define EP_LOOPBACK	0x04u	/* only from 127.0.0.1 / ::1 */
#define EP_PRELOGIN	0x08u	/* the login itself: tighter limits */
#define EP_REPLICA	0x10u	/* reads only: a replica may answer (db.c) */

#define ROLES_ANY	0u	/* any authenticated user */
#define R(role)		(1u << (WF_ROLE_##role))

struct endpoint {
	enum method	 method;
	const char	*pattern;	/* '#' segment: a numeric id */
	unsigned	 flags;
	unsigned	 roles;		/* ROLES_ANY, or R(OFFICER) | ... */
	size_t		 max_body;	/* 0: MAX_BODY */
	void		(*handle)(struct req *);
};

void		 router_handle(struct req *);
int		 router_check(void);
const char	*router_label(const struct req *);
size_t		 router_index(const struct req *);
size_t		 router_count(void);
const char	*router_pattern(size_t);
const char	*router_method(size_t);

/* ------------------------------------------------------------------ */
/* Handlers, one file per resource.                                   */
/* ------------------------------------------------------------------ */

void	 health_get(struct req *);
void	 metrics_get(struct req *);

/* workflow_api.c */
void	 workflow_get(struct req *);

/* reference.c */
const char *region_usable(struct req *, const char *, int);
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

/* password.c */
#define PASSWORD_HASH_MAX	160
int	 password_hash(const char *, char *, size_t);
int	 password_verify(const char *, const char *);
void	 password_dummy(const char *);

/* session.c */
unsigned	 roles_parse(const char *);
json_t		*roles_json(unsigned);
json_t		*user_json(const struct user *);
int	 session_authenticate(struct req *);
void	 session_wrote(struct req *);
void	 session_create(struct req *);
void	 session_get(struct req *);
void	 session_delete(struct req *);
int	 hashing_begin(void);
void	 hashing_end(void);

/* dispatch.c: connections to worker threads. */
int	 dispatch_init(int);
void	*dispatch_main(void *);
int	 dispatch_take(void);
void	 dispatch_give(int);
void	 dispatch_stop(void);

/* Server state (main.c). */
extern atomic_int server_stopping;

#endif /* PAICHA_H */
