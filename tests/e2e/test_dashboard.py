"""The dashboard in a real browser (Debian's Chromium driven by playwright-core)
against the real stack: each test runs one scenario of scenarios.mjs, which
fails on any console error or failed request. Screenshots go to
tests/e2e/screenshots/.
"""
import json
import os
import subprocess
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

from harness import free_port, wait_port

ROOT = Path(__file__).resolve().parents[2]

SHOTS = ROOT / "tests" / "e2e" / "screenshots"
TIMEOUT = 240


def run_scenario(stack, script, name, commands, base=None, extra=None):
    """Runs scenario `name` of tests/e2e/<script>, answering each of its
    "@@ <command>" lines with commands[command]() and "ok"; returns its output."""
    env = {**os.environ, **(extra or {}), "BASE_URL": base or stack.base, "SHOTS_DIR": str(SHOTS),
           "E2E_TZ": stack.tz}
    proc = subprocess.Popen(["node", str(ROOT / "tests" / "e2e" / script), name], env=env,
                            cwd=str(ROOT), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, bufsize=1)
    timer = threading.Timer(TIMEOUT, proc.kill)
    timer.start()
    out = []
    try:
        for line in proc.stdout:
            out.append(line)
            cmd = line.strip()
            if cmd.startswith("@@ "):
                commands[cmd[3:]]()
                proc.stdin.write("ok\n")
                proc.stdin.flush()
        rc = proc.wait()
    finally:
        timer.cancel()
    text = "".join(out)
    assert rc == 0, f"scenario {name} failed (rc {rc}):\n{text}\n{stack.logs()}"
    return text


def run(stack, name, base=None, extra=None):
    """A scenario of scenarios.mjs."""
    extra = extra or {}
    return run_scenario(stack, "scenarios.mjs", name, {
        "stop-broker": stack.broker.stop, "start-broker": stack.broker.start,
        "send-job": lambda: send_job(stack, extra["E2E_JOB"], extra.get("E2E_KIND", "video"))},
        base, extra)


def test_overview_shows_the_camera_online(stack):
    stack.require("skylapse-scheduler")
    run(stack, "overview")


def test_capture_now_frame_appears_and_opens_in_gallery(stack):
    run(stack, "capture")


def test_capture_refused_shows_the_authorization_error(stack):
    # a second bridge speaking for a backend that is not the Pi's primary
    port = free_port()
    stack.start_daemon("skylapse-bridge", ["--bind", "127.0.0.1", "--port", str(port),
                                           "--dashboard", str(ROOT / "dashboard")],
                       env={**stack.env, "BACKEND_NAME": "intruder"})
    wait_port(port, 15)
    run(stack, "refused", f"http://127.0.0.1:{port}")


def test_api_token_is_asked_once_and_kept(stack):
    port = free_port()
    stack.start_daemon("skylapse-bridge", ["--bind", "127.0.0.1", "--port", str(port),
                                           "--dashboard", str(ROOT / "dashboard")],
                       env={**stack.env, "API_TOKEN": "s3cret-e2e"})
    wait_port(port, 15)
    run(stack, "token", f"http://127.0.0.1:{port}", {"E2E_TOKEN": "s3cret-e2e"})


def send_job(stack, job_id, kind="video"):
    """An encode job straight on the broker, as the scheduler sends its own:
    the last hour of the camera's frames, a short small video (or a picture
    of that `kind`)."""
    now = datetime.now(timezone.utc)
    iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
    job = {"job_id": job_id, "camera": "helios", "profile": "a", "width": 320,
           "kind": kind, "from": iso(now - timedelta(hours=1)),
           "to": iso(now + timedelta(minutes=2))}
    if kind == "video":
        job["duration_seconds"] = 2
    subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(stack.broker.port), "-q", "1",
                    "-t", "skylapse/encoder/jobs", "-m", json.dumps(job)], check=True, timeout=10)


def test_timelapse_progress_then_video_plays_and_seeks(stack):
    stack.require("skylapse-scheduler", "skylapse-encoder")
    print(run(stack, "timelapse"))


# after the timelapse scenario, which expects its job alone on the page
def test_a_video_made_elsewhere_appears_without_reload(stack):
    stack.require("skylapse-scheduler", "skylapse-encoder")
    run(stack, "arrival", extra={"E2E_JOB": f"arrived-{os.getpid()}"})


def test_keogram_of_the_day_is_shown(stack):
    stack.require("skylapse-scheduler", "skylapse-encoder")
    run(stack, "keogram")


def test_star_trails_show_as_a_picture(stack):
    stack.require("skylapse-scheduler", "skylapse-encoder")
    run(stack, "startrails", extra={"E2E_JOB": f"stars-{os.getpid()}", "E2E_KIND": "startrails"})


def test_focus_aid_shows_the_crop_and_its_figure(stack):
    run(stack, "focus")


def test_phone_layout_and_charts(stack):
    run(stack, "phone")


def test_broker_outage_is_shown_and_clears(stack):
    run(stack, "outage")
