"""Prefect's environment for the worker: analytics and telemetry off, state under var/."""

from __future__ import annotations

import os
from pathlib import Path

QUIET = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}


def prefect_defaults(home: Path) -> None:
    """Call before Prefect is imported. Keeps what the environment already says (a
    PREFECT_API_URL pointing at a real Prefect server above all)."""
    for key, value in QUIET.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("PREFECT_HOME", str(home))
    # Prefect warns (and the worker then fails) when its home folder cannot be created.
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
