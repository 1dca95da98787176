#!/bin/sh
# Test fixture: the parts of the official postgres image's entrypoint the project relies on.
set -eu

if [ "${1#-}" != "$1" ]; then
	set -- postgres "$@"
fi

if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
	mkdir -p "$PGDATA"
	chown postgres:postgres "$PGDATA"
	chmod 0700 "$PGDATA"
	exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
	: "${POSTGRES_PASSWORD:?the postgres image needs POSTGRES_PASSWORD}"
	user=${POSTGRES_USER:-postgres}
	database=${POSTGRES_DB:-$user}
	pwfile=$(mktemp)
	printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
	initdb --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 >/dev/null
	rm -f "$pwfile"
	printf "listen_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
	printf 'host all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
	pg_ctl --options="-c listen_addresses=''" --wait start >/dev/null
	if [ "$database" != postgres ]; then
		psql --username="$user" --dbname=postgres --set ON_ERROR_STOP=1 \
			--command="CREATE DATABASE \"$database\"" >/dev/null
	fi
	for file in /docker-entrypoint-initdb.d/*; do
		case $file in
		*.sh) echo "running $file" && . "$file" ;;
		*.sql) echo "running $file" && psql --username="$user" --dbname="$database" --set ON_ERROR_STOP=1 --file="$file" ;;
		esac
	done
	pg_ctl --mode=fast --wait stop >/dev/null
	echo "PostgreSQL init process complete; ready for start up."
fi

exec "$@"
