"""The agency safeguarding lead's pages over HTTP: the inbox with what is new since the previous
visit, acknowledging an item with how it was cascaded, the agency's actions with progress,
completion and assurance, and another agency's ids answering 404."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import pytest
from fastapi import FastAPI

from domain.action import Action, ActionStatus
from domain.activity import Activity
from services.application.auth.principals import Role
from tests.e2e.conftest import COUNCIL, POLICE, Api, TestClient, client_as
from tests.fixtures.web import COOKIE, person, session_cookie

HTML = {"Accept": "text/html,application/xhtml+xml"}
TOKEN = "t" * 43


def lead(app: FastAPI, agency: str = POLICE, name: str = "jdoe") -> TestClient:
    """A fresh browser session of an agency's lead (a new sign-in), its form token known."""
    client = TestClient(app, follow_redirects=False, headers=HTML)
    session = {"person": person("agency", agency_id=agency, name=name, display="Jay Doe"), "csrf": TOKEN}
    client.cookies.set(COOKIE, session_cookie(app.state.signing_key, session), domain="testserver.local")
    return client


def post(client: TestClient, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, data={"csrf_token": TOKEN, **data})


def today_fields(name: str, day: str) -> dict[str, str]:
    y, m, d = day.split("-")
    return {f"{name}-day": d, f"{name}-month": m, f"{name}-year": y}


def items(html: str) -> list[str]:
    return re.findall(r'href="/inbox/([0-9a-f-]{36})"', html)


@pytest.fixture
def story(api: Api, app: FastAPI) -> dict[str, str]:
    """A signed-off review whose recommendation is addressed to the police, with an action for the
    police and one for the council."""
    recommendation = api.accepted_recommendation()
    activity = api.get(f"/recommendations/{recommendation}")["activity_id"]
    api.decide("activity_sign_off", activity)
    police = api.agree_action(recommendation)["id"]
    council = api.agree_action(recommendation, owner_agency_id=COUNCIL,
                               description="Council children's services brief every team manager.")["id"]
    return {"recommendation": recommendation, "activity": activity, "police": police, "council": council}


def _new_titles(html: str) -> list[str]:
    """The titles of the rows marked New."""
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", html, re.S)
    return [re.search(r'href="/inbox/[^"]+">([^<]+)<', r).group(1) for r in rows  # type: ignore[union-attr]
            if re.search(r">\s*New\s*</strong>", r)]


def test_the_inbox_lists_the_agencys_learning_newest_first_new_since_the_previous_visit(
    app: FastAPI, api: Api, story: dict[str, str],
) -> None:
    with lead(app) as first:
        page = first.get("/inbox")
        assert page.status_code == 200, page.text
        shown = items(page.text)
        assert len(shown) == 3  # the recommendation made and accepted, and the police's action
        titles = _new_titles(page.text)
        assert len(titles) == 3 and "This is your first visit" in page.text
        assert titles[0].startswith("Action agreed for Merseyside Police")  # newest first
        assert "Council children&#39;s services brief" not in page.text
        assert 'href="/inbox"' in page.text and 'href="/actions"' in page.text  # the lead's menu
        assert len(_new_titles(first.get("/inbox").text)) == 3, "marked while this visit lasts"
    with lead(app) as second:  # the next sign-in, on any device: the visit was kept per person
        page = second.get("/inbox")
        assert _new_titles(page.text) == [] and "since your previous visit, on" in page.text
        api.agree_action(story["recommendation"], description="Police brief every response sergeant.")
        page = second.get("/inbox")  # what arrives during a visit is new in it
        assert len(items(page.text)) == 4
        [arrived] = _new_titles(page.text)
        assert arrived.startswith("Action agreed for Merseyside Police")
    with lead(app) as third:  # and not at the next: it was seen
        assert _new_titles(third.get("/inbox").text) == []
    api.agree_action(story["recommendation"], description="Police audit ten notifications.")
    with lead(app) as fourth:
        page = fourth.get("/inbox")
        assert len(items(page.text)) == 5 and len(_new_titles(page.text)) == 1
    with lead(app, name="another-lead") as colleague:  # visits are each person's own
        assert len(_new_titles(colleague.get("/inbox").text)) == 5


