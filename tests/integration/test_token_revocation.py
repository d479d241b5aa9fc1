"""Revoking one bearer token: `lif token revoke`, then every API process refuses it.

Real requests through FastAPI's TestClient over a SQLite store; the CLI writes the
revocation to the same store, as an operator would from a shell.
"""

from __future__ import annotations

import io
import re
import warnings
from datetime import timedelta
from pathlib import Path

from adapters.settings import Settings
from services.api.app import create_app
from services.application.auth.principals import Role, make_principal
from services.application.auth.tokens import issue, signing_key
from services.cli import build_parser
from services.cli.auth import run_token

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def token(settings: Settings, *argv: str) -> tuple[str, str]:
    """A token from `lif token create ...`, and the id it printed."""
    out, err = io.StringIO(), io.StringIO()
    assert run_token(build_parser().parse_args(["token", "create", *argv]), settings, out, err) == 0
    found = re.search(r"token id ([0-9a-f]{16})", err.getvalue())
    assert found, err.getvalue()
    return out.getvalue().strip(), found.group(1)


def revoke(settings: Settings, *argv: str) -> tuple[int, str]:
    err = io.StringIO()
    code = run_token(build_parser().parse_args(["token", "revoke", *argv]), settings, io.StringIO(), err)
    return code, err.getvalue()


def test_a_revoked_token_is_refused_and_others_are_not(tmp_path: Path) -> None:
    settings = Settings(persistence="sqlite", sqlite_path=str(tmp_path / "lif.sqlite"))
    admin = ("--role", "admin", "--partnership", "st-helens", "--subject", "alice")
    lost, lost_id = token(settings, *admin)
    kept, kept_id = token(settings, *admin)
    assert lost_id != kept_id
    app = create_app(settings)
    client = TestClient(app)

    def get(credential: str) -> tuple[int, str | None]:
        r = client.get("/v1/partnerships/st-helens/audit", headers={"Authorization": f"Bearer {credential}"})
        return r.status_code, (r.json().get("error") or {}).get("code")

    assert client.post("/v1/partnerships", json={"partnership_id": "st-helens", "display_name": "St Helens"},
                       headers={"Authorization": f"Bearer {lost}"}).status_code == 201
    assert get(lost) == (200, None)

    assert revoke(settings, "--token", lost, "--reason", "laptop stolen") == (
        0, f"revoked token {lost_id} admin:alice in st-helens\n"
    )
    assert get(lost) == (401, "token_revoked")
    assert get(kept) == (200, None)  # the same person's other token still works
    code, err = revoke(settings, "--token", lost)
    assert code == 1 and "already revoked" in err

    # By its id, as printed when it was issued.
    assert revoke(settings, "--id", kept_id, "--partnership", "st-helens")[0] == 0
    assert get(kept) == (401, "token_revoked")

    audit = client.get(
        "/v1/partnerships/st-helens/audit",
        params={"topic": "lif.access.token_revoked", "min_position": app.state.store.recorder.max_notification_id()},
        headers={"Authorization": f"Bearer {token(settings, *admin)[0]}"},
    ).json()["items"]
    assert [(e["summary"], e["rationale"]) for e in audit] == [
        (f"Token {lost_id} revoked (admin:alice)", "laptop stolen"),
        (f"Token {kept_id} revoked", None),
    ]
    assert all(e["principal"].startswith("cli:") for e in audit)


def test_an_expired_token_can_still_be_revoked_and_bad_input_is_named(tmp_path: Path) -> None:
    settings = Settings(persistence="sqlite", sqlite_path=str(tmp_path / "lif.sqlite"))
    principal = make_principal(Role.AGENCY, "st-helens", "jdoe", agency_id="merseyside-police")
    expired = issue(signing_key(settings), principal, timedelta(minutes=5), now=1_000_000.0)
    assert revoke(settings, "--token", expired)[0] == 0

    code, err = revoke(settings, "--id", "0123456789abcdef")
    assert (code, err) == (2, "lif token revoke: --partnership is required with --id\n")
    code, err = revoke(settings, "--id", "xyz", "--partnership", "st-helens")
    assert code == 2 and "token id 'xyz'" in err
    code, err = revoke(settings, "--token", "not.a-token")
    assert code == 2 and "not a lif token" in err
    code, err = revoke(settings, "--id", "0123456789abcdef", "--partnership", "Not A Slug")
    assert code == 2 and "partnership" in err
