# nginx in front of parley (TLS, HTTP -> HTTPS redirect, WebSocket upgrade), built from the
# same debian:12-slim base as parley's image with Debian's nginx: one base for the whole
# stack, Debian's security updates for all of it.
#
# Build context = the repository root:
#   docker build -f docker/nginx.Dockerfile -t parley-nginx .
#
# As in the official nginx image, the master process starts as root, only to read the TLS
# key (mode 0600, owned by whoever made it on the host) and open the logs; the workers,
# which handle every connection, run as the unprivileged user nginx (uid 10002). compose
# drops every capability but the four the master needs for that (see docker-compose.yml).
# It listens on 8080 (HTTP) and 8443 (HTTPS) inside the container, so it needs no
# capability to bind; compose publishes them as 80 and 443. Like the official image, it
# renders /etc/nginx/templates/*.template with envsubst at start-up into /etc/nginx/conf.d/
# (only variables that are set are replaced, so nginx's own $vars stay).

ARG DEBIAN_IMAGE=debian:12-slim
FROM ${DEBIAN_IMAGE}

# Build-time only (ARG, not ENV): the running container keeps the default.
ARG DEBIAN_FRONTEND=noninteractive
# upgrade: Debian's security fixes published since the base image was made.
# gettext-base: envsubst for the templates. The package's default site is removed. All that
# nginx writes at run time (the rendered site, its pid, temp files) lives in /tmp/nginx,
# reached through symlinks, so the root filesystem can be read-only with a tmpfs on /tmp.
# Logs go to the container's output, as with the official image.
RUN apt-get update \
 && apt-get upgrade -y \
 && apt-get install -y --no-install-recommends nginx gettext-base \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
 && groupadd --system --gid 10002 nginx \
 && useradd --system --uid 10002 --gid nginx --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin nginx \
 && rm -rf /etc/nginx/sites-enabled/default /etc/nginx/conf.d /var/lib/nginx \
 && mkdir -p /etc/nginx/templates /var/www/acme \
 && ln -s /tmp/nginx/conf.d /etc/nginx/conf.d \
 && ln -s /tmp/nginx/lib /var/lib/nginx \
 && ln -sf /dev/stdout /var/log/nginx/access.log \
 && ln -sf /dev/stderr /var/log/nginx/error.log

COPY docker/nginx-main.conf /etc/nginx/nginx.conf
COPY docker/nginx.conf.template /etc/nginx/templates/default.conf.template
COPY docker/nginx-entrypoint.sh /usr/local/bin/nginx-entrypoint
COPY docker/nginx-healthcheck.sh /usr/local/bin/nginx-healthcheck

# Defaults for a container on a compose network; compose sets them all explicitly.
ENV PARLEY_UPSTREAM=parley:5000 \
    NGINX_RESOLVER=auto \
    NGINX_HTTP_LISTEN=8080 \
    NGINX_HTTPS_LISTEN=8443 \
    PUBLIC_HTTPS_PORT=443 \
    TLS_CERT_DIR=/etc/nginx/certs \
    ACME_WEBROOT=/var/www/acme

EXPOSE 8080 8443
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["bash", "/usr/local/bin/nginx-healthcheck"]
# SIGQUIT: graceful shutdown (open requests finish), as the official image does.
STOPSIGNAL SIGQUIT
ENTRYPOINT ["bash", "/usr/local/bin/nginx-entrypoint"]
CMD ["nginx", "-g", "daemon off;"]

LABEL org.opencontainers.image.title="parley-nginx" \
      org.opencontainers.image.description="nginx (Debian) in front of parley: TLS, redirects, WebSocket upgrade"
