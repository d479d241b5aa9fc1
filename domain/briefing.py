"""A 7-minute briefing of an activity's learning: drafted, edited, approved and published.

The field's usual shape: seven short parts a team can read together in seven minutes.
`compose` drafts them from what the activity recorded (its findings, their themes) and the
recommendations made from it; a person edits them; someone with the authority approves the
text; publishing it is learning, routed and acknowledged like the activity's other learning
(its agencies acknowledge it with `acknowledge_learning`, saying how they cascaded it).

Approval is of a text: editing an approved briefing takes it back to a draft. A published
briefing is not edited (it has gone out); what changes after is new learning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from domain.activity import LEARNING_READY, Activity, FindingCategory, _ActivityEvent
from domain.aggregate import Change, Context, change
from domain.briefing_state import PARTS, Briefing, BriefingStatus
from domain.dates import not_before
from domain.errors import DomainError, InvalidInput, RuleViolation
from domain.framework import DEFAULT_SOURCES, Theme
from domain.routing import LearningKind
from domain.values import FreeText

MAX_CHARACTERS = 6_000
"""All seven parts together: about two A4 pages at the briefing's type size."""
MAX_QUESTIONS = 6


class BriefingDrafted(_ActivityEvent):
    TOPIC = "lif.activity.briefing_drafted"
    SUMMARY = "7-minute briefing drafted on {drafted_on}"
    background: FreeText
    what_happened: FreeText
    what_we_found: FreeText
    what_went_well: FreeText
    what_we_learned: FreeText
    what_to_do_now: FreeText
    questions: tuple[FreeText, ...]
    drafted_on: date

    def updates(self, state: Activity) -> dict[str, object]:
        parts = {name: getattr(self, name) for name, _ in PARTS}
        briefing = Briefing(
            status=BriefingStatus.DRAFTED, questions=self.questions, drafted_on=self.drafted_on, **parts
        )
        return {"briefing": briefing}


class BriefingEdited(_ActivityEvent):
    """Only the parts that changed; the others stay as they were."""

    TOPIC = "lif.activity.briefing_edited"
    SUMMARY = "7-minute briefing edited on {edited_on}: {changed}"
    changed: tuple[str, ...]
    background: FreeText | None = None
    what_happened: FreeText | None = None
    what_we_found: FreeText | None = None
    what_went_well: FreeText | None = None
    what_we_learned: FreeText | None = None
    what_to_do_now: FreeText | None = None
    questions: tuple[FreeText, ...] | None = None
    edited_on: date

    def updates(self, state: Activity) -> dict[str, object]:
        assert state.briefing is not None
        new = {name: getattr(self, name) for name in self.changed}
        briefing = state.briefing.model_copy(update={
            **new, "edited_on": self.edited_on, "status": BriefingStatus.DRAFTED,
            "approved_by": None, "approved_on": None,
        })
        return {"briefing": briefing}


class BriefingApproved(_ActivityEvent):
    TOPIC = "lif.activity.briefing_approved"
    SUMMARY = "7-minute briefing approved by {approved_by} on {approved_on}"
    approved_by: FreeText
    approved_on: date

    def updates(self, state: Activity) -> dict[str, object]:
        assert state.briefing is not None
        return {"briefing": state.briefing.model_copy(update={
            "status": BriefingStatus.APPROVED, "approved_by": self.approved_by, "approved_on": self.approved_on,
        })}


class BriefingPublished(_ActivityEvent):
    TOPIC = "lif.activity.briefing_published"
    SUMMARY = "7-minute briefing published on {published_on}"
    LEARNING = LearningKind.BRIEFING_PUBLISHED
    published_on: date

    def updates(self, state: Activity) -> dict[str, object]:
        assert state.briefing is not None
        return {"briefing": state.briefing.model_copy(update={
            "status": BriefingStatus.PUBLISHED, "published_on": self.published_on,
        })}


# --- the rules ----------------------------------------------------------------------


def _briefing(a: Activity) -> Briefing:
    if a.briefing is None:
        raise DomainError("no_briefing", "This activity has no 7-minute briefing yet; draft one first.", "briefing")
    return a.briefing


