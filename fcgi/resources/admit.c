/*
 * admit.c: why a record was refused, gathered the same way whether the
 * record came as a request's body (POST /api/v1/enterprises, POST
 * /api/v1/activities) or as one row of an import (imports.c): the
 * failures by field, and the status a request for that record alone
 * gets.
 */
#include <stdio.h>
#include <string.h>

#include "../front/front.h"
#include "resources.h"

/* How telling a status is, when one record fails several ways. */
static int
weight(int status)
{
	switch (status) {
	case 400:
		return 4;
	case 403:
		return 3;
	case 409:
		return 2;
	case 422:
		return 1;
	default:
		return 0;
	}
}

/*
 * Refuse with `status`: append {field, message} when `field` is not
 * NULL, and keep the most telling status of all the refusals.
 */
void
admit_refuse(struct admit *a, int status, const char *field,
    const char *message)
{
	if (field != NULL)
		a->errors = problem_field(a->errors, field, message);
	if (weight(status) > weight(a->status))
		a->status = status;
}

/* Reply the refusal of one record (takes a->errors). */
void
admit_reply(struct req *r, struct admit *a)
{
	const char	*detail = a->detail[0] != '\0' ? a->detail : NULL;
	json_t		*errors = a->errors;

	a->errors = NULL;
	switch (a->status) {
	case 400:
		reply_problem(r, 400, "wrong-type", detail != NULL ? detail :
		    "a field has the wrong JSON type", errors);
		break;
	case 403:
		reply_problem(r, 403, NULL, detail != NULL ? detail :
		    "your role may not do this", errors);
		break;
	case 409:
		reply_problem(r, 409, "duplicate", detail != NULL ? detail :
		    "a record with the same identity already exists", errors);
		break;
	default:
		reply_problem(r, 422, NULL, detail != NULL ? detail :
		    "some fields are missing or invalid", errors);
		break;
	}
}
