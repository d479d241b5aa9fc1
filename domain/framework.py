"""The Learning and Improvement Framework as data.

The defaults are the St Helens framework's "Methods of Learning" table. Its routing
(points of dissemination, sign-off forum) and its rules (`SourceRules`) are only the
seed: a partnership's own are in its events (`domain.partnership`), and every reader
takes them from there. The descriptive columns (title, kinds and methods of learning,
key stakeholders) are read from this table.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from pydantic import BaseModel, ConfigDict

PARTNERSHIP_AGENCY: Final = "partnership"
"""The partnership itself, where an agency id is expected: a recommendation may be
addressed to it, no agency may take the id, and it has no feed."""


class SourceKind(StrEnum):
    SAFEGUARDING_PRACTICE_REVIEW = "safeguarding_practice_review"
    RAPID_REVIEW = "rapid_review"
    MULTI_AGENCY_PRACTICE_LEARNING_REVIEW = "multi_agency_practice_learning_review"
    CRITICAL_INCIDENT_REVIEW = "critical_incident_review"
    CHILD_DEATH_REVIEW = "child_death_review"
    BEST_PRACTICE_PANEL = "best_practice_panel"
    SINGLE_AGENCY_REVIEW = "single_agency_review"
    MULTI_AGENCY_CASE_AUDIT = "multi_agency_case_audit"
    THEMATIC_AUDIT = "thematic_audit"
    SINGLE_AGENCY_AUDIT = "single_agency_audit"
    SECTION_11_AUDIT = "section_11_audit"
    SECTION_157_175_AUDIT = "section_157_175_audit"
    QUALITY_ASSURANCE_ACTIVITY = "quality_assurance_activity"
    TRAINING_IMPACT_EVALUATION = "training_impact_evaluation"


class Sector(StrEnum):
    POLICE = "police"
    HEALTH = "health"
    LOCAL_AUTHORITY = "local_authority"
    EDUCATION = "education"
    PROBATION = "probation"
    VOLUNTARY = "voluntary"
    PARTNERSHIP = PARTNERSHIP_AGENCY
    OTHER = "other"


class Theme(StrEnum):
    """Themes from the national Child Safeguarding Practice Review Panel's reports."""

    NEGLECT = "neglect"
    DOMESTIC_ABUSE = "domestic_abuse"
    PARENTAL_MENTAL_HEALTH = "parental_mental_health"
    PARENTAL_SUBSTANCE_MISUSE = "parental_substance_misuse"
    PROFESSIONAL_CURIOSITY = "professional_curiosity"
    INFORMATION_SHARING = "information_sharing"
    VOICE_OF_THE_CHILD = "voice_of_the_child"
    EXTRAFAMILIAL_HARM = "extrafamilial_harm"
    CHILD_SEXUAL_ABUSE = "child_sexual_abuse"
    CHILD_EXPLOITATION = "child_exploitation"
    SAFER_SLEEPING = "safer_sleeping"
    NON_ACCIDENTAL_INJURY_IN_INFANTS = "non_accidental_injury_in_infants"
    ADOLESCENT_RISK = "adolescent_risk"
    CHILDREN_WITH_DISABILITIES = "children_with_disabilities"
    MALE_CARERS = "male_carers"
    ESCALATION_AND_CHALLENGE = "escalation_and_challenge"
    RISK_ASSESSMENT = "risk_assessment"
    MULTI_AGENCY_WORKING = "multi_agency_working"
    ONLINE_HARM = "online_harm"
    SELF_HARM_AND_SUICIDE = "self_harm_and_suicide"


