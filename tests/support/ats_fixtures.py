"""The ATS samples in ``tests/fixtures/ats`` as every provider's test helpers read them.

Each sample is ``<provider>_<name>.json`` (copied byte for byte from the shared test vectors) and
``<provider>_<name>.headers.txt``: the request line, the headers the provider sends with it, and
``#`` notes (on lines of their own, or after a value). Unless a sample's notes say otherwise, it is
signed with :data:`SECRET`. What a provider does its own way (how it signs, which headers it sends)
stays in its module (``tests/support/<provider>.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ats"
SECRET = "test_secret_do_not_use"

_NOTE = re.compile(r"\s+#.*\Z")  # a note after a header's value: "<value>   # example value"


@dataclass(frozen=True)
class ProviderSamples:
    """One provider's samples, by the name after ``<provider>_``."""

    provider: str

    def file(self, name: str, suffix: str = ".json") -> Path:
        return FIXTURES / f"{self.provider}_{name}{suffix}"

    def raw(self, name: str) -> bytes:
        """The exact bytes of ``<provider>_<name>.json``."""
        return self.file(name).read_bytes()

    def payload(self, name: str) -> dict[str, Any]:
        """``<provider>_<name>.json`` parsed (a fresh copy on every call)."""
        data: dict[str, Any] = json.loads(self.raw(name))
        return data

    def documented_headers(self, name: str) -> dict[str, str]:
        """The headers the sample's ``.headers.txt`` lists: lower-cased names, values without the
        notes after them; the request line and the note lines left out."""
        out: dict[str, str] = {}
        for line in self.file(name, ".headers.txt").read_text().splitlines()[1:]:
            header, sep, value = line.partition(":")
            if sep and not line.startswith("#"):
                out[header.strip().lower()] = _NOTE.sub("", value).strip()
        return out

    def documented_header(self, name: str, header: str) -> str:
        """One header of :meth:`documented_headers` (any case); an :class:`AssertionError` when
        the sample has none."""
        found = self.documented_headers(name).get(header.lower())
        if found is None:
            raise AssertionError(f"no {header} in {self.file(name, '.headers.txt').name}")
        return found


def encode(data: dict[str, Any]) -> bytes:
    """A payload as the samples are written (JSON, indented by 2)."""
    return json.dumps(data, indent=2).encode()


def hmac_hex(message: bytes, secret: str = SECRET) -> str:
    """The lower-hex HMAC-SHA256 of ``message``: what every provider's signature is made of."""
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
