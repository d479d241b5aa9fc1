"""Agencies acknowledge learning: the agenda and the acknowledgements list say who has not yet.

Commands go through `LearningService`; the projector applies the log to the agenda view.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from html import escape
from pathlib import Path
from uuid import UUID

import pytest

from adapters.settings import Settings
from adapters.sql import ViewDb
from adapters.store import EventStore
from domain import commands as cmd
from domain.framework import ARLF, DEFAULT_AGENCIES
from projections import acknowledgements as acks
from projections.agenda.render import render_html, render_markdown
from tests.integration.view_scenario import COUNCIL, POLICE, Scenario

D = date
PROBATION = "probation-service"
HOSPITALS = "mersey-west-lancs-nhs"
MEETINGS = (D(2025, 3, 5), D(2025, 6, 4))


@pytest.fixture
def scenario(tmp_path: Path) -> Iterator[Scenario]:
    store = EventStore.from_settings(Settings(persistence="sqlite", sqlite_path=str(tmp_path / "events.sqlite")))
    s = Scenario(store, ViewDb("sqlite", str(tmp_path / "views.sqlite")))
    yield s
    s.close()
    store.close()


def _signed_off_audit(s: Scenario) -> UUID:
    """Involves the police; a finding concerns probation; recommendations go to the council
    and to the partnership (not an agency). Signed off by the ARLF at its March meeting."""
    s.register()
    s.meet(ARLF, *MEETINGS)
    audit = s.open("thematic_audit", "Neglect thematic audit", D(2025, 1, 6), agencies_involved=(POLICE,))
    s.start(audit)
    body = s.run(cmd.RecordFinding(
        category="area_for_improvement", summary="Chronologies rarely used", themes=("neglect",),
        agencies_concerned=(PROBATION, POLICE), recorded_on=D(2025, 1, 20),
    ), audit)
    finding = next(iter(body["findings"]))
    s.recommend(audit, (finding,), "Use chronologies", D(2025, 2, 1), addressed_to=(COUNCIL, "partnership"))
    s.report(audit, D(2025, 2, 10))
    s.decide("activity_sign_off", audit, ARLF, D(2025, 3, 5))
    return audit


def _status(s: Scenario) -> acks.AcknowledgementStatus:
    s.project()
    with s.read() as cur:
        ready = acks.learning_ready(cur, s.pid)
        assert len(ready) == 1
        return acks.statuses(cur, s.pid, [ready[0][0]])[ready[0][0]]


def test_missing_agencies_disappear_as_they_acknowledge(scenario: Scenario) -> None:
    s = scenario
    audit = _signed_off_audit(s)
    status = _status(s)
    assert status.expected == sorted([COUNCIL, POLICE, PROBATION])
    assert status.missing == status.expected
    assert status.acknowledged == []

    s.run(cmd.AcknowledgeLearning(
        agency_id=POLICE, acknowledged_on=D(2025, 3, 10), cascaded_by=("team_briefing", "supervision"),
        notes="Briefed the MASH team.",
    ), audit)
    status = _status(s)
    assert status.missing == sorted([COUNCIL, PROBATION])
    assert [(a.agency_id, a.cascaded_by, a.notes) for a in status.acknowledged] == [
        (POLICE, ["team_briefing", "supervision"], "Briefed the MASH team."),
    ]

    agenda = s.agenda(ARLF, MEETINGS[1])
    [item] = agenda.learning_to_disseminate
    assert item.not_yet_acknowledged == sorted([COUNCIL, PROBATION])
    assert [a.agency_id for a in item.acknowledged_by] == [POLICE]
    names = {a.agency_id: a.name for a in DEFAULT_AGENCIES}
    line = (
        f"acknowledged by: {names[POLICE]} (team briefing, supervision); not yet acknowledged: "
        f"{names[PROBATION]}, {names[COUNCIL]}"
    )
    assert line in render_markdown(agenda)
    assert escape(line) in render_html(agenda)

    for agency in (COUNCIL, PROBATION):
        s.run(cmd.AcknowledgeLearning(
            agency_id=agency, acknowledged_on=D(2025, 3, 12), cascaded_by=("newsletter",),
        ), audit)
    status = _status(s)
    assert status.missing == []
    assert [a.agency_id for a in status.acknowledged] == status.expected
    [item] = s.agenda(ARLF, MEETINGS[1]).learning_to_disseminate
    assert item.not_yet_acknowledged == []
    assert "; not yet acknowledged: none" in render_markdown(s.agenda(ARLF, MEETINGS[1]))
