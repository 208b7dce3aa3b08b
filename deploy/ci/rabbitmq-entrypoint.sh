#!/bin/sh
# The entry point of the CI stand-in for rabbitmq:3-management (deploy/ci/rabbitmq.Dockerfile):
# writes the configuration the official image would (listeners on every interface, console
# logs, the default user from RABBITMQ_DEFAULT_USER/_PASS), then runs the server in the
# foreground as the rabbitmq user. Any other command runs as given.
set -eu

if [ "${1:-}" != rabbitmq-server ]; then
    exec "$@"
fi

umask 027
{
    echo 'listeners.tcp.default = 5672'
    echo 'management.tcp.port = 15672'
    echo 'loopback_users.guest = false'
    echo 'log.console = true'
    echo 'log.console.level = info'
    echo 'log.file = false'
    if [ -n "${RABBITMQ_DEFAULT_USER:-}" ]; then
        echo "default_user = $RABBITMQ_DEFAULT_USER"
    fi
    if [ -n "${RABBITMQ_DEFAULT_PASS:-}" ]; then
        echo "default_pass = $RABBITMQ_DEFAULT_PASS"
    fi
} >/etc/rabbitmq/rabbitmq.conf
chgrp rabbitmq /etc/rabbitmq/rabbitmq.conf

# A fresh volume over /var/lib/rabbitmq may belong to root.
chown -R rabbitmq:rabbitmq /var/lib/rabbitmq

shift
export HOME=/var/lib/rabbitmq
cd /var/lib/rabbitmq
exec setpriv --reuid rabbitmq --regid rabbitmq --init-groups \
    /usr/lib/rabbitmq/bin/rabbitmq-server "$@"
