"""A realistic demo partnership, loaded through the API's own HTTP commands.

Everything goes through the public POST routes, so the demo exercises the same
validation and rules a real client meets. Every POST carries an Idempotency-Key
derived from the step's name, and every entity the demo creates has an id
derived from its name, so a re-run after a crash resumes where it stopped
without duplicating anything. Dates are relative to the day the demo was first
loaded, so "overdue" stays overdue and a resumed run sends identical bodies.

Case references are pseudonymous (``SHSCP-RR-0142``); no child is named and
no date of birth appears anywhere.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TextIO
from uuid import NAMESPACE_URL, UUID, uuid5

import httpx
from fastapi import FastAPI

from domain.clocks import add_working_days, subtract_working_days
from domain.framework import ARLF, BOARD, CARE, CDOP, EXECUTIVE, SCPF, TASK_AND_FINISH

PARTNERSHIP_ID = "st-helens"
DISPLAY_NAME = "St Helens Safeguarding Children Partnership"
PRINCIPAL = "lif-demo"
_P = f"/v1/partnerships/{PARTNERSHIP_ID}"

# Who decides at each forum: roles, not people, so the demo names no one real.
_BOARD_MEMBERS = (
    "Independent Chair and Scrutineer",
    "Director of Children's Services, St Helens Borough Council",
    "Chief Superintendent, Merseyside Police",
    "Director of Nursing, NHS Cheshire and Merseyside ICB (St Helens Place)",
)
_EXECUTIVE_MEMBERS = _BOARD_MEMBERS[1:]
_ARLF_MEMBERS = (
    "ARLF Chair (Designated Nurse for Safeguarding Children)",
    "Head of Safeguarding and Quality Assurance, St Helens Borough Council",
    "Detective Inspector, Merseyside Police Public Protection Unit",
    "Named Nurse for Safeguarding, Mersey and West Lancashire Teaching Hospitals",
    "Partnership Business Manager",
)

# Meetings per forum, in days from the anchor date (moved to a working day).
_MEETINGS: dict[str, tuple[int, ...]] = {
    BOARD: (-147, -77, -14, 42, 98),
    EXECUTIVE: (-84, -28, 28, 84),
    ARLF: (-91, -56, -21, 14, 49, 84),
    SCPF: (-70, -7, 56),
    TASK_AND_FINISH: (-35, 21, 63),
    CDOP: (-42, 49),
    CARE: (-49, -21, 7, 35),
}


def demo_id(name: str) -> UUID:
    """The id of a demo entity: stable, so re-runs address the same records."""
    return uuid5(NAMESPACE_URL, f"lif:demo:{PARTNERSHIP_ID}:{name}")


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    path: str
    body: dict[str, Any]
    creates: tuple[str, UUID] | None = None

    @property
    def idempotency_key(self) -> str:
        return f"lif-demo:{PARTNERSHIP_ID}:{self.key}"


def _json(value: Any) -> Any:
    if isinstance(value, date | UUID):
        return str(value)
    if isinstance(value, tuple | list):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return value


class _Script:
    """Builds the demo's steps; each method is one API command."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.steps: list[Step] = []

    def on(self, offset: int) -> date:
        """A working day `offset` days from the anchor; past stays past, future stays future."""
        d = self.today + timedelta(days=offset)
        if offset < 0:
            return subtract_working_days(d, 0)
        return add_working_days(d, 0) if offset > 0 else d

    def post(
        self, key: str, label: str, path: str, creates: tuple[str, UUID] | None = None, **body: Any
    ) -> None:
        if any(s.key == key for s in self.steps):
            raise ValueError(f"duplicate demo step {key!r}")
        self.steps.append(Step(key, label, path, _json(body), creates))

    # --- activities -------------------------------------------------------

    def open(self, name: str, label: str, **body: Any) -> UUID:
        activity_id = demo_id(f"activity:{name}")
        self.post(
            f"{name}/open", f"opening activities: {label}", f"{_P}/activities",
            creates=("activity", activity_id), activity_id=activity_id, **body,
        )
        return activity_id

    def act(self, activity: UUID, name: str, path: str, label: str, **body: Any) -> None:
        self.post(name, label, f"{_P}/activities/{activity}/{path}", **body)

    def finding(self, activity: UUID, name: str, label: str, **body: Any) -> UUID:
        finding_id = demo_id(f"finding:{name}")
        self.act(
            activity, f"finding/{name}", "findings", f"recording findings: {label}",
            finding_id=finding_id, **body,
        )
        return finding_id

    def recommend(self, activity: UUID, name: str, label: str, **body: Any) -> UUID:
        recommendation_id = demo_id(f"recommendation:{name}")
        self.post(
            f"recommendation/{name}", f"making recommendations: {label}",
            f"{_P}/activities/{activity}/recommendations",
            creates=("recommendation", recommendation_id),
            recommendation_id=recommendation_id, **body,
        )
        return recommendation_id

    def decide(
        self, name: str, label: str, *, rationale: str, forum_id: str, offset: int,
        subject: str, subject_id: UUID, outcome: str,
    ) -> None:
        if offset not in _MEETINGS[forum_id]:
            raise ValueError(f"{forum_id} does not meet at {offset}")
        members = {BOARD: _BOARD_MEMBERS, EXECUTIVE: _EXECUTIVE_MEMBERS}.get(
            forum_id, _ARLF_MEMBERS
        )
        decision_id = demo_id(f"decision:{name}")
        self.post(
            f"decision/{name}", f"recording forum decisions: {label}", f"{_P}/decisions",
            creates=("decision", decision_id), decision_id=decision_id, rationale=rationale,
            forum_id=forum_id, meeting_on=self.on(offset), subject=subject,
            subject_id=subject_id, outcome=outcome, decided_by=members,
        )

    def agree(self, recommendation: UUID, name: str, label: str, **body: Any) -> UUID:
        action_id = demo_id(f"action:{name}")
        self.post(
            f"action/{name}/agree", f"agreeing actions: {label}",
            f"{_P}/recommendations/{recommendation}/actions",
            creates=("action", action_id), action_id=action_id, **body,
        )
        return action_id

    def on_action(self, action: UUID, name: str, path: str, label: str, **body: Any) -> None:
        self.post(
            f"action/{name}", f"tracking actions: {label}", f"{_P}/actions/{action}/{path}", **body
        )


