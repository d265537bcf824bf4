#!/usr/bin/env bash
# Starts or stops a Docker engine of our own when none runs (no systemd on this kind of host).
#   deploy/engine.sh start   # prints "started PID" or "running" (someone else's engine: left alone)
#   deploy/engine.sh stop    # stops only the dockerd this script started (by its pid file)
set -euo pipefail
STATE=${GENESYS_ENGINE_STATE:-/tmp/genesys-dockerd}
PIDFILE=$STATE/dockerd.pid

# On cgroup v1 every container sits under one "docker" cgroup whose cpu.shares (1024) equals
# one host process's: on a busy host the whole stack (ten-odd Python services) would get the CPU
# of a single process and its health checks time out. Weigh it as the services it runs.
fair_cpu_share() {
  local group=/sys/fs/cgroup/cpu/docker
  [ -d /sys/fs/cgroup/cpu ] || return 0
  mkdir -p "$group" 2>/dev/null && echo "${GENESYS_ENGINE_CPU_SHARES:-10240}" > "$group/cpu.shares" 2>/dev/null || true
}

case "${1:-}" in
  start)
    if docker info >/dev/null 2>&1; then echo running; exit 0; fi
    command -v dockerd >/dev/null || { echo "engine: dockerd is not installed (deploy/install-docker.sh)" >&2; exit 2; }
    mkdir -p "$STATE"
    setsid dockerd --storage-driver overlay2 >"$STATE/dockerd.log" 2>&1 < /dev/null &
    echo $! > "$PIDFILE"
    for _ in $(seq 1 60); do
      docker info >/dev/null 2>&1 && { fair_cpu_share; echo "started $(cat "$PIDFILE")"; exit 0; }
      kill -0 "$(cat "$PIDFILE")" 2>/dev/null || break
      sleep 1
    done
    echo "engine: dockerd did not come up, see $STATE/dockerd.log" >&2
    tail -n 20 "$STATE/dockerd.log" >&2 || true
    exit 1
    ;;
  stop)
    [ -f "$PIDFILE" ] || { echo "engine: not started by us"; exit 0; }
    pid=$(cat "$PIDFILE")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    fi
    rm -f "$PIDFILE"
    echo "stopped $pid"
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
