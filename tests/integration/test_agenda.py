"""The forum agenda, projected from events driven through the real service.

One scenario (below) gives each forum something to see; the tests check that
routing puts each item on the right forum's agenda and nowhere else.
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from adapters.settings import Settings
from adapters.sql import ViewDb
from adapters.store import EventStore
from domain import commands as cmd
from domain.action import Evidence
from domain.framework import ARLF, BOARD, CDOP, DEFAULT_SOURCES, SourceKind
from projections.agenda.models import Agenda
from projections.agenda.render import render_markdown
from tests.integration.view_scenario import COUNCIL, NAME, PID, Scenario

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

D = date
ARLF_MEETINGS = (D(2025, 3, 5), D(2025, 6, 4), D(2025, 9, 3))
CDOP_MEETINGS = (D(2025, 6, 10), D(2025, 12, 9))
BOARD_MEETINGS = (D(2025, 6, 12), D(2025, 9, 18))


def build(s: Scenario) -> dict[str, UUID]:
    """A partnership with one of everything an agenda shows. Dates are 2025."""
    s.register()
    s.meet(ARLF, *ARLF_MEETINGS)
    s.meet(CDOP, *CDOP_MEETINGS)
    s.meet(BOARD, *BOARD_MEETINGS)
    ids: dict[str, UUID] = {}

    # A thematic audit (routed to the ARLF only) with recommendations and actions.
    audit = ids["audit"] = s.open("thematic_audit", "Neglect thematic audit", D(2025, 2, 3))
    s.start(audit)
    f1 = s.finding(audit, "Chronologies rarely used", ("neglect", "information_sharing"),
                   D(2025, 2, 20))
    f2 = s.finding(audit, "Escalation route unclear", ("escalation_and_challenge",), D(2025, 2, 21))
    ids["rec_new"] = s.recommend(audit, (f1,), "Use multi-agency chronologies", D(2025, 5, 20))
    ids["rec_deferred"] = s.recommend(audit, (f2,), "Publish an escalation protocol",
                                      D(2025, 2, 28), addressed_to=("partnership",))
    s.decide("recommendation", ids["rec_deferred"], ARLF, D(2025, 3, 5), outcome="defer")
    rejected = s.recommend(audit, (f2,), "Create a new panel", D(2025, 2, 28))
    s.decide("recommendation", rejected, ARLF, D(2025, 3, 5), outcome="reject")
    accepted = s.recommend(audit, (f1,), "Train staff on the neglect toolkit", D(2025, 2, 28))
    s.decide("recommendation", accepted, ARLF, D(2025, 3, 5))
    s.action(accepted, "Deliver neglect toolkit training", D(2025, 5, 20))
    s.action(accepted, "Audit toolkit use", D(2025, 6, 12), owner=COUNCIL)
    off = s.action(accepted, "Refresh the neglect strategy", D(2025, 9, 1), owner=COUNCIL)
    s.run(cmd.NoteProgress(noted_on=D(2025, 5, 15), note="Strategy lead on leave",
                           on_track=False), off)
    s.action(accepted, "Update the website", D(2025, 10, 1))
    done = s.action(accepted, "Circulate a 7-minute briefing", D(2025, 4, 30))
    evidence = (Evidence(description="Briefing sent to all partners"),)
    s.run(cmd.CompleteAction(completed_on=D(2025, 4, 25), evidence=evidence), done)
    assured = s.action(accepted, "Add neglect to induction", D(2025, 4, 30))
    s.run(cmd.CompleteAction(completed_on=D(2025, 4, 20), evidence=evidence), assured)
    s.run(cmd.AssureAction(assured_on=D(2025, 5, 1), impact_statement="Seen in audits"), assured)

    # Signed off by the ARLF at its March meeting: learning for its June meeting.
    signed = ids["signed"] = s.open("thematic_audit", "Domestic abuse audit", D(2025, 1, 6))
    s.start(signed)
    s.finding(signed, "Strong MARAC attendance", ("domestic_abuse",), D(2025, 1, 20),
              category="good_practice")
    s.report(signed, D(2025, 2, 10))
    s.decide("activity_sign_off", signed, ARLF, D(2025, 3, 5))

    # Reported, awaiting the ARLF's sign-off.
    reported = ids["reported"] = s.open("thematic_audit", "Voice of the child audit",
                                        D(2025, 3, 10))
    s.start(reported)
    s.finding(reported, "Child's words seldom recorded", ("voice_of_the_child",), D(2025, 4, 1))
    s.report(reported, D(2025, 5, 1), summary="Voice is recorded in a third of cases")

    # A learning review: routed to the Board, ARLF and SCPF; the Board signs it off.
    maplr = ids["maplr"] = s.open(
        "multi_agency_practice_learning_review", "Child R learning review", D(2025, 3, 3),
        rationale="Proportionate: good outcome with multi-agency lessons.",
    )
    s.run(cmd.AppointLeadReviewer(reviewer_name="A. Reviewer"), maplr)
    s.start(maplr)
    s.finding(maplr, "Curiosity about male carers lacking", ("professional_curiosity",),
              D(2025, 4, 15))
    s.run(cmd.RecordPractitionerInvolvement(summary="Practitioner learning event"), maplr)
    s.run(cmd.OfferFamilyInvolvement(offered_on=D(2025, 4, 1), response="accepted",
                                     summary="Mother met the reviewer"), maplr)
    s.run(cmd.RecordChildVoice(summary="R's views from school"), maplr)
    s.report(maplr, D(2025, 5, 10))

    # A child death review: CDOP only.
    cdr = ids["cdr"] = s.open("child_death_review", "Child death review 2025/07", D(2025, 3, 1))
    s.start(cdr)
    f_cdr = s.finding(cdr, "Unsafe sleeping arrangements", ("safer_sleeping",), D(2025, 4, 2))
    ids["rec_cdr"] = s.recommend(cdr, (f_cdr,), "Run a safer sleep campaign", D(2025, 4, 10))

    # Rapid reviews (Board and ARLF): one long past its clocks, one just started.
    ids["rr_late"] = s.open("rapid_review", "Rapid review: Child S", D(2025, 5, 1),
                            aware_on=D(2025, 5, 1))
    ids["rr_soon"] = s.open("rapid_review", "Rapid review: Child T", D(2025, 5, 30),
                            aware_on=D(2025, 5, 30))
    return ids


@pytest.fixture
def scenario(tmp_path: Path) -> Iterator[tuple[Scenario, dict[str, UUID]]]:
    store = EventStore.from_settings(
        Settings(persistence="sqlite", sqlite_path=str(tmp_path / "events.sqlite"))
    )
    s = Scenario(store, ViewDb("sqlite", str(tmp_path / "views.sqlite")))
    ids = build(s)
    yield s, ids
    s.close()
    store.close()


def texts(agenda: Agenda) -> list[str]:
    return [r.text for r in agenda.awaiting_decision]


def test_recommendations_reach_only_the_forums_their_kind_routes_to(
    scenario: tuple[Scenario, dict[str, UUID]],
) -> None:
    s, _ = scenario
    arlf = s.agenda(ARLF, D(2025, 6, 4))
    cdop = s.agenda(CDOP, D(2025, 6, 10))
    assert texts(arlf) == ["Publish an escalation protocol", "Use multi-agency chronologies"]
    assert texts(cdop) == ["Run a safer sleep campaign"]
    # Decided recommendations (accepted, rejected) are off every agenda.
    assert "Create a new panel" not in texts(arlf)
    assert "Train staff on the neglect toolkit" not in texts(arlf)


def test_deferred_recommendation_shows_how_often_and_its_findings(
    scenario: tuple[Scenario, dict[str, UUID]],
) -> None:
    s, ids = scenario
    first, second = s.agenda(ARLF, D(2025, 6, 4)).awaiting_decision
    assert first.recommendation_id == ids["rec_deferred"]
    assert (first.deferred, first.deferrals, first.last_deferred_on) == (True, 1, D(2025, 3, 5))
    assert first.addressed_to == ["the partnership"]
    assert [f.summary for f in first.findings] == ["Escalation route unclear"]
    assert (second.deferred, second.deferrals) == (False, 0)
    assert second.findings[0].themes == ["neglect", "information_sharing"]
    assert second.addressed_to == ["Merseyside Police"]


def test_sign_off_appears_only_on_the_sign_off_forums_agenda(
    scenario: tuple[Scenario, dict[str, UUID]],
) -> None:
    s, ids = scenario
    arlf = s.agenda(ARLF, D(2025, 6, 4))
    board = s.agenda(BOARD, D(2025, 6, 12))
    assert [a.activity_id for a in arlf.awaiting_sign_off] == [ids["reported"]]
    assert arlf.awaiting_sign_off[0].report_summary == "Voice is recorded in a third of cases"
    # The learning review is routed to the ARLF too, but only the Board signs it off.
    assert [a.activity_id for a in board.awaiting_sign_off] == [ids["maplr"]]
    assert s.agenda(CDOP, D(2025, 6, 10)).awaiting_sign_off == []


def test_routing_changes_move_items_between_agendas(
    scenario: tuple[Scenario, dict[str, UUID]],
) -> None:
    s, ids = scenario
    s.run(cmd.SetRouting(source_kind="thematic_audit", points_of_dissemination=(ARLF, BOARD),
                         sign_off_forum=BOARD))
    board = s.agenda(BOARD, D(2025, 6, 12))
    assert "Use multi-agency chronologies" in texts(board)
    assert {a.activity_id for a in board.awaiting_sign_off} == {ids["maplr"], ids["reported"]}
    assert s.agenda(ARLF, D(2025, 6, 4)).awaiting_sign_off == []


def test_overdue_and_at_risk_actions(scenario: tuple[Scenario, dict[str, UUID]]) -> None:
    s, _ = scenario
    arlf = s.agenda(ARLF, D(2025, 6, 4))
    [overdue] = arlf.actions_overdue
    assert (overdue.description, overdue.owner, overdue.due_on, overdue.days_overdue) == (
        "Deliver neglect toolkit training", "Merseyside Police", D(2025, 5, 20), 15,
    )
    assert [(a.description, a.at_risk) for a in arlf.actions_at_risk] == [
        ("Audit toolkit use", ["due_soon"]),
        ("Refresh the neglect strategy", ["off_track"]),
    ]
    assert arlf.actions_at_risk[1].last_progress_note == "Strategy lead on leave"
    # Same actions at the September meeting: all three now overdue.
    later = s.agenda(ARLF, D(2025, 9, 3))
    assert [(a.description, a.days_overdue) for a in later.actions_overdue] == [
        ("Deliver neglect toolkit training", 106),
        ("Audit toolkit use", 83),
        ("Refresh the neglect strategy", 2),
    ]
    assert [a.description for a in later.actions_at_risk] == []
    assert s.agenda(CDOP, D(2025, 6, 10)).actions_overdue == []


def test_completed_actions_await_assurance_until_assured(
    scenario: tuple[Scenario, dict[str, UUID]],
) -> None:
    s, _ = scenario
    arlf = s.agenda(ARLF, D(2025, 6, 4))
    assert [(a.description, a.completed_on) for a in arlf.awaiting_assurance] == [
        ("Circulate a 7-minute briefing", D(2025, 4, 25)),
    ]


def test_learning_signed_off_since_the_previous_meeting(
    scenario: tuple[Scenario, dict[str, UUID]],
) -> None:
    s, ids = scenario
    june = s.agenda(ARLF, D(2025, 6, 4))
    assert june.learning_since == D(2025, 3, 5)
    [learning] = june.learning_to_disseminate
    assert (learning.activity_id, learning.signed_off_on) == (ids["signed"], D(2025, 3, 5))
    assert [f.summary for f in learning.findings] == ["Strong MARAC attendance"]
    # Already cascaded by September; and the Board never had it (not routed there).
    assert s.agenda(ARLF, D(2025, 9, 3)).learning_to_disseminate == []
    assert s.agenda(BOARD, D(2025, 6, 12)).learning_to_disseminate == []


def test_entries_say_what_learning_their_kind_yields_and_for_whom(
    scenario: tuple[Scenario, dict[str, UUID]],
) -> None:
    s, _ = scenario
    arlf = s.agenda(ARLF, D(2025, 6, 4))
    audit = DEFAULT_SOURCES[SourceKind.THEMATIC_AUDIT]
    [sign_off] = arlf.awaiting_sign_off
    [learning] = arlf.learning_to_disseminate
    for entry in (sign_off, learning):
        assert entry.kinds_of_learning == list(audit.kinds_of_learning)
        assert entry.key_stakeholders == list(audit.key_stakeholders)
    [board_sign_off] = s.agenda(BOARD, D(2025, 6, 12)).awaiting_sign_off
    assert board_sign_off.kinds_of_learning == [
        "Local learning - multi agency & single agency lessons"
    ]
    assert "Learning: Multi agency and single agency lessons; Changes to governance; Themes and trends" \
        " — stakeholders: Safeguarding Partnership Board, Partner Agencies, Children and Families" \
        in render_markdown(arlf)


def test_statutory_deadlines_due_before_next_meeting_and_breaches(
    scenario: tuple[Scenario, dict[str, UUID]],
) -> None:
    s, ids = scenario
    arlf = s.agenda(ARLF, D(2025, 6, 4))
    assert {(d.activity_id, d.clock) for d in arlf.deadlines_breached} == {
        (ids["rr_late"], "serious_incident_notification"), (ids["rr_late"], "rapid_review"),
    }
    # Aware Fri 30 May: notify by Fri 6 June, rapid review by Fri 20 June.
    assert [(d.activity_id, d.clock, d.due_on) for d in arlf.deadlines_due] == [
        (ids["rr_soon"], "serious_incident_notification", D(2025, 6, 6)),
        (ids["rr_soon"], "rapid_review", D(2025, 6, 20)),
    ]
    assert arlf.deadlines_horizon == D(2025, 9, 3)
    # Notifying the Panel meets that clock: it leaves the agenda.
    s.run(cmd.NotifySeriousIncident(notified_on=D(2025, 6, 2)), ids["rr_soon"])
    again = s.agenda(ARLF, D(2025, 6, 4))
    assert [d.clock for d in again.deadlines_due] == ["rapid_review"]
    cdop = s.agenda(CDOP, D(2025, 6, 10))
    assert (cdop.deadlines_due, cdop.deadlines_breached) == ([], [])


def test_themes_summary_counts_routed_findings_of_the_last_twelve_months(
    scenario: tuple[Scenario, dict[str, UUID]],
) -> None:
    s, _ = scenario
    arlf = s.agenda(ARLF, D(2025, 6, 4))
    counts = {t.theme: t.count for t in arlf.themes}
    assert counts == {
        "neglect": 1, "information_sharing": 1, "escalation_and_challenge": 1,
        "domestic_abuse": 1, "voice_of_the_child": 1, "professional_curiosity": 1,
    }
    assert arlf.findings_in_period == 5  # one finding has two themes
    assert {t.theme: t.count for t in s.agenda(CDOP, D(2025, 6, 10)).themes} == {
        "safer_sleeping": 1
    }
    # A year on, only findings recorded after June 2025 would count: none.
    assert s.agenda(ARLF, D(2026, 6, 4)).themes == []


def test_rebuild_reproduces_the_agenda(scenario: tuple[Scenario, dict[str, UUID]]) -> None:
    s, _ = scenario
    before = s.agenda(ARLF, D(2025, 6, 4)).model_dump()
    s.projector.rebuild(["agenda"])
    assert s.agenda(ARLF, D(2025, 6, 4)).model_dump() == before


def test_unknown_forum_or_partnership(scenario: tuple[Scenario, dict[str, UUID]]) -> None:
    from domain.errors import NotFound

    s, _ = scenario
    with pytest.raises(NotFound) as forum:
        s.agenda("no-such-forum", D(2025, 6, 4))
    assert forum.value.code == "unknown_forum"
    s.pid = "nowhere"
    with pytest.raises(NotFound) as partnership:
        s.agenda(ARLF, D(2025, 6, 4))
    assert partnership.value.code == "unknown_partnership"


# --- over HTTP, through the app's own projector ---------------------------------


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, Scenario, dict[str, UUID]]]:
    from services.api.app import create_app
    from tests.fixtures.auth import auth_headers

    settings = Settings(persistence="sqlite", sqlite_path=str(tmp_path / "lif.sqlite"))
    app = create_app(settings)
    s = Scenario(app.state.store, ViewDb("sqlite", str(tmp_path / "scenario-views.sqlite")))
    ids = build(s)
    with TestClient(app, headers=auth_headers(app)) as c:
        yield c, s, ids
    s.close()


def _get(c: TestClient, s: Scenario, path: str, **params: Any) -> Any:
    params["min_position"] = s.store.recorder.max_notification_id()
    return c.get(f"/v1/partnerships/{PID}/forums/{path}", params=params)


def test_agenda_json_markdown_and_html(
    client: tuple[TestClient, Scenario, dict[str, UUID]],
) -> None:
    c, s, _ = client
    r = _get(c, s, f"{ARLF}/agenda", meeting_on="2025-06-04")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["forum_name"] == "Audit, Review and Learning Forum"
    assert body["position"] == s.store.recorder.max_notification_id()
    assert [a["days_overdue"] for a in body["actions_overdue"]] == [15]

    md = _get(c, s, f"{ARLF}/agenda.md", meeting_on="2025-06-04")
    assert md.status_code == 200
    assert md.headers["content-type"].startswith("text/markdown")
    assert md.text.startswith("# Audit, Review and Learning Forum — agenda for 4 June 2025")
    assert "**Overdue by 15 days**: Deliver neglect toolkit training" in md.text
    assert "Run a safer sleep campaign" not in md.text

    html = _get(c, s, f"{ARLF}/agenda.html", meeting_on="2025-06-04")
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    page = html.text
    for expected in (
        "Audit, Review and Learning Forum", NAME, "4 June 2025", "@media print",
        "Findings and recommendations awaiting decision",
        "Activities awaiting sign-off", "Actions overdue or at risk",
        "Actions completed, awaiting assurance", "Learning ready to disseminate",
        "Statutory deadlines", "Themes in the last 12 months",
    ):
        assert expected in page, expected
    assert "position" not in page and "page-break-before" not in page
    # Every section has something in it here: none is left for the "Nothing this time" line.
    assert page.count("<section") == 7 and "Nothing this time" not in page


def test_an_agenda_is_built_once_per_view_position(
    client: tuple[TestClient, Scenario, dict[str, UUID]],
) -> None:
    c, s, ids = client
    cache = c.app.state.read_cache  # type: ignore[attr-defined]
    first = _get(c, s, f"{ARLF}/agenda", meeting_on="2025-06-04").json()
    hits = cache.hits
    again = _get(c, s, f"{ARLF}/agenda", meeting_on="2025-06-04").json()
    md = _get(c, s, f"{ARLF}/agenda.md", meeting_on="2025-06-04")
    # The same agenda, not rebuilt: even its generation time is the first one's.
    assert again == first and cache.hits == hits + 2
    assert md.status_code == 200 and "Use multi-agency chronologies" in md.text

    finding = s.finding(ids["audit"], "Supervision rarely recorded", ("neglect",), D(2025, 5, 1))
    s.recommend(ids["audit"], (finding,), "Record supervision of neglect cases", D(2025, 5, 2))
    changed = _get(c, s, f"{ARLF}/agenda", meeting_on="2025-06-04").json()
    assert changed["position"] > first["position"]
    assert [r["text"] for r in changed["awaiting_decision"]] == [
        "Publish an escalation protocol", "Record supervision of neglect cases", "Use multi-agency chronologies",
    ]
    # Another meeting is another agenda, even at the same position.
    other = _get(c, s, f"{ARLF}/agenda", meeting_on="2025-09-03").json()
    assert other["meeting_on"] == "2025-09-03" and other["generated_at"] != changed["generated_at"]

    params = {"meeting_on": "2025-06-04", "min_position": changed["position"]}
    rebuilt = c.get(f"/v1/partnerships/{PID}/forums/{ARLF}/agenda", params=params,
                    headers={"Cache-Control": "no-cache"}).json()
    assert rebuilt["generated_at"] != changed["generated_at"]
    assert {**rebuilt, "generated_at": None} == {**changed, "generated_at": None}


def test_default_meeting_is_the_forums_next_one(
    client: tuple[TestClient, Scenario, dict[str, UUID]],
) -> None:
    c, s, _ = client
    soon = date.today() + timedelta(days=10)
    s.meet(CDOP, soon, soon + timedelta(days=60))
    body = _get(c, s, f"{CDOP}/agenda").json()
    assert body["meeting_on"] == soon.isoformat()
    assert body["meeting_scheduled"] is True
    assert body["next_meeting_on"] == (soon + timedelta(days=60)).isoformat()


def test_unknown_forum_is_404_with_the_error_body(
    client: tuple[TestClient, Scenario, dict[str, UUID]],
) -> None:
    c, s, _ = client
    for suffix in ("agenda", "agenda.md", "agenda.html"):
        r = _get(c, s, f"no-such-forum/{suffix}")
        assert r.status_code == 404
        error = r.json()["error"]
        assert (error["code"], error["field"]) == ("unknown_forum", "forum_id")
        assert r.json()["errors"] == [error]


# --- PostgreSQL -------------------------------------------------------------------


@pytest.mark.postgres
def test_agenda_on_postgresql(postgres_dsn: str) -> None:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    store = EventStore.from_settings(
        Settings(persistence="postgres", postgres_dsn=postgres_dsn, postgres_schema=schema)
    )
    s = Scenario(store, ViewDb("postgres", postgres_dsn, f"{schema}_views"))
    try:
        ids = build(s)
        arlf = s.agenda(ARLF, D(2025, 6, 4))
        assert texts(arlf) == ["Publish an escalation protocol", "Use multi-agency chronologies"]
        assert arlf.awaiting_decision[0].deferrals == 1
        assert [a.activity_id for a in arlf.awaiting_sign_off] == [ids["reported"]]
        assert [a.days_overdue for a in arlf.actions_overdue] == [15]
        assert [x.activity_id for x in arlf.learning_to_disseminate] == [ids["signed"]]
        assert {d.activity_id for d in arlf.deadlines_breached} == {ids["rr_late"]}
        assert arlf.findings_in_period == 5  # one finding has two themes
        board = s.agenda(BOARD, D(2025, 6, 12))
        assert [a.activity_id for a in board.awaiting_sign_off] == [ids["maplr"]]
        assert texts(s.agenda(CDOP, D(2025, 6, 10))) == ["Run a safer sleep campaign"]
    finally:
        s.close()
        store.close()
