# fcgi/: the FastCGI service.  Everything but main() goes into a library
# so that the unit tests link the very same objects.
include $(srcdir)/fcgi/uscc.mk

PAICHA_SOURCES = $(PAICHA_SOURCES_USCC) \
	fcgi/paicha.h \
	fcgi/merkle.h \
	fcgi/audit.c \
	fcgi/activities.c \
	fcgi/cases.c \
	fcgi/chain.c \
	fcgi/checkpoint.c \
	fcgi/config.c \
	fcgi/db.c \
	fcgi/dispatch.c \
	fcgi/enterprises.c \
	fcgi/health.c \
	fcgi/history.c \
	fcgi/idempotency.c \
	fcgi/log.c \
	fcgi/merkle.c \
	fcgi/metrics.c \
	fcgi/password.c \
	fcgi/reference.c \
	fcgi/reply.c \
	fcgi/reports.c \
	fcgi/request.c \
	fcgi/resource.c \
	fcgi/router.c \
	fcgi/session.c \
	fcgi/transitions.c \
	fcgi/users.c \
	fcgi/validate.c \
	fcgi/workflow_api.c

PAICHA_CFLAGS = $(AM_CFLAGS) $(PQ_CFLAGS) $(JANSSON_CFLAGS) \
	$(CRYPTO_CFLAGS) $(XLSXWRITER_CFLAGS)
PAICHA_LIBS = fcgi/libpaicha.a workflow/libworkflow.a $(FCGI_LIBS) \
	$(PQ_LIBS) $(JANSSON_LIBS) $(CRYPTO_LIBS) $(XLSXWRITER_LIBS) \
	$(PTHREAD_LIBS)

noinst_LIBRARIES += fcgi/libpaicha.a
fcgi_libpaicha_a_SOURCES = $(PAICHA_SOURCES)
fcgi_libpaicha_a_CFLAGS = $(PAICHA_CFLAGS)

bin_PROGRAMS += fcgi/paicha fcgi/paicha-admin
fcgi_paicha_SOURCES = fcgi/main.c
fcgi_paicha_CFLAGS = $(PAICHA_CFLAGS)
fcgi_paicha_LDADD = $(PAICHA_LIBS)
fcgi_paicha_admin_SOURCES = fcgi/admin.c
fcgi_paicha_admin_CFLAGS = $(PAICHA_CFLAGS)
fcgi_paicha_admin_LDADD = $(PAICHA_LIBS)
