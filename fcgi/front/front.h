/*
 * front.h: the front line and the plumbing every request passes through.
 *
 * One request is one `struct req`, owned by the worker thread that took
 * it.  router.c fills it in a fixed order -- method, route, content
 * type, size, body, origin, session, role -- then, as the route's row in
 * the endpoint table asks, opens the transaction, checks If-Match and
 * the Idempotency-Key, calls the handler, commits or rolls back, and
 * only then sends the reply the handler staged.  Handlers never repeat
 * those checks, never touch raw FastCGI params and never commit.
 */
#ifndef PAICHA_FRONT_H
#define PAICHA_FRONT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <fcgiapp.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "../../workflow/workflow.h"

/* ------------------------------------------------------------------ */
/* Limits: checked before anything is allocated or read.              */
/* ------------------------------------------------------------------ */

#define MAX_BODY	(64 * 1024)	/* request body, bytes */
#define MAX_UPLOAD	(50 * 1024 * 1024) /* a raw body (EP_RAW), bytes */
#define MAX_PARAMS	128		/* FastCGI params per request */
#define MAX_PARAM_LEN	(8 * 1024)	/* one FastCGI param, name=value */
#define MAX_QUERY	24		/* query-string fields */
#define MAX_QUERY_LEN	2048		/* whole query string, bytes */
#define MAX_PATH_LEN	256		/* request path, bytes */
#define MAX_PATH_IDS	2		/* numeric ids in one route */
#define MAX_IDEM_KEY	128		/* Idempotency-Key, bytes */
#define MAX_JSON_DEPTH	32		/* nested arrays and objects in a
					   body, the body itself included */

/* ------------------------------------------------------------------ */
/* Requests (request.c)                                               */
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

/* The user a session belongs to (session.c). */
struct user {
	int64_t		 id;
	char		 username[64];
	char		 display_name[128];
	char		 region[7];		/* GB/T 2260 code */
	unsigned	 roles;			/* bit (1u << enum wf_role) */
	int64_t		 session_id;
	int64_t		 enterprise_id;		/* an `enterprise` account's
						   enterprise; 0 none */
	int		 must_change_password;	/* only EP_FIRST routes until
						   it sets its own password */
};

/* The Idempotency-Key the front line took for the request. */
struct idem {
	const char	*key;	/* borrowed from the request; NULL: none */
	int		 replayed; /* idem_begin answered with the stored
				   reply: nothing of this request commits */
};

/*
 * The reply a handler stages (reply.c): sent by the front line once the
 * transaction's outcome is known, or at once for a streamed reply.
 */
struct reply {
	int		 staged;	/* a reply is waiting to be sent */
	int		 sent;		/* the head went out (streamed) */
	int		 status;
	const char	*ctype;		/* static text, or NULL */
	char		*body;		/* malloc'd, or NULL */
	size_t		 len;
};

/* Why the last database call failed, for reply_db_error (db.c). */
enum fault {
	FAULT_NONE,
	FAULT_SQL,		/* the server refused: r->sqlstate */
	FAULT_LOST,		/* the connection failed: outcome unknown */
	FAULT_INTERNAL,		/* our own failure (memory, a bad row) */
	FAULT__MAX
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
	const char		*body;		/* NUL-terminated, in w's buffer
						   (EP_JSON) or in body_alloc */
	size_t			 bodylen;
	char			*body_alloc;	/* EP_BODY: malloc'd, freed by
						   router_handle */
	/*
	 * The body as it is read: the length declared (-1: none, -2: not
	 * a number), how much was read, whether it ended or broke off --
	 * the front line reads a JSON body, a handler streams a raw one
	 * (EP_RAW) with req_body_read, and the front line reads what is
	 * left either way (body_settle).  A raw body's SHA-256 once the
	 * handler has read it all, for the Idempotency-Key (idem_begin).
	 */
	long long		 raw_declared;
	long long		 raw_read;
	int			 raw_state;	/* RAW_OPEN, RAW_END, RAW_BROKEN */
	int			 raw_hashed;
	unsigned char		 raw_sha256[32];
	json_t			*json;		/* parsed body (owned), or NULL */
	struct user		 user;		/* valid when authed */
	int			 authed;
	const char		*remote_addr;
	struct timespec		 start;
	int			 if_match;	/* EP_IF_MATCH: the version sent;
						   0 none, -1 unreadable */
	struct idem		 idem;		/* EP_IDEM: the key taken */
	/* The reply (reply.c). */
	struct reply		 reply;
	int			 status;	/* as sent, for logs and metrics */
	char			 etag[72];	/* ETag value without quotes */
	char			 location[128];
	char			 allow[64];
	char			 set_cookie[256];
	char			 retry_after[16];
	char			 disposition[1024]; /* Content-Disposition */
	char			 content_range[80]; /* Content-Range */
	int			 accept_ranges;	/* Accept-Ranges: bytes */
	char			 next_cursor[96];	/* X-Next-Cursor */
	/* The outcome of the last failed database call (db.c). */
	enum fault		 fault;
	char			 sqlstate[6];
	/*
	 * Read replica (db.c): the session's WAL positions from
	 * session_open, and whether this request reads from the replica.
	 */
	char			 session[2 * 32 + 1]; /* the token's digest, hex:
						   paicha.session (db.c) */
	char			 wrote_lsn[24];	/* its last write; "" none */
	char			 primary_lsn[24]; /* the primary's, at auth */
	int			 on_replica;
};

