"""Helpers shared by more than one test suite: import them as ``from tests.support.x import ...``.

Nothing here is a test. ``fixtures_airflow`` is a pytest plugin (``pytest_plugins`` in tests/conftest.py).
"""
