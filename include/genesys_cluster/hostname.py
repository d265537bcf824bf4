"""``[core] hostname_callable`` for local Celery workers that share one machine.

Airflow records ``hostname_callable()`` as each task instance's hostname. Two local workers
would both report the machine's FQDN, so the harness names each worker through an environment
variable and this callable reports that name (falling back to the FQDN elsewhere).
"""

from __future__ import annotations

import os
import socket

WORKER_NAME_VARIABLE = "AIRFLOW_CLUSTER_WORKER_NAME"


def worker_name() -> str:
    return os.environ.get(WORKER_NAME_VARIABLE) or socket.getfqdn()
