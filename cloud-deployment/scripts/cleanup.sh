#!/usr/bin/env bash
# cleanup.sh: reclaim Docker disk space on an order_system host, safely from cron. See --help.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$SCRIPT_DIR/lib.sh"

usage() {
	cat <<'EOF'
Usage: cleanup.sh [--dry-run] [--prune --days N] [--truncate-logs --max-size SIZE]
                  [--rotate-nginx --container NAME]

Actions (any combination; each needs its value):
  --prune --days N          remove stopped containers, dangling images (untagged: what
                            each build leaves of the one before), unused networks and build
                            cache older than N days:
                              docker container prune -f --filter until=<N*24>h
                              docker image prune -f --filter until=<N*24>h
                              docker network prune -f --filter until=<N*24>h
                              docker builder prune -a -f --filter until=<N*24>h
                            Volumes (the database!) are never pruned, nor tagged images (the
                            base images, deploy.sh's :previous). Containers labelled
                            order_system.keep (deploy.sh's rollback holders) are kept.
  --truncate-logs --max-size SIZE
                            empty (truncate -s 0, never delete) the containers' log files
                            larger than SIZE (bytes, or with K, M or G: 500K, 200M, 1G).
                            The engine names them (docker container inspect: LogPath), so
                            podman's count too. Docker's are root's: for a user who may not
                            write one, it stops before changing anything and says so
  --rotate-nginx --container NAME
                            in that nginx container: access.log and error.log become .1
                            (the previous .1 is kept gzipped as .2.gz), then nginx -s reopen.
                            The official image links its logs to stdout/stderr: then it says
                            so and changes nothing (those logs are Docker's json logs)

Options:
  --dry-run                 change nothing: list what the actions would remove or truncate
                            and the space it would free. Alone, it lists every candidate
  --nginx-log-dir DIR       nginx's log directory in the container (default /var/log/nginx)
  -h, --help                this help

Prints `docker system df` before and after. One run at a time: a second one exits with an
error while the first holds the lock (flock on $CLEANUP_LOCK_FILE, default
/run/lock/order_system_cleanup.lock; a user who can neither create nor read it locks
${XDG_RUNTIME_DIR:-/tmp}/order_system_cleanup.UID.lock instead). A member of the docker
group may run --dry-run and --prune; emptying Docker's logs needs root. No terminal needed:
fit for cron, e.g. Sundays 04:00:
  0 4 * * 0 PATH=/usr/local/bin:/usr/bin:/bin /srv/order_system/cloud-deployment/scripts/cleanup.sh --prune --days 7 --truncate-logs --max-size 200M >>/var/log/order_system_cleanup.log 2>&1
EOF
}

DRY_RUN=0
PRUNE=0
DAYS=""
TRUNCATE=0
MAX_SIZE=""
ROTATE=0
CONTAINER=""
NGINX_LOG_DIR=/var/log/nginx
KEEP_LABEL=order_system.keep

while (($# > 0)); do
	if [[ $1 == --*=* ]]; then
		set -- "${1%%=*}" "${1#*=}" "${@:2}"
	fi
	case $1 in
	--dry-run) DRY_RUN=1 ;;
	--prune) PRUNE=1 ;;
	--days)
		need_value "$1" "$#" "${2-}"
		DAYS=$2
		shift
		;;
	--truncate-logs) TRUNCATE=1 ;;
	--max-size)
		need_value "$1" "$#" "${2-}"
		MAX_SIZE=$2
		shift
		;;
	--rotate-nginx) ROTATE=1 ;;
	--container)
		need_value "$1" "$#" "${2-}"
		CONTAINER=$2
		shift
		;;
	--nginx-log-dir)
		need_value "$1" "$#" "${2-}"
		NGINX_LOG_DIR=$2
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

# --- Checks --------------------------------------------------------------------------------

if [[ -n $DAYS ]] && ! is_whole_number "$DAYS"; then
	die "--days must be a whole number of days (got '$DAYS')" 2
fi
((PRUNE == 0)) || [[ -n $DAYS ]] || die "--prune needs --days N" 2
((PRUNE == 1)) || [[ -z $DAYS ]] || die "--days goes with --prune" 2

