#!/usr/bin/env bash
# Installs what the compose stack needs on a Debian 12 host when it is absent: Debian's docker.io
# (the engine) and Compose v2, which bookworm lacks. Compose comes as the static binary of
# Debian trixie's docker-compose package, fetched through this machine's own apt sources with a
# private sources list and private state and cache folders: trixie is never added to the
# system's sources. Idempotent; needs root. See docs/scaling-out.md, "Running it here".
set -euo pipefail

if ! command -v dockerd >/dev/null; then
  echo "install-docker: installing docker.io"
  apt-get install -y -q docker.io >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q docker.io >/dev/null; }
fi
if ! command -v debootstrap >/dev/null; then
  echo "install-docker: installing debootstrap"
  apt-get install -y -q debootstrap >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q debootstrap >/dev/null; }
fi

PLUGIN_DIR=/usr/libexec/docker/cli-plugins
if ! docker compose version >/dev/null 2>&1; then
  echo "install-docker: fetching Compose v2 from Debian trixie (this machine's apt mirror)"
  mirror=$(awk '/^URIs:/ {print $2; exit} /^deb / {print $2; exit}' /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list 2>/dev/null | head -n1)
  mirror=${mirror:-http://deb.debian.org/debian}
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/lists/partial" "$work/archives/partial"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" > "$work/trixie.list"
  apt_private=(-o "Dir::Etc::SourceList=$work/trixie.list" -o Dir::Etc::SourceParts=/dev/null
               -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::Archives=$work/archives"
               -o Dir::State::status=/var/lib/dpkg/status)
  apt-get "${apt_private[@]}" update -q >/dev/null
  (cd "$work" && apt-get "${apt_private[@]}" download docker-compose >/dev/null)
  dpkg -x "$work"/docker-compose_*.deb "$work/root"
  install -D -m 0755 "$work/root/usr/libexec/docker/cli-plugins/docker-compose" "$PLUGIN_DIR/docker-compose"
fi
docker compose version
