"""Credentials: the signing key, bearer tokens, API keys and the `lif token` / `lif apikey` commands."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import stat
import time
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.settings import Settings
from adapters.store import EventStore
from domain.access import api_key_aggregate_id
from services.application.auth.apikeys import authenticate_api_key, create_api_key, revoke_api_key
from services.application.auth.principals import Principal, Role, make_principal
from services.application.auth.ratelimit import RateLimiter
from services.application.auth.tokens import InvalidToken, MissingSecretKey, issue, parse_ttl, signing_key, verify
from services.cli import build_parser
from services.cli.auth import run_apikey, run_token

KEY = b"k" * 32
POLICE = make_principal(Role.AGENCY, "st-helens", "jdoe", agency_id="merseyside-police")


def sqlite(tmp_path: Path, **kw: object) -> Settings:
    return Settings(persistence="sqlite", sqlite_path=str(tmp_path / "lif.sqlite"), **kw)  # type: ignore[arg-type]


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _signed(claims: dict[str, object], header: dict[str, object] | None = None, key: bytes = KEY) -> str:
    signing_input = f"{_b64(header or {'alg': 'HS256', 'typ': 'JWT'})}.{_b64(claims)}"
    sig = base64.urlsafe_b64encode(hmac.new(key, signing_input.encode(), hashlib.sha256).digest()).rstrip(b"=")
    return f"{signing_input}.{sig.decode()}"


# --- the signing key -------------------------------------------------------------


def test_the_embedded_key_is_generated_once_beside_the_store_and_private(tmp_path: Path) -> None:
    settings = sqlite(tmp_path)
    key = signing_key(settings)
    path = tmp_path / "lif.sqlite.secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) == 32 and signing_key(settings) == key  # the API and `lif token` agree


def test_lif_secret_key_wins_and_must_be_long_enough(tmp_path: Path) -> None:
    assert signing_key(sqlite(tmp_path, secret_key="s" * 40)) == b"s" * 40
    assert not (tmp_path / "lif.sqlite.secret").exists()
    with pytest.raises(MissingSecretKey):
        signing_key(sqlite(tmp_path, secret_key="short"))
    with pytest.raises(MissingSecretKey, match="LIF_SECRET_KEY"):
        signing_key(Settings(persistence="postgres"))
    assert signing_key(Settings(persistence="postgres", secret_key_file=str(tmp_path / "k"))) == signing_key(
        Settings(persistence="postgres", secret_key_file=str(tmp_path / "k"))
    )


# --- tokens ------------------------------------------------------------------------


def test_a_token_names_its_principal_until_it_expires() -> None:
    now = time.time()
    token = issue(KEY, POLICE, timedelta(hours=8), now=now)
    assert verify(KEY, token, now=now + 8 * 3600 - 1) == POLICE
    assert POLICE.subject == "agency:merseyside-police:jdoe"
    with pytest.raises(InvalidToken, match="expired"):
        verify(KEY, token, now=now + 8 * 3600)
    with pytest.raises(InvalidToken, match="bad_signature"):
        verify(b"x" * 32, token, now=now)


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("", "malformed"),
        ("a.b", "malformed"),
        ("a.b.c.d", "malformed"),
        (_signed({"alg": "none"}, {"alg": "none"}), "malformed"),
        # Signed with our key but not a token we issue: each is refused.
        (_signed({"iss": "lif", "sub": "admin", "role": "admin", "pid": "st-helens"}), "malformed"),  # no exp
        (_signed({"iss": "other", "sub": "admin", "role": "admin", "pid": "st-helens", "exp": 2**40}), "malformed"),
        (_signed({"iss": "lif", "sub": "admin", "role": "root", "pid": "st-helens", "exp": 2**40}), "malformed"),
        (_signed({"iss": "lif", "sub": "agency", "role": "agency", "pid": "st-helens", "exp": 2**40}), "malformed"),
        # The subject must lie in the claimed scope.
        (_signed({"iss": "lif", "sub": "agency:council:x", "role": "agency", "agency": "merseyside-police",
                  "pid": "st-helens", "exp": 2**40}), "malformed"),
        (_signed({"iss": "lif", "sub": "admin", "role": "admin", "pid": "st-helens", "exp": 2**40},
                 {"alg": "HS512"}), "malformed"),
    ],
)
def test_tokens_we_did_not_issue_are_refused(token: str, reason: str) -> None:
    with pytest.raises(InvalidToken) as e:
        verify(KEY, token)
    assert e.value.reason == reason


def test_principals_are_held_to_their_scope() -> None:
    with pytest.raises(ValueError):
        make_principal(Role.AGENCY, "st-helens")
    with pytest.raises(ValueError):
        make_principal(Role.SECRETARY, "st-helens", agency_id="merseyside-police")
    with pytest.raises(ValueError):
        make_principal(Role.ADMIN, "st-helens", "Robert'); DROP")
    assert make_principal(Role.SECRETARY, "st-helens", "pa", forum_id="executive") == Principal(
        Role.SECRETARY, "st-helens", "secretary:executive:pa", forum_id="executive"
    )


def test_ttls() -> None:
    assert parse_ttl("8h") == timedelta(hours=8)
    assert parse_ttl("90s") == timedelta(seconds=90)
    assert parse_ttl("7d") == timedelta(days=7)
    for bad in ("0h", "8", "h", "-1h", "400d", "1w"):
        with pytest.raises(ValueError):
            parse_ttl(bad)


# --- the commands ----------------------------------------------------------------------


def test_lif_token_create_prints_a_token_the_api_accepts(tmp_path: Path) -> None:
    settings = sqlite(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    args = build_parser().parse_args([
        "token", "create", "--role", "secretary", "--forum", "executive", "--partnership", "st-helens",
        "--subject", "pa", "--ttl", "30m",
    ])
    assert run_token(args, settings, out, err) == 0
    principal = verify(signing_key(settings), out.getvalue().strip())
    assert (principal.subject, principal.forum_id) == ("secretary:executive:pa", "executive")
    assert "expires" in err.getvalue()
    args = build_parser().parse_args(["token", "create", "--role", "agency", "--partnership", "st-helens"])
    assert run_token(args, settings, out, err) == 2
    assert "agency id" in err.getvalue()


def test_api_keys_are_stored_hashed_and_can_be_revoked(tmp_path: Path) -> None:
    settings = sqlite(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    args = build_parser().parse_args(["apikey", "create", "--partnership", "st-helens", "--name", "case-system"])
    assert run_apikey(args, settings, out, err) == 0
    key = out.getvalue().strip()
    store = EventStore.from_settings(settings)
    try:
        principal = authenticate_api_key(store, key)
        assert principal is not None and principal.subject == "service:case-system"
        assert principal.role is Role.SERVICE and principal.partnership_id == "st-helens"
        (issued,) = store.events_of(api_key_aggregate_id(key[4:20]))
        assert key.split("_", 2)[2] not in issued.model_dump_json()  # only the hash is kept
        assert authenticate_api_key(store, key[:-1] + "x") is None
        assert authenticate_api_key(store, "nonsense") is None
        assert revoke_api_key(store, key[4:20], revoked_by="test")
        assert not revoke_api_key(store, key[4:20], revoked_by="test")
        assert authenticate_api_key(store, key) is None
        with pytest.raises(ValueError):
            create_api_key(store, "st-helens", "Bad Name", issued_by="test")
    finally:
        store.close()


def test_the_token_bucket_refills() -> None:
    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])
    assert all(limiter.take("a") is None for _ in range(60))
    assert limiter.take("a") == pytest.approx(1.0)
    assert limiter.take("b") is None
    now[0] += 2.0
    assert limiter.take("a") is None and limiter.take("a") is None and limiter.take("a") is not None
    assert RateLimiter(0).take("a") is None
