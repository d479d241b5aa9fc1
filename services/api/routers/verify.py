"""Checking the event log's hash chain (tamper evidence) over HTTP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from adapters.chain import ANCHOR_PATTERN, BadAnchor, parse_anchor
from adapters.chain import verify as verify_chain
from domain.errors import InvalidInput
from services.api.deps import StoreDep
from services.api.responses import ADMIN_RESPONSES

router = APIRouter(prefix="/v1/admin", tags=["admin"])


class VerifyBody(BaseModel):
    ok: bool = Field(description="True if every stored event matches its link in the hash chain.")
    checked: int = Field(description="Events verified (before the first bad one, if any).")
    first_bad_position: int | None = Field(description="Notification id of the first event that fails, if any.")
    reason: str | None = Field(description="Why that position fails.")
    head_hash: str | None = Field(
        description="Hex hash of the last event: keep it elsewhere to detect a rewritten tail."
    )
    anchor: str | None = Field(
        description="The head as POSITION:HASH: keep it outside the database and pass it back as `anchor`."
    )


Anchors = Annotated[
    list[str] | None,
    Query(
        description="Heads reported by earlier verifications, as POSITION:HASH (repeatable): "
        "the chain must still hold each, with the same hash.",
        json_schema_extra={"items": {"type": "string", "pattern": ANCHOR_PATTERN}},
    ),
]


@router.get(
    "/verify", response_model=VerifyBody, responses=ADMIN_RESPONSES, summary="Recompute the event log's hash chain"
)
def verify(store: StoreDep, anchor: Anchors = None) -> VerifyBody:
    """Walks the whole log; `ok` is false, naming the first bad position, if a stored
    event was altered, deleted or reordered after it was written, or if the chain no
    longer holds an anchor given."""
    try:
        anchors = dict(parse_anchor(text) for text in anchor or ())
    except BadAnchor as e:
        raise InvalidInput("invalid_anchor", str(e), "anchor") from None
    report = verify_chain(store, anchors=anchors)
    return VerifyBody(
        ok=report.ok,
        checked=report.checked,
        first_bad_position=report.first_bad_position,
        reason=report.reason,
        head_hash=report.head_hash,
        anchor=report.anchor,
    )
