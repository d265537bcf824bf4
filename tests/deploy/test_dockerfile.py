"""The image docker-compose.yaml builds runs the same pinned stack as the tested venv."""

from __future__ import annotations

import re

from tests.support.compose_file import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()


def pinned(path: str, package: str) -> str:
    match = re.search(rf"^{re.escape(package)}==(\S+)", (ROOT / path).read_text(), re.MULTILINE | re.IGNORECASE)
    assert match, f"{package} is not pinned in {path}"
    return match[1]


def test_base_image_matches_the_pinned_airflow_and_python():
    """The base is a build argument (a stand-in where no registry is reachable) whose default,
    what users build on, is the official image of the pinned Airflow and Python."""
    base = re.search(
        r"^ARG AIRFLOW_BASE_IMAGE=apache/airflow:(?P<airflow>[\d.]+)-python(?P<python>[\d.]+)$",
        DOCKERFILE,
        re.MULTILINE,
    )
    assert base, "Dockerfile must default AIRFLOW_BASE_IMAGE to an apache/airflow:<version>-python<version> image"
    assert re.search(r"^FROM \$\{AIRFLOW_BASE_IMAGE\}$", DOCKERFILE, re.MULTILINE)
    assert DOCKERFILE.index("ARG AIRFLOW_BASE_IMAGE") < DOCKERFILE.index("FROM ")
    assert (
        base["airflow"] == pinned("requirements.txt", "apache-airflow") == pinned("constraints.txt", "apache-airflow")
    )
    assert base["python"] == "3.11"


def test_requirements_install_with_the_constraints_before_the_project():
    install_requirements = DOCKERFILE.index("-r /opt/airflow/project/requirements.txt")
    assert "-c /opt/airflow/project/constraints.txt" in DOCKERFILE[install_requirements : install_requirements + 200]
    install_project = DOCKERFILE.index("pip install --no-cache-dir --no-deps -e /opt/airflow/project")
    copy_project = DOCKERFILE.index("COPY --chown=airflow:0 . /opt/airflow/project")
    assert install_requirements < copy_project < install_project
    assert pinned("constraints.txt", "celery") == "5.6.3", "celery 5.7 breaks providers-celery at import"


def test_compose_reads_dags_and_plugins_from_where_the_image_puts_them():
    compose = (ROOT / "docker-compose.yaml").read_text()
    assert "AIRFLOW__CORE__DAGS_FOLDER: /opt/airflow/project/dags" in compose
    assert "AIRFLOW__CORE__PLUGINS_FOLDER: /opt/airflow/project/plugins" in compose
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert not {"dags", "plugins", "include", "pyproject.toml"} & set(ignored)
