"""The run plan: windows, lookback, refresh days, backfill plans, result caps and divisions, resolved before any
request."""
