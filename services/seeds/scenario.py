"""A demo scenario: a partnership's history written as data, read into API commands.

A scenario file (TOML, see services/seeds/scenarios/st-helens.toml) lists the commands
in order, each by the name /v1/ingest uses, with its payload and its target. It
names no ids and no calendar dates, so it reads as the story it tells:

- an entity a step creates is named (``creates = "activity:rapid-review-0142"``)
  and later steps refer to it as ``"@activity:rapid-review-0142"``; its id is
  derived from that name, so re-runs address the same records;
- every field ending ``_on`` is a date relative to the day the demo is loaded:
  ``"-120d"`` is 120 days before, moved back to a working day (forward for a
  future date, so past stays past); ``"+3wd"`` adds three working days to what
  comes before it (``"-175d+3wd"``), ``"-6wd"`` counts back six from today;
- ``"@people:board"`` is a list from the ``[people]`` table (who decides);
- ``[meetings]`` lists each forum's meetings; they are scheduled straight after
  the first step (registering the partnership), and a decision's ``meeting_on``
  must be one of its forum's meetings.

Loading turns this into the POSTs of the API's own routes (``Step``); a mistake
in the file is a ``ScenarioError`` naming the step and the field.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.clocks import add_working_days, subtract_working_days
from domain.commands import DECLARATIONS

# The commands that create an entity under an id the client may choose (a step names it
# with `creates`), and the kind of entity each creates. A partnership's id is always given.
_CREATES: dict[str, str] = {
    name: claim.kind for name, d in DECLARATIONS.items() for claim in d.claims if claim.id_of is None
}
_DATE_TERM = re.compile(r"([+-]?\d+)(wd|d)")
_DAYS = re.compile(r"[+-]?\d+d")
_REF = "@"


class ScenarioError(ValueError):
    """A scenario file that cannot be loaded; the message names the step and the field."""


@dataclass(frozen=True)
class Step:
    """One POST of the demo: the route, the body, and the idempotency key that makes it safe to resend."""

    key: str
    label: str
    path: str
    body: dict[str, Any]
    idempotency_key: str
    creates: tuple[str, UUID] | None = None


@dataclass(frozen=True)
class LoadedWhen:
    """The demo counts as loaded once this activity has this field set (the last step sets it)."""

    activity_id: UUID
    field: str


@dataclass(frozen=True)
class Scenario:
    partnership_id: str
    display_name: str
    principal: str
    loaded_when: LoadedWhen
    steps: list[Step]

    @property
    def base_path(self) -> str:
        return f"/v1/partnerships/{self.partnership_id}"


def default_scenario() -> Path:
    """The packaged St Helens scenario that `lif demo` loads unless told otherwise."""
    # Beside this module, not under a named package, so the two can move together.
    return Path(__file__).with_name("scenarios") / "st-helens.toml"


def command_paths() -> dict[str, str]:
    """Each command's POST route (path template), as the API serves it."""
    from services.application.auth.policy import command_path

    return {name: command_path(d) for name, d in DECLARATIONS.items()}


def relative_date(spec: str, today: date) -> date:
    """`"-120d"`, `"+3wd"`, `"-175d+14wd"`: see the module docstring."""
    text = spec.replace(" ", "")
    terms = _DATE_TERM.findall(text)
    if not terms or "".join(n + unit for n, unit in terms) != text:
        raise ValueError(f"{spec!r} is not a relative date such as '-120d', '+14d', '-6wd' or '-175d+3wd'")
    d = today
    for number, unit in terms:
        n = int(number)
        if unit == "wd":
            d = add_working_days(d, n) if n >= 0 else subtract_working_days(d, -n)
        else:
            d = d + timedelta(days=n)
            if n < 0:
                d = subtract_working_days(d, 0)
            elif n > 0:
                d = add_working_days(d, 0)
    return d


def load_scenario(path: Path, today: date) -> Scenario:
    """Reads `path` and resolves its references and dates against `today`."""
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except OSError as e:
        raise ScenarioError(f"cannot read scenario {path}: {e.strerror}") from e
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"scenario {path} is not valid TOML: {e}") from e
    return _Reader(path, data, today).read()


