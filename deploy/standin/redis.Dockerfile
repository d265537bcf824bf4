# Stand-in for redis:7.2-bookworm, built here from the Debian base: Debian bookworm's Redis 7.0.
# The contract docker-compose.yaml relies on: `redis-server` on 6379 reachable from the stack's
# network (protected mode off, as upstream), `redis-cli` on PATH, data in /data
# (deploy/standin/redis-entrypoint.sh). No VOLUME: the compose file mounts none for the broker,
# and an anonymous one would outlive every `down`.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN mkdir -p /data && chown redis:redis /data
COPY redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
WORKDIR /data
EXPOSE 6379
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["redis-server"]
