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
                 [--metrics-file FILE] [--offsite [--env-file FILE] [--certs-dir DIR]]

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
  --metrics-file FILE      afterwards, (re)write FILE for node-exporter's textfile collector
                           (default: $BACKUP_METRICS_FILE): order_system_backup_* by kind,
                           local (the dump) and offsite (the upload); written whole under
                           another name, then renamed, also when the backup failed
  -h, --help               this help

Off-site (run on the host, where the .env and the certificates are):
  --offsite                after the dump, pack it with the .env and the TLS certificates
                           into order_system_YYYYmmdd_HHMMSS.tar.age, encrypted with age to
                           the public keys in BACKUP_AGE_RECIPIENTS (age1..., several
                           separated by spaces or commas) and/or the file
                           BACKUP_AGE_RECIPIENTS_FILE, upload it with rclone to
                           s3://BACKUP_S3_BUCKET/BACKUP_S3_PREFIX/ (default prefix
                           order_system), then delete off-site archives whose name is older
                           than BACKUP_S3_RETENTION_DAYS (default: the local retention; unset
                           keeps everything). The archive is never kept on this host.
  --env-file FILE          the .env to pack (default: .env in the repository); the BACKUP_*
                           settings the environment does not set are read from it
  --certs-dir DIR          the certificates to pack (default: nginx/ssl in the repository)
  The bucket: BACKUP_S3_BUCKET, BACKUP_S3_ACCESS_KEY_ID, BACKUP_S3_SECRET_ACCESS_KEY, and for
  storage other than AWS S3 BACKUP_S3_ENDPOINT (https://...), BACKUP_S3_REGION. The keys go to
  rclone in its environment only, never on a command line or in a file.

pg_dump and pg_restore come from PATH, or from the directory in PG_BIN; they must be the
server's major version or newer. A finished backup is mode 0640 (its group may read it);
run as root (as the production Compose file's backup service runs it), it also gets the
owner and group of DIR, so the operator who made DIR can read and copy it.

Cron, nightly at 02:00 with 14 days kept (the container needs no password here):
  0 2 * * * /srv/order_system/cloud-deployment/scripts/backup.sh --container order_system_db_prod --output-dir /var/backups/order_system --retention-days 14 >>/var/log/order_system_backup.log 2>&1
Off-site too, with the settings in /srv/order_system/.env:
  0 3 * * * /srv/order_system/cloud-deployment/scripts/backup.sh --offsite --container order_system_db_prod --output-dir /srv/order_system/backups --metrics-file /srv/order_system/backups/metrics/order_system_backup.prom >>/var/log/order_system_backup.log 2>&1
EOF
}

OUTPUT_DIR=${BACKUP_DIR:-$REPO_ROOT/backups}
RETENTION_OPTION=""
CONTAINER=""
METRICS_OPTION=""
OFFSITE=0
ENV_FILE=$REPO_ROOT/.env
CERTS_DIR=$REPO_ROOT/nginx/ssl

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
		RETENTION_OPTION=$2
		shift
		;;
	--metrics-file)
		need_value "$1" "$#" "${2-}"
		METRICS_OPTION=$2
		shift
		;;
	--offsite) OFFSITE=1 ;;
	--env-file)
		need_value "$1" "$#" "${2-}"
		ENV_FILE=$2
		shift
		;;
	--certs-dir)
		need_value "$1" "$#" "${2-}"
		CERTS_DIR=$2
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

if ((OFFSITE)); then
	[[ -f $ENV_FILE && -r $ENV_FILE ]] ||
		die "cannot read $ENV_FILE: the off-site archive holds the .env a restore needs (--env-file FILE)" 2
	[[ -d $CERTS_DIR && -r $CERTS_DIR ]] ||
		die "no certificate directory $CERTS_DIR: the off-site archive holds the TLS certificates (--certs-dir DIR)" 2
	load_backup_settings "$ENV_FILE"
fi
RETENTION_DAYS=${RETENTION_OPTION:-${BACKUP_RETENTION_DAYS:-}}
OFFSITE_RETENTION_DAYS=${BACKUP_S3_RETENTION_DAYS:-$RETENTION_DAYS}
METRICS_FILE=${METRICS_OPTION:-${BACKUP_METRICS_FILE:-}}

retention_ok() { [[ -z $1 ]] || { is_whole_number "$1" && (($1 >= 1)); }; }
retention_ok "$RETENTION_DAYS" ||
	die "--retention-days must be a whole number of days, 1 or more (got '$RETENTION_DAYS')" 2
