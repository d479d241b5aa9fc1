"""The business unit's pages through HTTP: opening an activity and walking it through its
lifecycle, findings, recommendations and actions, and the partnership's data, each form a
declared command whose refusal (the API's code, field and sentence) is shown beside its field
with what was typed kept."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from fastapi import FastAPI

from adapters.store import EventStore
from domain.activity import Activity, ActivityStatus
from domain.framework import SourceKind
from domain.partnership import Partnership, partnership_uuid
from domain.recommendation import Recommendation
from services.web import bizunit_activities
from tests.e2e.conftest import COUNCIL, POLICE, Api, TestClient
from tests.fixtures.web import COOKIE, session_cookie

HTML = {"Accept": "text/html"}
ARLF = "audit-review-learning-forum"


class Browser:
    """A signed-in person's requests: GET a page, POST its form with the page's token."""

    def __init__(self, app: FastAPI, **who: Any) -> None:
        self.client = TestClient(app, follow_redirects=False, headers=HTML)
        self.client.cookies.set(COOKIE, session_cookie(app.state.signing_key, **who))
        self.token = ""

    def get(self, path: str, expect: int = 200) -> str:
        r = self.client.get(path)
        assert r.status_code == expect, (path, r.status_code, r.text[:2000])
        found = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
        if found:
            self.token = found.group(1)
        return r.text

    def post(self, path: str, data: dict[str, Any], expect: int = 303) -> Any:
        if not self.token:
            self.get(path)
        r = self.client.post(path, data={"csrf_token": self.token, **data})
        assert r.status_code == expect, (path, r.status_code, r.text[:3000])
        return r


def _date(name: str, iso: str) -> dict[str, str]:
    year, month, day = iso.split("-")
    return {f"{name}-day": str(int(day)), f"{name}-month": str(int(month)), f"{name}-year": year}


def _error_beside(html: str, field: str) -> str:
    """The refusal shown beside a field: its error message's text (and code)."""
    found = re.search(rf'<p id="{re.escape(field)}-error" class="govuk-error-message">(.*?)</p>', html, re.S)
    assert found, f"no error beside {field!r}"
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


@pytest.fixture
def admin(client: TestClient, app: FastAPI) -> Iterator[Browser]:
    Api(client).register()
    yield Browser(app)


def _activity(store: EventStore, activity_id: str) -> Activity:
    a = store.load(UUID(activity_id), Activity)
    assert a is not None
    return a


def _open_audit(admin: Browser, title: str = "Thematic audit: neglect in the early years") -> str:
    answer = admin.post("/activities/new", {
        "kind": "thematic_audit", "title": title, "scope": "Twenty cases of neglect in the under-fives.",
        **_date("opened_on", "2026-03-01"), "agencies_involved": [POLICE, COUNCIL],
    })
    location: str = answer.headers["location"]
    assert re.fullmatch(r"/activities/[0-9a-f-]{36}", location), location
    return location.rsplit("/", 1)[1]


def test_a_refused_opening_says_the_apis_code_field_and_sentence_beside_the_field_and_keeps_what_was_typed(
    admin: Browser, store: EventStore,
) -> None:
    page = admin.get("/activities/new")
    assert 'name="kind" type="radio" value="thematic_audit"' in page
    refused = admin.post("/activities/new", {
        "kind": "thematic_audit", "title": "", "scope": "Neglect in the early years: twenty cases",
        **_date("opened_on", "2026-03-01"), "agencies_involved": [POLICE],
    }, expect=400).text
    beside = _error_beside(refused, "title")
    assert "at least 1 character" in beside and "invalid_string_too_short" in beside and "field title" in beside
    assert 'href="#title"' in refused, "the error summary links to the field"
    assert "Neglect in the early years: twenty cases</textarea>" in refused
    assert re.search(r'value="thematic_audit" checked', refused)
    assert re.search(rf'value="{POLICE}" checked', refused)
    assert 'name="opened_on-year" type="text" value="2026"' in refused

    # The domain's own rule, not only the payload's: a serious-incident review needs its date of awareness.
    refused = admin.post("/activities/new", {
        "kind": "rapid_review", "title": "Rapid review", "scope": "An infant's injury.",
        **_date("opened_on", "2026-03-01"),
    }, expect=400).text
    assert "aware_on_required" in _error_beside(refused, "aware_on")
    assert 'href="#aware_on-day"' in refused

    activity_id = _open_audit(admin)
    a = _activity(store, activity_id)
    assert (a.title, a.kind.value, a.agencies_involved) == (
        "Thematic audit: neglect in the early years", "thematic_audit", (POLICE, COUNCIL))
    page = admin.get(f"/activities/{activity_id}")
    assert "Start the activity" in page and "Record a finding" in page


