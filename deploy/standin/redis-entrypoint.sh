#!/usr/bin/env bash
# The stand-in's entrypoint: like the official redis image, `redis-server` (the default command)
# listens on every interface of the container with protected mode off, in /data, as user redis.
set -euo pipefail
if [ "${1:-redis-server}" = redis-server ]; then
  [ $# -gt 0 ] && shift
  chown redis:redis /data
  exec setpriv --reuid=redis --regid=redis --init-groups redis-server --bind 0.0.0.0 --protected-mode no --dir /data "$@"
fi
exec "$@"
