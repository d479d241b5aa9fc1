"""domain/briefing.py: a 7-minute briefing drafted from the activity, edited, approved, published."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain import briefing as b
from domain.activity import Activity
from domain.briefing_state import BriefingStatus
from domain.errors import DomainError, InvalidInput, RuleViolation
from domain.framework import Theme
from domain.routing import LEARNING_TOPICS, LearningKind
from tests.unit import builders as build
from tests.unit.builders import D0, ctx


def drafted(a: Activity, **overrides: Any) -> Activity:
    parts = {**b.compose(a, ["Agencies share referrals within a day."]), **overrides}
    return b.draft_briefing(a, ctx(), drafted_on=D0, **parts).result  # type: ignore[arg-type]


def test_the_first_draft_is_composed_from_findings_themes_and_recommendations() -> None:
    a = build.reported(build.partnership())
    parts = b.compose(a, ["Agencies share referrals within a day"])
    assert "Referrals were not followed up." in str(parts["what_we_found"])
    assert "information sharing" in str(parts["what_we_learned"])
    assert parts["what_to_do_now"] == "Agencies share referrals within a day."
    questions = parts["questions"]
    assert isinstance(questions, tuple) and questions[0].startswith("Who else knows this child")
    assert a.title in str(parts["background"]) and "Thematic Audit" in str(parts["background"])


def test_draft_edit_approve_publish_and_the_events_say_so() -> None:
    p = build.partnership()
    a = drafted(build.signed_off(p))
    assert a.briefing is not None and a.briefing.status is BriefingStatus.DRAFTED
    a = b.approve_briefing(a, ctx(), approved_by="Business manager", approved_on=D0).result
    assert a.briefing is not None and a.briefing.status is BriefingStatus.APPROVED
    # An edit after approval takes the text back to a draft: approval is of a text.
    change = b.edit_briefing(a, ctx(), what_to_do_now="Share referrals the same day.", edited_on=D0)
    [edited] = change.events
    assert isinstance(edited, b.BriefingEdited) and edited.changed == ("what_to_do_now",)
    a = change.result
    assert a.briefing is not None and a.briefing.status is BriefingStatus.DRAFTED
    assert a.briefing.approved_by is None and a.briefing.what_to_do_now == "Share referrals the same day."
    with pytest.raises(DomainError) as refused:
        b.publish_briefing(a, ctx(), published_on=D0)
    assert refused.value.code == "briefing_not_approved"
    a = b.approve_briefing(a, ctx(), approved_by="Business manager", approved_on=D0).result
    change = b.publish_briefing(a, ctx(), published_on=D0 + timedelta(days=1))
    [published] = change.events
    assert published.partnership_id == build.PARTNERSHIP_ID
    assert LEARNING_TOPICS[published.TOPIC] is LearningKind.BRIEFING_PUBLISHED
    a = change.result
    assert a.briefing is not None and a.briefing.published_on == D0 + timedelta(days=1)
    with pytest.raises(DomainError) as refused:
        b.edit_briefing(a, ctx(), background="Later.", edited_on=D0 + timedelta(days=2))
    assert refused.value.code == "briefing_published"


def test_refusals_name_their_field() -> None:
    p = build.partnership()
    opened = build.opened(p)
    with pytest.raises(RuleViolation) as refused:
        drafted(opened)
    assert (refused.value.code, refused.value.field) == ("no_findings", "findings")
    reported = build.reported(p)
    with pytest.raises(InvalidInput) as invalid:
        drafted(reported, what_happened="  ")
    assert (invalid.value.code, invalid.value.field) == ("part_required", "what_happened")
    with pytest.raises(RuleViolation) as refused:
        drafted(reported, what_we_found="x" * (b.MAX_CHARACTERS + 1))
    assert refused.value.code == "briefing_too_long"
    with pytest.raises(InvalidInput) as invalid:
        drafted(reported, questions=tuple(f"Q{i}?" for i in range(b.MAX_QUESTIONS + 1)))
    assert (invalid.value.code, invalid.value.field) == ("too_many_questions", "questions")
    a = drafted(reported)
    with pytest.raises(DomainError) as conflict:
        drafted(a)
    assert conflict.value.code == "briefing_exists"
    with pytest.raises(InvalidInput) as invalid:
        b.edit_briefing(a, ctx(), edited_on=D0)
    assert (invalid.value.code, invalid.value.field) == ("part_required", "background")
    with pytest.raises(DomainError) as conflict:  # what it says already: a conflict with its state
        b.edit_briefing(a, ctx(), edited_on=D0, background=a.briefing.background if a.briefing else "")
    assert (conflict.value.code, conflict.value.status) == ("nothing_changed", 409)
    approved = b.approve_briefing(a, ctx(), approved_by="Chair", approved_on=D0).result
    # Learning not yet signed off is not disseminated.
    with pytest.raises(RuleViolation) as refused:
        b.publish_briefing(approved, ctx(), published_on=D0)
    assert refused.value.code == "activity_not_signed_off"
    with pytest.raises(RuleViolation) as refused:
        b.approve_briefing(
            b.edit_briefing(approved, ctx(), background="New.", edited_on=D0).result, ctx(),
            approved_by="Chair", approved_on=D0 - timedelta(days=1),
        )
    assert (refused.value.code, refused.value.field) == ("date_out_of_order", "approved_on")


def test_questions_follow_the_themes_and_stay_few() -> None:
    p = build.partnership()
    a = build.reported(p)
    parts = b.compose(a, [])
    assert parts["what_to_do_now"].startswith("Read the findings")  # type: ignore[union-attr]
    assert len(parts["questions"]) <= b.MAX_QUESTIONS  # type: ignore[arg-type]
    assert Theme.INFORMATION_SHARING in b._QUESTIONS

