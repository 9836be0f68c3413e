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
 *	checkpoint.c	the job that signs the log's tree heads
 *	verify.c	recomputing chains, leaves and tree heads
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
	LEDGER_FILE,		/* an evidence file: upload, withdraw */
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

json_t	*verify_run(struct req *, enum vscope, const char *, int *);

/* verify_files.c: the evidence files' streams and contents. */
int	 verify_files(struct req *, enum vscope, const char *, json_t *);

#endif /* PAICHA_LEDGER_H */
