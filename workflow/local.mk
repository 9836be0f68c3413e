# workflow/: the case state machine, deadlines and calendar.  libc only.
noinst_LIBRARIES += workflow/libworkflow.a
workflow_libworkflow_a_SOURCES = \
	workflow/workflow.h \
	workflow/role.c
