"""``AuditedOperator``: a pipeline task that carries the upstream results its own audit row is built from.

The failure and retry callbacks (``genesys_cloud.operators.audit``) run for every task of the
conversation DAGs, and a callback has no DAG wiring of its own. Rather than pulling other tasks'
results by task id (a hidden contract with the DAG files), each task is handed its audit inputs in
the DAG file, ``audit_inputs={"plan": plan, "extraction": extract.output, ...}``: a templated field,
so the task runner renders it with the task's other fields, and the callback reads the rendered task.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow.sdk import BaseOperator

# ``build_record``'s keyword names: the results an audit row is built from.
AUDIT_INPUT_NAMES = ("plan", "extraction", "load", "reconciliation", "authentication", "follow_up", "resync")
_ALLOWED = ", ".join(AUDIT_INPUT_NAMES)


def checked_audit_inputs(audit_inputs: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """``audit_inputs`` as given (the same object: a mapped task's expanded value must stay the one
    Airflow already resolved), once its keys are known: a typo would otherwise only show as a failed
    row without its figures, long after the DAG was parsed."""
    if audit_inputs is None:
        return {}
    if not isinstance(audit_inputs, Mapping):
        raise TypeError(f"audit_inputs must be a mapping of {_ALLOWED}, not {type(audit_inputs).__name__}")
    unknown = sorted(str(name) for name in audit_inputs if name not in AUDIT_INPUT_NAMES)
    if unknown:
        raise ValueError(f"audit_inputs has unknown key(s) {', '.join(unknown)}; allowed: {_ALLOWED}")
    return audit_inputs


def rendered_audit_inputs(task: Any) -> dict[str, Mapping[str, Any] | None]:
    """Every audit input of ``task`` (``None`` when missing). Only a rendered result counts: a value
    that is not a mapping (rendering failed, or the callback runs outside the task runner, on a task
    whose fields are still XCom references) is missing, so a callback never trips over it."""
    inputs = getattr(task, "audit_inputs", None)
    if not isinstance(inputs, Mapping):
        inputs = {}
    return {name: value if isinstance(value := inputs.get(name), Mapping) else None for name in AUDIT_INPUT_NAMES}


class AuditedOperator(BaseOperator):
    """A task whose failed and retried tries are audited: ``audit_inputs`` maps ``build_record``'s
    keyword names (``AUDIT_INPUT_NAMES``) to results of upstream tasks, typically XCom references.
    Subclasses keep ``"audit_inputs"`` in their ``template_fields``."""

    template_fields: tuple[str, ...] = ("audit_inputs",)

    def __init__(self, *, audit_inputs: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.audit_inputs = checked_audit_inputs(audit_inputs)
