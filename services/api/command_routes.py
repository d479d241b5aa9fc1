"""One POST route per command, all built the same way from its declaration."""

from __future__ import annotations

import inspect
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Path
from fastapi.responses import JSONResponse

from domain.aggregate import Context
from domain.commands import Declaration
from domain.partnership import Partnership
from services.api.deps import IdempotencyKey, get_context, get_principal, get_service
from services.api.public import answer_model
from services.api.responses import COMMAND_RESPONSES
from services.application.auth.policy import command_path
from services.application.service import LearningService

ERROR_RESPONSES = COMMAND_RESPONSES


def add_command_route(router: APIRouter, declaration: Declaration) -> None:
    command_class = declaration.command
    target_param = declaration.target_param
    names_partnership = declaration.target is None  # in its body, not its path

    def endpoint(**kwargs: Any) -> JSONResponse:
        service: LearningService = kwargs["service"]
        ctx: Context = kwargs["ctx"]
        target: UUID | None = kwargs.get(target_param) if target_param else None
        if names_partnership:
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
    if not names_partnership:
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
        command_path(declaration),
        endpoint,
        methods=["POST"],
        response_model=answer_model(declaration.answers),
        status_code=declaration.status,
        # Listed with what it answers about: the partnership's own data, or the collection it is in.
        tags=["partnerships" if declaration.answers is Partnership else declaration.path.split("/")[0]],
        responses=ERROR_RESPONSES,
        summary=(command_class.__doc__ or command_class.name.replace("_", " ").capitalize()).strip(),
        operation_id=command_class.name,
    )