def build_steps(today: date) -> list[Step]:
    """Every command of the demo, in order, with dates relative to `today`."""
    s = _Script(today)
    on = s.on

    s.post(
        "register", "registering the partnership with the framework's agencies and forums",
        "/v1/partnerships", partnership_id=PARTNERSHIP_ID, display_name=DISPLAY_NAME,
        rapid_review_starts_from="awareness", with_framework_defaults=True,
        rationale="Demonstration partnership loaded by `lif demo`.",
    )
    for forum_id, offsets in _MEETINGS.items():
        for offset in offsets:
            s.post(
                f"meeting/{forum_id}/{offset}", f"scheduling meetings: {forum_id} {on(offset)}",
                f"{_P}/meetings", forum_id=forum_id, meets_on=on(offset),
            )

    # --- a rapid review leading to a safeguarding practice review ---------------
    aware = on(-175)
    rr = s.open(
        "rapid-review-0142", "rapid review SHSCP-RR-0142",
        kind="rapid_review", title="Rapid review: serious injury to an infant (SHSCP-RR-0142)",
        opened_on=aware, aware_on=aware, case_reference="SHSCP-RR-0142",
        scope="An infant under one year old was admitted to hospital with a serious head injury "
        "thought to be non-accidental. Police had attended two domestic abuse incidents at the "
        "address; health visiting had raised concerns about home conditions.",
        agencies_involved=(
            "merseyside-police", "st-helens-council", "mersey-west-lancs-nhs",
            "nhs-cheshire-merseyside-icb", "st-helens-schools",
        ),
    )
    s.act(rr, "rr-0142/notify", "serious-incident-notification",
          "rapid review: notifying the national Panel", notified_on=add_working_days(aware, 3))
    s.act(rr, "rr-0142/start", "start", "rapid review: starting")
    s.act(
        rr, "rr-0142/child-voice", "child-voice", "rapid review: recording the child's voice",
        summary="The baby could not speak for themselves. The review considered the baby's daily "
        "lived experience through health visiting observations and the older sibling's account "
        "to their social worker.",
    )
    s.finding(
        rr, "rr-0142/household", "rapid review: who was in the household",
        category="area_for_improvement",
        summary="No agency knew that the mother's partner was living in the home; he was not "
        "seen or assessed at any contact.",
        themes=("male_carers", "professional_curiosity"),
        agencies_concerned=("st-helens-council", "mersey-west-lancs-nhs"),
        recorded_on=add_working_days(aware, 9),
    )
    rr_done = add_working_days(aware, 14)
    s.act(rr, "rr-0142/complete", "rapid-review-completion", "rapid review: completing",
          completed_on=rr_done)
    s.act(
        rr, "rr-0142/report", "report", "rapid review: reporting to the Board",
        report_summary="The criteria for a local child safeguarding practice review are met; "
        "the national Panel agrees. Immediate learning on domestic abuse notifications for "
        "under-ones was shared with partners.",
        reported_on=rr_done,
    )
    s.act(
        rr, "rr-0142/recommendation", "rapid-review-recommendation",
        "rapid review: recommending a practice review", recommends="practice_review",
        reasons="Serious harm to an infant where abuse is suspected, and several agencies knew of "
        "domestic abuse and poor home conditions without acting together: the criteria for a "
        "local child safeguarding practice review are met.",
        recommended_on=rr_done,
    )
    s.act(
        rr, "rr-0142/panel-view", "panel-view", "rapid review: the national Panel's view",
        view="agrees", summary="The Panel agrees that a local child safeguarding practice review "
        "is appropriate and asks that it looks closely at information sharing.",
        received_on=add_working_days(rr_done, 2),
    )
    s.decide(
        "rr-0142/commission", "Board commissions the practice review SHSCP-RR-0142",
        rationale="The Board accepts the rapid review's recommendation, which the national Panel "
        "supports: a local child safeguarding practice review is commissioned.",
        forum_id=BOARD, offset=-147, subject="practice_review_commissioning", subject_id=rr,
        outcome="accept",
    )
    s.decide(
        "rr-0142/sign-off", "Board signs off rapid review SHSCP-RR-0142",
        rationale="The Board agreed the rapid review's conclusion that a local practice review is "
        "required and commissioned an independent lead reviewer.",
        forum_id=BOARD, offset=-147, subject="activity_sign_off", subject_id=rr, outcome="accept",
    )
    s.act(rr, "rr-0142/close", "closure", "rapid review: closing", closed_on=on(-140))

    spr = s.open(
        "practice-review-0142", "safeguarding practice review (from SHSCP-RR-0142)",
        kind="safeguarding_practice_review",
        title="Child safeguarding practice review: serious injury to an infant (SHSCP-RR-0142)",
        opened_on=on(-140), originating_activity_id=rr,
        scope="How agencies identified and responded to neglect and domestic abuse in the "
        "household in the twelve months before the injury, and how information was shared "
        "between police, children's social care, health and school.",
        agencies_involved=(
            "merseyside-police", "st-helens-council", "mersey-west-lancs-nhs",
            "nhs-cheshire-merseyside-icb", "st-helens-schools",
        ),
        rationale="The rapid review found serious harm where neglect and domestic abuse were "
        "known to several agencies and significant concerns about how they worked together; "
        "a full independent review is proportionate.",
    )
    s.act(spr, "spr-0142/lead", "lead-reviewer", "practice review: appointing the lead reviewer",
          reviewer_name="Independent lead reviewer (registered social worker, no prior "
          "involvement with St Helens agencies)")
    s.act(spr, "spr-0142/start", "start", "practice review: starting")
    s.act(
        spr, "spr-0142/practitioners", "practitioner-involvement",
        "practice review: recording practitioner involvement",
        summary="Two practitioner learning events with 14 practitioners from police, health "
        "visiting, midwifery, the emergency department, children's social care and school, "
        "and individual conversations with the allocated social worker and health visitor.",
    )
    s.act(
        spr, "spr-0142/family", "family-involvement",
        "practice review: offering family involvement",
        offered_on=on(-120), response="accepted",
        summary="The mother met the lead reviewer twice with an advocate. The father declined "
        "through his solicitor while criminal proceedings continue.",
    )
    s.act(
        spr, "spr-0142/child-voice", "child-voice", "practice review: recording the child's voice",
        summary="The review reconstructed the baby's daily experience from records and "
        "includes the older sibling's words, gathered by their social worker: home was "
        "'shouty at night' and they 'looked after the baby when mum was sad'.",
    )
    f_neglect = s.finding(
        spr, "spr-0142/neglect", "practice review: neglect",
        category="area_for_improvement",
        summary="Poor home conditions were recorded at three health visitor contacts but each "
        "was treated as a one-off; no one drew them together as a picture of neglect.",
        themes=("neglect", "professional_curiosity"),
        agencies_concerned=("mersey-west-lancs-nhs", "st-helens-council"),
        recorded_on=on(-90),
    )
    f_curiosity = s.finding(
        spr, "spr-0142/curiosity", "practice review: professional curiosity",
        category="area_for_improvement",
        summary="Practitioners accepted the mother's account that she lived alone; no one "
        "asked who else lived in or visited the home, so the partner was invisible to "
        "assessment.",
        themes=("professional_curiosity", "male_carers"),
        agencies_concerned=(
            "st-helens-council", "mersey-west-lancs-nhs", "nhs-cheshire-merseyside-icb",
        ),
        recorded_on=on(-85),
    )
    f_sharing = s.finding(
        spr, "spr-0142/information-sharing", "practice review: information sharing",
        category="area_for_improvement",
        summary="Two police domestic abuse notifications reached children's social care but "
        "were not shared with health visiting or the GP, so the risk to the baby was not "
        "assessed by those who saw the family most.",
        themes=("information_sharing", "domestic_abuse"),
        agencies_concerned=("merseyside-police", "st-helens-council"),
        recorded_on=on(-80),
    )
    f_voice = s.finding(
        spr, "spr-0142/voice", "practice review: voice of the child",
        category="area_for_improvement",
        summary="The older sibling told a teaching assistant that home was frightening at "
        "night; it was logged but not passed to the Designated Safeguarding Lead.",
        themes=("voice_of_the_child", "domestic_abuse"),
        agencies_concerned=("st-helens-schools",),
        recorded_on=on(-75),
    )
    s.finding(
        spr, "spr-0142/emergency-department", "practice review: good practice in the ED",
        category="good_practice",
        summary="Emergency department staff recognised the injury as possibly non-accidental, "
        "made an immediate well-evidenced referral and the strategy discussion took place "
        "within hours.",
        themes=("non_accidental_injury_in_infants", "multi_agency_working"),
        agencies_concerned=("mersey-west-lancs-nhs", "merseyside-police"),
        recorded_on=on(-70),
    )
    s.act(
        spr, "spr-0142/report", "report", "practice review: reporting",
        report_summary="Four areas for improvement (neglect, professional curiosity about the "
        "household, sharing domestic abuse notifications, hearing the child in school) and "
        "one example of good practice; four recommendations.",
        reported_on=on(-35),
    )
    made = on(-35)
    r_notifications = s.recommend(
        spr, "spr-0142/notifications", "domestic abuse notifications for under-ones",
        finding_ids=(f_sharing,), made_on=made,
        text="Merseyside Police and Children's Services to ensure every domestic abuse "
        "notification involving a pregnant woman or a child under one is shared with the "
        "health visiting service and GP within one working day.",
        addressed_to=("merseyside-police", "st-helens-council"),
    )
    r_household = s.recommend(
        spr, "spr-0142/household", "neglect and household composition",
        finding_ids=(f_neglect, f_curiosity), made_on=made,
        text="The partnership to embed the Graded Care Profile 2 and a 'who lives here and who "
        "visits' prompt in every agency's assessment and contact records.",
        addressed_to=("partnership",),
    )
    r_dsl = s.recommend(
        spr, "spr-0142/dsl", "children's disclosures in school",
        finding_ids=(f_voice,), made_on=made,
        text="Schools to make sure anything a child says about home that may be a safeguarding "
        "concern reaches the Designated Safeguarding Lead the same day.",
        addressed_to=("st-helens-schools",),
    )
    r_fathers = s.recommend(
        spr, "spr-0142/fathers", "recording fathers and male carers",
        finding_ids=(f_curiosity,), made_on=made,
        text="Health agencies to record the details of fathers and male carers at every "
        "contact and to invite them to appointments.",
        addressed_to=("mersey-west-lancs-nhs", "nhs-cheshire-merseyside-icb"),
    )
    for name, rec, why in (
        ("notifications", r_notifications, "Directly addresses the missed sharing of domestic "
         "abuse notifications; police and Children's Services confirmed capacity."),
        ("household", r_household, "Builds on the GCP2 work already under way; agencies agreed "
         "to add the household prompt to their templates."),
        ("dsl", r_dsl, "Schools' safeguarding leads agreed the same-day standard."),
    ):
        s.decide(
            f"spr-0142/{name}", f"ARLF accepts practice review recommendation ({name})",
            rationale=why, forum_id=ARLF, offset=-21, subject="recommendation",
            subject_id=rec, outcome="accept",
        )
    s.decide(
        "spr-0142/fathers-deferred", "ARLF defers practice review recommendation (fathers)",
        rationale="Deferred to the Board: health partners need to confirm their record systems "
        "can hold details of male carers before committing.",
        forum_id=ARLF, offset=-21, subject="recommendation", subject_id=r_fathers, outcome="defer",
    )
    s.decide(
        "spr-0142/fathers-accepted", "Board accepts practice review recommendation (fathers)",
        rationale="Health partners confirmed both record systems can hold male carers' details; "
        "accepted.",
        forum_id=BOARD, offset=-14, subject="recommendation", subject_id=r_fathers,
        outcome="accept",
    )
    s.decide(
        "spr-0142/sign-off", "Board signs off the practice review",
        rationale="Practitioners, the family and the child's lived experience are all reflected; "
        "the Board endorsed the findings and recommendations for publication.",
        forum_id=BOARD, offset=-14, subject="activity_sign_off", subject_id=spr, outcome="accept",
    )
    s.act(spr, "spr-0142/publication-plan", "publication-plan",
          "practice review: planning publication", planned_on=on(28))

    # --- a thematic audit of neglect ---------------------------------------------
    ta = s.open(
        "thematic-audit-neglect", "thematic audit of neglect",
        kind="thematic_audit", title="Multi-agency thematic audit: neglect",
        opened_on=on(-100),
        scope="Twelve children on child in need or child protection plans where neglect is the "
        "primary concern, audited jointly by social care, health, education and police.",
        agencies_involved=(
            "st-helens-council", "st-helens-schools", "nhs-cheshire-merseyside-icb",
            "merseyside-police",
        ),
    )
    s.act(ta, "neglect-audit/start", "start", "thematic audit: starting")
    f_gcp2 = s.finding(
        ta, "neglect-audit/gcp2", "thematic audit: GCP2 in social work",
        category="good_practice",
        summary="Social workers used the Graded Care Profile 2 in 10 of 12 cases and plans "
        "were clearly linked to its scores.",
        themes=("neglect", "risk_assessment"),
        agencies_concerned=("st-helens-council",), recorded_on=on(-60),
    )
    f_drift = s.finding(
        ta, "neglect-audit/drift", "thematic audit: drift in chronic neglect",
        category="area_for_improvement",
        summary="In 5 of 12 cases children stayed on child in need plans for over a year "
        "without improvement and without escalation or management challenge.",
        themes=("neglect", "escalation_and_challenge"),
        agencies_concerned=("st-helens-council",), recorded_on=on(-58),
    )
    f_schools = s.finding(
        ta, "neglect-audit/schools", "thematic audit: schools' contribution",
        category="area_for_improvement",
        summary="School records held rich observations of children's presentation (hunger, "
        "clothing, attendance) that did not reach core group meetings.",
        themes=("neglect", "information_sharing", "voice_of_the_child"),
        agencies_concerned=("st-helens-schools",), recorded_on=on(-55),
    )
    s.act(
        ta, "neglect-audit/report", "report", "thematic audit: reporting",
        report_summary="Strong use of GCP2 by social workers; drift in long-running child in "
        "need plans and schools' observations not reaching plans.",
        reported_on=on(-40),
    )
    r_oversight = s.recommend(
        ta, "neglect-audit/oversight", "management oversight of long plans",
        finding_ids=(f_drift,), made_on=on(-40),
        text="Children's Services to introduce a six-monthly management review of every child "
        "in need plan where neglect is the primary concern.",
        addressed_to=("st-helens-council",),
    )
    r_tool = s.recommend(
        ta, "neglect-audit/school-tool", "a separate neglect tool for schools",
        finding_ids=(f_schools,), made_on=on(-40),
        text="Schools to adopt a separate neglect screening checklist.",
        addressed_to=("st-helens-schools",),
    )
    r_core = s.recommend(
        ta, "neglect-audit/core-groups", "schools' observations in core groups",
        finding_ids=(f_schools, f_gcp2), made_on=on(-40),
        text="Schools to bring a GCP2-based summary of the child's presentation to every core "
        "group meeting.",
        addressed_to=("st-helens-schools",),
    )
    s.decide(
        "neglect-audit/oversight", "ARLF accepts thematic audit recommendation (oversight)",
        rationale="Drift was the audit's most serious finding; Children's Services agreed.",
        forum_id=ARLF, offset=-21, subject="recommendation", subject_id=r_oversight,
        outcome="accept",
    )
    s.decide(
        "neglect-audit/school-tool", "ARLF rejects thematic audit recommendation (school tool)",
        rationale="A separate checklist would duplicate GCP2 and confuse practitioners; the "
        "forum preferred extending GCP2 to schools (the core groups recommendation).",
        forum_id=ARLF, offset=-21, subject="recommendation", subject_id=r_tool, outcome="reject",
    )
    s.decide(
        "neglect-audit/core-groups", "ARLF accepts thematic audit recommendation (core groups)",
        rationale="Uses the partnership's existing neglect tool; schools' leads agreed.",
        forum_id=ARLF, offset=-21, subject="recommendation", subject_id=r_core, outcome="accept",
    )
    s.decide(
        "neglect-audit/sign-off", "ARLF signs off the thematic audit",
        rationale="The audit sample and method were sound; findings agreed by all auditors.",
        forum_id=ARLF, offset=-21, subject="activity_sign_off", subject_id=ta, outcome="accept",
    )

    # --- the Section 11 audit ----------------------------------------------------
    s11 = s.open(
        "section-11", "section 11 audit",
        kind="section_11_audit", title="Section 11 audit: partner self-assessments",
        opened_on=on(-180),
        scope="Self-assessment by every partner agency against the Section 11 standards of the "
        "Children Act 2004, tested at peer challenge events.",
        agencies_involved=(
            "merseyside-police", "st-helens-council", "mersey-west-lancs-nhs", "mersey-care-nhs",
            "probation-service", "st-helens-cvs",
        ),
    )
    s.act(s11, "section-11/start", "start", "section 11 audit: starting")
    s.finding(
        s11, "section-11/recruitment", "section 11 audit: safer recruitment",
        category="good_practice",
        summary="All statutory partners evidenced safer recruitment checks and a named "
        "safeguarding lead at board level.",
        themes=("multi_agency_working",),
        agencies_concerned=("merseyside-police", "st-helens-council", "mersey-west-lancs-nhs"),
        recorded_on=on(-110),
    )
    f_training = s.finding(
        s11, "section-11/training", "section 11 audit: probation training",
        category="area_for_improvement",
        summary="Only 71% of probation practitioners were up to date with level 3 "
        "safeguarding children training.",
        themes=("domestic_abuse", "risk_assessment"),
        agencies_concerned=("probation-service",), recorded_on=on(-105),
    )
    f_policies = s.finding(
        s11, "section-11/policies", "section 11 audit: voluntary sector policies",
        category="area_for_improvement",
        summary="Small voluntary organisations' safeguarding policies were often out of date "
        "and did not reflect the current escalation procedure.",
        themes=("escalation_and_challenge",),
        agencies_concerned=("st-helens-cvs",), recorded_on=on(-100),
    )
    # A correction is recorded as an amendment of its own; the first version stays in the history.
    s.act(
        s11, "section-11/training-amended", "finding-amendments",
        "section 11 audit: correcting the probation training figure",
        finding_id=f_training, category="area_for_improvement",
        summary="Only 74% of probation practitioners were up to date with level 3 "
        "safeguarding children training.",
        themes=("domestic_abuse", "risk_assessment"), agencies_concerned=("probation-service",),
        amended_on=on(-95),
        rationale="Probation's return counted staff on long-term leave; the corrected figure is 74%.",
    )
    s.act(
        s11, "section-11/report", "report", "section 11 audit: reporting",
        report_summary="Good compliance overall; two areas for improvement (probation training, "
        "voluntary sector policies).",
        reported_on=on(-90),
    )
    r_probation = s.recommend(
        s11, "section-11/probation", "probation training",
        finding_ids=(f_training,), made_on=on(-90),
        text="The Probation Service to raise level 3 safeguarding children training compliance "
        "to at least 90%.",
        addressed_to=("probation-service",),
    )
    r_cvs = s.recommend(
        s11, "section-11/cvs", "voluntary sector policies",
        finding_ids=(f_policies,), made_on=on(-90),
        text="St Helens CVS to refresh its safeguarding policy template and support member "
        "organisations to adopt it.",
        addressed_to=("st-helens-cvs",),
    )
    s.decide(
        "section-11/probation", "Executive accepts section 11 recommendation (probation)",
        rationale="Training compliance is a statutory expectation; accepted with a three-month "
        "target.",
        forum_id=EXECUTIVE, offset=-84, subject="recommendation", subject_id=r_probation,
        outcome="accept",
    )
    s.decide(
        "section-11/cvs", "ARLF accepts section 11 recommendation (voluntary sector)",
        rationale="CVS agreed to lead the work with its member organisations.",
        forum_id=ARLF, offset=-56, subject="recommendation", subject_id=r_cvs, outcome="accept",
    )
    s.decide(
        "section-11/sign-off", "ARLF signs off the section 11 audit",
        rationale="All agencies returned self-assessments and attended challenge events.",
        forum_id=ARLF, offset=-56, subject="activity_sign_off", subject_id=s11, outcome="accept",
    )

    # --- a training impact evaluation, awaiting sign-off --------------------------
    tie = s.open(
        "training-gcp2", "training impact evaluation",
        kind="training_impact_evaluation",
        title="Impact evaluation: neglect and GCP2 multi-agency training",
        opened_on=on(-60),
        scope="Pre- and post-course questionnaires and three-month follow-up conversations with "
        "practitioners who attended the neglect and GCP2 course this year.",
        agencies_involved=("st-helens-council", "mersey-west-lancs-nhs", "st-helens-schools"),
    )
    s.act(tie, "training-gcp2/start", "start", "training evaluation: starting")
    s.finding(
        tie, "training-gcp2/confidence", "training evaluation: confidence",
        category="good_practice",
        summary="Practitioners' confidence in recognising neglect rose from 54% before the "
        "course to 86% after it.",
        themes=("neglect",), recorded_on=on(-35),
    )
    f_followup = s.finding(
        tie, "training-gcp2/follow-up", "training evaluation: changes in practice",
        category="area_for_improvement",
        summary="At three months only 38% of health attendees could give an example of changed "
        "practice; the course has no follow-up.",
        themes=("neglect", "multi_agency_working"),
        agencies_concerned=("mersey-west-lancs-nhs",), recorded_on=on(-33),
    )
    s.act(
        tie, "training-gcp2/report", "report", "training evaluation: reporting",
        report_summary="Knowledge and confidence improve; changes in practice are not yet "
        "evidenced, especially in health.",
        reported_on=on(-30),
    )
    r_followup = s.recommend(
        tie, "training-gcp2/follow-up", "a three-month follow-up",
        finding_ids=(f_followup,), made_on=on(-30),
        text="Add a three-month practice follow-up to every partnership course.",
        addressed_to=("partnership",),
    )
    s.decide(
        "training-gcp2/follow-up", "ARLF defers training recommendation (follow-up)",
        rationale="Deferred until the training sub-group has costed the trainer time needed.",
        forum_id=ARLF, offset=-21, subject="recommendation", subject_id=r_followup,
        outcome="defer",
    )
    s.decide(
        "training-gcp2/sign-off-deferred", "ARLF defers signing off the training evaluation",
        rationale="The forum asked for health partners' follow-up data before signing off.",
        forum_id=ARLF, offset=-21, subject="activity_sign_off", subject_id=tie, outcome="defer",
    )

    # --- a multi-agency practice learning review, in progress --------------------
    maplr = s.open(
        "maplr-0057", "multi-agency practice learning review SHSCP-MAPLR-0057",
        kind="multi_agency_practice_learning_review",
        title="Multi-agency practice learning review: exploitation of an adolescent",
        opened_on=on(-45), case_reference="SHSCP-MAPLR-0057",
        scope="A teenager repeatedly missing from home and found in another county; how "
        "agencies recognised and responded to criminal exploitation.",
        agencies_involved=(
            "merseyside-police", "st-helens-council", "st-helens-schools", "mersey-care-nhs",
        ),
        rationale="Below the threshold for a practice review, but the CARE group asked for "
        "multi-agency learning on exploitation; a MAPLR is proportionate.",
    )
    s.act(maplr, "maplr-0057/lead", "lead-reviewer",
          "learning review: appointing the lead reviewer",
          reviewer_name="Independent reviewer commissioned by the partnership")
    s.act(maplr, "maplr-0057/start", "start", "learning review: starting")
    s.act(
        maplr, "maplr-0057/practitioners", "practitioner-involvement",
        "learning review: recording practitioner involvement",
        summary="A practitioner workshop with the youth justice worker, school pastoral lead, "
        "CAMHS clinician and missing-from-home coordinator.",
    )
    s.act(
        maplr, "maplr-0057/family", "family-involvement",
        "learning review: offering family involvement",
        offered_on=on(-25), response="no_response",
        summary="A letter and a follow-up call offered the parent a meeting with the reviewer; "
        "no reply yet.",
    )
    s.finding(
        maplr, "maplr-0057/return-interviews", "learning review: return home interviews",
        category="area_for_improvement",
        summary="Return home interviews after each missing episode were not shared with the "
        "school or CAMHS, so nobody saw the pattern of exploitation.",
        themes=("child_exploitation", "extrafamilial_harm", "information_sharing"),
        agencies_concerned=("st-helens-council",), recorded_on=on(-10),
    )

    # --- actions in every state ---------------------------------------------------
    a_police = s.agree(
        r_notifications, "police-notifications", "police notification process",
        owner_agency_id="merseyside-police", due_on=on(60),
        description="Flag domestic abuse incidents involving a pregnant woman or a child under "
        "one to the 0-19 health service and GP within one working day.",
    )
    s.on_action(a_police, "police-notifications/progress", "progress",
                "police notifications on track", noted_on=on(-7), on_track=True,
                note="Process change drafted; trial in the MASH starts next month.")
    a_mash = s.agree(
        r_notifications, "mash-copying", "MASH copying notifications to health",
        owner_agency_id="st-helens-council", due_on=on(30),
        description="MASH to copy every domestic abuse notification for under-ones to health "
        "visiting the same day.",
    )
    s.on_action(a_mash, "mash-copying/progress", "progress", "MASH copying reported off track",
                noted_on=on(-5), on_track=False,
                note="The case management system change is delayed by the supplier; the interim "
                "manual process is not used consistently.")
    s.agree(
        r_household, "gcp2-refresher", "GCP2 refresher (overdue)",
        owner_agency_id="st-helens-council", due_on=on(-3),
        description="Deliver GCP2 refresher sessions to every children's social care team.",
    )
    a_prompt = s.agree(
        r_household, "household-prompt", "household prompt in health templates",
        owner_agency_id="nhs-cheshire-merseyside-icb", due_on=on(60),
        description="Add a 'who lives here and who visits' prompt to GP and community health "
        "templates.",
    )
    s.on_action(a_prompt, "household-prompt/reschedule", "reschedule",
                "household prompt rescheduled", due_on=on(90),
                rationale="Aligned with the GP clinical system upgrade, which the ICB does not "
                "control.")
    s.agree(
        r_fathers, "male-carers", "recording male carers",
        owner_agency_id="mersey-west-lancs-nhs", due_on=on(75),
        description="Record fathers' and male carers' details at every maternity and health "
        "visiting contact.",
    )
    a_dsl = s.agree(
        r_dsl, "dsl-briefing", "DSL same-day briefing",
        owner_agency_id="st-helens-schools", due_on=on(-10),
        description="Brief every Designated Safeguarding Lead and issue a same-day reporting "
        "standard to all school staff.",
    )
    s.on_action(
        a_dsl, "dsl-briefing/complete", "completion", "DSL briefing completed (awaiting assurance)",
        completed_on=on(-12),
        evidence=({"description": "Briefing delivered at the DSL network to 58 of 61 schools",
                   "reference": "DSL network minutes"},),
    )
    s.agree(
        r_oversight, "cin-oversight", "six-monthly management review",
        owner_agency_id="st-helens-council", due_on=on(45),
        description="Introduce six-monthly management reviews of child in need plans for "
        "neglect.",
    )
    a_core = s.agree(
        r_core, "core-group-summary", "schools' GCP2 summary",
        owner_agency_id="st-helens-schools", due_on=on(60),
        description="Provide a GCP2-based summary template for schools to bring to core groups.",
    )
    s.on_action(a_core, "core-group-summary/progress", "progress", "core group summary on track",
                noted_on=on(-2), on_track=True, note="Template piloted in four primary schools.")
    a_probation = s.agree(
        r_probation, "probation-training", "probation level 3 training",
        owner_agency_id="probation-service", due_on=on(-30),
        description="Raise level 3 safeguarding children training compliance to at least 90%.",
    )
    s.on_action(
        a_probation, "probation-training/complete", "completion", "probation training completed",
        completed_on=on(-35),
        evidence=({"description": "Training compliance report showing 92% of practitioners "
                   "up to date", "reference": "PS-L3-Q3"},),
    )
    s.on_action(
        a_probation, "probation-training/assure", "assurance", "probation training assured",
        assured_on=on(-10),
        impact_statement="A dip sample of ten cases found domestic abuse risk to children "
        "identified and shared in nine.",
    )
    a_cvs = s.agree(
        r_cvs, "cvs-policies", "voluntary sector policy template",
        owner_agency_id="st-helens-cvs", due_on=on(-40),
        description="Refresh the safeguarding policy template and support 20 member "
        "organisations to adopt it.",
    )
    s.on_action(
        a_cvs, "cvs-policies/complete", "completion", "voluntary sector policies completed",
        completed_on=on(-42),
        evidence=({"description": "New template published; 20 organisations confirmed "
                   "adoption"},),
    )
    s.on_action(
        a_cvs, "cvs-policies/assure", "assurance", "voluntary sector policies assured",
        assured_on=on(-21),
        impact_statement="Adoption confirmed by each organisation's safeguarding lead.",
    )
    s.on_action(
        a_cvs, "cvs-policies/reopen", "reopening", "voluntary sector policies reopened",
        reason="A spot check found 4 of the 20 organisations still using the old template.",
        due_on=on(35),
    )
    # --- a new rapid review this week: its statutory clocks are running ----------
    # Last on purpose: `_is_loaded` treats its notification as "the demo is complete".
    aware_recent = subtract_working_days(today, 6)
    recent = s.open(
        "rapid-review-0158", "rapid review SHSCP-RR-0158",
        kind="rapid_review", title="Rapid review: serious incident (SHSCP-RR-0158)",
        opened_on=aware_recent, aware_on=aware_recent, case_reference="SHSCP-RR-0158",
        scope="A child known to early help seriously harmed at home; agencies' chronologies "
        "requested.",
        agencies_involved=("merseyside-police", "st-helens-council", "st-helens-schools"),
    )
    s.act(recent, "rr-0158/notify", "serious-incident-notification",
          "rapid review: notifying the national Panel",
          notified_on=add_working_days(aware_recent, 2))
    return s.steps


