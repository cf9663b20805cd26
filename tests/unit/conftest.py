"""The unit tier runs without the network: every test under ``tests/unit/`` has its sockets
disabled by pytest-socket (creating one raises ``SocketBlockedError``), unix sockets included —
loopback too. The integration, DynamoDB Local and end-to-end tiers keep theirs.

A test here cannot opt out (``enable_socket`` or ``socket_enabled`` fails it), nor use the fake
ATS API (``fake_ats_api``: a real HTTP server on 127.0.0.1): such a test belongs in
``tests/integration/``.
"""

from __future__ import annotations

import pytest

SOCKET_FIXTURES = ("socket_enabled", "fake_ats_api")


@pytest.hookimpl(tryfirst=True)  # before pytest-socket's own setup reads the markers
def pytest_runtest_setup(item: pytest.Item) -> None:
    names = getattr(item, "fixturenames", ())
    if item.get_closest_marker("enable_socket") or any(name in names for name in SOCKET_FIXTURES):
        pytest.fail("the unit tier runs without sockets: a test that needs one belongs in tests/integration/")
    item.add_marker(pytest.mark.disable_socket)
