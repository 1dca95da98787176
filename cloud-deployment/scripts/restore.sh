#!/usr/bin/env bash
# restore.sh: put a backup.sh dump back into the order_system database. See --help.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$SCRIPT_DIR/lib.sh"

usage() {
	cat <<'EOF'
Usage: restore.sh [--yes] [--backup-dir DIR] [--container NAME] [--backend-container NAME]
                  latest|FILE
       restore.sh --offsite --identity FILE [--extract-to DIR] [--extract-only]
                  [--env-file FILE] [options] latest|ARCHIVE

Replaces the data of the order_system database with a dump that backup.sh wrote:
  1. checks the dump reads back whole (pg_restore --list, then every data block), before
     anything is touched;
  2. asks for confirmation (type "yes") on the terminal, unless --yes; without a terminal
     and without --yes it refuses;
  3. stops the backend if it runs (docker stop), so nothing writes meanwhile;
  4. pg_restore --clean --if-exists --no-owner --single-transaction: every object in the
     dump is dropped and recreated in one transaction, so a failure changes nothing;
  5. prints the row counts of users, products, orders and order_items;
  6. starts the backend again if it stopped it (also when the restore failed).

Arguments:
  latest                   the newest order_system_YYYYmmdd_HHMMSS.dump in the backup dir
  FILE                     a dump file

From off-site (backup.sh --offsite's encrypted archives):
  --offsite                first download latest (the newest order_system_YYYYmmdd_HHMMSS.tar.age
                           in s3://BACKUP_S3_BUCKET/BACKUP_S3_PREFIX/) or the ARCHIVE named,
                           decrypt it and unpack it into the --extract-to directory, then
                           restore its dump as above. Its .env and nginx/ssl/ stay in that
                           directory: the live .env and certificates are never touched; copy
                           them into place yourself (the script says where they are)
  --identity FILE          the age identity (private key) file matching one of the
                           recipients the backups were encrypted to; bring it for the restore,
                           it is never kept on the server
  --extract-to DIR         where the archive is unpacked (default: BACKUP_DIR/ARCHIVE without
                           .tar.age); must not exist or be empty
  --extract-only           unpack, say where, and stop: on a new host, the .env and the
                           certificates go in place before the database can start; then
                           restore the unpacked dump (restore.sh DIR/order_system_....dump)
  --env-file FILE          read the BACKUP_S3_* settings the environment does not set from
                           FILE (default: .env in the repository, if there); on a new host,
                           export them instead

Options:
  --yes                    do not ask
  --backup-dir DIR         where `latest` looks (default: $BACKUP_DIR, else backups/ in
                           the repository, wherever it is run from)
  --container NAME         restore inside that database container through `docker exec`
                           (its POSTGRES_USER and POSTGRES_DB), instead of DATABASE_URL
  --backend-container NAME the backend container to stop meanwhile (default:
                           order_system_backend, or order_system_backend_prod with the
                           order_system_db_prod database; where no container has that name,
                           the running containers of the Compose service `backend` of project
                           order_system, or order_system_prod: its replicas)
  -h, --help               this help

The database: --container NAME; else DATABASE_URL (the password is never printed), or the PG*
variables, or the app's POSTGRES_* variables; with none of those set, the Compose database
container order_system_db_prod if there is one, else order_system_db. pg_restore and psql
come from PATH or PG_BIN (not needed inside a container).
EOF
}

ASSUME_YES=0
BACKUP_DIR=${BACKUP_DIR:-$REPO_ROOT/backups}
OFFSITE=0
EXTRACT_ONLY=0
IDENTITY=""
EXTRACT_DIR=""
ENV_FILE=""
CONTAINER=""
BACKEND=""
COMPOSE_PROJECT=""
TARGET=""

while (($# > 0)); do
	if [[ $1 == --*=* ]]; then
		set -- "${1%%=*}" "${1#*=}" "${@:2}"
	fi
	case $1 in
	--yes | -y) ASSUME_YES=1 ;;
	--backup-dir)
		need_value "$1" "$#" "${2-}"
		BACKUP_DIR=$2
		shift
		;;
	--container)
		need_value "$1" "$#" "${2-}"
		CONTAINER=$2
		shift
		;;
	--backend-container)
		need_value "$1" "$#" "${2-}"
		BACKEND=$2
		shift
		;;
	--offsite) OFFSITE=1 ;;
	--extract-only) EXTRACT_ONLY=1 ;;
	--identity)
		need_value "$1" "$#" "${2-}"
		IDENTITY=$2
		shift
		;;
	--extract-to)
		need_value "$1" "$#" "${2-}"
		EXTRACT_DIR=$2
		shift
		;;
	--env-file)
		need_value "$1" "$#" "${2-}"
		ENV_FILE=$2
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	-*) die "unknown option: $1 (see --help)" 2 ;;
	*)
		[[ -z $TARGET ]] || die "one backup at a time: got '$TARGET' and '$1'" 2
		TARGET=$1
		;;
	esac
	shift