# --- running the steps ------------------------------------------------------


class DemoError(Exception):
    """A step the API refused: the demo stops there (a re-run resumes)."""


@dataclass
class _Run:
    applied: int = 0
    replayed: int = 0


def admin_headers(app: FastAPI) -> dict[str, str]:
    """A short-lived admin token for the demo partnership, minted with the app's own key."""
    from services.auth.principals import Role, make_principal
    from services.auth.tokens import issue

    principal = make_principal(Role.ADMIN, PARTNERSHIP_ID, PRINCIPAL)
    return {"Authorization": f"Bearer {issue(app.state.signing_key, principal, timedelta(hours=1))}"}


def _headers(step: Step | None = None) -> dict[str, str]:
    # Who acts comes from the client's token (admin:lif-demo): the same on every run,
    # so a resumed load replays the first run's idempotency keys.
    headers: dict[str, str] = {}
    if step is not None:
        headers["Idempotency-Key"] = step.idempotency_key
    return headers


def _paced(send: Callable[[], httpx.Response]) -> httpx.Response:
    """Sends, waiting out the API's rate limit (429 + Retry-After) when it answers so."""
    for _ in range(100):
        response = send()
        if response.status_code != 429:
            return response
        time.sleep(min(float(response.headers.get("Retry-After", "1")), 10.0))
    return response


