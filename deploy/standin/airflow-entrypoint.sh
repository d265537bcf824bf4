#!/usr/bin/env bash
# The stand-in's /entrypoint: the part of the official apache/airflow image's entrypoint that
# docker-compose.yaml relies on. Waits for the metadata database (CONNECTION_CHECK_MAX_COUNT
# tries, 0 = no wait), migrates it when _AIRFLOW_DB_MIGRATE=true, then runs `bash ...` and
# `python ...` as given and anything else as `airflow ...` (`celery worker` -> `airflow celery worker`).
set -euo pipefail

wait_for_metadata_db() {
  local tries=${CONNECTION_CHECK_MAX_COUNT:-20} sleep_for=${CONNECTION_CHECK_SLEEP_TIME:-3}
  [ "$tries" -gt 0 ] || return 0
  [ -n "${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN:-}" ] || return 0
  for attempt in $(seq 1 "$tries"); do
    airflow db check >/dev/null 2>&1 && return 0
    echo "entrypoint: metadata database not reachable (try $attempt of $tries)" >&2
    sleep "$sleep_for"
  done
  echo "entrypoint: metadata database still not reachable after $tries tries" >&2
  exit 1
}

case "${1:-}" in
  bash | python | "") command="${1:-bash}"; shift || true; exec "$command" "$@" ;;
esac
wait_for_metadata_db
if [ "${_AIRFLOW_DB_MIGRATE:-false}" = "true" ]; then airflow db migrate; fi
exec airflow "$@"
