# tools/seed/: paicha-seed, the demonstration and benchmark data of
# ./run seed-demo.  It links the service's own library, so the records
# and hashes it writes are the service's.
noinst_PROGRAMS += tools/seed/paicha-seed
tools_seed_paicha_seed_SOURCES = tools/seed/seed.h tools/seed/main.c \
	tools/seed/gen.c tools/seed/walk.c tools/seed/bulk.c tools/seed/api.c \
	tools/seed/media.c
tools_seed_paicha_seed_CFLAGS = $(PAICHA_CFLAGS) $(CURL_CFLAGS) $(VIPS_CFLAGS)
tools_seed_paicha_seed_LDADD = $(PAICHA_LIBS) $(CURL_LIBS) $(VIPS_LIBS)
