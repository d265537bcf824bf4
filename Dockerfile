# The one image every Airflow service (and the Genesys emulator) runs: the official Airflow
# image plus the project's pinned requirements and the project itself.
# The base is a build argument so a machine without registry access can build on a local
# stand-in (deploy/build-standins.sh); users get the official image.
ARG AIRFLOW_BASE_IMAGE=apache/airflow:3.3.2-python3.11
FROM ${AIRFLOW_BASE_IMAGE}

# Requirements first, so editing project code does not invalidate the dependency layer.
# constraints.txt is a full `pip freeze` of the tested environment (Airflow's own constraint
# files live on GitHub and are not fetched here); it also holds celery==5.6.3, the pin that
# keeps providers-celery importable.
COPY --chown=airflow:0 requirements.txt constraints.txt /opt/airflow/project/
RUN pip install --no-cache-dir \
        -r /opt/airflow/project/requirements.txt \
        -c /opt/airflow/project/constraints.txt

# The project: dags/ and plugins/ are read from here (AIRFLOW__CORE__DAGS_FOLDER and
# PLUGINS_FOLDER in docker-compose.yaml); the editable install makes include/ and plugins/
# packages importable in every Airflow process without PYTHONPATH.
COPY --chown=airflow:0 . /opt/airflow/project
RUN pip install --no-cache-dir --no-deps -e /opt/airflow/project
