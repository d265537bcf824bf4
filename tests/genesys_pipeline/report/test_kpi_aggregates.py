"""The half-hour queue-cells query body and its flattening into ``queue_interval_aggregates`` rows."""

from __future__ import annotations

from genesys_pipeline.report.kpi_aggregates import KPI_METRICS, bucket_start, flatten_cells, kpi_query

DAY = "2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z"
RESPONSE = {
    "results": [
        {
            "group": {"queueId": "q-1", "mediaType": "voice"},
            "data": [
                {
                    "interval": "2024-05-01T10:30:00.000Z/2024-05-01T11:00:00.000Z",
                    "metrics": [
                        {"metric": "nOffered", "stats": {"count": 3}},
                        {"metric": "tHandle", "stats": {"max": 9.0, "min": 4.0, "count": 2, "sum": 13.0}},
                    ],
                }
            ],
        },
        {
            "group": {"mediaType": "voice"},
            "data": [
                {
                    "interval": "2024-05-01T10:00:00Z/2024-05-01T10:30:00Z",
                    "metrics": [{"metric": "nConnected", "stats": {"count": 1}}],
                }
            ],
        },
    ]
}


def test_one_query_a_day_at_pt30m_by_queue_and_media_type():
    body = kpi_query(DAY)
    assert body == {
        "interval": DAY,
        "granularity": "PT30M",
        "groupBy": ["queueId", "mediaType"],
        "metrics": list(KPI_METRICS),
    }
    assert len(set(KPI_METRICS)) == len(KPI_METRICS) and {"nOffered", "tAnswered", "tAbandon", "nOverSla"} <= set(
        KPI_METRICS
    )


def test_every_cell_keeps_every_stat_genesys_filled():
    rows = flatten_cells(RESPONSE, "2024-05-01", "run-1")
    by_metric = {row["metric"]: row for row in rows}
    assert len(rows) == 3
    assert by_metric["nOffered"] | {"_synced_at": None} == {
        "partition": "2024-05-01",
        "interval_start": "2024-05-01T10:30:00.000Z",
        "queue_id": "q-1",
        "media_type": "voice",
        "metric": "nOffered",
        "count": 3,
        "sum": None,
        "min": None,
        "max": None,
        "_run_id": "run-1",
        "_synced_at": None,
    }
    assert (by_metric["tHandle"]["count"], by_metric["tHandle"]["sum"], by_metric["tHandle"]["max"]) == (2, 13.0, 9.0)
    assert by_metric["nConnected"]["queue_id"] is None
    assert by_metric["nConnected"]["interval_start"] == "2024-05-01T10:00:00.000Z"  # normalised to milliseconds


def test_bucket_starts_are_normalised_to_utc_milliseconds():
    assert bucket_start("2024-05-01T12:30:00+02:00/2024-05-01T13:00:00+02:00") == "2024-05-01T10:30:00.000Z"
    assert bucket_start("2024-05-01T10:00:00.000Z") == "2024-05-01T10:00:00.000Z"


def test_an_empty_answer_is_no_cells():
    assert flatten_cells({}, "2024-05-01", "run-1") == []
