"""Normalized rows staged between the normalize and the load task (never through XCom).

Layout: ``{root}/conversation_details_normalized/{partition}/{query_hash}/part-NNNNN.json.gz``
(one per raw page: ``{"conversation_ids", "replaces", "rows": {table: [[...], ...]}}``) plus
``_summary.json`` written last, holding the :class:`NormalizeResult` and the raw extraction
it came from. It sits beside the raw extraction, not inside it, because the raw writer owns
its directory and clears it on a re-extraction. A summary that names a different
``extracted_at`` than the manifest is stale and is refused, so a re-extraction can never be
loaded with the previous normalization.
"""
from __future__ import annotations

import gzip
from typing import Any, Iterable, Iterator

import orjson

from genesys_pipeline.normalize import NormalizeResult, Normalizer, TableBatch
from genesys_pipeline.pii import PiiConfig
from genesys_pipeline.rejects import RejectsFile
from genesys_pipeline.staging import GZIP_LEVEL, Manifest, StagingArea

NORMALIZED_DATASET = "conversation_details_normalized"
SUMMARY_NAME = "_summary.json"
REJECTS_NAME = "rejects.jsonl"


class StaleNormalizationError(RuntimeError):
    """The normalized files do not belong to the extraction the manifest describes."""


def normalized_dir(staging: StagingArea, manifest: Manifest) -> Any:
    return staging.root / NORMALIZED_DATASET / manifest.partition / manifest.query_hash


def rejects_path(staging: StagingArea, manifest: Manifest) -> Any:
    return normalized_dir(staging, manifest) / REJECTS_NAME


def _clear(directory: Any) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    summary = directory / SUMMARY_NAME
    if summary.exists():
        summary.unlink()  # first, so a crash below never leaves a summary over missing parts
    for stale in directory.iterdir():
        stale.unlink()


def write_normalized(
    staging: StagingArea, manifest: Manifest, batches: Iterable[TableBatch], result: NormalizeResult
) -> dict[str, Any]:
    """Write one part per batch, then the summary; ``result`` must be the producing normalizer's."""
    directory = normalized_dir(staging, manifest)
    _clear(directory)
    parts = []
    for number, batch in enumerate(batches, start=1):
        name = f"part-{number:05d}.json.gz"
        body = {"conversation_ids": batch.conversation_ids, "replaces": sorted(batch.replaces), "rows": batch.rows}
        (directory / name).write_bytes(gzip.compress(orjson.dumps(body), compresslevel=GZIP_LEVEL))
        parts.append(name)
    summary = {
        "partition": manifest.partition,
        "query_hash": manifest.query_hash,
        "extracted_at": manifest.extracted_at,
        "parts": parts,
        "result": result.to_dict(),
    }
    (directory / SUMMARY_NAME).write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2))
    return summary


def normalize_extraction(
    staging: StagingArea, manifest: Manifest, run_id: str, pii: PiiConfig | None = None
) -> NormalizeResult:
    """The normalize task: raw pages -> normalized parts, rejects file and summary."""
    if not manifest.extracted_at:
        raise ValueError(f"extraction {manifest.partition}/{manifest.query_hash} has no extracted_at")
    with RejectsFile(rejects_path(staging, manifest)) as rejects:
        normalizer = Normalizer(manifest.extracted_at, run_id, pii=pii, rejects=rejects)
        # Rejects are written while write_normalized iterates, i.e. after it cleared the directory.
        write_normalized(staging, manifest, normalizer.normalize_pages(staging.iter_pages(manifest)), normalizer.result)
    return normalizer.result


def read_summary(staging: StagingArea, manifest: Manifest) -> dict[str, Any]:
    path = normalized_dir(staging, manifest) / SUMMARY_NAME
    if not path.exists():
        raise StaleNormalizationError(f"{manifest.partition}/{manifest.query_hash} has not been normalized")
    summary = orjson.loads(path.read_bytes())
    if summary.get("extracted_at") != manifest.extracted_at:
        raise StaleNormalizationError(
            f"normalized {manifest.partition}/{manifest.query_hash} is from extraction {summary.get('extracted_at')}, "
            f"the manifest says {manifest.extracted_at}: normalize again"
        )
    return summary


def read_normalize_result(staging: StagingArea, manifest: Manifest) -> NormalizeResult:
    return NormalizeResult.from_dict(read_summary(staging, manifest)["result"])


def iter_normalized(staging: StagingArea, manifest: Manifest) -> Iterator[TableBatch]:
    """Yield the staged batches one at a time, in page order."""
    directory = normalized_dir(staging, manifest)
    for name in read_summary(staging, manifest)["parts"]:
        body = orjson.loads(gzip.decompress((directory / name).read_bytes()))
        rows = {table: [tuple(row) for row in table_rows] for table, table_rows in body["rows"].items()}
        yield TableBatch(rows=rows, conversation_ids=body["conversation_ids"], replaces=frozenset(body["replaces"]))
