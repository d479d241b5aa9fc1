"""A redaction takes back the copies of its text a 7-minute briefing drafted from it holds
(domain/redaction.py `briefing_copies`), and nothing that merely shares a short word with it."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

from domain.briefing import BriefingDrafted, BriefingEdited
from domain.events import DomainEvent
from domain.redaction import briefing_copies
from tests.unit.builders import PARTNERSHIP_ID, PRINCIPAL

ACTIVITY = uuid4()
OLD = "Known at nursery as Bumblesnout."
NEW = "Known at nursery by a nickname."


def _event(cls: type[Any], version: int, **parts: Any) -> DomainEvent:
    event: DomainEvent = cls(originator_id=ACTIVITY, originator_version=version, partnership_id=PARTNERSHIP_ID,
                             principal=PRINCIPAL, rationale="Drafted from the review.", **parts)
    return event


def _drafted(found: str) -> DomainEvent:
    return _event(BriefingDrafted, 5, background="An audit.", what_happened="Ten cases were read.",
                  what_we_found=found, what_went_well="Plans were kept.", what_we_learned="About neglect.",
                  what_to_do_now="Read the findings.", questions=("What do you know?", f"Who was {OLD}?"),
                  drafted_on=date(2026, 6, 2))


def test_each_briefing_part_holding_the_text_is_corrected_in_place() -> None:
    events = [
        _drafted(f"Plans drifted. {OLD} Nobody asked."),
        _event(BriefingEdited, 6, changed=("what_we_found",), what_we_found=f"{OLD} Still.",
               edited_on=date(2026, 6, 3)),
    ]
    assert briefing_copies(OLD, NEW, events, (0, "")) == [
        (5, "what_we_found", f"Plans drifted. {NEW} Nobody asked."),
        (5, "questions.1", f"Who was {NEW}?"),
        (6, "what_we_found", f"{NEW} Still."),
    ]
    # The part being redacted itself is not a copy of it.
    assert [(v, f) for v, f, _ in briefing_copies(OLD, NEW, events, (6, "what_we_found"))] == [
        (5, "what_we_found"), (5, "questions.1"),
    ]


def test_a_short_text_or_an_unchanged_one_looks_for_no_copies() -> None:
    events = [_drafted("Jo Smith chaired. Plans were kept.")]
    assert briefing_copies("Jo Smith", "The chair", events, (0, "")) == []
    assert briefing_copies(OLD, f" {OLD} ", [_drafted(OLD)], (0, "")) == []
