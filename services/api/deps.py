"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Request

from adapters.store import EventStore
from domain.aggregate import Context
from domain.values import Key
from services.api.auth import principal_of
from services.application.service import LearningService

PRINCIPAL_PATTERN = r"^[A-Za-z0-9_.:@-]{1,120}$"


def get_store(request: Request) -> EventStore:
    store: EventStore = request.app.state.store
    return store


def get_service(request: Request) -> LearningService:
    service: LearningService = request.app.state.service
    return service


def get_principal(request: Request) -> str:
    """Who acts, recorded on every event: the authenticated token's subject (services/application/auth)."""
    return principal_of(request).subject


PartnershipId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", description="Partnership id (slug).")]


def get_context(partnership_id: PartnershipId, principal: Annotated[str, Depends(get_principal)]) -> Context:
    return Context(partnership_id=partnership_id, principal=principal)


StoreDep = Annotated[EventStore, Depends(get_store)]
ServiceDep = Annotated[LearningService, Depends(get_service)]
PrincipalDep = Annotated[str, Depends(get_principal)]
ContextDep = Annotated[Context, Depends(get_context)]
IdempotencyKey = Annotated[
    Key | None,
    Header(alias="Idempotency-Key", description="Retries with the same key are answered once (1-200 characters)."),
]
