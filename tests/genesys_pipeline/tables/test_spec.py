"""The column vocabulary: Genesys camelCase keys become the warehouse's snake_case names."""

from __future__ import annotations

import pytest

from genesys_pipeline import tables


@pytest.mark.parametrize(
    "camel, snake",
    [
        ("conversationId", "conversation_id"),
        ("mediaStatsMinConversationRFactor", "media_stats_min_conversation_r_factor"),
        ("q850ResponseCodes", "q850_response_codes"),
        ("oTotalScore", "o_total_score"),
        ("ani", "ani"),
    ],
)
def test_snake_case(camel, snake):
    assert tables.snake_case(camel) == snake
