"""OpenLineage for the operators: Genesys -> staged pages (extract) -> warehouse tables (load).

The OpenLineage provider calls ``get_openlineage_facets_on_complete`` on an operator after it
succeeds. The names come from :mod:`genesys_pipeline.report.lineage_names`. This module only wraps
them as the provider's datasets, so Marquez or DataHub show the flow with no configuration
beyond the provider's transport.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from genesys_pipeline.report.lineage_names import DatasetName


def operator_lineage(inputs: Iterable[DatasetName], outputs: Iterable[DatasetName]) -> Any:
    """An ``OperatorLineage`` of plain datasets (imported here: only the provider's listener needs it)."""
    from airflow.providers.common.compat.openlineage.facet import Dataset
    from airflow.providers.openlineage.extractors import OperatorLineage

    return OperatorLineage(
        inputs=[Dataset(namespace=d.namespace, name=d.name) for d in inputs],
        outputs=[Dataset(namespace=d.namespace, name=d.name) for d in outputs],
    )
