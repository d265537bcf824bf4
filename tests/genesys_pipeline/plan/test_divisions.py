"""Division access: a scoped client fails naming what it cannot read, unless the subset is declared."""

from __future__ import annotations

import pytest

from genesys_pipeline.plan.divisions import DivisionAccessError, check_division_access

ORG = [{"id": "d-home", "name": "Home"}, {"id": "d-retail", "name": "Retail"}, {"id": "d-claims", "name": "Claims"}]


def test_a_client_reading_every_division_reads_all():
    access = check_division_access(ORG, ORG, None)
    assert access.read_ids == ("d-claims", "d-home", "d-retail") and access.all_read is True


def test_all_divs_permitted_counts_as_every_division_even_with_a_short_listing():
    assert check_division_access(ORG, [], None, all_permitted=True).all_read is True


def test_missing_divisions_are_named_with_their_ids():
    with pytest.raises(DivisionAccessError) as raised:
        check_division_access(ORG, [ORG[1]], None)
    message = str(raised.value)
    assert "Home (d-home)" in message and "Claims (d-claims)" in message and "2 of 3" in message
    assert "Retail" not in message


def test_declared_subset_is_accepted_but_not_complete():
    access = check_division_access(ORG, [ORG[1]], ("d-retail",))
    assert access.read_ids == ("d-retail",) and access.all_read is False


def test_declared_subset_must_match_exactly():
    with pytest.raises(DivisionAccessError, match=r"expected but not readable: Claims \(d-claims\)"):
        check_division_access(ORG, [ORG[1]], ("d-retail", "d-claims"))
    with pytest.raises(DivisionAccessError, match=r"readable but not expected: Retail \(d-retail\)"):
        check_division_access(ORG, [ORG[1], ORG[2]], ("d-claims",))


def test_any_accepts_a_partial_org_and_says_so():
    assert check_division_access(ORG, [ORG[2]], "any").all_read is False
    assert check_division_access(ORG, ORG, "any").all_read is True
