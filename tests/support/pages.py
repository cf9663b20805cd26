"""Browsing the server-rendered pages (the portal, the dashboard) through the stack under moto: a
form posted as a browser posts it, a page fetched with or without a session cookie."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

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


def get_page(world: MotoStack, path: str, cookie: str | None = None) -> HttpResult:
    """``path`` as a browser asks for it (its query string, if any, as the query)."""
    bare, _, query = path.partition("?")
    return world.http("GET", bare, headers={"cookie": cookie} if cookie else {}, query=query)
