"""What a run reports: audit rows, reconciliation, aggregates, webhooks, lineage names, sanitised errors, progress."""
