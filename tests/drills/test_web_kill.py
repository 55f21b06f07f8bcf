"""Drill: gunicorn's workers killed with SIGKILL during an allocation and distributions.

`convoy_allocate` and `distribution_record` each write in one transaction, so a web
worker killed in the middle must leave nothing of the request: no placement without
its run and its event, no distribution without its lines, its ledger rows and its
audit entry, balances equal to their ledger (`reliefline stock verify`), an audit
chain that verifies (`reliefline audit verify`), and every write that was answered
201 still there.

The allocation is killed while its transaction is open, which the drill sees from
outside (a write transaction open for a while: pg_stat_activity, or SQLite's write
lock); it has by then given the previous allocation's places back, so the drill
checks that they are all still held, unchanged. Distributions are killed at random
points under two clients, one worker at a time; on PostgreSQL one more is held at
the audit log's head row, after its lines and ledger rows are written, and killed
there.
"""

import contextlib
import http.client
import json
import threading
import time
from pathlib import Path
from typing import Any

from bench import intake
from tests.drills.support import (
    BIN,
    Env,
    Probe,
    children,
    heavy,
    say,
    scenario,
    sigkill,
    spawn,
    wait_for,
)

pytestmark = heavy
REQUESTS = 60
HOUSEHOLDS = 80
KILLS = 3


class Server:
    """gunicorn serving reliefline on a loopback port, as `reliefline serve` runs it."""

    def __init__(self, env: Env, log: Path) -> None:
        self.port = intake.free_port()
        self.log = log
        self.proc = spawn(
            env,
            BIN / "gunicorn",
            "reliefline.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            "2",
            "--timeout",
            "120",
            "--no-control-socket",
            log=log,
        )
        intake.wait_until_up(self.port, self.proc, log)

    def workers(self) -> list[int]:
        return children(self.proc.pid)

    def ready(self) -> bool:
        with contextlib.suppress(OSError, http.client.HTTPException):
            return self.call("GET", "/readyz")[0] == 200
        return False

    def call(self, method: str, path: str, body: Any = None, token: str = "") -> tuple[int, Any]:
        """Return (status, JSON body); raise OSError when the worker dies mid-request."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            conn.request(method, path, body=json.dumps(body) if body else None, headers=headers)
            response = conn.getresponse()
            content = response.read()
        except http.client.HTTPException as error:  # RemoteDisconnected and the like
            raise ConnectionError(repr(error)) from error
        finally:
            conn.close()
        return response.status, json.loads(content) if content else None

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def _wait_open_or_answered(probe: Probe, client: threading.Thread, seconds: float = 0.3) -> None:
    """Return once a write transaction has stayed open `seconds`, or the client is done.

    The token check's own write lasts milliseconds; only the allocation's stays open.
    """
    since: list[float] = []

    def check() -> bool:
        if not client.is_alive():
            return True
        if not probe.writer_busy():
            since.clear()
            return False
        since[:] = since or [time.monotonic()]
        return time.monotonic() - since[0] >= seconds

    wait_for(check, what="the allocation's transaction")


def _kill_allocation(env: Env, server: Server, probe: Probe, scene: dict) -> dict:
    """Return the convoy's state once an allocation was killed mid-transaction."""
    path = f"/api/v1/evacuation/convoys/{scene['convoy']}/allocations"
    outcome: list[Any] = []

    def allocate() -> None:
        try:
            outcome.append(server.call("POST", path, {"time_limit": 30}, scene["token"]))
        except OSError as error:
            outcome.append(error)

    for attempt in range(1, 4):
        before = scenario(env, "convoy_state", convoy=scene["convoy"])
        client = threading.Thread(target=allocate)
        client.start()
        _wait_open_or_answered(probe, client)
        if not client.is_alive():  # it finished first: a fast solve; plan again and retry
            say(f"attempt {attempt}: the allocation answered {outcome[-1]} before the kill")
            continue
        for pid in server.workers():
            sigkill(pid)
        client.join()
        assert isinstance(outcome[-1], OSError), outcome[-1]
        say(f"SIGKILL both web workers with the allocation's transaction open: {outcome[-1]!r}")
        return before
    raise AssertionError("every allocation finished before it could be killed")


