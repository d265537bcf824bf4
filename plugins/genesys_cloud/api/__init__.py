"""The Genesys Cloud API client, free of Airflow: auth, retry, pacing, pagination, regions, result pages.

The Airflow classes (hook, triggers, sensors, operators) in the parent package wrap it; this
package imports and tests without Airflow installed.
"""
