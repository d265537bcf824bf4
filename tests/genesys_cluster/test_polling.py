"""Waiting with a deadline: a dead component surfaces at once, a timeout names what it waited for."""

from __future__ import annotations

import pytest

from genesys_cluster.polling import WaitTimeout, poll_until


def test_poll_until_surfaces_a_dead_component_at_once():
    def dead() -> None:
        raise AssertionError("scheduler exited with 1")

    with pytest.raises(AssertionError, match="scheduler exited"):
        poll_until(lambda: None, timeout=60, what="never", health_check=dead)


def test_poll_until_times_out_with_what_it_waited_for():
    with pytest.raises(WaitTimeout, match="the impossible"):
        poll_until(lambda: None, timeout=0.2, interval=0.05, what="the impossible")
