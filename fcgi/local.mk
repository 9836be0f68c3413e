# fcgi/: the FastCGI service, in the layers a request passes (see
# docs/ARCHITECTURE.md): base/ (settings, logging, clock, hex, UTF-8),
# front/ (the front line and its plumbing), ledger/ (the audit trail),
# resources/ (one file per resource), and at the top routes.c (the
# endpoint table) and main.c.  Everything but main() goes into a library
# so that the unit tests and the seeder link the very same objects.
include $(srcdir)/fcgi/resources/uscc.mk

PAICHA_SOURCES = $(PAICHA_SOURCES_USCC) \
	fcgi/routes.c \
	fcgi/openapi.c \
	fcgi/base/base.h \
	fcgi/base/clock.c \
	fcgi/base/config.c \
	fcgi/base/hex.c \
	fcgi/base/log.c \
	fcgi/base/utf8.c \
	fcgi/front/front.h \
	fcgi/front/background.c \
	fcgi/front/csv.c \
	fcgi/front/db.c \
	fcgi/front/handoff.c \
	fcgi/front/idempotency.c \
	fcgi/front/metrics.c \
	fcgi/front/outbound.c \
	fcgi/front/password.c \
	fcgi/front/password_rules.c \
	fcgi/front/reply.c \
	fcgi/front/request.c \
	fcgi/front/router.c \
	fcgi/front/session.c \
	fcgi/front/sheet.h \
	fcgi/front/sheet.c \
	fcgi/front/validate.c \
	fcgi/ledger/ledger.h \
	fcgi/ledger/merkle.h \
	fcgi/ledger/append.c \
	fcgi/ledger/checkpoint.c \
	fcgi/ledger/merkle.c \
	fcgi/ledger/proof.c \
	fcgi/ledger/record.c \
	fcgi/ledger/verify.c \
	fcgi/sched/sched.h \
	fcgi/sched/sched.c \
	fcgi/sched/reminders.c \
	fcgi/sched/tallies.c \
	fcgi/sched/webhooks.c \
	fcgi/ledger/verify_files.c \
	fcgi/resources/resources.h \
	fcgi/resources/activities.c \
	fcgi/resources/portal.c \
	fcgi/resources/self_inspections.c \
	fcgi/resources/admit.c \
	fcgi/resources/audit.c \
	fcgi/resources/case_history.c \
	fcgi/resources/case_replay.c \
	fcgi/resources/cases.c \
	fcgi/resources/changes.c \
	fcgi/resources/dashboard.c \
	fcgi/resources/campaigns.c \
	fcgi/resources/enterprises.c \
	fcgi/resources/feed.c \
	fcgi/resources/imports.c \
	fcgi/resources/form.h \
	fcgi/resources/notifications.c \
	fcgi/resources/files.c \
	fcgi/resources/filetype.c \
	fcgi/resources/images.c \
	fcgi/resources/operations.c \
	fcgi/resources/payload.c \
	fcgi/resources/problem_types.c \
	fcgi/resources/profile.c \
	fcgi/resources/publications.c \
	fcgi/resources/reference.c \
	fcgi/resources/reports.c \
	fcgi/resources/risk.c \
	fcgi/resources/sessions.c \
	fcgi/resources/submissions.c \
	fcgi/resources/supervisions.c \
	fcgi/resources/referrals.c \
	fcgi/resources/transitions.c \
	fcgi/resources/users.c \
	fcgi/resources/webhooks.c \
	fcgi/resources/workflow.c \
	fcgi/resources/xlsx.h

PAICHA_CFLAGS = $(AM_CFLAGS) $(PQ_CFLAGS) $(JANSSON_CFLAGS) \
	$(CRYPTO_CFLAGS) $(XLSXWRITER_CFLAGS) $(PWQUALITY_CFLAGS) \
	$(ZIP_CFLAGS) $(XML_CFLAGS) $(MAGIC_CFLAGS) $(EXIF_CFLAGS) \
	$(CURL_CFLAGS)
PAICHA_LIBS = fcgi/libpaicha.a workflow/libworkflow.a $(FCGI_LIBS) \
	$(PQ_LIBS) $(JANSSON_LIBS) $(CRYPTO_LIBS) $(XLSXWRITER_LIBS) \
	$(PWQUALITY_LIBS) $(ZIP_LIBS) $(XML_LIBS) $(MAGIC_LIBS) $(EXIF_LIBS) \
	$(CURL_LIBS) \
	-lm $(PTHREAD_LIBS)

noinst_LIBRARIES += fcgi/libpaicha.a
fcgi_libpaicha_a_SOURCES = $(PAICHA_SOURCES)
fcgi_libpaicha_a_CFLAGS = $(PAICHA_CFLAGS)

bin_PROGRAMS += fcgi/paicha fcgi/paicha-admin fcgi/paicha-thumb
fcgi_paicha_SOURCES = fcgi/main.c
fcgi_paicha_CFLAGS = $(PAICHA_CFLAGS)
fcgi_paicha_LDADD = $(PAICHA_LIBS)
fcgi_paicha_admin_SOURCES = fcgi/admin/admin.c
fcgi_paicha_admin_CFLAGS = $(PAICHA_CFLAGS)
fcgi_paicha_admin_LDADD = $(PAICHA_LIBS)

# The thumbnailer: libvips in a process of its own (thumb/thumb.c); the
# service runs it beside itself and links no libvips.
fcgi_paicha_thumb_SOURCES = fcgi/thumb/thumb.c
fcgi_paicha_thumb_CFLAGS = $(AM_CFLAGS) $(VIPS_CFLAGS)
fcgi_paicha_thumb_LDADD = $(VIPS_LIBS)
