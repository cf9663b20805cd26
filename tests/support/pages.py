"""Browsing the server-rendered pages (the portal, the dashboard) through the stack under moto: a
form posted as a browser posts it, a page fetched with or without a session cookie."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from urllib3 import encode_multipart_formdata

if TYPE_CHECKING:
    from tests.support.fixtures import HttpResult, MotoStack

FORM = {"content-type": "application/x-www-form-urlencoded"}


def post_form(
    world: MotoStack, path: str, fields: dict[str, str], cookie: str | None = None, **headers: str
) -> HttpResult:
    sent = {**FORM, **headers}
    if cookie:
        sent["cookie"] = cookie
    return world.http("POST", path, body=urlencode(fields), headers=sent)


def post_multipart(
    world: MotoStack,
    path: str,
    fields: dict[str, str],
    files: dict[str, tuple[str, bytes]],
    cookie: str | None = None,
) -> HttpResult:
    """A ``multipart/form-data`` form as a browser posts one with a file input: ``files`` by field
    name, each (file name, bytes); an input left empty is ("", b"")."""
    parts: dict[str, str | tuple[str, bytes, str]] = dict(fields)
    for name, (filename, data) in files.items():
        parts[name] = (filename, data, "text/csv" if filename else "application/octet-stream")
    body, content_type = encode_multipart_formdata(parts)
    sent = {"content-type": content_type, **({"cookie": cookie} if cookie else {})}
    return world.http("POST", path, body=body, headers=sent)


def get_page(world: MotoStack, path: str, cookie: str | None = None) -> HttpResult:
    """``path`` as a browser asks for it (its query string, if any, as the query)."""
    bare, _, query = path.partition("?")
    return world.http("GET", bare, headers={"cookie": cookie} if cookie else {}, query=query)
