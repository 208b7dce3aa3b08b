# deploy/ci/redis.Dockerfile -- CI stand-in for the official redis:7 image, built from Debian
# 12's redis-server package (7.0) because CI cannot pull from a registry. tests/e2e/90-compose.sh
# builds it and tags it redis:7, so compose.yaml keeps the official name users pull. Never
# published; users get the real image.
#
# Build context: deploy/ci (docker build -f deploy/ci/redis.Dockerfile deploy/ci).
#
# Like the official image: `redis-server [ARGS]` (or just ARGS starting with "-") runs Redis in
# the foreground as the redis user, data in /data (a volume), protected mode off (the
# official image builds Redis that way; compose.yaml sets a password anyway); redis-cli on the
# PATH for the health check.

FROM debian:bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends redis-server \
 && apt-get clean && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown redis:redis /data

COPY redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh

VOLUME /data
WORKDIR /data
EXPOSE 6379
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["redis-server"]
