# run.d/database.sh: the paicha database, in the private cluster or the
# one PAICHA_DATABASE_URL names: psql_admin, its roles and grants
# (db_bootstrap), the migrations of sql/ (migrate); ./run psql.
# shellcheck shell=bash

# psql as the superuser, no psqlrc, stopping at the first error.
psql_admin() {
	"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}

# The database and its roles.  paicha_owner owns the schema (migrations
# run as it); paicha_app is what the service logs in as.
db_bootstrap() {
	if ((!EXTERNAL_DB)); then
		psql_admin "host=$PGSOCK dbname=postgres user=postgres" <<'SQL'
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'paicha_owner') THEN
		CREATE ROLE paicha_owner NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'paicha_app') THEN
		CREATE ROLE paicha_app LOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'paicha_repl') THEN
		CREATE ROLE paicha_repl LOGIN REPLICATION;
	END IF;
END
$$;
ALTER ROLE paicha_owner NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION;
ALTER ROLE paicha_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION;
-- Replicas and the national subscriber: reads what it is granted
-- (installation_setup grants the published tables), all of it: the
-- initial copy of a table must not be cut by row-level security.
ALTER ROLE paicha_repl LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE BYPASSRLS REPLICATION;
SELECT NOT EXISTS (SELECT FROM pg_database WHERE datname = 'paicha') AS paicha_missing \gset
\if :paicha_missing
CREATE DATABASE paicha OWNER paicha_owner TEMPLATE template0
	ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8';
\endif
SQL
	fi
	psql_admin "$ADMIN_URL" <<'SQL'
SET client_min_messages = warning;
DO $$
BEGIN
	EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
	EXECUTE format('GRANT CONNECT ON DATABASE %I TO paicha_app', current_database());
	IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'paicha_repl') THEN
		EXECUTE format('GRANT CONNECT ON DATABASE %I TO paicha_repl', current_database());
	END IF;
END
$$;
ALTER SCHEMA public OWNER TO paicha_owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO paicha_app;
CREATE TABLE IF NOT EXISTS public.schema_migrations (
	version		integer PRIMARY KEY,
	name		text NOT NULL,
	applied_at	timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON public.schema_migrations FROM PUBLIC;
GRANT SELECT ON public.schema_migrations TO paicha_app;
SQL
}

# ======================================================================
# Migrations (the rules: sql/README.md)
# ======================================================================

migrate() {
	local f base version name out
	local -a files
	local -A applied=() taken=()

	[[ -d sql ]] || return 0
	out=$(psql_admin "$ADMIN_URL" -At -c 'SELECT version FROM schema_migrations')
	for version in $out; do
		applied[$version]=1
	done
	mapfile -t files < <(find sql -maxdepth 1 -name '[0-9][0-9][0-9][0-9]_*.sql' | LC_ALL=C sort)
	for f in "${files[@]}"; do
		base=${f##*/}
		version=$((10#${base:0:4}))
		name=${base:5:-4}
		[[ -z ${taken[$version]:-} ]] || die "two migrations numbered ${base:0:4} in sql/"
		taken[$version]=1
		[[ -z ${applied[$version]:-} ]] || continue
		if grep -Eiqn '^[[:space:]]*(BEGIN|COMMIT|ROLLBACK|START[[:space:]]+TRANSACTION)[[:space:]]*;' "$f"; then
			die "$f controls its own transaction; the runner wraps each file in one (sql/README.md)"
		fi
		step "migration $base"
		psql_admin "$ADMIN_URL" -v mig_file="$ROOT/$f" \
		    -v mig_version="$version" -v mig_name="$name" <<'SQL' ||
BEGIN;
SET ROLE paicha_owner;
\i :mig_file
RESET ROLE;
INSERT INTO schema_migrations (version, name) VALUES (:mig_version, :'mig_name');
COMMIT;
SQL
			die "migration $base failed; nothing of it was applied"
	done
}

cmd_psql() {
	if ((!EXTERNAL_DB)) && ! pg_running; then
		die "the cluster in $PGDATA is not running: ./run first"
	fi
	exec "$PGBIN/psql" "$ADMIN_URL" "$@"
}
