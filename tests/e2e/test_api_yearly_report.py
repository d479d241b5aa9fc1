"""The yearly report: built from the log as it stood on its date, sealed with the hash chain's
anchor (which /v1/admin/verify accepts), read back from Word (python-docx) and PDF (pypdf);
its publication and its sending to the Panel recorded as events."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from uuid import UUID

import docx
import pypdf

from adapters.store import EventStore
from domain.activity import Activity
from services.application.products.history import log_as_at
from tests.e2e.conftest import PARTNERSHIP, Api, error_of

TODAY = datetime.now(UTC).date()
YEAR = {"from": f"{TODAY.year}-01-01", "to": TODAY.isoformat()}
SECTIONS = [
    "1. What the safeguarding partners did", "2. The impact of training",
    "3. Progress on the partnership's priorities", "4. Recommendations of local and national reviews",
    "5. The voices of children and families", "About these figures",
]


def _year(api: Api) -> None:
    """A practice review (with its rapid review) reported with a finding, an accepted
    recommendation and an action already overdue; a thematic audit with a finding."""
    recommendation = api.accepted_recommendation()
    api.agree_action(recommendation, due_on="2026-06-30")
    audit = api.open_audit(opened_on="2026-02-02")["id"]
    api.act(audit, "start", {})
    api.finding(audit, summary="Plans drifted.", themes=["neglect"], recorded_on="2026-03-02")


def test_the_yearly_report_reads_like_one_and_its_anchor_verifies(api: Api) -> None:
    _year(api)
    seal = api.get("/yearly-report", params={**YEAR, "from": "2026-01-01"})
    assert seal["activities_opened"] == 3 and seal["findings"] == 2 and seal["recommendations_made"] == 1
    assert set(seal["little_or_no_progress"]) == {"information_sharing", "male_carers"}  # one overdue, none done
    verified = api.client.get("/v1/admin/verify", params={"anchor": seal["anchor"]}).json()
    assert verified["ok"] is True

    params = {**YEAR, "from": "2026-01-01"}
    r = api.client.get(f"{api.base}/yearly-report.docx", params=params)
    assert r.status_code == 200, r.text
    word = docx.Document(io.BytesIO(r.content))
    headings = [p.text for p in word.paragraphs if p.style is not None and p.style.name == "Heading 1"]
    assert headings == SECTIONS
    text = "\n".join(p.text for p in word.paragraphs)
    assert "opened 3 reviews and audits, signed off 0 and published 0" in text
    assert "Little or no progress on: Information sharing, Male carers." in text
    assert seal["anchor"] in text and "No evaluation of the impact of training" in text
    assert word.sections[0].header.paragraphs[0].text == "OFFICIAL-SENSITIVE"
    [kinds, reviews, priorities] = word.tables
    assert [c.text for c in reviews.rows[0].cells] == ["Review", "Opened", "Where it stands"]
    assert len(reviews.rows) == 3  # the rapid review and the practice review it led to
    assert ["Thematic Audit", "1", "0", "0", "1"] in [[c.text for c in row.cells] for row in kinds.rows]
    assert [c.text for c in priorities.rows[1].cells] == ["Information sharing", "1", "0", "1", "Little or no progress"]

    r = api.client.get(f"{api.base}/yearly-report.pdf", params=params)
    pdf = pypdf.PdfReader(io.BytesIO(r.content))
    flat = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    assert all(section in flat for section in SECTIONS), flat
    assert seal["anchor"] in flat.replace(" ", "")  # a line may break inside the 64 digits
    assert "OFFICIAL-SENSITIVE" in flat and f"Page 1 of {len(pdf.pages)}" in flat

    # Publication is an event keeping the anchor; then its sending to the national Panel.
    body = {"period_from": "2026-01-01", "period_to": TODAY.isoformat(), "anchor": seal["anchor"],
            "published_on": TODAY.isoformat()}
    published = api.post("/yearly-reports", body)
    assert published["yearly_reports"][0]["anchor"] == seal["anchor"]
    r = api.client.post(f"{api.base}/yearly-reports", json=body)
    assert r.status_code == 409 and error_of(r)["code"] == "yearly_report_published"
    sent = api.post("/yearly-reports/panel", {"period_to": TODAY.isoformat(), "sent_on": TODAY.isoformat()})
    assert sent["yearly_reports"][0]["sent_to_panel_on"] == TODAY.isoformat()
    r = api.client.post(f"{api.base}/yearly-reports", json={**body, "anchor": "12:abc"})
    assert r.status_code == 422 and error_of(r)["field"] == "anchor"


def test_the_report_is_built_from_the_log_as_it_stood(api: Api, store: EventStore) -> None:
    audit = api.open_audit()["id"]
    api.act(audit, "start", {})
    api.finding(audit, summary="Plans drifted.", themes=["neglect"], recorded_on="2026-03-02")
    then = max(e.timestamp for e in store.events_of(UUID(audit)))
    api.finding(audit, summary="Later finding.", themes=["neglect"], recorded_on="2026-03-03")
    before, now = log_as_at(store, PARTNERSHIP, then), log_as_at(store, PARTNERSHIP, datetime.now(UTC))
    [old], [new] = before.of(Activity), now.of(Activity)
    assert [f.summary for f in old.current_findings] == ["Plans drifted."]
    assert len(new.current_findings) == 2 and before.position < now.position
    assert before.anchor is not None and before.anchor.startswith(f"{before.position}:")


def test_a_report_before_the_partnership_existed_or_of_a_backwards_period_is_refused(api: Api) -> None:
    r = api.client.get(f"{api.base}/yearly-report", params={"from": "2020-01-01", "to": "2020-12-31"})
    assert r.status_code == 404 and error_of(r)["code"] == "unknown_partnership"
    r = api.client.get(f"{api.base}/yearly-report", params={"from": "2026-12-31", "to": "2026-01-01"})
    assert r.status_code == 422 and error_of(r)["code"] == "invalid_period"
    assert date.fromisoformat(YEAR["to"]) == TODAY
