"""The ``conversation_ids`` of a by-id run: UUIDs only, none twice, within the cap, every bad entry named at once."""

from __future__ import annotations

import uuid

import pytest

from genesys_pipeline.plan.conversation_ids import MAX_IDS_PER_RUN, ConversationIdsError, checked_conversation_ids

A, B, C = (str(uuid.UUID(int=n)) for n in (1, 2, 3))


def test_good_ids_come_back_lower_cased_in_the_order_given():
    assert checked_conversation_ids([B.upper(), A, f" {C} "]) == [B, A, C]


def test_a_pasted_string_is_split_on_commas_and_whitespace():
    assert checked_conversation_ids(f"{A},{B}\n {C}") == [A, B, C]


def test_every_bad_entry_is_named_with_its_position_in_one_error():
    with pytest.raises(ConversationIdsError) as caught:
        checked_conversation_ids([A, "not-a-uuid", B, A.upper(), 42, B, A[:-1]])
    message = str(caught.value)
    assert message.startswith("conversation_ids: ")
    assert "3 not a UUID: 'not-a-uuid' (#2), 42 (#5), " + repr(A[:-1]) + " (#7)" in message
    assert f"2 given more than once: {A} (#1, #4), {B} (#3, #6)" in message
    assert len(caught.value.problems) == 2


def test_over_the_cap_is_refused_with_the_count_and_the_cap():
    ids = [str(uuid.UUID(int=n)) for n in range(MAX_IDS_PER_RUN + 1)]
    with pytest.raises(ConversationIdsError, match=f"{MAX_IDS_PER_RUN + 1} ids given, at most {MAX_IDS_PER_RUN} a run"):
        checked_conversation_ids(ids)
    assert len(checked_conversation_ids(ids[:MAX_IDS_PER_RUN])) == MAX_IDS_PER_RUN
    with pytest.raises(ConversationIdsError, match="3 ids given, at most 2"):
        checked_conversation_ids([A, B, C], cap=2)


def test_a_long_list_of_bad_entries_names_twenty_and_counts_the_rest():
    with pytest.raises(ConversationIdsError) as caught:
        checked_conversation_ids([f"x{n}" for n in range(25)])
    assert "25 not a UUID: 'x0' (#1)" in str(caught.value) and "'x19' (#20) and 5 more" in str(caught.value)


@pytest.mark.parametrize(("raw", "expected"), [([], "at least one"), ("", "at least one"), (None, "got NoneType")])
def test_nothing_or_not_a_list_is_refused(raw, expected):
    with pytest.raises(ConversationIdsError, match=expected):
        checked_conversation_ids(raw)
