"""Slack's side of Socket Mode for tests: a local WebSocket server, and the `socket_server` fixture (a conftest plugin)."""

import json
import queue
import threading

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import serve

TIMEOUT = 20.0


class SocketModeServer:
    """Slack's side of Socket Mode: says hello to each connection, records what the client sends, sends envelopes."""

    def __init__(self):
        self.received: queue.Queue = queue.Queue()
        self.connections: list = []
        self.connected = threading.Event()
        self._server = serve(self._session, "127.0.0.1", 0, compression=None)
        self._thread = threading.Thread(target=self._server.serve_forever, name="socket-mode", daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/link/?ticket=test"

    def start(self) -> "SocketModeServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)

    def _session(self, ws) -> None:
        ws.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "connection_info": {"app_id": "A1"},
                    "debug_info": {"host": "applink-test", "build_number": 1, "approximate_connection_time": 3600},
                }
            )
        )
        self.connections.append(ws)
        self.connected.set()
        try:
            for message in ws:
                self.received.put(json.loads(message))
        except ConnectionClosed:
            pass

    def send(self, envelope: dict) -> None:
        self.connections[-1].send(json.dumps(envelope))

    def next_message(self) -> dict:
        try:
            return self.received.get(timeout=TIMEOUT)
        except queue.Empty:
            raise AssertionError(f"the app sent nothing over the socket within {TIMEOUT}s") from None


@pytest.fixture
def socket_server(fake):
    server = SocketModeServer().start()
    fake.socket_url = server.url
    yield server
    server.stop()
