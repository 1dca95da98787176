#!/usr/bin/env bash
# backup.sh: a checked, compressed pg_dump of the order_system database. See --help.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$SCRIPT_DIR/lib.sh"

usage() {
	cat <<'EOF'
Usage: backup.sh [--output-dir DIR] [--retention-days N] [--container NAME]

Writes order_system_YYYYmmdd_HHMMSS.dump (UTC time) into DIR: pg_dump --format=custom
(compressed), written under a temporary name, checked with pg_restore (the table of contents
and every data block must read back), then renamed. A file that fails the check is deleted
and the script exits non-zero; a file under the final name is always complete.

The database:
  DATABASE_URL             postgresql://USER:PASSWORD@HOST:PORT/DB (postgresql+asyncpg://
                           too); the password is passed in PGPASSWORD, never printed
  PG* variables            (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE) when DATABASE_URL
                           is unset; the app's POSTGRES_SERVER/PORT/USER/PASSWORD/DB fill in
  --container NAME         or run pg_dump inside that database container through
                           `docker exec` (e.g. order_system_db, order_system_db_prod), as the
                           container's POSTGRES_USER on its POSTGRES_DB

Options:
  --output-dir DIR         where backups go (default: $BACKUP_DIR, else backups/ in the
                           repository, wherever it is run from)
  --retention-days N       afterwards, delete this script's backups in DIR older than N days
                           (default: $BACKUP_RETENTION_DAYS; unset keeps everything). Only
                           files named like order_system_YYYYmmdd_HHMMSS.dump are touched,
                           and never when the new backup failed
  -h, --help               this help

pg_dump and pg_restore come from PATH, or from the directory in PG_BIN; they must be the
server's major version or newer. A finished backup is mode 0640 (its group may read it);
run as root (as the production Compose file's backup service runs it), it also gets the
owner and group of DIR, so the operator who made DIR can read and copy it.

Cron, nightly at 02:00 with 14 days kept (the container needs no password here):
  0 2 * * * /srv/order_system/cloud-deployment/scripts/backup.sh --container order_system_db_prod --output-dir /var/backups/order_system --retention-days 14 >>/var/log/order_system_backup.log 2>&1
EOF
}

OUTPUT_DIR=${BACKUP_DIR:-$REPO_ROOT/backups}
RETENTION_DAYS=${BACKUP_RETENTION_DAYS:-}
CONTAINER=""

while (($# > 0)); do
	if [[ $1 == --*=* ]]; then
		set -- "${1%%=*}" "${1#*=}" "${@:2}"
	fi
	case $1 in
	--output-dir)
		need_value "$1" "$#" "${2-}"
		OUTPUT_DIR=$2
		shift
		;;
	--retention-days)
		need_value "$1" "$#" "${2-}"
		RETENTION_DAYS=$2
		shift
		;;
	--container)
		need_value "$1" "$#" "${2-}"
		CONTAINER=$2
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	*) die "unknown argument: $1 (see --help)" 2 ;;
	esac
	shift
done

if [[ -n $RETENTION_DAYS ]] && { ! is_whole_number "$RETENTION_DAYS" || ((RETENTION_DAYS < 1)); }; then
	die "--retention-days must be a whole number of days, 1 or more (got '$RETENTION_DAYS')" 2
fi

if [[ -n $CONTAINER ]]; then
	require_command docker "--container runs pg_dump through docker exec"
	running=$(docker container inspect --format '{{.State.Running}}' "$CONTAINER" 2>/dev/null) ||
		die "no container named $CONTAINER"
	[[ $running == true ]] || die "container $CONTAINER is not running"
	SOURCE="database container $CONTAINER"
else
	resolve_database
	PG_DUMP=$(pg_tool pg_dump)
	pg_tool pg_restore >/dev/null
	SOURCE=$DB_SHOWN
fi

umask 077
mkdir -p -- "$OUTPUT_DIR"
OUTPUT_DIR=$(cd -- "$OUTPUT_DIR" && pwd)
NAME="order_system_$(date -u +%Y%m%d_%H%M%S).dump"
FINAL="$OUTPUT_DIR/$NAME"
PARTIAL="$OUTPUT_DIR/.$NAME.partial"
[[ ! -e $FINAL ]] || die "$FINAL already exists; not overwriting it"

# Whatever happens, no partial file stays behind.
trap 'rm -f -- "$PARTIAL"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "Backing up $SOURCE"
log "  to $FINAL"
if [[ -n $CONTAINER ]]; then
	# shellcheck disable=SC2016  # expanded inside the container
	docker exec "$CONTAINER" sh -c "$CONTAINER_PG_ENV"' exec pg_dump --format=custom --compress=6' \
		>"$PARTIAL" || die "pg_dump in $CONTAINER failed; no backup written"
else
	"$PG_DUMP" --format=custom --compress=6 --file="$PARTIAL" "${DB_ARGS[@]}" ||
		die "pg_dump failed; no backup written"
fi

if ! check_dump "$PARTIAL" "$CONTAINER"; then
	die "integrity check failed: pg_restore could not read the dump back; the file was deleted"
fi
# Root's dumps would be root's alone: they go to whoever owns the directory (the operator who
# made the bind-mounted backups/), before they appear under their final name.
if (($(id -u) == 0)); then
	chown -- "$(stat -c %u:%g -- "$OUTPUT_DIR")" "$PARTIAL" ||
		warn "could not give $NAME the owner of $OUTPUT_DIR: it stays root's"
fi
chmod 0640 -- "$PARTIAL"
mv -- "$PARTIAL" "$FINAL"

SIZE=$(file_size "$FINAL")
log "Backup written: $FINAL ($(human_size "$SIZE"))"

if [[ -n $RETENTION_DAYS ]]; then
	log "Retention: deleting backups in $OUTPUT_DIR older than $RETENTION_DAYS days"
	mapfile -t EXPIRED < <(
		find "$OUTPUT_DIR" -mindepth 1 -maxdepth 1 -type f -name "$BACKUP_GLOB" \
			! -name "$NAME" -mmin +$((RETENTION_DAYS * 1440)) | sort
	)
	for file in "${EXPIRED[@]}"; do
		rm -f -- "$file"
		log "  deleted $file"
	done
	log "  ${#EXPIRED[@]} deleted"
fi
