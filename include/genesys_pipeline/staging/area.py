"""Raw Genesys result pages staged between extract and load: the pipeline's source of truth.

This module alone knows the layout; everything else asks :class:`StagingArea` for a path:
``{root}/conversation_details/{partition}/{query_hash}/page-NNNNN.json.gz`` plus
``_manifest.json``; rejects at ``{root}/conversation_details_rejects/{partition}/{query_hash}.jsonl``;
per-install files (the erasure key) at ``{root}/conversation_details/<name>``. ``root`` is a
:class:`pathlib.Path` or any pathlib-like object with the same methods (Airflow's ``ObjectStoragePath``
for ``s3://`` and friends), so this module never imports Airflow. Pages are the API's response bytes
exactly as received, so normalization can be rerun later without calling Genesys. The manifest is
written last, to a temporary file renamed into place, so it is either absent or whole: a directory
without a readable, complete manifest is an interrupted extraction and is never read. On a local disk
everything is private to its owner (see :mod:`.private_files`).
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from genesys_pipeline.staging.private_files import make_private_dirs, open_private

DATASET = "conversation_details"
REJECTS_DATASET = "conversation_details_rejects"
MANIFEST_NAME = "_manifest.json"
MANIFEST_TEMP_NAME = "_manifest.json.tmp"
# Level 1 compresses result JSON about 6x at several hundred MB/s; higher levels cost far
# more CPU for a few percent of space on short-lived staging files.
GZIP_LEVEL = 1


class StagingIntegrityError(RuntimeError):
    """A staged page does not match the checksum its manifest recorded."""


def query_hash(query: Mapping[str, Any]) -> str:
    """Stable short hash of a query body: same query, same staging directory."""
    canonical = orjson.dumps(query, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()[:16]


@dataclass(frozen=True)
class PageEntry:
    name: str
    records: int
    sha256: str
    bytes: int


@dataclass
class Manifest:
    """One extraction's description. ``participant_attributes`` says whether its records carry them: true
    for details-job results, false for the multi-get's (``AnalyticsConversationWithoutAttributes``, fact
    sheet §3.5), whose load keeps the stored attributes. Manifests written before the field read as true."""

    partition: str
    query_hash: str
    query: dict[str, Any]
    pages: list[PageEntry] = field(default_factory=list)
    record_count: int = 0
    complete: bool = False
    extracted_at: str | None = None
    job_id: str | None = None
    participant_attributes: bool = True

    @property
    def page_count(self) -> int:
        return len(self.pages)

    def extracted_at_datetime(self) -> datetime | None:
        if not self.extracted_at:
            return None
        return datetime.fromisoformat(self.extracted_at.replace("Z", "+00:00"))

    def to_bytes(self) -> bytes:
        body = asdict(self)
        body["page_count"] = self.page_count
        return orjson.dumps(body, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)

    @classmethod
    def from_bytes(cls, raw: bytes) -> Manifest:
        body = orjson.loads(raw)
        body.pop("page_count", None)
        body["pages"] = [PageEntry(**page) for page in body.get("pages", [])]
        return cls(**body)


class ExtractionWriter:
    """Writes one extraction's pages, then commits its manifest."""

    def __init__(self, directory: Any, manifest: Manifest) -> None:
        self.directory = directory
        self.manifest = manifest

    def write_page(self, raw: bytes, records: int) -> PageEntry:
        name = f"page-{self.manifest.page_count + 1:05d}.json.gz"
        with open_private(self.directory / name) as handle:
            handle.write(gzip.compress(raw, compresslevel=GZIP_LEVEL))
        entry = PageEntry(name=name, records=records, sha256=hashlib.sha256(raw).hexdigest(), bytes=len(raw))
        self.manifest.pages.append(entry)
        self.manifest.record_count += records
        return entry

    def commit(self, extracted_at: datetime | None = None, job_id: str | None = None) -> Manifest:
        when = extracted_at or datetime.now(UTC)
        self.manifest.extracted_at = when.astimezone(UTC).isoformat().replace("+00:00", "Z")
        self.manifest.job_id = job_id
        self.manifest.complete = True
        temporary = self.directory / MANIFEST_TEMP_NAME
        with open_private(temporary) as handle:
            handle.write(self.manifest.to_bytes())
        temporary.rename(self.directory / MANIFEST_NAME)  # atomic on a local disk; a crash leaves no half manifest
        return self.manifest


