"""Settings, typed and described; read from FENGQIAO_* environment variables when asked."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FENGQIAO_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{ROOT / 'var' / 'fengqiao.db'}",
        description="SQLAlchemy URL: SQLite (embedded default) or postgresql://…",
    )
    definitions_dir: Path = Field(
        default=ROOT / "definitions", description="Folder of the shipped workflow YAML files."
    )
    timezone: str = Field(default="Asia/Shanghai", description="Time zone of working hours.")
    sweep_interval_s: float = Field(
        default=15.0, description="Seconds between two sweeps of due timers by the worker."
    )
    public_grid: str | None = Field(
        default=None,
        description="Grid unit the public intake form (/public/report) reports to; unset: no"
        " public form.",
    )
    sweep_batch: int = Field(default=500, description="Timers claimed by one sweep batch.")
    notify_sender: str = Field(
        default=f"file:{ROOT / 'var' / 'notifications.jsonl'}",
        description="Where notifications go: 'log', 'file:<path>' (JSON lines) or"
        " '<module>:<factory>' for a sender of your own (see workflows/notify.py).",
    )
    prefect_port: int = Field(
        default=4200,
        description="Port of the local Prefect server the worker starts when PREFECT_API_URL"
        " is not set (another free port if it is taken).",
    )
    host: str = Field(default="127.0.0.1", description="Address the HTTP server listens on.")
    port: int = Field(default=8000, description="Port the HTTP server listens on.")
    uploads_dir: Path = Field(
        default=ROOT / "var" / "uploads",
        description="Where photos of grid reports are kept (owner-only files).",
    )
    party_key: str | None = Field(
        default=None,
        repr=False,
        description="Key that seals parties' personal data at rest: 32 bytes, base64url"
        " (`fengqiao keygen` prints one). Unset: read from `party_key_file`, created there on"
        " first start. Several servers on one database need the same key.",
    )
    party_key_file: Path = Field(
        default=ROOT / "var" / "party.key",
        description="Where the party key is kept when FENGQIAO_PARTY_KEY is not set.",
    )
