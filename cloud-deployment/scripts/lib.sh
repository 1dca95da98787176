# shellcheck shell=bash disable=SC2034  # its variables are for the scripts that source it
# Shared by the operator scripts in this folder: messages, option checks, PostgreSQL
# connections. Sourced, never run.

# --- Messages ------------------------------------------------------------------------------

# The running script's name, for its messages.
PROG=${0##*/}

log() { printf '%s\n' "$*"; }
step() { printf '\n==> %s\n' "$*"; }
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }

# die MESSAGE [EXIT_CODE]: the message on stderr, then exit (1 unless told).
die() {
	printf '%s: error: %s\n' "$PROG" "$1" >&2
	exit "${2:-1}"
}

# A command line for people to read (and paste): words with nothing a shell would split or
# expand stay as they are, others are single-quoted.
quote_command() {
	local word line="" plain='^[][A-Za-z0-9_./:@=,+%{}<>~^-]+$'
	for word in "$@"; do
		[[ $word =~ $plain ]] || word="'${word//\'/\'\\\'\'}'"
		line+="${line:+ }$word"
	done
	printf '%s' "$line"
}

# --- Options -------------------------------------------------------------------------------

# need_value OPTION REMAINING_ARG_COUNT NEXT_ARG: exit 2 unless OPTION got a value.
need_value() {
	if (($2 < 2)) || [[ $3 == --* ]]; then
		die "$1 needs a value (see --help)" 2
	fi
}

