"""The ASGI app from FENGQIAO_* settings: ``uvicorn --factory api.asgi:from_env`` (several
worker processes need an import string)."""

from __future__ import annotations

from fastapi import FastAPI

from api.app import create_app
from fengqiao.context import build
from fengqiao.settings import Settings


def from_env() -> FastAPI:
    return create_app(build(Settings()))
