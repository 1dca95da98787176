#!/bin/sh
# Test fixture: the part of the official nginx image's entrypoint the project relies on: before
# `nginx` starts, the executable *.sh scripts in /docker-entrypoint.d run in name order, and
# *.envsh ones are sourced; one that fails stops the container.
set -eu
if [ "$1" = nginx ]; then
	for script in /docker-entrypoint.d/*; do
		[ -f "$script" ] && [ -x "$script" ] || continue
		case $script in
		*.envsh) echo "$0: sourcing $script" && . "$script" ;;
		*.sh) echo "$0: launching $script" && "$script" ;;
		esac
	done
fi
exec "$@"
