"""Tests of plugins/, mirroring its tree; packages so their module names never clash with rootless test files."""
