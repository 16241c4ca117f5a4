"""Home Assistant discovery of a camera: a client stands in for Home Assistant."""
import json
import os
import subprocess

import jinja2

from harness import BIN, CAM, T, payload_json, sim_config

CONFIG = f"homeassistant/device/skylapse_{CAM}/config"
# Keys of Home Assistant's MQTT documentation for what we publish (full names;
# we use no abbreviations).
DEVICE_KEYS = {"identifiers", "name", "manufacturer", "model", "sw_version", "configuration_url"}
ORIGIN_KEYS = {"name", "sw_version", "support_url"}
COMMON = {"platform", "unique_id", "default_entity_id", "name", "availability",
          "availability_mode", "qos", "entity_category", "icon"}
PLATFORM_KEYS = {
    "camera": {"topic", "image_encoding"},
    "sensor": {"state_topic", "value_template", "unit_of_measurement", "device_class", "state_class"},
    "binary_sensor": {"state_topic", "value_template", "payload_on", "payload_off", "device_class"},
    "image": {"image_topic", "content_type"},
    "button": {"command_topic", "payload_press"},
    "select": {"command_topic", "state_topic", "options"},
}


def check_discovery(d):
    assert set(d) <= {"device", "origin", "availability", "availability_mode", "components", "qos"}
    assert set(d["device"]) <= DEVICE_KEYS and d["device"]["identifiers"]
    assert {"name", "sw_version"} <= set(d["origin"]) <= ORIGIN_KEYS
    assert d["availability_mode"] == "all"
    assert all(a["topic"] for a in d["availability"])
    ids = set()
    for key, c in d["components"].items():
        p = c["platform"]
        assert p in PLATFORM_KEYS, p
        assert set(c) <= COMMON | PLATFORM_KEYS[p], (key, set(c) - COMMON - PLATFORM_KEYS[p])
        assert "object_id" not in c
        assert c.get("entity_category", "diagnostic") == "diagnostic"  # "config" is for settings
        assert c["default_entity_id"] == f"{p}.{c['unique_id']}"
        ids.add(c["unique_id"])
    assert len(ids) == len(d["components"])


def availability(d, key):
    """The availability topics and mode Home Assistant applies to one entity:
    the component's own, else the device's (shared options)."""
    c = d["components"][key]
    source = c if "availability" in c else d
    return [a["topic"] for a in source["availability"]], source.get("availability_mode", "latest")


# The problem sensor's template against camera statuses: (status fields, state).
GOOD = {"camera_ready": True, "disk_low": False, "last_error": None, "last_error_at": None,
        "last_capture": {"captured_at": "2026-12-06T20:00:00.000Z"}}
PROBLEMS = [
    ({}, "OFF"),
    ({"camera_ready": False}, "ON"),
    ({"disk_low": True}, "ON"),
    # an error before the last good frame is over; one after it is not
    ({"last_error": "x", "last_error_at": "2026-12-06T19:59:59.999Z"}, "OFF"),
    ({"last_error": "x", "last_error_at": "2026-12-06T20:00:00.001Z"}, "ON"),
    ({"last_error": "x", "last_error_at": "2026-12-06T20:00:00.001Z", "last_capture": None}, "ON"),
    ({"last_capture": None}, "OFF"),
]


def render(template, status):
    return jinja2.Environment().from_string(template).render(value_json=status).strip()