def _check_text(parts: Mapping[str, str], questions: Sequence[str]) -> None:
    for name, text in parts.items():
        if not text.strip():
            raise InvalidInput("part_required", f"Write the part {name!r}; it may not be blank.", name)
    if not questions or not all(q.strip() for q in questions):
        raise InvalidInput("questions_required", "Give at least one question for reflection.", "questions")
    if len(questions) > MAX_QUESTIONS:
        raise InvalidInput(
            "too_many_questions", f"A briefing asks at most {MAX_QUESTIONS} questions for reflection.", "questions"
        )
    total = sum(len(t) for t in parts.values()) + sum(len(q) for q in questions)
    if total > MAX_CHARACTERS:
        # A rule of the product over every part together (an edit's, with the parts kept): 409.
        raise RuleViolation(
            "briefing_too_long",
            f"The briefing runs to {total} characters; a 7-minute briefing fits two pages "
            f"({MAX_CHARACTERS} characters): shorten it.",
            "what_we_found",
        )


def draft_briefing(
    a: Activity, ctx: Context, *, background: str, what_happened: str, what_we_found: str, what_went_well: str,
    what_we_learned: str, what_to_do_now: str, questions: tuple[str, ...], drafted_on: date,
) -> Change[Activity]:
    if a.briefing is not None:
        raise DomainError(
            "briefing_exists", f"This activity's briefing was drafted on {a.briefing.drafted_on.isoformat()}; "
            "edit it instead.", "briefing",
        )
    if not a.current_findings:
        raise RuleViolation("no_findings", "Record the activity's findings before drafting its briefing.", "findings")
    not_before("drafted_on", drafted_on, a.opened_on, "the activity's opened_on")
    parts = {
        "background": background, "what_happened": what_happened, "what_we_found": what_we_found,
        "what_went_well": what_went_well, "what_we_learned": what_we_learned, "what_to_do_now": what_to_do_now,
    }
    _check_text(parts, questions)
    return change(a).trigger(BriefingDrafted, ctx, **parts, questions=questions, drafted_on=drafted_on)


def edit_briefing(
    a: Activity, ctx: Context, *, edited_on: date, background: str | None = None, what_happened: str | None = None,
    what_we_found: str | None = None, what_went_well: str | None = None, what_we_learned: str | None = None,
    what_to_do_now: str | None = None, questions: tuple[str, ...] | None = None,
) -> Change[Activity]:
    b = _briefing(a)
    if b.status is BriefingStatus.PUBLISHED:
        raise DomainError(
            "briefing_published", f"The briefing was published on {b.published_on}; it is not edited after.",
            "briefing",
        )
    given = {
        "background": background, "what_happened": what_happened, "what_we_found": what_we_found,
        "what_went_well": what_went_well, "what_we_learned": what_we_learned, "what_to_do_now": what_to_do_now,
    }
    if all(v is None for v in given.values()) and questions is None:
        raise InvalidInput("part_required", "Give at least one part to change.", "background")
    changed = {k: v for k, v in given.items() if v is not None and v != getattr(b, k)}
    new_questions = questions if questions is not None and questions != b.questions else None
    if not changed and new_questions is None:
        # What the briefing says already: a conflict with its state, not bad input.
        raise DomainError("nothing_changed", "The edit changes no part of the briefing.", "background")
    not_before("edited_on", edited_on, b.last_changed_on, "the briefing's last change")
    merged = {name: changed.get(name, getattr(b, name)) for name, _ in PARTS}
    _check_text(merged, new_questions if new_questions is not None else b.questions)
    names = (*changed, *(("questions",) if new_questions is not None else ()))
    return change(a).trigger(
        BriefingEdited, ctx, changed=names, **changed,
        **({"questions": new_questions} if new_questions is not None else {}), edited_on=edited_on,
    )


def approve_briefing(a: Activity, ctx: Context, *, approved_by: str, approved_on: date) -> Change[Activity]:
    b = _briefing(a)
    if b.status is not BriefingStatus.DRAFTED:
        raise DomainError(
            f"briefing_{b.status.value}", f"The briefing is {b.status.value} already; edit it to approve it again.",
            "briefing",
        )
    not_before("approved_on", approved_on, b.last_changed_on, "the briefing's last change")
    return change(a).trigger(BriefingApproved, ctx, approved_by=approved_by, approved_on=approved_on)