done

[[ -n $TARGET ]] || die "which backup? Give latest or a FILE (see --help)" 2

# --- Which dump ----------------------------------------------------------------------------

if ((OFFSITE)); then
	[[ -n $IDENTITY ]] || die "--offsite needs --identity FILE: the age private key the backups were encrypted for" 2
	[[ -f $IDENTITY && -r $IDENTITY ]] || die "cannot read the identity file $IDENTITY" 2
	[[ $TARGET == latest || $TARGET =~ $ARCHIVE_PATTERN ]] ||
		die "with --offsite, give latest or an archive name like order_system_YYYYmmdd_HHMMSS.tar.age (got '$TARGET')" 2
	require_command age "off-site backups are decrypted with age (apt-get install age)"
	require_command rclone "off-site backups are downloaded with rclone (apt-get install rclone)"
	require_command tar "off-site backups are unpacked with tar"
	if [[ -n $ENV_FILE ]]; then
		[[ -f $ENV_FILE && -r $ENV_FILE ]] || die "cannot read $ENV_FILE (--env-file)" 2
		load_backup_settings "$ENV_FILE"
	elif [[ -f $REPO_ROOT/.env && -r $REPO_ROOT/.env ]]; then
		load_backup_settings "$REPO_ROOT/.env"
	fi
	offsite_location
	if [[ $TARGET == latest ]]; then
		ARCHIVES=$(offsite_archives) || die "could not list $OFFSITE_SHOWN"
		ARCHIVE_NAME=$(tail -n 1 <<<"$ARCHIVES")
		[[ -n $ARCHIVE_NAME ]] || die "no archives (order_system_YYYYmmdd_HHMMSS.tar.age) in $OFFSITE_SHOWN"
	else
		ARCHIVE_NAME=$TARGET
	fi
	EXTRACT_DIR=${EXTRACT_DIR:-$BACKUP_DIR/${ARCHIVE_NAME%.tar.age}}
	if [[ -e $EXTRACT_DIR ]] && [[ ! -d $EXTRACT_DIR || -n $(ls -A -- "$EXTRACT_DIR") ]]; then
		die "$EXTRACT_DIR already exists and is not an empty directory: choose another with --extract-to DIR" 2
	fi
	umask 077
	mkdir -p -- "$EXTRACT_DIR"
	EXTRACT_DIR=$(cd -- "$EXTRACT_DIR" && pwd)
	log "Downloading $OFFSITE_SHOWN/$ARCHIVE_NAME, decrypting it into $EXTRACT_DIR"
	# Streamed: the plaintext exists only as the unpacked files, in a directory of mode 0700.
	if ! rclone_offsite cat -- "$OFFSITE_DIR/$ARCHIVE_NAME" |
		age --decrypt --identity "$IDENTITY" |
		tar --extract --file=- --directory="$EXTRACT_DIR" --no-same-owner; then
		rm -rf -- "$EXTRACT_DIR"
		die "could not download, decrypt or unpack $ARCHIVE_NAME (is --identity the key it was encrypted for?); nothing was changed"
	fi
	TARGET="$EXTRACT_DIR/${ARCHIVE_NAME%.tar.age}.dump"
	[[ -f $TARGET ]] || die "$ARCHIVE_NAME holds no ${ARCHIVE_NAME%.tar.age}.dump; nothing was changed"
fi

