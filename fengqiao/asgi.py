"""The ASGI app from FENGQIAO_* settings: ``uvicorn --factory fengqiao.asgi:from_env`` (several
worker processes need an import string). Each process prepares the database once at start;
the shipped files it left out are logged then, and kept for the health check and the pages."""

from __future__ import annotations

from fastapi import FastAPI

from api.app import create_app
from fengqiao.context import open_casework, prepare
from fengqiao.settings import Settings


def from_env() -> FastAPI:
    settings = Settings()
    problems = prepare(settings)
    return create_app(open_casework(settings, None, problems), uploads_dir=settings.uploads_dir)
