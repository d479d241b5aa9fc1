"""A thematic dossier over HTTP: every finding on the themes across sources, with the
recommendations it led to and where their actions stand; read back as JSON, HTML, PDF (pypdf)
and Word (python-docx)."""

from __future__ import annotations

import io

import docx
import pypdf

from tests.e2e.conftest import Api, error_of

TODAY = "2026-10-12"
"""The police action is due on 2026-09-30: 12 days overdue on this day."""


def _learning(api: Api) -> str:
    """A practice review's finding (information sharing, male carers) with an accepted
    recommendation and an action; an audit's finding on neglect only; and one on information
    sharing recorded before the period. The Lif-Position of the last command."""
    review, finding = api.reported_review()
    recommendation = api.recommend(review, finding)["id"]
    api.decide("recommendation", recommendation)
    api.agree_action(recommendation)
    audit = api.open_audit()["id"]
    api.act(audit, "start", {})
    api.finding(audit, summary="Plans for neglected children drifted.", themes=["neglect"], recorded_on="2026-03-02")
    r = api.client.post(f"{api.base}/activities/{audit}/findings", json={
        "category": "good_practice", "summary": "Schools shared attendance worries early.",
        "themes": ["information_sharing"], "recorded_on": "2026-02-10",
    })
    assert r.status_code == 200, r.text
    return r.headers["Lif-Position"]


def test_a_dossier_gathers_the_themes_findings_across_sources_with_their_actions(api: Api) -> None:
    position = _learning(api)
    params = {"theme": "information_sharing", "from": "2026-Q2", "today": TODAY, "min_position": position}
    d = api.get("/dossier", params=params)
    [finding] = d["findings"]  # the neglect-only finding and the one before April are not in it
    assert finding["summary"] == "Information about the father was not shared between agencies."
    assert finding["source"] == "Safeguarding Practice Learning Review"
    [recommendation] = finding["recommendations"]
    assert recommendation["status"] == "accepted" and recommendation["addressed_to"] == [
        "Merseyside Police", "Safeguarding Partnership",
    ]
    [action] = recommendation["actions"]
    assert (action["owner"], action["rag"], action["days_overdue"]) == ("Merseyside Police", "red", 12)
    everything = {k: v for k, v in params.items() if k != "from"}
    both = api.get("/dossier", params={**everything, "theme": ["information_sharing", "neglect"]})
    assert both["activities"] == 2 and both["sources"] == 2 and len(both["findings"]) == 3

    r = api.client.get(f"{api.base}/dossier.pdf", params=params)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(r.content)).pages).split())
    assert "Thematic dossier: Information sharing" in text
    assert "1 finding from 1 activity of 1 kind of source; 1 recommendation made from them; 1 action, 1 overdue" in text
    assert "Add a 'significant adults' field to the police record." in text
    assert "Red: 12 days overdue" in text and "OFFICIAL-SENSITIVE" in text and "Plans for neglected" not in text

    r = api.client.get(f"{api.base}/dossier.docx", params=params)
    assert r.status_code == 200
    [table] = docx.Document(io.BytesIO(r.content)).tables
    assert [c.text for c in table.rows[0].cells] == ["Recommendation", "Action", "Owner", "Due", "Where it stands"]
    owner, due, standing = (c.text for c in table.rows[1].cells[2:])
    assert (owner, due, standing) == ("Merseyside Police", "30 September 2026", "Red: 12 days overdue")

    r = api.client.get(f"{api.base}/dossier.html", params=params)
    assert r.status_code == 200 and '<td class="rag-red">Red: 12 days overdue</td>' in r.text
    assert "style-src" in r.headers["content-security-policy"]


def test_a_dossier_names_what_is_wrong_with_its_question(api: Api) -> None:
    r = api.client.get(f"{api.base}/dossier", params={"theme": "weather"})
    assert r.status_code == 422
    r = api.client.get(f"{api.base}/dossier", params={"theme": "neglect", "from": "2026-Q3", "to": "2026-Q1"})
    assert r.status_code == 422 and error_of(r)["code"] == "invalid_range"
    empty = api.get("/dossier", params={"theme": "online_harm"})
    assert empty["findings"] == [] and empty["activities"] == 0
