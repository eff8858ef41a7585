"""SIGTERM stops `fengqiao serve` and everything it started: the worker, and the local Prefect
server the worker started, which runs in a session of its own and so is reached by no signal
but the worker's. The Prefect server takes many seconds to come up, and a stop in that window
used to leave it running on its port; so did a second SIGTERM while the worker was stopping
(tests/workflows/test_serve.py stops a running serve by its process group)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.workflows.serving import Serve, port_is_free, running
from workflows.local_server import HOST, LocalPrefectServer


@pytest.mark.slow
def test_sigterm_while_the_prefect_server_starts_stops_it_too(tmp_path: Path) -> None:
    serve = Serve(tmp_path)
    try:
        serve.read_until("Uvicorn running", "starting a local Prefect server")
        assert running(serve.prefect_pid)
        code, rest = serve.stop(signal_group=False)
        assert code == 0, serve.output()
        assert not serve.left_running(), serve.output()
        assert port_is_free(serve.prefect_port)
        assert "local Prefect server stopped" in rest
    finally:
        serve.close()


def test_a_restart_gets_the_port_of_the_server_stopped_a_moment_ago() -> None:
    """The stopped server's connections linger in TIME_WAIT on its port for a minute."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Uvicorn's
        listener.bind((HOST, 0))
        listener.listen()
        port = int(listener.getsockname()[1])
        with socket.create_connection((HOST, port)) as client:
            accepted, _ = listener.accept()
            accepted.close()  # the server closes first: its end waits in TIME_WAIT
            assert client.recv(1) == b""
    assert LocalPrefectServer(port).port == port
