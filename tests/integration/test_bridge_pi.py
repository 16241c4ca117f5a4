"""The seed guide's Pi calls through `skylapse-bridge --pi-compat`, exactly as
DEPLOYMENT.md types them (curl), and /status with a real skylapse-scheduler
publishing the backend status."""
import json
import subprocess

import pytest

from bridge_stack import CAM, Stack
from harness import free_port, wait_for
from schemas import validate

SEED_CAPTURE = ('curl -X POST http://127.0.0.1:{port}/capture '
                '-H "Content-Type: application/json" '
                '-d \'{{"profile": "A", "backend_name": "{backend}"}}\'')


def sh(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=20, check=True)


@pytest.fixture
def pi(tmp_path):
    """The capture agent with PRIMARY_BACKEND=dagon, the bridge fronting it on
    its own port as the earlier Pi service did."""
    with Stack(tmp_path, capture=True) as s:
        s.pi_port = free_port()
        s.start_bridge(args=["--pi-compat", "--camera", CAM], port=s.pi_port)
        wait_for(lambda: s.get("/status", port=s.pi_port).status == 200, 10, "pi-compat /status")
        yield s


def test_seed_pi_status_and_health(pi):
    st = json.loads(sh(f"curl -s http://127.0.0.1:{pi.pi_port}/status").stdout)
    assert st["camera"] == CAM and st["availability"] == "online"
    assert st["primary_backend"] == "dagon" and st["camera_ready"] is True
    assert st["state"] in ("idle", "capturing")
    h = pi.get("/health", port=pi.pi_port).json()
    assert h["status"] == "ok" and h["camera"] == CAM and h["availability"] == "online"
    # only the Pi's three calls exist in this mode
    assert pi.get("/images", port=pi.pi_port).status == 404
    assert pi.get("/capture", port=pi.pi_port).status == 405


def test_seed_pi_capture_as_documented(pi):
    out = sh(SEED_CAPTURE.format(port=pi.pi_port, backend="dagon") + " -w '\\n%{http_code}'")
    body, code = out.stdout.rsplit("\n", 1)
    assert code == "200"
    res = json.loads(body)
    validate(res, "capture-result")
    assert res["status"] == "ok" and len(res["frames"]) == 1
    frame = res["frames"][0]
    # the Pi speaks of paths under its own root, as the earlier service did
    assert frame["path"].startswith("profile-a/") and frame["backend_name"] == "dagon"
    assert (pi.images / CAM / frame["path"]).exists()


def test_seed_pi_capture_from_another_backend_is_403(pi):
    out = sh(SEED_CAPTURE.format(port=pi.pi_port, backend="dev") + " -w '\\n%{http_code}'")
    body, code = out.stdout.rsplit("\n", 1)
    assert code == "403"
    res = json.loads(body)
    assert res["error"] == "Backend not authorized: only 'dagon' can trigger captures"
    assert res["detail"] == res["error"] and res["error_kind"] == "denied"
    assert not list((pi.images / CAM).rglob("*.jpg"))


def test_pi_capture_bad_body(pi):
    r = pi.post("/capture", '{"profile": ', port=pi.pi_port)
    assert r.status == 400 and "not valid JSON" in r.json()["error"]
    r = pi.post("/capture", {"profile": 5, "backend_name": "dagon"}, port=pi.pi_port)
    assert r.status == 400 and "'profile' must be a string" in r.json()["error"]
    assert r.json()["error_kind"] == "invalid"


def test_status_from_a_running_scheduler(tmp_path):
    with Stack(tmp_path, capture=False) as s:
        # 03:00 local: no window is open, so the scheduler sends no captures
        s.start_daemon("skylapse-scheduler", ["--now", "2026-06-21T03:00:00-06:00",
                                              "--state-dir", str(tmp_path / "state")],
                       env=s.env(BACKEND_NAME="dagon"))
        wait_for(lambda: s.get("/status").json()["source"] == "scheduler", 15, "scheduler status")
        st = s.get("/status").json()
        validate(st, "backend-status")
        assert st["backend_name"] == "dagon" and st["backend_availability"] == "online"
        assert st["active_schedules"] == []
        assert st["sun_times"]["sunrise"].startswith("2026-06-21T05:3")
        out = sh(f"curl -s http://127.0.0.1:{s.port}/status | jq -c .active_schedules").stdout
        assert json.loads(out) == []
