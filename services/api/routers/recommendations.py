"""Recommendations and the actions agreed against them."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from domain.recommendation import Recommendation
from services.api.deps import PartnershipId, StoreDep
from services.api.public import public_record
from services.api.responses import READ_RESPONSES
from services.api.routers.reads import AsAtDay, AsOf, load_or_404
from services.api.schemas.recommendations import RecommendationRecord
from services.application.as_at import AsAt

router = APIRouter(prefix="/v1/partnerships/{partnership_id}/recommendations", tags=["recommendations"])

@router.get("/{recommendation_id}", response_model=RecommendationRecord, responses=READ_RESPONSES)
def get_recommendation(
    partnership_id: PartnershipId, recommendation_id: UUID, store: StoreDep,
    as_of: AsOf = None, as_at_day: AsAtDay = None,
) -> RecommendationRecord:
    state = load_or_404(store, partnership_id, recommendation_id, Recommendation, as_at=AsAt.of(as_of, as_at_day))
    return RecommendationRecord.model_validate(public_record(state))
