"""skylapse-bridge end to end: the real mosquitto, the real skylapse-capture
(sim) and the bridge; every route of SPEC section 5, happy and unhappy, as
curl and a browser would use them."""
import hashlib
import json
import os
import signal
import subprocess
import threading
import time

import pytest

from bridge_stack import CAM, Stack
from harness import BIN, Client, payload_json, wait_for
from schemas import validate


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with Stack(tmp_path_factory.mktemp("bridge")) as s:
        yield s


@pytest.fixture
def fresh(tmp_path):
    """A stack of one's own, started by the test with its own options."""
    made = []

    def make(**kw):
        s = Stack(tmp_path / f"s{len(made)}", **kw).start()
        made.append(s)
        return s
    yield make
    for s in made:
        s.stop()


def capture(stack, body=None, **kw):
    r = stack.post("/capture", body if body is not None else {"profile": "a"}, **kw)
    assert r.status == 200, r
    return r.json()


# --- the seed guide's commands -----------------------------------------------------

def test_seed_curl_health_and_active_schedules(stack):
    url = f"http://127.0.0.1:{stack.port}"
    out = subprocess.run(["curl", "-sf", f"{url}/health"], capture_output=True, text=True,
                         timeout=10, check=True).stdout
    health = json.loads(out)
    assert health["status"] == "ok" and health["mqtt"] == "connected"
    assert health["cameras"] == {CAM: "online"}
    out = subprocess.run(f"curl -sf {url}/status | jq .active_schedules", shell=True,
                         capture_output=True, text=True, timeout=10, check=True).stdout
    active = json.loads(out)
    assert isinstance(active, list)
    assert set(active) <= {"sunrise", "sunset", "all_day"}


def test_numbers_read_as_they_were_written(stack):
    """The configured 39.6333 is 39.6333 in /sun, not jansson's 39.633299999999998."""
    body = stack.get("/sun").body.decode()
    assert '"latitude":39.6333,' in body and '"longitude":-105.3167' in body, body[:400]
    assert "99999999" not in body and "00000000" not in body


def test_status_is_a_backend_status_with_cameras(stack):
    st = stack.get("/status").json()
    validate({k: v for k, v in st.items()}, "backend-status")
    assert st["source"] == "bridge"  # no scheduler in this stack
    assert st["backend_name"] == "dagon" and st["timezone"] == "America/Denver"
    assert set(st["sun_times"]) == {"sunrise", "sunset"}
    assert st["sun_times"]["sunrise"] == st["sun"]["sunrise"]
    assert isinstance(st["is_daytime"], bool)
    assert set(st["schedules"]) == {"sunrise", "sunset", "all_day"}
    assert st["schedules"]["all_day"]["today"]["start"].endswith(("-07:00", "-06:00"))
    assert st["camera_status"][CAM]["availability"] == "online"
    assert st["camera_status"][CAM]["status"]["camera_model"] == "sim"
    assert st["cameras"] == [{"id": CAM, "online": True, "authorized": None, "error": None,
                             "error_kind": None}]
    # served from memory, and still current: the time moves on
    first = st["current_time"]
    wait_for(lambda: stack.get("/status").json()["current_time"] != first, 3, "a new second")


# --- sun and schedules ----------------------------------------------------------------

def test_sun_and_schedules_agree_with_the_scheduler_plan(stack):
    date = "2026-06-21"
    plan = json.loads(subprocess.run([str(BIN / "skylapse-scheduler"), "--plan", date,
                                      "--config", str(stack.config)],
                                     capture_output=True, text=True, timeout=10,
                                     check=True).stdout)
    sun = stack.get(f"/sun?date={date}").json()
    assert sun["date"] == date and sun["timezone"] == "America/Denver"
    assert sun["sun"] == plan["sun"]
    assert sun["day_length_seconds"] > 14 * 3600
    scheds = stack.get(f"/schedules?date={date}").json()
    assert scheds["date"] == date
    by_name = {s["name"]: s for s in scheds["schedules"]}
    for w in plan["windows"]:
        assert by_name[w["schedule"]]["window"] == {"start": w["start"], "end": w["end"]}
    assert by_name["all_day"]["window"]["start"] == "2026-06-21T06:30:00-06:00"
    assert by_name["sunrise"]["profiles"] == ["d"] and by_name["sunrise"]["anchor"] == "sunrise"
    today = stack.get("/schedules").json()
    assert today["date"] == stack.get("/sun").json()["date"]


@pytest.mark.parametrize("query", ["date=2026-13-01", "date=tomorrow", "date=2026-02-30",
                                   "date=%zz"])
