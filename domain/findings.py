"""Corrections to a recorded finding: each one an event of its own.

A finding is never overwritten. An amendment records the new version (the
history keeps the old one); a withdrawal keeps the finding on record but takes
it out of everything that counts findings. Both need a rationale.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain.activity import (
    Activity,
    ActivityStatus,
    Finding,
    FindingCategory,
    _ActivityEvent,
    _check_agencies,
    _require_status,
)
from domain.aggregate import Change, Context, change
from domain.dates import not_before
from domain.errors import InvalidInput, RuleViolation
from domain.framework import Theme
from domain.partnership import Partnership
from domain.values import FreeText

_CORRECTABLE = {ActivityStatus.OPENED, ActivityStatus.IN_PROGRESS, ActivityStatus.REPORTED}


class FindingAmended(_ActivityEvent):
    TOPIC = "lif.activity.finding_amended"
    SUMMARY = "Finding {finding_id} amended on {amended_on} ({category}): {summary} [{themes}]"
    finding_id: UUID
    category: FindingCategory
    summary: FreeText
    themes: tuple[Theme, ...]
    agencies_concerned: tuple[str, ...]
    amended_on: date

    def updates(self, state: Activity) -> dict[str, object]:
        previous = state.findings[self.finding_id]
        amended = previous.model_copy(update={
            "category": self.category, "summary": self.summary, "themes": self.themes,
            "agencies_concerned": self.agencies_concerned, "amended_on": self.amended_on,
        })
        return {"findings": {**state.findings, self.finding_id: amended}}


class FindingWithdrawn(_ActivityEvent):
    TOPIC = "lif.activity.finding_withdrawn"
    SUMMARY = "Finding {finding_id} withdrawn on {withdrawn_on}"
    finding_id: UUID
    withdrawn_on: date

    def updates(self, state: Activity) -> dict[str, object]:
        withdrawn = state.findings[self.finding_id].model_copy(update={"withdrawn_on": self.withdrawn_on})
        return {"findings": {**state.findings, self.finding_id: withdrawn}}


def _correctable(a: Activity, ctx: Context, finding_id: UUID, doing: str, done: str) -> Finding:
    _require_status(a, _CORRECTABLE, f"{doing} a finding of")
    finding = a.finding(finding_id)
    if finding.withdrawn_on is not None:
        raise RuleViolation(
            "finding_withdrawn",
            f"Finding {finding_id} was withdrawn on {finding.withdrawn_on.isoformat()}; it cannot be {done}.",
            "finding_id",
        )
    if not (ctx.rationale or "").strip():
        raise InvalidInput(
            "rationale_required", f"Say why the finding is {done} (rationale).", "rationale"
        )
    return finding


def amend_finding(
    a: Activity,
    p: Partnership,
    ctx: Context,
    *,
    finding_id: UUID,
    category: FindingCategory,
    summary: str,
    themes: tuple[Theme, ...],
    agencies_concerned: tuple[str, ...],
    amended_on: date,
) -> Change[Activity]:
    finding = _correctable(a, ctx, finding_id, "amend", "amended")
    if not themes:
        raise InvalidInput("theme_required", "A finding names at least one theme.", "themes")
    _check_agencies(p, agencies_concerned, "agencies_concerned")
    not_before("amended_on", amended_on, finding.amended_on or finding.recorded_on,
               "the finding's " + ("amended_on" if finding.amended_on else "recorded_on"))
    return change(a).trigger(
        FindingAmended, ctx, finding_id=finding_id, category=category, summary=summary,
        themes=themes, agencies_concerned=agencies_concerned, amended_on=amended_on,
    )


def withdraw_finding(
    a: Activity, ctx: Context, *, finding_id: UUID, withdrawn_on: date
) -> Change[Activity]:
    finding = _correctable(a, ctx, finding_id, "withdraw", "withdrawn")
    not_before("withdrawn_on", withdrawn_on, finding.amended_on or finding.recorded_on,
               "the finding's " + ("amended_on" if finding.amended_on else "recorded_on"))
    return change(a).trigger(FindingWithdrawn, ctx, finding_id=finding_id, withdrawn_on=withdrawn_on)
