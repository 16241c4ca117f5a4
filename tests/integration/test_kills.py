"""kill -9 at the worst moments, with exact counts (issue 15, "Fault tests").

- The capture agent, in a window of the real scheduler (test_faults.Stack),
  killed 20 times, each at a phase of a capture chosen by a seeded draw and
  reached for real: the agent's test-only SKYLAPSE_FAULT_PAUSE_AT stops it
  there (agents/capture/fault.h), the test kills it stopped and starts it
  again. Then: one frame a planned slot, each announced, each whole and
  with its sidecar, and each transferred (rsync over a loopback sshd) and
  verified on the server.
- The encoder killed mid-encode and started again: the job ends done once,
  one video, nothing partial, nothing left running.
- The transfer killed mid-sync and started again: every frame on the server
  once, verified, nothing partial, its status idle with nothing in flight.
"""
import hashlib
import json
import random
import time
from pathlib import Path

from harness import CAM, T, Client, payload_json, wait_for
from test_faults import Stack
from test_transfer import landed, run_once, sshd, transfer_env, verified_on_server  # noqa: F401

# agents/capture/fault.h, in a capture's order
PHASES = ["shoot", "write", "rename", "announce", "announced", "answered"]
# before these the frame is not under its final name: the next run retakes its slot
LOST = {"shoot", "write", "rename"}
KILLS = 20


