"""skylapse-capture end to end: the real mosquitto, the real agent (sim camera),
mosquitto_pub and a Paho MQTT 5 client as the users."""
import datetime
import hashlib
import json
import os
import signal
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from harness import CAM, ROOT, T, payload_json, sim_config
from schemas import validate


@pytest.fixture
def agent_env(tmp_path, broker):
    return {
        "MQTT_URL": broker.url,
        "CAMERA_ID": CAM,
        "CAMERA_SOURCE": "sim",
        "IMAGES_DIR": str(tmp_path / "images"),
        "SKYLAPSE_CONFIG": str(sim_config(tmp_path)),
        "PRIMARY_BACKEND": "",
    }


@pytest.fixture
def agent(daemons, agent_env, client):
    """Starts the agent; returns (daemon, watcher client) once it is online."""
    def start(**env):
        watcher = client()
        watcher.subscribe(f"{T}/#")
        d = daemons("skylapse-capture", env={**agent_env, **env})
        watcher.wait_message(f"{T}/availability", lambda m: m.payload == b"online")
        return d, watcher
    return start


def pub(broker, topic, message):
    subprocess.run(["mosquitto_pub", "-p", str(broker.port), "-t", topic, "-q", "1", "-m", message],
                   check=True, timeout=10)


def request(broker, watcher, message, rid):
    mark = watcher.mark()
    pub(broker, f"{T}/capture/request", message)
    msg = watcher.wait_message(f"{T}/capture/response",
                               lambda m: payload_json(m).get("request_id") == rid, start=mark)
    return payload_json(msg), mark


def frame_files(images):
    return sorted(p for p in Path(images).rglob("*.jpg"))


def test_mosquitto_pub_capture_writes_and_announces(agent, broker, agent_env):
    d, w = agent()
    result, mark = request(broker, w, '{"profile": "A", "backend_name": "dagon", "request_id": "r1"}', "r1")
    validate(result, "capture-result")
    assert result["status"] == "ok", result
    assert len(result["frames"]) == 1
    ann = result["frames"][0]
    validate(ann, "frame-announcement")
    assert ann["camera"] == CAM and ann["profile"] == "a" and ann["backend_name"] == "dagon"
    assert ann["path"].startswith("profile-a/") and ann["path"].endswith(".jpg")
    jpg = Path(agent_env["IMAGES_DIR"]) / ann["path"]
    data = jpg.read_bytes()
    assert len(data) == ann["size"]
    assert hashlib.sha256(data).hexdigest() == ann["sha256"]
    sidecar = json.loads(jpg.with_suffix(".json").read_text())
    assert sidecar == ann
    frame_msg = w.wait_message(f"{T}/frames", start=mark)
    assert payload_json(frame_msg) == ann
    assert (ann["width"], ann["height"]) == (640, 480)
    assert 0 <= ann["mean_luma"] <= 255
    # EXIF, as exiftool reads it: the capture's local time with its offset, exposure, ISO,
    # camera, software and the configured location
    exif = json.loads(subprocess.run(["exiftool", "-json", "-n", "-a", "-G1", str(jpg)],
                                     capture_output=True, text=True, check=True).stdout)[0]
    local = datetime.datetime.fromisoformat(ann["captured_at"].replace("Z", "+00:00")) \
        .astimezone(ZoneInfo("America/Denver"))
    assert exif["ExifIFD:DateTimeOriginal"] == local.strftime("%Y:%m:%d %H:%M:%S")
    assert exif["ExifIFD:OffsetTimeOriginal"] == local.strftime("%z")[:3] + ":" + \
        local.strftime("%z")[3:]
    assert int(exif["ExifIFD:SubSecTimeOriginal"]) == local.microsecond // 1000
    assert exif["ExifIFD:ExposureTime"] == pytest.approx(ann["exposure_us"] / 1e6)
    assert exif["ExifIFD:ISO"] == round(ann["analogue_gain"] * 100)
    assert exif["IFD0:Model"] == "sim" and exif["IFD0:Software"].startswith("skylapse ")
    assert exif["Composite:GPSLatitude"] == pytest.approx(39.6333, abs=1e-5)
    assert exif["Composite:GPSLongitude"] == pytest.approx(-105.3167, abs=1e-5)
    assert "Warning" not in " ".join(exif)

    # the state is the agent's own reckoning: capturing while the job is open, then idle
    w.wait_message(f"{T}/status", lambda m: payload_json(m)["state"] == "capturing", start=mark)
    status = w.wait_message(f"{T}/status", lambda m: payload_json(m)["captures_total"] == 1, start=mark)
    st = payload_json(status)
    validate(st, "camera-status")
    assert st["state"] == "idle" and st["last_capture"]["path"] == ann["path"]
    preview = w.wait_message(f"{T}/preview", start=mark)
    assert preview.payload[:2] == b"\xff\xd8"

    # a late subscriber gets the retained state
    from harness import Client
    late = Client(broker.port)
    late.subscribe(f"{T}/#")
    for topic in ("status", "availability", "preview"):
        m = late.wait_message(f"{T}/{topic}")
        assert m.retain, topic
    late.close()