const char	*req_param(const struct req *, const char *);
const char	*req_query(const struct req *, const char *);
int		 req_parse_query(struct req *, char *, size_t);
int		 req_header_list_has(const char *, const char *);
int		 req_if_match(const struct req *);

/* A raw body's state (r->raw_state). */
#define RAW_OPEN	0	/* more may come */
#define RAW_END		1	/* all of it was read */
#define RAW_BROKEN	2	/* the stream broke off before its end */

long		 req_body_read(struct req *, char *, size_t);
void		 req_body_drain(struct req *, long long);
void		 req_fail(struct req *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* ------------------------------------------------------------------ */
/* Replies (reply.c): each request stages exactly one.                */
/* ------------------------------------------------------------------ */

void	 reply_json(struct req *, int, json_t *);
void	 reply_text(struct req *, int, const char *, const char *, size_t);
void	 reply_empty(struct req *, int);
void	 reply_problem(struct req *, int, const char *, const char *, json_t *);
void	 reply_db_error(struct req *);
void	 reply_resource(struct req *, int, json_t *, const char *,
	    const char *);
void	 reply_page(struct req *, json_t *, const PGresult *, long long);
int	 reply_precondition(struct req *, int, const char *);
void	 reply_discard(struct req *);
void	 reply_send(struct req *);
void	 reply_stream_start(struct req *, int, const char *);
void	 reply_stream_sized(struct req *, int, const char *, long long);
int	 reply_stream_write(struct req *, const char *, size_t);
void	 reply_stream_abort(struct req *);
json_t	*problem_field(json_t *, const char *, const char *);
json_t	*problem_parent(json_t *, const char *, const char *);
const char *status_reason(int);

/* ------------------------------------------------------------------ */
/* Where the service may post (outbound.c): the webhooks' SSRF rules   */
/* ------------------------------------------------------------------ */

enum outbound {
	OUTBOUND_OK,
	OUTBOUND_BAD_URL,	/* not http(s), unparsable, with credentials */
	OUTBOUND_NO_HOST,	/* the host resolves to nothing */
	OUTBOUND_REFUSED,	/* loopback, private or reserved (by setting) */
	OUTBOUND__MAX
};

#define OUTBOUND_ADDRS	4	/* addresses of a name kept to connect to */

/* A checked URL: its host and port, and the addresses to connect to. */
struct outbound_target {
	char	 host[256];
	char	 port[8];
	char	 addr[48];		/* the first (INET6_ADDRSTRLEN) */
	int	 v6;			/* the first is IPv6 */
	int	 literal;		/* the host is an address itself */
	char	 pinned[OUTBOUND_ADDRS * 50];	/* "a,[b],...": for
						   CURLOPT_RESOLVE */
};

struct sockaddr;
enum outbound	 outbound_check(const char *, struct outbound_target *);
int		 outbound_addr_allowed(const struct sockaddr *);
const char	*outbound_message(enum outbound);

/* ------------------------------------------------------------------ */
/* Input validation (validate.c): one row per field.                  */
/* ------------------------------------------------------------------ */

/*
 * Every string kind says which characters it holds (workflow/text.c):
 * names, codes, numbers and ids are one line and refuse control and
 * invisible format characters (bidi, zero-width); free text keeps \n
 * and \t only; a secret is never shown and holds anything but NUL.
 */
enum vtype {
	VT_STRING,	/* const char *: one line, bytes in [min, max] */
	VT_NAME,	/* const char *: as VT_STRING, and not blank */
	VT_TEXT,	/* const char *: free text, bytes in [min, max];
			   not blank unless min is 0 */
	VT_SECRET,	/* const char *: a password, bytes in [min, max] */
	VT_ENUM,	/* const char *: one of choices */
	VT_REGION,	/* const char *: six digits (GB/T 2260) */
	VT_INT,		/* long long in [min, max] */
	VT_ID,		/* long long >= 1 */
	VT_BOOL,	/* int 0/1 */
	VT_OBJECT,	/* json_t *, borrowed from the body (JSON only) */
	VT_ROLES,	/* unsigned: 1..WF_ROLE__MAX distinct role ids (JSON only) */
	VT_JSON,	/* json_t *: any value but null, borrowed; the handler
			   judges its shape (JSON only) */
	VT_DATE,	/* int: day number (wf_date_parse) of a real YYYY-MM-DD */
	VT_MONEY,	/* long long: fen, from yuan "1234.50" (wf_money_parse);
			   at most max fen when max > 0 */
	VT_IDS,		/* json_t *, borrowed: an array of min..max distinct
			   positive integers (JSON only) */
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
 * `limit` (1 to LIST_MAX, LIST_DEFAULT when absent), into the long long
 * members of those names.  VF_PAGE rows come last in a list's table:
 * VF_PAGE_ROWS says how many, for the tables that share a list's rows
 * without its paging (counts, exports).
 */
#define LIST_DEFAULT	50
#define LIST_MAX	200
#define VF_PAGE_ROWS	2
#define VF_PAGE(type) \
	{ "cursor", VT_ID, 0, 0, 0, NULL, NULL, offsetof(type, cursor) }, \
	{ "limit", VT_INT, 0, 1, LIST_MAX, NULL, NULL, offsetof(type, limit) }

int	 validate_object(const json_t *, const struct vfield *, size_t, void *,
	    unsigned *, json_t **, int *);
int	 validate_json(struct req *, const json_t *, const struct vfield *,
	    size_t, void *, unsigned *);
int	 validate_query(struct req *, const struct vfield *, size_t, void *,
	    unsigned *);

/* ------------------------------------------------------------------ */
/* CSV (csv.c): the one way a cell is written                         */
/* ------------------------------------------------------------------ */

typedef void	(*csv_writer)(void *, const char *, size_t);

void	 csv_cell(const char *, int, csv_writer, void *);

/* A file made in memory (a report, a summary): csv_buf_put grows it. */
struct csv_buf {
	char	*s;
	size_t	 len, cap;
	int	 failed;		/* out of memory: the rest dropped */
};

void	 csv_buf_put(void *, const char *, size_t);

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
	const char	*app;		/* application_name; NULL: "paicha" */
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
	struct db	 beside;	/* db_beside_ask: one statement's */
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

/* The transactions the front line opens (db_begin). */
enum tx {
	TX_WRITE,	/* read committed, read-write */
	TX_SNAPSHOT,	/* repeatable read, read only: one snapshot */
	TX__MAX
};

PGresult	*db_exec(struct req *, struct stmt *, const char *const *);
int		 db_pipeline(struct req *, const char *, struct dbq *, size_t);
void		 db_pipeline_clear(struct dbq *, size_t);
PGresult	*db_exec_binary(struct req *, struct stmt *,
		    const char *const *);
PGresult	*db_exec_params(struct req *, struct stmt *,
		    const char *const *, const int *, const int *, int);
int		 db_exec_ok(struct req *, struct stmt *, const char *const *);
int		 db_stream_open(struct req *, struct stmt *, const char *const *);
PGresult	*db_stream_next(struct req *, int *);
void		 db_stream_close(struct req *);
int		 db_ask(struct req *, struct stmt *, const char *const *);
void		 db_poll(struct req *);
PGresult	*db_answer(struct req *);
int		 db_beside_ask(struct req *, struct stmt *, const char *const *);
int		 db_snapshot_name_ok(const char *);
PGresult	*db_beside_answer(struct req *);
int		 db_twin_open(struct req *, struct req *);
void		 db_twin_close(struct req *);
int		 db_send_open(struct req *, struct stmt *);
int		 db_send(struct req *, struct stmt *, const char *const *,
		    const int *, const int *);
int		 db_send_close(struct req *);
int		 db_begin(struct req *, enum tx);
int		 db_commit(struct req *);
int		 db_in_transaction(struct req *);
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
/* Idempotency-Key (idempotency.c), taken by the front line           */
/* ------------------------------------------------------------------ */

enum idem_outcome {
	IDEM_NONE,	/* no key: go on */
	IDEM_NEW,	/* the key is ours: go on, idem_finish before COMMIT */
	IDEM_DONE,	/* replied: a replay or an error */
	IDEM__MAX
};

enum idem_outcome idem_begin(struct req *, struct idem *);
int		 idem_finish(struct req *, const struct idem *);

/* ------------------------------------------------------------------ */
/* Sessions (session.c), passwords (password.c, password_rules.c)     */
/* ------------------------------------------------------------------ */

#define SESSION_TOKEN_LEN	32	/* random bytes */
#define SESSION_TOKEN_TEXT	43	/* base64url without padding */
#define SESSION_DIGEST_TEXT	67	/* "\x" and 64 hex digits, NUL */
#define SESSION_COOKIE		"__Host-paicha"

unsigned	 roles_parse(const char *);
json_t		*roles_json(unsigned);
void		 user_from_row(struct user *, const PGresult *, int);
json_t		*user_json(const struct user *);
int		 session_authenticate(struct req *);
void		 session_wrote(struct req *);
void		 session_token_encode(const unsigned char[SESSION_TOKEN_LEN],
		    char[SESSION_TOKEN_TEXT + 1]);
void		 session_token_digest(const unsigned char[SESSION_TOKEN_LEN],
		    char[SESSION_DIGEST_TEXT]);

#define PASSWORD_HASH_MAX	160
int	 password_hash(const char *, char *, size_t);
int	 password_verify(const char *, const char *);
void	 password_dummy(const char *);
int	 hashing_begin(void);
void	 hashing_end(void);

#define PASSWORD_MIN_CHARS	12	/* code points */
#define PASSWORD_MAX_BYTES	256	/* what a login accepts */
int	 password_rules(const char *, const char *, const char *,
	    const char **);
int	 password_acceptable(struct req *, const char *, const char *,
	    const char *, const char *);

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
/* The front line (router.c) and its table (../routes.c)              */
/* ------------------------------------------------------------------ */

#define EP_PUBLIC	0x01u	/* no session needed */
#define EP_JSON		0x02u	/* takes a JSON body */
#define EP_LOOPBACK	0x04u	/* only from 127.0.0.1 / ::1 */
#define EP_REPLICA	0x08u	/* reads only: a replica may answer (db.c) */
#define EP_TX		0x10u	/* in a read-write transaction: committed
				   when the handler staged a 2xx */
#define EP_SNAPSHOT	0x20u	/* in one read-only snapshot, rolled back */
#define EP_IF_MATCH	0x40u	/* If-Match required: r->if_match, checked
				   by reply_precondition (428, 412) */
#define EP_IDEM		0x80u	/* Idempotency-Key honoured (EP_TX only) */
/*
 * EP_BODY: a raw body of any type (the handler judges it: 415), at most
 * max_body bytes (413 before a byte is read), read whole into memory --
 * r->body, r->bodylen -- before the handler runs, so that the
 * Idempotency-Key covers it.  For bounded uploads (imports, 10 MiB).
 */
#define EP_BODY		0x200u
/*
 * EP_EXPORT: a list that is also an export -- with ?format= other than
 * json the request runs in one read-only snapshot (EP_SNAPSHOT), so that
 * the handler may read it in batches and stream every row of one state.
 */
#define EP_EXPORT	0x400u
/*
 * EP_FIRST: open to an account that must still set its own password (an
 * enterprise's, made with a one-time password): who am I, log out, the
 * change itself.  Every other route answers it 403.
 */
#define EP_FIRST	0x800u
#define EP_RAW		0x100u	/* takes a raw body of any type, at most
				   max_body bytes, that the handler streams
				   (req_body_read); with EP_IDEM the handler
				   takes the key once it has read the body
				   (idem_begin, with r->raw_sha256) */

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

extern const struct endpoint	 endpoints[];
extern const size_t		 endpoints_count;

void		 router_handle(struct req *);
int		 router_check(void);
const char	*router_label(const struct req *);
size_t		 router_index(const struct req *);
const char	*router_pattern(size_t);
const char	*router_method(size_t);

/* ------------------------------------------------------------------ */
/* Connections to worker threads (handoff.c)                          */
/* ------------------------------------------------------------------ */

int	 handoff_init(int);
void	*handoff_main(void *);
int	 handoff_take(void);
void	 handoff_give(int);
void	 handoff_closed(void);
void	 handoff_stop(void);
void	 handoff_abandon(void);

/* ------------------------------------------------------------------ */
/* Threads that run a job's rounds (background.c)                     */
/* ------------------------------------------------------------------ */

/*
 * A job run every *interval seconds by a thread of its own on a
 * connection of its own: the checkpointer, the scheduler.  Statically
 * initialised by its owner with name, interval, round and
 * .mu = PTHREAD_MUTEX_INITIALIZER; the rest is the thread's.
 */
struct background {
	const char	*name;		/* the log's and each round's r->id */
	const long	*interval;	/* seconds between rounds (a setting) */
	void		(*round)(struct background *, struct req *);
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	pthread_t	 thread;
	struct worker	*w;
	int		 stop;
	int		 running;
};

int	 background_start(struct background *, int, const char *);
void	 background_stop(struct background *);
int	 background_stopping(struct background *);
void	 background_req(struct background *, struct req *, const char *);

/* Set when the server is stopping (main.c): long jobs end early. */
extern atomic_int server_stopping;

#endif /* PAICHA_FRONT_H */