class _Reader:
    def __init__(self, path: Path, data: dict[str, Any], today: date) -> None:
        self.path, self.data, self.today = path, data, today
        self.where = "[scenario]"
        self.created: dict[str, UUID] = {}
        self.routes = command_paths()

    def fail(self, field: str, message: str) -> ScenarioError:
        return ScenarioError(f"{self.path}: {self.where}, field {field!r}: {message}")

    def text(self, table: dict[str, Any], field: str, default: str | None = None) -> str:
        value = table.get(field, default)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(field, "must be a non-empty string")
        return value

    def read(self) -> Scenario:
        head = self.data.get("scenario")
        if not isinstance(head, dict):
            raise self.fail("scenario", "the file needs a [scenario] table")
        self.partnership_id = self.text(head, "partnership_id")
        display_name = self.text(head, "display_name")
        principal = self.text(head, "principal", "lif-demo")
        self.people = self._people()
        self.meetings = self._meetings()
        raw_steps = self.data.get("step")
        if not isinstance(raw_steps, list) or not raw_steps:
            raise self.fail("step", "the file needs at least one [[step]]")
        steps: list[Step] = []
        for n, raw in enumerate(raw_steps, start=1):
            self.where = f"step {n}"
            if not isinstance(raw, dict):
                raise self.fail("step", "must be a table")
            self.where = f"step {n} ({raw.get('key')!r})"
            steps.append(self._step(raw))
            if n == 1:
                if raw.get("command") != "register_partnership":
                    raise self.fail("command", "the first step must be register_partnership")
                steps.extend(self._meeting_steps())
        if len({s.key for s in steps}) != len(steps):
            dupes = sorted({s.key for s in steps if [t.key for t in steps].count(s.key) > 1})
            self.where = "[[step]]"
            raise self.fail("key", f"keys must be unique; repeated: {', '.join(dupes)}")
        self.where = "[scenario]"
        return Scenario(self.partnership_id, display_name, principal, self._loaded_when(head), steps)

    def _people(self) -> dict[str, list[str]]:
        self.where = "[people]"
        people = self.data.get("people", {})
        if not isinstance(people, dict):
            raise self.fail("people", "must be a table of lists of names")
        for group, names in people.items():
            if not isinstance(names, list) or not names or not all(isinstance(x, str) for x in names):
                raise self.fail(group, "must be a non-empty list of strings")
        return people

    def _meetings(self) -> dict[str, list[tuple[str, date]]]:
        self.where = "[meetings]"
        raw = self.data.get("meetings", {})
        if not isinstance(raw, dict):
            raise self.fail("meetings", "must be a table: forum id = list of relative dates")
        meetings: dict[str, list[tuple[str, date]]] = {}
        for forum_id, specs in raw.items():
            if not isinstance(specs, list):
                raise self.fail(forum_id, "must be a list of relative dates")
            meetings[forum_id] = [(str(s), self._date(forum_id, s)) for s in specs]
        return meetings

    def _meeting_steps(self) -> list[Step]:
        steps = []
        for forum_id, dates in self.meetings.items():
            for spec, on in dates:
                # A plain day offset keys the step as "-147", as the demo always has.
                offset = str(int(spec[:-1])) if _DAYS.fullmatch(spec) else spec
                key = f"meeting/{forum_id}/{offset}"
                body = {"forum_id": forum_id, "meets_on": on.isoformat()}
                path = self._path(self.routes["schedule_meeting"], None)
                steps.append(self._make(key, f"scheduling meetings: {forum_id} {on.isoformat()}", path, body))
        return steps

    def _loaded_when(self, head: dict[str, Any]) -> LoadedWhen:
        check = head.get("loaded_when")
        if not isinstance(check, dict):
            raise self.fail("loaded_when", "must be { activity = \"@activity:…\", field = \"…_on\" }")
        activity = self._value("loaded_when.activity", check.get("activity"))
        if not isinstance(activity, str) or not check.get("activity", "").startswith("@activity:"):
            raise self.fail("loaded_when.activity", "must refer to an activity a step opens")
        return LoadedWhen(UUID(activity), self.text(check, "field"))

    def _make(self, key: str, label: str, path: str, body: dict[str, Any],
              creates: tuple[str, UUID] | None = None) -> Step:
        return Step(key, label, path, body, f"lif-demo:{self.partnership_id}:{key}", creates)

    def _step(self, raw: dict[str, Any]) -> Step:
        unknown = set(raw) - {"key", "label", "command", "target", "creates", "payload"}
        if unknown:
            raise self.fail(sorted(unknown)[0], "is not a step field (key, label, command, target, creates, payload)")
        key, label, command = self.text(raw, "key"), self.text(raw, "label"), self.text(raw, "command")
        template = self.routes.get(command)
        if template is None:
            raise self.fail("command", f"{command!r} is not a command; known: {', '.join(sorted(self.routes))}")
        payload = raw.get("payload", {})
        if not isinstance(payload, dict):
            raise self.fail("payload", "must be a table")
        body = {field: self._value(f"payload.{field}", value) for field, value in payload.items()}
        path = self._path(template, raw.get("target"))
        creates = self._creates(command, raw.get("creates"), body)
        if command == "record_decision":
            self._check_meeting(body)
        return self._make(key, label, path, body, creates)

    def _path(self, template: str, target: Any) -> str:
        params = re.findall(r"\{(\w+)\}", template)
        path = template.replace("{partnership_id}", self.partnership_id)
        wanted = [p for p in params if p != "partnership_id"]
        if not wanted:
            if target is not None:
                raise self.fail("target", "this command takes no target")
            return path
        if not isinstance(target, str) or not target.startswith(_REF):
            raise self.fail("target", f"this command needs a target: '@<kind>:<name>' for its {wanted[0]}")
        kind = wanted[0].removesuffix("_id")
        if not target.startswith(f"@{kind}:"):
            raise self.fail("target", f"must be a {kind} ('@{kind}:<name>'), not {target!r}")
        return path.replace(f"{{{wanted[0]}}}", str(self._value("target", target)))

    def _creates(self, command: str, name: Any, body: dict[str, Any]) -> tuple[str, UUID] | None:
        kind = _CREATES.get(command)
        if kind is None:
            if name is not None:
                raise self.fail("creates", f"{command} creates nothing")
            return None
        if not isinstance(name, str) or not name.startswith(f"{kind}:") or len(name) <= len(kind) + 1:
            raise self.fail("creates", f"{command} creates a {kind}: name it '{kind}:<name>'")
        if name in self.created:
            raise self.fail("creates", f"{name!r} is already created by an earlier step")
        if f"{kind}_id" in body:
            raise self.fail(f"payload.{kind}_id", "is set from 'creates'; leave it out")
        entity_id = uuid5(NAMESPACE_URL, f"lif:demo:{self.partnership_id}:{name}")
        self.created[name] = entity_id
        body[f"{kind}_id"] = str(entity_id)
        return kind, entity_id

    def _check_meeting(self, body: dict[str, Any]) -> None:
        forum_id, on = body.get("forum_id"), body.get("meeting_on")
        meetings = [d.isoformat() for _, d in self.meetings.get(str(forum_id), [])]
        if on not in meetings:
            raise self.fail("payload.meeting_on", f"{on} is not a meeting of {forum_id!r} in [meetings]")

    def _date(self, field: str, value: Any) -> date:
        if not isinstance(value, str):
            raise self.fail(field, f"a date is written relative to the demo's day, e.g. '-120d'; got {value!r}")
        try:
            return relative_date(value, self.today)
        except ValueError as e:
            raise self.fail(field, str(e)) from None

    def _value(self, field: str, value: Any) -> Any:
        """A payload value with its references and dates resolved."""
        if field.endswith("_on"):
            return self._date(field, value).isoformat()
        if isinstance(value, list):
            return [self._value(field, v) for v in value]
        if isinstance(value, dict):
            return {k: self._value(f"{field}.{k}", v) for k, v in value.items()}
        if isinstance(value, str) and value.startswith(_REF):
            return self._reference(field, value)
        if isinstance(value, date):
            raise self.fail(field, "write dates relative to the demo's day (e.g. '-120d'), not as calendar dates")
        return value

    def _reference(self, field: str, ref: str) -> Any:
        name = ref[len(_REF):]
        if name.startswith("people:"):
            group = name.removeprefix("people:")
            if group not in self.people:
                raise self.fail(field, f"{ref!r}: no group {group!r} in [people]")
            return list(self.people[group])
        if name not in self.created:
            raise self.fail(field, f"{ref!r} refers to nothing an earlier step creates")
        return str(self.created[name])
