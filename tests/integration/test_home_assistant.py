"""Home Assistant end to end: the real mosquitto, skylapse-capture (sim camera,
primary backend dagon), skylapse-scheduler (backend dagon), an encoder worker
and the transfer; a client stands in for Home Assistant.

It does what Home Assistant does: announces itself on homeassistant/status,
takes every device discovery payload, checks it against the keys of Home
Assistant's MQTT documentation, works out each entity's availability from its
availability topics, renders the sensors' value templates with Jinja2 against
the states they read, and drives the entities through their command topics:
the camera's profile select and "Capture now" button, a schedule switch,
"Timelapse of today".
"""
import json
import signal
import subprocess
from datetime import datetime

import jinja2
import pytest

from harness import BACKEND, BIN, CAM, R, ST, payload_json, put_frame
from schemas import validate
from test_ha_camera import DEVICE_KEYS, ORIGIN_KEYS
from test_scheduler import DAY, write_config

URL = "http://127.0.0.1:8082"
CAM_CONFIG = f"homeassistant/device/skylapse_{CAM}/config"
BACKEND_CONFIG = f"homeassistant/device/skylapse_backend_{BACKEND}/config"
# The scheduler's clock: early morning, no window open, so that nothing but
# the test asks for captures.
NOW = f"{DAY}T03:00:00-06:00"
SCHEDULES = {
    "evening": {"type": "time_of_day", "start_time": "20:00", "end_time": "21:00",
                "interval_seconds": 5, "profile": "A"},
    "sunset": {"type": "solar_relative", "anchor": "sunset", "offset_minutes": -30,
               "duration_minutes": 60, "profile": "B"},
}

# Home Assistant's MQTT documentation: the keys of a device discovery payload,
# of every entity, and of each platform we use, by their full names (we send
# no abbreviations: "stat_t", "cmd_t", "uniq_id", "dev", "o", "cmps", ...).
TOP_KEYS = {"device", "origin", "components", "availability", "availability_mode",
            "availability_topic", "state_topic", "command_topic", "qos", "encoding"}
ENTITY_KEYS = {"platform", "unique_id", "default_entity_id", "name", "icon", "availability",
               "availability_mode", "availability_topic", "enabled_by_default",
               "entity_category", "json_attributes_topic", "json_attributes_template", "qos",
               "encoding", "entity_picture"}
PLATFORMS = {
    # platform: (required keys, optional keys)
    "camera": ({"topic"}, {"image_encoding"}),
    "sensor": ({"state_topic"}, {"value_template", "unit_of_measurement", "device_class",
                                 "state_class", "expire_after", "force_update",
                                 "suggested_display_precision", "last_reset_value_template"}),
    "binary_sensor": ({"state_topic"}, {"value_template", "payload_on", "payload_off",
                                        "device_class", "expire_after", "force_update",
                                        "off_delay"}),
    "image": ({"image_topic"}, {"content_type", "image_encoding", "url_template"}),
    "button": ({"command_topic"}, {"payload_press", "command_template", "device_class",
                                   "retain"}),
    "select": ({"command_topic", "options"}, {"state_topic", "value_template",
                                              "command_template", "optimistic", "retain"}),
    "switch": ({"command_topic"}, {"state_topic", "payload_on", "payload_off", "state_on",
                                   "state_off", "value_template", "optimistic", "retain",
                                   "device_class"}),
}
ABBREVIATIONS = {"~", "p", "uniq_id", "def_ent_id", "obj_id", "object_id", "stat_t", "cmd_t",
                 "val_tpl", "dev", "o", "cmps", "avty", "avty_t", "avty_mode", "unit_of_meas",
                 "dev_cla", "stat_cla", "pl_on", "pl_off", "pl_prs", "ops"}