MAX_BYTES=""
if [[ -n $MAX_SIZE ]]; then
	[[ $MAX_SIZE =~ ^([0-9]{1,9})([KkMmGg]?)[Bb]?$ ]] ||
		die "--max-size must be a size like 500K, 200M or 1G (got '$MAX_SIZE')" 2
	case ${BASH_REMATCH[2]} in
	[Kk]) MAX_BYTES=$((BASH_REMATCH[1] * 1024)) ;;
	[Mm]) MAX_BYTES=$((BASH_REMATCH[1] * 1024 * 1024)) ;;
	[Gg]) MAX_BYTES=$((BASH_REMATCH[1] * 1024 * 1024 * 1024)) ;;
	*) MAX_BYTES=$((10#${BASH_REMATCH[1]})) ;;
	esac
	((MAX_BYTES > 0)) || die "--max-size must be more than 0" 2
fi
((TRUNCATE == 0)) || [[ -n $MAX_SIZE ]] || die "--truncate-logs needs --max-size SIZE" 2
((TRUNCATE == 1)) || [[ -z $MAX_SIZE ]] || die "--max-size goes with --truncate-logs" 2

[[ -z $CONTAINER || $CONTAINER =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] ||
	die "--container: not a container name: '$CONTAINER'" 2
((ROTATE == 0)) || [[ -n $CONTAINER ]] || die "--rotate-nginx needs --container NAME" 2
((ROTATE == 1)) || [[ -z $CONTAINER ]] || die "--container goes with --rotate-nginx" 2

# --dry-run alone: look at everything.
REPORT_ALL=0
if ((PRUNE + TRUNCATE + ROTATE == 0)); then
	((DRY_RUN)) || die "nothing to do: choose --prune, --truncate-logs or --rotate-nginx (or --dry-run to look first); see --help" 2
	REPORT_ALL=1
fi

require_command docker "cleanup.sh works on Docker's disk usage"

# open_lock FILE: LOCK_FD on FILE, created if need be. flock needs no write access, so a lock
# file another user made (root's cron run) is opened to read, and still keeps runs apart.
open_lock() {
	{ exec {LOCK_FD}>>"$1"; } 2>/dev/null || { exec {LOCK_FD}<"$1"; } 2>/dev/null
}

if ((DRY_RUN == 0)); then
	require_command flock "it keeps two runs from overlapping (util-linux)"
	LOCK_FILE=${CLEANUP_LOCK_FILE:-/run/lock/order_system_cleanup.lock}
	if ! open_lock "$LOCK_FILE"; then
		SHARED_LOCK=$LOCK_FILE
		LOCK_FILE=${XDG_RUNTIME_DIR:-/tmp}/order_system_cleanup.$(id -u).lock
		open_lock "$LOCK_FILE" || die "cannot open the lock file $SHARED_LOCK, nor $LOCK_FILE"
		log "Locking $LOCK_FILE: this user cannot open $SHARED_LOCK"
	fi
	flock --nonblock "$LOCK_FD" || die "another cleanup.sh is running (it holds $LOCK_FILE); not starting a second one"
fi

# --- Helpers -------------------------------------------------------------------------------

NOW=$(date +%s)

# The seconds since the epoch of Docker's CreatedAt ("2024-05-01 10:00:00 +0000 UTC").
created_epoch() {
	local created=$1
	[[ $created =~ ^(.*[0-9])\ [A-Za-z]+$ ]] && created=${BASH_REMATCH[1]}
	date -d "$created" +%s 2>/dev/null || printf '0'
}

# Docker's sizes (0B, 12.3kB, 187MB, 1.2GB; decimal units) on stdin, one a line: their sum in bytes.
sum_docker_sizes() {
	awk '
		match($1, /^[0-9.]+/) {
			n = substr($1, 1, RLENGTH); u = toupper(substr($1, RLENGTH + 1))
			m = (u == "KB") ? 1e3 : (u == "MB") ? 1e6 : (u == "GB") ? 1e9 : (u == "TB") ? 1e12 : 1
			total += n * m
		}
		END { printf "%.0f\n", total }'
}

# inspect_all FORMAT: docker container inspect --format FORMAT for every container, one a line.
inspect_all() {
	local listing
	local -a ids
	listing=$(docker container ls --all --quiet --no-trunc) || die "docker container ls failed"
	[[ -n $listing ]] || return 0
	mapfile -t ids <<<"$listing"
	docker container inspect --format "$1" "${ids[@]}" || die "docker container inspect failed"
}

# blocked_by PATH: the directory this user may not enter on the way to PATH; nothing when PATH
# is simply not there.
blocked_by() {
	local entry=${1%/*}
	until [[ -e ${entry:=/} ]]; do
		entry=${entry%/*}
	done
	[[ -x $entry ]] || printf '%s' "$entry"
}

# scan_logs MIN_BYTES: the containers' log files, as the engine reports them (Docker keeps
# them under its root, which only root may read; podman elsewhere). Sets LOGS ("SIZE<TAB>PATH"
# of those over MIN_BYTES, largest first), HIDDEN (those this user cannot reach) and
# HIDDEN_BY (what stops it).
scan_logs() {
	local listing path size blocker
	local -a found=()
	LOGS=() HIDDEN=() HIDDEN_BY=""
	listing=$(inspect_all '{{.LogPath}}') || exit
	while IFS= read -r path; do
		[[ -n $path ]] || continue # a logging driver without a file (journald, syslog, none)
		if size=$(file_size "$path" 2>/dev/null); then
			((size <= $1)) || found+=("$size"$'\t'"$path")
		elif blocker=$(blocked_by "$path") && [[ -n $blocker ]]; then
			HIDDEN+=("$path")
			HIDDEN_BY=${HIDDEN_BY:-$blocker}
		fi
	done <<<"$listing"
	((${#found[@]} == 0)) || mapfile -t LOGS < <(printf '%s\n' "${found[@]}" | sort -rn)
}

# Run before anything is emptied: a log this user cannot reach or write stops it, in one line.
check_logs_writable() {
	local line path
	((${#HIDDEN[@]} == 0)) || needs_root "$HIDDEN_BY"
	for line in "${LOGS[@]}"; do
		path=${line#*$'\t'}
		[[ -w $path ]] || needs_root "$path"
	done
}

needs_root() {
	die "truncating container logs needs root: $1 belongs to $(stat -c %U -- "$1"); run it with sudo"
}

show_disk_usage() {
	step "docker system df ($1)"
	if ! docker system df; then
		[[ $1 == after ]] || die "docker system df failed: is the Docker daemon running, and may this user reach it?"
		warn "docker system df failed"
	fi
}

# --- Prune ---------------------------------------------------------------------------------

# What the prune commands would remove, with $1 hours of age (empty: any age).
preview_prune() {
	local hours=$1 cutoff=$NOW age="" id name created size keep image line listing
	local -a sizes=() used=()
	if [[ -n $hours ]]; then
		cutoff=$((NOW - hours * 3600))
		age=" created more than $DAYS days ago"
	fi

	step "Stopped containers container prune would remove$age"
	# The state is read here, not filtered on: podman refuses the filter status=dead.
	listing=$(docker container ls --all --size \
		--format $'{{.ID}}\t{{.Names}}\t{{.CreatedAt}}\t{{.Size}}\t{{.State}}\t{{.Label "'"$KEEP_LABEL"'"}}') ||
		die "docker container ls failed"
	while IFS=$'\t' read -r id name created size state keep; do
		[[ -n $id && -z $keep ]] || continue
		[[ $state == exited || $state == created || $state == dead ]] || continue
		(($(created_epoch "$created") <= cutoff)) || continue
		log "  $name (${id:0:12}), created $created, ${size%% *}"
		sizes+=("${size%% *}")
	done <<<"$listing"
	local containers=${#sizes[@]}
	log "  $containers container(s)"

	step "Dangling images image prune would remove (untagged, used by no container)$age"
	listing=$(inspect_all '{{.Image}}') || exit
	mapfile -t used <<<"$listing"
	listing=$(docker image ls --no-trunc --filter dangling=true --format $'{{.ID}}\t{{.CreatedAt}}\t{{.Size}}') ||
		die "docker image ls failed"
	while IFS=$'\t' read -r image created size; do
		[[ -n $image ]] || continue
		for line in "${used[@]}"; do
			[[ $line == "$image" ]] && continue 2
		done
		(($(created_epoch "$created") <= cutoff)) || continue
		image=${image#sha256:}
		log "  ${image:0:12}, created $created, $size"
		sizes+=("$size")
	done <<<"$listing"
	log "  $((${#sizes[@]} - containers)) image(s)"

	step "Networks network prune would remove (no container on them)$age"
	# shellcheck disable=SC2016  # a Go template's variables, not the shell's
	listing=$(inspect_all '{{range $name, $_ := .NetworkSettings.Networks}}{{$name}}{{"\n"}}{{end}}') || exit
	mapfile -t used <<<"$listing"
	listing=$(docker network ls --no-trunc --format $'{{.Name}}\t{{.CreatedAt}}') || die "docker network ls failed"
	local networks=0
	while IFS=$'\t' read -r name created; do
		case $name in "" | bridge | host | none | podman) continue ;; esac
		for line in "${used[@]}"; do
			[[ $line == "$name" ]] && continue 2
		done
		(($(created_epoch "$created") <= cutoff)) || continue
		log "  $name, created $created"
		networks=$((networks + 1))
	done <<<"$listing"
	log "  $networks network(s)"

	step "Build cache builder prune -a would remove${hours:+ (unused for $DAYS days)}"
	if docker buildx version >/dev/null 2>&1; then
		docker buildx du ${hours:+--filter "until=${hours}h"} || warn "docker buildx du failed"
	else
		log "  (no buildx to itemise it: see the Build Cache line of docker system df above)"
	fi

	local bytes
	bytes=$(printf '%s\n' "${sizes[@]}" | sum_docker_sizes)
	log ""
	log "Containers and images: up to $(human_size "$bytes") would be freed (images share layers, so it can be less), plus the build cache above"
}

# image_count: how many images the engine holds, intermediate ones included.
image_count() {
	local listing
	listing=$(docker image ls --all --quiet) || die "docker image ls failed"
	grep -c . <<<"$listing" || true
}

# prune_images HOURS: docker image prune, again while a failed pass still freed something.
# podman removes an image's dangling parents with it and stops at one a container still holds
# ("image is in use by a container"), after the image itself is gone; the next pass leaves
# that parent alone, as it should.
prune_images() {
	local count previous=""
	until docker image prune --force --filter "until=${1}h"; do
		count=$(image_count)
		[[ $count != "$previous" ]] || die "docker image prune failed twice with $count images left"
		log "  (an image a container still holds was left; pruning the rest)"
		previous=$count
	done
}

prune() {
	local hours=$((DAYS * 24))
	step "Pruning stopped containers, dangling images, unused networks and build cache older than $DAYS days (until=${hours}h)"
	docker container prune --force --filter "until=${hours}h" --filter "label!=$KEEP_LABEL"
	prune_images "$hours"
	docker network prune --force --filter "until=${hours}h"
	# podman answers Not Found: it has no BuildKit cache, and keeps its build cache as the
	# dangling images pruned above.
	docker builder prune --all --force --filter "until=${hours}h" ||
		warn "docker builder prune failed; the rest is done"
}

# --- Logs ----------------------------------------------------------------------------------

preview_logs() {
	local line size total=0
	scan_logs "${MAX_BYTES:-0}"
	if [[ -n $MAX_BYTES ]]; then
		step "Container logs --truncate-logs would empty (over $MAX_SIZE)"
	else
		step "Container logs, largest first (--truncate-logs --max-size SIZE empties those over SIZE)"
	fi
	for line in "${LOGS[@]}"; do
		size=${line%%$'\t'*}
		log "  ${line#*$'\t'} $(human_size "$size")"
		total=$((total + size))
	done
	log "  ${#LOGS[@]} log(s), $(human_size "$total") in all"
	if ((${#HIDDEN[@]} > 0)); then
		log "  and ${#HIDDEN[@]} this user cannot read ($HIDDEN_BY belongs to $(stat -c %U -- "$HIDDEN_BY")): run it with sudo to see them"
	fi
}

truncate_logs() {
	local line size path total=0
	step "Emptying container logs over $MAX_SIZE"
	scan_logs "$MAX_BYTES"
	check_logs_writable
	for line in "${LOGS[@]}"; do
		size=${line%%$'\t'*} path=${line#*$'\t'}
		# --no-create: a log that went with its container stays gone.
		truncate --no-create --size=0 -- "$path"
		log "  truncated $path (was $(human_size "$size"))"
		total=$((total + size))
	done
	log "  ${#LOGS[@]} log(s) emptied, $(human_size "$total") freed"
}

# --- nginx ---------------------------------------------------------------------------------

# Runs inside the nginx container (busybox sh in nginx:alpine): $1 is the log directory.
# shellcheck disable=SC2016  # expanded inside the container
ROTATE_SCRIPT='set -eu
cd "$1" 2>/dev/null || { echo "missing $1"; exit 0; }
for name in access.log error.log; do
	if [ -L "$name" ]; then
		echo "symlink $1/$name -> $(readlink "$name")"
	elif [ ! -e "$name" ]; then
		echo "missing $1/$name"
	elif [ ! -s "$name" ]; then
		echo "empty $1/$name"
	else
		if [ -f "$name.1" ]; then
			gzip -c "$name.1" >"$name.2.gz.tmp"
			mv -f "$name.2.gz.tmp" "$name.2.gz"
			rm -f "$name.1"
		fi
		mv -f "$name" "$name.1"
		echo "rotated $1/$name -> $1/$name.1"
	fi
done'

nginx_container_running() {
	local running
	running=$(docker container inspect --format '{{.State.Running}}' "$CONTAINER" 2>/dev/null) ||
		die "no container named $CONTAINER"
	[[ $running == true ]] || die "container $CONTAINER is not running"
}

preview_rotate() {
	step "nginx logs in $CONTAINER that --rotate-nginx would rotate"
	nginx_container_running
	log "  $NGINX_LOG_DIR/access.log and error.log -> .1 (an older .1 -> .2.gz), then nginx -s reopen;"
	log "  logs that are symlinks to stdout/stderr (the official image) would be left alone"
}

rotate_nginx() {
	local report line rotated=0
	step "Rotating nginx logs in $CONTAINER ($NGINX_LOG_DIR)"
	nginx_container_running
	report=$(docker exec "$CONTAINER" sh -c "$ROTATE_SCRIPT" rotate-nginx "$NGINX_LOG_DIR") ||
		die "rotating the logs in $CONTAINER failed"
	while read -r line; do
		case $line in
		rotated\ *)
			log "  ${line#rotated }"
			rotated=1
			;;
		symlink\ *) log "  ${line#symlink }: nginx logs to the container's stdout/stderr, which Docker keeps (see --truncate-logs); nothing to rotate" ;;
		missing\ *) log "  ${line#missing }: not there; nothing to rotate" ;;
		empty\ *) log "  ${line#empty }: empty; nothing to rotate" ;;
		*) [[ -z $line ]] || log "  $line" ;;
		esac
	done <<<"$report"
	if ((rotated)); then
		docker exec "$CONTAINER" nginx -s reopen || die "nginx -s reopen failed in $CONTAINER: the logs moved to .1 but nginx may still write there"
		log "  nginx reopened its logs"
	fi
}

# --- Run -----------------------------------------------------------------------------------

if ((DRY_RUN)); then
	log "Dry run: nothing is removed, truncated or moved."
fi
show_disk_usage before

if ((DRY_RUN)); then
	if ((PRUNE)); then preview_prune $((DAYS * 24)); fi
	if ((REPORT_ALL)); then preview_prune ""; fi
	if ((TRUNCATE || REPORT_ALL)); then preview_logs; fi
	if ((ROTATE)); then preview_rotate; fi
	log ""
	log "Dry run: nothing was changed."
	exit 0
fi

if ((PRUNE && TRUNCATE)); then
	# Before the prune: a user who cannot empty the logs finds out with nothing changed.
	scan_logs "$MAX_BYTES"
	check_logs_writable
fi
if ((PRUNE)); then prune; fi
if ((TRUNCATE)); then truncate_logs; fi
if ((ROTATE)); then rotate_nginx; fi
show_disk_usage after
