#!/bin/sh
# Run by the nginx image's entrypoint before nginx starts (mounted into /docker-entrypoint.d by
# both Compose files): conf.d/resolver.conf tells nginx which DNS server knows the Compose
# services by name, so it finds `backend` and `frontend` at request time (http-common.conf).
# Docker's resolv.conf names one server, its own (127.0.0.11); podman's names its aardvark-dns
# first and then the host's, which knows no container, and nginx would ask them in turn: only
# the first is taken.
set -eu
resolver=$(awk '$1 == "nameserver" { print ($2 ~ /:/) ? "[" $2 "]" : $2; exit }' /etc/resolv.conf)
if [ -z "$resolver" ]; then
	echo "$0: no nameserver in /etc/resolv.conf: nginx can't find the upstreams" >&2
	exit 1
fi
# nginx asks again 5 s after a query that got no answer: a shorter timeout would turn one lost
# UDP packet into a 502.
printf 'resolver %s valid=5s ipv6=off;\nresolver_timeout 10s;\n' "$resolver" >/etc/nginx/conf.d/resolver.conf
