# deploy/site.Dockerfile -- the bundled sample site behind nginx, so `docker compose up` has
# something to crawl without any network beyond the compose network.
#
# Build from the repository root: docker build -f deploy/site.Dockerfile -t trawl-site .
#
# The generator (deploy/local/sample-site) runs in the first stage; the second is nginx with the
# pages. Host names: the generator's hosts are 127.0.0.2, 127.0.0.3, ... on a developer's machine;
# in compose they are the names site1 .. siteN (`--host-names`), all network aliases of this one
# nginx service (compose.yaml), and nginx picks the directory by the Host header
# (root .../www/$host). If you change SITE_HOSTS, change the aliases in compose.yaml to match.
#
# At start the container copies urls.txt (and expected.jsonl) into /shared, a volume the
# producer mounts, so the producer enqueues exactly the URLs this site serves.

FROM debian:bookworm-slim AS gen

RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 \
 && apt-get clean && rm -rf /var/lib/apt/lists/*

ARG SITE_PAGES=500
ARG SITE_HOSTS=10
ARG SITE_STYLE=small

COPY deploy/local/sample-site /opt/trawl/sample-site

# Host names site1 .. siteN: the network aliases of this service in compose.yaml.
RUN python3 /opt/trawl/sample-site /srv/site --pages "$SITE_PAGES" --port 80 \
        --style "$SITE_STYLE" --host-names "$(seq -s, -f 'site%g' 1 "$SITE_HOSTS")" \
 && test -s /srv/site/urls.txt \
 && ls /srv/site/www && head -n 3 /srv/site/urls.txt


FROM debian:bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx-light \
 && apt-get clean && rm -rf /var/lib/apt/lists/* \
 && rm -f /etc/nginx/sites-enabled/default

RUN printf '%s\n' \
        'server {' \
        '    listen 80 default_server;' \
        '    server_name _;' \
        '    root /srv/site/www/$host;' \
        '    access_log off;' \
        '    error_log /dev/stderr warn;' \
        '}' > /etc/nginx/conf.d/trawl-site.conf \
 && mkdir -p /shared

COPY --from=gen /srv/site/ /srv/site/

EXPOSE 80
CMD ["sh", "-c", "for f in urls.txt expected.jsonl; do if [ -f /srv/site/$f ]; then cp /srv/site/$f /shared/$f.tmp && mv /shared/$f.tmp /shared/$f; fi; done; exec nginx -g 'daemon off;'"]