def test_sun_and_schedules_refuse_bad_dates(stack, query):
    for route in ("/sun", "/schedules"):
        r = stack.get(f"{route}?{query}")
        assert r.status == 400, (route, r)
        assert "date" in r.json()["error"] or "percent" in r.json()["error"]
        assert r.json()["error_kind"] == "invalid"


# --- cameras ------------------------------------------------------------------------------

def test_cameras(stack):
    cams = stack.get("/cameras").json()["cameras"]
    assert [c["camera"] for c in cams] == [CAM]
    assert cams[0]["availability"] == "online"
    assert cams[0]["latest_url"] == f"/cameras/{CAM}/latest.jpg"
    one = stack.get(f"/cameras/{CAM}").json()
    assert one["status"]["primary_backend"] == "dagon" and "plan" in one
    for bad in ("nope", "Bad%20id", "a..b"):
        r = stack.get(f"/cameras/{bad}")
        assert r.status == 404 and "unknown camera" in r.json()["error"]
        assert r.json()["error_kind"] == "not_found"


# --- capture and frames -------------------------------------------------------------------

def test_capture_writes_a_frame_served_by_images(stack):
    res = capture(stack, {"profile": "A", "camera": CAM})
    assert res["status"] == "ok" and len(res["frames"]) == 1
    f = res["frames"][0]
    validate({k: v for k, v in f.items() if k not in ("url", "camera_path")} | {"path": f["camera_path"]},
             "frame-announcement")
    assert f["backend_name"] == "dagon" and f["profile"] == "a"
    assert f["path"] == f"{CAM}/{f['camera_path']}" and f["url"] == f"/images/{f['path']}"
    on_disk = (stack.images / f["path"]).read_bytes()
    r = stack.get(f["url"])
    assert r.status == 200 and r.header("content-type") == "image/jpeg"
    assert r.body == on_disk and hashlib.sha256(r.body).hexdigest() == f["sha256"]
    side = stack.get(f["url"][:-4] + ".json")
    assert side.status == 200 and side.json()["sha256"] == f["sha256"]
    latest = stack.get(f"/cameras/{CAM}/latest.jpg")
    assert latest.status == 200 and latest.body == on_disk
    assert stack.get(f"/cameras/{CAM}/latest.jpg?profile=a").body == on_disk
    prev = stack.get(f"/cameras/{CAM}/preview.jpg")
    assert prev.status == 200 and prev.body[:2] == b"\xff\xd8"
    # gallery thumbnails: scaled down with TurboJPEG, never wider than asked
    thumb = stack.get(f["url"] + "?width=200")
    assert thumb.status == 200 and thumb.header("content-type") == "image/jpeg"
    assert thumb.body[:2] == b"\xff\xd8" and len(thumb.body) < len(on_disk)
    sof = thumb.body.find(b"\xff\xc0")  # baseline frame header: height, width
    width = int.from_bytes(thumb.body[sof + 7:sof + 9], "big")
    assert 100 <= width <= 200, width
    assert stack.get(f["url"] + "?width=5").status == 400
    assert stack.get(f["url"] + "?width=abc").status == 400


def test_capture_defaults_to_the_only_camera_and_brackets(stack):
    res = capture(stack, {"profile": "d"})
    assert [fr["bracket"]["index"] for fr in res["frames"]] == [0, 1, 2]


def test_images_list_filters_and_pages(stack):
    for _ in range(3):
        capture(stack, {"profile": "a"})
    capture(stack, {"profile": "b"})
    all_ = stack.get("/images?limit=1000").json()
    times = [i["captured_at"] for i in all_["images"]]
    assert times == sorted(times, reverse=True) and all_["total"] == len(times) >= 4
    for item in all_["images"]:
        assert item["camera"] == CAM and item["path"].startswith(f"{CAM}/profile-")
        assert item["url"] == "/images/" + item["path"]
        assert "exposure_us" in item and "mean_luma" in item
    only_b = stack.get("/images?profile=B").json()
    assert only_b["total"] >= 1 and {i["profile"] for i in only_b["images"]} == {"b"}
    page1 = stack.get("/images?limit=2").json()
    page2 = stack.get("/images?limit=2&offset=2").json()
    assert [i["path"] for i in page1["images"] + page2["images"]] == [i["path"] for i in all_["images"][:4]]
    assert page1["limit"] == 2 and page2["offset"] == 2
    newest = all_["images"][0]["captured_at"]
    since = stack.get(f"/images?from={newest}").json()
    assert [i["captured_at"] for i in since["images"]] == [newest]
    assert stack.get(f"/images?to={newest}").json()["total"] == all_["total"] - 1
    # date is the local date of location.timezone (America/Denver)
    local = stack.get("/sun").json()["date"]
    assert stack.get(f"/images?date={local}&camera={CAM}").json()["total"] == all_["total"]
    assert stack.get("/images?date=2001-01-01").json() == {"images": [], "total": 0, "limit": 100,
                                                           "offset": 0}