def _get(client: httpx.Client, path: str) -> dict[str, Any] | None:
    response = _paced(lambda: client.get(path, headers=_headers()))
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise DemoError(f"GET {path} answered {response.status_code}: {response.text}")
    body: dict[str, Any] = response.json()
    return body


def _post(client: httpx.Client, step: Step) -> httpx.Response:
    return _paced(lambda: client.post(step.path, json=step.body, headers=_headers(step)))


def _refusal(step: Step, response: httpx.Response) -> str:
    try:
        error = response.json()["error"]
        reason = f"{error['code']} ({error.get('field')}): {error['message']}"
    except (ValueError, KeyError, TypeError):
        reason = response.text
    return f"step {step.key!r} refused with {response.status_code}: {reason}"


def _is_loaded(client: httpx.Client) -> bool:
    """True once the last step (the recent rapid review's notification) is recorded."""
    view = _get(client, f"{_P}/activities/{demo_id('activity:rapid-review-0158')}")
    return view is not None and view["activity"]["notified_on"] is not None


def _run_steps(client: httpx.Client, steps: list[Step], err: TextIO) -> _Run:
    run = _Run()
    width = len(str(len(steps)))
    for i, step in enumerate(steps, start=1):
        print(f"  [{i:>{width}}/{len(steps)}] {step.label}…", file=err)
        response = _post(client, step)
        if not response.is_success:
            raise DemoError(_refusal(step, response))
        if response.headers.get("Idempotent-Replayed") == "true":
            run.replayed += 1
        else:
            run.applied += 1
    return run


