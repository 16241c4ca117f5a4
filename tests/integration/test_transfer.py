"""skylapse-transfer end to end: a real sshd on a free loopback port (host and
client keys made per run), the real rsync, frames written by the real
skylapse-capture (sim camera) as the "Pi", and the real mosquitto.

A frame is "old" when its capture time is: the tests move a captured frame
into a day folder three days back and rewrite its name and its sidecar's
captured_at and path (size and sha256 stay those of the bytes)."""
import datetime
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from harness import (BIN, CAM, ROOT, Client, payload_json, put_frame, sha, sim_config, visible,
                     wait_for)
from schemas import validate
from sshd_server import Sshd

STATUS = "skylapse/transfer/status"


# --- the "Pi": sshd + skylapse-capture ------------------------------------------

@pytest.fixture
def sshd(tmp_path):
    s = Sshd(tmp_path).start()
    yield s
    s.stop()


@pytest.fixture
def pi(tmp_path, broker, daemons, client):
    """Starts skylapse-capture (sim) writing into tmp/pi; returns (dir, capture(n))."""
    pi_dir = tmp_path / "pi"
    cfg = sim_config(tmp_path, "capture.json", sim_width=320, sim_height=240)
    watcher = client()
    watcher.subscribe(f"skylapse/{CAM}/#")
    daemons("skylapse-capture", env={
        "CAMERA_SOURCE": "sim", "CAMERA_ID": CAM, "IMAGES_DIR": str(pi_dir),
        "MQTT_URL": broker.url, "SKYLAPSE_CONFIG": str(cfg), "PRIMARY_BACKEND": ""})
    watcher.wait_message(f"skylapse/{CAM}/availability", lambda m: m.payload == b"online")
    counter = iter(range(10**6))

    def capture(n=1):
        frames = []
        for _ in range(n):
            rid = f"t{next(counter)}"
            mark = watcher.mark()
            watcher.publish(f"skylapse/{CAM}/capture/request", json.dumps({"request_id": rid}))
            m = watcher.wait_message(f"skylapse/{CAM}/capture/response",
                                     lambda m: payload_json(m).get("request_id") == rid,
                                     start=mark)
            result = payload_json(m)
            assert result["status"] == "ok", result
            frames += result["frames"]
        return frames
    return pi_dir, capture


# --- helpers ----------------------------------------------------------------------

def transfer_env(tmp_path, broker, sshd=None, **extra):
    env = {"CAMERA_ID": CAM, "PI_SOURCE": str(tmp_path / "pi"),
           "IMAGES_DIR": str(tmp_path / "server"), "MQTT_URL": broker.url,
           "SKYLAPSE_CONFIG": str(ROOT / "config" / "config.json"),
           "TRANSFER_INTERVAL_MINUTES": "60", "DELETE_AFTER_DAYS": "1"}
    if sshd:
        env.update(sshd.env())
    env.update({k: str(v) for k, v in extra.items()})
    return env


def landed(server):
    """How many frames are on the server under their final names (rsync's
    partial files live in hidden folders)."""
    return len([p for p in server.rglob("capture_*.jpg") if p.parent.name[0] != "."])


def run_once(env, *args, timeout=40):
    return subprocess.run([str(BIN / "skylapse-transfer"), "--once", *args],
                          env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=timeout, cwd=str(ROOT))


def tree(root):
    """{relative path: sha256} of the visible files under root."""
    return {rel: sha(Path(root) / rel) for rel in visible(root)}


def verified_on_server(server_cam, rel):
    """The server copy exists and has its sidecar's size and sha256."""
    jpg = Path(server_cam) / rel
    if not jpg.exists() or not jpg.with_suffix(".json").exists():
        return False
    side = json.loads(jpg.with_suffix(".json").read_text())
    return jpg.stat().st_size == side["size"] and sha(jpg) == side["sha256"]