@pytest.mark.parametrize("query,word", [
    ("limit=0", "limit"), ("limit=1001", "limit"), ("limit=x", "limit"), ("offset=-1", "offset"),
    ("camera=Bad!", "camera"), ("profile=ab", "profile"), ("profile=1", "profile"),
    ("from=yesterday", "from"), ("to=2026-11-27T25:00", "to"), ("date=2026-1-1", "date"),
])
def test_images_bad_queries(stack, query, word):
    r = stack.get(f"/images?{query}")
    assert r.status == 400 and word in r.json()["error"], r
    assert r.json()["error_kind"] == "invalid"


# libmicrohttpd parses the query; the bridge keeps only its strict refusal of "%00"
@pytest.mark.parametrize("query,status,text", [
    ("camera=%00helios", 400, "query parameter 'camera' holds an encoded NUL"),
    ("camera=helios%00", 400, "query parameter 'camera' holds an encoded NUL"),
    ("limit=1%00", 400, "query parameter 'limit' holds an encoded NUL"),
    ("li%6Dit=0", 400, "'limit' must be an integer"),
    ("limit=0&limit=5", 400, "'limit' must be an integer"),
    ("limit=5&limit=0", 200, None),
    ("profile=+a", 400, "'profile' must be one letter"),
    (f"camera={CAM}&profile=A&limit", 400, "'limit' must be an integer"),
    (f"camera={CAM}&profile=A", 200, None),
    ("from=2026-11-27T06%3A00%3A00%2B01%3A00&limit=1", 200, None),
])
def test_images_query_arguments(stack, query, status, text):
    r = stack.get(f"/images?{query}")
    assert r.status == status, (query, r)
    if text:
        assert text in r.json()["error"] and r.json()["error_kind"] == "invalid"


def test_images_unknown_camera_and_latest_without_frames(stack):
    assert stack.get("/images?camera=nobody").status == 404
    assert stack.get("/cameras/nobody/latest.jpg").status == 404
    r = stack.get(f"/cameras/{CAM}/latest.jpg?profile=z")
    assert r.status == 404 and "no frames" in r.json()["error"]
    assert stack.get("/cameras/nobody/preview.jpg").status == 404


# the status follows error_kind, the bridge's own or the camera's (unknown profile)
@pytest.mark.parametrize("body,status,kind,text", [
    ('{"profile": "a"', 400, "invalid", "body is not valid JSON"),
    ('[1, 2]', 400, "invalid", "body must be a JSON object"),
    ('{"profile": 5}', 400, "invalid", "'profile' must be a string"),
    ('{"camera": 7}', 400, "invalid", "'camera' must be a string"),
    ('{"profile": "a", "overrides": [1]}', 400, "invalid", "'overrides' must be an object"),
    ('{"profile": "q"}', 400, "invalid", "unknown profile 'q'"),
    ('{"camera": "nobody"}', 404, "not_found", "unknown camera 'nobody'"),
])
def test_capture_bad_requests(stack, body, status, kind, text):
    r = stack.post("/capture", body, headers={"Content-Type": "application/json"})
    assert r.status == status, r
    assert text in r.json()["error"]
    assert r.json()["error_kind"] == kind


def test_oversize_bodies_get_413(stack):
    big = json.dumps({"profile": "a", "pad": "x" * 70000})
    r = stack.post("/capture", big)
    assert r.status == 413 and "65536" in r.json()["error"]
    assert r.json()["error_kind"] == "too_big"
    # chunked, so the size is only known while reading
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(big[i:i + 8000]), big[i:i + 8000].encode())
                      for i in range(0, len(big), 8000)) + b"0\r\n\r\n"
    r = stack.post("/timelapses", chunks, headers={"Transfer-Encoding": "chunked"})
    assert r.status == 413
    assert stack.get("/health").status == 200


def test_methods_routes_and_head(stack):
    r = stack.request("DELETE", "/status")
    assert r.status == 405 and r.header("allow") == "GET, HEAD, OPTIONS"
    r = stack.get("/capture")
    assert r.status == 405 and r.header("allow") == "POST, OPTIONS"
    r = stack.request("PUT", "/timelapses")
    assert r.status == 405 and r.header("allow") == "GET, HEAD, POST, OPTIONS"
    r = stack.get("/no/such/thing")
    assert r.status == 404 and r.header("content-type") == "application/json"
    r = stack.request("HEAD", "/status")
    assert r.status == 200 and r.body == b"" and int(r.header("content-length")) > 100