def test_mqtt5_response_topic_and_correlation(agent, client):
    d, w = agent()
    c = client()
    c.subscribe("replies/me")
    props = c.request_props("replies/me", b"\x00corr-42\xff")
    c.publish(f"{T}/capture/request", json.dumps({"profile": "a"}), props=props)
    m = c.wait_message("replies/me")
    assert m.properties.CorrelationData == b"\x00corr-42\xff"
    body = payload_json(m)
    assert body["status"] == "ok" and body["request_id"] is None


@pytest.mark.parametrize("primary,backend,ok", [
    ("dagon", "dagon", True),
    ("dagon", "dev", False),
    ("dagon", None, False),
    ("", "anyone", True),
    ("", None, True),
])
def test_authorization(agent, broker, agent_env, primary, backend, ok):
    d, w = agent(PRIMARY_BACKEND=primary)
    req = {"profile": "a", "request_id": "auth"}
    if backend is not None:
        req["backend_name"] = backend
    result, _ = request(broker, w, json.dumps(req), "auth")
    if ok:
        assert result["status"] == "ok"
        assert len(frame_files(agent_env["IMAGES_DIR"])) == 1
    else:
        # the word is for programs; the sentence, unchanged, for people
        assert result == {"request_id": "auth", "status": "error", "frames": [],
                          "error_kind": "denied",
                          "error": "Backend not authorized: only 'dagon' can trigger captures"}
        assert frame_files(agent_env["IMAGES_DIR"]) == []
        d.wait_log("Backend not authorized: only 'dagon' can trigger captures")


BAD = [
    ('{"profile": "A", "request_id": "b1"', None, "invalid", "payload is not valid JSON"),
    ('{"profile": 5, "request_id": "b2"}', "b2", "invalid", "'profile' must be a string"),
    ('{"profile": "q", "request_id": "b3"}', "b3", "invalid", "unknown profile 'q'"),
    ('{"backend_name": 7, "request_id": "b4"}', "b4", "invalid", "'backend_name' must be a string"),
    ('{"overrides": {"ev": "bright"}, "request_id": "b5"}', "b5", "invalid", "overrides.ev"),
    ('{"overrides": {"turbo": 1}, "request_id": "b6"}', "b6", "invalid", "turbo"),
    ('[1, 2, 3]', None, "invalid", "payload must be a JSON object"),
    ('{"request_id": "b7", "pad": "' + "x" * 70000 + '"}', None, "too_big",
     "over the 65536-byte limit"),
]


