"""Prefect flows and the worker: the sweeper that fires due timers and delivers notifications.

Dependency rule: workflows → engine. Nothing here is imported by the engine or the API.
"""
