# Stand-in for apache/airflow:3.3.2-python3.11, built here from the Debian base and wheels made on
# the host (no network in the build). It honours what docker-compose.yaml and the project's
# Dockerfile rely on: user airflow uid 50000 in group 0, HOME /home/airflow, AIRFLOW_HOME
# /opt/airflow, `airflow`, `celery`, `python`, `pip` and `curl` on PATH, dumb-init as PID 1 and
# /entrypoint (deploy/standin/airflow-entrypoint.sh). Airflow and the project's requirements are
# preinstalled (as the official image ships Airflow and its providers); pip is set to install
# offline from /opt/standin-wheels, which keeps the build backend the editable install needs.
ARG BASE_IMAGE
FROM ${BASE_IMAGE} AS install
COPY wheels /tmp/wheels
COPY requirements.txt constraints.txt /tmp/
RUN python3 -m venv /home/airflow/.venv \
 && /home/airflow/.venv/bin/pip install -q --no-index --find-links /tmp/wheels --upgrade pip \
 && /home/airflow/.venv/bin/pip install -q --no-index --find-links /tmp/wheels \
        -r /tmp/requirements.txt -c /tmp/constraints.txt \
 && mkdir -p /opt/standin-wheels && cp /tmp/wheels/setuptools-*.whl /tmp/wheels/wheel-*.whl /opt/standin-wheels/

FROM ${BASE_IMAGE}
RUN useradd --uid 50000 --gid 0 --home-dir /home/airflow --create-home --shell /bin/bash airflow \
 && mkdir -p /opt/airflow/logs /opt/airflow/dags /opt/airflow/plugins /opt/airflow/config \
 && chown -R airflow:0 /opt/airflow && chmod -R g+rwX /opt/airflow
COPY --from=install --chown=airflow:0 /home/airflow/.venv /home/airflow/.venv
COPY --from=install /opt/standin-wheels /opt/standin-wheels
COPY airflow-entrypoint.sh /entrypoint
ENV PATH=/home/airflow/.venv/bin:$PATH \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW_UID=50000 \
    PIP_NO_INDEX=1 \
    PIP_FIND_LINKS=/opt/standin-wheels \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1
USER airflow
WORKDIR /opt/airflow
EXPOSE 8080
ENTRYPOINT ["/usr/bin/dumb-init", "--", "/entrypoint"]
CMD []