def test_camera_discovery(daemons, broker, client, tmp_path):
    env = {"MQTT_URL": broker.url, "CAMERA_ID": CAM, "CAMERA_SOURCE": "sim",
           "IMAGES_DIR": str(tmp_path / "images"), "SKYLAPSE_CONFIG": str(sim_config(tmp_path)),
           "PRIMARY_BACKEND": "dagon", "BACKEND_URL": "http://127.0.0.1:8082"}
    ha = client()
    ha.subscribe("homeassistant/#")
    ha.subscribe(f"{T}/#")
    daemons("skylapse-capture", env=env)
    d = payload_json(ha.wait_message(CONFIG))
    check_discovery(d)
    cmps = d["components"]
    assert cmps["sky"]["image_topic"] == f"{T}/preview"
    assert cmps["capture_now"]["command_topic"] == "skylapse/backend/dagon/capture/request"
    assert json.loads(cmps["capture_now"]["payload_press"])["camera"] == CAM
    assert cmps["profile"]["options"] == ["a", "b", "d", "g"]
    assert d["device"]["configuration_url"] == "http://127.0.0.1:8082"
    assert d["origin"]["support_url"] == "http://127.0.0.1:8082"
    # the camera's entities follow the camera alone (it captures on its plan
    # while the backend is down); what goes through the backend needs both
    backend = "skylapse/backend/dagon/availability"
    for key in cmps:
        topics, mode = availability(d, key)
        if key in ("capture_now", "profile"):
            assert topics == [f"{T}/availability", backend] and mode == "all", key
        else:
            assert topics == [f"{T}/availability"], key
    # the latest frame as a camera entity too, beside the image
    assert cmps["camera"]["platform"] == "camera"
    assert cmps["camera"]["topic"] == cmps["sky"]["image_topic"]
    assert "image_encoding" not in cmps["camera"]  # raw JPEG bytes
    diagnostic = {k for k, c in cmps.items() if c.get("entity_category") == "diagnostic"}
    assert {"disk_free", "errors", "last_error", "version", "frames_today"} <= diagnostic
    assert not diagnostic & {"sky", "camera", "last_capture", "problem", "capture_now"}
    problem = cmps["problem"]
    assert problem["platform"] == "binary_sensor" and problem["device_class"] == "problem"
    # the problem sensor's template on the camera's real status
    status = payload_json(ha.wait_message(f"{T}/status"))
    assert "last_error_at" in status
    assert render(problem["value_template"], status) == "OFF"
    for fields, state in PROBLEMS:
        assert render(problem["value_template"], {**GOOD, **fields}) == state, fields
    for key in ("errors", "last_error", "version", "disk_free"):
        assert render(cmps[key]["value_template"], status) not in ("", "None"), key

    # Home Assistant restarts: the agent announces itself again, then its state
    mark = ha.mark()
    ha.publish("homeassistant/status", "online", retain=False)
    ha.wait_message(CONFIG, start=mark)
    ha.wait_message(f"{T}/status", start=mark)

    # removed from service: an empty retained config
    out = subprocess.run([str(BIN / "skylapse-capture"), "--ha-remove"],
                         env={**os.environ, **env, "SKYLAPSE_STATE_DIR": str(tmp_path / "state")},
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    ha.wait_message(CONFIG, lambda m: m.payload == b"", start=mark)



def test_discovery_prefix_and_switch(daemons, broker, client, tmp_path):
    """HA_DISCOVERY_PREFIX moves the device and the birth message Home Assistant
    answers to; HA_DISCOVERY=false announces nothing at all."""
    env = {"MQTT_URL": broker.url, "CAMERA_ID": CAM, "CAMERA_SOURCE": "sim",
           "IMAGES_DIR": str(tmp_path / "images"), "SKYLAPSE_CONFIG": str(sim_config(tmp_path)),
           "PRIMARY_BACKEND": "dagon", "HA_DISCOVERY_PREFIX": "home/ha"}
    ha = client()
    ha.subscribe("#")
    cam = daemons("skylapse-capture", env=env)
    moved = f"home/ha/device/skylapse_{CAM}/config"
    check_discovery(payload_json(ha.wait_message(moved)))
    status = ha.wait_message(f"{T}/status")
    assert not [m for m in ha.all("#") if m.topic.startswith("homeassistant/")]
    # the birth message under the configured prefix brings the device again
    mark = ha.mark()
    ha.publish("home/ha/status", "online")
    ha.wait_message(moved, start=mark)
    assert cam.stop() == 0

    # discovery off: the agent runs, publishes its state, and no device
    ha.publish(moved, b"", retain=True)
    mark = ha.mark()
    daemons("skylapse-capture", env={**env, "HA_DISCOVERY": "false",
                                     "SKYLAPSE_STATE_DIR": str(tmp_path / "off")})
    ha.wait_message(f"{T}/availability", lambda m: m.payload == b"online", start=mark)
    status = ha.wait_message(f"{T}/status", start=mark)
    # the discovery would be in before the state it feeds (one session, in order)
    configs = [m for m in ha.all("#", mark) if m.topic.endswith("/config") and m.payload]
    assert configs == [] and status.payload