class StagingArea:
    """The staging root: where extractions are written, found again and read back."""

    def __init__(self, root: Any) -> None:
        self.root = root

    @classmethod
    def of_extraction(cls, extraction_dir: Any) -> StagingArea:
        """The staging area holding ``extraction_dir`` (a path ``extraction_dir()`` returned)."""
        if extraction_dir.parent.parent.name != DATASET:
            raise ValueError(
                f"{extraction_dir} is not an extraction directory (<root>/{DATASET}/<partition>/<query hash>)"
            )
        return cls(extraction_dir.parent.parent.parent)

    @property
    def extractions_root(self) -> Any:
        """The directory of every extraction's partition directories."""
        return self.root / DATASET

    @property
    def rejects_root(self) -> Any:
        """The directory of every partition's rejects files."""
        return self.root / REJECTS_DATASET

    def install_file(self, name: str) -> Any:
        """A per-install file beside the partitions (retention never purges files there)."""
        return self.extractions_root / name

    def extraction_dir(self, partition: str, qhash: str) -> Any:
        return self.extractions_root / partition / qhash

    def rejects_path(self, manifest: Manifest) -> Any:
        """Where a load quarantines the extraction's unloadable records. Beside the extraction,
        not inside it: the writer owns that directory and clears it on a re-extraction."""
        return self.rejects_root / manifest.partition / f"{manifest.query_hash}.jsonl"

    def open_writer(
        self, partition: str, query: Mapping[str, Any], participant_attributes: bool = True
    ) -> ExtractionWriter:
        """Start a fresh extraction, discarding whatever an earlier attempt left there;
        ``participant_attributes``: whether its records carry them (see :class:`Manifest`)."""
        qhash = query_hash(query)
        directory = self.extraction_dir(partition, qhash)
        make_private_dirs(directory, self.root)
        manifest_path = directory / MANIFEST_NAME
        if manifest_path.exists():
            manifest_path.unlink()  # first, so a crash below never leaves a stale "complete"
        for stale in directory.iterdir():
            stale.unlink()
        manifest = Manifest(
            partition=partition, query_hash=qhash, query=dict(query), participant_attributes=participant_attributes
        )
        return ExtractionWriter(directory, manifest)

    def read_manifest(self, partition: str, qhash: str) -> Manifest | None:
        """The complete manifest, or None: absent, incomplete and unreadable (a torn write from
        before manifests were renamed into place, a damaged disk) all mean "extract again"."""
        path = self.extraction_dir(partition, qhash) / MANIFEST_NAME
        try:
            manifest = Manifest.from_bytes(path.read_bytes())
        except FileNotFoundError:
            return None
        except (ValueError, TypeError, AttributeError):
            return None
        return manifest if manifest.complete else None

    def find_fresh(
        self, partition: str, query: Mapping[str, Any], ttl_seconds: float, now: datetime | None = None
    ) -> Manifest | None:
        """A complete extraction of the same query younger than ``ttl_seconds`` (the cache hit)."""
        manifest = self.read_manifest(partition, query_hash(query))
        extracted = manifest.extracted_at_datetime() if manifest else None
        if manifest is None or extracted is None:
            return None
        age = ((now or datetime.now(UTC)) - extracted).total_seconds()
        return manifest if 0 <= age <= ttl_seconds else None

    def iter_pages(self, manifest: Manifest) -> Iterator[bytes]:
        """Yield each page's raw JSON bytes, one at a time, checking its checksum."""
        directory = self.extraction_dir(manifest.partition, manifest.query_hash)
        for entry in manifest.pages:
            with (directory / entry.name).open("rb") as handle:
                raw = gzip.decompress(handle.read())
            if hashlib.sha256(raw).hexdigest() != entry.sha256:
                raise StagingIntegrityError(f"{entry.name} of {manifest.partition}/{manifest.query_hash} is corrupt")
            yield raw
