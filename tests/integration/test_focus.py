"""The focus aid end to end: the real mosquitto, the real skylapse-capture
(sim camera); a session started over MQTT sends crops with a sharpness figure,
a capture meanwhile is shot and saved as usual (focus frames never are), the
sim's lens turned away from sharp lowers the figure, and the session ends by
itself when nobody renews it."""
import base64
import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest

from harness import CAM, T, payload_json, sim_config
from schemas import validate

SHARP = 2.45  # the sim's lens position sharp on the sky (camera_sim.h)


@pytest.fixture
def agent(tmp_path, broker, daemons, client):
    def start(primary="", **extra):
        env = {"MQTT_URL": broker.url, "CAMERA_ID": CAM, "CAMERA_SOURCE": "sim",
               "IMAGES_DIR": str(tmp_path / "images"),
               "SKYLAPSE_CONFIG": str(sim_config(tmp_path)), "PRIMARY_BACKEND": primary,
               "SKYLAPSE_STATE_DIR": str(tmp_path / "state"), **extra}
        watcher = client()
        watcher.subscribe(f"{T}/#")
        d = daemons("skylapse-capture", env=env)
        watcher.wait_message(f"{T}/availability", lambda m: m.payload == b"online")
        return d, watcher, tmp_path / "images"
    return start


def pub(broker, topic, obj):
    subprocess.run(["mosquitto_pub", "-p", str(broker.port), "-t", topic, "-q", "1",
                    "-m", json.dumps(obj)], check=True, timeout=10)


def focus(broker, **fields):
    pub(broker, f"{T}/focus/request", {"backend_name": "dagon", **fields})


def frames_from(watcher, n, start, pred=lambda f: True, timeout=60):
    """The first n focus frames after `start` that satisfy pred, parsed."""
    out = []

    def more(m):
        f = payload_json(m)
        if pred(f) and all(f["seq"] != o["seq"] for o in out):
            out.append(f)
        return len(out) >= n
    watcher.wait_message(f"{T}/focus/frame", more, timeout=timeout, start=start)
    return out


def test_focus_session_frames_capture_and_timeout(agent, broker):
    # noon at the configured place (Colorado): a bright sky over dark hills
    d, w, images = agent(SKYLAPSE_CLOCK="2026-06-21T18:00:00Z")
    mark = w.mark()
    focus(broker, request_id="f1", duration_s=20, y=0.78, lens_position=SHARP)
    st = payload_json(w.wait_message(f"{T}/focus/state", lambda m: payload_json(m)["active"],
                                     start=mark))
    validate(st, "focus-state")
    assert st["request_id"] == "f1" and st["remaining_s"] > 15 and st["exposure_us"] > 0

    sharp = frames_from(w, 3, mark)
    for f in sharp:
        validate(f, "focus-frame")
        jpeg = base64.b64decode(f["jpeg"], validate=True)
        assert jpeg[:2] == b"\xff\xd8" and jpeg[-2:] == b"\xff\xd9"
        assert (f["frame_width"], f["frame_height"]) == (640, 480)
        # a quarter of the width, centred across, over the skyline (78 % down)
        assert (f["crop"]["width"], f["crop"]["height"]) == (160, 120)
        assert f["crop"]["x"] == 240 and f["crop"]["y"] == 314
        assert f["measure"] == "tenengrad" and f["sharpness"] > 0
        assert f["exposure_us"] == st["exposure_us"]  # locked for the session
        assert f["best"] >= f["sharpness"]

    # a scheduled capture meanwhile: shot, saved and announced as always
    mark = w.mark()
    pub(broker, f"{T}/capture/request", {"profile": "a", "backend_name": "dagon",
                                          "request_id": "c1", "schedule": "sunrise"})
    res = payload_json(w.wait_message(f"{T}/capture/response",
                                      lambda m: payload_json(m).get("request_id") == "c1",
                                      start=mark, timeout=30))
    assert res["status"] == "ok", res
    saved = sorted(Path(images).rglob("*.jpg"))
    assert [p.relative_to(images).as_posix() for p in saved] == [res["frames"][0]["path"]]
    ann = w.wait_message(f"{T}/frames", start=mark)
    assert payload_json(ann)["request_id"] == "c1"
    after = frames_from(w, 1, mark)  # focus goes on after the capture
    assert after[0]["seq"] > sharp[-1]["seq"]

    # the lens turned away from sharp (a renewal): the figure falls, best stays
    mark = w.mark()
    focus(broker, request_id="f2", duration_s=3, y=0.78, lens_position=SHARP + 6)
    blurred = frames_from(w, 2, mark, lambda f: f["lens_position"] == SHARP + 6)
    best_sharp = max(f["sharpness"] for f in sharp + after)
    for f in blurred:
        assert f["sharpness"] < 0.8 * min(x["sharpness"] for x in sharp), (f, sharp)
        assert f["best"] >= best_sharp

    # nobody renews: the session ends by itself, and no frame follows
    end = payload_json(w.wait_message(f"{T}/focus/state",
                                      lambda m: not payload_json(m)["active"],
                                      start=mark, timeout=30))
    validate(end, "focus-state")
    assert end["ended"] == "timeout" and end["request_id"] == "f2"
    assert end["frames"] > blurred[-1]["seq"]
    done = w.mark()
    # a frame already in flight is the last; then the capture agent answers
    # a fresh capture while nothing else arrives on focus/frame
    pub(broker, f"{T}/capture/request", {"profile": "a", "request_id": "c2"})
    w.wait_message(f"{T}/capture/response",
                   lambda m: payload_json(m).get("request_id") == "c2", start=done, timeout=30)
    assert [payload_json(m)["seq"] for m in w.all(f"{T}/focus/frame", done)] == []
    # focus frames were never saved: the two captures are all there is
    assert len(sorted(Path(images).rglob("*.jpg"))) == 2
    assert "focus: ended (timeout)" in d.log()