# Where the .env and certificates of an off-site backup are: put in place by the operator,
# never by this script, so the live ones are never replaced unseen.
tell_where_unpacked() {
	log ""
	log "The .env and the certificates of $ARCHIVE_NAME are in $EXTRACT_DIR"
	log "(the live ones were not changed). Compare them with those in use, then put them in"
	log "place yourself, e.g. on a new host, from the repository:"
	log "  cp $(quote_command "$EXTRACT_DIR/.env") .env && cp -r $(quote_command "$EXTRACT_DIR/nginx/ssl/.") nginx/ssl/"
}

if ((EXTRACT_ONLY)); then
	((OFFSITE)) || die "--extract-only goes with --offsite" 2
	log "Unpacked; the database was not touched. Its dump: $TARGET"
	tell_where_unpacked
	exit 0
fi

if [[ $TARGET == latest ]]; then
	[[ -d $BACKUP_DIR ]] || die "no backup directory $BACKUP_DIR (use --backup-dir)"
	FILE=$(find "$BACKUP_DIR" -mindepth 1 -maxdepth 1 -type f -name "$BACKUP_GLOB" | sort | tail -n 1)
	[[ -n $FILE ]] || die "no backups (order_system_YYYYmmdd_HHMMSS.dump) in $BACKUP_DIR"
else
	FILE=$TARGET
fi
[[ -f $FILE && -r $FILE ]] || die "cannot read $FILE"
FILE=$(cd -- "$(dirname -- "$FILE")" && pwd)/$(basename -- "$FILE")

# --- Where to ------------------------------------------------------------------------------

# The documented `restore.sh latest` on a Compose host: nothing in the environment names a
# database, so it is the stack's own container (production's, if this host runs it).
compose_database_container() {
	local name
	command -v docker >/dev/null 2>&1 || return 1
	for name in order_system_db_prod order_system_db; do
		if docker container inspect --format '{{.Name}}' "$name" >/dev/null 2>&1; then
			printf '%s' "$name"
			return 0
		fi
	done
	return 1
}

if [[ -z $CONTAINER ]] && ! database_in_environment; then
	CONTAINER=$(compose_database_container) ||
		die "no database given, and no order_system_db_prod or order_system_db container to restore into: set DATABASE_URL (or PGHOST/PGUSER/PGDATABASE), or pass --container NAME"
	log "No DATABASE_URL, PG* or POSTGRES_* set: restoring into the Compose database container $CONTAINER"
fi

# The backend that goes with the database: order_system_db_prod's is order_system_backend_prod,
# in Compose project order_system_prod.
if [[ -z $BACKEND ]]; then
	SUFFIX=""
	[[ $CONTAINER == order_system_db_* ]] && SUFFIX="_${CONTAINER#order_system_db_}"
	BACKEND="order_system_backend$SUFFIX"
	COMPOSE_PROJECT="order_system$SUFFIX"
fi

if [[ -n $CONTAINER ]]; then
	require_command docker "--container restores through docker exec"
	running=$(docker container inspect --format '{{.State.Running}}' "$CONTAINER" 2>/dev/null) ||
		die "no container named $CONTAINER"
	[[ $running == true ]] || die "container $CONTAINER is not running"
	DESTINATION="the database in container $CONTAINER"
else
	resolve_database
	PG_RESTORE=$(pg_tool pg_restore)
	PSQL=$(pg_tool psql)
	DESTINATION=$DB_SHOWN
fi

log "Checking $FILE"
check_dump "$FILE" "$CONTAINER" || die "$FILE is not a complete pg_dump archive; nothing was changed"
log "  complete: $(human_size "$(file_size "$FILE")")"

# --- Are you sure --------------------------------------------------------------------------

confirm() {
	local answer prompt
	prompt="Replace ALL data in ${DESTINATION} with ${FILE##*/}? Type yes to go on: "
	if [[ -t 0 ]]; then
		printf '%s' "$prompt" >&2
		read -r answer || answer=""
	elif { exec 3</dev/tty; } 2>/dev/null; then
		printf '%s' "$prompt" >/dev/tty
		read -r answer <&3 || answer=""
		exec 3<&-
	else
		die "not asking without a terminal: pass --yes to restore unattended; nothing was changed"
	fi
	[[ $answer == yes ]] || die "not confirmed; nothing was changed"
}

if ((ASSUME_YES)); then
	log "Restoring into $DESTINATION (--yes: not asking)"
else
	confirm
fi

# --- Quiet the backend ---------------------------------------------------------------------

