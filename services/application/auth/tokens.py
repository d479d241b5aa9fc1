"""Signed, expiring bearer tokens: compact JWTs (HS256), made and checked by PyJWT.

The signature is HMAC-SHA256 with the deployment's signing key. Only HS256 is
accepted (never `none`, nor another algorithm a token's header names); `exp`,
`iss` and `sub` are required.
Claims: `sub` (the principal recorded on events), `role`, `pid` (the one
partnership the token is scoped to), `agency` or `forum` (scope of an agency or
a secretary), `iat`, `exp`, `jti`, `iss` ("lif").
"""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt

from adapters.settings import Settings
from services.application.auth.principals import PRINCIPAL, Principal, Role, make_principal

ISSUER = "lif"
MAX_TTL = timedelta(days=366)
ALGORITHM = "HS256"
_TTL = re.compile(r"^([1-9][0-9]{0,6})([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PROCESS_KEYS: dict[str, bytes] = {}
_KEY_LOCK = threading.Lock()


class InvalidToken(Exception):
    """The token is malformed, not signed with our key, or expired (`reason` says which)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MissingSecretKey(RuntimeError):
    pass


def parse_ttl(text: str) -> timedelta:
    """`90s`, `30m`, `8h`, `7d`; at most a year."""
    match = _TTL.match(text.strip())
    if not match:
        raise ValueError(f"ttl {text!r} is not a number followed by s, m, h or d (e.g. 8h)")
    ttl = timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])
    if ttl > MAX_TTL:
        raise ValueError("a token may live at most 366 days")
    return ttl


def key_file(settings: Settings) -> Path | None:
    if settings.secret_key_file:
        return Path(settings.secret_key_file)
    if settings.persistence == "sqlite":
        return Path(f"{settings.sqlite_path}.secret")
    return None


def signing_key(settings: Settings) -> bytes:
    """LIF_SECRET_KEY; else a key generated once into a 0600 file beside the SQLite store."""
    if settings.secret_key:
        if len(settings.secret_key) < 32:
            raise MissingSecretKey("LIF_SECRET_KEY must be at least 32 characters")
        return settings.secret_key.encode()
    path = key_file(settings)
    if path is None:
        if settings.persistence == "memory":
            # Nothing outlives the process anyway; tokens are minted in-process.
            with _KEY_LOCK:
                return _PROCESS_KEYS.setdefault("memory", secrets.token_bytes(32))
        raise MissingSecretKey(
            "Set LIF_SECRET_KEY (at least 32 random characters, the same for every API process "
            "and for `lif token create`), or LIF_SECRET_KEY_FILE."
        )
    return _key_from_file(path)


def _key_from_file(path: Path) -> bytes:
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    try:
        # O_EXCL: two processes starting at once agree on the first one's key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            text = path.read_text().strip()
            if text:
                return bytes.fromhex(text)
            time.sleep(0.01)
        raise MissingSecretKey(f"{path} is empty") from None
    with os.fdopen(fd, "w") as f:
        f.write(key.hex() + "\n")
    return key


def issue(key: bytes, principal: Principal, ttl: timedelta, *, now: float | None = None) -> str:
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": principal.subject,
        "role": principal.role.value,
        "pid": principal.partnership_id,
        "iat": issued,
        "exp": issued + int(ttl.total_seconds()),
        "jti": secrets.token_hex(8),
    }
    if principal.agency_id:
        claims["agency"] = principal.agency_id
    if principal.forum_id:
        claims["forum"] = principal.forum_id
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def _checked_length(token: str) -> str:
    if len(token) > 4096:
        raise InvalidToken("malformed")
    return token


def unverified_claims(token: str) -> dict[str, Any]:
    """The claims of a token, signature unchecked: only to learn which token it is (its
    `jti`), never whom to trust."""
    try:
        claims = jwt.decode(_checked_length(token), options={"verify_signature": False})
    except jwt.InvalidTokenError:
        raise InvalidToken("malformed") from None
    if not isinstance(claims, dict):
        raise InvalidToken("malformed")
    return claims


def token_id(token: str) -> str | None:
    """The `jti` of a token we issued; None if it has none."""
    jti = unverified_claims(token).get("jti")
    return jti if isinstance(jti, str) else None


def verify(key: bytes, token: str, *, now: float | None = None) -> Principal:
    """The principal a token names; `InvalidToken` unless it is ours, intact and unexpired."""
    return verify_token(key, token, now=now)[0]


def verify_token(key: bytes, token: str, *, now: float | None = None) -> tuple[Principal, str | None]:
    """`verify`, and the token's id (`jti`, for revocation) read in the same pass."""
    try:
        # HS256 only: PyJWT refuses any other `alg` (`none` included) before it trusts anything.
        # Expiry is checked below against `now`, which PyJWT cannot be given.
        claims = jwt.decode(
            _checked_length(token), key, algorithms=[ALGORITHM], issuer=ISSUER,
            options={"require": ["exp", "iss", "sub"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.InvalidSignatureError:
        raise InvalidToken("bad_signature") from None
    except jwt.InvalidTokenError:
        raise InvalidToken("malformed") from None
    exp = claims.get("exp")
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise InvalidToken("malformed")
    if exp <= (now if now is not None else time.time()):
        raise InvalidToken("expired")
    try:
        principal = make_principal(
            Role(claims["role"]), claims["pid"],
            agency_id=claims.get("agency"), forum_id=claims.get("forum"),
        )
    except (KeyError, ValueError, TypeError):
        raise InvalidToken("malformed") from None
    subject = claims.get("sub")
    # The subject must belong to the claimed scope: `agency:<agency>:...` for an agency.
    if not isinstance(subject, str) or not PRINCIPAL.match(subject):
        raise InvalidToken("malformed")
    if not (subject == principal.subject or subject.startswith(principal.subject + ":")):
        raise InvalidToken("malformed")
    jti = claims.get("jti")
    return Principal(
        role=principal.role, partnership_id=principal.partnership_id, subject=subject,
        agency_id=principal.agency_id, forum_id=principal.forum_id,
    ), jti if isinstance(jti, str) else None