def when(iso):
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))


def test_planned_slots_go_first(agent, broker, client):
    """With a plan and no scheduler, the camera shoots each slot itself half
    an interval late; focus frames stop before each slot and wait for its
    shot (FOCUS_SLOT_MARGIN_MS before, FOCUS_SLOT_AFTER_MS after at most)."""
    d, w, images = agent()
    start = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(seconds=3)
    iso = lambda t: t.isoformat(timespec="seconds")
    plan = {"camera": CAM, "backend_name": "dagon", "generated_at": iso(start),
            "windows": [{"schedule": "sunrise", "start": iso(start),
                         "end": iso(start + dt.timedelta(seconds=9)), "interval_seconds": 8,
                         "profiles": ["a"]}]}
    client().publish(f"{T}/plan", json.dumps(plan), retain=True)
    d.wait_log("plan from 'dagon'")
    mark = w.mark()
    focus(broker, duration_s=60)
    planned = []

    def two(m):
        a = payload_json(m)
        if str(a.get("request_id")).startswith("plan-") and a not in planned:
            planned.append(a)
        return len(planned) >= 2
    w.wait_message(f"{T}/frames", two, start=mark, timeout=60)
    focus(broker, action="stop")
    shots = [payload_json(m) for m in w.all(f"{T}/focus/frame", mark)]
    for a in planned:
        assert (Path(images) / a["path"]).exists()
        slot, shot = when(a["slot"]), when(a["captured_at"])
        hold_end = min(shot, slot + dt.timedelta(seconds=3))
        early = [f["captured_at"] for f in shots
                 if slot - dt.timedelta(seconds=1.5) <= when(f["captured_at"]) < hold_end]
        assert not early, (a["slot"], a["captured_at"], early)
    # and between the slots the focus frames went on
    first = when(planned[0]["captured_at"])
    assert any(first < when(f["captured_at"]) < when(planned[1]["slot"]) for f in shots)


