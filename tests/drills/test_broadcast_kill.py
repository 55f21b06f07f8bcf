"""Drill: the task worker killed mid-broadcast resumes without sending twice.

What `notice_attempt` promises is *at most once*: a notice is claimed (queued →
sending) in its own transaction before the sender is called, a claim is never sent
again, and `notices_unstick` settles a claim older than STUCK_AFTER as failed,
"delivery unknown", on the case's timeline, for an operator to check. So a worker
killed between claim and record costs at most that one resident an unknown
delivery, never a second message.

The drill broadcasts to RECIPIENTS callers through the `file` backend pointed at a
named pipe that it reads itself (support.Gateway), and kills `reliefline worker`
with SIGKILL twice, each time at a point it waits for rather than guesses:

1. after the worker claimed a notice and before the gateway took it (the worker
   sleeps in write(2) on the pipe the drill stopped reading);
2. after the gateway took a notice and before the worker recorded it as sent (the
   drill holds the notice's row, or SQLite's write lock, while it reads the pipe).

A third worker (`--batch`) then sends the rest and exits.
"""

from pathlib import Path

from tests.drills.support import (
    BIN,
    Env,
    Gateway,
    blocked_writing_pipe,
    say,
    scenario,
    sigkill,
    spawn,
    wait_for,
)

RECIPIENTS = 24
UNKNOWN = "worker stopped while sending; delivery unknown"


def _worker(env: Env, log: Path, *options: str):
    return spawn(env, BIN / "reliefline", "worker", "--no-startup-delay", *options, log=log)


def test_worker_killed_mid_broadcast_never_sends_a_notice_twice(
    drill_env: Env, tmp_path: Path
) -> None:
    env = drill_env
    gateway = Gateway(tmp_path / "gateway.fifo")
    env.extra.update(
        RELIEFLINE_NOTIFY_BACKEND="file",
        RELIEFLINE_NOTIFY_FILE=str(gateway.path),
        RELIEFLINE_NOTIFY_RATE="1000",  # every notice due at once
    )
    scene = scenario(env, "broadcast_setup", recipients=RECIPIENTS)
    broadcast = scene["broadcast"]
    say(f"broadcast {broadcast}: {len(scene['notices'])} notices queued")
    assert len(scene["notices"]) == RECIPIENTS
    probe = env.db.probe()
    log = tmp_path / "worker.log"

    def claimed() -> list[int]:
        return [
            row[0]
            for row in probe.rows(
                "SELECT id FROM channels_notice WHERE broadcast_id = %s AND status = 'sending'",
                broadcast,
            )
        ]

    # 1. Killed holding a claim the gateway never saw.
    first = _worker(env, log, "--interval", "0.05")
    wait_for(lambda: gateway.pump() >= 5, what="5 notices delivered")
    gateway.close()
    wait_for(lambda: blocked_writing_pipe(first.pid), what="the worker blocked handing over")
    (never_handed,) = wait_for(claimed, what="the claim of the blocked notice")
    sigkill(first)
    say(
        f"SIGKILL worker 1 after {len(gateway.delivered)} deliveries, claim of notice {never_handed} not handed over"
    )

    # 2. Killed after the gateway took a notice, before the worker recorded it.
    gateway.open()
    second = _worker(env, log, "--interval", "0.05")
    wait_for(lambda: gateway.pump() >= 10, what="10 notices delivered")
    gateway.close()
    wait_for(lambda: blocked_writing_pipe(second.pid), what="the worker blocked handing over")
    (handed, *_) = wait_for(lambda: [n for n in claimed() if n != never_handed], what="a claim")
    before = len(gateway.delivered)
    with probe.holding_row("channels_notice", handed):
        gateway.open()
        wait_for(lambda: gateway.pump() > before, what="the gateway to take the notice")
        sigkill(second)
    say(f"SIGKILL worker 2 after the gateway took notice {handed}, before it was recorded sent")

    # 3. A fresh worker sends what is left and stops.
    third = _worker(env, log, "--batch")
    assert third.wait(timeout=120) == 0, log.read_text()[-3000:]
    gateway.pump()
    state = scenario(env, "broadcast_state", broadcast=broadcast)
    by_status = {n["id"]: n["status"] for n in state["notices"]}
    say(
        f"worker 3 drained the queue: {len(gateway.delivered)} delivered, statuses {sorted(set(by_status.values()))}"
    )

    # Nothing was sent twice, nothing claimed was retried by the new workers.
    addresses = [line["to"] for line in gateway.delivered]
    assert len(addresses) == len(set(addresses)), "a resident got the broadcast twice"
    assert {by_status[never_handed], by_status[handed]} == {"sending"}
    sent = [n for n in state["notices"] if n["status"] == "sent"]
    assert len(sent) == RECIPIENTS - 2
    line_of = {line["to"]: line for line in gateway.delivered}
    for notice in sent:  # each sent notice reached its resident once, under the id recorded
        assert line_of[notice["address"]]["id"] == notice["provider_id"]
    notice_of = {n["id"]: n for n in state["notices"]}
    assert notice_of[never_handed]["address"] not in line_of
    assert notice_of[handed]["address"] in line_of
    assert len(gateway.delivered) == RECIPIENTS - 1
    say("checked: every resident got at most one message; every 'sent' notice matches one delivery")

    # The designed recovery, once STUCK_AFTER has passed: both claims settled, not resent.
    state = scenario(env, "notices_settle", broadcast=broadcast)
    assert state["settled"] == 2
    notice_of = {n["id"]: n for n in state["notices"]}
    for pk in (never_handed, handed):
        assert (notice_of[pk]["status"], notice_of[pk]["error"]) == ("failed", UNKNOWN)
    assert {n["status"] for n in state["notices"]} == {"sent", "failed"}
    assert state["status"] == "done"
    assert all(n["notes"] == 1 for n in state["notices"]), "one timeline note per notice"
    assert gateway.pump() == RECIPIENTS - 1
    say(
        f"checked: after STUCK_AFTER both claims are failed, delivery unknown, on the timeline; "
        f"broadcast done; jobs by status {state['jobs']}"
    )
    assert state["audit"]["intact"]
    probe.close()
    gateway.shut()
