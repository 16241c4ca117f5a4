"""GET /system, the dashboard's System health page, against the real broker
and the real agents: skylapse-capture (sim), -scheduler, -encoder and
-transfer (pulling from a local folder standing in for the Pi) beside
skylapse-bridge. Every agent shows up with its availability and version,
the disks of the Pi and the server, the transfer backlog and the encoder
queue; a failed job and an agent going away reach /system and /events."""
import json

import pytest
from jsonschema import Draft202012Validator, RefResolver

from bridge_stack import CAM, SseClient, Stack
from harness import BIN, ROOT, Client, wait_for

DOC = json.loads((ROOT / "schema" / "openapi.json").read_text())
WORKER = "w-sys"

pytestmark = pytest.mark.skipif(
    not all((BIN / n).exists() for n in ("skylapse-scheduler", "skylapse-encoder",
                                          "skylapse-transfer")),
    reason="the agents are not built")


def schema_errors(body):
    v = Draft202012Validator({"$ref": "#/components/schemas/System"},
                             resolver=RefResolver.from_schema(DOC))
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in v.iter_errors(body)]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("system")
    with Stack(tmp, capture=False) as s:
        s.pi = tmp / "pi"
        s.pi.mkdir()
        s.start_daemon("skylapse-capture", env=s.env(
            CAMERA_ID=CAM, CAMERA_SOURCE="sim", IMAGES_DIR=str(s.pi), PRIMARY_BACKEND="dagon"))
        s.start_daemon("skylapse-scheduler", env=s.env(BACKEND_NAME="dagon",
                                                        IMAGES_DIR=str(s.images)))
        s.start_daemon("skylapse-encoder", ["--worker", WORKER], env=s.env(
            IMAGES_DIR=str(s.images), TIMELAPSES_DIR=str(s.timelapses)))
        s.transfer = s.start_daemon("skylapse-transfer", env=s.env(
            CAMERA_ID=CAM, PI_HOST="local", PI_SOURCE=str(s.pi), IMAGES_DIR=str(s.images),
            TRANSFER_INTERVAL_MINUTES="60"))
        s.wait_camera()
        yield s


def system(stack):
    r = stack.get("/system")
    assert r.status == 200, r
    return r.json()


def agent(body, kind, ident=None):
    for a in body["agents"]:
        if a["kind"] == kind and (ident is None or a["id"] == ident):
            return a
    return None


def all_online(stack):
    body = system(stack)
    want = [("bridge", "dagon"), ("scheduler", "dagon"), ("camera", CAM),
            ("encoder", WORKER), ("transfer", "transfer")]
    lines = [agent(body, k, i) for k, i in want]
    if all(a and a["availability"] == "online" and a["version"] for a in lines):
        return body
    return None


def test_every_agent_with_its_version_disks_backlog_and_queue(stack):
    body = wait_for(lambda: all_online(stack), 30, "every agent online in /system")
    assert not schema_errors(body), schema_errors(body)
    version = stack.get("/health").json()["version"]
    assert {a["version"] for a in body["agents"]} == {version}
    assert body["broker"] == {"connected": True, "url": stack.broker.url}
    assert body["summary"]["agents"] == 5 and body["summary"]["online"] == 5
    disks = {(d["where"], d["id"]): d for d in body["disks"]}
    pi = wait_for(lambda: next((d for d in system(stack)["disks"] if d["id"] == CAM), None), 15,
                  "the camera's disk")
    assert 0 < pi["free_bytes"] <= pi["total_bytes"] and pi["low"] is False
    for folder, path in (("images", stack.images), ("timelapses", stack.timelapses)):
        d = disks[("server", folder)]
        assert d["path"] == str(path) and 0 < d["free_bytes"] <= d["total_bytes"], d
        assert 0 <= d["free_pct"] <= 100
    assert body["transfer"]["availability"] == "online"
    assert isinstance(body["transfer"]["backlog"], int)
    assert body["encoder"]["workers"] == 1 and body["encoder"]["workers_online"] == 1


def test_a_failed_job_is_a_last_error_live(stack):
    wait_for(lambda: all_online(stack), 30, "every agent online in /system")
    sse = SseClient(stack.port)
    watcher = Client(stack.broker.port)
    try:
        job = {"job_id": "sys-fail", "camera": "nocam", "profile": "a", "date": "2020-01-01"}
        watcher.publish("skylapse/encoder/jobs", json.dumps(job))
        _, _, ev = sse.wait_event("encoder", lambda d: d["worker"] == WORKER and d["status"]
                                  and d["status"].get("last_error"), timeout=30)
        body = system(stack)
        err = next(e for e in body["errors"] if e["kind"] == "encoder")
        assert err["id"] == WORKER and err["error"] == ev["status"]["last_error"]
        assert err["error_kind"] == ev["status"]["error_kind"] and err["error_kind"]
        assert err["at"] and body["summary"]["errors"] >= 1
        assert agent(body, "encoder", WORKER)["last_error"] == err["error"]
    finally:
        watcher.close()
        sse.close()


def test_an_agent_going_away_shows_offline_live(stack):
    wait_for(lambda: all_online(stack), 30, "every agent online in /system")
    sse = SseClient(stack.port)
    try:
        stack.transfer.stop()
        _, _, ev = sse.wait_event("transfer", lambda d: d.get("availability") == "offline",
                                  timeout=20)
        assert "backlog" in ev  # the status comes with it
        body = system(stack)
        assert agent(body, "transfer")["availability"] == "offline"
        assert body["transfer"]["availability"] == "offline"
        assert body["summary"]["offline"] == 1
    finally:
        sse.close()


def test_cameras_page_by_id(stack):
    watcher = Client(stack.broker.port)
    try:
        for cam in ("zz-last", "aa-first"):
            watcher.publish(f"skylapse/{cam}/availability", "online", retain=True)
        wait_for(lambda: stack.get("/cameras").json()["total"] == 3, 10, "three cameras")
        page = stack.get("/cameras?limit=2").json()
        assert [c["camera"] for c in page["cameras"]] == ["aa-first", CAM]
        assert (page["total"], page["limit"], page["offset"]) == (3, 2, 0)
        page = stack.get("/cameras?limit=2&offset=2").json()
        assert [c["camera"] for c in page["cameras"]] == ["zz-last"]
        assert stack.get("/cameras?offset=9").json()["cameras"] == []
        for bad in ("limit=0", "limit=x", "offset=-1"):
            r = stack.get(f"/cameras?{bad}")
            assert r.status == 400 and r.json()["error_kind"] == "invalid", (bad, r)
    finally:
        for cam in ("zz-last", "aa-first"):
            watcher.publish(f"skylapse/{cam}/availability", "", retain=True)
        watcher.close()