STOPPED_BACKENDS=()
start_backend_again() {
	if ((${#STOPPED_BACKENDS[@]} > 0)); then
		log "Starting ${STOPPED_BACKENDS[*]} again"
		docker start "${STOPPED_BACKENDS[@]}" >/dev/null ||
			warn "could not start ${STOPPED_BACKENDS[*]}: start it by hand"
		STOPPED_BACKENDS=()
	fi
}
trap start_backend_again EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! command -v docker >/dev/null 2>&1; then
	log "docker not found: not stopping a backend (stop whatever writes to the database yourself)"
else
	BACKENDS=()
	WANTED="$BACKEND container"
	if RUNNING=$(docker container inspect --format '{{.State.Running}}' "$BACKEND" 2>/dev/null); then
		[[ $RUNNING != true ]] || BACKENDS=("$BACKEND")
	elif [[ -n $COMPOSE_PROJECT ]]; then
		# Replicas (docker compose up --scale backend=N) have no fixed name: Compose's labels
		# find them.
		WANTED+=", nor any of Compose service backend in project $COMPOSE_PROJECT"
		LISTING=$(docker container ls --filter "label=com.docker.compose.project=$COMPOSE_PROJECT" \
			--filter label=com.docker.compose.service=backend --format '{{.Names}}') ||
			die "docker container ls failed: cannot tell which backend to stop; nothing was changed"
		[[ -z $LISTING ]] || mapfile -t BACKENDS <<<"$LISTING"
	fi
	if ((${#BACKENDS[@]} == 0)); then
		log "No running $WANTED: nothing to stop"
	else
		log "Stopping ${BACKENDS[*]} while the data is replaced"
		# Noted first: should one of several fail to stop, the others start again on exit.
		STOPPED_BACKENDS=("${BACKENDS[@]}")
		docker stop "${BACKENDS[@]}" >/dev/null || die "docker stop ${BACKENDS[*]} failed; nothing was restored"
	fi
fi

# --- Restore -------------------------------------------------------------------------------

log "Restoring $FILE into $DESTINATION"
RESTORE_OPTIONS=(--clean --if-exists --no-owner --single-transaction --exit-on-error)
if [[ -n $CONTAINER ]]; then
	# shellcheck disable=SC2016  # expanded inside the container
	docker exec -i "$CONTAINER" sh -c "$CONTAINER_PG_ENV"' exec pg_restore "$@" --dbname="$PGDATABASE"' \
		pg_restore "${RESTORE_OPTIONS[@]}" <"$FILE" ||
		die "pg_restore failed; the transaction was rolled back and the data is as it was"
else
	"$PG_RESTORE" "${RESTORE_OPTIONS[@]}" "${DB_ARGS[@]}" -- "$FILE" ||
		die "pg_restore failed; the transaction was rolled back and the data is as it was"
fi
log "Restore complete"

# --- What is there now ---------------------------------------------------------------------

sql() {
	if [[ -n $CONTAINER ]]; then
		# shellcheck disable=SC2016  # expanded inside the container
		docker exec "$CONTAINER" sh -c "$CONTAINER_PG_ENV"' exec psql -X -q -At -F " " -v ON_ERROR_STOP=1 -c "$1"' psql "$1"
	else
		"$PSQL" -X -q -At -F ' ' -v ON_ERROR_STOP=1 "${DB_ARGS[@]}" -c "$1"
	fi
}

MAIN_TABLES=(users products orders order_items)

count_rows() {
	local listed present table counts=() union
	listed=$(printf "'%s'," "${MAIN_TABLES[@]}")
	present=$(sql "SELECT t FROM unnest(ARRAY[${listed%,}]) AS t WHERE to_regclass('public.' || t) IS NOT NULL") ||
		return 1
	for table in "${MAIN_TABLES[@]}"; do
		if grep -qx -- "$table" <<<"$present"; then
			counts+=("SELECT '$table', count(*) FROM public.$table")
		else
			log "  $table: missing"
		fi
	done
	((${#counts[@]} > 0)) || return 0
	union=$(printf '%s UNION ALL ' "${counts[@]}")
	sql "${union% UNION ALL }" | while read -r table count; do
		printf '  %-12s %s\n' "$table" "$count"
	done
}

log "Rows:"
count_rows || warn "could not count the rows"

start_backend_again

((OFFSITE == 0)) || tell_where_unpacked
