"""The timelapse made by itself: the real mosquitto, skylapse-capture (sim
source), skylapse-scheduler and a skylapse-encoder worker, all on one
simulated clock (SKYLAPSE_CLOCK), with the seed's config.json.

The clock starts at 21:28:30 in Denver on 2026-06-21 and runs ten times the
real speed, so the seed's all_day window (06:30-21:30, a frame every 5 s of
profile a) closes about 9 real seconds in. Nobody sends an encode job: the
scheduler does at the close, and the worker's retained job state must reach
`done`. The capture agent writes straight into the server's layout
(IMAGES_DIR=<root>/<camera>), so no transfer is needed.
"""
import json
import time
from datetime import datetime
from pathlib import Path

import pytest

from harness import BACKEND, CAM, R, ROOT, payload_json, wait_for
from schemas import validate

JOBS = f"{R}/encoder/jobs"
START = "2026-06-21T21:28:30-06:00"
CLOSE_SIM_S = 90  # 21:30:00, in simulated seconds from START
SPEED = 10
JOB_ID = f"{CAM}-all_day-2026-06-21-a"


@pytest.fixture
def stack(tmp_path, broker, daemons, client):
    """Starts the system on the simulated clock; returns a handle with what the
    tests need: the watcher, the scheduler's (re)start, the real close time."""
    class Stack:
        pass

    s = Stack()
    s.anchor = time.time()
    s.close_real = s.anchor + CLOSE_SIM_S / SPEED
    s.images = tmp_path / "images"
    s.videos = tmp_path / "timelapses"
    s.tmp = tmp_path
    s.watcher = client()
    s.watcher.subscribe(f"{JOBS}/#")
    s.watcher.subscribe(f"{R}/{CAM}/frames")
    s.watcher.subscribe(f"{R}/+/availability")
    s.watcher.subscribe(f"{R}/backend/+/availability")

    def config(timelapse=None):
        cfg = json.loads((ROOT / "config" / "config.json").read_text())
        cfg["capture"] = {"sim_width": 160, "sim_height": 120}
        if timelapse is not None:
            cfg["schedules"]["all_day"]["timelapse"] = timelapse
        path = tmp_path / "config.json"
        path.write_text(json.dumps(cfg))
        return path

    def env(**extra):
        return {"MQTT_URL": broker.url, "MQTT_TOPIC_ROOT": R,
                "SKYLAPSE_CONFIG": str(s.config),
                "SKYLAPSE_CLOCK": f"{START},speed={SPEED},anchor={s.anchor:.3f}", **extra}

    def start(timelapse=None):
        s.config = config(timelapse)
        s.encoder = start_encoder()
        daemons("skylapse-capture", env=env(
            CAMERA_ID=CAM, CAMERA_SOURCE="sim", IMAGES_DIR=str(s.images / CAM),
            PRIMARY_BACKEND=BACKEND, SKYLAPSE_STATE_DIR=str(tmp_path / "capture-state")),
            workdir=tmp_path)
        s.watcher.wait_message(f"{R}/{CAM}/availability", lambda m: m.payload == b"online")
        s.scheduler = start_scheduler()

    def start_encoder():
        d = daemons("skylapse-encoder", ["--worker", "w1"], env=env(
            IMAGES_DIR=str(s.images), TIMELAPSES_DIR=str(s.videos),
            SKYLAPSE_STATE_DIR=str(tmp_path / "encoder-state")), workdir=tmp_path)
        d.wait_log("worker w1 ready")
        return d

    def start_scheduler():
        mark = s.watcher.mark()
        d = daemons("skylapse-scheduler", env=env(
            BACKEND_NAME=BACKEND, SKYLAPSE_STATE_DIR=str(tmp_path / "scheduler-state")),
            workdir=tmp_path)
        s.watcher.wait_message(f"{R}/backend/{BACKEND}/availability",
                               lambda m: m.payload == b"online", start=mark)
        return d

    s.start, s.start_encoder, s.start_scheduler = start, start_encoder, start_scheduler
    return s


def job_states(watcher):
    return [payload_json(m) for m in watcher.all(f"{JOBS}/{JOB_ID}") if m.payload]


def wait_done(watcher, timeout=40):
    msg = watcher.wait_message(f"{JOBS}/{JOB_ID}",
                               lambda m: m.payload and payload_json(m)["state"] in
                               ("done", "failed"), timeout=timeout)
    state = payload_json(msg)
    assert state["state"] == "done", state
    return state


def test_window_close_makes_its_video(stack):
    """The seed's config as it is (no timelapse key): the window's video is
    made at its close, on the simulated clock, without anyone asking."""
    stack.start()
    state = wait_done(stack.watcher, timeout=stack.close_real - time.time() + 40)
    validate(state, "job-state")
    frames = stack.watcher.all(f"{R}/{CAM}/frames")
    assert len(frames) >= 3, "the window ran: frames were announced"
    # the frames carry the simulated time: the last minute of the window
    last = payload_json(frames[-1])
    assert last["captured_at"].startswith("2026-06-22T03:"), last["captured_at"]
    assert last["schedule"] == "all_day"
    assert state["frames_total"] >= 3
    video = stack.videos / state["output"]
    assert video.is_file() and video.stat().st_size == state["size"] > 0
    assert [p.name for p in (stack.videos / CAM).glob("*.mp4")] == [video.name]
    assert "simulated clock (SKYLAPSE_CLOCK): 2026-06-22T03:28:30.000Z" in stack.scheduler.log()