def _item_of(client: TestClient, kind: str) -> str:
    page = client.get("/inbox").text
    for event_id in items(page):
        item = client.get(f"/inbox/{event_id}").text
        if f'<span class="govuk-caption-l">{kind}</span>' in item:
            return event_id
    raise AssertionError(f"no {kind} in the inbox")


def test_acknowledging_an_item_records_how_it_was_cascaded_and_a_refusal_keeps_what_was_typed(
    app: FastAPI, api: Api, story: dict[str, str],
) -> None:
    with lead(app) as c:
        item = _item_of(c, "Recommendation")
        page = c.get(f"/inbox/{item}").text
        assert "Acknowledge and record the cascade" in page and "(signed off)" in page
        typed = {"notes": "All MASH team managers, at their monthly meeting.",
                 **today_fields("acknowledged_on", "2026-06-20")}
        refused = post(c, f"/inbox/{item}/acknowledgement", typed)  # no method chosen
        assert refused.status_code == 400
        assert 'data-error-code="cascade_method_required"' in refused.text
        assert 'href="#cascaded_by"' in refused.text and 'id="cascaded_by-error"' in refused.text
        assert "Say how the learning was cascaded (at least one method)." in refused.text
        assert "All MASH team managers, at their monthly meeting.</textarea>" in refused.text
        assert 'name="acknowledged_on-day" type="text" value="20"' in refused.text

        too_early = post(c, f"/inbox/{item}/acknowledgement",
                         {**typed, "cascaded_by": ["team_briefing", "supervision"],
                          **today_fields("acknowledged_on", "2026-01-05")})
        assert too_early.status_code == 400 and 'href="#acknowledged_on-day"' in too_early.text
        assert 'id="acknowledged_on-error"' in too_early.text
        assert re.search(r'value="team_briefing" checked', too_early.text)

        done = post(c, f"/inbox/{item}/acknowledgement", {**typed, "cascaded_by": ["team_briefing", "supervision"]})
        assert (done.status_code, done.headers["location"]) == (303, f"/inbox/{item}")
        page = c.get(f"/inbox/{item}").text
        assert "Acknowledged: the partnership can see how you cascaded this learning." in page
        assert "Team briefing, supervision" in page and "20 June 2026" in page
        assert "Acknowledge and record the cascade" not in page
        # The other items of the same activity say so too; the list says when.
        assert "Yes, on 20 Jun 2026" in c.get("/inbox").text
    activity = app.state.store.load(UUID(story["activity"]), Activity)
    ack = activity.acknowledgements[POLICE]
    assert (ack.notes, [m.value for m in ack.cascaded_by]) == (typed["notes"], ["team_briefing", "supervision"])
    last = list(app.state.store.events_of(UUID(story["activity"])))[-1]
    assert last.principal == "agency:merseyside-police:jdoe"


