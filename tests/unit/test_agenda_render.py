"""Building an agenda from rows, and rendering it as Markdown and HTML (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

from domain.framework import ARLF, BOARD, CDOP, DEFAULT_SOURCES, SourceKind
from projections.agenda.builder import build_agenda, default_meeting
from projections.agenda.models import (
    ActionRow,
    ActivityRow,
    Agenda,
    AgendaFacts,
    FindingRow,
    RecommendationRow,
    Routing,
)
from projections.agenda.render import SECTIONS, md, render_html, render_markdown
from projections.clocks_view import ClockDates

MEETING = date(2025, 6, 4)
THEMATIC = SourceKind.THEMATIC_AUDIT
GENERATED = datetime(2025, 6, 1, 9, 30, tzinfo=UTC)


def activity(kind: str = "thematic_audit", title: str = "Neglect audit", **extra: object) -> ActivityRow:
    activity_id = uuid4()
    clock_fields = {
        k: v for k, v in extra.items() if k in ClockDates.model_fields and k != "status"
    }
    return ActivityRow(
        activity_id=activity_id, kind=kind, title=title, status=str(extra.get("status", "in_progress")),
        **{k: v for k, v in extra.items() if k in ActivityRow.model_fields and k != "status"},
        clock=ClockDates(activity_id=activity_id, kind=kind, title=title, status="x", **clock_fields),
    )


def finding(a: ActivityRow, summary: str = "Chronologies rarely used",
            themes: tuple[str, ...] = ("neglect",), on: date = date(2025, 3, 1)) -> FindingRow:
    return FindingRow(finding_id=uuid4(), activity_id=a.activity_id, category="area_for_improvement",
                      summary=summary, themes=themes, recorded_on=on)


def action(a: ActivityRow, description: str, due_on: date, **extra: object) -> ActionRow:
    return ActionRow(action_id=uuid4(), activity_id=a.activity_id, recommendation_id=uuid4(),
                     owner_agency_id="merseyside-police", description=description, due_on=due_on,
                     status=str(extra.pop("status", "open")), **extra)  # type: ignore[arg-type]


# What registration with the framework's defaults records (a RoutingSet per kind).
FRAMEWORK_ROUTING = {
    kind.value: Routing(points_of_dissemination=d.points_of_dissemination, sign_off_forum=d.sign_off_forum)
    for kind, d in DEFAULT_SOURCES.items()
}


def facts(forum_id: str = ARLF, **extra: object) -> AgendaFacts:
    extra.setdefault("routing", FRAMEWORK_ROUTING)
    return AgendaFacts(
        partnership_id="st-helens", partnership_name="St Helens Safeguarding Children Partnership",
        forum_id=forum_id, forum_name={ARLF: "Audit, Review and Learning Forum",
                                       BOARD: "Safeguarding Partnership Board"}.get(forum_id, forum_id),
        meetings=(date(2025, 3, 5), MEETING, date(2025, 9, 3)),
        agencies={"merseyside-police": "Merseyside Police"},
        **extra,  # type: ignore[arg-type]
    )


def agenda_of(f: AgendaFacts, meeting_on: date = MEETING) -> Agenda:
    return build_agenda(f, meeting_on, GENERATED, 42)


# --- building ------------------------------------------------------------------------


def test_default_meeting_is_the_next_on_or_after_today() -> None:
    meetings = (date(2025, 3, 5), MEETING, date(2025, 9, 3))
    assert default_meeting(meetings, date(2025, 6, 4)) == MEETING
    assert default_meeting(meetings, date(2025, 6, 5)) == date(2025, 9, 3)
    assert default_meeting(meetings, date(2025, 9, 4)) is None


def test_action_at_risk_boundary_is_fourteen_days_and_off_track_counts_too() -> None:
    a = activity()
    f = facts(activities=[a], actions=[
        action(a, "due in 14 days", date(2025, 6, 18)),
        action(a, "due in 15 days", date(2025, 6, 19)),
        action(a, "off track", date(2025, 12, 1), on_track=False),
        action(a, "due today", MEETING),
        action(a, "a day late", date(2025, 6, 3)),
        action(a, "completed", date(2025, 5, 1), status="completed", completed_on=date(2025, 4, 1)),
        action(a, "assured", date(2025, 5, 1), status="assured"),
    ])
    agenda = agenda_of(f)
    assert [(x.description, x.days_overdue) for x in agenda.actions_overdue] == [("a day late", 1)]
    assert [(x.description, x.at_risk) for x in agenda.actions_at_risk] == [
        ("due today", ["due_soon"]), ("due in 14 days", ["due_soon"]), ("off track", ["off_track"]),
    ]
    assert [x.description for x in agenda.awaiting_assurance] == ["completed"]


def test_routing_defaults_apply_until_a_routing_set_and_follow_it_after() -> None:
    cdr = activity("child_death_review", "Child death review")
    audit = activity("thematic_audit", "Audit")
    recs = [
        RecommendationRow(recommendation_id=uuid4(), activity_id=x.activity_id, text=x.title,
                          addressed_to=("merseyside-police",), finding_ids=(), made_on=MEETING,
                          status="awaiting_decision")
        for x in (cdr, audit)
    ]
    plain = facts(activities=[cdr, audit], recommendations=recs)
    assert [r.text for r in agenda_of(plain).awaiting_decision] == ["Audit"]
    rerouted = facts(activities=[cdr, audit], recommendations=recs, routing={
        "child_death_review": Routing(points_of_dissemination=(CDOP, ARLF), sign_off_forum=CDOP),
        "thematic_audit": Routing(points_of_dissemination=(BOARD,), sign_off_forum=BOARD),
    })
    assert [r.text for r in agenda_of(rerouted).awaiting_decision] == ["Child death review"]


def test_a_kind_the_partnership_has_not_routed_is_on_no_agenda() -> None:
    reported = activity(title="reported", status="reported", reported_on=date(2025, 5, 1))
    unrouted = facts(activities=[reported], routing={})
    assert agenda_of(unrouted).awaiting_sign_off == []
    assert [s.title for s in agenda_of(facts(activities=[reported])).awaiting_sign_off] == ["reported"]


def test_sign_off_and_learning_entries_say_what_the_kind_yields_and_for_whom() -> None:
    reported = activity(title="reported", status="reported", reported_on=date(2025, 5, 1))
    agenda = agenda_of(facts(activities=[reported]))
    [entry] = agenda.awaiting_sign_off
    assert entry.kinds_of_learning == list(DEFAULT_SOURCES[THEMATIC].kinds_of_learning)
    assert entry.key_stakeholders == list(DEFAULT_SOURCES[THEMATIC].key_stakeholders)
    assert "  - Learning: Multi agency and single agency lessons; Changes to governance; Themes and trends" \
        " — stakeholders: Safeguarding Partnership Board, Partner Agencies, Children and Families" \
        in render_markdown(agenda)


def test_deferred_recommendations_come_first_with_their_findings() -> None:
    a = activity()
    f1, f2 = finding(a, "first"), finding(a, "second")
    recs = [
        RecommendationRow(recommendation_id=UUID(int=1), activity_id=a.activity_id, text="new",
                          addressed_to=("partnership",), finding_ids=(f1.finding_id,),
                          made_on=date(2025, 5, 1), status="awaiting_decision"),
        RecommendationRow(recommendation_id=UUID(int=2), activity_id=a.activity_id, text="old",
                          addressed_to=("merseyside-police",), finding_ids=(f2.finding_id,),
                          made_on=date(2025, 5, 2), status="awaiting_decision", deferrals=2,
                          last_deferred_on=date(2025, 3, 5)),
    ]
    first, second = agenda_of(facts(activities=[a], findings=[f1, f2], recommendations=recs)).awaiting_decision
    assert (first.text, first.deferrals, [f.summary for f in first.findings]) == ("old", 2, ["second"])
    assert (second.text, second.addressed_to) == ("new", ["the partnership"])


def test_learning_window_runs_from_previous_meeting_to_this_one() -> None:
    before = activity(title="before", signed_off_on=date(2025, 3, 4), status="signed_off")
    at_previous = activity(title="at previous", signed_off_on=date(2025, 3, 5), status="signed_off")
    published = activity(title="published", signed_off_on=date(2025, 1, 1),
                         published_on=date(2025, 5, 1), status="published")
    on_the_day = activity(title="on the day", signed_off_on=MEETING, status="signed_off")
    agenda = agenda_of(facts(activities=[before, at_previous, published, on_the_day]))
    assert [x.title for x in agenda.learning_to_disseminate] == ["published", "at previous"]


def test_deadlines_horizon_is_the_next_meeting() -> None:
    due_soon = activity("rapid_review", "soon", aware_on=date(2025, 6, 2))
    due_late = activity("rapid_review", "far", aware_on=date(2025, 8, 28))
    agenda = agenda_of(facts(activities=[due_soon, due_late]))
    # Aware 28 Aug: notification due 4 Sep, after the 3 Sep meeting; so only "soon" shows.
    assert {d.activity_title for d in agenda.deadlines_due} == {"soon"}
    assert agenda.deadlines_breached == []


# --- rendering -------------------------------------------------------------------


def test_empty_sections_collapse_to_one_line() -> None:
    agenda = agenda_of(facts())
    text = render_markdown(agenda)
    assert [line for line in text.splitlines() if line.startswith("## ")] == []
    assert text.count("Nothing this time") == 1
    assert "Nothing this time: " + "; ".join(title for _, title in SECTIONS) + "." in text
    assert text.startswith("# Audit, Review and Learning Forum — agenda for 4 June 2025\n")
    assert "position" not in text


def test_only_sections_with_something_in_them_have_a_heading() -> None:
    a = activity(title="Neglect audit")
    text = render_markdown(agenda_of(facts(activities=[a], findings=[finding(a)],
                                           actions=[action(a, "Train staff", date(2025, 5, 20))])))
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == ["## 1. Actions overdue or at risk", "## 2. Themes in the last 12 months"]
    assert "owner Merseyside Police" in text and "merseyside-police" not in text
    assert text.count("Nothing this time") == 1


def test_markdown_escapes_user_text() -> None:
    assert md("**bold** _x_ [link](y) <b> | # \\") == (
        "\\*\\*bold\\*\\* \\_x\\_ \\[link\\](y) \\<b\\> \\| \\# \\\\"
    )
    assert md("two\nlines") == "two lines"


def test_html_escapes_user_text_and_keeps_bold_structure() -> None:
    a = activity(title="<script>alert(1)</script> **not bold** \\")
    rec = RecommendationRow(recommendation_id=uuid4(), activity_id=a.activity_id,
                            text="Use <b>chronologies</b>**", addressed_to=("partnership",),
                            finding_ids=(), made_on=MEETING, status="awaiting_decision")
    page = render_html(agenda_of(facts(activities=[a], recommendations=[rec])))
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; **not bold** \\" in page
    assert "<strong>Use &lt;b&gt;chronologies&lt;/b&gt;**</strong>" in page


def test_html_page_is_printable_with_header_and_empty_sections_on_one_line() -> None:
    page = render_html(agenda_of(facts()))
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>Audit, Review and Learning Forum — agenda for 4 June 2025</title>" in page
    assert "St Helens Safeguarding Children Partnership" in page
    assert "2025-06-01 09:30 UTC" in page and "position" not in page
    # No section starts a page of its own: seven near-empty pages were what a secretary printed.
    assert "@media print" in page and "page-break-before" not in page
    assert page.count("<section") == 0 and page.count("Nothing this time") == 1
    for _, title in SECTIONS:
        assert title in page


def test_unscheduled_meeting_is_flagged() -> None:
    agenda = agenda_of(facts(), meeting_on=date(2025, 7, 1))
    assert agenda.meeting_scheduled is False
    assert "(no meeting is scheduled on this date)" in render_markdown(agenda)
