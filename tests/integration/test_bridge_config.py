"""GET and PUT /config against the real mosquitto, skylapse-bridge and
skylapse-scheduler: a bad body is refused with a message per field and
nothing written; a good one replaces config.json atomically (the previous
one kept as config.json.prev), and the scheduler, told on
R/backend/<name>/config/changed, publishes the new interval in its status
without a restart; with API_TOKEN set, GET and PUT need it."""
import json
import os

import pytest

from bridge_stack import Stack
from harness import Client, free_port, payload_json, wait_for

TOKEN = "settings-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp("config"), capture=False,
              bridge_env={"API_TOKEN": TOKEN}).start()
    s.scheduler = s.start_daemon("skylapse-scheduler", env=s.env(BACKEND_NAME="dagon"))
    # a second bridge of the same backend on the same file (compose's frontend)
    s.port2 = free_port()
    s.bridge2 = s.start_bridge(port=s.port2)
    wait_for(lambda: status_interval(s, "sunrise") == 5, 15, "the scheduler's status at the bridge")
    # the notice is not retained: both bridges must be on the broker before a PUT
    # (/health answers 200 once the retained state is in, which needs the connection)
    for port in (s.port, s.port2):
        wait_for(lambda: s.get("/health", port=port).status == 200, 15, f"bridge {port} ready")
    yield s
    s.stop()


def status_interval(stack, schedule):
    st = stack.get("/status").json()
    if st.get("source") != "scheduler":
        return None
    return st["schedules"][schedule]["interval_seconds"]


def put(stack, body, headers=AUTH):
    return stack.request("PUT", "/config", body=body, headers={"Content-Type": "application/json",
                                                                **headers})


def test_get_answers_the_running_file_to_the_token_holder(stack):
    r = stack.get("/config")
    assert r.status == 401 and r.header("www-authenticate").startswith("Bearer")
    r = stack.get("/config", headers=AUTH)
    assert r.status == 200
    assert r.json() == json.loads(stack.config.read_text())


def test_put_without_the_token_is_refused_and_writes_nothing(stack):
    before = stack.config.read_bytes()
    r = put(stack, stack.get("/config", headers=AUTH).json(), headers={})
    assert r.status == 401, r
    r = put(stack, stack.get("/config", headers=AUTH).json(), headers={"Authorization": "Bearer wrong"})
    assert r.status == 401, r
    assert stack.config.read_bytes() == before


@pytest.mark.parametrize("body,status", [("not json", 400), ("[1, 2]", 400)])
def test_put_of_no_object_is_400(stack, body, status):
    before = stack.config.read_bytes()
    r = put(stack, body)
    assert r.status == status, r
    assert r.json()["error_kind"] == "invalid"
    assert stack.config.read_bytes() == before


def test_put_invalid_answers_each_field_and_writes_nothing(stack):
    before = stack.config.read_bytes()
    cfg = stack.get("/config", headers=AUTH).json()
    cfg["schedules"]["sunrise"]["interval_seconds"] = 0
    cfg["schedules"]["sunset"]["anchor"] = "noonish"
    cfg["location"]["latitude"] = 123
    cfg["location"]["timezone"] = "Mars/Olympus"
    r = put(stack, cfg)
    assert r.status == 422, r
    body = r.json()
    assert body["error_kind"] == "invalid" and "nothing was saved" in body["error"]
    fields = {p["field"]: p for p in body["problems"] if p["severity"] == "error"}
    assert fields["schedules.sunrise.interval_seconds"]["message"] == "0 is outside 1..86400"
    assert "noonish" in fields["schedules.sunset.anchor"]["message"]
    assert "outside -90..90" in fields["location.latitude"]["message"]
    assert "Mars/Olympus" in fields["location.timezone"]["message"]
    # no path of the server's in the messages, nothing left behind
    assert not any(str(stack.tmp) in p["message"] for p in body["problems"])
    assert stack.config.read_bytes() == before
    assert not [f for f in os.listdir(stack.tmp) if f.startswith("config.json.")]
    assert status_interval(stack, "sunrise") == 5


def test_put_valid_saves_keeps_prev_and_the_scheduler_follows(stack):
    before = stack.config.read_text()
    watcher = Client(stack.broker.port)
    watcher.subscribe("skylapse/backend/dagon/config/changed")
    cfg = stack.get("/config", headers=AUTH).json()
    cfg["schedules"]["sunrise"]["interval_seconds"] = 17
    cfg["schedules"]["mystery"] = {"type": "time_of_day", "start_time": "10:00",
                                   "end_time": "10:00", "interval_seconds": 9, "profile": "a"}
    r = put(stack, cfg)
    assert r.status == 200, r
    body = r.json()
    assert body["path"] == str(stack.config)
    assert body["previous"] == f"{stack.config}.prev"
    # a warning (the window is the whole day) saves, and is said
    assert any(p["field"] == "schedules.mystery" and p["severity"] == "warning"
               for p in body["problems"]), body
    assert json.loads(stack.config.read_text()) == cfg
    assert (stack.tmp / "config.json.prev").read_text() == before
    assert not (stack.tmp / "config.json.new").exists()
    msg = watcher.wait_message("skylapse/backend/dagon/config/changed")
    assert payload_json(msg)["path"] == str(stack.config) and not msg.retain
    watcher.close()
    # the bridge reloaded: GET answers the new file; the scheduler did too,
    # and the other bridge, each once
    assert stack.get("/config", headers=AUTH).json() == cfg
    wait_for(lambda: stack.get("/config", headers=AUTH, port=stack.port2).json() == cfg, 10,
             "the other bridge's reload")
    assert stack.bridge.log().count("configuration reloaded") == 1
    assert stack.bridge2.log().count("config/changed: configuration reloaded") == 1
    wait_for(lambda: status_interval(stack, "sunrise") == 17, 10, "the new interval in /status")
    assert "mystery" in stack.get("/status").json()["schedules"]
    assert stack.scheduler.alive()
    assert "config/changed: configuration reloaded" in stack.scheduler.log()
