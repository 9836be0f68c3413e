/*
 * fake-payload.h: a payload for the workflow tests -- a small list of
 * named values behind struct wf_payload, standing in for the server's
 * Jansson object.
 */
#ifndef FAKE_PAYLOAD_H
#define FAKE_PAYLOAD_H

#define FAKE_MAX	32

struct fake_value {
	const char		*name;
	enum wf_vkind		 kind;
	const char		*s;		/* WF_V_STRING */
	int			 b;		/* WF_V_BOOL */
	size_t			 n;		/* WF_V_LIST */
	const char *const	*items;		/* NULL item: not a string */
	const long long		*ids;		/* WF_V_LIST of integers */
};

struct fake {
	size_t			 n;
	struct fake_value	 v[FAKE_MAX];
	struct wf_payload	 p;
};

/* Empty the fake and point fk->p at it. */
void	 fake_init(struct fake *);

/* Set (or replace) a value. */
void	 fake_str(struct fake *, const char *, const char *);
void	 fake_bool(struct fake *, const char *, int);
void	 fake_list(struct fake *, const char *, size_t,
	    const char *const *);
void	 fake_ids(struct fake *, const char *, size_t, const long long *);
void	 fake_kind(struct fake *, const char *, enum wf_vkind);

/* Remove a value: it becomes absent. */
void	 fake_del(struct fake *, const char *);

/*
 * Fill the fake with a valid payload for the event named (its API id),
 * written from DESIGN.md, for a case decided on `today` (a CST day
 * number): dates that must be in the future are after it, the others
 * on or before it.  Returns 0, or -1 for an unknown event id.
 */
int	 fake_valid(struct fake *, const char *event, int today);

/* The five transfer documents by id, as DESIGN.md and art. 6 list them. */
extern const char *const fake_documents[5];

#endif /* FAKE_PAYLOAD_H */