# --- traversal ---------------------------------------------------------------------------

TRAVERSALS = [
    "/images/../secret.jpg",
    "/images/%2e%2e/secret.jpg",
    "/images/%2E%2E%2Fsecret.jpg",
    "/images/helios/../../secret.jpg",
    "/images/helios/%2e%2e/%2e%2e/secret.jpg",
    "/images/%252e%252e/secret.jpg",
    "/images//secret.jpg",
    "/images/%2Fsecret.jpg",
    "/images/helios/link.jpg",
    "/images/helios/.hidden.jpg",
    "/images/helios\\..\\..\\secret.jpg",
    "/images/helios/%00.jpg",
    "/..%2fsecret.jpg",
    "/%2e%2e/secret.jpg",
    "/timelapses/..%2f..%2fsecret/video",
]


def test_traversal_is_refused(stack):
    secret = stack.tmp / "secret.jpg"
    secret.write_bytes(b"TOP-SECRET")
    (stack.images / CAM).mkdir(exist_ok=True)
    link = stack.images / CAM / "link.jpg"
    if not link.exists():
        link.symlink_to(secret)
    (stack.images / CAM / ".hidden.jpg").write_bytes(b"TOP-SECRET")
    for path in TRAVERSALS:
        r = stack.get(path)
        assert r.status in (400, 404), (path, r)
        assert b"TOP-SECRET" not in r.body, path
    # the same bytes through a legitimate name are served
    (stack.images / CAM / "ok.jpg").write_bytes(b"\xff\xd8fine")
    assert stack.get(f"/images/{CAM}/ok.jpg").body == b"\xff\xd8fine"


# --- timelapses ---------------------------------------------------------------------------

def make_video(path):
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc=size=160x120:rate=10:duration=1", "-pix_fmt", "yuv420p",
                    "-c:v", "libx264", "-preset", "ultrafast", "-movflags", "+faststart",
                    str(path)], check=True, timeout=30)


def test_timelapse_job_video_and_ranges(stack):
    watcher = Client(stack.broker.port)
    watcher.subscribe("skylapse/encoder/#")
    r = stack.post("/timelapses", {"camera": CAM, "profile": "a", "date": "2026-11-27",
                                   "fps": 30, "codec": "h264"})
    assert r.status == 202, r
    job_id = r.json()["job_id"]
    assert r.json()["state"] == "queued" and r.json()["url"] == f"/timelapses/{job_id}"
    sent = payload_json(watcher.wait_message("skylapse/encoder/jobs"))
    assert sent["job_id"] == job_id and sent["camera"] == CAM and sent["fps"] == 30
    got = stack.get(f"/timelapses/{job_id}").json()
    assert got["state"] == "queued" and got["video_url"] is None
    # the encoder's retained state takes over, and its video is served
    (stack.timelapses / CAM).mkdir(exist_ok=True)
    video = stack.timelapses / CAM / f"{job_id}.mp4"
    make_video(video)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(video), "-frames:v", "1",
                    str(stack.timelapses / CAM / f"{job_id}_thumb.jpg")], check=True, timeout=30)
    watcher.publish(f"skylapse/encoder/jobs/{job_id}", json.dumps(
        {"job_id": job_id, "state": "done", "progress": 1.0, "output": f"{CAM}/{job_id}.mp4",
         "size": video.stat().st_size}), retain=True)
    wait_for(lambda: stack.get(f"/timelapses/{job_id}").json()["state"] == "done", 5, "done")
    job = stack.get(f"/timelapses/{job_id}").json()
    assert job["video_url"] == f"/timelapses/{job_id}/video"
    assert job["thumbnail_url"] == f"/timelapses/{job_id}/thumbnail.jpg"
    data = video.read_bytes()
    size = len(data)
    full = stack.get(job["video_url"])
    assert full.status == 200 and full.body == data
    assert full.header("accept-ranges") == "bytes" and full.header("content-type") == "video/mp4"
    part = stack.get(job["video_url"], headers={"Range": "bytes=0-99"})
    assert part.status == 206 and part.body == data[:100]
    assert part.header("content-range") == f"bytes 0-99/{size}"
    tail = stack.get(job["video_url"], headers={"Range": "bytes=-100"})
    assert tail.status == 206 and tail.body == data[-100:]
    assert tail.header("content-range") == f"bytes {size - 100}-{size - 1}/{size}"
    mid = stack.get(job["video_url"], headers={"Range": f"bytes={size - 10}-"})
    assert mid.status == 206 and mid.body == data[-10:]
    bad = stack.get(job["video_url"], headers={"Range": f"bytes={size}-"})
    assert bad.status == 416 and bad.header("content-range") == f"bytes */{size}"
    ignored = stack.get(job["video_url"], headers={"Range": "bytes=0-1,5-6"})
    assert ignored.status == 200 and ignored.body == data
    # curl as a browser would seek
    out = subprocess.run(["curl", "-s", "-r", "100-199", "-o", "-", "-w", "%{http_code}",
                          f"http://127.0.0.1:{stack.port}{job['video_url']}"],
                         capture_output=True, timeout=10, check=True).stdout
    assert out[:-3] == data[100:200] and out[-3:] == b"206"
    thumb = stack.get(job["thumbnail_url"])
    assert thumb.status == 200 and thumb.body[:2] == b"\xff\xd8"
    listed = stack.get("/timelapses").json()["timelapses"]
    assert job_id in [j["job_id"] for j in listed]
    # cancel goes out on the job's cancel topic
    mark = watcher.mark()
    assert stack.post(f"/timelapses/{job_id}/cancel").status == 202
    watcher.wait_message(f"skylapse/encoder/jobs/{job_id}/cancel", start=mark)
    watcher.publish(f"skylapse/encoder/jobs/{job_id}", "", retain=True)
    watcher.close()