def _load(client: httpx.Client, out: TextIO, err: TextIO) -> int:
    """Loads (or resumes loading) the demo; prints progress to `err`, the summary to `out`."""
    existing = _get(client, _P)
    # A resumed run uses the first run's dates, so every body matches its stored answer.
    today = (
        date.today() if existing is None
        else datetime.fromisoformat(existing["created_on"]).astimezone().date()
    )
    steps = build_steps(today)
    if existing is not None:
        if _is_loaded(client):
            print(f"Partnership {PARTNERSHIP_ID!r} already exists with the demo loaded; "
                  "nothing added.", file=out)
            _summarise(client, steps, out)
            return 0
        first = _post(client, steps[0])
        if first.status_code == 409:
            print(f"Partnership {PARTNERSHIP_ID!r} already exists and was not created by the "
                  "demo; nothing loaded.", file=out)
            return 0
        if not first.is_success:
            raise DemoError(_refusal(steps[0], first))
        print(f"Partnership {PARTNERSHIP_ID!r} exists but the demo was interrupted; resuming.",
              file=err)
    print(f"Loading demo partnership {PARTNERSHIP_ID!r} ({len(steps)} commands, dates relative "
          f"to {today.isoformat()})", file=err)
    run = _run_steps(client, steps, err)
    print(f"Loaded {DISPLAY_NAME} ({PARTNERSHIP_ID}): {run.applied} commands applied"
          + (f", {run.replayed} already applied before" if run.replayed else "") + ".", file=out)
    _summarise(client, steps, out)
    return 0


