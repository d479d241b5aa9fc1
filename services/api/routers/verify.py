"""Checking the event log's hash chain (tamper evidence) over HTTP."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from services.api.deps import StoreDep
from services.chain import verify as verify_chain

router = APIRouter(prefix="/v1/admin", tags=["admin"])


class VerifyBody(BaseModel):
    ok: bool = Field(description="True if every stored event matches its link in the hash chain.")
    checked: int = Field(description="Events verified (before the first bad one, if any).")
    first_bad_position: int | None = Field(description="Notification id of the first event that fails, if any.")
    reason: str | None = Field(description="Why that position fails.")
    head_hash: str | None = Field(
        description="Hex hash of the last event: keep it elsewhere to detect a rewritten tail."
    )


@router.get("/verify", response_model=VerifyBody, summary="Recompute the event log's hash chain")
def verify(store: StoreDep) -> VerifyBody:
    """Walks the whole log; `ok` is false, naming the first bad position, if a stored
    event was altered, deleted or reordered after it was written."""
    report = verify_chain(store)
    return VerifyBody(
        ok=report.ok,
        checked=report.checked,
        first_bad_position=report.first_bad_position,
        reason=report.reason,
        head_hash=report.head_hash,
    )