def test_web_workers_killed_mid_allocation_and_distribution_leave_no_partial_record(
    drill_env: Env, tmp_path: Path
) -> None:
    env = drill_env
    scene = scenario(env, "web_setup", requests=REQUESTS, households=HOUSEHOLDS)
    token, convoy = scene["token"], scene["convoy"]
    say(f"convoy {convoy}: {REQUESTS} requests, {scene['allocated']} people placed by a first run")
    server = Server(env, tmp_path / "gunicorn.log")
    probe = env.db.probe()

    # The allocation.
    before = _kill_allocation(env, server, probe, scene)
    wait_for(server.ready, what="gunicorn's new workers")
    after = scenario(env, "convoy_state", convoy=convoy)
    assert after["problems"] == []
    for key in ("places", "runs", "events", "statuses"):
        assert after[key] == before[key], key
    assert after["audit"]["intact"]
    say(
        f"checked: the {len(before['places'])} places of the previous run held, unchanged; no new run or event"
    )
    status, run = server.call(
        "POST", f"/api/v1/evacuation/convoys/{convoy}/allocations", {"time_limit": 5}, token
    )
    assert status == 201, run
    again = scenario(env, "convoy_state", convoy=convoy)
    assert again["problems"] == [] and again["runs"] == before["runs"] + 1
    say(f"an allocation after the restart: 201, {run['allocated']} placed, invariants hold")

    # Distributions.
    outcomes: dict[int, Any] = {}
    households = list(scene["households"])
    if env.db.postgres:
        held = households.pop()
        with probe.holding_row("access_audithead", 1):
            client = threading.Thread(target=_distribute, args=(server, token, [held], outcomes))
            client.start()
            wait_for(
                lambda: probe.value(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                ),
                what="the distribution to wait for the audit head",
            )
            for pid in server.workers():
                sigkill(pid)
            client.join()
        say(
            f"SIGKILL the web workers while a distribution waited at the audit head: {outcomes[held]}"
        )
        wait_for(server.ready, what="gunicorn's new workers")
    kills = _storm(server, token, households, outcomes)
    answered = {h for h, o in outcomes.items() if o == 201}
    cut = {h for h, o in outcomes.items() if o == "cut"}
    other = {h: o for h, o in outcomes.items() if o not in (201, "cut", 409)}
    say(
        f"{len(outcomes)} distributions sent, {kills} workers killed: {len(answered)} answered 201, {len(cut)} cut off"
    )
    assert other == {}
    state = scenario(env, "aid_state")
    given = state["households"]
    assert state["problems"] == [], state["problems"][:5]
    assert len(given) == len(set(given)), "a household served twice"
    assert answered <= set(given), "an acknowledged distribution was lost"
    assert set(given) <= answered | cut
    assert state["balance"] == state["ledger"] == 100_000 - 2 * len(given)
    assert state["audit"]["intact"], state["audit"]
    say(
        f"checked: {len(given)} distributions ({len(set(given) & cut)} of the cut-off ones committed "
        f"whole), each with lines, ledger rows and audit entry; balances = ledger; audit intact"
    )
    server.stop()
    probe.close()


def _distribute(server: Server, token: str, households: list[int], outcomes: dict) -> None:
    for household in households:
        body = {
            "warehouse": "DRILL-1",
            "household_id": household,
            "lines": [{"item": "WATER-5L", "quantity": 2}],
        }
        try:
            status, _body = server.call("POST", "/api/v1/aid/distributions", body, token)
            outcomes[household] = status
        except OSError:
            outcomes[household] = "cut"


def _storm(server: Server, token: str, households: list[int], outcomes: dict) -> int:
    """Send the distributions from two clients, killing one worker every few answers."""
    clients = [
        threading.Thread(target=_distribute, args=(server, token, households[i::2], outcomes))
        for i in range(2)
    ]
    for client in clients:
        client.start()
    kills = 0
    step = len(households) // (KILLS + 1)
    while kills < KILLS and any(c.is_alive() for c in clients):
        mark = (kills + 1) * step
        wait_for(
            lambda mark=mark: len(outcomes) >= mark or not any(c.is_alive() for c in clients),
            what=f"{mark} distributions answered",
            timeout=120,
        )
        workers = server.workers()
        if workers:
            sigkill(workers[kills % len(workers)])
            kills += 1
    for client in clients:
        client.join()
    return kills
