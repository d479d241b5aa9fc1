"""Recommendations and the actions agreed against them."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from domain.recommendation import Recommendation
from services.api.deps import PartnershipId, StoreDep
from services.api.responses import READ_RESPONSES
from services.api.routers.reads import AsOf, load_or_404

router = APIRouter(prefix="/v1/partnerships/{partnership_id}/recommendations", tags=["recommendations"])

@router.get("/{recommendation_id}", response_model=Recommendation, responses=READ_RESPONSES)
def get_recommendation(
    partnership_id: PartnershipId, recommendation_id: UUID, store: StoreDep, as_of: AsOf = None
) -> Recommendation:
    return load_or_404(store, partnership_id, recommendation_id, Recommendation, as_of)
