/*
 * ledger.h: the audit trail -- every audited change is an event appended
 * to its entity's hash-chained stream, in the transaction of the change,
 * and every event's hash is a leaf of the one Merkle log whose signed
 * checkpoints make a rewrite visible.
 *
 *	record.c	the record format and the chain hash (one definition,
 *			shared by the writer and the verifier)
 *	append.c	appending an event (the service, the bulk seeder)
 *	merkle.c	RFC 9162 tree hashing (merkle.h, pure)
 *	checkpoint.c	the job that signs the log's tree heads and writes
 *			its tiles
 *	verify.c	recomputing chains, leaves and tree heads; replaying
 *			each entity's history against its row
 *	proof.c		an event's inclusion proof against the latest
 *			signed tree head
 */
#ifndef PAICHA_LEDGER_H
#define PAICHA_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>

struct req;

#define CHAIN_LEN	32	/* SHA-256 */

/* ------------------------------------------------------------------ */
/* Streams: one row per kind of entity                                */
/* ------------------------------------------------------------------ */

enum ledger_entity {
	LEDGER_CASE,		/* case_events: its own record (record.c) */
	LEDGER_USER,		/* the rest: ledger_events, one record shape */
	LEDGER_ENTERPRISE,
	LEDGER_CATEGORY,
	LEDGER_CAMPAIGN,
	LEDGER_SUPERVISION,	/* 挂牌督办: issue, reports, close */
	LEDGER_ACTIVITY,	/* the counted work: registered, imported, void */
	LEDGER_FILE,		/* an evidence file: upload, withdraw */
	LEDGER_SUBMISSION,	/* a region's report: submit, return */
	LEDGER_REFERRAL,	/* across regions: create, accept, return */
	LEDGER_WEBHOOK,		/* an admin's webhook: create, disable */
	LEDGER_SELF_INSPECTION,	/* an enterprise's self-inspection */
	LEDGER_CHECKLIST_ITEM,	/* an item a province added to a checklist */
	LEDGER__MAX
};

struct ledger_stream {
	const char	*name;		/* "case": the API's entity name */
	const char	*tag;		/* the chain hash's domain tag */
};

extern const struct ledger_stream ledger_streams[LEDGER__MAX];

/* ------------------------------------------------------------------ */
/* The record and its hash (record.c)                                 */
/* ------------------------------------------------------------------ */

/*
 * An event.  The caller fills the facts; ledger_record() fills `record`
 * (the canonical JSON the hash covers) and `hash`.
 */
struct ledger_event {
	enum ledger_entity	 entity;
	int64_t			 id;		/* the entity's */
	int32_t			 seq;		/* 1, 2, ... in its stream */
	const unsigned char	*prev;		/* CHAIN_LEN bytes */
	const char		*scope_region;	/* the entity's region */
	const char		*role;		/* the role the actor acts in */
	const char		*event;
	const char		*phase;		/* created, applied, proposed, ... */
	const char		*from;		/* NULL for the first event */
	const char		*to;
	json_t			*payload;	/* borrowed */
	long long		 at_us;
	char			*record;	/* out: canonical JSON, malloc'd */
	unsigned char		 hash[CHAIN_LEN];	/* out */
	unsigned char		 head[CHAIN_LEN];	/* ledger_append's
							   lookup of prev */
};

/* A piece of text that need not end in NUL (a column of a result). */
struct text {
	const char	*s;
	size_t		 n;
};

/*
 * What a record says besides its payload, as the verifier reads it back
 * from an event row's columns.
 */
struct record_head {
	int64_t		 actor;
	long long	 at_us;
	struct text	 entity;	/* the stream's name */
	int64_t		 id;
	struct text	 scope_region;
	struct text	 event;
	struct text	 from;		/* s NULL: null */
	struct text	 phase;
	struct text	 region;	/* the actor's */
	struct text	 request_id;
	struct text	 role;
	int32_t		 seq;
	struct text	 to;
};

#define RECORD_HEAD_MAX	8192	/* a record without its payload, bytes */

/* A reusable SHA-256 context for hashing many events. */
struct chain_hasher {
	EVP_MD		*md;
	EVP_MD_CTX	*ctx;
};

int	 chain_hasher_open(struct chain_hasher *);
void	 chain_hasher_close(struct chain_hasher *);
int	 chain_hash_with(struct chain_hasher *, enum ledger_entity, int64_t,
	    int32_t, const unsigned char *, const char *, size_t,
	    unsigned char *);
int	 chain_hash(enum ledger_entity, int64_t, int32_t, const unsigned char *,
	    const char *, size_t, unsigned char *);