def test_the_agencys_actions_with_rag_in_colour_and_words_progress_completion_and_assurance(
    app: FastAPI, api: Api, story: dict[str, str],
) -> None:
    police = story["police"]
    with lead(app) as c:
        listed = c.get("/actions")
        assert listed.status_code == 200
        assert f'href="/actions/{police}"' in listed.text and story["council"] not in listed.text
        assert re.search(r'govuk-tag govuk-tag--(red|orange|green)">\s*(Red|Amber|Green): ', listed.text)

        page = c.get(f"/actions/{police}").text
        assert "Report progress" in page and "Not assured yet" in page
        refused = post(c, f"/actions/{police}/progress",
                       {"note": "", "on_track": "false", **today_fields("noted_on", "2026-07-01")})
        assert refused.status_code == 400 and 'href="#note"' in refused.text and 'id="note-error"' in refused.text
        assert re.search(r'value="false" checked', refused.text)
        key = re.search(r'name="form_key" value="([0-9a-f]{32})"', refused.text)
        assert key is not None, "the refused form keeps its key"
        progress = {"note": "Field added in the test system; training booked.", "on_track": "false",
                    "form_key": key.group(1), **today_fields("noted_on", "2026-07-01")}
        assert post(c, f"/actions/{police}/progress", progress).status_code == 303
        assert post(c, f"/actions/{police}/progress", progress).status_code == 303  # sent twice: done once
        assert len(app.state.store.load(UUID(police), Action).progress) == 1
        page = c.get(f"/actions/{police}").text
        assert "Progress reported." in page and "Field added in the test system; training booked." in page
        assert "No, off track" in page

        answers = {"evidence_description": "The field is live; an audit of 20 records found it filled in 19.",
                   "evidence_reference": "AUD-2026-07", **today_fields("completed_on", "2026-07-10")}
        short = post(c, f"/actions/{police}/completion", {**answers, "evidence_description": "ok"})
        assert short.status_code == 400 and 'href="#evidence_description"' in short.text  # the API's field
        assert 'id="evidence_description-error"' in short.text and 'value="AUD-2026-07"' in short.text
        check = post(c, f"/actions/{police}/completion", answers)
        assert check.status_code == 200 and "Check your answers before completing the action" in check.text
        assert app.state.store.load(UUID(police), Action).status is ActionStatus.OPEN
        change = post(c, f"/actions/{police}/completion", {**answers, "confirmed": "change"})
        assert "an audit of 20 records found it filled in 19.</textarea>" in change.text
        done = post(c, f"/actions/{police}/completion", {**answers, "confirmed": "yes"})
        assert done.status_code == 303
        page = c.get(f"/actions/{police}").text
        assert "Action completed" in page and "(reference: AUD-2026-07)" in page
        assert "Completed, awaiting assurance" in page and "this one is waiting for it" in page
        assert "Report progress</button>" not in page
        listed = c.get("/actions").text  # the tracker view has caught up with the command
        assert "Completed, awaiting assurance" in listed
    api.on_action(police, "assurance", {"assured_on": "2026-08-01",
                                        "impact_statement": "A dip sample found the field used in every case."})
    with lead(app) as c:
        page = c.get(f"/actions/{police}").text
        assert "A dip sample found the field used in every case." in page and "Blue: impact assured" in page
        assert 'action="/actions/' not in page  # nothing to change: assurance is the business unit's


def test_another_agencys_learning_and_actions_answer_not_found_and_nothing_is_done(
    app: FastAPI, api: Api, story: dict[str, str],
) -> None:
    with lead(app) as police:
        police_item = _item_of(police, "Recommendation")
        police_pages = police.get("/inbox").text + police.get("/actions").text
    with lead(app, COUNCIL, "cl") as council:
        for path in (f"/actions/{story['police']}", f"/inbox/{police_item}", f"/actions/{UUID(int=7)}",
                     f"/inbox/{UUID(int=7)}"):
            answer = council.get(path)
            assert answer.status_code == 404, path
            assert "Page not found" in answer.text and story["police"] not in answer.text
        for path, data in (
            (f"/actions/{story['police']}/progress", {"note": "Not ours.", **today_fields("noted_on", "2026-07-01")}),
            (f"/actions/{story['police']}/completion",
             {"evidence_description": "Not ours at all.", "confirmed": "yes",
              **today_fields("completed_on", "2026-07-01")}),
            (f"/inbox/{police_item}/acknowledgement",
             {"cascaded_by": "training", **today_fields("acknowledged_on", "2026-07-01")}),
        ):
            assert post(council, path, data).status_code == 404, path
        pages = council.get("/inbox").text + council.get("/actions").text
        assert story["council"] in pages and story["police"] not in pages and police_item not in pages
        assert "Add a &#39;significant adults&#39; field" not in pages
    assert story["council"] not in police_pages
    assert app.state.store.load(UUID(story["police"]), Action).progress == ()
    activity = app.state.store.load(UUID(story["activity"]), Activity)
    assert activity.acknowledgements == {}
    admin = TestClient(app, follow_redirects=False, headers=HTML)
    admin.cookies.set(COOKIE, session_cookie(app.state.signing_key), domain="testserver.local")
    assert admin.get("/inbox").status_code == 403  # the pages are the agency lead's


def test_the_api_refuses_what_the_page_refuses(app: FastAPI, story: dict[str, str]) -> None:
    """The page's refusal is the API's: the same code for the same input."""
    police = client_as(app, Role.AGENCY, agency=POLICE, name="jdoe")
    body = {"agency_id": POLICE, "acknowledged_on": "2026-06-20", "cascaded_by": []}
    answer = police.post(f"/v1/partnerships/st-helens/activities/{story['activity']}/acknowledgements", json=body)
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "cascade_method_required"
