"""Every view shows a finding's current version: amended findings under their new
themes and words, withdrawn ones out of agendas, themes and the tracker's themes,
and both corrections in the audit trail. Tracker rows say how many days overdue;
a met deadline has no working days remaining."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest

from adapters.settings import Settings
from adapters.sql import ViewDb
from adapters.store import EventStore
from domain import commands as cmd
from projections.agenda.view import AgendaView
from projections.audit import AuditView, entity_history
from projections.clocks_view import ClocksView, deadline_entries
from projections.projector import Projector
from projections.themes import ThemesView
from projections.tracker import TrackerFilters, TrackerView, query_tracker
from tests.integration.view_scenario import ARLF, PID, Scenario

D = date


@pytest.fixture
def scenario(tmp_path: Path) -> Iterator[Scenario]:
    store = EventStore.from_settings(Settings(persistence="sqlite", sqlite_path=str(tmp_path / "events.sqlite")))
    s = Scenario(store, ViewDb("sqlite", str(tmp_path / "views.sqlite")))
    s.projector = Projector(store, s.db, [AgendaView(), ThemesView(), ClocksView(), AuditView(), TrackerView()])
    s.register()
    yield s
    s.close()
    store.close()


def _audit_with_corrections(s: Scenario) -> tuple[UUID, UUID, UUID, UUID]:
    """An audit with a finding amended, one withdrawn, and a recommendation drawn from each."""
    audit = s.open("thematic_audit", "Neglect audit", D(2025, 1, 6))
    s.start(audit)
    amended = s.finding(audit, "Neglect missed.", ("neglect",), D(2025, 2, 10))
    withdrawn = s.finding(audit, "Recorded twice.", ("information_sharing",), D(2025, 2, 11))
    from_amended = s.recommend(audit, (amended,), "Use the neglect toolkit.", D(2025, 2, 12))
    from_withdrawn = s.recommend(audit, (withdrawn,), "Share more.", D(2025, 2, 12))
    s.run(cmd.AmendFinding(
        finding_id=amended, category="good_practice", summary="Neglect seen late, then acted on.",
        themes=("domestic_abuse",), amended_on=D(2025, 2, 20), rationale="Agreed with the auditors.",
    ), audit)
    s.run(cmd.WithdrawFinding(finding_id=withdrawn, withdrawn_on=D(2025, 2, 21), rationale="A duplicate."), audit)
    s.project()
    return amended, withdrawn, from_amended, from_withdrawn


def test_themes_count_the_current_version_and_not_a_withdrawn_finding(scenario: Scenario) -> None:
    _audit_with_corrections(scenario)
    with scenario.read() as cur:
        cells = {(c.theme, c.quarter): c.count for c in ThemesView().cells(cur, PID, None, None)}
    # Counted in the quarter it was first recorded, under the theme it now has.
    assert cells == {("domestic_abuse", "2025-Q1"): 1}


def test_an_agenda_shows_amended_findings_and_leaves_withdrawn_ones_out(scenario: Scenario) -> None:
    amended, _, from_amended, from_withdrawn = _audit_with_corrections(scenario)
    agenda = scenario.agenda(ARLF, D(2025, 3, 5))
    items = {r.recommendation_id: r for r in agenda.awaiting_decision}
    (finding,) = items[from_amended].findings
    assert (finding.finding_id, finding.summary, finding.category, finding.themes) == (
        amended, "Neglect seen late, then acted on.", "good_practice", ["domestic_abuse"],
    )
    assert items[from_withdrawn].findings == []
    assert {t.theme: t.count for t in agenda.themes} == {"domestic_abuse": 1}
    assert agenda.findings_in_period == 1


def test_the_audit_trail_shows_the_finding_and_both_corrections(scenario: Scenario) -> None:
    amended, withdrawn, _, _ = _audit_with_corrections(scenario)
    with scenario.read() as cur:
        history = entity_history(cur, PID, str(amended))
        gone = entity_history(cur, PID, str(withdrawn))
    assert [(e["topic"], e["rationale"]) for e in history] == [
        ("lif.activity.finding_recorded", None),
        ("lif.recommendation.made", None),
        ("lif.activity.finding_amended", "Agreed with the auditors."),
    ]
    assert history[-1]["principal"] == "tester"
    assert history[-1]["summary"] == (
        f"Finding {amended} amended on 2025-02-20 (good_practice): Neglect seen late, then acted on. [domestic_abuse]"
    )
    assert [e["topic"] for e in gone][-1] == "lif.activity.finding_withdrawn"
    assert gone[-1]["summary"] == f"Finding {withdrawn} withdrawn on 2025-02-21"


def test_tracker_rows_say_how_many_calendar_days_an_open_action_is_overdue(scenario: Scenario) -> None:
    _, _, from_amended, _ = _audit_with_corrections(scenario)
    scenario.decide("recommendation", from_amended, ARLF, D(2025, 3, 5))
    late = scenario.action(from_amended, "Late", D(2025, 5, 30))
    due = scenario.action(from_amended, "Not yet due", D(2025, 7, 30))
    done = scenario.action(from_amended, "Done late", D(2025, 5, 1))
    scenario.run(cmd.CompleteAction(completed_on=D(2025, 6, 1), evidence=({"description": "Audit."},)), done)
    scenario.project()
    with scenario.read() as cur:
        rows = {UUID(r["action_id"]): r for r in query_tracker(cur, PID, TrackerFilters(), D(2025, 6, 4))}
    assert {k: (r["days_overdue"], r["rag"]) for k, r in rows.items()} == {
        late: (5, "red"), due: (0, "green"), done: (0, "completed"),
    }
    # The withdrawn finding's theme never reaches the actions.
    assert all(r["themes"] == ["neglect"] for r in rows.values())


def test_a_met_deadline_in_the_deadlines_view_has_no_working_days_remaining(scenario: Scenario) -> None:
    rr = scenario.open("rapid_review", "RR", D(2025, 6, 2), aware_on=D(2025, 6, 2))
    scenario.run(cmd.NotifySeriousIncident(notified_on=D(2025, 6, 3)), rr)
    scenario.project()
    view = ClocksView()
    with scenario.read() as cur:
        rows = view.activities(cur, PID)
    entries = {e.clock: e for e in deadline_entries(rows, "awareness", D(2025, 6, 4), frozenset({"open", "met"}))}
    assert entries["serious_incident_notification"].working_days_remaining is None
    assert entries["rapid_review"].working_days_remaining == 13
