"""The newsletter's pages through HTTP: a refusal of the domain beside its field, issuing only after
the answers are checked, and who reads an issued newsletter (its audience's agencies, no other)."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from adapters.store import EventStore
from domain.newsletter_state import Newsletter, NewsletterStatus
from domain.partnership import Partnership, partnership_uuid
from tests.e2e.conftest import COUNCIL, POLICE, Api
from tests.e2e.test_web_business_unit import Browser, _date, _error_beside


def _newsletters(store: EventStore) -> list[Newsletter]:
    p = store.load(partnership_uuid("st-helens"), Partnership)
    assert p is not None
    return list(p.newsletters)


def test_a_newsletter_is_drafted_refused_kept_and_issued_only_once_checked(
    client: TestClient, app: FastAPI, store: EventStore,
) -> None:
    Api(client).register()
    admin = Browser(app)
    assert 'href="/newsletters"' in admin.get("/dashboard")
    period = {**_date("period_from", "2026-04-01"), **_date("period_to", "2026-06-30"),
              **_date("drafted_on", "2026-06-20")}
    refused = admin.post("/newsletters/new", {"title": "For nobody", "audience": "other", **period}, expect=400).text
    assert "audience_empty" in _error_beside(refused, "audience")
    assert 'value="For nobody"' in refused and re.search(r'value="other" checked', refused)

    location = admin.post("/newsletters/new", {"title": "Summer 2026", "audience": "police", **period})
    href = location.headers["location"]
    page = admin.get(href)
    assert "Write the introduction" in page and "Approve the newsletter" not in page
    admin.post(f"{href}/edit", {"title": "Summer 2026", "introduction": "Fathers, this summer.",
                                **_date("edited_on", "2026-06-21")})
    admin.post(f"{href}/approve", {"approved_by": "Business manager", **_date("approved_on", "2026-06-22")})
    check = admin.post(f"{href}/issue", {**_date("issued_on", "2026-07-01")}, expect=200).text
    assert "Check your answers before you issue the newsletter" in check and "Merseyside Police" in check
    assert _newsletters(store)[0].status is NewsletterStatus.APPROVED
    admin.post(f"{href}/issue", {**_date("issued_on", "2026-07-01"), "confirmed": "yes"})
    assert _newsletters(store)[0].status is NewsletterStatus.ISSUED

    police = Browser(app, role="agency", agency_id=POLICE, name="pat")
    assert "Fathers, this summer." in police.get(f"{href}/read")
    police.get(href, expect=403)  # the business unit's page, with its buttons, is not the agency's
    council = Browser(app, role="agency", agency_id=COUNCIL, name="sam")
    council.get(f"{href}/read", expect=404)
    council.get(f"{href}/newsletter.pdf", expect=404)
