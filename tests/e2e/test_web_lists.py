"""The business unit's list pages through HTTP: a page of the list, the link to the next one
(its cursor), sorts held to the list's whitelist, and a cursor of another sort refused on the page;
and the search page, whose reads by the scrutineer are recorded as the API's are."""

from __future__ import annotations

import html
import re

import pytest
from fastapi import FastAPI

from domain.access import ScrutinyRead, scrutiny_aggregate_id
from services.web import lists_pages
from tests.e2e.conftest import Api, TestClient
from tests.fixtures.web import COOKIE, session_cookie

DUE = ("2026-09-30", "2026-10-31", "2026-11-30")


def _rows(page: str) -> list[str]:
    body = page.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    # Each action's description is the link to its page (/tracker/<id>).
    return re.findall(r"<td class=\"govuk-table__cell\"><a class=\"govuk-link\" href=\"/tracker/[0-9a-f-]+\">"
                      r"(Action due [^<]+)</a></td>", body)


def _next(page: str) -> str | None:
    found = re.search(r'href="([^"]+)" rel="next"', page)
    return html.unescape(found.group(1)) if found else None


def test_the_tracker_pages_by_its_sort_and_keeps_the_sort_whitelisted(
    client: TestClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = Api(client)
    api.register()
    rec = api.accepted_recommendation()
    for due in DUE:
        api.agree_action(rec, due_on=due, description=f"Action due {due}")
    projector = app.state.projector
    assert projector.wait_for(projector.head(), timeout=30), "the views did not catch up with the commands"
    monkeypatch.setattr(lists_pages, "PAGE_SIZE", 2)
    browser = TestClient(app, follow_redirects=False)
    browser.cookies.set(COOKIE, session_cookie(app.state.signing_key))

    first = browser.get("/tracker?sort=due_on")
    assert first.status_code == 200, first.text[:2000]
    assert _rows(first.text) == [f"Action due {d}" for d in DUE[:2]]
    follow = _next(first.text)
    assert follow and "sort=due_on" in follow and "cursor=" in follow
    second = browser.get(follow)
    assert _rows(second.text) == [f"Action due {DUE[2]}"]
    assert _next(second.text) is None and 'rel="prev"' in second.text

    descending = browser.get("/tracker?sort=-due_on")
    assert _rows(descending.text) == [f"Action due {d}" for d in DUE[:0:-1]]
    assert 'href="/tracker?sort=due_on" aria-current="true">Due (descending)' in descending.text

    not_offered = browser.get("/tracker?sort=description")  # not in the whitelist: the default sort
    assert _rows(not_offered.text) == [f"Action due {d}" for d in DUE[:2]]

    cursor = follow.split("cursor=", 1)[1]
    refused = browser.get(f"/tracker?sort=-due_on&cursor={cursor}")
    assert refused.status_code == 400 and "govuk-error-summary" in refused.text
    assert "invalid_cursor" in refused.text or "cursor pages a list sorted by" in refused.text


def test_a_scrutineers_search_is_recorded_and_an_admins_is_not(client: TestClient, app: FastAPI) -> None:
    Api(client).register()
    for role, name in (("scrutineer", "sc"), ("admin", "jo")):
        browser = TestClient(app, follow_redirects=False)
        browser.cookies.set(COOKIE, session_cookie(app.state.signing_key, role=role, name=name))
        assert browser.get("/search?q=male+carers").status_code == 200
    store = app.state.store
    reads = [e for e in store.events_of(scrutiny_aggregate_id("st-helens", "scrutineer:sc"))
             if isinstance(e, ScrutinyRead)]
    assert [(r.path, r.query) for r in reads] == [("/search", "q=male+carers")]
    assert not list(store.events_of(scrutiny_aggregate_id("st-helens", "admin:jo")))