class SourceRules(BaseModel):
    """What the framework's principles require of an activity of one source kind."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    requires_independent_lead: bool = False
    requires_practitioner_and_family_involvement: bool = False
    requires_child_voice: bool = False
    requires_publication: bool = False


class SourceDefaults(BaseModel):
    """One row of the "Methods of Learning" table, plus the rules it carries."""

    model_config = ConfigDict(frozen=True)

    title: str
    description: str
    kinds_of_learning: tuple[str, ...]
    methods_of_learning: tuple[str, ...]
    key_stakeholders: tuple[str, ...]
    points_of_dissemination: tuple[str, ...]
    sign_off_forum: str
    requires_independent_lead: bool = False
    requires_practitioner_and_family_involvement: bool = False
    requires_child_voice: bool = False
    requires_publication: bool = False

    @property
    def rules(self) -> SourceRules:
        """The seed's rules for this kind (a partnership's own are in its state)."""
        return SourceRules.model_validate(self.model_dump(include=set(SourceRules.model_fields)))


class ForumSeed(BaseModel):
    model_config = ConfigDict(frozen=True)

    forum_id: str
    name: str


class AgencySeed(BaseModel):
    model_config = ConfigDict(frozen=True)

    agency_id: str
    name: str
    sector: Sector


BOARD = "safeguarding-partnership-board"
EXECUTIVE = "executive"
ARLF = "audit-review-learning-forum"
SCPF = "safeguarding-children-partnership-forum"
TASK_AND_FINISH = "task-and-finish-groups"
CDOP = "merseyside-cdop"
CARE = "children-at-risk-of-exploitation-group"

DEFAULT_FORUMS: tuple[ForumSeed, ...] = (
    ForumSeed(forum_id=BOARD, name="Safeguarding Partnership Board"),
    ForumSeed(forum_id=EXECUTIVE, name="Executive"),
    ForumSeed(forum_id=ARLF, name="Audit, Review and Learning Forum"),
    ForumSeed(forum_id=SCPF, name="Safeguarding Children Partnership Forum"),
    ForumSeed(forum_id=TASK_AND_FINISH, name="Task and Finish Groups"),
    ForumSeed(forum_id=CDOP, name="Merseyside Child Death Overview Panel"),
    ForumSeed(forum_id=CARE, name="Children at Risk of Exploitation Group"),
)

DEFAULT_AGENCIES: tuple[AgencySeed, ...] = (
    AgencySeed(agency_id="merseyside-police", name="Merseyside Police", sector=Sector.POLICE),
    AgencySeed(
        agency_id="st-helens-council",
        name="St Helens Borough Council Children's Services",
        sector=Sector.LOCAL_AUTHORITY,
    ),
    AgencySeed(
        agency_id="mersey-west-lancs-nhs",
        name="Mersey and West Lancashire Teaching Hospitals NHS Trust",
        sector=Sector.HEALTH,
    ),
    AgencySeed(
        agency_id="nhs-cheshire-merseyside-icb",
        name="NHS Cheshire and Merseyside ICB (St Helens Place)",
        sector=Sector.HEALTH,
    ),
    AgencySeed(
        agency_id="mersey-care-nhs",
        name="Mersey Care NHS Foundation Trust",
        sector=Sector.HEALTH,
    ),
    AgencySeed(
        agency_id="st-helens-schools",
        name="St Helens Schools and Colleges",
        sector=Sector.EDUCATION,
    ),
    AgencySeed(agency_id="probation-service", name="The Probation Service", sector=Sector.PROBATION),
    AgencySeed(agency_id="st-helens-cvs", name="St Helens CVS", sector=Sector.VOLUNTARY),
)

_REVIEW_METHODS = (
    "Briefings",
    "Feedback to Safeguarding Partnership Board",
    "Implemented in relevant multi-agency training courses",
)
_CASCADE = ("Feedback to Safeguarding Partnership Board to be cascaded to professionals",)
_BOARD_AGENCIES_FAMILIES = (
    "Safeguarding Partnership Board",
    "Partner Agencies",
    "Children and Families",
)

DEFAULT_SOURCES: dict[SourceKind, SourceDefaults] = {
    SourceKind.SAFEGUARDING_PRACTICE_REVIEW: SourceDefaults(
        title="Safeguarding Practice Learning Review",
        description=(
            "Where abuse or neglect is known or suspected and either a child dies or a child "
            "is seriously harmed and there are concerns about how organisations or "
            "professionals worked together to safeguard the child."
        ),
        kinds_of_learning=(
            "Multi-agency & single agency lessons",
            "National implications",
            "Changes to governance & legislation",
        ),
        methods_of_learning=_REVIEW_METHODS,
        key_stakeholders=(
            *_BOARD_AGENCIES_FAMILIES,
            "Media",
            "Ofsted",
            "General public",
        ),
        points_of_dissemination=(BOARD, ARLF, SCPF, TASK_AND_FINISH),
        sign_off_forum=BOARD,
        requires_independent_lead=True,
        requires_practitioner_and_family_involvement=True,
        requires_child_voice=True,
        requires_publication=True,
    ),
    # The seed's table has no rapid review row; a rapid review decides whether a
    # practice review follows, so it reports to the Board and the ARLF.
    SourceKind.RAPID_REVIEW: SourceDefaults(
        title="Rapid Review",
        description=(
            "Rapid review of a serious incident notified to the national Panel, deciding "
            "whether a local child safeguarding practice review is appropriate."
        ),
        kinds_of_learning=("Immediate multi-agency learning",),
        methods_of_learning=("Feedback to Safeguarding Partnership Board",),
        key_stakeholders=("Safeguarding Partnership Board", "Partner Agencies"),
        points_of_dissemination=(BOARD, ARLF),
        sign_off_forum=BOARD,
        requires_child_voice=True,
    ),
    SourceKind.MULTI_AGENCY_PRACTICE_LEARNING_REVIEW: SourceDefaults(
        title="Multi-agency Practice Learning Review",
        description=(
            "Review of a safeguarding incident below the threshold for a practice review, or "
            "a complex case with good outcomes and lessons for multi-agency working."
        ),
        kinds_of_learning=("Local learning - multi agency & single agency lessons",),
        methods_of_learning=_REVIEW_METHODS,
        key_stakeholders=_BOARD_AGENCIES_FAMILIES,
        points_of_dissemination=(BOARD, ARLF, SCPF),
        sign_off_forum=BOARD,
        requires_independent_lead=True,
        requires_practitioner_and_family_involvement=True,
        requires_child_voice=True,
    ),
    SourceKind.CRITICAL_INCIDENT_REVIEW: SourceDefaults(
        title="Critical Incident Review",
        description="Review of a safeguarding incident below the threshold for a practice review.",
        kinds_of_learning=("Local learning",),
        methods_of_learning=("Briefings", "Feedback to Safeguarding Partnership Board"),
        key_stakeholders=("Safeguarding Partnership Board", "Partner Agencies"),
        points_of_dissemination=(BOARD, ARLF, SCPF),
        sign_off_forum=BOARD,
        requires_practitioner_and_family_involvement=True,
        requires_child_voice=True,
    ),
    SourceKind.CHILD_DEATH_REVIEW: SourceDefaults(
        title="Child Death Review (Merseyside CDOP)",
        description="Local review of all child deaths up to the age of 18 years.",
        kinds_of_learning=("Themes and trends", "Modifiable factors"),
        methods_of_learning=(
            "Briefings",
            "Feedback to Safeguarding Partnership Board",
            "Press release / website",
        ),
        key_stakeholders=(
            "Safeguarding Partnership Board",
            "Partner Agencies",
            "Families",
            "Media",
        ),
        points_of_dissemination=(CDOP,),
        sign_off_forum=CDOP,
    ),
    SourceKind.BEST_PRACTICE_PANEL: SourceDefaults(
        title="Best Practice Panel",
        description="Panel to review good practice, shared so there is an understanding of what works well.",
        kinds_of_learning=("Multi agency and single agency lessons",),
        methods_of_learning=_CASCADE,
        key_stakeholders=_BOARD_AGENCIES_FAMILIES,
        points_of_dissemination=(ARLF, SCPF),
        sign_off_forum=ARLF,
        requires_child_voice=True,
    ),
    SourceKind.SINGLE_AGENCY_REVIEW: SourceDefaults(
        title="Single Agency Review",
        description=(
            "Review of a safeguarding incident below the threshold for a practice review with "
            "limited concerns about how organisations worked together."
        ),
        kinds_of_learning=("Single agency lessons", "Changes to governance"),
        methods_of_learning=_CASCADE,
        key_stakeholders=_BOARD_AGENCIES_FAMILIES,
        points_of_dissemination=(ARLF,),
        sign_off_forum=ARLF,
        requires_child_voice=True,
    ),
    SourceKind.MULTI_AGENCY_CASE_AUDIT: SourceDefaults(
        title="Multi-agency Case Audit",
        description=(
            "Audit of practice relating to a child's journey through the safeguarding system "
            "(case sample), highlighting where things go well and opportunities to improve."
        ),
        kinds_of_learning=(
            "Multi agency and single agency lessons",
            "Changes to governance",
            "Themes and trends",
        ),
        methods_of_learning=_CASCADE,
        key_stakeholders=_BOARD_AGENCIES_FAMILIES,
        points_of_dissemination=(ARLF,),
        sign_off_forum=ARLF,
        requires_child_voice=True,
    ),
    SourceKind.THEMATIC_AUDIT: SourceDefaults(
        title="Thematic Audit",
        description="Multi-agency audit of practice on a theme across a case sample.",
        kinds_of_learning=(
            "Multi agency and single agency lessons",
            "Changes to governance",
            "Themes and trends",
        ),
        methods_of_learning=_CASCADE,
        key_stakeholders=_BOARD_AGENCIES_FAMILIES,
        points_of_dissemination=(ARLF,),
        sign_off_forum=ARLF,
    ),
    SourceKind.SINGLE_AGENCY_AUDIT: SourceDefaults(
        title="Single Agency Audit",
        description=(
            "Audit of practice (case sample) highlighting good practice and opportunities to "
            "improve, and sharing findings with the partnership."
        ),
        kinds_of_learning=("Single agency lessons", "Changes to governance", "Themes and trends"),
        methods_of_learning=_CASCADE,
        key_stakeholders=("Partner Agencies", "Children and Families"),
        points_of_dissemination=(ARLF,),
        sign_off_forum=ARLF,
    ),
    SourceKind.SECTION_11_AUDIT: SourceDefaults(
        title="Section 11 Audit",
        description=(
            "Self- and partnership assessment of an organisation's safeguarding arrangements "
            "and practice against Section 11 of the Children Act 2004."
        ),
        kinds_of_learning=("Themes and trends", "Changes to governance"),
        methods_of_learning=_CASCADE,
        key_stakeholders=_BOARD_AGENCIES_FAMILIES,
        points_of_dissemination=(ARLF, EXECUTIVE, BOARD),
        sign_off_forum=ARLF,
    ),
    SourceKind.SECTION_157_175_AUDIT: SourceDefaults(
        title="Section 157/175 Audit",
        description=(
            "Self- and partnership assessment of a school's safeguarding arrangements and "
            "practice against s175/157 of the Education Act 2002."
        ),
        kinds_of_learning=("Themes and trends", "Changes to governance"),
        methods_of_learning=_CASCADE,
        key_stakeholders=_BOARD_AGENCIES_FAMILIES,
        points_of_dissemination=(ARLF, SCPF, BOARD),
        sign_off_forum=ARLF,
    ),
    SourceKind.QUALITY_ASSURANCE_ACTIVITY: SourceDefaults(
        title="Quality Assurance & Performance Management activity",
        description=(
            "Audits, surveys, data analysis and performance indicators under the Quality "
            "Assurance Framework."
        ),
        kinds_of_learning=("Themes and trends",),
        methods_of_learning=_CASCADE,
        key_stakeholders=_BOARD_AGENCIES_FAMILIES,
        points_of_dissemination=(ARLF, CARE, SCPF, BOARD),
        sign_off_forum=ARLF,
    ),
    SourceKind.TRAINING_IMPACT_EVALUATION: SourceDefaults(
        title="Evaluation of the impact of Training",
        description="Evaluation of the impact of training on outcomes for service users.",
        kinds_of_learning=(
            "Increase of knowledge, skills and confidence",
            "Changes in practice",
            "Improved outcomes for children",
        ),
        methods_of_learning=_CASCADE,
        key_stakeholders=_BOARD_AGENCIES_FAMILIES,
        points_of_dissemination=(ARLF, BOARD),
        sign_off_forum=ARLF,
    ),
}
