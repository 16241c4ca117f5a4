"""The Pi captures per the plan when no request comes for a slot (no
scheduler here), keeps doing so when the broker is away, and announces every
frame it took once the broker is back (issue: a sunrise is not lost because
the Wi-Fi dropped)."""
import datetime as dt
import json

from harness import CAM, T, Client, payload_json, sim_config, wait_for
from test_capture import frame_files


def iso(t):
    return t.isoformat(timespec="seconds")


def plan_payload(backend, start, end, interval=1, profiles=("a",), schedule="sunrise"):
    return json.dumps({
        "camera": CAM, "backend_name": backend,
        "generated_at": iso(dt.datetime.now(dt.timezone.utc)),
        "windows": [{"schedule": schedule, "start": iso(start), "end": iso(end),
                     "interval_seconds": interval, "profiles": list(profiles)}],
    })


def test_broker_outage_inside_a_window(daemons, broker, tmp_path):
    now = dt.datetime.now(dt.timezone.utc)
    images = tmp_path / "images"
    env = {"MQTT_URL": broker.url, "CAMERA_ID": CAM, "CAMERA_SOURCE": "sim",
           "IMAGES_DIR": str(images), "SKYLAPSE_CONFIG": str(sim_config(tmp_path)),
           "PRIMARY_BACKEND": "dagon", "SKYLAPSE_STATE_DIR": str(tmp_path / "state")}
    backend = Client(broker.port)
    backend.subscribe(f"{T}/#")
    # a plan from another backend is ignored; the primary's is kept
    backend.publish(f"{T}/plan", plan_payload("dev", now, now + dt.timedelta(minutes=10)), retain=True)
    agent = daemons("skylapse-capture", env=env)
    agent.wait_log("plan from backend 'dev' ignored")
    backend.publish(f"{T}/plan", plan_payload("dagon", now - dt.timedelta(minutes=1),
                                               now + dt.timedelta(minutes=10)), retain=True)
    agent.wait_log("plan from 'dagon': 1 windows")
    # online, but no request comes: the slots are the plan's, each announced
    frames = wait_for(lambda: backend.all(f"{T}/frames") if len(backend.all(f"{T}/frames")) >= 2
                      else None, 20, "frames per the plan while online")
    assert all(payload_json(m)["request_id"].startswith("plan-") for m in frames)
    agent.wait_log("capturing per the plan")

    broker.stop()
    wait_for(lambda: len(frame_files(images)) >= 3, 20, "offline frames")
    # a restart while offline keeps the plan (file) and the journal
    assert agent.stop() == 0
    agent = daemons("skylapse-capture", env=env)
    agent.wait_log("saved plan from 'dagon'")
    before = len(frame_files(images))
    wait_for(lambda: len(frame_files(images)) >= before + 3, 20, "offline frames after restart")

    broker.start()
    watcher = Client(broker.port)
    watcher.subscribe(f"{T}/frames")
    agent.wait_log("taken while the broker was away", timeout=40)
    before_outage = {payload_json(m)["path"] for m in backend.all(f"{T}/frames")}
    on_disk = {str(p.relative_to(images)) for p in frame_files(images)} - before_outage

    def all_announced():
        got = {payload_json(m)["path"] for m in watcher.all(f"{T}/frames")}
        return got if on_disk <= got else None
    got = wait_for(all_announced, 20, "every offline frame announced")
    anns = [payload_json(m) for m in watcher.all(f"{T}/frames")]
    offline = [a for a in anns if a["path"] in on_disk]
    assert all(a["backend_name"] == "dagon" and a["schedule"] == "sunrise" for a in offline)
    assert all(a["request_id"].startswith("plan-") for a in offline)
    # slots are start + k x 1 s: never two frames for one slot
    slots = [a["slot"] for a in offline]
    assert len(slots) == len(set(slots)) == len(offline)
    assert not (tmp_path / "state" / f"capture-{CAM}-journal.jsonl").exists()
    backend.close()
    watcher.close()