retention_ok "$OFFSITE_RETENTION_DAYS" ||
	die "BACKUP_S3_RETENTION_DAYS must be a whole number of days, 1 or more (got '$OFFSITE_RETENTION_DAYS')" 2
[[ -z $METRICS_FILE || $METRICS_FILE == *.prom ]] ||
	die "--metrics-file must end in .prom, as node-exporter's textfile collector reads only those (got '$METRICS_FILE')" 2

# --- Metrics -------------------------------------------------------------------------------

# What this run did, by kind (local always, offsite with --offsite); written to METRICS_FILE on exit, whatever the exit.
declare -A SUCCEEDED=([local]=0 [offsite]=0) SIZE_OF=()
STARTED=$(date +%s)

METRICS=(last_run_timestamp_seconds last_run_success last_success_timestamp_seconds size_bytes)
declare -A METRIC_HELP=(
	[last_run_timestamp_seconds]="When backup.sh last ran (Unix time), by kind: local (the dump) or offsite (the encrypted upload)."
	[last_run_success]="1 if the last run made its backup of this kind, 0 if it failed."
	[last_success_timestamp_seconds]="When the last successful backup of this kind finished (Unix time)."
	[size_bytes]="Size of the last successful backup of this kind in bytes (offsite: the encrypted archive)."
)

# previous_value METRIC KIND: its value in the metrics file as it is, if there.
previous_value() {
	[[ -f $METRICS_FILE ]] || return 0
	awk -v series="order_system_backup_$1{kind=\"$2\"}" '$1 == series { print $2; exit }' "$METRICS_FILE"
}

# The series of the kinds this run made are new; the others' (the Compose service writes
# local, the host's cron offsite too) are kept as they were. Written whole under a temporary
# name in the same directory, then renamed: the collector never reads half a file.
write_metrics() {
	local now metric kind value directory temporary
	declare -A values=()
	now=$(date +%s)
	for kind in local offsite; do
		for metric in "${METRICS[@]}"; do
			values[$metric.$kind]=$(previous_value "$metric" "$kind")
		done
		[[ $kind == local ]] || ((OFFSITE)) || continue
		values[last_run_timestamp_seconds.$kind]=$now
		values[last_run_success.$kind]=${SUCCEEDED[$kind]}
		if ((SUCCEEDED[$kind])); then
			values[last_success_timestamp_seconds.$kind]=$now
			values[size_bytes.$kind]=${SIZE_OF[$kind]}
		fi
	done
	directory=$(dirname -- "$METRICS_FILE")
	temporary="$directory/.$(basename -- "$METRICS_FILE").$$"
	# A directory it makes is node-exporter's to read too (the umask here is 077).
	if [[ ! -d $directory ]] && ! { mkdir -p -- "$directory" && chmod 0755 -- "$directory"; }; then
		warn "could not make $directory for the metrics"
		return 1
	fi
	if ! {
		for metric in "${METRICS[@]}"; do
			printf '# HELP order_system_backup_%s %s\n' "$metric" "${METRIC_HELP[$metric]}"
			printf '# TYPE order_system_backup_%s gauge\n' "$metric"
			for kind in local offsite; do
				value=${values[$metric.$kind]}
				[[ -z $value ]] || printf 'order_system_backup_%s{kind="%s"} %s\n' "$metric" "$kind" "$value"
			done
		done >"$temporary" &&
			chmod 0644 -- "$temporary" &&
			mv -- "$temporary" "$METRICS_FILE"
	}; then
		rm -f -- "$temporary"
		warn "could not write the metrics to $METRICS_FILE"
		return 1
	fi
}

