# coturn from Debian's package, for the `coturn` service of docker-compose.yml.
# Its configuration is docker/turnserver.conf (mounted); the shared secret comes
# from .env at start (see the service's command).
ARG DEBIAN_IMAGE=debian:12-slim
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends coturn \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
# The package's own unprivileged user; ports above 1024 need no capability.
USER turnserver
EXPOSE 3478/udp 3478/tcp 49160-49200/udp