def check_discovery(d, url=URL):
    """Checks one device payload; returns its components."""
    assert set(d) <= TOP_KEYS, set(d) - TOP_KEYS
    assert {"device", "origin", "components"} <= set(d)
    dev = d["device"]
    assert set(dev) <= DEVICE_KEYS, set(dev) - DEVICE_KEYS
    assert {"identifiers", "name", "model", "sw_version"} <= set(dev)
    assert dev.get("configuration_url") == url  # BACKEND_URL, the dashboard, when set
    assert {"name", "sw_version"} <= set(d["origin"]) <= ORIGIN_KEYS
    assert d["origin"]["sw_version"] == dev["sw_version"]
    assert d["availability_mode"] == "all"
    ids = set()
    for key, c in d["components"].items():
        platform = c["platform"]
        assert platform in PLATFORMS, platform
        required, optional = PLATFORMS[platform]
        assert required <= set(c), (key, required - set(c))
        assert set(c) <= ENTITY_KEYS | required | optional, \
            (key, set(c) - ENTITY_KEYS - required - optional)
        assert not set(c) & ABBREVIATIONS
        assert c["unique_id"].startswith(dev["identifiers"][0] + "_")
        assert c["default_entity_id"] == f"{platform}.{c['unique_id']}"
        assert c.get("entity_category", "diagnostic") == "diagnostic"
        if "availability" in c:  # an entity's own list replaces the device's
            assert c["availability"] and all(a["topic"] for a in c["availability"])
            assert c["availability_mode"] == "all"
        ids.add(c["unique_id"])
    assert len(ids) == len(d["components"])
    return d["components"]


def available(ha, d, key):
    """Whether Home Assistant shows entity `key` of device payload `d` as
    available: every topic of its availability list (its own, else the
    device's; mode all) last said "online"."""
    c = d["components"][key]
    topics = [a["topic"] for a in (c if "availability" in c else d)["availability"]]
    last = {}
    for m in ha.all("#"):
        if m.topic in topics:
            last[m.topic] = m.payload
    return all(last.get(t) == b"online" for t in topics)


def render(component, msg):
    """What Home Assistant shows for a sensor given the message on its state topic."""
    text = msg.payload.decode()
    tmpl = component.get("value_template")
    if tmpl is None:
        return text
    return jinja2.Environment().from_string(tmpl).render(value_json=json.loads(text), value=text)


@pytest.fixture
def system(daemons, broker, client, tmp_path):
    """Home Assistant's client, the camera and the backend, all online."""
    config = write_config(tmp_path, SCHEDULES)
    ha = client()
    ha.subscribe("homeassistant/#")
    ha.subscribe(f"{R}/#")
    cam_env = {"MQTT_URL": broker.url, "CAMERA_ID": CAM, "CAMERA_SOURCE": "sim",
               "IMAGES_DIR": str(tmp_path / "images"), "SKYLAPSE_CONFIG": str(config),
               "PRIMARY_BACKEND": BACKEND, "BACKEND_URL": URL,
               "SKYLAPSE_STATE_DIR": str(tmp_path / "capture-state")}
    sched_env = {"MQTT_URL": broker.url, "BACKEND_NAME": BACKEND, "BACKEND_URL": URL,
                 "SKYLAPSE_CONFIG": str(config), "CAMERA_ID": "",
                 "SKYLAPSE_STATE_DIR": str(tmp_path / "scheduler-state")}
    daemons("skylapse-capture", env=cam_env, workdir=tmp_path)
    start = lambda: daemons("skylapse-scheduler", args=["--now", NOW], env=sched_env,
                            workdir=tmp_path)
    sched = start()
    for avail in (f"{R}/{CAM}/availability", f"{ST}/availability"):
        ha.wait_message(avail, lambda m: m.payload == b"online")
    return ha, sched, start, sched_env


def status_where(ha, predicate, start=0, timeout=10):
    return payload_json(ha.wait_message(f"{ST}/status", lambda m: predicate(payload_json(m)),
                                        start=start, timeout=timeout))


def retained(client, topic):
    """The retained message a new subscriber to topic gets."""
    late = client()
    late.subscribe(topic)
    msg = late.wait_message(topic)
    assert msg.retain
    return msg.payload


