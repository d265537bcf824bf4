"""An ASGI app that imports the real one on its first request.

Airflow loads plugins in every component (each task process too), but only the api-server
serves ``fastapi_apps``. Registering this stand-in keeps FastAPI, Airflow's API security
module, pandas and plotly (about 2 s of imports) out of every task's start-up.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import Any

ASGIApp = Callable[[dict[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


class LazyASGIApp:
    def __init__(self, target: str) -> None:
        """``target`` is ``"package.module:attribute"``."""
        self.target = target
        self._app: ASGIApp | None = None

    def load(self) -> ASGIApp:
        if self._app is None:
            module, _, attribute = self.target.partition(":")
            self._app = getattr(importlib.import_module(module), attribute)
        return self._app

    async def __call__(self, scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        await self.load()(scope, receive, send)

    def __repr__(self) -> str:  # shown by Airflow's plugins API and `airflow plugins`
        return f"LazyASGIApp({self.target!r})"