def test_bad_input_gets_a_clear_error_and_writes_nothing(agent, broker, agent_env):
    d, w = agent()
    for payload, rid, kind, text in BAD:
        mark = w.mark()
        pub(broker, f"{T}/capture/request", payload)
        msg = w.wait_message(f"{T}/capture/response", start=mark)
        body = payload_json(msg)
        validate(body, "capture-result")
        assert body["status"] == "error" and text in body["error"], (payload[:60], body)
        assert body["error_kind"] == kind, (payload[:60], body)
        assert body["request_id"] == rid
    assert frame_files(agent_env["IMAGES_DIR"]) == []
    assert d.alive()
    result, _ = request(broker, w, '{"request_id": "after"}', "after")
    assert result["status"] == "ok"
    st = payload_json(w.all(f"{T}/status")[-1])
    assert st["errors_total"] == len(BAD)


def test_bracket_profile_writes_three_different_exposures(agent, broker, agent_env):
    d, w = agent()
    result, _ = request(broker, w, '{"profile": "D", "request_id": "hdr"}', "hdr")
    assert result["status"] == "ok"
    frames = result["frames"]
    assert [f["bracket"]["index"] for f in frames] == [0, 1, 2]
    assert [f["bracket"]["ev"] for f in frames] == [-2, 0, 2]
    exposures = [f["exposure_us"] for f in frames]
    assert exposures[0] < exposures[1] < exposures[2]
    assert len({f["sha256"] for f in frames}) == 3
    assert all("_bracket" in f["path"] for f in frames)


def test_kill9_publishes_offline_will_and_clean_stop_offline(agent, broker, client):
    d, w = agent()
    mark = w.mark()
    d.kill9()
    w.wait_message(f"{T}/availability", lambda m: m.payload == b"offline", start=mark, timeout=40)
    d2, w2 = agent()
    mark = w2.mark()
    assert d2.stop() == 0
    w2.wait_message(f"{T}/availability", lambda m: m.payload == b"offline", start=mark)
    assert "stopping" in d2.log()


def test_broker_restart_reconnects_and_republishes(agent, broker, client):
    d, w = agent()
    broker.stop()
    broker.start()
    w2 = client()
    w2.subscribe(f"{T}/#")
    # the fresh broker has no retained state: the agent must publish it again
    w2.wait_message(f"{T}/availability", lambda m: m.payload == b"online", timeout=40)
    w2.wait_message(f"{T}/status")
    mark = w2.mark()
    pub(broker, f"{T}/capture/request", '{"request_id": "again"}')
    msg = w2.wait_message(f"{T}/capture/response", start=mark)
    assert payload_json(msg)["status"] == "ok"


def test_disk_guard_refuses_then_resumes_on_reload(agent, broker, agent_env, tmp_path):
    cfg = sim_config(tmp_path, min_free_pct=100)
    d, w = agent(SKYLAPSE_CONFIG=str(cfg))
    result, mark = request(broker, w, '{"request_id": "full"}', "full")
    assert result["status"] == "error" and "disk nearly full" in result["error"]
    assert result["error_kind"] == "no_space"
    st = payload_json(w.wait_message(f"{T}/status", lambda m: payload_json(m)["errors_total"] == 1, start=mark))
    assert st["disk_low"] is True and "disk nearly full" in st["last_error"]
    assert frame_files(agent_env["IMAGES_DIR"]) == []
    sim_config(tmp_path, min_free_pct=0, sim_width=320)
    mark = w.mark()
    d.signal(signal.SIGHUP)
    d.wait_log("reload: configuration reloaded")
    # the threshold applies live; the sim's size is the camera's, kept until a restart
    assert "reload: capture.sim_width changed; it applies after a restart" in d.log()
    assert "min_free_pct changed" not in d.log()
    result, _ = request(broker, w, '{"request_id": "ok"}', "ok")
    assert result["status"] == "ok"


