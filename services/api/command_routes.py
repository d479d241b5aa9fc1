"""One POST route per command, all built the same way."""

from __future__ import annotations

import inspect
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from domain.aggregate import Context
from domain.commands import Command
from services.api.deps import IdempotencyKey, get_context, get_principal, get_service
from services.api.responses import COMMAND_RESPONSES
from services.service import LearningService

ERROR_RESPONSES = COMMAND_RESPONSES


def add_command_route(
    router: APIRouter,
    path: str,
    command_class: type[Command],
    response_model: type[BaseModel],
    *,
    target_param: str | None = None,
    status_code: int = 200,
) -> None:
    def endpoint(**kwargs: Any) -> JSONResponse:
        service: LearningService = kwargs["service"]
        ctx: Context = kwargs["ctx"]
        target: UUID | None = kwargs.get(target_param) if target_param else None
        if command_class.target == "none":
            ctx = ctx.model_copy(update={"partnership_id": kwargs["body"].partnership_id})
        outcome = service.execute(ctx, kwargs["body"], target, kwargs.get("idempotency_key"))
        headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
        # Read-your-writes: pass this to a projection read as ?min_position=.
        position = outcome.position if outcome.position is not None else service.store.recorder.max_notification_id()
        headers["Lif-Position"] = str(position or 0)
        return JSONResponse(outcome.body, status_code=outcome.status_code, headers=headers)

    kw = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter("body", kw, annotation=command_class, default=Body()),
        inspect.Parameter("service", kw, annotation=LearningService, default=Depends(get_service)),
        inspect.Parameter("idempotency_key", kw, annotation=IdempotencyKey, default=None),
    ]
    if command_class.target != "none":
        params.append(inspect.Parameter("ctx", kw, annotation=Context, default=Depends(get_context)))
    else:

        def anonymous_ctx(principal: str = Depends(get_principal)) -> Context:
            return Context(partnership_id="-", principal=principal)

        params.append(inspect.Parameter("ctx", kw, annotation=Context, default=Depends(anonymous_ctx)))
    if target_param:
        params.append(inspect.Parameter(target_param, kw, annotation=UUID, default=Path()))
    endpoint.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    endpoint.__name__ = command_class.name
    router.add_api_route(
        path,
        endpoint,
        methods=["POST"],
        response_model=response_model,
        status_code=status_code,
        responses=ERROR_RESPONSES,
        summary=(command_class.__doc__ or command_class.name.replace("_", " ").capitalize()).strip(),
        operation_id=command_class.name,
    )