def age(pi_dir, ann, days, flip_byte=False, drop_sidecar=False):
    """Moves a captured frame `days` back in time; returns its new path."""
    old = Path(pi_dir) / ann["path"]
    t = datetime.datetime.strptime(ann["captured_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    t -= datetime.timedelta(days=days)
    day = t.strftime("%Y-%m-%d")
    name = f"capture_{t:%Y%m%d_%H%M%S}_{t.microsecond // 1000:03d}.jpg"
    rel = f"profile-{ann['profile']}/{day}/{name}"
    new = Path(pi_dir) / rel
    new.parent.mkdir(parents=True, exist_ok=True)
    old.rename(new)
    side = dict(ann, path=rel, captured_at=t.strftime("%Y-%m-%dT%H:%M:%S.") +
                f"{t.microsecond // 1000:03d}Z")
    old.with_suffix(".json").unlink()
    if not drop_sidecar:
        new.with_suffix(".json").write_text(json.dumps(side))
    if flip_byte:  # the Pi's copy no longer matches what the camera wrote
        data = bytearray(new.read_bytes())
        data[100] ^= 0xFF
        new.write_bytes(bytes(data))
    return rel


def rsync_children(dest):
    """rsync processes still working for this destination."""
    found = []
    for p in Path("/proc").iterdir():
        try:
            cmd = (p / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if cmd and cmd[0].endswith(b"rsync") and any(str(dest).encode() in c for c in cmd):
            found.append(int(p.name))
    return found


# --- tests -----------------------------------------------------------------------

def test_frames_arrive_verified_and_announcements_trigger_sync(tmp_path, broker, sshd, pi,
                                                               daemons, client):
    pi_dir, capture = pi
    first = capture(3)
    w = client()
    w.subscribe("skylapse/transfer/#")
    d = daemons("skylapse-transfer", env=transfer_env(tmp_path, broker, sshd))
    w.wait_message("skylapse/transfer/availability", lambda m: m.payload == b"online")
    st = payload_json(w.wait_message(STATUS, lambda m: payload_json(m).get("result") == "ok",
                                     timeout=20))
    validate(st, "transfer-status")
    server = tmp_path / "server" / CAM
    for ann in first:
        assert verified_on_server(server, ann["path"]), ann["path"]
        assert sha(server / ann["path"]) == sha(pi_dir / ann["path"]) == ann["sha256"]
    assert st["files"] == 6 and st["errors"] == 0 and st["on_pi"] == 3
    assert st["state"] == "idle" and st["camera"] == CAM
    assert sorted(tree(pi_dir)) == sorted(tree(server))  # nothing extra, nothing missing

    # the interval is an hour: only the announcement can bring these over; the idle
    # transfer says at once that a frame is owed (the scheduler waits on it)
    mark = w.mark()
    more = capture(2)
    owed = payload_json(w.wait_message(STATUS, start=mark, timeout=15))
    assert owed["state"] == "idle" and owed["backlog"] >= 1, owed
    for ann in more:
        wait_for(lambda: verified_on_server(server, ann["path"]), 15, ann["path"])
    st = payload_json(w.wait_message(
        STATUS, lambda m: payload_json(m).get("result") == "ok" and payload_json(m)["backlog"] == 0
        and payload_json(m)["verified_total"] >= 5, start=mark, timeout=15))
    assert st["deleted_on_pi_total"] == 0  # young frames stay on the Pi
    assert len(tree(pi_dir)) == 10

    assert d.stop() == 0
    late = Client(broker.port)
    late.subscribe("skylapse/transfer/#")
    assert late.wait_message("skylapse/transfer/availability").payload == b"offline"
    assert payload_json(late.wait_message(STATUS))["state"] == "stopped"
    late.close()


def test_pi_cleanup_deletes_only_old_verified_frames(tmp_path, broker, sshd, pi, client):
    pi_dir, capture = pi
    frames = capture(7)
    old_ok = age(pi_dir, frames[0], 3)
    old_refetched = age(pi_dir, frames[1], 3)          # server copy removed before run 2
    old_server_bad = age(pi_dir, frames[2], 4)         # server copy corrupted before run 2
    old_pi_bad = age(pi_dir, frames[3], 4, flip_byte=True)
    old_no_sidecar = age(pi_dir, frames[4], 4, drop_sidecar=True)
    young = [f["path"] for f in frames[5:]]
    server = tmp_path / "server" / CAM

    # run 1: nothing is old enough yet; everything comes over
    r = run_once(transfer_env(tmp_path, broker, sshd, DELETE_AFTER_DAYS=30))
    assert r.returncode == 0, r.stderr
    for rel in [old_ok, old_refetched, old_server_bad] + young:
        assert verified_on_server(server, rel), rel
    assert not verified_on_server(server, old_pi_bad)
    assert "not verified, so kept on the Pi" in r.stderr
    before = tree(pi_dir)

    # the server's copies go wrong behind the transfer's back
    (server / old_refetched).unlink()
    bad = server / old_server_bad
    st = bad.stat()
    data = bytearray(bad.read_bytes())
    data[50] ^= 0xFF
    bad.write_bytes(bytes(data))
    os.utime(bad, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size and mtime: rsync sees no change

    # run 2: frames older than a day that verify are deleted on the Pi, no others.
    # The corrupted server copy is caught by the hash just before deletion, so
    # that frame stays on the Pi until the copy is fetched again and verifies.
    r = run_once(transfer_env(tmp_path, broker, sshd, DELETE_AFTER_DAYS=1))
    assert r.returncode == 0, r.stderr
    log = r.stderr
    caught = log.index(f"not deleting on the Pi: {old_server_bad}: sha256")
    assert log.index(f"{old_server_bad}: sha256", caught + 1) > caught  # then re-fetched
    after = tree(pi_dir)
    gone = set(before) - set(after)
    deleted = (old_ok, old_refetched, old_server_bad)
    assert gone == {x for rel in deleted for x in (rel, rel[:-4] + ".json")}
    for rel in (old_pi_bad, old_no_sidecar, *young):
        assert rel in after, rel
    assert not (pi_dir / old_ok).parent.exists()        # emptied old day folder removed
    assert (pi_dir / old_pi_bad).parent.exists()        # still holds frames
    for rel in deleted:                                  # nothing lost: on the server, verified
        assert verified_on_server(server, rel), rel
        assert sha(server / rel) == before[rel]

    c = client()
    c.subscribe(STATUS)
    st = payload_json(c.wait_message(STATUS))
    validate(st, "transfer-status")
    assert st["deleted_on_pi_total"] == 3 and st["result"] == "ok"
    assert st["unverified"] == 2  # the Pi's corrupted frame and the one without sidecar


def test_stop_and_kill_mid_sync_then_resume(tmp_path, broker, sshd, pi, daemons, client):
    pi_dir, capture = pi
    capture(6)
    server = tmp_path / "server" / CAM
    env = transfer_env(tmp_path, broker, sshd, DELETE_AFTER_DAYS=30)
    # ~12 KB frames at 8 KiB/s: each sync below is stopped long before its end
    w = client()
    w.subscribe("skylapse/transfer/#")
    d = daemons("skylapse-transfer", args=["--bwlimit", "8"], env=env)
    wait_for(lambda: landed(server) >= 1, 20, "a first frame on the server")
    mark = w.mark()
    assert d.stop() == 0                                 # SIGTERM: rsync stopped, clean exit
    assert not rsync_children(server)
    w.wait_message("skylapse/transfer/availability", lambda m: m.payload == b"offline",
                   start=mark)
    assert payload_json(w.all(STATUS, start=mark)[-1])["state"] == "stopped"

    got = landed(server)
    d = daemons("skylapse-transfer", args=["--bwlimit", "8"], env=env)
    wait_for(lambda: landed(server) > got, 20, "one more frame on the server")
    assert landed(server) < 6
    d.kill9()                                            # no goodbye at all
    wait_for(lambda: not rsync_children(server), 10, "rsync to stop with the agent")

    r = run_once(env)
    assert r.returncode == 0, r.stderr
    assert tree(server) == tree(pi_dir)                  # nothing lost, nothing extra
    for rel in tree(pi_dir):
        if rel.endswith(".jpg"):
            assert verified_on_server(server, rel), rel
    leftovers = [p for p in server.rglob(".*") if p.name != ".skylapse-transfer-verified"]
    assert all(p.is_dir() and not any(p.iterdir()) for p in leftovers), leftovers


def test_sshd_down_reported_then_caught_up(tmp_path, broker, sshd, pi, daemons, client):
    pi_dir, capture = pi
    frames = capture(2)
    server = tmp_path / "server" / CAM

    # a key the Pi does not accept: refused, reported, exit 2, nothing touched
    r = run_once(transfer_env(tmp_path, broker, sshd, SSH_KEY=sshd.wrong_key))
    assert r.returncode == 2
    assert "SSH authentication refused" in r.stderr

    sshd.stop()
    w = client()
    w.subscribe(STATUS)
    d = daemons("skylapse-transfer", env=transfer_env(tmp_path, broker, sshd))
    st = payload_json(w.wait_message(
        STATUS, lambda m: payload_json(m).get("error_kind") == "unreachable", timeout=20))
    validate(st, "transfer-status")
    assert "Connection refused" in st["last_error"] and st["failures"] >= 1
    assert st["last_sync"] is None and st["result"] == "error"
    assert len(tree(pi_dir)) == 4

    mark = w.mark()
    sshd.start()
    st = payload_json(w.wait_message(STATUS, lambda m: payload_json(m).get("result") == "ok",
                                     start=mark, timeout=30))
    assert st["failures"] == 0 and st["last_sync"] is not None
    for ann in frames:
        assert verified_on_server(server, ann["path"])
    assert d.stop() == 0


def test_disabled_and_local_source(tmp_path, broker, daemons, client):
    src = tmp_path / "pi" / "profile-a" / "2026-01-01"
    rel = "profile-a/2026-01-01/capture_20260101_120000_000.jpg"
    put_frame(tmp_path / "pi" / rel, os.urandom(3000), path=rel,
              captured_at="2026-01-01T12:00:00.000Z")
    server = tmp_path / "server" / CAM

    r = run_once(transfer_env(tmp_path, broker, TRANSFER_ENABLED="false"))
    assert r.returncode == 0 and "disabled" in r.stderr
    assert not server.exists()

    w = client()
    w.subscribe(STATUS)
    d = daemons("skylapse-transfer", env=transfer_env(tmp_path, broker, TRANSFER_ENABLED="false"))
    st = payload_json(w.wait_message(STATUS, lambda m: payload_json(m).get("state") == "disabled"))
    assert st["enabled"] is False and st["next_sync_at"] is None
    assert d.stop() == 0

    # PI_HOST=local: the same rsync, verification and clean-up on a local folder
    r = run_once(transfer_env(tmp_path, broker, PI_HOST="local", DELETE_AFTER_DAYS=1))
    assert r.returncode == 0, r.stderr
    assert verified_on_server(server, rel)
    assert not src.exists()  # old, verified, deleted at the source with its day folder

    # the server folder as the source would delete the only copies: refused
    r = run_once(transfer_env(tmp_path, broker, PI_HOST="local", PI_SOURCE=server))
    assert r.returncode == 1 and "overlap" in r.stderr


@pytest.mark.skipif(os.environ.get("SANITIZE", "0") != "0" or not shutil.which("valgrind"),
                    reason="valgrind cannot run sanitized binaries")
def test_once_under_valgrind_loses_nothing_and_leaks_nothing(tmp_path, broker):
    """A whole cycle under valgrind: its hashing threads, rsync as a child
    (valgrind has no pidfd_open, so the agent falls back to polling for the
    child's exit), verification, deletion at the source; no memory errors,
    no definite leaks."""
    day = tmp_path / "pi" / "profile-a" / "2026-01-01"
    names = [f"capture_20260101_1200{i:02d}_000" for i in range(12)]
    for i, name in enumerate(names):
        put_frame(day / f"{name}.jpg", os.urandom(20000 + i),
                  path=f"profile-a/2026-01-01/{name}.jpg",
                  captured_at=f"2026-01-01T12:00:{i:02d}.000Z")
    # the first Pi's copy no longer matches its sidecar: never deleted
    (day / f"{names[0]}.jpg").write_bytes(os.urandom(20000))
    env = transfer_env(tmp_path, broker, PI_HOST="local", DELETE_AFTER_DAYS=1)
    r = subprocess.run(["valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
                        "--errors-for-leak-kinds=definite", str(BIN / "skylapse-transfer"),
                        "--once"], env={**os.environ, **env}, capture_output=True, text=True,
                       timeout=240, cwd=str(ROOT))
    assert r.returncode == 0, r.stderr[-4000:]
    server = tmp_path / "server" / CAM
    for name in names[1:]:
        assert verified_on_server(server, f"profile-a/2026-01-01/{name}.jpg"), name
        assert not (day / f"{name}.jpg").exists(), name
    assert (day / f"{names[0]}.jpg").exists() and (day / f"{names[0]}.json").exists()


def test_two_pis_one_transfer_each(tmp_path, broker, daemons, client):
    """Several Pis: one skylapse-transfer per Pi, each with its own host, user and folder
    (here two loopback sshd's) and TRANSFER_PER_CAMERA: its status and Home Assistant device
    under its camera, its camera's frames in its camera's server folder only."""
    cams = ("helios", "selene")
    sim_config(tmp_path, "capture.json", sim_width=160, sim_height=120)
    w = client()
    w.subscribe("skylapse/#")
    w.subscribe("homeassistant/device/#")
    frames, sshds = {}, []
    for cam in cams:
        daemons("skylapse-capture", env={
            "CAMERA_SOURCE": "sim", "CAMERA_ID": cam, "IMAGES_DIR": str(tmp_path / cam / "pi"),
            "MQTT_URL": broker.url, "SKYLAPSE_CONFIG": str(tmp_path / "capture.json"),
            "PRIMARY_BACKEND": "", "SKYLAPSE_STATE_DIR": str(tmp_path / cam / "state")})
        w.wait_message(f"skylapse/{cam}/availability", lambda m: m.payload == b"online")
        w.publish(f"skylapse/{cam}/capture/request", json.dumps({"request_id": f"{cam}-1"}))
        result = payload_json(w.wait_message(f"skylapse/{cam}/capture/response"))
        assert result["status"] == "ok", result
        frames[cam] = result["frames"]
    try:
        for cam in cams:
            s = Sshd(tmp_path / cam).start()
            sshds.append(s)
            daemons("skylapse-transfer", env={
                **transfer_env(tmp_path, broker, s, CAMERA_ID=cam, TRANSFER_PER_CAMERA="true",
                               PI_SOURCE=tmp_path / cam / "pi"),
                "SKYLAPSE_STATE_DIR": str(tmp_path / cam / "transfer-state")})
        for cam in cams:
            st = payload_json(w.wait_message(f"skylapse/transfer/{cam}/status",
                                             lambda m: payload_json(m).get("result") == "ok",
                                             timeout=30))
            validate(st, "transfer-status")
            assert st["camera"] == cam and st["errors"] == 0 and st["on_pi"] == 1, st
            for ann in frames[cam]:
                assert verified_on_server(tmp_path / "server" / cam, ann["path"]), ann["path"]
            assert tree(tmp_path / "server" / cam) == tree(tmp_path / cam / "pi")
            w.wait_message(f"skylapse/transfer/{cam}/availability", lambda m: m.payload == b"online")
            dev = payload_json(w.wait_message(
                f"homeassistant/device/skylapse_transfer/skylapse_transfer_{cam}/config"))
            assert dev["device"]["name"] == f"Skylapse transfer {cam}"
        assert w.all("skylapse/transfer/status") == []  # the one-transfer topic stays unused
    finally:
        for s in sshds:
            s.stop()