def test_focus_refusals_and_stop(agent, broker):
    d, w, images = agent(primary="dagon")
    mark = w.mark()
    pub(broker, f"{T}/focus/request", {"backend_name": "intruder", "request_id": "x"})
    st = payload_json(w.wait_message(f"{T}/focus/state",
                                     lambda m: "error_kind" in payload_json(m), start=mark))
    validate(st, "focus-state")
    assert st["active"] is False and st["error_kind"] == "denied"
    mark = w.mark()
    focus(broker, crop=0.9)
    st = payload_json(w.wait_message(f"{T}/focus/state",
                                     lambda m: payload_json(m).get("error_kind") == "invalid",
                                     start=mark))
    assert "crop" in st["error"] and st["active"] is False
    mark = w.mark()
    focus(broker, request_id="f3")
    frames_from(w, 1, mark)
    mark = w.mark()
    focus(broker, action="stop")
    st = payload_json(w.wait_message(f"{T}/focus/state",
                                     lambda m: not payload_json(m)["active"], start=mark))
    assert st["ended"] == "stopped" and "error" not in st
    assert not list(Path(images).rglob("*.jpg"))


def test_focus_through_the_bridge(tmp_path):
    """POST /cameras/{id}/focus starts it; GET shows the newest frame and its
    JPEG; /events sends each one; a bad body is a 400; stop ends it."""
    from bridge_stack import SseClient, Stack

    with Stack(tmp_path) as s:
        sse = SseClient(s.port)
        assert s.post("/cameras/helios/focus", {"crop": 0.9}).status == 400
        assert s.post("/cameras/nobody/focus", {}).status == 404
        assert s.get("/cameras/helios/focus.jpg").status == 404
        r = s.post("/cameras/helios/focus", {"duration_s": 30, "crop": 0.1})
        assert r.status == 202, r
        assert r.json()["sent"]["backend_name"] == "dagon"
        _, _, ev = sse.wait_event("focus", lambda d: "frame" in d, timeout=30)
        assert ev["camera"] == CAM and "jpeg" not in ev["frame"]
        assert ev["frame"]["crop"]["width"] == 64 and ev["frame"]["sharpness"] >= 0
        body = s.get("/cameras/helios/focus").json()
        assert body["state"]["active"] is True and body["frame"]["url"].startswith(
            "/cameras/helios/focus.jpg?seq=")
        jpg = s.get(body["frame"]["url"])
        assert jpg.status == 200 and jpg.header("content-type") == "image/jpeg"
        assert jpg.body[:2] == b"\xff\xd8"
        assert s.post("/cameras/helios/focus", {"action": "stop"}).status == 202
        _, _, ev = sse.wait_event("focus", lambda d: "state" in d and not d["state"]["active"],
                                  timeout=30)
        assert ev["state"]["ended"] == "stopped"
        sse.close()


def test_focus_on_a_dir_source(agent, broker, daemons, client, tmp_path):
    """A source without planes (dir:, frames replayed from a folder): the
    crop is cut from the decoded JPEG."""
    d, w, images = agent()
    mark = w.mark()
    pub(broker, f"{T}/capture/request", {"profile": "a", "request_id": "seed"})
    res = payload_json(w.wait_message(f"{T}/capture/response", start=mark, timeout=30))
    folder = (Path(images) / res["frames"][0]["path"]).parent
    replay = "skylapse/replay"
    watcher = client()
    watcher.subscribe(f"{replay}/#")
    daemons("skylapse-capture", env={
        "MQTT_URL": broker.url, "CAMERA_ID": "replay", "CAMERA_SOURCE": f"dir:{folder}",
        "IMAGES_DIR": str(tmp_path / "replay-images"), "PRIMARY_BACKEND": "",
        "SKYLAPSE_CONFIG": str(tmp_path / "config.json"),
        "SKYLAPSE_STATE_DIR": str(tmp_path / "replay-state")})
    watcher.wait_message(f"{replay}/availability", lambda m: m.payload == b"online")
    pub(broker, f"{replay}/focus/request", {"crop": 0.5, "duration_s": 10})
    f = payload_json(watcher.wait_message(f"{replay}/focus/frame", timeout=30))
    validate(f, "focus-frame")
    assert (f["frame_width"], f["frame_height"]) == (640, 480)
    assert (f["crop"]["width"], f["crop"]["height"]) == (320, 240)
    assert f["sharpness"] > 0
    assert base64.b64decode(f["jpeg"])[:2] == b"\xff\xd8"
