# deploy/ci/rabbitmq.Dockerfile -- CI stand-in for the official rabbitmq:3-management image,
# built from Debian 12's rabbitmq-server package (3.10) because CI cannot pull from a registry.
# tests/e2e/90-compose.sh builds it and tags it rabbitmq:3-management, so compose.yaml keeps
# the official name users pull. Never published; users get the real image.
#
# Build context: deploy/ci (docker build -f deploy/ci/rabbitmq.Dockerfile deploy/ci).
#
# What compose.yaml relies on, and this image provides like the official one:
#   - AMQP on 5672 and the management plugin on 15672, on every interface;
#   - RABBITMQ_DEFAULT_USER / RABBITMQ_DEFAULT_PASS create the first user (Debian's package
#     alone only knows guest, which it lets in from localhost only);
#   - data in /var/lib/rabbitmq (a volume), logs on the console;
#   - `rabbitmq-diagnostics` and `rabbitmqctl` on the PATH, working from `docker exec` as root.

FROM debian:bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends rabbitmq-server \
 && apt-get clean && rm -rf /var/lib/apt/lists/* \
 && echo '[rabbitmq_management].' >/etc/rabbitmq/enabled_plugins

COPY rabbitmq-entrypoint.sh /usr/local/bin/docker-entrypoint.sh

VOLUME /var/lib/rabbitmq
EXPOSE 5672 15672
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["rabbitmq-server"]
