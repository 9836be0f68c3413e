/*
 * seed.h: what the files of paicha-seed share.
 *
 * paicha-seed fills a paicha database with a deterministic, realistic
 * campaign for demonstrations and benchmarks (./run seed-demo):
 * enterprises with valid unified social credit codes across the districts
 * of Beijing and Shanghai, cases walked through the workflow by the
 * workflow library itself, and activities of every kind.
 *
 *	gen.c	the seeded PRNG, names, codes and the texts of payloads
 *	walk.c	one case's life: which events, when, with what payload --
 *		every step decided by wf_decide() as the service would
 *	bulk.c	the bulk driver: the service's own record and hash code,
 *		COPY into the tables (the database re-checks every hash)
 *	api.c	the API driver: the same walks through the real HTTP API
 *	media.c	the demo cases' photos and PDF documents, made here
 *	main.c	arguments, the world read from the database, the drivers
 *
 * Everything a case or an activity looks like follows from the seed and
 * its index alone, so the data do not depend on how many jobs load them
 * or in which order.
 */
#ifndef SEED_H
#define SEED_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "../../workflow/workflow.h"

/* ------------------------------------------------------------------ */
/* The PRNG (gen.c): splitmix64, one stream per case or activity.     */
/* ------------------------------------------------------------------ */

struct rng {
	uint64_t	 s;
};

void		 rng_init(struct rng *, uint64_t seed, uint64_t stream,
		    uint64_t index);
uint64_t	 rng_next(struct rng *);
unsigned	 rng_below(struct rng *, unsigned);
int		 rng_range(struct rng *, int lo, int hi);	/* inclusive */
int		 rng_chance(struct rng *, unsigned percent);
unsigned	 rng_weighted(struct rng *, const unsigned *, size_t);

/* Streams: what an index counts. */
#define STREAM_ENTERPRISE	1
#define STREAM_CASE		2
#define STREAM_ACTIVITY		3

/* ------------------------------------------------------------------ */
/* The world the data live in (main.c reads it from the database).    */
/* ------------------------------------------------------------------ */

#define NPROVINCES	2	/* 0: Beijing 110000, 1: Shanghai 310000 */

struct region {
	char		 code[7];
	char		 name[64];
	int		 province;	/* 0 or 1 */
};

struct actor {
	int64_t		 id;
	char		 username[64];
	char		 region[7];
	unsigned	 roles;		/* WF_ROLE_BIT set */
};

struct enterprise {
	int64_t		 id;		/* 0 until stored */
	size_t		 region;	/* into world.regions */
	int		 category;	/* into world.categories: its main product */
	int		 production;	/* 1: a producer, 0: a trader */
	char		 uscc[19];
};

#define MAX_CATEGORIES	64
#define MAX_PTYPES	16	/* problem types of one domain */

struct world {
	struct region	*regions;	/* counties of both provinces */
	size_t		 nregions;
	size_t		 nregions_of[NPROVINCES];
	size_t		*regions_of[NPROVINCES];	/* indexes into regions */
	char		*categories[MAX_CATEGORIES];	/* ids, national first */
	char		*category_names[MAX_CATEGORIES];
	int		 ncategories;
	struct actor	 officer[NPROVINCES];
	struct actor	 legal[NPROVINCES];
	struct enterprise *ents;
	size_t		 nents;
	size_t		*ents_of[NPROVINCES];	/* indexes into ents */
	size_t		 nents_of[NPROVINCES];
	int		 campaign_now;		/* this year's campaign id */
	int		 campaign_old;		/* 2022's, or 0 */
	long long	 now_us;		/* the wall clock at start */
	uint64_t	 seed;
	int		 activities_table;	/* activities exists */
	int		 profiles;	/* the schema has profiles, problem
					   types and spot-check items */
	/* Problem type ids by domain: 0 production, 1 circulation. */
	char		*ptypes[2][MAX_PTYPES];
	int		 nptypes[2];
};

extern const char *const province_codes[NPROVINCES];
extern const char *const province_names[NPROVINCES];

/* ------------------------------------------------------------------ */
/* Generated things (gen.c)                                           */
/* ------------------------------------------------------------------ */

void		 enterprise_make(const struct world *, size_t,
		    struct enterprise *);
size_t		 enterprise_index(const char *uscc);	/* inverse; -1 */
char		*enterprise_name(const struct world *,
		    const struct enterprise *, size_t);
char		*enterprise_address(const struct world *,
		    const struct enterprise *, size_t);
void		 enterprise_licences(const struct enterprise *, size_t,
		    char *, size_t, char *, size_t);

/*
 * An enterprise's profile: who represents it, its phone, the 重点领域
 * it sits in, an accident it had, and the status and validity of its
 * licences (numbers: enterprise_licences).
 */
struct profile {
	char		*person;		/* malloc'd */
	char		 phone[24];
	const char	*areas[5];
	int		 nareas;
	json_t		*accident;	/* [{"on", "summary"}], or NULL */
	struct {
		const char	*status;
		char		 from[11], until[11];
	}		 lic[2];		/* production, ccc */
};

void		 enterprise_profile(const struct world *,
		    const struct enterprise *, size_t, struct profile *);