def test_bad_config_on_reload_keeps_the_old_one(agent, broker, tmp_path):
    cfg = sim_config(tmp_path)
    d, w = agent(SKYLAPSE_CONFIG=str(cfg))
    mark = w.mark()
    cfg.write_text("{ not json")
    d.signal(signal.SIGHUP)
    d.wait_log("keeping the old one")
    st = w.wait_message(f"{T}/status", lambda m: payload_json(m)["config_error"], start=mark)
    validate(payload_json(st), "camera-status")
    assert "invalid JSON" in payload_json(st)["config_error"]
    result, _ = request(broker, w, '{"request_id": "still"}', "still")
    assert result["status"] == "ok"
    # a good file again: loaded, and the status says so
    sim_config(tmp_path)
    mark = w.mark()
    d.signal(signal.SIGHUP)
    w.wait_message(f"{T}/status", lambda m: payload_json(m)["config_error"] is None, start=mark)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_really_full_disk(agent, broker, tmp_path):
    mnt = tmp_path / "small"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mnt)], check=True)
    try:
        cfg = sim_config(tmp_path, min_free_pct=0)
        d, w = agent(SKYLAPSE_CONFIG=str(cfg), IMAGES_DIR=str(mnt))
        errors = []
        for i in range(40):
            result, _ = request(broker, w, json.dumps({"request_id": f"f{i}"}), f"f{i}")
            if result["status"] == "error":
                errors.append(result["error"])
                break
        assert errors and "No space left on device" in errors[0], errors
        assert d.alive()
        # every frame on disk is whole and has its sidecar
        for jpg in frame_files(mnt):
            side = json.loads(jpg.with_suffix(".json").read_text())
            assert hashlib.sha256(jpg.read_bytes()).hexdigest() == side["sha256"]
    finally:
        d.stop()
        subprocess.run(["umount", str(mnt)], check=False)


def test_kill9_never_leaves_a_partial_frame(agent, broker, agent_env, tmp_path, daemons):
    cfg = sim_config(tmp_path, sim_width=4056, sim_height=3040)
    images = Path(agent_env["IMAGES_DIR"])
    announced = []
    for round_ in range(4):
        d, w = agent(SKYLAPSE_CONFIG=str(cfg))
        mark = w.mark()
        for i in range(3):
            pub(broker, f"{T}/capture/request", json.dumps({"request_id": f"k{round_}-{i}"}))
        # kill while it is busy: after the first frame is announced
        w.wait_message(f"{T}/frames", start=mark, timeout=30)
        d.kill9()
        announced += [payload_json(m) for m in w.all(f"{T}/frames", start=mark)]
    # a start tidies what the last kill left (recall.h): a frame renamed before its sidecar
    d, w = agent(SKYLAPSE_CONFIG=str(cfg))
    for jpg in frame_files(images):
        data = jpg.read_bytes()
        assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9", jpg
        side = jpg.with_suffix(".json")
        assert hashlib.sha256(data).hexdigest() == json.loads(side.read_text())["sha256"]
    assert all(s.with_suffix(".jpg").exists() for s in images.rglob("capture_*.json"))
    for ann in announced:
        jpg = images / ann["path"]
        assert jpg.exists() and hashlib.sha256(jpg.read_bytes()).hexdigest() == ann["sha256"]