def test_an_activity_walks_from_opening_to_closure_through_its_pages(admin: Browser, store: EventStore) -> None:
    activity_id = _open_audit(admin)
    base = f"/activities/{activity_id}"
    admin.post(f"{base}/steps/start-activity", {})
    assert _activity(store, activity_id).status is ActivityStatus.IN_PROGRESS

    refused = admin.post(f"{base}/findings/new", {
        "category": "area_for_improvement", "summary": "Chronologies were not kept.",
        **_date("recorded_on", "2026-03-10"),
    }, expect=400).text
    assert "theme_required" in _error_beside(refused, "themes")
    assert "Chronologies were not kept.</textarea>" in refused
    admin.post(f"{base}/findings/new", {
        "category": "area_for_improvement", "summary": "Chronologies were not kept.",
        "themes": ["neglect", "information_sharing"], "agencies_concerned": [COUNCIL],
        **_date("recorded_on", "2026-03-10"),
    })
    (finding,) = _activity(store, activity_id).findings.values()
    assert finding.themes == ("neglect", "information_sharing")

    page = admin.get(f"{base}/recommendations/new?finding={finding.finding_id}")
    assert re.search(rf'value="{finding.finding_id}" checked', page)
    admin.post(f"{base}/recommendations/new", {
        "finding_ids": [str(finding.finding_id)], "text": "Keep a chronology in every neglect case.",
        "addressed_to": [COUNCIL], **_date("made_on", "2026-03-12"),
    })
    page = admin.get(base)
    link = re.search(r'href="/recommendations/([0-9a-f-]{36})/decision"', page)
    assert link, "the activity page offers the forum's decision on its new recommendation"
    recommendation_id = link.group(1)

    # Not a meeting of the forum: the domain refuses, naming the date's field.
    decision = {"forum_id": ARLF, "outcome": "accept", "decided_by": "Chair of the forum",
                "rationale": "The forum agrees."}
    refused = admin.post(f"/recommendations/{recommendation_id}/decision",
                         {**decision, **_date("meeting_on", "2026-03-25")}, expect=400).text
    assert "not_a_meeting_date" in _error_beside(refused, "meeting_on")
    admin.post(f"/recommendations/{recommendation_id}/decision", {**decision, **_date("meeting_on", "2026-03-24")})
    r = store.load(UUID(recommendation_id), Recommendation)
    assert r is not None and r.status.value == "accepted"

    admin.post(f"/recommendations/{recommendation_id}/actions/new", {
        "owner_agency_id": COUNCIL, "description": "Audit chronologies each quarter.", **_date("due_on", "2026-09-30"),
    })
    page = admin.get(base)
    assert "Audit chronologies each quarter." in page and "St Helens Borough Council" in page

    admin.post(f"{base}/steps/report-activity", {"report_summary": "Chronologies are missing.",
                                                 **_date("reported_on", "2026-05-01")})
    assert _activity(store, activity_id).status is ActivityStatus.REPORTED

    sign_off = {"forum_id": ARLF, "outcome": "accept", "decided_by": "Chair\nVice chair",
                "rationale": "The audit is sound.", **_date("meeting_on", "2026-06-15")}
    check = admin.post(f"{base}/sign-off", sign_off, expect=200).text
    assert "Check your answers before you record the sign-off" in check
    assert "Chair, Vice chair" in check and "15 June 2026" in check
    assert _activity(store, activity_id).status is ActivityStatus.REPORTED, "nothing is recorded before confirming"
    changed = admin.post(f"{base}/sign-off", {**sign_off, "change": "yes"}, expect=200).text
    assert "The audit is sound.</textarea>" in changed
    admin.post(f"{base}/sign-off", {**sign_off, "confirmed": "yes"})
    a = _activity(store, activity_id)
    assert a.status is ActivityStatus.SIGNED_OFF and a.signed_off_by_forum == ARLF

    # Closing too is checked first; a refusal after confirming comes back to the form.
    refused = admin.post(f"{base}/steps/close-activity", {**_date("closed_on", "2026-06-01"), "confirmed": "yes"},
                         expect=400).text
    assert "closed_on" in _error_beside(refused, "closed_on")
    admin.post(f"{base}/steps/close-activity", {**_date("closed_on", "2026-06-20")}, expect=200)
    admin.post(f"{base}/steps/close-activity", {**_date("closed_on", "2026-06-20"), "confirmed": "yes"})
    assert _activity(store, activity_id).status is ActivityStatus.CLOSED
    page = admin.get(base)
    assert "This activity has no step left to take." in page


def test_the_list_filters_and_pages(admin: Browser, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bizunit_activities, "PAGE_SIZE", 2)
    for n in ("one", "two", "three"):
        _open_audit(admin, f"Audit number {n}")
    first = admin.get("/activities?kind=thematic_audit")
    assert first.count('href="/activities/') - first.count('href="/activities/new"') == 2
    following = re.search(r'href="(/activities\?[^"]*cursor=[^"]+)"', first)
    assert following, "a next page link"
    second = admin.get(following.group(1).replace("&amp;", "&"))
    shown = re.findall(r">(Audit number \w+)</a>", first + second)
    assert sorted(shown) == ["Audit number one", "Audit number three", "Audit number two"]
    assert "First page" in second
    assert "No activity matches" in admin.get("/activities?text=nothing+like+this")
    refused = admin.get("/activities?cursor=not-a-cursor", expect=400)
    assert "invalid_cursor" in refused


