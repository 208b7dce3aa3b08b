#!/bin/sh
# The entry point of the CI stand-in for redis:7 (deploy/ci/redis.Dockerfile): runs
# redis-server in the foreground as the redis user, with the official image's defaults (no
# config file, data in /data, protected mode off); arguments are passed on and win.
set -eu

case "${1:-}" in
-*) set -- redis-server "$@" ;;
esac
if [ "${1:-}" != redis-server ]; then
    exec "$@"
fi
shift

# A fresh volume over /data may belong to root.
chown -R redis:redis /data
# A config file, when given, must stay the first argument.
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    conf=$1
    shift
    set -- "$conf" --protected-mode no --dir /data "$@"
else
    set -- --protected-mode no --dir /data "$@"
fi
exec setpriv --reuid redis --regid redis --init-groups redis-server "$@"