def _summarise(client: httpx.Client, steps: list[Step], out: TextIO) -> None:
    """Counts read back through the API, so the summary shows what was stored."""
    created: dict[str, list[UUID]] = {}
    for step in steps:
        if step.creates:
            created.setdefault(step.creates[0], []).append(step.creates[1])

    def fetch(kind: str, collection: str) -> list[dict[str, Any]]:
        found = (_get(client, f"{_P}/{collection}/{i}") for i in created.get(kind, []))
        return [f for f in found if f is not None]

    p = _get(client, _P)
    assert p is not None
    today = date.today()
    meetings = [date.fromisoformat(d) for f in p["forums"].values() for d in f["meetings"]]
    activities = [v["activity"] for v in fetch("activity", "activities")]
    findings = [f for a in activities for f in a["findings"].values()]
    recommendations = fetch("recommendation", "recommendations")
    actions = fetch("action", "actions")
    decisions = fetch("decision", "decisions")

    def counts(values: list[str]) -> str:
        return ", ".join(
            f"{k.replace('_', ' ')} {n}" for k, n in sorted(Counter(values).items())
        )

    lines = [
        f"{p['name']} ({PARTNERSHIP_ID})",
        f"  agencies: {len(p['agencies'])}  forums: {len(p['forums'])}  meetings: {len(meetings)} "
        f"({sum(d < today for d in meetings)} past, {sum(d >= today for d in meetings)} upcoming)",
        f"  activities: {len(activities)} ({counts([a['status'] for a in activities])})",
    ]
    by_kind = Counter(a["kind"] for a in activities)
    lines += [f"    {kind}: {n}" for kind, n in sorted(by_kind.items())]
    lines += [
        f"  findings: {len(findings)} ({counts([f['category'] for f in findings])})",
        f"  recommendations: {len(recommendations)} "
        f"({counts([r['status'] for r in recommendations])})",
        f"  actions: {len(actions)}",
    ]
    by_state = Counter(_action_state(a, today) for a in actions)
    lines += [f"    {state}: {by_state[state]}" for state in _ACTION_STATES if by_state[state]]
    lines += [
        f"  decisions: {len(decisions)} ({counts([d['outcome'] for d in decisions])}; "
        f"{sum(d['subject'] == 'activity_sign_off' for d in decisions)} on sign-off)",
    ]
    print("\n".join(lines), file=out)


