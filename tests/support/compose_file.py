"""Read docker-compose.yaml the way ``docker compose`` does, without a Docker engine.

Compose parses the YAML (anchors, ``<<`` merges), then substitutes ``${VAR}``,
``${VAR:-default}`` and ``${VAR:?error}`` in every value from the environment and ``.env``;
``$$`` is a literal ``$``. Comments are never interpolated. Loading with .env.example
as the environment checks the file a user gets after ``cp .env.example .env``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from tests.support.paths import ROOT

COMPOSE_PATH = ROOT / "docker-compose.yaml"
ENV_EXAMPLE_PATH = ROOT / ".env.example"
EMULATOR_ENV_PATH = ROOT / "emulator.env"

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}; not $${...}.
REFERENCE = re.compile(r"(?<!\$)\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


class MissingRequiredVariable(ValueError):
    """What ``docker compose`` reports for an unset or empty ``${VAR:?message}``."""


def raw_compose() -> dict[str, Any]:
    """The parsed file before interpolation."""
    return yaml.safe_load(COMPOSE_PATH.read_text())


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def references(tree: Any) -> list[re.Match[str]]:
    """Every ``${...}`` in the values of a parsed compose tree."""
    return [match for text in _strings(tree) for match in REFERENCE.finditer(text)]


def interpolate(text: str, env: Mapping[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        value = env.get(name)
        empty = value is None or (value == "" and op is not None and op.startswith(":"))
        if not empty:
            return value
        if op in (":?", "?"):
            raise MissingRequiredVariable(f"{name}: {arg}")
        return arg if op in (":-", "-") else ""

    return REFERENCE.sub(substitute, text).replace("$$", "$")


def read_env_file(path: Path = ENV_EXAMPLE_PATH) -> dict[str, str]:
    """KEY=VALUE lines; comments and blank lines ignored (compose's .env format, unquoted)."""
    env: dict[str, str] = {}
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            key, _, value = stripped.partition("=")
            env[key.strip()] = value.strip()
    return env


def interpolate_tree(node: Any, env: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, dict):
        return {key: interpolate_tree(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate_tree(item, env) for item in node]
    return node


def load_compose(env: Mapping[str, str]) -> dict[str, Any]:
    """The compose model as ``docker compose config`` would print it with ``env``."""
    return interpolate_tree(raw_compose(), env)


def filled_env_example(placeholder: str = "filled-in-by-user") -> dict[str, str]:
    """.env.example with every empty value filled, as a user must before ``docker compose up``."""
    return {key: value or placeholder for key, value in read_env_file().items()}


def emulator_env() -> dict[str, str]:
    """``--env-file .env --env-file emulator.env``: the later file wins."""
    return {**filled_env_example(), **read_env_file(EMULATOR_ENV_PATH)}


def active_services(compose: dict[str, Any], profiles: tuple[str, ...] = ()) -> dict[str, Any]:
    """The services ``docker compose --profile ... up`` starts: those without profiles, plus the named."""
    return {
        name: svc
        for name, svc in compose["services"].items()
        if not svc.get("profiles") or set(svc["profiles"]) & set(profiles)
    }
