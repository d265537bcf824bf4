#!/usr/bin/env bash
# Builds, on a machine that reaches no image registry, the images docker-compose.yaml needs, with
# no network inside any build or container:
#   genesys-standin/debian:bookworm          debootstrap of this machine's Debian mirror + docker import
#   genesys-standin/airflow:3.3.2-python3.11 stand-in for apache/airflow (wheels built on the host)
#   genesys-standin/postgres:16              stand-in for postgres:16 (Debian's PostgreSQL 15)
#   genesys-standin/redis:7.2-bookworm       stand-in for redis:7.2-bookworm (Debian's Redis 7.0)
#   genesys-warehouse-sync:latest            the project's own Dockerfile, FROM the airflow stand-in
# Each is rebuilt only when its inputs changed (label genesys.inputs); the wheels and the rootfs
# are cached under GENESYS_STANDIN_CACHE. What the stand-ins are and are not: docs/scaling-out.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${GENESYS_STANDIN_CACHE:-/var/cache/genesys-standins}
PYTHON=${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || command -v python3 )}
PACKAGES=python3,python3-venv,curl,dumb-init,procps,postgresql-15,redis-server,redis-tools,ca-certificates,tzdata
export DOCKER_BUILDKIT=0  # the classic builder: Debian's engine has no buildx
mkdir -p "$CACHE"
started=$SECONDS

digest() { cat "$@" | sha256sum | cut -c1-16; }
current_label() { docker image inspect -f '{{ index .Config.Labels "genesys.inputs" }}' "$1" 2>/dev/null || true; }
log() { echo "build-standins: $* ($((SECONDS - started)) s)"; }

# 1. The Debian base, from the mirror this machine's apt already uses.
BASE=genesys-standin/debian:bookworm
base_inputs=$(echo "$PACKAGES" | sha256sum | cut -c1-16)
if [ "$(current_label "$BASE")" != "$base_inputs" ]; then
  mirror=$(awk '/^URIs:/ {print $2; exit} /^deb / {print $2; exit}' /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list 2>/dev/null | head -n1)
  rootfs=$(mktemp -d "$CACHE/rootfs.XXXX")
  log "debootstrap bookworm from ${mirror:-http://deb.debian.org/debian}"
  debootstrap --variant=minbase --include="$PACKAGES" bookworm "$rootfs" "${mirror:-http://deb.debian.org/debian}" >"$CACHE/debootstrap.log" 2>&1 \
    || { tail -n 20 "$CACHE/debootstrap.log" >&2; rm -rf "$rootfs"; exit 1; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import --change "LABEL genesys.inputs=$base_inputs" --change 'CMD ["bash"]' - "$BASE" >/dev/null
  rm -rf "$rootfs"
  log "imported $BASE"
fi

# 2. Wheels of every pinned requirement, made on the host (containers have no network).
wheels_inputs=$(digest requirements.txt constraints.txt)
WHEELS=$CACHE/wheels-$wheels_inputs
if [ ! -f "$WHEELS/.complete" ]; then
  log "pip wheel into $WHEELS"
  rm -rf "$WHEELS"
  # Debian's Python is 3.11.2: below 3.11.3 redis also needs async-timeout, which the host's
  # newer Python does not resolve. setuptools and wheel: the editable install's build backend.
  "$PYTHON" -m pip wheel -q --disable-pip-version-check -r requirements.txt -c constraints.txt \
    "setuptools>=68" wheel "async-timeout>=4.0.3" -w "$WHEELS" 2> >(grep -v "is ignored: it is neither" >&2)
  touch "$WHEELS/.complete"
fi

# 3. The stand-ins. A private build context: the wheels (hard links) and deploy/standin/.
build_standin() {  # name tag dockerfile inputs...
  local tag=$1 dockerfile=$2; shift 2
  local inputs; inputs=$(digest "$dockerfile" "$@" <(echo "$base_inputs"))
  [ "$(current_label "$tag")" = "$inputs" ] && return 0
  local context; context=$(mktemp -d "$CACHE/context.XXXX")
  cp deploy/standin/*.sh requirements.txt constraints.txt "$context/"
  if [ "$(basename "$dockerfile")" = airflow.Dockerfile ]; then cp -al "$WHEELS" "$context/wheels"; fi
  log "building $tag"
  docker build -q --build-arg "BASE_IMAGE=$BASE" --label "genesys.inputs=$inputs" -t "$tag" -f "$ROOT/$dockerfile" "$context" >/dev/null \
    || { rm -rf "$context"; exit 1; }
  rm -rf "$context"
}
AIRFLOW_STANDIN=genesys-standin/airflow:3.3.2-python3.11
build_standin "$AIRFLOW_STANDIN" deploy/standin/airflow.Dockerfile deploy/standin/airflow-entrypoint.sh requirements.txt constraints.txt
build_standin genesys-standin/postgres:16 deploy/standin/postgres.Dockerfile deploy/standin/postgres-entrypoint.sh
build_standin genesys-standin/redis:7.2-bookworm deploy/standin/redis.Dockerfile deploy/standin/redis-entrypoint.sh

# 4. The project image, by the project's Dockerfile with the stand-in as its base (layer cache keeps
# this to seconds when only project code changed).
log "building ${AIRFLOW_IMAGE_NAME:-genesys-warehouse-sync:latest}"
docker build -q --build-arg "AIRFLOW_BASE_IMAGE=$AIRFLOW_STANDIN" -t "${AIRFLOW_IMAGE_NAME:-genesys-warehouse-sync:latest}" . >/dev/null
log "done"