def test_the_partnerships_data_is_managed_from_its_pages(admin: Browser, store: EventStore) -> None:
    page = admin.get("/partnership")
    for slug in ("agencies", "forums", "meetings", "routing", "subscriptions"):
        assert f'href="/partnership/{slug}"' in page
        admin.get(f"/partnership/{slug}")
    refused = admin.post("/partnership/agencies", {"agency_id": "Not A Slug", "display_name": "Youth Service",
                                                    "sector": "local_authority"}, expect=400).text
    assert "agency_id" in _error_beside(refused, "agency_id")
    assert 'value="Youth Service"' in refused
    admin.post("/partnership/agencies", {"agency_id": "youth-service", "display_name": "Youth Service",
                                         "sector": "local_authority"})
    assert "Youth Service" in admin.get("/partnership/agencies?done=1")
    admin.post("/partnership/subscriptions", {"agency_id": "youth-service", "themes": ["neglect"]})
    admin.post("/partnership/meetings", {"forum_id": ARLF, **_date("meets_on", "2026-12-14")})
    admin.post("/partnership/routing", {"source_kind": "thematic_audit", "points_of_dissemination": [ARLF,
                                        "executive"], "sign_off_forum": ARLF})
    p = store.load(partnership_uuid("st-helens"), Partnership)
    assert p is not None
    assert p.agencies["youth-service"].name == "Youth Service"
    assert p.subscriptions["youth-service"].themes == ("neglect",)
    assert "2026-12-14" in [d.isoformat() for d in p.forums[ARLF].meetings]
    assert p.routing[SourceKind.THEMATIC_AUDIT].points_of_dissemination == (ARLF, "executive")
    assert "Neglect" in admin.get("/partnership/subscriptions")


def test_the_pages_are_the_business_units_and_every_form_needs_its_token(app: FastAPI, admin: Browser) -> None:
    lead = Browser(app, role="agency", agency_id=POLICE)
    for path in ("/activities", "/activities/new", "/partnership", "/partnership/agencies"):
        assert "This page is for the partnership" in lead.get(path, expect=403)
    admin.token = "forged"
    admin.post("/partnership/forums", {"forum_id": "new-forum", "display_name": "New forum"}, expect=403)
    unknown = admin.get(f"/activities/{UUID(int=7)}", expect=404)
    assert "unknown_activity" in unknown


def test_a_rapid_review_leads_to_the_practice_review_its_board_commissions(
    client: TestClient, admin: Browser, store: EventStore,
) -> None:
    rapid = Api(client).open_rapid_review()["id"]
    base = f"/activities/{rapid}"
    page = admin.get(base)
    assert "Record the decision on commissioning" not in page, "only once the review has recommended"
    assert "Statutory deadlines" in page and "Rapid review</th>" in page, "its clocks, from awareness"
    admin.post(f"{base}/steps/record-rapid-review-recommendation", {
        "recommends": "practice_review", "reasons": "Serious harm; agencies did not work together.",
        **_date("recommended_on", "2026-03-20"),
    })
    page = admin.get(f"{base}/commissioning")
    assert re.search(r'<option value="safeguarding-partnership-board" selected', page)
    assert "audit-review-learning-forum" not in page, "only the forum that decides is offered"
    admin.post(f"{base}/commissioning", {
        "forum_id": "safeguarding-partnership-board", "outcome": "accept", "decided_by": "Independent chair",
        "rationale": "The Board accepts the recommendation.", **_date("meeting_on", "2026-03-24"),
    })
    assert _activity(store, rapid).commissioning_outcome == "accept"
    page = admin.get(base)
    assert f'href="/activities/new?from={rapid}"' in page

    form = admin.get(f"/activities/new?from={rapid}")
    assert re.search(r'value="safeguarding_practice_review" checked', form)
    opening = {"kind": "safeguarding_practice_review", "title": "Practice review: Child R",
               "scope": "Multi-agency work with the family.", **_date("opened_on", "2026-03-25")}
    refused = admin.post(f"/activities/new?from={rapid}", opening, expect=400).text
    assert "proportionality_rationale_required" in _error_beside(refused, "rationale")
    answer = admin.post(f"/activities/new?from={rapid}", {**opening, "rationale": "Serious harm: a full review."})
    review = _activity(store, answer.headers["location"].rsplit("/", 1)[1])
    assert review.originating_activity_id == UUID(rapid) and review.case_reference == "SHSCP-R014"


def test_the_dashboard_links_to_the_activities_pages(admin: Browser) -> None:
    _open_audit(admin)
    page = admin.get("/dashboard")
    assert 'href="/activities?status=opened"' in page
    assert "Opened" in admin.get("/activities?status=opened")