def test_a_pictures_thumbnail_is_its_own_thumb_else_itself(stack):
    """Star trails come with <name>_thumb.jpg, served as the thumbnail; a
    keogram has none and is its own."""
    watcher = Client(stack.broker.port)
    (stack.timelapses / CAM).mkdir(exist_ok=True)
    files = {}
    for job_id, kind, thumb in (("st-1", "startrails", True), ("keo-1", "keogram", False)):
        image = stack.timelapses / CAM / f"{job_id}_{kind}.jpg"
        image.write_bytes(b"\xff\xd8" + f"whole {kind}".encode())
        files[job_id] = image.read_bytes()
        if thumb:
            files[job_id] = b"\xff\xd8small"
            (stack.timelapses / CAM / f"{job_id}_{kind}_thumb.jpg").write_bytes(files[job_id])
        watcher.publish(f"skylapse/encoder/jobs/{job_id}", json.dumps(
            {"job_id": job_id, "kind": kind, "state": "done", "progress": 1.0,
             "output": f"{CAM}/{job_id}_{kind}.jpg"}), retain=True)
    for job_id, body in files.items():
        wait_for(lambda: stack.get(f"/timelapses/{job_id}").json()["state"] == "done", 5, "done")
        thumb = stack.get(f"/timelapses/{job_id}/thumbnail.jpg")
        assert thumb.status == 200 and thumb.body == body, job_id
        assert thumb.header("content-type") == "image/jpeg"
        watcher.publish(f"skylapse/encoder/jobs/{job_id}", "", retain=True)
    watcher.close()


def test_videos_on_disk_are_listed_without_a_job_state(stack):
    (stack.timelapses / CAM).mkdir(exist_ok=True)
    make_video(stack.timelapses / CAM / "sunset-2026-11-26.mp4")
    listed = {j["job_id"]: j for j in stack.get("/timelapses").json()["timelapses"]}
    job = listed["sunset-2026-11-26"]
    assert job["state"] == "done" and job["source"] == "disk"
    assert stack.get(job["video_url"], headers={"Range": "bytes=0-9"}).status == 206


def test_a_video_has_one_id_its_jobs(stack):
    """The encoder names its file "<date>_<time>_<profile>_<job id>.mp4": the list shows the
    job once, under the job's id; the file's name answers too, as an alias."""
    job_id = "helios-20261206-174245-b1ee"
    name = f"20260101_000000_a_{job_id}"
    (stack.timelapses / CAM).mkdir(exist_ok=True)
    make_video(stack.timelapses / CAM / f"{name}.mp4")
    pub = Client(stack.broker.port)
    pub.publish(f"skylapse/encoder/jobs/{job_id}", json.dumps(
        {"job_id": job_id, "state": "done", "output": f"{CAM}/{name}.mp4"}), retain=True)
    try:
        wait_for(lambda: stack.get(f"/timelapses/{job_id}").status == 200, 5, "the job state")
        ids = [j["job_id"] for j in stack.get("/timelapses").json()["timelapses"]]
        assert job_id in ids and name not in ids
        alias = stack.get(f"/timelapses/{name}")
        assert alias.status == 200 and alias.json()["job_id"] == job_id
        assert alias.json()["video_url"] == f"/timelapses/{job_id}/video"
        assert stack.get(f"/timelapses/{name}/video").status == 200
    finally:
        pub.publish(f"skylapse/encoder/jobs/{job_id}", "", retain=True)
        pub.close()


