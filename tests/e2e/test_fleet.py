"""The dashboard with many cameras (issue 16) and the System health view
(issue 18), in Chromium against the real stack of conftest.py. The test
publishes a hundred cameras' retained availability and status on the broker,
as a hundred capture agents would, and the scenarios of fleet.mjs look at the
overview's grid (filter by name and state, pages) and the System view, which
must follow what the test publishes while it is open."""
import json
import time

from harness import Client
from test_dashboard import run_scenario

FLEET = 100


def fake_status(i, cam):
    """A camera status as the capture agent publishes it (camera-status.json)."""
    error = i % 7 == 3
    return {"camera": cam, "state": "error" if error else "idle", "camera_model": None,
            "source": "sim", "camera_ready": not error, "primary_backend": "dagon",
            "profiles": ["a"], "profiles_enabled": ["a"], "last_capture": None,
            "captures_total": 0, "errors_total": 1 if error else 0, "config_error": None,
            "last_error": f"sensor {cam} not answering" if error else None,
            "last_error_at": "2026-01-01T00:00:00.000Z" if error else None,
            "disk": {"free_bytes": (i + 1) * 10**9, "total_bytes": 200 * 10**9,
                     "free_pct": round((i + 1) / 2, 1)},
            "disk_low": (i + 1) / 2 < 5, "version": "0.0.0-fleet"}


def publish_fleet(client):
    for i in range(FLEET):
        cam = f"cam-{i:03d}"
        client.publish(f"skylapse/{cam}/status", json.dumps(fake_status(i, cam)), retain=True)
        client.publish(f"skylapse/{cam}/availability", "offline" if i % 10 == 0 else "online",
                       retain=True)


def run(stack, name, commands):
    """A scenario of fleet.mjs."""
    return run_scenario(stack, "fleet.mjs", name, commands, extra={"FLEET": str(FLEET)})


def test_system_view_shows_every_agent_and_follows_live(stack):
    stack.require("skylapse-scheduler", "skylapse-encoder")
    client = Client(stack.broker.port)
    try:
        broken = {**fake_status(3, "zz-broken"), "last_error_at": "2030-01-01T00:00:00.000Z"}

        def break_camera():
            client.publish("skylapse/zz-broken/status", json.dumps(broken), retain=True)
            client.publish("skylapse/zz-broken/availability", "offline", retain=True)
        print(run(stack, "system", {"break-camera": break_camera}))
    finally:
        for t in ("status", "availability"):
            client.publish(f"skylapse/zz-broken/{t}", "", retain=True)
        client.close()


def test_a_hundred_cameras_grid_filters_and_pages(stack):
    client = Client(stack.broker.port)
    try:
        t0 = time.monotonic()
        publish_fleet(client)
        print(f"published {FLEET} cameras' retained state in {time.monotonic() - t0:.2f} s")

        def cam_offline():
            client.publish("skylapse/cam-042/availability", "offline", retain=True)
        print(run(stack, "many", {"cam-042-offline": cam_offline}))
    finally:
        for i in range(FLEET):
            for t in ("status", "availability"):
                client.publish(f"skylapse/cam-{i:03d}/{t}", "", retain=True)
        client.close()