def publish_briefing(a: Activity, ctx: Context, *, published_on: date) -> Change[Activity]:
    b = _briefing(a)
    if b.status is not BriefingStatus.APPROVED:
        code = "briefing_published" if b.status is BriefingStatus.PUBLISHED else "briefing_not_approved"
        raise DomainError(code, f"Only an approved briefing is published; this one is {b.status.value}.", "briefing")
    if a.status not in LEARNING_READY:
        raise RuleViolation(
            "activity_not_signed_off",
            "A briefing disseminates signed-off learning: the activity must be signed off first.", "status",
        )
    not_before("published_on", published_on, b.approved_on, "the briefing's approved_on")
    not_before("published_on", published_on, a.signed_off_on, "the activity's signed_off_on")
    return change(a).trigger(BriefingPublished, ctx, published_on=published_on)


# --- the first draft ------------------------------------------------------------------

_QUESTIONS: dict[Theme, str] = {
    Theme.PROFESSIONAL_CURIOSITY: "When did you last ask a second question about what a family told you?",
    Theme.INFORMATION_SHARING: "Who else knows this child, and have you told them what you know?",
    Theme.VOICE_OF_THE_CHILD: "How do you know what daily life is like for the child, in their own words?",
    Theme.ESCALATION_AND_CHALLENGE: "Do you know how to escalate when you disagree with another agency's decision?",
    Theme.MALE_CARERS: "Who are the men in the child's life, and what do you know about them?",
    Theme.NEGLECT: "Would you recognise cumulative neglect in a family you see often?",
    Theme.DOMESTIC_ABUSE: "How do you ask about domestic abuse safely, and what do you do with the answer?",
    Theme.SAFER_SLEEPING: "When did you last talk about safer sleeping with a family of a baby?",
    Theme.MULTI_AGENCY_WORKING: "Is it clear who leads, and does everyone at the meeting know it?",
    Theme.RISK_ASSESSMENT: "When did you last revisit a risk assessment because something changed?",
}
_DEFAULT_QUESTIONS = (
    "What would you do differently in the same situation tomorrow?",
    "What will you share with your team from this briefing, and when?",
)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _words(theme: Theme) -> str:
    return theme.value.replace("_", " ")


def compose(a: Activity, recommendations: Sequence[str]) -> dict[str, object]:
    """A first draft of the seven parts from what the activity recorded and the text of the
    recommendations made from it: a starting point for a person to edit, never the last word."""
    findings = a.current_findings
    improve = [f for f in findings if f.category is FindingCategory.AREA_FOR_IMPROVEMENT]
    good = [f for f in findings if f.category is FindingCategory.GOOD_PRACTICE]
    themes = list(dict.fromkeys(t for f in findings for t in f.themes))
    source = DEFAULT_SOURCES[a.kind].title
    opened = f"{a.opened_on.day} {a.opened_on:%B} {a.opened_on.year}"
    background = f"{a.title} is a {source} opened on {opened}. {_sentence(a.scope)}"
    happened = _sentence(a.report_summary) if a.report_summary else _sentence(a.scope)
    found = " ".join(_sentence(f.summary) for f in improve) or "No area for improvement was found."
    went_well = " ".join(_sentence(f.summary) for f in good) or "The review recorded no particular good practice."
    learned = (
        "The learning is about " + ", ".join(_words(t) for t in themes) + "."
        if themes else "The learning is set out in the findings above."
    )
    if a.child_voice:
        learned += f" The child's voice: {_sentence(a.child_voice)}"
    to_do = " ".join(_sentence(r) for r in recommendations) or (
        "Read the findings with your team and check your own practice against them."
    )
    questions = tuple(dict.fromkeys([*(q for t in themes if (q := _QUESTIONS.get(t))), *_DEFAULT_QUESTIONS]))
    return {
        "background": background, "what_happened": happened, "what_we_found": found,
        "what_went_well": went_well, "what_we_learned": learned, "what_to_do_now": to_do,
        "questions": questions[:MAX_QUESTIONS],
    }
