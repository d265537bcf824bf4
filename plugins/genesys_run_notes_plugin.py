"""Registers the listener that notes each daily-sync run's synced day (``genesys_cloud.run_notes``)."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from genesys_cloud import run_notes


class GenesysRunNotesPlugin(AirflowPlugin):
    name = "genesys_run_notes"
    listeners = [run_notes]
