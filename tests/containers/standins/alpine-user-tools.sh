#!/bin/sh
# Test fixture: Alpine's (busybox's) `addgroup` and `adduser`, as the project's Dockerfiles
# call them, over Debian's groupadd and useradd. Installed under both names.
#   addgroup [-S] [-g GID] GROUP
#   adduser [-S] [-D] [-H] [-u UID] [-G GROUP] [-h HOME] [-s SHELL] USER
set -eu
command=$(basename "$0")
set -- "$@" --
args=""
while [ "$1" != -- ]; do
	case $1 in
	-S) args="$args --system" ;;
	-D) ;;
	-H) args="$args --no-create-home" ;;
	-g) [ "$command" = addgroup ] && args="$args --gid $2" || args="$args --comment $2"; shift ;;
	-u) args="$args --uid $2"; shift ;;
	-G) args="$args --gid $2"; shift ;;
	-h) args="$args --home-dir $2"; shift ;;
	-s) args="$args --shell $2"; shift ;;
	-*) echo "$command: option $1 is not part of this stand-in" >&2; exit 2 ;;
	*) name=$1 ;;
	esac
	shift
done
# shellcheck disable=SC2086  # the options are words without spaces
case $command in
addgroup) exec groupadd $args "$name" ;;
adduser) exec useradd $args "$name" ;;
esac