void		 profile_free(struct profile *);
char		*profile_areas_text(const struct profile *);
json_t		*profile_licences(const struct profile *, const char *,
		    const char *);
const char	*problem_text(struct rng *, const char *category);
char		*person_name(struct rng *);
json_t		*payload_make(struct rng *, const struct world *, int province,
		    enum wf_event, int today, int64_t case_id);
const char	*text_pick(struct rng *, const char *const *);

/* Days and instants, China Standard Time. */
long long	 at_on_day(struct rng *, int day);	/* working hours, us */
int		 working_day_on_or_after(int day);
int		 add_working(int day, int n);

/* ------------------------------------------------------------------ */
/* One case's life (walk.c)                                           */
/* ------------------------------------------------------------------ */

enum step_kind {
	STEP_EVENT,	/* a transition: applied (200) or proposed (202) */
	STEP_DECIDE,	/* the legal reviewer decides the pending proposal */
	STEP__MAX
};

struct step {
	enum step_kind	 kind;
	enum wf_event	 event;		/* DECIDE: the pending proposal's */
	int		 approve;	/* DECIDE */
	const char	*comment;	/* DECIDE, may be NULL */
	json_t		*payload;	/* EVENT (owned) */
	int		 legal;		/* the actor: legal (1) or officer (0) */
	long long	 at_us;
	enum wf_outcome	 outcome;	/* EVENT: what wf_decide said */
	enum wf_state	 from, to;	/* the case's state before and after */
};

#define MAX_STEPS	32

struct case_plan {
	uint64_t	 index;		/* the case's number in the seed */
	size_t		 ent;		/* into world.ents */
	int		 province;
	int		 campaign;
	const char	*category;
	const char	*domain;
	const char	*source;
	const char	*problem;
	const char	*risk_level;	/* NULL: not given */
	const char	*problem_types[2];	/* ids of its domain */
	int		 nproblem_types;
	long long	 created_us;
	size_t		 nsteps;
	struct step	 steps[MAX_STEPS];
};

/* How walks end. */
enum walk_mode {
	WALK_HISTORY,	/* simulated time from registration to now */
	WALK_NOW,	/* every step now (the API driver) */
	WALK_DETECTED,	/* registered only (fresh cases for the benchmark) */
	WALK__MAX
};

int		 walk_case(const struct world *, uint64_t, enum walk_mode,
		    int province, struct case_plan *);
void		 walk_free(struct case_plan *);
void		 case_problem_types(const struct world *, struct case_plan *);
json_t		*case_problem_types_json(const struct case_plan *);
void		 case_problem_types_text(const struct case_plan *, char *,
		    size_t);

/* ------------------------------------------------------------------ */
/* Activities (gen.c)                                                 */
/* ------------------------------------------------------------------ */

struct activity {
	const char	*kind;
	int		 campaign;
	const char	*category;
	char		 on[11];
	size_t		 region;	/* into world.regions */
	size_t		 ent;		/* into world.ents, or (size_t)-1 */
	const char	*domain;	/* or NULL */
	int		 problems_found;	/* inspection: bool */
	int		 problems_count;	/* risk_monitoring */
	int		 batches, failed_batches;
	const char	*summary;
	int		 problems_solved;
	char		 output_gain[24];
	int		 province;
	const char	*channel;	/* spot_check, with profiles */
	json_t		*items;		/* spot_check: its batches, or NULL */
};

void		 activity_make(const struct world *, uint64_t,
		    struct activity *);
void		 activity_free(struct activity *);

/* ------------------------------------------------------------------ */
/* Drivers                                                            */
/* ------------------------------------------------------------------ */

struct counts {
	long long	 enterprises, cases, events, deadlines, activities;
	long long	 states[WF_STATE__MAX], pending;
	long long	 files;		/* evidence files uploaded */
	/* Seconds spent, summed over the loading processes. */
	double		 t_make;	/* walking, hashing, formatting rows */
	double		 t_copy[4];	/* cases, events, deadlines, activities */
	double		 t_commit;
};

/* What to load, and where from. */
struct load {
	const char	*conninfo;	/* libpq: a superuser (no RLS) */
	uint64_t	 first_case;	/* index of the first case to make */
	uint64_t	 ncases;
	uint64_t	 first_act;	/* index of the first activity */
	uint64_t	 nacts;
	enum walk_mode	 mode;
	int		 province;	/* -1: both */
	int		 jobs;		/* loading processes */
	const char	*url;		/* the API driver: https://host:port */
	const char	*ca;		/* its certificate */
};

int		 bulk_enterprises(PGconn *, struct world *, size_t);
int		 bulk_load(const struct load *, struct world *, struct counts *);
int		 api_load(const struct load *, struct world *, struct counts *);

/* main.c */
void		 fatal(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
void		 note(const char *, ...) __attribute__((format(printf, 1, 2)));
double		 elapsed(void);

/* ------------------------------------------------------------------ */
/* Evidence (media.c)                                                 */
/* ------------------------------------------------------------------ */

int		 media_photo(uint64_t, const char *, time_t, double, double,
		    unsigned char **, size_t *);
int		 media_pdf(const char *, const char *const *, size_t, char **,
		    size_t *);

#endif /* SEED_H */