def test_help_version_check(tmp_path):
    from harness import BIN
    exe = str(BIN / "skylapse-capture")
    out = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0 and "--source" in out.stdout
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0 and out.stdout.startswith("skylapse-capture ")
    out = subprocess.run([exe, "--check", "--config", str(ROOT / "config/config.json")],
                         capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"location": {"latitude": 100, "longitude": 0, "timezone": "Nowhere/City"}}')
    out = subprocess.run([exe, "--check", "--config", str(bad)], capture_output=True, text=True, timeout=10)
    assert out.returncode == 1
    assert f"{bad}: location.latitude: 100 is outside -90..90" in out.stderr
    assert f"{bad}: location.timezone: 'Nowhere/City' is not in the IANA" in out.stderr
    out = subprocess.run([exe, "--bogus"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 1


def test_systemd_notify_ready_and_watchdog(agent, tmp_path):
    """Type=notify: READY=1 once set up, then WATCHDOG=1 at half of WatchdogSec."""
    import socket
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(10)
    d, w = agent(NOTIFY_SOCKET=path, WATCHDOG_USEC="200000")
    got = []
    while sum(b"WATCHDOG=1" in g for g in got) < 2:
        got.append(sock.recv(4096))
    assert b"READY=1" in got[0]
    sock.close()


def gain_is_a_sensor_step(g):
    """IMX477 analogue gain: 1024 / (1024 - code) for a whole code (lib/profile.h)."""
    code = 1024 - 1024 / g
    return any(abs(1024 / (1024 - c) - g) < 1e-6 for c in (int(code), int(code) + 1))


def product_ev(frame):
    import math
    return math.log2(frame["exposure_us"] * frame["analogue_gain"])


def test_day_to_night_profile_is_the_agents_exposure_and_survives_a_restart(agent, broker,
                                                                             agent_env):
    """Profile h: every frame manual, with the agent's exposure, gain on a sensor
    step and colour temperature; consecutive frames move little once the first
    catch-up from the camera's metering is done (in the real time of the test the
    sky barely changes); the state is saved and a restarted agent continues from
    it."""
    d, w = agent()
    frames = []
    for i in range(8):
        result, _ = request(broker, w, json.dumps({"profile": "h", "request_id": f"h{i}"}), f"h{i}")
        assert result["status"] == "ok", result
        frames += result["frames"]
    for f in frames:
        validate(f, "frame-announcement")
        assert f["profile"] == "h" and f["exposure_control"] == "agent"
        assert f["awb"] == "custom" and 1000 <= f["colour_temp_k"] <= 15000
        assert gain_is_a_sensor_step(f["analogue_gain"]), f["analogue_gain"]
    for a, b in zip(frames[2:], frames[3:]):
        assert abs(product_ev(b) - product_ev(a)) <= 0.11, (a, b)

    # the state file (saved before the frame is answered): the next frame's settings
    state_file = Path(d.env["SKYLAPSE_STATE_DIR"]) / f"capture-{CAM}-exposure.json"
    saved = json.loads(state_file.read_text())["h"]["state"]
    assert saved["have_frame"] is True
    assert d.stop() == 0

    d2, w2 = agent(SKYLAPSE_STATE_DIR=d.env["SKYLAPSE_STATE_DIR"])
    result, _ = request(broker, w2, '{"profile": "h", "request_id": "after"}', "after")
    assert result["status"] == "ok", result
    after = result["frames"][0]
    assert after["exposure_us"] == saved["exposure_us"]
    assert after["analogue_gain"] == pytest.approx(saved["analogue_gain"], abs=1e-6)
    assert after["colour_temp_k"] == saved["colour_temp_k"]
    # profile a's frames stay the camera's
    result, _ = request(broker, w2, '{"profile": "a", "request_id": "a1"}', "a1")
    assert result["frames"][0]["exposure_control"] == "camera"


def test_corrupt_exposure_state_warns_and_starts_afresh(agent, broker, tmp_path):
    state = tmp_path / "state-corrupt"
    state.mkdir()
    (state / f"capture-{CAM}-exposure.json").write_text('{"h": {"state": ')
    d, w = agent(SKYLAPSE_STATE_DIR=str(state))
    assert "exposure state unusable, starting afresh" in d.log()
    result, _ = request(broker, w, '{"profile": "h", "request_id": "fresh"}', "fresh")
    assert result["status"] == "ok" and result["frames"][0]["exposure_control"] == "agent"
    saved = json.loads((state / f"capture-{CAM}-exposure.json").read_text())
    assert saved["h"]["state"]["have_frame"] is True
