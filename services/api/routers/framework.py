"""The framework as in force for one partnership: per source kind, the seed's description
with the partnership's own routing and rules."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from domain.framework import DEFAULT_SOURCES, SourceKind, SourceRules
from domain.partnership import Partnership, partnership_uuid
from services.api.deps import PartnershipId, StoreDep
from services.api.responses import READ_RESPONSES
from services.api.routers.reads import AsOf, load_or_404
from services.api.schemas.lists import ListAnswer, list_body

router = APIRouter(prefix="/v1/partnerships/{partnership_id}/framework", tags=["partnerships"])


class SourceOfLearning(BaseModel):
    source_kind: SourceKind
    title: str
    description: str
    kinds_of_learning: list[str] = Field(description="What learning this kind yields.")
    methods_of_learning: list[str] = Field(description="How that learning is learnt.")
    key_stakeholders: list[str] = Field(description="Who the learning is for.")
    routed: bool = Field(description="Whether the partnership routes this kind; an unrouted kind cannot be opened.")
    points_of_dissemination: list[str] = Field(description="The partnership's forums its learning goes to.")
    sign_off_forum: str | None = Field(description="The partnership's forum that signs it off (null if unrouted).")
    rules: SourceRules = Field(description="What the partnership requires of an activity of this kind.")


class FrameworkView(ListAnswer):
    """The framework's sources of learning, one item per kind (a list answered whole)."""

    partnership_id: str
    version: int = Field(description="The partnership's version these answers are as at.")
    items: list[SourceOfLearning]


def framework_of(p: Partnership) -> FrameworkView:
    """Descriptions from the framework's table; routing and rules from the partnership's events."""
    sources = []
    for kind, row in DEFAULT_SOURCES.items():
        routing = p.routing.get(kind)
        sources.append(SourceOfLearning(
            source_kind=kind, title=row.title, description=row.description,
            kinds_of_learning=list(row.kinds_of_learning), methods_of_learning=list(row.methods_of_learning),
            key_stakeholders=list(row.key_stakeholders), routed=routing is not None,
            points_of_dissemination=list(routing.points_of_dissemination) if routing else [],
            sign_off_forum=routing.sign_off_forum if routing else None,
            rules=p.rules_for(kind),
        ))
    return FrameworkView.model_validate(list_body(sources, partnership_id=p.partnership_id, version=p.version))


@router.get("", response_model=FrameworkView, responses=READ_RESPONSES)
def get_framework(partnership_id: PartnershipId, store: StoreDep, as_of: AsOf = None) -> FrameworkView:
    return framework_of(load_or_404(store, partnership_id, partnership_uuid(partnership_id), Partnership, as_of))
