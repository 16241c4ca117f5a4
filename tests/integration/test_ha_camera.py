"""Home Assistant discovery of a camera: a client stands in for Home Assistant."""
import json
import os
import subprocess

from harness import BIN, payload_json
from test_capture import CAM, T, write_config

CONFIG = f"homeassistant/device/skylapse_{CAM}/config"
# Keys of Home Assistant's MQTT documentation for what we publish (full names;
# we use no abbreviations).
DEVICE_KEYS = {"identifiers", "name", "manufacturer", "model", "sw_version", "configuration_url"}
ORIGIN_KEYS = {"name", "sw_version", "support_url"}
COMMON = {"platform", "unique_id", "default_entity_id", "name", "availability",
          "availability_mode", "qos"}
PLATFORM_KEYS = {
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
        assert c["default_entity_id"] == f"{p}.{c['unique_id']}"
        ids.add(c["unique_id"])
    assert len(ids) == len(d["components"])


def test_camera_discovery(daemons, broker, client, tmp_path):
    env = {"MQTT_URL": broker.url, "CAMERA_ID": CAM, "CAMERA_SOURCE": "sim",
           "IMAGES_DIR": str(tmp_path / "images"), "SKYLAPSE_CONFIG": str(write_config(tmp_path)),
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
    assert {a["topic"] for a in d["availability"]} == {f"{T}/availability",
                                                      "skylapse/backend/dagon/availability"}

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
