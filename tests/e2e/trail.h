/*
 * trail.h: what the audit trail's two programs share -- e2e-audit (the
 * auditors' side: verify, checkpoints, the events listing and its CSV)
 * and e2e-tamper (every way of rewriting history, and how it is caught):
 * the clients and records trail_setup() makes, and the helpers that
 * write cases and ask verify about them.
 */
#ifndef TRAIL_H
#define TRAIL_H

#include "e2e.h"

/* Made by trail_setup(), freed by trail_teardown(). */
extern struct client	*officer;	/* officer.bj */
extern struct client	*auditor;	/* auditor.bj */
extern struct client	*admin;		/* admin (000000) */
extern char		 ent_bj[24];	/* an enterprise in 110000 */
extern char		 campaign[16];	/* the latest campaign's id */

void		 trail_setup(PGconn *);
void		 trail_teardown(void);

/* An enterprise in `region`, made as the superuser; its id into `out`. */
void		 enterprise(PGconn *, const char *, const char *, char *,
		    size_t);
/* Cases through the API: a new one, a note on one, one with n events. */
long long	 case_new(struct client *, const char *, const char *);
int		 note(struct client *, long long, int, const char *);
long long	 case_with(struct client *, const char *, int);
/* GET expecting 200 JSON. */
void		 get_ok(struct client *, const char *, struct resp *);
/* verify (a query, "" for everything) ok; or bad first at (case, seq). */
void		 verify_ok(struct client *, const char *);
void		 verify_bad_at(struct client *, const char *, long long, int);
/* The same, or what is wrong (malloc'd): naming (case, seq, field). */
char		*verify_names(struct client *, const char *, long long, int,
		    const char *);
char		*verify_names_everywhere(long long, int, const char *);
/* verify ok for the case, its region and everything, as auditor and admin. */
void		 verify_ok_everywhere(long long);
/* SQL as the superuser with the history's triggers off. */
void		 tamper(PGconn *, const char *);
long long	 events_total(PGconn *);
/* Wait for a checkpoint covering every event so far; its reply. */
void		 checkpoint_covering_all(PGconn *, struct resp *);

/* The other streams: a user and an enterprise with n events each. */
long long	 user_with(const char *, int);
long long	 enterprise_with(const char *, int);
/* verify names (entity, id, seq), or what is wrong (malloc'd). */
char		*verify_names_stream(struct client *, const char *,
		    const char *, long long, int);
char		*verify_names_stream_everywhere(const char *, long long, int);
/* verify ok for Beijing and everything, as its auditor and admin. */
void		 verify_ok_streams(void);

#endif /* TRAIL_H */
