#!/bin/sh
# Test fixture: the parts of the official redis image's entrypoint the project relies on.
set -eu
if [ "$1" = redis-server ]; then
	shift
	set -- redis-server --protected-mode no "$@"
	if [ "$(id -u)" = 0 ]; then
		exec setpriv --reuid=redis --regid=redis --init-groups "$@"
	fi
fi
exec "$@"