_ACTION_STATES = (
    "open, on track", "open, reported off track", "open, overdue", "open, reopened",
    "completed, awaiting assurance", "assured",
)


def _action_state(action: dict[str, Any], today: date) -> str:
    """One label per action, most telling first."""
    if action["status"] == "assured":
        return "assured"
    if action["status"] == "completed":
        return "completed, awaiting assurance"
    if date.fromisoformat(action["due_on"]) < today:
        return "open, overdue"
    if action["reopened"]:
        return "open, reopened"
    progress = action["progress"]
    if progress and not progress[-1]["on_track"]:
        return "open, reported off track"
    return "open, on track"


@contextmanager
def _in_process(app: FastAPI | None = None) -> Iterator[httpx.Client]:
    # Starlette's TestClient warns that it will move to `httpx2`; the demo is not a test.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    if app is not None:
        # No `with`: the app's lifespan (which closes the store) belongs to its server.
        yield TestClient(app, headers=admin_headers(app))
        return
    from services.api.app import create_app

    app = create_app()
    with TestClient(app, headers=admin_headers(app)) as client:
        yield client


def run_demo(url: str | None, token: str | None = None) -> int:
    """Loads the demo into the API at `url` (with an admin `token` for the demo partnership,
    or $LIF_TOKEN), or in-process into the configured store (minting its own token)."""
    try:
        if url:
            token = token or os.environ.get("LIF_TOKEN")
            if not token:
                print(
                    f"lif demo --url needs an admin token for {PARTNERSHIP_ID!r}: --token or LIF_TOKEN "
                    f"(`lif token create --role admin --partnership {PARTNERSHIP_ID} --subject {PRINCIPAL}`).",
                    file=sys.stderr,
                )
                return 2
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=url.rstrip("/"), timeout=30.0, headers=headers) as client:
                return _load(client, sys.stdout, sys.stderr)
        with _in_process() as client:
            return _load(client, sys.stdout, sys.stderr)
    except (DemoError, httpx.HTTPError) as e:
        print(f"demo stopped: {e}; re-run `lif demo` to resume.", file=sys.stderr)
        return 1


def load_demo_if_empty(app: FastAPI) -> None:
    """Loads the demo into `app`'s store unless st-helens is already there (for `serve --demo`).

    A demo load that was interrupted is resumed; a st-helens partnership registered by
    anyone else is left alone.
    """
    with _in_process(app) as client:
        if _get(client, _P) is not None and _is_loaded(client):
            return
        _load(client, sys.stderr, sys.stderr)
