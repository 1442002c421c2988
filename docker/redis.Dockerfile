# Redis from Debian's package, for the cluster stack (docker-compose.cluster.yml):
# the one store the parley instances share. No persistence: it only orders
# the instances' commands (docs/scaling.md), nothing in it must outlive them.
ARG DEBIAN_IMAGE=debian:12-slim
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
USER redis
EXPOSE 6379
CMD ["redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", \
     "--appendonly", "no", "--dir", "/tmp", "--maxmemory", "256mb", \
     "--maxmemory-policy", "noeviction"]
