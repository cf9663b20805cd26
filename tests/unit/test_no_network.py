"""The unit tier has no network (tests/unit/conftest.py): a unit test that opens a socket fails,
while the other tiers keep theirs."""

from __future__ import annotations

import shutil
import socket
import urllib.request
from pathlib import Path

import pytest
from pytest_socket import SocketBlockedError

UNIT_CONFTEST = Path(__file__).with_name("conftest.py")


def test_opening_a_tcp_socket_here_raises() -> None:
    with pytest.warns(UserWarning, match="socket"), pytest.raises(SocketBlockedError):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)


def test_connecting_to_loopback_here_raises() -> None:
    with pytest.warns(UserWarning, match="socket"), pytest.raises(SocketBlockedError):
        socket.create_connection(("127.0.0.1", 9), timeout=0.1)


def test_an_http_call_here_never_leaves_the_process() -> None:
    with pytest.warns(UserWarning, match="socket"), pytest.raises(SocketBlockedError):
        urllib.request.urlopen("http://127.0.0.1:9/", timeout=0.1)


def test_a_unix_socket_here_raises_too() -> None:
    with pytest.warns(UserWarning, match="socket"), pytest.raises(SocketBlockedError):
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)


UNIT_TESTS = """
import socket

import pytest


def test_a_tcp_socket():
    socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()


@pytest.mark.enable_socket
def test_a_test_that_asks_for_sockets():
    pass


def test_a_test_that_uses_the_fake_ats_api(fake_ats_api):
    pass
"""

INTEGRATION_TESTS = """
import socket


def test_a_loopback_connection():
    listener = socket.create_server(("127.0.0.1", 0))
    socket.create_connection(listener.getsockname()).close()
    listener.close()
"""

ROOT_CONFTEST = """
import pytest


@pytest.fixture
def fake_ats_api():
    return None
"""


def test_the_unit_conftest_fails_socket_use_in_its_folder_only(pytester: pytest.Pytester) -> None:
    # Given the unit tier's conftest in unit/, and the same kind of test in unit/ and integration/
    pytester.makeconftest(ROOT_CONFTEST)
    (pytester.path / "unit").mkdir()
    shutil.copy(UNIT_CONFTEST, pytester.path / "unit" / "conftest.py")
    (pytester.path / "unit" / "test_unit_sockets.py").write_text(UNIT_TESTS)
    (pytester.path / "integration").mkdir()
    (pytester.path / "integration" / "test_integration_sockets.py").write_text(INTEGRATION_TESTS)

    # When pytest runs them (in a process of its own: this one has no sockets)
    result = pytester.runpytest_subprocess("-v", "-W", "ignore::UserWarning")

    # Then the unit test that opens a socket fails, and the ones that ask for sockets or for the
    # fake ATS API (a server on loopback) are failed before they run; the integration test connects
    result.assert_outcomes(passed=1, failed=1, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*integration/test_integration_sockets.py::test_a_loopback_connection PASSED*",
            "*unit/test_unit_sockets.py::test_a_tcp_socket FAILED*",
            "*unit/test_unit_sockets.py::test_a_test_that_asks_for_sockets ERROR*",
            "*unit/test_unit_sockets.py::test_a_test_that_uses_the_fake_ats_api ERROR*",
        ]
    )
    result.stdout.fnmatch_lines(["*SocketBlockedError*"])
