"""Shared pieces of the end-to-end tests: the running stack, data made outside a test transaction, and a
small synchronous websocket client."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.explanations.servers import Proc, start_worker


@dataclass
class Stack:
    daphne: Proc
    worker: Proc | None
    port: int
    env: dict[str, str]
    logs: Path
    blocker: Any
    made: list[Proc] = field(default_factory=list)  # every process started, for cleanup

    def start_worker(self) -> Proc:
        """Start a Celery inference worker (recorded in ``made`` before it is waited for)."""
        worker = start_worker(self.env, self.logs / "worker.log", started=self.made)
        return worker

    def url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"


@dataclass
class Person:
    """A signed-in user (``session`` is the Django session cookie) and, for students, an answered problem."""

    user_id: int
    session: str
    attempt_id: int | None = None
    instance_id: int | None = None


def session_for(user: Any) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


class Socket:
    """A websocket to the real server, authenticated by a session cookie, with bounded receives."""

    def __init__(self, stack: Stack, path: str, session: str | None) -> None:
        headers = {"Cookie": f"sessionid={session}"} if session else {}
        self.ws: ClientConnection = connect(stack.url(path), origin=f"http://127.0.0.1:{stack.port}",
                                            additional_headers=headers, proxy=None, open_timeout=20)

    def send(self, message: dict[str, Any]) -> None:
        self.ws.send(json.dumps(message))

    def recv(self, timeout: float = 30.0) -> dict[str, Any]:
        return json.loads(self.ws.recv(timeout=timeout))

    def until(self, kinds: tuple[str, ...], timeout: float = 120.0) -> list[dict[str, Any]]:
        """Messages up to and including the first of ``kinds`` (bounded by ``timeout`` seconds in all)."""
        deadline = time.monotonic() + timeout
        out = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {kinds} within {timeout} s; got {[m['type'] for m in out][-10:]}")
            out.append(self.recv(timeout=left))
            if out[-1]["type"] in kinds:
                return out

    def chunks(self, n: int, timeout: float = 60.0) -> list[dict[str, Any]]:
        """Messages until ``n`` chunks have arrived."""
        deadline = time.monotonic() + timeout
        out: list[dict[str, Any]] = []
        while sum(m["type"] == "chunk" for m in out) < n:
            out.append(self.recv(timeout=max(0.01, deadline - time.monotonic())))
        return out

    def close_code(self, timeout: float = 10.0) -> int | None:
        """Read until the server closes; its close code."""
        try:
            while True:
                self.ws.recv(timeout=timeout)
        except ConnectionClosed as exc:
            return exc.rcvd.code if exc.rcvd else None

    def close(self) -> None:
        self.ws.close()


def chunk_seqs(messages: list[dict[str, Any]]) -> list[int]:
    return [m["seq"] for m in messages if m["type"] == "chunk"]


def chunk_text(messages: list[dict[str, Any]]) -> str:
    return "".join(m["text"] for m in messages if m["type"] == "chunk")