is_whole_number() { [[ $1 =~ ^[0-9]+$ ]] && ((${#1} <= 6)); }

require_command() {
	command -v "$1" >/dev/null 2>&1 || die "$1 not found on PATH${2:+: $2}" 1
}

# 1.5MiB, or bytes where there is no numfmt (busybox).
human_size() {
	numfmt --to=iec-i --suffix=B --round=nearest "$1" 2>/dev/null || printf '%s bytes' "$1"
}

file_size() { stat -c %s -- "$1"; }

# --- PostgreSQL ----------------------------------------------------------------------------

# pg_tool NAME: the path of a PostgreSQL client program, from $PG_BIN or PATH.
pg_tool() {
	local name=$1
	if [[ -n ${PG_BIN:-} ]]; then
		[[ -x $PG_BIN/$name ]] || die "$name not found in PG_BIN ($PG_BIN)"
		printf '%s' "$PG_BIN/$name"
	elif command -v "$name" >/dev/null 2>&1; then
		command -v "$name"
	else
		die "$name not found: install the PostgreSQL client (the server's major version or newer), set PG_BIN, or use --container"
	fi
}

# Percent-decoding for the password part of a URL.
url_decode() {
	local text=${1//\\/\\\\}
	printf '%b' "${text//%/\\x}"
}

# use_database_url URL: sets DB_URI (a libpq URI with no password in it, so it never shows in
# `ps`), DB_SHOWN (the URL with the password masked, for messages) and exports PGPASSWORD.
# Accepts SQLAlchemy's spellings too (postgresql+asyncpg://..., ssl=...).
use_database_url() {
	local url=$1 rest authority tail userinfo hostport user password
	if [[ ! $url =~ ^postgres(ql)?(\+[A-Za-z0-9_]+)?://(.*)$ ]]; then
		die "DATABASE_URL must be a postgresql:// URL"
	fi
	rest=${BASH_REMATCH[3]}
	authority=${rest%%[/?]*}
	tail=${rest:${#authority}}
	# asyncpg's ssl=... is libpq's sslmode=...
	while [[ $tail =~ ^(.*[?\&])ssl=(.*)$ ]]; do
		tail="${BASH_REMATCH[1]}sslmode=${BASH_REMATCH[2]}"
	done
	if [[ $authority == *@* ]]; then
		userinfo=${authority%@*}
		hostport=${authority##*@}
		user=${userinfo%%:*}
		DB_URI="postgresql://${user}@${hostport}${tail}"
		if [[ $userinfo == *:* ]]; then
			password=${userinfo#*:}
			DB_SHOWN="postgresql://${user}:***@${hostport}${tail}"
			if [[ -n $password ]]; then
				PGPASSWORD=$(url_decode "$password")
				export PGPASSWORD
			fi
		else
			DB_SHOWN=$DB_URI
		fi
	else
		DB_URI="postgresql://${authority}${tail}"
		DB_SHOWN=$DB_URI
	fi
}

# Whether the environment names a database: any of the variables resolve_database reads
# (passwords alone name none).
database_in_environment() {
	local name
	for name in DATABASE_URL PGHOST PGPORT PGUSER PGDATABASE POSTGRES_SERVER POSTGRES_PORT POSTGRES_USER POSTGRES_DB; do
		[[ -z ${!name:-} ]] || return 0
	done
	return 1
}

# resolve_database: the database to work on, from DATABASE_URL, else the PG* variables
# (libpq's own), else the app's POSTGRES_* variables. Sets DB_ARGS (the connection options
# for pg_dump, pg_restore and psql; none when the environment says it all) and DB_SHOWN.
resolve_database() {
	if [[ -n ${DATABASE_URL:-} ]]; then
		use_database_url "$DATABASE_URL"
		DB_ARGS=("--dbname=$DB_URI")
		return
	fi
	[[ -z ${PGHOST:-} && -n ${POSTGRES_SERVER:-} ]] && export PGHOST=$POSTGRES_SERVER
	[[ -z ${PGPORT:-} && -n ${POSTGRES_PORT:-} ]] && export PGPORT=$POSTGRES_PORT
	[[ -z ${PGUSER:-} && -n ${POSTGRES_USER:-} ]] && export PGUSER=$POSTGRES_USER
	[[ -z ${PGDATABASE:-} && -n ${POSTGRES_DB:-} ]] && export PGDATABASE=$POSTGRES_DB
	[[ -z ${PGPASSWORD:-} && -n ${POSTGRES_PASSWORD:-} ]] && export PGPASSWORD=$POSTGRES_PASSWORD
	if [[ -z ${PGDATABASE:-} ]]; then
		die "no database given: set DATABASE_URL (or PGHOST/PGUSER/PGDATABASE), or use --container NAME"
	fi
	DB_ARGS=()
	DB_SHOWN="database ${PGDATABASE} on ${PGHOST:-the local socket}${PGPORT:+:$PGPORT} as ${PGUSER:-$(id -un)}"
}

# In a database container (the official postgres image), its own user and database.
# Used as: docker exec CONTAINER sh -c "$CONTAINER_PG_ENV"' exec pg_dump ...'
# shellcheck disable=SC2016  # expanded inside the container, not here
CONTAINER_PG_ENV='PGUSER="${PGUSER:-${POSTGRES_USER:-postgres}}"; PGDATABASE="${PGDATABASE:-${POSTGRES_DB:-$PGUSER}}"; export PGUSER PGDATABASE;'

# The file names backup.sh writes; nothing else is ever selected or deleted.
BACKUP_GLOB='order_system_[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]_[0-9][0-9][0-9][0-9][0-9][0-9].dump'

# check_dump FILE [CONTAINER]: the archive's table of contents reads (pg_restore --list), and
# so does every data block (a full read into /dev/null): a truncated file fails the second.
check_dump() {
	local file=$1 container=${2:-} pg_restore
	if [[ -n $container ]]; then
		docker exec -i "$container" pg_restore --list <"$file" >/dev/null &&
			docker exec -i "$container" pg_restore --file=/dev/null <"$file"
	else
		pg_restore=$(pg_tool pg_restore)
		"$pg_restore" --list -- "$file" >/dev/null && "$pg_restore" --file=/dev/null -- "$file"
	fi
}

# --- Off-site copies -----------------------------------------------------------------------

# The encrypted archives backup.sh --offsite uploads (the dump, .env and nginx/ssl/, in a tar
# encrypted with age); the only objects off-site retention and `restore.sh --offsite latest`
# ever look at.
ARCHIVE_PATTERN='^order_system_[0-9]{8}_[0-9]{6}\.tar\.age$'

# load_backup_settings FILE: the BACKUP_* settings in FILE (the stack's .env) that the
# environment does not set already. Only KEY=VALUE lines, the value optionally in quotes and
# never expanded, as Compose reads them; nothing else in FILE is read or exported.
load_backup_settings() {
	local line key value
	while IFS= read -r line || [[ -n $line ]]; do
		[[ $line =~ ^[[:space:]]*(export[[:space:]]+)?(BACKUP_[A-Z0-9_]+)=(.*)$ ]] || continue
		key=${BASH_REMATCH[2]}
		value=${BASH_REMATCH[3]}
		[[ -z ${!key:-} ]] || continue
		if [[ $value =~ ^\"([^\"]*)\"[[:space:]]*(#.*)?$ || $value =~ ^\'([^\']*)\'[[:space:]]*(#.*)?$ ]]; then
			value=${BASH_REMATCH[1]}
		else
			value=${value%%[[:space:]]#*}
			value=${value%"${value##*[![:space:]]}"}
		fi
		printf -v "$key" '%s' "$value"
	done <"$1"
}

# offsite_location: checks the BACKUP_S3_* settings and sets OFFSITE_DIR, the rclone path of
# the archives (offsite:BUCKET/PREFIX), and OFFSITE_SHOWN, the same for people.
offsite_location() {
	local name prefix
	for name in BACKUP_S3_BUCKET BACKUP_S3_ACCESS_KEY_ID BACKUP_S3_SECRET_ACCESS_KEY; do
		[[ -n ${!name:-} ]] || die "$name is not set: off-site backups need BACKUP_S3_BUCKET, BACKUP_S3_ACCESS_KEY_ID and BACKUP_S3_SECRET_ACCESS_KEY (in the environment or the .env)"
	done
	[[ $BACKUP_S3_BUCKET =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] ||
		die "BACKUP_S3_BUCKET must be a bucket name (got '$BACKUP_S3_BUCKET')"
	prefix=${BACKUP_S3_PREFIX-order_system}
	prefix=${prefix#/}
	prefix=${prefix%/}
	OFFSITE_DIR="offsite:$BACKUP_S3_BUCKET${prefix:+/$prefix}"
	OFFSITE_SHOWN="s3://$BACKUP_S3_BUCKET${prefix:+/$prefix}${BACKUP_S3_ENDPOINT:+ at $BACKUP_S3_ENDPOINT}"
}

# rclone_offsite ARGS...: rclone with the remote `offsite:` configured from BACKUP_S3_*
# through rclone's RCLONE_CONFIG_<REMOTE>_* variables, set for rclone alone: the keys are
# never on a command line, in a config file or in the environment of anything else.
rclone_offsite() {
	(
		export RCLONE_CONFIG_OFFSITE_TYPE=s3
		export RCLONE_CONFIG_OFFSITE_ENV_AUTH=false
		export RCLONE_CONFIG_OFFSITE_ACCESS_KEY_ID=$BACKUP_S3_ACCESS_KEY_ID
		export RCLONE_CONFIG_OFFSITE_SECRET_ACCESS_KEY=$BACKUP_S3_SECRET_ACCESS_KEY
		# The bucket is the operator's, made beforehand: the keys need no right to create one.
		export RCLONE_CONFIG_OFFSITE_NO_CHECK_BUCKET=true
		if [[ -n ${BACKUP_S3_ENDPOINT:-} ]]; then
			export RCLONE_CONFIG_OFFSITE_PROVIDER=Other
			export RCLONE_CONFIG_OFFSITE_ENDPOINT=$BACKUP_S3_ENDPOINT
		else
			export RCLONE_CONFIG_OFFSITE_PROVIDER=AWS
		fi
		[[ -z ${BACKUP_S3_REGION:-} ]] || export RCLONE_CONFIG_OFFSITE_REGION=$BACKUP_S3_REGION
		# No rclone.conf of the operator's is read or written.
		export RCLONE_CONFIG=/dev/null
		# rclone's S3 client cannot load AWS_CA_BUNDLE (LoadCustomCABundleError); its own
		# --ca-cert takes the same file.
		if [[ -n ${AWS_CA_BUNDLE:-} ]]; then
			set -- --ca-cert "$AWS_CA_BUNDLE" "$@"
			unset AWS_CA_BUNDLE
		fi
		exec rclone "$@"
	)
}

# offsite_archives: the names of the archives off-site, oldest first.
offsite_archives() {
	local listing
	listing=$(rclone_offsite lsf --files-only "$OFFSITE_DIR") || return 1
	grep -E -- "$ARCHIVE_PATTERN" <<<"$listing" | sort || true
}
