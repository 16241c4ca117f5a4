"""The message contract in schema/: the JSON Schemas are valid, asyncapi.yaml
holds together, and a table of payloads is accepted or refused as SPEC 4 says."""
import copy
import re

import pytest
import yaml
from jsonschema import Draft202012Validator

from schemas import SCHEMA_DIR, PayloadInvalid, errors, load, schema_names, validate, validator

PAYLOAD_SCHEMAS = ["capture-request", "capture-result", "frame-announcement", "camera-status",
                   "backend-status", "plan", "encode-job", "job-state", "transfer-status",
                   "availability", "schedule-state"]


def test_every_payload_has_a_schema():
    missing = sorted(set(PAYLOAD_SCHEMAS) - set(schema_names()))
    assert not missing, f"schema/ lacks {missing}"


@pytest.mark.parametrize("name", schema_names())
def test_schema_is_valid_draft_2020_12(name):
    schema = load(name)
    assert schema.get("$schema") == "https://json-schema.org/draft/2020-12/schema"
    assert schema.get("title")
    Draft202012Validator.check_schema(schema)


def refs_in(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs_in(value)


@pytest.mark.parametrize("name", schema_names())
def test_schema_refs_resolve(name):
    resolver = validator(name).resolver
    for ref in refs_in(load(name)):
        resolver.resolve(ref)  # raises RefResolutionError when it does not


@pytest.fixture(scope="module")
def asyncapi():
    return yaml.safe_load((SCHEMA_DIR / "asyncapi.yaml").read_text())


def pointer(doc, ref):
    node = doc
    for part in ref.lstrip("#/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"{ref} does not resolve"
        node = node[part]
    return node


def test_asyncapi_refs_point_to_existing_files_and_nodes(asyncapi):
    assert asyncapi["asyncapi"] == "3.0.0"
    refs = list(refs_in(asyncapi))
    files = {r for r in refs if not r.startswith("#")}
    assert files, "asyncapi.yaml refers to no schema file"
    for ref in files:
        assert re.fullmatch(r"\./[a-z0-9-]+\.json", ref), f"{ref}: use ./name.json"
        assert (SCHEMA_DIR / ref).is_file(), f"{ref} does not exist"
    for ref in refs:
        if ref.startswith("#"):
            pointer(asyncapi, ref)
    unused = set(PAYLOAD_SCHEMAS) - {r[2:-5] for r in files}
    assert not unused, f"asyncapi.yaml never uses {sorted(unused)}"


SPEC_TOPICS = [
    "{root}/{camera}/availability", "{root}/{camera}/status", "{root}/{camera}/capture/request",
    "{root}/{camera}/capture/response", "{root}/{camera}/frames", "{root}/{camera}/preview",
    "{root}/{camera}/plan", "{root}/backend/{name}/availability", "{root}/backend/{name}/status",
    "{root}/backend/{name}/capture/request", "{root}/backend/{name}/capture/response",
    "{root}/backend/{name}/schedules/{schedule}/set",
    "{root}/backend/{name}/schedules/{schedule}/state", "{root}/encoder/jobs",
    "{root}/encoder/jobs/{job_id}", "{root}/encoder/jobs/{job_id}/cancel",
    "{root}/encoder/{worker}/availability", "{root}/transfer/status",
]


def test_asyncapi_has_every_topic_with_its_parameters(asyncapi):
    channels = asyncapi["channels"]
    addresses = {ch["address"] for ch in channels.values()}
    assert not set(SPEC_TOPICS) - addresses
    assert any(a.startswith("{ha_prefix}/") for a in addresses)
    for name, ch in channels.items():
        wanted = set(re.findall(r"\{(\w+)\}", ch["address"]))
        assert set(ch.get("parameters", {})) == wanted, name
        assert ch.get("messages"), name


def test_asyncapi_operations_use_their_channels_messages(asyncapi):
    retained = {"status", "availability", "plan", "state", "preview", "config", "thumbnail",
                "keogram", "startrails", "edge"}
    for op_id, op in asyncapi["operations"].items():
        assert op["action"] in ("send", "receive"), op_id
        channel_ref = op["channel"]["$ref"]
        for m in op.get("messages", []):
            assert m["$ref"].startswith(channel_ref + "/messages/"), op_id
        binding = op.get("bindings")
        if binding and op["action"] == "send":
            mqtt = pointer(asyncapi, binding["$ref"])["mqtt"]
            last = pointer(asyncapi, channel_ref)["address"].rsplit("/", 1)[1]
            # a job id is the last level of a retained job state
            expect = last in retained or last == "{job_id}"
            assert mqtt["retain"] is expect, f"{op_id}: retain should be {expect}"


FRAME = {
    "camera": "helios", "profile": "a",
    "path": "profile-a/2025-06-21/capture_20250621_041233_250.jpg",
    "captured_at": "2025-06-21T04:12:33.250Z", "size": 2345678, "sha256": "ab" * 32,
    "width": 4056, "height": 3040, "exposure_us": 12000, "analogue_gain": 1.5, "ev": 0.0,
    "awb": "auto", "colour_temp_k": 5200, "lux": 812.25, "mean_luma": 118.4,
    "schedule": "sunrise", "request_id": "r1", "backend_name": "dagon",
}
DIR_FRAME = {**FRAME, "exposure_us": None, "analogue_gain": None, "ev": None, "awb": None,
             "colour_temp_k": None, "lux": None, "schedule": None, "request_id": None,
             "backend_name": None}
BRACKET_FRAME = {**FRAME, "path": "profile-d/2025-06-21/capture_20250621_041233_251_bracket2.jpg",
                 "profile": "d", "bracket": {"index": 2, "count": 3, "ev": 2.0}}
STATUS = {
    "camera": "helios", "state": "idle", "camera_model": "imx477", "source": "libcamera",
    "camera_ready": True, "primary_backend": "dagon", "profiles": ["a", "b", "c", "d"],
    "profiles_enabled": ["a", "b", "d"],
    "last_capture": {"path": FRAME["path"], "captured_at": FRAME["captured_at"], "profile": "a",
                     "exposure_us": 12000, "analogue_gain": 1.5, "ev": 0.0, "awb": "auto",
                     "colour_temp_k": None, "lux": 812.25, "mean_luma": 118.4},
    "captures_total": 12, "errors_total": 1, "last_error": None,
    "disk": {"free_bytes": 10 ** 10, "total_bytes": 3 * 10 ** 10, "free_pct": 33.3},
    "disk_low": False, "version": "0.1.0", "started_at": "2025-06-21T03:00:00.000Z",
}
ANCHORS = ["sunrise", "sunset", "solar_noon", "civil_dawn", "civil_dusk", "nautical_dawn",
           "nautical_dusk", "astronomical_dawn", "astronomical_dusk"]
WINDOW = {"start": "2025-06-21T05:01:00-06:00", "end": "2025-06-21T06:01:00-06:00"}
BACKEND = {
    "backend_name": "dagon", "current_time": "2025-06-21T05:30:12-06:00",
    "timezone": "America/Denver",
    "sun": {**{a: "2025-06-21T05:31:00-06:00" for a in ANCHORS}, "astronomical_dusk": None},
    "is_daytime": True, "active_schedules": ["sunrise"],
    "schedules": {"sunrise": {"type": "solar_relative", "enabled": True, "today": WINDOW,
                              "next": WINDOW, "interval_seconds": 5, "profiles": ["d"]},
                  "all_day": {"type": "time_of_day", "enabled": False, "today": None,
                              "next": {"start": None, "end": None}}},
    "pi_host": "192.168.0.124",
    "cameras": [{"id": "helios", "online": True, "authorized": None, "error": None}],
}
PLAN = {"camera": "helios", "backend_name": "dagon", "date": "2025-06-21",
        "timezone": "America/Denver",
        "windows": [{"schedule": "sunrise", **WINDOW, "interval_seconds": 5, "profiles": ["d"]}]}
JOB = {"camera": "helios", "profile": "a", "date": "2025-06-21", "schedule": "sunset"}
STATE = {"job_id": "j1", "state": "done", "progress": 1.0, "frames_total": 720,
         "frames_done": 718, "frames_skipped": 2,
         "skipped": [{"path": "helios/profile-a/2025-06-21/x.jpg", "reason": "truncated JPEG"}],
         "output": "helios/sunset-2025-06-21.mp4", "size": 48000000, "duration_seconds": 24.0,
         "error": None, "worker": "dagon-1", "created_at": "2025-06-21T21:00:00.000Z",
         "started_at": "2025-06-21T21:00:01.000Z", "finished_at": "2025-06-21T21:03:00.000Z"}
TRANSFER = {"last_sync": "2025-06-21T21:00:00Z", "files": 120, "bytes": 280000000,
            "backlog": 0, "errors": 0, "last_error": None}


def without(d, key):
    d = copy.deepcopy(d)
    d.pop(key)
    return d


def change(d, **kw):
    d = copy.deepcopy(d)
    d.update(kw)
    return d


# (schema, payload, valid)
CASES = [
    # capture request: the SPEC's own example, defaults, and strict types
    ("capture-request", {"profile": "A", "backend_name": "dagon", "request_id": "r1"}, True),
    ("capture-request", {}, True),
    ("capture-request", {"profile": None, "request_id": None, "schedule": "sunset"}, True),
    ("capture-request", {"camera": "helios", "profile": "b", "backend_name": "dagon"}, True),
    ("capture-request", {"overrides": {"exposure_us": 20000, "analogue_gain": 2.5,
                                       "awb_mode": "daylight", "jpeg_quality": 90}}, True),
    ("capture-request", {"profile": 5}, False),
    ("capture-request", {"profile": "AB"}, False),
    ("capture-request", {"profile": ""}, False),
    ("capture-request", {"request_id": 7}, False),
    ("capture-request", {"backend_name": "Dagon!"}, False),
    ("capture-request", {"proflie": "a"}, False),
    ("capture-request", {"overrides": {"exposur_us": 1000}}, False),
    ("capture-request", {"overrides": {"exposure_us": 0}}, False),
    ("capture-request", {"overrides": {"exposure_us": 1.5}}, False),
    ("capture-request", {"overrides": {"jpeg_quality": 101}}, False),
    ("capture-request", {"overrides": {"awb_mode": "sunny"}}, False),
    ("capture-request", {"overrides": []}, False),
    ("capture-request", ["A"], False),
    # capture result
    ("capture-result", {"request_id": "r1", "status": "ok", "frames": [FRAME]}, True),
    ("capture-result", {"request_id": None, "status": "ok", "frames": [BRACKET_FRAME] * 3}, True),
    ("capture-result", {"request_id": "r2", "status": "error", "frames": [],
                        "error": "Backend not authorized: only 'dagon' can trigger captures"}, True),
    ("capture-result", {"request_id": "r2", "status": "error", "frames": [],
                        "error": "Backend not authorized: only 'dagon' can trigger captures",
                        "error_kind": "denied"}, True),
    ("capture-result", {"request_id": "r2", "status": "error", "frames": [], "error": "x",
                        "error_kind": "Backend not authorized"}, False),
    ("capture-result", {"request_id": "r2", "status": "error", "frames": [], "error": "x",
                        "error_kind": None}, False),
    ("capture-result", {"request_id": "r2", "status": "error", "frames": []}, False),
    ("capture-result", {"request_id": "r1", "status": "done", "frames": []}, False),
    ("capture-result", {"status": "ok", "frames": []}, False),
    ("capture-result", {"request_id": "r1", "status": "ok"}, False),
    ("capture-result", {"request_id": "r1", "status": "ok",
                        "frames": [change(FRAME, sha256="abc")]}, False),
    # frame announcement
    ("frame-announcement", FRAME, True),
    ("frame-announcement", DIR_FRAME, True),
    ("frame-announcement", BRACKET_FRAME, True),
    ("frame-announcement", change(FRAME, extra_field=1), True),
    ("frame-announcement", without(FRAME, "mean_luma"), False),
    ("frame-announcement", without(FRAME, "sha256"), False),
    ("frame-announcement", change(FRAME, path="/etc/passwd"), False),
    ("frame-announcement", change(FRAME, path="profile-a/../../x.jpg"), False),
    ("frame-announcement", change(FRAME, captured_at="2025-06-21T04:12:33Z"), False),
    ("frame-announcement", change(FRAME, mean_luma=300), False),
    ("frame-announcement", change(FRAME, sha256="AB" * 32), False),
    ("frame-announcement", change(FRAME, exposure_us="12000"), False),
    ("frame-announcement", change(FRAME, bracket={"index": 0}), False),
    # camera status, with the agent's extra fields, and forward-compatible
    ("camera-status", STATUS, True),
    ("camera-status", change(STATUS, last_capture=None, disk=None, camera_model=None), True),
    ("camera-status", change(STATUS, something_new={"x": 1}), True),
    ("camera-status", without(STATUS, "state"), False),
    ("camera-status", change(STATUS, state="busy"), False),
    ("camera-status", change(STATUS, captures_total=-1), False),
    ("camera-status", change(STATUS, last_capture={"path": "x.jpg"}), False),
    # backend status
    ("backend-status", BACKEND, True),
    ("backend-status", change(BACKEND, pi_host=None, active_schedules=[]), True),
    ("backend-status", change(BACKEND, sun=without(BACKEND["sun"], "civil_dawn")), False),
    ("backend-status", change(BACKEND, current_time="2025-06-21T05:30:12"), False),
    ("backend-status", change(BACKEND, schedules={"x": {"type": "solar_relative",
                                                         "enabled": True, "today": None}}), False),
    ("backend-status", change(BACKEND, cameras=["helios"]), False),
    ("backend-status", change(BACKEND, is_daytime="yes"), False),
    # plan
    ("plan", PLAN, True),
    ("plan", change(PLAN, windows=[]), True),
    ("plan", without(PLAN, "windows"), False),
    ("plan", without(PLAN, "backend_name"), False),
    ("plan", change(PLAN, windows=[{**PLAN["windows"][0], "interval_seconds": 0}]), False),
    ("plan", change(PLAN, windows=[{**PLAN["windows"][0], "interval_seconds": 2.5}]), False),
    ("plan", change(PLAN, windows=[{**PLAN["windows"][0], "start": None}]), False),
    # encode job
    ("encode-job", JOB, True),
    ("encode-job", {"job_id": "tl-1", "kind": "keogram", "camera": "helios", "profile": "A",
                    "from": "2025-06-21T04:00:00Z", "to": "2025-06-21T22:00:00-06:00"}, True),
    ("encode-job", change(JOB, codec="h265", crf=24, preset="slow", width=0,
                          deflicker={"window": 10}, quality_tier="archive", fps=24), True),
    ("encode-job", change(JOB, duration_seconds=20, deflicker=True), True),
    ("encode-job", without(JOB, "schedule"), True),  # the whole day
    ("encode-job", without(JOB, "profile"), True),
    ("encode-job", change(JOB, codec="hevc", height=720, quality="medium", name="june-21",
                          bracket=1, deflicker={"enabled": False}), True),
    ("encode-job", change(JOB, hdr=False), True),
    ("encode-job", change(JOB, hdr="off"), False),
    ("encode-job", change(JOB, codec="mpeg2"), False),
    ("encode-job", change(JOB, fps=30, duration_seconds=20), False),
    ("encode-job", change(JOB, fps=29.97), False),
    ("encode-job", change(JOB, **{"from": "2025-06-21T04:00:00Z", "to": "2025-06-21T05:00:00Z"}),
     False),  # a date and a from/to range
    ("encode-job", {"camera": "helios", "profile": "a", "from": "2025-06-21T04:00:00Z"}, False),
    ("encode-job", {"camera": "helios", "schedule": "sunset"}, False),
    ("encode-job", without(JOB, "camera"), False),
    ("encode-job", change(JOB, width=-1), False),
    ("encode-job", change(JOB, width=7681), False),
    ("encode-job", change(JOB, preset="slowish"), False),
    ("encode-job", change(JOB, deflicker={"window": 2}), False),
    ("encode-job", change(JOB, fsp=30), False),
    ("encode-job", change(JOB, deflicker="yes"), False),
    ("encode-job", change(JOB, quality_tier="high"), False),
    ("encode-job", change(JOB, job_id="Job 1"), False),
    # job state
    ("job-state", {"job_id": "j1", "state": "queued"}, True),
    ("job-state", STATE, True),
    ("job-state", change(STATE, state="failed", error="no frames in range", output=None), True),
    ("job-state", change(STATE, state="failed", error="no frames in range", output=None,
                         error_kind="not_found"), True),
    ("job-state", change(STATE, error=None, error_kind=None), True),
    ("job-state", change(STATE, state="failed", error="disk full", error_kind="disk_full"), False),
    ("job-state", change(STATE, state="finished"), False),
    ("job-state", change(STATE, progress=1.5), False),
    ("job-state", without(STATE, "job_id"), False),
    # transfer status
    ("transfer-status", TRANSFER, True),
    ("transfer-status", change(TRANSFER, last_sync=None, backlog=None), True),
    ("transfer-status", change(TRANSFER, files=-1), False),
    ("transfer-status", change(TRANSFER, last_error="ssh: connect to host pi port 22: "
                               "Connection refused", error_kind="unreachable"), True),
    ("transfer-status", change(TRANSFER, error_kind="auth"), False),
    ("transfer-status", without(TRANSFER, "backlog"), False),
    # plain-text payloads
    ("availability", "online", True),
    ("availability", "offline", True),
    ("availability", "Online", False),
    ("availability", "", False),
    ("schedule-state", "ON", True),
    ("schedule-state", "OFF", True),
    ("schedule-state", "on", False),
]


@pytest.mark.parametrize("name,payload,valid", CASES,
                         ids=[f"{c[0]}-{i}-{'ok' if c[2] else 'bad'}" for i, c in enumerate(CASES)])
def test_example_payloads(name, payload, valid):
    problems = errors(payload, name)
    if valid:
        assert not problems, problems
    else:
        assert problems, f"{payload!r} should be refused by {name}"


def test_validate_raises_a_readable_message():
    with pytest.raises(PayloadInvalid) as e:
        validate({"profile": 5, "overrides": {"exposur_us": 1}}, "capture-request")
    text = str(e.value)
    assert "schema/capture-request.json" in text
    assert "$.profile: 5 is not of type" in text
    assert "'exposur_us' was unexpected" in text


def test_validate_takes_raw_mqtt_payloads():
    validate(b"offline", "availability")
    validate(b'{"profile": "A", "backend_name": "dagon", "request_id": "r1"}', "capture-request")
    with pytest.raises(PayloadInvalid):
        validate(b'{"profile": 5}', "capture-request")
    with pytest.raises(FileNotFoundError):
        validate({}, "no-such-schema")
