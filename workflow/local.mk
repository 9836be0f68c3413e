# workflow/: the case state machine, deadlines and calendar.  libc only.
noinst_LIBRARIES += workflow/libworkflow.a
workflow_libworkflow_a_SOURCES = \
	workflow/workflow.h \
	workflow/extern.h \
	workflow/role.c \
	workflow/state.c \
	workflow/field.c \
	workflow/event.c \
	workflow/payload.c \
	workflow/decide.c \
	workflow/calendar.c \
	workflow/holidays.c \
	workflow/deadline.c
