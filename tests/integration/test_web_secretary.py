"""The forum secretary's pages over HTTP, on SQLite and PostgreSQL: the forum's meetings, a
meeting's agenda as the API's agenda route reads it, its print view, and a decision recorded
from the agenda item, refused as the API refuses it, then recorded and shown."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi import FastAPI

from adapters.settings import Settings
from domain import commands as cmd
from domain.aggregate import Context
from domain.dates import today_in_england
from domain.framework import ARLF, CDOP
from projections.agenda.render import long_date
from services.api.app import create_app
from tests.fixtures.web import COOKIE, session_cookie

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PID = "st-helens"
POLICE = "merseyside-police"
TODAY = today_in_england()
PAST, FUTURE = TODAY - timedelta(days=14), TODAY + timedelta(days=30)


@dataclass
class World:
    app: FastAPI
    client: TestClient
    recommendations: dict[str, UUID]
    activity: UUID

    def sign_in(self, forum_id: str = ARLF, role: str = "secretary") -> None:
        who: dict[str, Any] = {"role": role, "name": "pa"}
        if role == "secretary":
            who["forum_id"] = forum_id
        self.client.cookies.clear()  # the session the app set in answers too
        self.client.cookies.set(COOKIE, session_cookie(self.app.state.signing_key, **who))

    def page(self, path: str, status: int = 200) -> str:
        r = self.client.get(path)
        assert r.status_code == status, (path, r.status_code, r.text[:2000])
        return r.text

    def post(self, path: str, data: dict[str, str], status: int) -> Any:
        token = re.search(r'name="csrf_token" value="([^"]+)"', self.page("/forum"))
        assert token is not None
        r = self.client.post(path, data={**data, "csrf_token": token.group(1)})
        assert r.status_code == status, (path, r.status_code, r.text[:3000])
        return r


def _seed(app: FastAPI) -> tuple[dict[str, UUID], UUID]:
    service = app.state.service
    ctx = Context(partnership_id=PID, principal="admin:test")

    def run(command: cmd.Command, target: UUID | None = None) -> dict[str, Any]:
        body: dict[str, Any] = service.execute(ctx, command, target).body
        return body

    run(cmd.RegisterPartnership(partnership_id=PID, display_name="St Helens Safeguarding Children Partnership"))
    for day in (PAST, TODAY, FUTURE):
        run(cmd.ScheduleMeeting(forum_id=ARLF, meets_on=day))
    opened = TODAY - timedelta(days=60)
    audit = UUID(run(cmd.OpenActivity(kind="thematic_audit", title="Neglect thematic audit", opened_on=opened,
                                      scope="Twelve cases of neglect."))["id"])
    run(cmd.StartActivity(), audit)
    body = run(cmd.RecordFinding(category="area_for_improvement", summary="Chronologies rarely used",
                                 themes=("neglect",), recorded_on=opened + timedelta(days=5)), audit)
    finding = UUID(next(iter(body["findings"].values()))["finding_id"])
    recommendations = {
        text: UUID(run(cmd.MakeRecommendation(finding_ids=(finding,), text=text, addressed_to=(POLICE,),
                                              made_on=PAST - timedelta(days=7)), audit)["id"])
        for text in ("Use multi-agency chronologies", "Publish an escalation protocol")
    }
    run(cmd.ReportActivity(report_summary="Chronologies are rarely used.", reported_on=PAST - timedelta(days=3)), audit)
    app.state.projector.wait_for(app.state.store.recorder.max_notification_id(), timeout=30)
    return recommendations, audit


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    app = create_app(settings)
    with TestClient(app, follow_redirects=False, headers={"Accept": "text/html"}) as client:
        recommendations, audit = _seed(app)
        w = World(app, client, recommendations, audit)
        w.sign_in()
        yield w


def _decide_path(w: World, text: str, day: date = TODAY) -> str:
    return f"/forum/meetings/{day.isoformat()}/decide/recommendation/{w.recommendations[text]}"


def _answers(outcome: str = "accept", rationale: str = "Proportionate and evidenced.",
             decided_by: str = "ARLF Chair\nHead of Safeguarding", day: date = TODAY) -> dict[str, str]:
    return {"outcome": outcome, "rationale": rationale, "decided_by": decided_by,
            "meeting_on-day": str(day.day), "meeting_on-month": str(day.month), "meeting_on-year": str(day.year)}


def _field_error(html: str, field: str) -> str:
    """The error message shown beside a field (the Design System's `<id>-error`)."""
    found = re.search(rf'id="{field}-error"[^>]*>\s*<span class="govuk-visually-hidden">Error:</span>([^<]+)<', html)
    assert found is not None, f"no error beside {field}"
    return found.group(1).strip()


def test_home_lists_the_forums_meetings_with_the_next_one_first(world: World) -> None:
    html = world.page("/forum")
    assert "Audit, Review and Learning Forum" in html and 'href="/forum"' in html  # in the menu
    upcoming, past = html.split('id="upcoming"')[1].split('id="past"')
    assert html.index(f'href="/forum/meetings/{TODAY.isoformat()}"') < html.index('id="upcoming"')  # highlighted
    assert TODAY.isoformat() in upcoming and FUTURE.isoformat() in upcoming and PAST.isoformat() not in upcoming
    assert PAST.isoformat() in past
    assert world.client.get("/").headers["location"] == "/forum"


def test_the_agenda_is_the_api_agendas_with_names_and_a_print_view(world: World) -> None:
    html = world.page(f"/forum/meetings/{TODAY.isoformat()}")
    for text, rid in world.recommendations.items():
        assert text in html and f"/decide/recommendation/{rid}" in html
    assert "addressed to Merseyside Police" in html and POLICE not in html
    assert "1. Findings and recommendations awaiting decision" in html and "7. Themes in the last 12 months" in html
    assert f'href="/forum/meetings/{TODAY.isoformat()}/print"' in html
    printed = world.page(f"/forum/meetings/{TODAY.isoformat()}/print")
    assert "/static/lif/forum.css" in printed and "/decide/" not in printed
    assert all(text in printed for text in world.recommendations)
    assert world.client.get("/static/lif/forum.css").status_code == 200
    world.page(f"/forum/meetings/{(TODAY + timedelta(days=1)).isoformat()}", 404)  # not a meeting


def test_refusals_show_the_apis_code_beside_the_field_and_keep_what_was_typed(world: World) -> None:
    path = _decide_path(world, "Use multi-agency chronologies")
    form = world.page(path)
    assert 'value="' + str(TODAY.day) + '"' in form  # the meeting's day, to start with

    blank = world.post(path, _answers(rationale="  "), 422).text
    assert _field_error(blank, "rationale") == "A forum decision records its rationale."
    assert 'data-error-code="rationale_required"' in blank and 'href="#rationale"' in blank
    assert "ARLF Chair\nHead of Safeguarding</textarea>" in blank

    nobody = world.post(path, _answers(decided_by=""), 422).text
    assert 'data-error-code="decided_by_required"' in nobody and _field_error(nobody, "decided_by")

    ahead = world.post(_decide_path(world, "Use multi-agency chronologies"), _answers(day=FUTURE), 409).text
    assert 'data-error-code="date_in_future"' in ahead and 'href="#meeting_on-day"' in ahead
    assert FUTURE.isoformat() in _field_error(ahead, "meeting_on")
    assert f'value="{FUTURE.day}"' in ahead and "Proportionate and evidenced." in ahead

    no_outcome = world.post(path, {**_answers(), "outcome": ""}, 422).text
    assert _field_error(no_outcome, "outcome") == "Choose accept, reject or defer."


def test_a_decision_checked_then_recorded_shows_on_the_agenda(world: World) -> None:
    text = "Use multi-agency chronologies"
    path = _decide_path(world, text)
    check = world.post(path, _answers(), 200).text
    assert "Check the decision before you record it" in check and "Accepted" in check
    key = re.search(r'name="idempotency_key" value="([^"]+)"', check)
    assert key is not None
    changed = world.post(path + "/confirm", {**_answers(), "change": "rationale"}, 200).text
    assert "Proportionate and evidenced.</textarea>" in changed  # back to the question, answers kept

    done = world.post(path + "/confirm", {**_answers(), "idempotency_key": key.group(1)}, 303)
    assert done.headers["location"] == f"/forum/meetings/{TODAY.isoformat()}#decisions"
    agenda = world.page(f"/forum/meetings/{TODAY.isoformat()}")
    assert "govuk-notification-banner--success" in agenda and "Decision recorded: accepted" in agenda
    decisions = agenda.split('id="decisions-heading"')[1].split("</section>")[0]
    assert text in decisions and "Proportionate and evidenced." in decisions
    assert "ARLF Chair, Head of Safeguarding" in decisions
    awaiting = agenda.split('id="awaiting_decision-heading"')[1].split("</section>")[0]
    assert text not in awaiting and "Publish an escalation protocol" in awaiting
    assert "Decision recorded" not in world.page(f"/forum/meetings/{TODAY.isoformat()}")  # shown once

    # The same confirmation again (a double click) is the first answer, not a second decision.
    world.post(path + "/confirm", {**_answers(), "idempotency_key": key.group(1)}, 303)
    # A new attempt at the decided recommendation: the API's 409, on the item.
    again = world.post(path, _answers(outcome="reject"), 409).text
    assert 'data-error-code="already_decided"' in again and 'href="#subject"' in again
    assert "The recommendation was already accepted" in again
    assert world.page(f"/forum/meetings/{TODAY.isoformat()}").count('id="decision-') == 1


def test_a_deferral_keeps_the_item_on_the_agenda_marked_as_deferred(world: World) -> None:
    text = "Publish an escalation protocol"
    path = _decide_path(world, text)
    world.post(path + "/confirm", _answers(outcome="defer", rationale="Waiting for the police's view."), 303)
    agenda = world.page(f"/forum/meetings/{TODAY.isoformat()}")
    awaiting = agenda.split('id="awaiting_decision-heading"')[1].split("</section>")[0]
    assert text in awaiting and "Deferred at this meeting" in awaiting and "deferred once" in awaiting


def test_a_sign_off_is_recorded_from_its_agenda_item(world: World) -> None:
    agenda = world.page(f"/forum/meetings/{TODAY.isoformat()}")
    path = f"/forum/meetings/{TODAY.isoformat()}/decide/activity_sign_off/{world.activity}"
    assert path in agenda.split('id="awaiting_sign_off-heading"')[1].split("</section>")[0]
    assert "Sign off the activity" in world.page(path)
    world.post(path + "/confirm", _answers(rationale="The audit's report answers its scope."), 303)
    after = world.page(f"/forum/meetings/{TODAY.isoformat()}")
    assert "Decision recorded: signed off" in after
    assert "Neglect thematic audit" not in after.split('id="awaiting_sign_off-heading"')[1].split("</section>")[0]
    decisions = after.split('id="decisions-heading"')[1].split("</section>")[0]
    assert "Neglect thematic audit (sign-off)" in decisions and "Signed off" in decisions


def test_another_forums_secretary_cannot_reach_this_forums_items(world: World) -> None:
    path = _decide_path(world, "Use multi-agency chronologies")
    world.sign_in(forum_id=CDOP)
    assert "Audit, Review and Learning Forum" not in world.page("/forum")
    world.page(f"/forum/meetings/{TODAY.isoformat()}", 404)  # the CDOP does not meet today
    world.page(path, 404)
    world.sign_in(forum_id=ARLF)  # its own forum, but no such recommendation: an activity's id, or none
    world.page(f"/forum/meetings/{TODAY.isoformat()}/decide/recommendation/{world.activity}", 404)
    world.page(f"/forum/meetings/{TODAY.isoformat()}/decide/recommendation/{UUID(int=7)}", 404)
    world.page(f"/forum/meetings/{TODAY.isoformat()}/decide/practice_review_commissioning/{world.activity}", 404)
    world.sign_in(forum_id=CDOP)
    world.post(path, _answers(), 404)
    world.post(path + "/confirm", _answers(), 404)
    world.sign_in(role="admin")
    world.page("/forum", 403)
    world.page(f"/forum/meetings/{PAST.isoformat()}", 403)


def test_the_agenda_names_the_meeting_days_in_words(world: World) -> None:
    assert long_date(PAST) in world.page("/forum")