@pytest.mark.parametrize("body,text", [
    ({"profile": "a", "date": "2026-11-27"}, "'camera' is required"),
    ({"camera": "Bad!", "date": "2026-11-27"}, "'camera' must be"),
    ({"camera": CAM}, "frame range is required"),
    ({"camera": CAM, "date": "27/11/2026"}, "'date' must be"),
    ({"camera": CAM, "from": "soon"}, "'from' must be"),
    ({"camera": CAM, "date": "2026-11-27", "fps": "fast"}, "'fps' must be a number"),
    ({"camera": CAM, "date": "2026-11-27", "fps": 0}, "'fps' must be between"),
    ({"camera": CAM, "date": "2026-11-27", "width": 99999}, "'width' must be between"),
    ({"camera": CAM, "date": "2026-11-27", "codec": "divx"}, "'codec': unknown value"),
    ({"camera": CAM, "date": "2026-11-27", "kind": "gif"}, "'kind': unknown value"),
    ({"camera": CAM, "date": "2026-11-27", "job_id": "Not Valid"}, "'job_id' must be"),
    ({"camera": CAM, "date": "2026-11-27", "deflicker": "yes"}, "'deflicker' must be"),
    ("{nope", "not valid JSON"),
])
def test_timelapse_bad_jobs(stack, body, text):
    r = stack.post("/timelapses", body)
    assert r.status == 400, r
    assert text in r.json()["error"] and r.json()["error_kind"] == "invalid"


def test_unknown_jobs(stack):
    for path in ("/timelapses/nope", "/timelapses/nope/video", "/timelapses/nope/thumbnail.jpg",
                 "/timelapses/Bad%20Id"):
        r = stack.get(path)
        assert r.status == 404 and "unknown job" in r.json()["error"], path
        assert r.json()["error_kind"] == "not_found"
    assert stack.post("/timelapses/nope/cancel").status == 404


# --- who may call ------------------------------------------------------------------------

def test_token_guards_every_non_get(fresh):
    s = fresh(bridge_env={"API_TOKEN": "s3cret"})
    assert s.get("/status").status == 200
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret"}):
        for path, body in (("/capture", {"profile": "a"}),
                           ("/timelapses", {"camera": CAM, "date": "2026-11-27"})):
            r = s.post(path, body, headers=headers)
            assert r.status == 401, (path, headers, r)
            assert r.header("www-authenticate").startswith("Bearer")
            assert "Authorization" in r.json()["error"]
            assert r.json()["error_kind"] == "denied"
    r = s.post("/capture", {"profile": "a"}, headers={"Authorization": "Bearer s3cret"})
    assert r.status == 200 and r.json()["status"] == "ok"
    # a preflight carries no token and must pass
    assert s.request("OPTIONS", "/capture", headers={"Origin": "http://x"}).status == 204


def test_cors_default_and_configured(stack, fresh):
    r = stack.get("/health", headers={"Origin": "http://192.168.0.51:3000"})
    assert r.header("access-control-allow-origin") == "*"
    pre = stack.request("OPTIONS", "/capture", headers={
        "Origin": "http://192.168.0.51:3000", "Access-Control-Request-Method": "POST"})
    assert pre.status == 204
    assert "POST" in pre.header("access-control-allow-methods")
    assert "Authorization" in pre.header("access-control-allow-headers")
    assert stack.request("OPTIONS", "/nothing/here/at/all").status in (204, 404)
    s = fresh(capture=False, bridge_env={"CORS_ORIGINS": "http://ok.example, https://sky.example"})
    ok = s.get("/status", headers={"Origin": "http://ok.example"})
    assert ok.header("access-control-allow-origin") == "http://ok.example"
    assert "origin" in ok.header("vary").lower()
    assert s.get("/status", headers={"Origin": "http://evil.example"}).header(
        "access-control-allow-origin") is None
    assert s.get("/status").header("access-control-allow-origin") is None


# --- the Pi's answers through the bridge -------------------------------------------------