def test_home_assistant_sees_and_drives_camera_and_backend(system, client):
    ha, sched, start, sched_env = system

    # Home Assistant (re)starts: every device is announced again, then its states
    mark = ha.mark()
    ha.publish("homeassistant/status", "online")
    cam_msg = ha.wait_message(CAM_CONFIG, start=mark)
    back_msg = ha.wait_message(BACKEND_CONFIG, start=mark)
    after = ha.all("#", mark)
    for topic in (f"{ST}/status", f"{ST}/schedules/evening/state",
                  f"{ST}/cameras/{CAM}/profile/state"):
        ha.wait_message(topic, start=mark + after.index(back_msg) + 1)
    ha.wait_message(f"{R}/{CAM}/status", start=mark + after.index(cam_msg) + 1)
    cam, back = check_discovery(payload_json(cam_msg)), check_discovery(payload_json(back_msg))
    assert payload_json(back_msg)["device"]["model"] == "Skylapse backend"
    assert [a["topic"] for a in payload_json(back_msg)["availability"]] == [f"{ST}/availability"]
    # HA never sends a capture request to the camera itself: to the backend
    commands = [c["command_topic"] for c in [*cam.values(), *back.values()] if "command_topic" in c]
    assert commands and all(t.startswith(f"{ST}/") for t in commands), commands

    # the backend's sensors, rendered as Home Assistant would
    status_msg = ha.wait_message(f"{ST}/status", start=mark)
    status = payload_json(status_msg)
    validate(status, "backend-status")
    assert render(back["active_schedules"], status_msg) == "0"
    assert render(back["encoder_queue"], status_msg) == "0"
    now = datetime.fromisoformat(status["current_time"])
    sunrise = datetime.fromisoformat(render(back["next_sunrise"], status_msg))
    sunset = datetime.fromisoformat(render(back["next_sunset"], status_msg))
    assert now < sunrise < sunset and (sunset - now).total_seconds() < 86400
    for key, c in cam.items():
        if c["platform"] in ("sensor", "binary_sensor"):
            render(c, ha.wait_message(c["state_topic"]))  # renders without an error

    # the profile select: a camera with no selection shows the default
    select = cam["profile"]
    assert select["state_topic"] == f"{ST}/cameras/{CAM}/profile/state"
    assert ha.wait_message(select["state_topic"]).payload == b"a"
    mark = ha.mark()
    ha.publish(select["command_topic"], "G")
    ha.wait_message(select["state_topic"], lambda m: m.payload == b"g", start=mark)
    assert retained(client, select["state_topic"]) == b"g"
    assert "g" in select["options"]
    validate("g", "profile-state")
    mark = ha.mark()
    ha.publish(select["command_topic"], "z")  # no such profile: the state is put back
    ha.wait_message(select["state_topic"], start=mark)
    assert [m.payload for m in ha.all(select["state_topic"], mark)] == [b"g"]
    sched.wait_log("'z' is not a profile id")

    # "Capture now": through the backend, with the selected profile
    button = cam["capture_now"]
    mark = ha.mark()
    ha.publish(button["command_topic"], button["payload_press"])
    frame = payload_json(ha.wait_message(f"{R}/{CAM}/frames", start=mark, timeout=15))
    validate(frame, "frame-announcement")
    assert frame["profile"] == "g" and frame["backend_name"] == BACKEND
    answer = payload_json(ha.wait_message(f"{ST}/capture/response", start=mark))
    assert answer["status"] == "ok" and answer["camera"] == CAM, answer

    # a schedule switch
    switch = back["schedule_evening"]
    mark = ha.mark()
    ha.publish(switch["command_topic"], switch["payload_off"])
    ha.wait_message(switch["state_topic"], lambda m: m.payload == b"OFF", start=mark)
    assert retained(client, switch["state_topic"]) == b"OFF"
    status = status_where(ha, lambda s: not s["schedules"]["evening"]["enabled"], start=mark)
    assert status["schedules"]["evening"]["state"] == "OFF"
    assert status["schedules"]["sunset"]["enabled"]

    # the encoder queue: retained job states, queued or running
    mark = ha.mark()
    ha.publish(f"{R}/encoder/jobs/elsewhere-1", json.dumps({"job_id": "elsewhere-1",
                                                            "state": "queued"}), retain=True)
    msg = ha.wait_message(f"{ST}/status", lambda m: payload_json(m)["encoder_queue"] == 1,
                          start=mark)
    assert render(back["encoder_queue"], msg) == "1"
    mark = ha.mark()
    ha.publish(f"{R}/encoder/jobs/elsewhere-1", json.dumps({"job_id": "elsewhere-1",
                                                            "state": "done"}), retain=True)
    status_where(ha, lambda s: s["encoder_queue"] == 0, start=mark)

    # "Timelapse of today": one job for the camera, from midnight to now,
    # with the profile of the first schedule that runs (evening is off)
    press = back["timelapse_today"]
    mark = ha.mark()
    ha.publish(press["command_topic"], press["payload_press"])
    job = payload_json(ha.wait_message(f"{R}/encoder/jobs", start=mark))
    validate(job, "encode-job")
    assert job["camera"] == CAM and job["profile"] == "b" and job["kind"] == "video"
    assert job["from"] == f"{DAY}T00:00:00-06:00"
    assert job["job_id"].startswith(f"{CAM}-today-{DAY}-03")
    assert datetime.fromisoformat(job["from"]) < datetime.fromisoformat(job["to"])

    # the selection survives a restart of the backend
    assert sched.stop() == 0
    ha.publish(select["state_topic"], b"", retain=True)
    mark = ha.mark()
    start()
    msg = ha.wait_message(select["state_topic"], lambda m: m.payload != b"", start=mark)
    assert msg.payload == b"g"
    ha.wait_message(switch["state_topic"], lambda m: m.payload == b"OFF", start=mark)

    # removed from service: an empty retained config
    out = subprocess.run([str(BIN / "skylapse-scheduler"), "--ha-remove"], env=sched_env,
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    ha.wait_message(BACKEND_CONFIG, lambda m: m.payload == b"", start=mark)


def test_capture_relay_keeps_an_explicit_profile_and_checks_source(system):
    ha, sched, _, _ = system
    mark = ha.mark()
    ha.publish(f"{ST}/capture/request",
               json.dumps({"camera": CAM, "profile": "D", "request_id": "r-d",
                           "source": "homeassistant"}))
    answer = payload_json(ha.wait_message(f"{ST}/capture/response",
                                          lambda m: payload_json(m)["request_id"] == "r-d",
                                          start=mark, timeout=15))
    assert answer["status"] == "ok" and {f["profile"] for f in answer["frames"]} == {"d"}
    sched.wait_log("capture request from homeassistant forwarded")
    request = payload_json(ha.wait_message(f"{R}/{CAM}/capture/request", start=mark))
    assert "source" not in request and request["backend_name"] == BACKEND
    mark = ha.mark()
    ha.publish(f"{ST}/capture/request", json.dumps({"camera": CAM, "source": "Not An Id",
                                                    "request_id": "r-bad"}))
    answer = payload_json(ha.wait_message(f"{ST}/capture/response",
                                          lambda m: payload_json(m)["request_id"] == "r-bad",
                                          start=mark))
    assert answer["status"] == "error" and "'source'" in answer["error"]


def test_reload_removes_the_switch_of_a_dropped_schedule(system, tmp_path):
    ha, sched, _, _ = system
    first = check_discovery(payload_json(ha.wait_message(BACKEND_CONFIG)))
    assert first["schedule_sunset"]["platform"] == "switch"
    write_config(tmp_path, {"evening": SCHEDULES["evening"]})
    mark = ha.mark()
    sched.signal(signal.SIGHUP)
    d = payload_json(ha.wait_message(BACKEND_CONFIG, start=mark))
    # Home Assistant removes one entity of a device given its platform only
    assert d["components"].pop("schedule_sunset") == {"platform": "switch"}
    cmps = check_discovery(d)
    assert "schedule_evening" in cmps
    ha.wait_message(f"{ST}/schedules/sunset/state", lambda m: m.payload == b"", start=mark)


def test_ha_remove_without_a_broker_fails(tmp_path):
    config = write_config(tmp_path, SCHEDULES)
    out = subprocess.run([str(BIN / "skylapse-scheduler"), "--ha-remove", "--broker",
                          "mqtt://127.0.0.1:1"],
                         env={"BACKEND_NAME": BACKEND, "SKYLAPSE_CONFIG": str(config),
                              "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 2 and "not removed" in out.stderr, out.stderr


def test_camera_entities_stay_available_while_the_backend_is_down(system):
    """The camera captures on its plan with the backend away: Home Assistant
    keeps its entities; only what goes through the backend goes unavailable."""
    ha, sched, start, _ = system
    d = payload_json(ha.wait_message(CAM_CONFIG))
    through_backend = {"capture_now", "profile"}
    assert all(available(ha, d, k) for k in d["components"])
    mark = ha.mark()
    assert sched.stop() == 0
    ha.wait_message(f"{ST}/availability", lambda m: m.payload == b"offline", start=mark)
    for key in d["components"]:
        assert available(ha, d, key) == (key not in through_backend), key
    # the backend back: everything available again
    mark = ha.mark()
    start()
    ha.wait_message(f"{ST}/availability", lambda m: m.payload == b"online", start=mark)
    assert all(available(ha, d, k) for k in d["components"])


def encoder_and_transfer(daemons, broker, tmp_path, config, **extra):
    """An encoder worker w1 and an idle transfer on `broker`."""
    env = {"MQTT_URL": broker.url, "SKYLAPSE_CONFIG": str(config), "MQTT_TOPIC_ROOT": R,
           "BACKEND_URL": URL, **extra}
    worker = daemons("skylapse-encoder", ["--worker", "w1"], env={
        **env, "IMAGES_DIR": str(tmp_path / "srv-images"),
        "TIMELAPSES_DIR": str(tmp_path / "timelapses")})
    transfer = daemons("skylapse-transfer", env={
        **env, "TRANSFER_ENABLED": "false", "CAMERA_ID": CAM, "PI_HOST": "local",
        "PI_SOURCE": str(tmp_path / "pi"), "IMAGES_DIR": str(tmp_path / "srv-images"),
        "SKYLAPSE_STATE_DIR": str(tmp_path / "transfer-state")})
    return env, worker, transfer


ENCODER_CONFIG = "homeassistant/device/skylapse_encoder/w1/config"
TRANSFER_CONFIG = "homeassistant/device/skylapse_transfer/config"


def test_encoder_and_transfer_are_devices_of_their_own(daemons, broker, client, tmp_path):
    config = write_config(tmp_path, SCHEDULES)
    ha = client()
    ha.subscribe("homeassistant/#")
    ha.subscribe(f"{R}/#")
    env, worker, transfer = encoder_and_transfer(daemons, broker, tmp_path, config)
    worker.wait_log("worker w1 ready")

    enc_d = payload_json(ha.wait_message(ENCODER_CONFIG))
    enc = check_discovery(enc_d)
    assert enc_d["device"]["identifiers"] == ["skylapse_encoder_w1"]
    assert [a["topic"] for a in enc_d["availability"]] == [f"{R}/encoder/w1/availability"]
    assert enc["latest_timelapse"]["image_topic"] == f"{R}/encoder/thumbnail"
    assert {"last_error", "error_kind", "jobs_done", "jobs_failed", "version"} == \
        {k for k, c in enc.items() if c.get("entity_category") == "diagnostic"}
    status = ha.wait_message(f"{R}/encoder/w1/status")
    validate(payload_json(status), "encoder-status")
    assert render(enc["running"], status) == "0" and render(enc["last_error"], status) == "none"

    tr_d = payload_json(ha.wait_message(TRANSFER_CONFIG))
    tr = check_discovery(tr_d)
    assert [a["topic"] for a in tr_d["availability"]] == [f"{R}/transfer/availability"]
    assert {"last_sync", "backlog", "error_kind", "state"} <= set(tr)
    assert tr["error_kind"]["entity_category"] == "diagnostic"
    assert tr["last_sync"]["device_class"] == "timestamp"
    status = ha.wait_message(f"{R}/transfer/status")
    validate(payload_json(status), "transfer-status")
    assert render(tr["error_kind"], status) == "none"
    assert render(tr["last_sync"], status) == "None"  # no sync yet: unknown
    for key in tr:
        render(tr[key], status)  # every template renders on the real status

    # a job that fails: the worker's status says why, in a word and a sentence
    mark = ha.mark()
    ha.publish(f"{R}/encoder/jobs", json.dumps({"job_id": "bad-1", "camera": "Not An Id"}))
    msg = ha.wait_message(f"{R}/encoder/w1/status",
                          lambda m: payload_json(m)["jobs_failed"] == 1, start=mark)
    failed = payload_json(msg)
    validate(failed, "encoder-status")
    assert failed["error_kind"] == "invalid" and failed["last_error"]
    assert render(enc["error_kind"], msg) == "invalid"
    assert render(enc["last_error"], msg) == failed["last_error"]

    # Home Assistant restarts: both announce themselves again
    mark = ha.mark()
    ha.publish("homeassistant/status", "online")
    ha.wait_message(ENCODER_CONFIG, start=mark)
    ha.wait_message(TRANSFER_CONFIG, start=mark)

    # removed from service
    for prog, args, topic in (("skylapse-encoder", ["--worker", "w1", "--ha-remove"],
                               ENCODER_CONFIG),
                              ("skylapse-transfer", ["--ha-remove"], TRANSFER_CONFIG)):
        out = subprocess.run([str(BIN / prog), *args],
                             env={**env, "PATH": "/usr/bin:/bin", "CAMERA_ID": CAM,
                                  "PI_HOST": "local", "PI_SOURCE": str(tmp_path / "pi")},
                             capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stderr
        ha.wait_message(topic, lambda m: m.payload == b"", start=mark)


def test_prefix_and_switch_for_every_program(daemons, broker, client, tmp_path):
    """HA_DISCOVERY_PREFIX moves all four devices; HA_DISCOVERY=false keeps them all out."""
    config = write_config(tmp_path, SCHEDULES)
    ha = client()
    ha.subscribe("#")
    prefix = {"HA_DISCOVERY_PREFIX": "home/ha"}
    env, worker, transfer = encoder_and_transfer(daemons, broker, tmp_path, config, **prefix)
    sched_env = {"MQTT_URL": broker.url, "BACKEND_NAME": BACKEND, "SKYLAPSE_CONFIG": str(config),
                 "CAMERA_ID": "", "SKYLAPSE_STATE_DIR": str(tmp_path / "s"), **prefix}
    sched = daemons("skylapse-scheduler", args=["--now", NOW], env=sched_env, workdir=tmp_path)
    for device in ("skylapse_encoder/w1", "skylapse_transfer", f"skylapse_backend_{BACKEND}"):
        ha.wait_message(f"home/ha/device/{device}/config")
    mark = ha.mark()
    ha.publish("home/ha/status", "online")
    ha.wait_message(f"home/ha/device/skylapse_backend_{BACKEND}/config", start=mark)
    ha.wait_message("home/ha/device/skylapse_transfer/config", start=mark)
    assert not [m for m in ha.all("#") if m.topic.startswith("homeassistant/")]
    for d in (worker, transfer, sched):
        assert d.stop() == 0
    for m in [m for m in ha.all("#") if m.retain or m.topic.endswith("/config")]:
        ha.publish(m.topic, b"", retain=True)  # a clean broker for the second run

    # discovery off: the programs publish their states, and no device
    off = {"HA_DISCOVERY": "false"}
    mark = ha.mark()
    env, worker, transfer = encoder_and_transfer(daemons, broker, tmp_path, config, **off)
    daemons("skylapse-scheduler", args=["--now", NOW], env={**sched_env, **off,
                                                            "HA_DISCOVERY_PREFIX": ""},
            workdir=tmp_path)
    # each session sends its discovery before the states it feeds
    ha.wait_message(f"{R}/encoder/w1/status", start=mark)
    ha.wait_message(f"{R}/transfer/status", start=mark)
    ha.wait_message(f"{ST}/status", start=mark)
    assert not [m for m in ha.all("#", mark) if m.topic.endswith("/config") and m.payload]


def test_the_newest_videos_thumbnail_is_an_image_entity(system, client, daemons, broker, tmp_path):
    ha = system[0]
    # the newest video's picture is the encoder's, no longer the backend's
    assert "latest_timelapse" not in payload_json(ha.wait_message(BACKEND_CONFIG))["components"]
    # two videos, a dark one then a bright one, made by an encoder worker
    images, videos = tmp_path / "srv-images", tmp_path / "timelapses"
    day = images / CAM / "profile-a" / "2026-11-27"
    for n, (hour, colour) in enumerate(((6, "0x202020"), (7, "0xe0e0e0"))):
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                        f"color=c={colour}:s=160x120:r=1", "-frames:v", "4", "-q:v", "3",
                        str(tmp_path / f"v{n}_%d.jpg")], check=True)
        for i in range(4):
            name = f"capture_20261127_{hour:02d}000{i}_000.jpg"
            put_frame(day / name, (tmp_path / f"v{n}_{i + 1}.jpg").read_bytes(), camera=CAM,
                      profile="a", width=160, height=120, path=f"profile-a/2026-11-27/{name}")
    env = {"MQTT_URL": broker.url, "IMAGES_DIR": str(images), "TIMELAPSES_DIR": str(videos),
           "SKYLAPSE_CONFIG": system[3]["SKYLAPSE_CONFIG"], "MQTT_TOPIC_ROOT": R}
    worker = daemons("skylapse-encoder", ["--worker", "w1"], env=env)
    worker.wait_log("worker w1 ready")
    enc = check_discovery(payload_json(ha.wait_message(ENCODER_CONFIG)), url=None)
    image = enc["latest_timelapse"]
    assert image["platform"] == "image" and image["content_type"] == "image/jpeg"
    assert image["image_topic"] == f"{R}/encoder/thumbnail"
    thumbs = []
    for n, hour in enumerate((6, 7)):
        mark = ha.mark()
        ha.publish(f"{R}/encoder/jobs", json.dumps(
            {"job_id": f"thumb-{n}", "camera": CAM, "profile": "a",
             "from": f"2026-11-27T{hour:02d}:00:00Z", "to": f"2026-11-27T{hour:02d}:01:00Z"}))
        done = payload_json(ha.wait_message(
            f"{R}/encoder/jobs/thumb-{n}",
            lambda m: m.payload and payload_json(m)["state"] in ("done", "failed"), start=mark,
            timeout=30))
        assert done["state"] == "done", done
        thumbs.append((videos / done["thumbnail"]).read_bytes())
        # the worker's device: the last video and how many, once the job is done
        status = ha.wait_message(f"{R}/encoder/w1/status",
                                 lambda m, n=n: payload_json(m)["jobs_done"] == n + 1, start=mark)
        assert payload_json(status)["last_job"] == f"thumb-{n}"
        assert render(enc["last_video"], status) == done["finished_at"]
        ha.wait_message(image["image_topic"], lambda m, t=thumbs[-1]: m.payload == t, start=mark)
    # what Home Assistant gets when it subscribes: the newest video's JPEG
    newest = retained(client, image["image_topic"])
    assert newest == thumbs[1] != thumbs[0] and newest[:3] == b"\xff\xd8\xff"