def test_killed_over_the_close_still_one_video(stack):
    """SIGKILL in the window, back after its close: the journal brings the
    window back, its video is made once, with the schedule's timelapse fields;
    neither a second start nor a restarted encoder makes it again."""
    stack.start(timelapse={"fps": 12, "width": 160, "deflicker": False})
    stack.watcher.wait_message(f"{R}/{CAM}/frames", timeout=stack.close_real - time.time())
    journal = stack.tmp / "scheduler-state" / f"scheduler-{BACKEND}-windows.json"
    wait_for(lambda: journal.exists() and "all_day" in json.loads(journal.read_text() or "{}"),
             5, "the journal")
    stack.scheduler.kill9()
    assert time.time() < stack.close_real, "killed before the close (machine too slow?)"
    # the close passes while the scheduler is down: no job
    wait_for(lambda: time.time() > stack.close_real + 1, stack.close_real - time.time() + 5,
             "the window's close on the simulated clock")
    assert job_states(stack.watcher) == []

    stack.scheduler = stack.start_scheduler()
    state = wait_done(stack.watcher)
    assert state["frames_total"] >= 1
    assert state["created_at"] >= "2026-06-22T03:30:00"  # sent after the close, by the restart
    assert (state["fps"], state["width"], state["request"]["deflicker"]) == (12, 160, False)
    assert "1 window(s) that ran before the restart" in stack.scheduler.log()
    videos = list((stack.videos / CAM).glob("*.mp4"))
    assert len(videos) == 1 and videos[0].name == Path(state["output"]).name
    out = json.loads((stack.videos / state["output"]).with_suffix(".json").read_text())
    assert out["job_id"] == JOB_ID

    # once only: a second start has nothing left to close ...
    stack.scheduler.stop()
    mark = stack.watcher.mark()
    stack.scheduler = stack.start_scheduler()
    stack.scheduler.wait_log("backend 'dagon'")
    assert "window(s) that ran before" not in stack.scheduler.log()
    # ... and a restarted encoder keeps the done job done when it comes again
    stack.encoder.stop()
    stack.encoder = stack.start_encoder()
    job = {"job_id": JOB_ID, "camera": CAM, "profile": "a",
           "from": "2026-06-21T06:30:00-06:00", "to": "2026-06-21T21:30:00-06:00"}
    stack.watcher.publish(JOBS, json.dumps(job))
    stack.encoder.wait_log(f"job {JOB_ID} is already known (done)")
    assert all(s["state"] == "done" for s in (payload_json(m) for m in
               stack.watcher.all(f"{JOBS}/{JOB_ID}", mark) if m.payload))
    assert len(list((stack.videos / CAM).glob("*.mp4"))) == 1


def test_window_close_makes_its_keogram_and_star_trails(stack):
    """A schedule whose timelapse asks for them (a night window would by
    itself): beside the video, a keogram and star trails job with ids of the
    same window, each done, and the newest of each retained as JPEG bytes."""
    stack.watcher.subscribe(f"{R}/encoder/keogram")
    stack.watcher.subscribe(f"{R}/encoder/startrails")
    stack.start(timelapse={"width": 160, "keogram": True, "startrails": True})
    done = {}
    for kind in ("keogram", "startrails"):
        msg = stack.watcher.wait_message(
            f"{JOBS}/{JOB_ID}-{kind}",
            lambda m: m.payload and payload_json(m)["state"] in ("done", "failed"),
            timeout=stack.close_real - time.time() + 40)
        done[kind] = payload_json(msg)
        assert done[kind]["state"] == "done", done[kind]
        assert done[kind]["kind"] == kind
        validate(done[kind], "job-state")
        picture = stack.videos / done[kind]["output"]
        assert picture.name.endswith(f"_{kind}.jpg")
        retained = stack.watcher.wait_message(f"{R}/encoder/{kind}")
        assert retained.payload == picture.read_bytes()
    assert wait_done(stack.watcher)["state"] == "done"  # and the video, as before
    assert done["startrails"]["frames_total"] == done["keogram"]["frames_total"] >= 3


def test_close_waits_for_the_frames_on_their_way(stack):
    """A transfer brings the camera's frames (one per Pi: R/transfer/<camera>/status,
    retained): while it backs off, the window's video waits at the close; once a sync
    begun after the last frames leaves it idle with nothing owed, the video is made.
    (The real transfer does this in test_partition; here its status is published as
    the broker would deliver it, so the wait is seen on its own.)"""
    topic = f"{R}/transfer/{CAM}/status"

    def status(state, started_sim_s):
        at = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(
            datetime.fromisoformat(START).timestamp() + started_sim_s))
        stack.watcher.publish(topic, json.dumps({
            "camera": CAM, "state": state, "backlog": 0, "last_sync": None, "files": 0,
            "bytes": 0, "errors": 1 if state == "backoff" else 0,
            "last_attempt_started_at": at}), retain=True)

    status("backoff", 0)
    stack.watcher.subscribe(f"{R}/backend/{BACKEND}/status")
    stack.start()
    stack.scheduler.wait_log("waits for camera 'helios''s last frames",
                             timeout=stack.close_real - time.time() + 30)
    assert job_states(stack.watcher) == [], "no video while its frames are on the way"
    status_topic = f"{R}/backend/{BACKEND}/status"
    waiting = payload_json(stack.watcher.wait_message(
        status_topic, lambda m: payload_json(m)["schedules"]["all_day"].get(
            "video_waits_for_frames")))
    validate(waiting, "backend-status")
    sim_now = (time.time() - stack.anchor) * SPEED
    status("idle", sim_now + 1)
    state = wait_done(stack.watcher)
    assert state["frames_total"] >= 3
    stack.watcher.publish(topic, b"", retain=True)
