"""Quarantined records keep the run's PII config: hashed and dropped fields never reach the rejects file."""

from __future__ import annotations

import hashlib
import hmac

import orjson

from genesys_pipeline.normalize.normalizer import Normalizer
from genesys_pipeline.normalize.pii import PiiConfig
from genesys_pipeline.staging.rejects import RejectsFile
from tests.genesys_pipeline.staging.one_page import NOW


def test_rejects_get_the_pii_config(tmp_path):
    name = "Zebulon Quixotic"
    record = {
        "conversationId": "c-9",
        "participants": [
            {
                "participantName": name,
                "attributes": {"crm.email": "zq@example.com"},
                "sessions": [{"ani": "tel:+15550001"}],
            }
        ],
    }
    pii = PiiConfig.from_json(
        '{"hash": ["participant_name", "participant_attributes.value"], "drop": ["ani"]}', salt="k"
    )
    path = tmp_path / "rejects" / "2024-05-01" / "q.jsonl"
    with RejectsFile(path) as rejects:
        Normalizer(NOW, "run", pii=pii, rejects=rejects).normalize_page(orjson.dumps({"conversations": [record]}))
    line = orjson.loads(path.read_bytes())
    assert line["reason"] == "missing participantId"
    participant = line["record"]["participants"][0]
    assert participant["participantName"] == hmac.new(b"k", name.encode(), hashlib.sha256).hexdigest()
    assert participant["attributes"]["crm.email"] != "zq@example.com"
    assert participant["sessions"][0]["ani"] is None
    assert b"Zebulon" not in path.read_bytes() and b"15550001" not in path.read_bytes()
