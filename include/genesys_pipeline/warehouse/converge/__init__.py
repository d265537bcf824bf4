"""Convergence with Genesys: erasure of what a complete extraction no longer returns, partition freshness, open
conversations."""
