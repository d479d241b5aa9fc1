"""AES-256-GCM sealing of a case file's personal details under its data subject's key.

The case file id and subject reference are the associated data, so ciphertext cannot be
moved to another case file or subject. Apart from the key stores and the service so
that the format (prefix, nonce, sealed bytes, base64) is defined in one small place.
"""

from __future__ import annotations

import base64
import os
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.personal_data import CIPHERTEXT_PREFIX, PersonalDetails, check_ciphertext


def _aad(case_file_id: UUID, subject_ref: str) -> bytes:
    return f"{case_file_id}|{subject_ref}".encode()


def encrypt_details(key: bytes, details: PersonalDetails, case_file_id: UUID, subject_ref: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, details.model_dump_json().encode(), _aad(case_file_id, subject_ref))
    return CIPHERTEXT_PREFIX + base64.b64encode(nonce + sealed).decode()


def decrypt_details(key: bytes, ciphertext: str, case_file_id: UUID, subject_ref: str) -> PersonalDetails:
    raw = base64.b64decode(check_ciphertext(ciphertext)[len(CIPHERTEXT_PREFIX) :])
    plain = AESGCM(key).decrypt(raw[:12], raw[12:], _aad(case_file_id, subject_ref))
    return PersonalDetails.model_validate_json(plain)