def stopped(pid):
    """The process is stopped (SIGSTOP): state T in /proc/<pid>/stat."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] == "T"


def whole_frames(images):
    """Checks every frame under images: a whole JPEG under its final name with
    its sidecar (size and sha256), every sidecar with its frame; returns the
    hidden temporaries left (allowed: they keep temporary names)."""
    for jpg in images.rglob("capture_*.jpg"):
        data = jpg.read_bytes()
        assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9", jpg
        side = json.loads(jpg.with_suffix(".json").read_text())
        assert side["size"] == len(data) and side["sha256"] == hashlib.sha256(data).hexdigest()
    for side in images.rglob("capture_*.json"):
        assert side.with_suffix(".jpg").exists(), side
    return [p for p in images.rglob(".*") if p.is_file()]


def test_capture_killed_at_20_moments(daemons, broker, tmp_path, sshd):  # noqa: F811
    # 42 slots 10 s apart on a clock 5 times the real one: a slot every 2 real
    # seconds, the plan's grace (half the interval) 1 s: a restart has 1 to 3 s
    # to retake the slot the kill lost (offline.h)
    stack = Stack(daemons, broker, tmp_path, interval=10, slots=42, speed=5)
    rng = random.Random(15)
    moments = PHASES * 3 + rng.sample(PHASES, KILLS - 3 * len(PHASES))
    rng.shuffle(moments)
    t0 = time.monotonic()
    try:
        stack.start(SKYLAPSE_FAULT_PAUSE_AT=f"{moments[0]}@1")
        for i, phase in enumerate(moments):
            d = stack.capture
            wait_for(lambda: stopped(d.proc.pid) or not d.alive(), 30, f"a pause at {phase}")
            assert d.alive(), d.log()[-2000:]
            assert f"fault pause at {phase}" in d.log()
            d.kill9()
            assert time.time() < stack.real_at(stack.slots - 1), \
                f"the window ended after {i} kills (machine too slow?)"
            # the next run's first capture retakes a lost slot: pause at its second
            nxt = f"{moments[i + 1]}@{2 if phase in LOST else 1}" if i + 1 < KILLS else ""
            stack.start_capture(SKYLAPSE_FAULT_PAUSE_AT=nxt)
        by_slot = stack.finish()
        stack.assert_each_slot_once(by_slot)
        temps = whole_frames(stack.images)
        announcements = [payload_json(m)["path"] for w in stack.watchers
                         for m in w.all(f"{T}/frames")]
        # at least once: a kill repeats at most the announcements of the second before it
        assert len(announcements) <= stack.slots + KILLS, len(announcements)
        by_request, by_plan = stack.takers(by_slot)

        # the server: every frame once, verified (the simulated June is kept on the Pi)
        on_pi = sorted(str(p.relative_to(stack.images)) for p in stack.images.rglob("capture_*.jpg"))
        env = transfer_env(tmp_path, broker, sshd, PI_SOURCE=stack.images,
                           DELETE_AFTER_DAYS=3650)
        r = run_once(env)
        assert r.returncode == 0, r.stderr
        server = tmp_path / "server" / CAM
        on_server = sorted(str(p.relative_to(server)) for p in server.rglob("capture_*.jpg"))
        assert on_server == on_pi
        assert all(verified_on_server(server, rel) for rel in on_server)
        whole_frames(server)
    finally:
        stack.close()
    print(f"\ncapture killed {KILLS} times ({', '.join(moments)}): {stack.slots} slots planned, "
          f"{len(by_slot)} captured ({by_request} by request, {by_plan} by the plan), "
          f"{len(set(announcements))} announced ({len(announcements)} announcements), "
          f"{len(on_server)} transferred and verified; {len(temps)} temporaries left; "
          f"{time.monotonic() - t0:.0f} s")


# --- the encoder --------------------------------------------------------------------

from test_encoder import (JOBS, env, frame_sets, hold, job, make_frames,  # noqa: E402,F401
                          probe, send, states, wait_state, watcher, worker)


def test_encoder_killed_mid_encode_and_restarted(make_frames, hold, worker, watcher, env,  # noqa: F811
                                                  broker):
    t0 = time.monotonic()
    frame = hold(make_frames(n=100, kind="big")[50])  # runs wait at frame 50 until restored
    w1 = worker("w1", "--threads", "1")
    send(watcher, job("kill-me", n=100, width=640))
    folder = Path(env["TIMELAPSES_DIR"], "helios")
    for kill in range(2):  # killed while encoding, twice; the same worker started again
        mark = watcher.mark()
        watcher.wait_message(f"{JOBS}/kill-me", lambda m: payload_json(m)["state"] == "running"
                             and payload_json(m)["progress"] > 0, timeout=30, start=mark)
        assert list(folder.glob(".*.part")), "killed while encoding: its temporary exists"
        w1.kill9()
        if kill == 1:
            frame.restore()  # the last run goes to the end
        w1 = worker("w1", "--threads", "1")
    final = wait_state(watcher, "kill-me", wanted=("done", "failed"), timeout=90)
    assert final["state"] == "done", final
    # once done, nothing more: the retained state stays done, never running again
    seen = [s["state"] for s in states(watcher, "kill-me")]
    assert seen.count("done") == 1 and seen[-1] == "done", seen
    assert "running" in seen[:seen.index("done")]
    # and a newcomer sees it so: no job retained as running
    late = Client(broker.port)
    late.subscribe(f"{JOBS}/+")
    retained = wait_for(lambda: [payload_json(m) for m in late.all(f"{JOBS}/+")
                                 if m.retain and m.payload], 10, "the retained job states")
    late.close()
    assert [(j["job_id"], j["state"]) for j in retained] == [("kill-me", "done")]
    videos = list(folder.glob("*.mp4"))
    assert [v.name for v in videos] == [Path(final["output"]).name]
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]
    s = probe(videos[0])
    assert int(s["nb_read_frames"]) == 100 and videos[0].stat().st_size == final["size"]
    print(f"\nencoder killed twice mid-encode: states {seen.count('queued')} queued, "
          f"{seen.count('running')} running, {seen.count('done')} done; {len(videos)} video "
          f"of {s['nb_read_frames']} frames, attempts {final['attempts']}; "
          f"{time.monotonic() - t0:.0f} s")


# --- the transfer -------------------------------------------------------------------

from test_transfer import STATUS, pi, rsync_children  # noqa: E402,F401


def test_transfer_killed_mid_sync_and_restarted(tmp_path, broker, sshd, pi, daemons,  # noqa: F811
                                                client):
    """Three kills, each while rsync is in the middle of the folder (8 KiB/s,
    frames of ~12 KB), each followed by a restart; the last run goes to its
    end: every frame once on the server, verified, nothing partial."""
    t0 = time.monotonic()
    pi_dir, capture = pi
    frames = capture(8)
    server = tmp_path / "server" / CAM
    env = transfer_env(tmp_path, broker, sshd, DELETE_AFTER_DAYS=30)
    w = client()
    w.subscribe("skylapse/transfer/#")
    counts = []
    for kill in range(3):
        before = landed(server)
        d = daemons("skylapse-transfer", args=["--bwlimit", "8"], env=env)
        wait_for(lambda: landed(server) > before, 30, "one more frame on the server")
        assert rsync_children(server), "killed mid-sync: rsync still runs"
        d.kill9()
        wait_for(lambda: not rsync_children(server), 10, "rsync to stop with the agent")
        counts.append(landed(server))
    assert counts[-1] < len(frames), counts
    mark = w.mark()
    d = daemons("skylapse-transfer", env=env)
    st = payload_json(w.wait_message(
        STATUS, lambda m: payload_json(m).get("result") == "ok" and
        payload_json(m)["state"] == "idle", start=mark, timeout=40))
    assert st["backlog"] == 0 and st["errors"] == 0 and st["unverified"] == 0, st
    assert st["on_pi"] == len(frames) and st["verified_total"] == len(frames), st
    on_server = sorted(str(p.relative_to(server)) for p in server.rglob("capture_*.jpg"))
    assert on_server == sorted(f["path"] for f in frames)
    assert all(verified_on_server(server, rel) for rel in on_server)
    assert whole_frames(server) == [server / ".skylapse-transfer-verified"]
    assert not [p for p in server.rglob(".*") if p.is_dir() and any(p.iterdir())]
    print(f"\ntransfer killed 3 times mid-sync ({counts} of {len(frames)} frames landed): "
          f"{len(on_server)} on the server, {st['verified_total']} verified, backlog "
          f"{st['backlog']}, state {st['state']}; {time.monotonic() - t0:.0f} s")
