"""Answer processes: the work behind an ack, done away from the acks.

An ack is cheap; an answer (a page of `mine`, a Home) costs ten times its CPU. In one process they share one
interpreter, so under load an ack waits for the answers in progress, and Slack gives an ack 3 seconds. The web
process therefore only acknowledges: it hands each command, click and Home visit to a pool of answer processes and
answers Slack at once with an empty 200. The answer processes run the same Bolt app on the same request (its
middleware, the replay guard among them, and its listener, whose ack then goes nowhere), at a lower CPU priority than
the acks, so that a busy machine still acknowledges in time.

What must answer within the ack, or soon after it, stays in the web process: forms (their errors are the ack) and
what opens one (Slack's trigger_id expires 3 seconds after the click).

The pool is forked from the app once it is built, before gunicorn forks its workers (`--preload`) and before any
thread starts: a supervisor process that keeps the answer processes (THREADS threads each) running. Requests reach
them through one Unix socket pair of SOCK_SEQPACKET, whose every message the kernel hands whole to one reader: any
web worker writes, any answer thread reads, and none holds a lock that a killed process could keep. The socket holds
a few dozen requests: beyond that an ack waits for room (BUFFER). A request too long for it, or that finds no
room for WAIT seconds, is answered in the web process, as without a pool.
When the app ends (its web processes too), they answer what it acknowledged, then end.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import socket
import threading
import time

from slack_bolt import BoltRequest, BoltResponse

from bot import metrics
from bot.flows.commands import opens_a_form
from bot.listeners.actions import OPEN_FORMS
from bot.listeners.observe import request_label
from bot.parsing import ParseError, parse

log = logging.getLogger(__name__)

# Answers an answer process works on at once: one can wait for Slack while the other computes; with four, they
# contended for the interpreter and the slowest answers took half as long again (BENCHMARKS.md).
THREADS = 2
NICENESS = 10  # CPU priority of the answer processes below the web processes' (Linux: about a tenth of the share)
# Bytes of requests waiting for the answer processes. Linux doubles it and charges each message several times its
# length: it holds 16 to 30 requests, under a second of answers. An ack is a promise: when the pool is that far behind,
# the next ack waits for room (at most WAIT seconds, then the web process answers the request itself) rather than
# queue what a killed replica would lose (BENCHMARKS.md, scale-out: a queue of 2 MiB lost 314 acknowledged requests).
BUFFER = 128 << 10
WAIT = 2.0


def handed_over(body: dict) -> bool:
    """Whether this request's answer may wait for an answer process: not a form, nor what opens one."""
    if body.get("command"):
        try:
            return not opens_a_form(parse(body.get("text", "")))
        except ParseError:  # answered with what is wrong with it: cheap, and no trigger to keep
            return True
    if body.get("type") == "block_actions":
        return not any(a.get("action_id") in OPEN_FORMS for a in body.get("actions") or [])
    return body.get("type") == "event_callback"


class Answers:
    """The pool: start() it once, in the process that then serves requests; register() routes requests to it."""

    def __init__(self, processes: int):
        self.processes = processes
        self.requests: socket.socket | None = None  # where the web process writes
        self.largest = 0  # the socket's buffer: no message can be longer

    def start(self, bolt, gl) -> None:
        """Fork the supervisor (and through it the answer processes); no thread may run in this process yet."""
        if self.processes < 1:
            return
        reading, writing = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        writing.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, BUFFER)
        largest = writing.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)  # no message can be longer
        parent = os.getpid()
        if os.fork() == 0:  # the supervisor
            try:
                writing.close()
                supervise(reading, largest, bolt, gl, self.processes, parent)
            finally:
                os._exit(0)
        reading.close()
        writing.settimeout(WAIT)
        self.requests, self.largest = writing, largest

    def hand(self, request) -> bool:
        """Queue the request for an answer process; False if it is too long for the socket (over a quarter of its
        buffer: 64 KiB) or if the pool had no room for it within WAIT seconds."""
        job = pickle.dumps((request.raw_body or request.body, request.headers, time.time()))
        try:
            if len(job) * 4 > self.largest:  # charged several times its length, it might never fit
                raise OSError("longer than the socket holds")
            self.requests.send(job)
        except OSError as e:  # TimeoutError: no room within WAIT seconds
            log.warning("answered in the web process: the answer processes cannot take it (%s)", e)
            return False
        return True

    def register(self, app) -> None:
        """The first global middleware: a request that an answer process can answer is queued and acknowledged."""

        @app.middleware
        def hand_over(request, context, next):
            if self.requests is None or context.get("answering") or not handed_over(request.body):
                return next()
            return BoltResponse(status=200, body="") if self.hand(request) else next()


def supervise(jobs: socket.socket, largest: int, bolt, gl, processes: int, app_pid: int) -> None:
    """Keep `processes` answer processes running while the app runs (one that dies is replaced), then wait for them
    to answer what is left."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C in the terminal is the app's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.nice(NICENESS)  # inherited by the answer processes
    children = {spawn(jobs, largest, bolt, gl) for _ in range(processes)}
    while children:
        pid, status = os.wait()
        children.discard(pid)
        if os.getppid() == app_pid:  # the app still runs: so must its answers
            log.error("answer process %d ended (status %d); starting another", pid, status)
            children.add(spawn(jobs, largest, bolt, gl))


def spawn(jobs: socket.socket, largest: int, bolt, gl) -> int:
    pid = os.fork()
    if pid:
        return pid
    try:
        gl.engine.dispose(close=False)  # connections the app held are its own: this process opens its own
        gl.worker.enable()  # what an answer queued goes out from here, without waiting for the sweep
        bolt.listener_runner.process_before_response = True  # a listener runs to its end in the thread that took it
        workers = [threading.Thread(target=answer, args=(jobs, largest, bolt)) for _ in range(THREADS)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        gl.worker.stop()  # lets a delivery round in progress finish
    finally:
        os._exit(0)


def answer(jobs: socket.socket, largest: int, bolt) -> None:
    """Answer requests until the app and its web processes are gone (the socket's end of file) and none is left."""
    while job := jobs.recv(largest):
        body, headers, acked = pickle.loads(job)
        # Verified when it was acknowledged: its signature may be older than Slack's 5 minutes by now.
        request = BoltRequest(body=body, headers=headers, context={"answering": True}, mode="socket_mode")
        try:
            bolt.dispatch(request)
        except Exception:  # the listeners answer their own failures; this thread must outlive anything else
            log.exception("answering a request failed")
        metrics.answered(*request_label(request.body), time.time() - acked)