char	*chain_canonical(const json_t *);
long	 record_skeleton(char *, size_t, enum ledger_entity,
	    const struct record_head *, size_t *);
int	 record_id_key(enum ledger_entity, char *, size_t);

/* ------------------------------------------------------------------ */
/* Appending (append.c)                                               */
/* ------------------------------------------------------------------ */

void	 ledger_first(struct ledger_event *, int64_t, const char *, json_t *,
	    long long);
void	 ledger_change(struct ledger_event *, enum ledger_entity, int64_t,
	    const char *, const char *, const char *, json_t *);
json_t	*ledger_diff(const json_t *, const json_t *, const char *const *);
int	 ledger_record(struct ledger_event *, int64_t, const char *,
	    const char *);
int	 ledger_place(struct req *, struct ledger_event *);
int	 ledger_prepare(struct req *, struct ledger_event *);
void	 ledger_params(const struct ledger_event *, const char **, char *,
	    char *);
int	 ledger_append(struct req *, struct ledger_event *);
void	 ledger_discard(struct ledger_event *);

#define LEDGER_HEX	(2 * CHAIN_LEN + 3)	/* "\x", hex, NUL */

/* ------------------------------------------------------------------ */
/* The checkpointer (checkpoint.c)                                    */
/* ------------------------------------------------------------------ */

int		 checkpoint_key_load(const char *);
const char	*checkpoint_public_key(void);
int		 checkpoint_sign(const char *, size_t, unsigned char[64]);
int		 checkpoint_start(void);
void		 checkpoint_stop(void);

/* ------------------------------------------------------------------ */
/* Verify (verify.c)                                                  */
/* ------------------------------------------------------------------ */

enum vscope {
	VS_CASE,	/* one case */
	VS_REGION,	/* a region and everything below it */
	VS_ALL,		/* everything the user may see */
	VS__MAX
};

/*
 * The facts of a case's row that its events make (sql/0017_ledger.sql:
 * case_open, case_step), in the order verify reads them from the row
 * (verify.c, case_fact_names and its SQL), each as text: the state and
 * event ids, integers in decimal, money in yuan with two decimals, dates
 * YYYY-MM-DD, "set" for a time that is set (its value is the database's
 * clock, not the event's); null when null.
 */
enum case_fact {
	CF_STATE,
	CF_VERSION,
	CF_PENDING_EVENT,
	CF_PENDING_SEQ,
	CF_PENDING_BY,
	CF_PENDING_AT,
	CF_FINE,
	CF_CONFISCATION,
	CF_VALUE,
	CF_PENALTY_AT,
	CF_LOOKBACK_ON,
	CF_INTERVIEWS,
	CF_JUDICIAL_AT,
	CF_DISCIPLINE_AT,
	CF_ENTERPRISE,
	CF_REGION,
	CF_CAMPAIGN,
	CF_CATEGORY,
	CF_DOMAIN,
	CF_SOURCE,
	CF_PROBLEM,
	CF_RISK_LEVEL,
	CF_CREATED_BY,
	CF__MAX
};

extern const char *const case_fact_names[CF__MAX];

/*
 * How verify replays a case's history and compares its row with what
 * the history makes.  The rules are the workflow library's, applied by
 * the resource that owns cases (../resources/case_replay.c), never a
 * copy here; verify only feeds it the events it has checked.
 *
 *	open	a state for one verify (NULL: no memory); close frees it
 *	start	a new case begins
 *	event	one event, its record's members and its payload's JSON:
 *		NULL, or why the workflow could not have made it
 *	row	the case's row, its facts in enum case_fact order ({NULL, 0}
 *		for null): the first fact the events do not give, or CF__MAX
 */
struct ledger_replay {
	void		*(*open)(void);
	void		 (*close)(void *);
	void		 (*start)(void *);
	const char	*(*event)(void *, const struct record_head *,
			    const char *, size_t);
	enum case_fact	 (*row)(void *, const struct text *);
};

json_t	*verify_run(struct req *, enum vscope, const char *,
	    const struct ledger_replay *, int *);

/* ------------------------------------------------------------------ */
/* Inclusion proofs (proof.c)                                         */
/* ------------------------------------------------------------------ */

json_t	*ledger_proof(struct req *, enum ledger_entity, int64_t, int32_t,
	    int *);
int	 log_tile_roots(struct req *, long long, unsigned char **, size_t *);

/* verify_files.c: the evidence files' streams and contents. */
int	 verify_files(struct req *, enum vscope, const char *, json_t *);

#endif /* PAICHA_LEDGER_H */
