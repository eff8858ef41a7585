"""Dependency aliases: the Context lives on ``app.state.ctx``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.units import UnitCache, UnitTree
from engine.service import WorkflowService
from fengqiao.context import Context


def context_of(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


# The dependencies are async: they do not block, and a sync dependency costs a trip through
# the thread pool on every request.
async def get_context(request: Request) -> Context:
    return context_of(request)


ContextDep = Annotated[Context, Depends(get_context)]


async def get_service(ctx: ContextDep) -> WorkflowService:
    return ctx.service


ServiceDep = Annotated[WorkflowService, Depends(get_service)]


async def get_units(request: Request) -> UnitTree:
    cache: UnitCache = request.app.state.units
    return cache.tree()


UnitsDep = Annotated[UnitTree, Depends(get_units)]