def test_capture_forbidden_when_not_the_primary_backend(fresh):
    s = fresh(backend="dev", primary="dagon")
    r = s.post("/capture", {"profile": "a"})
    assert r.status == 403, r
    assert r.json()["error"] == "Backend not authorized: only 'dagon' can trigger captures"
    assert r.json()["error_kind"] == "denied"
    assert r.json()["frames"] == []


def test_capture_times_out_with_504(fresh):
    s = fresh(capture=False, timeout_seconds=1)
    c = Client(s.broker.port)
    c.publish("skylapse/ghost/availability", "online", retain=True)
    wait_for(lambda: "ghost" in s.get("/health").json()["cameras"], 5, "ghost camera")
    t0 = time.monotonic()
    r = s.post("/capture", {"camera": "ghost", "profile": "a"})
    assert r.status == 504 and "no answer from camera 'ghost' within 1 s" in r.json()["error"]
    assert r.json()["error_kind"] == "timeout"
    assert 0.9 < time.monotonic() - t0 < 5
    c.publish("skylapse/ghost/availability", "offline", retain=True)
    wait_for(lambda: s.get("/health").json()["cameras"].get("ghost") == "offline", 5, "offline")
    r = s.post("/capture", {"camera": "ghost"})
    assert r.status == 503 and "offline" in r.json()["error"]
    assert r.json()["error_kind"] == "camera"
    c.close()


# error_kind -> HTTP status, across MQTT: a camera of the test's own answers each request
# with the kind of the row; its sentence would mislead anything that read it
CAPTURE_KIND_STATUS = [("denied", 403), ("invalid", 400), ("not_found", 400), ("too_big", 413),
                       ("busy", 503), ("timeout", 504), ("camera", 502), ("no_space", 502),
                       ("io", 502), ("internal", 502), (None, 502)]


def test_capture_status_follows_error_kind(fresh):
    s = fresh(capture=False)
    cam = Client(s.broker.port)
    row = {}

    def answer(client, userdata, msg):
        req = json.loads(msg.payload)
        res = {"request_id": req["request_id"], "status": "error", "frames": [],
               "error": "Backend not authorized: the payload 'x' must be overrides"}
        if row["kind"]:
            res["error_kind"] = row["kind"]
        client.publish("skylapse/ghost/capture/response", json.dumps(res), qos=1)

    cam.c.on_message = answer
    cam.subscribe("skylapse/ghost/capture/request")
    cam.publish("skylapse/ghost/availability", "online", retain=True)
    wait_for(lambda: "ghost" in s.get("/health").json()["cameras"], 5, "ghost camera")
    for kind, status in CAPTURE_KIND_STATUS:
        row["kind"] = kind
        r = s.post("/capture", {"camera": "ghost", "profile": "a"})
        assert r.status == status, (kind, r)
        assert r.json().get("error_kind") == kind
    cam.publish("skylapse/ghost/availability", "", retain=True)
    cam.close()


def test_capture_needs_a_camera_choice_when_several(fresh):
    s = fresh(capture=False)
    r = s.post("/capture", {"profile": "a"})
    assert r.status == 404 and "no camera" in r.json()["error"]
    c = Client(s.broker.port)
    for cam in ("one", "two"):
        c.publish(f"skylapse/{cam}/availability", "online", retain=True)
    wait_for(lambda: len(s.get("/cameras").json()["cameras"]) == 2, 5, "two cameras")
    r = s.post("/capture", {"profile": "a"})
    assert r.status == 400 and "'camera' is required" in r.json()["error"]
    c.close()


# --- the broker going away ----------------------------------------------------------------

def test_broker_stopped_then_restarted(fresh):
    s = fresh()
    assert s.get("/health").status == 200
    s.broker.stop()
    wait_for(lambda: s.get("/health").status == 503, 10, "/health 503")
    h = s.get("/health").json()
    assert h["status"] == "degraded" and h["mqtt"] == "disconnected"
    r = s.post("/capture", {"profile": "a"})
    assert r.status == 503 and "broker" in r.json()["error"]
    assert r.json()["error_kind"] == "broker"
    assert s.post("/timelapses", {"camera": CAM, "date": "2026-11-27"}).status == 503
    assert s.get("/status").json()["mqtt"] == "disconnected"
    s.broker.start()
    wait_for(lambda: s.get("/health").status == 200, 20, "/health 200 again")
    s.wait_camera()
    assert capture(s)["status"] == "ok"


# --- dashboard files -------------------------------------------------------------------------

