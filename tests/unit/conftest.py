"""The unit tier runs without the network: every test under ``tests/unit/`` has its sockets
disabled by pytest-socket (creating one raises ``SocketBlockedError``), unix sockets included.
The integration, DynamoDB Local and end-to-end tiers keep theirs.

One exception, named here so that it cannot grow unseen: the tests of the ATS API clients that
use the ``fake_ats_api`` fixture talk HTTP to that fake on 127.0.0.1, so they may connect to
127.0.0.1 and nowhere else. A test here cannot opt out (``enable_socket`` fails it).
"""

from __future__ import annotations

import pytest

LOOPBACK_FIXTURE = "fake_ats_api"  # a real HTTP server on 127.0.0.1 (infra/local/fake_ats.py)


@pytest.hookimpl(tryfirst=True)  # before pytest-socket's own setup reads the markers
def pytest_runtest_setup(item: pytest.Item) -> None:
    names = getattr(item, "fixturenames", ())
    if item.get_closest_marker("enable_socket") or "socket_enabled" in names:
        pytest.fail("the unit tier runs without sockets: a test that needs one belongs in tests/integration/")
    if LOOPBACK_FIXTURE in names:
        item.add_marker(pytest.mark.allow_hosts(["127.0.0.1"]))
    else:
        item.add_marker(pytest.mark.disable_socket)
