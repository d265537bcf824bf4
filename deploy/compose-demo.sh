#!/usr/bin/env bash
# `make compose-demo`: the docker-compose stack for a person, on this kind of machine (no image
# registry): engine and Compose installed when absent, the stand-in images built (cached),
# secrets generated once into .compose-demo/.env, the stack up with two Celery workers against
# the emulator, and the UI forwarded to 127.0.0.1:${COMPOSE_DEMO_PORT:-18080} until Ctrl-C.
# Ctrl-C stops the stack (`down`, volumes kept: the next demo finds its warehouse) and the engine
# if this script started it. `docker compose -p genesys-demo down -v` deletes the data.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${COMPOSE_DEMO_PORT:-18080}
STATE=.compose-demo
PY=${PY:-.venv/bin/python}

[ "$(id -u)" = 0 ] && deploy/install-docker.sh >/dev/null
engine=$(deploy/engine.sh start)
mkdir -p "$STATE"
if [ ! -s "$STATE/.env" ]; then
  umask 077
  {
    echo "POSTGRES_PASSWORD=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(24))')"
    echo "WAREHOUSE_DB_PASSWORD=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(24))')"
    echo "AIRFLOW_ADMIN_PASSWORD=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(12))')"
    echo "AIRFLOW_JWT_SECRET=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))')"
    echo "AIRFLOW_FERNET_KEY=$("$PY" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
    echo "AIRFLOW_WORKER_CONCURRENCY=2"
  } > "$STATE/.env"
fi
compose=(docker compose -p genesys-demo --env-file "$STATE/.env" --env-file emulator.env
         -f docker-compose.yaml -f deploy/compose.standin.yaml --profile emulator)
stop() {
  echo "compose-demo: stopping the stack (volumes kept)"
  "${compose[@]}" down --timeout 30 || true
  [ "${engine%% *}" = started ] && deploy/engine.sh stop
}
trap stop EXIT

started=$SECONDS
deploy/build-standins.sh
echo "compose-demo: images ready in $((SECONDS - started)) s; starting the stack (minutes on a busy 2-core host)"
up_started=$SECONDS
"${compose[@]}" up -d --wait --scale airflow-worker=2
echo "compose-demo: every service healthy after $((SECONDS - up_started)) s"
"${compose[@]}" ps --format 'table {{.Service}}\t{{.Status}}'
api=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' "$("${compose[@]}" ps -q airflow-apiserver)" | awk '{print $1}')
echo
echo "  UI:    http://127.0.0.1:$PORT   user admin, password: grep AIRFLOW_ADMIN_PASSWORD $STATE/.env"
echo "  Then:  unpause genesys_conversations_daily, Trigger -> Backfill (a few past days, max active runs 2)"
echo "  Ctrl-C stops the stack."
echo
PYTHONPATH=include "$PY" -m genesys_cluster.loopback --listen-port "$PORT" --target "$api:8080"
