/*
 * form.h: the campaign's statistics form as the resources share it
 * (reports.c computes and writes it; submissions.c freezes it).
 */
#ifndef PAICHA_FORM_H
#define PAICHA_FORM_H

#include <stddef.h>

#include <jansson.h>
#include <libpq-fe.h>

struct req;

#define FORM_COLS	25	/* API.md's columns */

/* The form in memory: cells as text, typed by their column. */
struct form {
	long long	 campaign_id;
	char		 campaign_name[160];
	char		 region[7];
	char		 region_name[160];
	char		 as_of[11];	/* "" for the live form */
	char		 note[256];	/* the XLSX's note adds it, or "" */
	PGresult	*res;		/* owns the cells */
	int		 nrows;
	int		 cols[FORM_COLS];	/* result column of each */
};

int	 form_load(struct req *, long long, const char *, const char *,
	    const char *, struct form *);
void	 form_free(struct form *);
int	 form_cutoff(struct req *, long long, const char *, const char *,
	    char *, size_t);
json_t	*form_value(const struct form *);
char	*form_xlsx_bytes(struct req *, const struct form *, size_t *);

#endif /* PAICHA_FORM_H */
