"""Dependency aliases: the Casework lives on ``app.state.ctx``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.units import UnitCache
from engine.casework.context import Casework
from engine.service import WorkflowService
from engine.units import UnitTree


def context_of(request: Request) -> Casework:
    ctx: Casework = request.app.state.ctx
    return ctx


# The dependencies are async: they do not block, and a sync dependency costs a trip through
# the thread pool on every request.
async def get_context(request: Request) -> Casework:
    return context_of(request)


ContextDep = Annotated[Casework, Depends(get_context)]


async def get_service(ctx: ContextDep) -> WorkflowService:
    return ctx.service


ServiceDep = Annotated[WorkflowService, Depends(get_service)]


async def get_units(request: Request) -> UnitTree:
    cache: UnitCache = request.app.state.units
    return cache.tree()


UnitsDep = Annotated[UnitTree, Depends(get_units)]
