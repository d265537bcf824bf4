"""The background producer keeps order, surfaces errors, and stops when the consumer stops."""

from __future__ import annotations

import threading
from contextlib import closing

import pytest

from genesys_pipeline.normalize.prefetch import prefetch


def test_items_arrive_in_order():
    assert list(prefetch(iter(range(100)), depth=3)) == list(range(100))


def test_producer_error_is_raised_in_the_consumer():
    def failing():
        yield 1
        raise RuntimeError("page 2 is corrupt")

    ahead = prefetch(failing())
    assert next(ahead) == 1
    with pytest.raises(RuntimeError, match="page 2 is corrupt"):
        next(ahead)


def test_closing_early_stops_the_producer_thread():
    produced = []

    def endless():
        number = 0
        while True:
            produced.append(number)
            yield number
            number += 1

    with closing(prefetch(endless(), depth=2)) as ahead:
        assert next(ahead) == 0
    assert not [t for t in threading.enumerate() if t.name == "prefetch"]
    assert len(produced) <= 5  # bounded: it never ran far ahead
