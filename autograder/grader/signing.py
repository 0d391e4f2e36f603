"""Signed reports: an ed25519 signature (or an HMAC on a course key) over a report's canonical
content, so the leaderboard accepts the instructor's grading and nothing else.

The canonical content is the report's JSON without its `signature` field, with sorted keys and
no spaces: any change to any value (a score, a name, a date) breaks the signature.

A key file holds one of:
- an ed25519 private key (PEM, from `nnkit classroom keygen`): signs and verifies;
- an ed25519 public key (PEM): verifies only (publish it, keep the private key a CI secret);
- anything else, at least 32 bytes: a course secret for HMAC-SHA256 (signs and verifies).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from autograder.errors import KitEnvironmentError

FIELD = "signature"
ED25519, HMAC = "ed25519", "hmac-sha256"
MIN_SECRET = 32  # bytes: shorter course secrets can be guessed


@dataclass(frozen=True)
class Key:
    algorithm: str
    key_id: str  # names the key in each signature, so a report signed with another key says so
    private: Ed25519PrivateKey | None = None
    public: Ed25519PublicKey | None = None
    secret: bytes = b""

    @property
    def can_sign(self) -> bool:
        return self.private is not None or bool(self.secret)


def _raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_from_bytes(data: bytes, where: str = "the key") -> Key:
    """Read a key (see the module's docstring); KitEnvironmentError names what is wrong."""
    text = data.strip()
    if text.startswith(b"-----BEGIN PRIVATE KEY"):
        private = serialization.load_pem_private_key(text, password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise KitEnvironmentError(f"{where} is not an ed25519 key; make one with "
                                      "`nnkit classroom keygen`")
        public = private.public_key()
        return Key(ED25519, hashlib.sha256(_raw_public(public)).hexdigest()[:16], private, public)
    if text.startswith(b"-----BEGIN PUBLIC KEY"):
        public = serialization.load_pem_public_key(text)
        if not isinstance(public, Ed25519PublicKey):
            raise KitEnvironmentError(f"{where} is not an ed25519 public key; make one with "
                                      "`nnkit classroom keygen`")
        return Key(ED25519, hashlib.sha256(_raw_public(public)).hexdigest()[:16], public=public)
    if len(text) < MIN_SECRET:
        raise KitEnvironmentError(f"{where} holds {len(text)} bytes: a course secret needs at "
                                  f"least {MIN_SECRET} (or use `nnkit classroom keygen`)")
    key_id = hashlib.sha256(b"nnkit-key-id\x00" + text).hexdigest()[:16]
    return Key(HMAC, key_id, secret=text)


def load_key(path: str | Path) -> Key:
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise KitEnvironmentError(f"cannot read the course key {path}: {error.strerror}; give "
                                  "the file made by `nnkit classroom keygen`") from None
    return key_from_bytes(data, str(path))


def generate(private_path: Path, public_path: Path) -> Key:
    """A new ed25519 key pair, written as PEM files (the private one readable by its owner only)."""
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    private_path.touch(mode=0o600)
    private_path.write_bytes(pem)
    public_path.write_bytes(private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return key_from_bytes(pem)


def canonical(report: dict) -> bytes:
    content = {name: value for name, value in report.items() if name != FIELD}
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def sign(report: dict, key: Key) -> dict:
    """The report with its `signature` field set."""
    if not key.can_sign:
        raise KitEnvironmentError("this key can only verify (it is a public key); sign with the "
                                  "private key from `nnkit classroom keygen`")
    content = canonical(report)
    if key.algorithm == ED25519:
        value = base64.b64encode(key.private.sign(content)).decode("ascii")
    else:
        value = hmac.new(key.secret, content, hashlib.sha256).hexdigest()
    return {**report, FIELD: {"algorithm": key.algorithm, "key_id": key.key_id, "value": value}}


def problem(report: dict, key: Key) -> str | None:
    """Why the report's signature does not verify with `key`, or None when it does."""
    signature = report.get(FIELD)
    if signature is None:
        return "it is not signed (only the instructor's grading is signed)"
    if not isinstance(signature, dict) or not isinstance(signature.get("value"), str):
        return "its signature is malformed"
    if signature.get("algorithm") != key.algorithm or signature.get("key_id") != key.key_id:
        return (f"it is signed with another key ({signature.get('algorithm')!s} "
                f"{signature.get('key_id')!s}, expected {key.algorithm} {key.key_id})")
    try:
        content = canonical(report)
    except (TypeError, ValueError):
        return "its content cannot be put in canonical form (not plain JSON values)"
    if key.algorithm == ED25519:
        try:
            key.public.verify(base64.b64decode(signature["value"], validate=True), content)
        except (InvalidSignature, ValueError):
            return "its signature does not match its content (it was changed after signing)"
        return None
    expected = hmac.new(key.secret, content, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature["value"]):
        return "its signature does not match its content (it was changed after signing)"
    return None
