"""GET /events: Server-Sent Events from skylapse-bridge, read by a raw
client that sees frame announcements, camera changes, job progress, and
the replay a reconnecting browser gets with Last-Event-ID."""
import json
import threading

import pytest

from bridge_stack import CAM, SseClient, Stack
from harness import Client, wait_for


@pytest.fixture
def stack(tmp_path):
    with Stack(tmp_path) as s:
        yield s


def test_sse_sees_a_frame_announcement(stack):
    sse = SseClient(stack.port)
    assert sse.status_line == "HTTP/1.1 200 OK"
    assert "content-type: text/event-stream" in sse.headers
    assert "access-control-allow-origin: *" in sse.headers
    assert stack.get("/health").json()["events_clients"] == 1
    r = stack.post("/capture", {"profile": "a"})
    assert r.status == 200
    frame = r.json()["frames"][0]
    eid, _, data = sse.wait_event("frame", lambda d: d["sha256"] == frame["sha256"])
    assert data["path"] == frame["path"] and data["path"].startswith(f"{CAM}/profile-a/")
    assert data["url"] == f"/images/{data['path']}" and data["camera"] == CAM
    assert int(eid) > 0
    # the camera's status went capturing -> idle, each a "camera" event
    sse.wait_event("camera", lambda d: d["camera"] == CAM and d["status"]["state"] == "idle"
                   and d["status"]["captures_total"] >= 1)
    sse.wait_event("preview", lambda d: d["camera"] == CAM)
    sse.close()


def test_sse_job_progress_backend_and_replay(stack):
    sse = SseClient(stack.port)
    c = Client(stack.broker.port)
    for p in (0.25, 0.5, 1.0):
        c.publish("skylapse/encoder/jobs/j-1", json.dumps(
            {"job_id": "j-1", "state": "running" if p < 1 else "done", "progress": p}), retain=True)
    last = sse.wait_event("job", lambda d: d["job_id"] == "j-1" and d["state"] == "done")
    progress = [d["progress"] for _, n, d in sse.events() if n == "job" and d["job_id"] == "j-1"]
    assert progress == [0.25, 0.5, 1.0]
    c.publish("skylapse/backend/dagon/availability", "online", retain=True)
    sse.wait_event("backend", lambda d: d["backend"] == "dagon" and d["availability"] == "online")
    sse.close()
    # a browser reconnecting with Last-Event-ID gets what came after it
    first_id = int([i for i, n, d in sse.events() if n == "job"][0])
    again = SseClient(stack.port, headers={"Last-Event-ID": str(first_id)})
    again.wait_event("job", lambda d: d["progress"] == 0.5)
    replayed = [d["progress"] for _, n, d in again.events() if n == "job"]
    assert replayed == [0.5, 1.0]
    assert int(last[0]) > first_id
    again.close()
    c.publish("skylapse/encoder/jobs/j-1", "", retain=True)
    c.publish("skylapse/backend/dagon/availability", "", retain=True)
    c.close()


def test_sse_broker_events(stack):
    sse = SseClient(stack.port)
    stack.broker.stop()
    sse.wait_event("broker", lambda d: d["connected"] is False)
    stack.broker.start()
    sse.wait_event("broker", lambda d: d["connected"] is True, timeout=20)
    sse.close()


def test_many_sse_clients_all_get_the_frame(stack):
    clients = [SseClient(stack.port) for _ in range(50)]
    assert stack.get("/health").json()["events_clients"] == 50
    sha = stack.post("/capture", {"profile": "a"}).json()["frames"][0]["sha256"]
    for c in clients:
        c.wait_event("frame", lambda d: d["sha256"] == sha)
        c.close()


def test_stop_with_a_waiting_capture_and_open_streams(tmp_path):
    """SIGTERM while a capture waits for its camera and streams are open:
    the capture gets 503, the streams end, the bridge exits 0."""
    s = Stack(tmp_path, capture=False, timeout_seconds=30).start()
    c = Client(s.broker.port)
    c.publish("skylapse/ghost/availability", "online", retain=True)
    wait_for(lambda: "ghost" in s.get("/health").json()["cameras"], 5, "ghost camera")
    streams = [SseClient(s.port) for _ in range(3)]
    got = {}
    t = threading.Thread(target=lambda: got.update(r=s.post("/capture", {"camera": "ghost"})))
    t.start()
    wait_for(lambda: "capture" in s.bridge.log() and "sent to ghost" in s.bridge.log(), 5,
             "the capture to be waiting")
    rc = s.bridge.stop()
    t.join(10)
    assert rc == 0
    assert got["r"].status == 503 and "stopping" in got["r"].json()["error"]
    for sse in streams:
        sse.sock.settimeout(5)
        while True:  # the stream ends: EOF, not a hang
            try:
                if not sse.sock.recv(65536):
                    break
            except ConnectionResetError:
                break
        sse.close()
    c.close()
    s.daemons.remove(s.bridge)
    s.stop()
