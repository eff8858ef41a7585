"""The ASGI app from FENGQIAO_* settings: ``uvicorn --factory fengqiao.asgi:from_env`` (several
worker processes need an import string). Each process prepares the database once at start;
the shipped files it left out are logged then, and kept for the health check and the pages.
An installation without an administrator is served all the same (each worker process would
fail otherwise), with a warning to run `fengqiao init`."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from api.app import create_app
from engine.casework.users_admin import has_admin
from fengqiao.context import open_casework, prepare
from fengqiao.settings import Settings
from fengqiao.users_commands import NO_ADMIN

log = logging.getLogger("fengqiao.asgi")


def from_env() -> FastAPI:
    settings = Settings()
    problems = prepare(settings)
    cw = open_casework(settings, None, problems)
    if not has_admin(cw):
        log.warning("%s", NO_ADMIN)
    return create_app(cw, uploads_dir=settings.uploads_dir)