# Whatever happens from here on, no partial file stays behind, and the metrics say how it went.
TEMPORARIES=()
finish() {
	local code=$?
	((${#TEMPORARIES[@]} == 0)) || rm -rf -- "${TEMPORARIES[@]}"
	if [[ -n $METRICS_FILE ]]; then
		write_metrics || code=1
	fi
	exit "$code"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- Off-site settings ---------------------------------------------------------------------

if ((OFFSITE)); then
	require_command age "off-site backups are encrypted with age (apt-get install age)"
	require_command rclone "off-site backups are uploaded with rclone (apt-get install rclone)"
	require_command tar "off-site backups are packed with tar"
	offsite_location
	AGE_RECIPIENTS=()
	BACKUP_AGE_RECIPIENTS=${BACKUP_AGE_RECIPIENTS:-}
	read -r -a RECIPIENTS <<<"${BACKUP_AGE_RECIPIENTS//,/ }"
	for key in "${RECIPIENTS[@]}"; do
		[[ $key != AGE-SECRET-KEY-* ]] ||
			die "BACKUP_AGE_RECIPIENTS holds a private key: only the public key (age1...) belongs on the server"
		AGE_RECIPIENTS+=(--recipient "$key")
	done
	if [[ -n ${BACKUP_AGE_RECIPIENTS_FILE:-} ]]; then
		[[ -f $BACKUP_AGE_RECIPIENTS_FILE && -r $BACKUP_AGE_RECIPIENTS_FILE ]] ||
			die "cannot read BACKUP_AGE_RECIPIENTS_FILE ($BACKUP_AGE_RECIPIENTS_FILE)"
		! grep -q AGE-SECRET-KEY- -- "$BACKUP_AGE_RECIPIENTS_FILE" ||
			die "$BACKUP_AGE_RECIPIENTS_FILE holds a private key: only public keys (age1...) belong on the server"
		AGE_RECIPIENTS+=(--recipients-file "$BACKUP_AGE_RECIPIENTS_FILE")
	fi
	((${#AGE_RECIPIENTS[@]} > 0)) ||
		die "no one to encrypt to: set BACKUP_AGE_RECIPIENTS (the age1... public keys) or BACKUP_AGE_RECIPIENTS_FILE"
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

ARCHIVE_NAME="${NAME%.dump}.tar.age"
ARCHIVE="$OUTPUT_DIR/.$ARCHIVE_NAME.partial"
STAGING="$OUTPUT_DIR/.${NAME%.dump}.staging"
TEMPORARIES+=("$PARTIAL" "$ARCHIVE" "$STAGING")

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

SUCCEEDED[local]=1
SIZE_OF[local]=$(file_size "$FINAL")
log "Backup written: $FINAL ($(human_size "${SIZE_OF[local]}"))"

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

((OFFSITE)) || exit 0

# --- Off-site ------------------------------------------------------------------------------

# The archive mirrors the repository: the dump, .env and nginx/ssl/ (links followed, as
# certbot's live/ are links), so a restore puts each back where it was.
log "Packing $NAME, $ENV_FILE and $CERTS_DIR/ for off-site, encrypted with age"
mkdir -p -- "$STAGING/nginx"
ln -s -- "$FINAL" "$STAGING/$NAME"
ln -s -- "$(cd -- "$(dirname -- "$ENV_FILE")" && pwd)/$(basename -- "$ENV_FILE")" "$STAGING/.env"
ln -s -- "$(cd -- "$CERTS_DIR" && pwd)" "$STAGING/nginx/ssl"
tar --create --dereference --file=- --directory="$STAGING" -- "$NAME" .env nginx/ssl |
	age --encrypt "${AGE_RECIPIENTS[@]}" --output="$ARCHIVE" ||
	die "could not pack and encrypt the off-site archive; nothing was uploaded"
SIZE_OF[offsite]=$(file_size "$ARCHIVE")

log "Uploading $ARCHIVE_NAME ($(human_size "${SIZE_OF[offsite]}")) to $OFFSITE_SHOWN"
rclone_offsite copyto -- "$ARCHIVE" "$OFFSITE_DIR/$ARCHIVE_NAME" ||
	die "upload to $OFFSITE_SHOWN failed; the local backup $FINAL is kept"
SUCCEEDED[offsite]=1
log "Off-site backup written: $OFFSITE_SHOWN/$ARCHIVE_NAME"

if [[ -n $OFFSITE_RETENTION_DAYS ]]; then
	# By the time in the name, which the script wrote; an object's own date is the upload's.
	CUTOFF=$(date -u -d "@$((STARTED - OFFSITE_RETENTION_DAYS * 86400))" +%Y%m%d_%H%M%S)
	log "Off-site retention: deleting archives older than $OFFSITE_RETENTION_DAYS days (before ${CUTOFF/_/ } UTC)"
	ARCHIVES=$(offsite_archives) || die "could not list $OFFSITE_SHOWN for retention"
	DELETED=0
	while read -r archive; do
		[[ -n $archive && $archive != "$ARCHIVE_NAME" ]] || continue
		stamp=${archive#order_system_}
		stamp=${stamp%.tar.age}
		[[ $stamp < $CUTOFF ]] || continue
		rclone_offsite deletefile -- "$OFFSITE_DIR/$archive" ||
			die "could not delete $archive from $OFFSITE_SHOWN"
		log "  deleted $archive"
		DELETED=$((DELETED + 1))
	done <<<"$ARCHIVES"
	log "  $DELETED deleted"
fi