def test_dashboard_files_and_minimal_page(fresh, tmp_path):
    dash = tmp_path / "dash"
    (dash / "js").mkdir(parents=True)
    (dash / "index.html").write_text("<!doctype html><title>mine</title>")
    (dash / "js" / "app.js").write_text("console.log(1)")
    (tmp_path / "outside.txt").write_text("TOP-SECRET")
    s = fresh(capture=False, bridge_args=["--dashboard", str(dash)])
    r = s.get("/")
    assert r.status == 200 and b"<title>mine</title>" in r.body
    assert r.header("content-type").startswith("text/html")
    r = s.get("/js/app.js")
    assert r.status == 200 and r.header("content-type").startswith("text/javascript")
    for bad in ("/../outside.txt", "/%2e%2e/outside.txt", "/js/../../outside.txt", "/missing.js"):
        r = s.get(bad)
        assert r.status in (400, 404) and b"TOP-SECRET" not in r.body, bad
    # no dashboard folder: a page of links, the API still works
    s2 = fresh(capture=False, bridge_env={"DASHBOARD_DIR": str(tmp_path / "none")})
    r = s2.get("/")
    assert r.status == 200 and b"/openapi.json" in r.body


def test_version_help_and_check():
    out = subprocess.run([str(BIN / "skylapse-bridge"), "--version"], capture_output=True,
                         text=True, timeout=10)
    assert out.returncode == 0 and out.stdout.startswith("skylapse-bridge ")
    out = subprocess.run([str(BIN / "skylapse-bridge"), "--help"], capture_output=True, text=True,
                         timeout=10)
    assert out.returncode == 0 and "--pi-compat" in out.stdout
    out = subprocess.run([str(BIN / "skylapse-bridge"), "--port", "0"], capture_output=True,
                         text=True, timeout=10)
    assert out.returncode == 1
    env = dict(os.environ, SKYLAPSE_CONFIG="/nonexistent/config.json")
    out = subprocess.run([str(BIN / "skylapse-bridge"), "--check"], capture_output=True,
                         text=True, timeout=10, env=env)
    assert out.returncode == 1 and "/nonexistent/config.json" in out.stderr


def test_sighup_reloads_the_configuration(fresh):
    s = fresh(capture=False)
    assert s.get("/status").json()["timezone"] == "America/Denver"
    cfg = json.loads(s.config.read_text())
    cfg["location"]["timezone"] = "Europe/Paris"
    cfg["schedules"]["all_day"]["enabled"] = False
    s.config.write_text(json.dumps(cfg))
    s.bridge.signal(signal.SIGHUP)
    wait_for(lambda: s.get("/status").json()["timezone"] == "Europe/Paris", 5, "reload")
    assert "all_day" not in s.get("/status").json()["active_schedules"]
    assert s.get("/sun?date=2026-06-21").json()["sun"]["sunrise"].endswith("+02:00")
    # an invalid file is refused and the old configuration kept
    s.config.write_text("{not json")
    s.bridge.signal(signal.SIGHUP)
    s.bridge.wait_log("keeping the old one")
    assert s.get("/status").json()["timezone"] == "Europe/Paris"
    assert "invalid JSON" in s.get("/health").json()["config_error"]


# --- the retained state, before it is in -------------------------------------------

def test_routes_wait_for_the_retained_state_and_health_says_starting(fresh):
    """A bridge started while the broker cannot answer yet says `starting` on /health
    (503) and holds a route that needs the cameras until their retained state is in,
    instead of answering 404 "no camera has been seen"."""
    s = fresh(capture=False)
    pub = Client(s.broker.port)
    pub.publish(f"skylapse/{CAM}/availability", "online", retain=True)
    pub.publish(f"skylapse/{CAM}/status", json.dumps({"camera": CAM, "state": "idle"}),
                retain=True)
    pub.close()
    s.bridge.stop()
    s.daemons.remove(s.bridge)
    s.broker.proc.send_signal(signal.SIGSTOP)  # takes the TCP connection, answers nothing
    answer = {}
    try:
        bridge = s.start_bridge(env={"SKYLAPSE_LOG_LEVEL": "debug"})
        h = s.get("/health")
        assert h.status == 503 and h.json()["status"] == "starting", h
        t = threading.Thread(target=lambda: answer.update(r=s.get(f"/cameras/{CAM}")))
        t.start()
        bridge.wait_log(f"GET /cameras/{CAM} waits for the retained state", 5)
    finally:
        s.broker.proc.send_signal(signal.SIGCONT)
    t.join(15)
    assert answer["r"].status == 200, answer["r"]
    assert answer["r"].json()["availability"] == "online"
    wait_for(lambda: s.get("/health").status == 200, 10, "/health 200")
    assert s.get("/health").json()["status"] == "ok"
    assert "retained state in: 1 cameras" in bridge.log()
