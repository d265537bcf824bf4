"""Static checks of docker-compose.yaml: what a Docker engine would reject or silently get wrong.

No Docker engine runs here, so these checks stand in for ``docker compose config`` and a
first ``docker compose up``: schema validity, one shared Airflow configuration, the env every
multi-process Airflow 3 deployment needs, consistent ports/volumes/health, and no secrets.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.compose_file import (
    COMPOSE_PATH,
    ROOT,
    MissingRequiredVariable,
    active_services,
    emulator_env,
    filled_env_example,
    load_compose,
    raw_compose,
    read_env_file,
    references,
)

AIRFLOW_COMMANDS = {"api-server", "scheduler", "dag-processor", "triggerer", "celery worker"}
REQUIRED_AIRFLOW_ENV = (
    "AIRFLOW__CORE__EXECUTOR",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
    "AIRFLOW__API_AUTH__JWT_SECRET",
    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
    "AIRFLOW__CELERY__BROKER_URL",
    "AIRFLOW__CELERY__RESULT_BACKEND",
    "AIRFLOW__CORE__FERNET_KEY",
)
SECRET_NAME = re.compile(r"PASSWORD|SECRET|FERNET|TOKEN|_KEY$|BASIC_AUTH")
# Secrets of optional features, empty by default: the webhook (no URL, no webhook) and Flower
# (its profile refuses to start without it).
OPTIONAL_SECRETS = {"GENESYS_WEBHOOK_SECRET", "FLOWER_BASIC_AUTH"}


@pytest.fixture(scope="module")
def compose() -> dict:
    """The file as compose sees it with a filled-in copy of .env.example."""
    return load_compose(filled_env_example())


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict]:
    return compose["services"]


def airflow_services(services: dict[str, dict]) -> dict[str, dict]:
    return {name: svc for name, svc in services.items() if name.startswith("airflow-") or name == "flower"}


def long_running_airflow_services(services: dict[str, dict]) -> dict[str, dict]:
    return {name: svc for name, svc in airflow_services(services).items() if command_of(svc) in AIRFLOW_COMMANDS}


def command_of(service: dict) -> str:
    """The airflow sub-command a service runs (init's multi-line script is not one)."""
    command = service.get("command", "")
    return command if isinstance(command, str) else " ".join(command)


def url_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname, parts.port


def published(service: dict) -> list[tuple[str, int, int]]:
    """(host address, host port, container port) from ``"[ADDRESS:]HOST:CONTAINER"`` entries;
    no address means every interface (``0.0.0.0``)."""
    out = []
    for entry in service.get("ports", []):
        parts = str(entry).split(":")
        address = parts[0] if len(parts) == 3 else "0.0.0.0"
        out.append((address, int(parts[-2]), int(parts[-1])))
    return out


def published_ports(service: dict) -> list[tuple[int, int]]:
    """(host port, container port) pairs."""
    return [(host, container) for _, host, container in published(service)]


def test_compose_file_validates_against_the_compose_specification():
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE_PATH)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_airflow_component_is_deployed(services):
    commands = {command_of(svc) for svc in long_running_airflow_services(services).values()}
    assert commands == AIRFLOW_COMMANDS
    assert "airflow-init" in services and "genesys-emulator" in services


def test_every_airflow_service_uses_the_common_image_env_and_volumes():
    raw = raw_compose()
    common = raw["x-airflow-common"]
    services = airflow_services(raw["services"])
    assert len(services) >= 7
    for name, service in services.items():
        assert service["image"] == common["image"] and service["build"] == common["build"], name
        assert service["volumes"] == common["volumes"], name
        overridden = {key for key, value in common["environment"].items() if service["environment"].get(key) != value}
        assert not overridden, f"{name} overrides shared Airflow settings {overridden}"
        if name != "airflow-init":  # init alone runs as root, to chown the volumes
            assert service["user"] == common["user"], name
    emulator = raw["services"]["genesys-emulator"]
    assert emulator["image"] == common["image"]


def test_airflow_environment_has_what_a_multi_process_deployment_needs(services):
    for name, service in long_running_airflow_services(services).items():
        env = service["environment"]
        missing = [key for key in REQUIRED_AIRFLOW_ENV if not env.get(key)]
        assert not missing, f"{name} lacks {missing}"
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK"] == "true"


