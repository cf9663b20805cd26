"""A small JSON-over-HTTPS client for the ATS APIs Kring calls back (Lever, SmartRecruiters,
Teamtailor, Workable …): standard library only, a timeout on every call, and errors sorted into
what a queue should retry and what it should park.

- 429, 5xx, a timeout or a network error → :class:`~kring.errors.TransientError` (the fetch
  queue retries it, then parks it in its DLQ);
- 401 / 403 → :class:`~kring.errors.TransientError` as well: a wrong or expired API key is fixed
  in configuration and the parked messages redriven, nothing is lost;
- 404 and every other 4xx → :class:`ApiNotFoundError` / :class:`ApiRequestError`, permanent;
- a body that is not JSON → :class:`ApiRequestError`.

Each provider module wraps one :class:`JsonApi` in its own client class (its port), so tests point
it at :class:`infra.local.fake_ats.FakeAtsApi` by base URL.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from kring import config, safe_json
from kring.errors import InvalidInputError, TransientError

USER_AGENT = "Kring/1 (+https://github.com/kring)"
MAX_RESPONSE_BYTES = 5 * 1024 * 1024

_T = TypeVar("_T")


class ApiRequestError(InvalidInputError):
    """The API refused the request for good (a 4xx other than 401/403/429), or answered nonsense."""


class ApiNotFoundError(ApiRequestError):
    """The resource does not exist (any more): a deleted application or job."""


class JsonApi:
    """GET and POST JSON against one API base URL with fixed headers (the auth)."""

    def __init__(
        self, base_url: str, headers: Mapping[str, str] | None = None, *, timeout: float | None = None
    ) -> None:
        if not base_url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ValueError(f"an ATS API must be https (or a local fake): {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._headers = {"Accept": "application/json", "User-Agent": USER_AGENT, **(headers or {})}
        self._timeout = timeout if timeout is not None else config.ats().ats_api_timeout_seconds

    def get(self, path: str, params: Mapping[str, str | list[str]] | None = None) -> Any:
        return self._call("GET", path, params, None)

    def post(self, path: str, body: Mapping[str, Any]) -> Any:
        return self._call("POST", path, None, body)

    def url(self, path: str, params: Mapping[str, str | list[str]] | None = None) -> str:
        url = f"{self.base_url}/{path.lstrip('/')}"
        if params:
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        return url

    def _call(
        self,
        method: str,
        path: str,
        params: Mapping[str, str | list[str]] | None,
        body: Mapping[str, Any] | None,
    ) -> Any:
        url = self.url(path, params)
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = dict(self._headers)
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
        where = f"{method} {self.base_url}/{path.lstrip('/').split('?')[0]}"
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                raw = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            status = exc.code
            if status == 429 or status >= 500 or status in (401, 403):
                raise TransientError(f"{where}: HTTP {status}") from exc
            if status == 404:
                raise ApiNotFoundError(f"{where}: not found") from exc
            raise ApiRequestError(f"{where}: HTTP {status}") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise TransientError(f"{where}: {exc}") from exc
        if len(raw) > MAX_RESPONSE_BYTES:
            raise ApiRequestError(f"{where}: the answer is over {MAX_RESPONSE_BYTES} bytes")
        if not raw.strip():
            return None
        try:
            return safe_json.loads(raw, max_bytes=MAX_RESPONSE_BYTES)
        except safe_json.InvalidJsonError as exc:
            raise ApiRequestError(f"{where}: the answer is not JSON Kring reads ({exc})") from exc


def path_segment(value: str) -> str:
    """``value`` as one segment of a URL path: every reserved character escaped (``/`` too), so an
    id from a payload can never add a path segment, a query or a fragment to the call."""
    return urllib.parse.quote(value, safe="")


def if_found(call: Callable[[], _T]) -> _T | None:
    """``call()``, or ``None`` when what it reads does not exist (:class:`ApiNotFoundError`): for a
    secondary lookup, where absent is nothing to add. Any other failure propagates, so a transient
    one still gets the whole fetch retried."""
    try:
        return call()
    except ApiNotFoundError:
        return None