def test_connection_urls_point_at_services_and_their_container_ports(services):
    env = services["airflow-scheduler"]["environment"]
    api_host, api_port = url_port(env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    assert api_host == "airflow-apiserver"
    assert (8080, api_port) in published_ports(services["airflow-apiserver"])
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].endswith("/execution/")
    assert url_port(env["AIRFLOW__CELERY__BROKER_URL"]) == ("redis", 6379)
    metadata = urlsplit(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    backend = urlsplit(env["AIRFLOW__CELERY__RESULT_BACKEND"].removeprefix("db+"))
    assert (metadata.hostname, metadata.port, metadata.path) == (backend.hostname, backend.port, backend.path)
    assert metadata.hostname in services


def test_emulator_port_matches_its_connection_urls():
    services = load_compose(emulator_env())["services"]
    command = services["genesys-emulator"]["command"]
    port = int(command[command.index("--port") + 1])
    assert (8089, port) in published_ports(services["genesys-emulator"])
    init_env = services["airflow-init"]["environment"]
    assert url_port(init_env["GENESYS_API_HOST"]) == ("genesys-emulator", port)
    assert url_port(init_env["GENESYS_WEBHOOK_URL"]) == ("genesys-emulator", port)
    assert urlsplit(init_env["GENESYS_WEBHOOK_URL"]).path == "/_emulator/webhooks"


def test_host_ports_are_unique_and_workers_can_scale(services):
    host_ports = [host for svc in services.values() for host, _ in published_ports(svc)]
    assert len(host_ports) == len(set(host_ports))
    worker = services["airflow-worker"]
    assert "ports" not in worker and "container_name" not in worker, "--scale airflow-worker=N would collide"
    assert not [name for name, svc in services.items() if "container_name" in svc]


def test_named_volumes_are_declared_used_and_staging_is_shared(compose, services):
    declared = set(compose["volumes"])
    used = {
        entry.split(":")[0]
        for svc in services.values()
        for entry in svc.get("volumes", [])
        if not entry.startswith((".", "/"))
    }
    assert used == declared
    staging_root = services["airflow-worker"]["environment"]["AIRFLOW_VAR_GENESYS_STAGING_ROOT"]
    for name, service in airflow_services(services).items():
        assert f"genesys-staging:{staging_root}" in service["volumes"], name


def test_healthchecks_and_depends_on_conditions(services):
    for name, service in services.items():
        if name != "airflow-init":
            assert "healthcheck" in service, f"{name} has no healthcheck"
        for target, rule in service.get("depends_on", {}).items():
            assert target in services, f"{name} depends on unknown {target}"
            if rule["condition"] == "service_healthy":
                assert "healthcheck" in services[target], f"{name} waits for {target}'s health, which it lacks"
    for name, service in long_running_airflow_services(services).items():
        assert service["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully", name
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy", name
    assert services["airflow-worker"]["depends_on"]["airflow-apiserver"]["condition"] == "service_healthy"


def test_init_migrates_and_creates_the_pool_and_connections_the_code_uses(services):
    script = "\n".join(services["airflow-init"]["command"])
    assert "airflow db migrate" in script
    assert "airflow pools set genesys_api" in script
    code = "\n".join(p.read_text() for p in [*ROOT.glob("plugins/genesys_cloud/**/*.py"), *ROOT.glob("dags/*.py")])
    for conn_id in ("genesys_cloud_default", "genesys_warehouse", "genesys_sync_webhook"):
        assert f'"{conn_id}": {{' in script or f'connections["{conn_id}"]' in script, conn_id
        assert f'"{conn_id}"' in code, f"no code uses connection id {conn_id}"
    assert '"genesys_api"' in code, "no DAG uses the genesys_api pool"


def test_secrets_come_from_env_with_no_defaults():
    for match in references(raw_compose()):
        name, op, arg = match["name"], match["op"], match["arg"]
        if not SECRET_NAME.search(name):
            continue
        if name in OPTIONAL_SECRETS:
            assert op == ":-" and arg == "", f"{name} must default to empty, found {match[0]}"
        else:
            assert op == ":?", f"{name} must be required (${{{name}:?...}}), found {match[0]}"
    for name, value in read_env_file().items():
        if SECRET_NAME.search(name):
            assert value == "", f".env.example must not ship a value for {name}"


def test_only_the_airflow_ui_is_published_by_default_and_only_on_loopback():
    default = active_services(load_compose(filled_env_example()))
    exposed = {name: published(svc) for name, svc in default.items() if svc.get("ports")}
    assert exposed == {"airflow-apiserver": [("127.0.0.1", 8080, 8080)]}
    assert "genesys-emulator" not in default and "flower" not in default
    everything = load_compose(emulator_env())["services"]
    for name, service in everything.items():
        assert all(address == "127.0.0.1" for address, _, _ in published(service)), f"{name} listens on all interfaces"
    assert everything["genesys-emulator"]["profiles"] == ["emulator"]
    assert everything["flower"]["profiles"] == ["flower"]
    assert "ports" not in everything["warehouse-postgres"], "the PII warehouse must not be published"


def test_services_that_wait_for_the_emulator_start_without_its_profile(services):
    for name, service in services.items():
        rule = service.get("depends_on", {}).get("genesys-emulator")
        if rule is not None:
            assert rule.get("required") is False, f"{name} would not start without the emulator profile"


def test_flower_requires_basic_auth():
    flower = load_compose(filled_env_example())["services"]["flower"]
    assert flower["environment"]["AIRFLOW__CELERY__FLOWER_BASIC_AUTH"] == "filled-in-by-user"
    script = "\n".join(flower["command"])
    assert 'if [ -z "${AIRFLOW__CELERY__FLOWER_BASIC_AUTH}" ]' in script and "exit 1" in script
    assert script.rstrip().endswith("exec /entrypoint celery flower")


def test_connections_come_from_a_file_never_from_a_command_line(services):
    init = services["airflow-init"]
    script = "\n".join(init["command"])
    assert "airflow connections add" not in script and "--conn-password" not in script
    secret_vars = [name for name in init["environment"] if SECRET_NAME.search(name)]
    for name in secret_vars:  # read by the Python writer from its environment, never expanded into argv
        assert f"${{{name}}}" not in script and f"$${{{name}}}" not in script, name
    assert "0o600" in script and "genesys_connections.json" in script
    common = services["airflow-scheduler"]["environment"]
    assert common["AIRFLOW__SECRETS__BACKEND"] == "airflow.secrets.local_filesystem.LocalFilesystemBackend"
    assert "/opt/airflow/config/genesys_connections.json" in common["AIRFLOW__SECRETS__BACKEND_KWARGS"]


def test_connections_writer_produces_what_the_pipeline_accepts(services, tmp_path, monkeypatch):
    """Run the init script's Python writer for real, then read its file as Airflow does."""
    script = "\n".join(services["airflow-init"]["command"])
    writer = re.search(r"python - <<'PYTHON'\n(.*?)\nPYTHON", script, flags=re.S)[1]
    target = tmp_path / "genesys_connections.json"
    for name, value in {
        "GENESYS_ALLOW_INSECURE_HTTP": "false",
        "GENESYS_WEBHOOK_URL": "",
        **{key: value for key, value in emulator_env().items() if key.startswith(("GENESYS_", "WAREHOUSE_"))},
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GENESYS_ALLOW_INSECURE_HTTP", "false")
    monkeypatch.setenv("GENESYS_WEBHOOK_URL", "")
    exec(compile(writer.replace("/opt/airflow/config/genesys_connections.json", str(target)), "init", "exec"), {})
    import json
    import stat

    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    connections = json.loads(target.read_text())
    assert set(connections) == {"genesys_cloud_default", "genesys_warehouse"}  # no URL, no webhook connection
    shared = {"rate_budget_backend": "redis", "rate_budget_url": "redis://redis:6379/1"}  # every worker, one budget
    assert json.loads(connections["genesys_cloud_default"]["extra"]) == shared  # the http opt-in is off by default
    monkeypatch.setenv("GENESYS_ALLOW_INSECURE_HTTP", "true")
    monkeypatch.setenv("GENESYS_WEBHOOK_URL", "http://genesys-emulator:8089/_emulator/webhooks")
    exec(compile(writer.replace("/opt/airflow/config/genesys_connections.json", str(target)), "init", "exec"), {})
    from airflow.secrets.local_filesystem import load_connections_dict

    from genesys_cloud.api.connection import config_from_connection
    from genesys_cloud.webhook_connection import checked_webhook_secret

    loaded = load_connections_dict(str(target))  # what LocalFilesystemBackend serves
    config = config_from_connection(loaded["genesys_cloud_default"])
    assert config.urls.api == "http://genesys-emulator:8089"
    assert (config.settings.rate_budget_backend, config.settings.rate_budget_url) == ("redis", "redis://redis:6379/1")
    webhook = loaded["genesys_sync_webhook"]
    assert checked_webhook_secret("w", webhook.host, webhook.login, webhook.password, webhook.extra_dejson)
    assert loaded["genesys_warehouse"].port == 5432


def test_insecure_http_is_off_by_default_and_the_emulator_env_turns_it_on():
    default_init = load_compose(filled_env_example())["services"]["airflow-init"]["environment"]
    emulator_init = load_compose(emulator_env())["services"]["airflow-init"]["environment"]
    assert default_init["GENESYS_ALLOW_INSECURE_HTTP"] == "false"
    assert emulator_init["GENESYS_ALLOW_INSECURE_HTTP"] == "true"
    assert urlsplit(emulator_init["GENESYS_API_HOST"]).hostname == "genesys-emulator"


def test_compose_refuses_to_start_without_the_secrets():
    with pytest.raises(MissingRequiredVariable):
        load_compose(read_env_file())


def test_env_example_documents_exactly_the_variables_compose_reads():
    referenced = {match["name"] for match in references(raw_compose())}
    assert referenced == set(read_env_file())


def test_secret_files_stay_out_of_git_and_the_image():
    assert ".env" in (ROOT / ".dockerignore").read_text().split()
