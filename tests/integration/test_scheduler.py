"""skylapse-scheduler end to end: the real mosquitto, the real scheduler and,
where a camera must answer, the real skylapse-capture with the sim source.

--now makes a window open while the test runs: the scheduler's clock is the
real one plus a fixed offset, published as clock_offset_ms in its status, so
slot times can be turned back into real times to measure jitter.
"""
import json
import math
import os
import signal
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from harness import BACKEND, BIN, CAM, R, ROOT, ST, payload_json, wait_for
from schemas import validate

SEED = json.loads((ROOT / "config" / "config.json").read_text())
DENVER = SEED["location"]
DAY = "2026-06-21"  # a summer Sunday, UTC-6 in Denver


def iso_ms(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000


def write_config(tmp_path, schedules, location=DENVER, name="config.json", pi_timeout=3):
    cfg = {"location": location, "schedules": schedules,
           "pi": {"host": "helios.local", "port": 8080, "timeout_seconds": pi_timeout},
           "capture": {"sim_width": 320, "sim_height": 240}}
    path = tmp_path / name
    path.write_text(json.dumps(cfg))
    return path


def tod(start, end, interval=1, **extra):
    return {"type": "time_of_day", "start_time": start, "end_time": end,
            "interval_seconds": interval, "profile": "A", **extra}


@pytest.fixture
def start_capture(daemons, broker, tmp_path, client):
    def start(primary=BACKEND, config=None):
        watcher = client()
        watcher.subscribe(f"{R}/{CAM}/availability")
        d = daemons("skylapse-capture", env={
            "MQTT_URL": broker.url, "CAMERA_ID": CAM, "CAMERA_SOURCE": "sim",
            "IMAGES_DIR": str(tmp_path / "images"), "PRIMARY_BACKEND": primary,
            "SKYLAPSE_CONFIG": str(config or write_config(tmp_path, {}, name="capture.json")),
            "SKYLAPSE_STATE_DIR": str(tmp_path / "capture-state")}, workdir=tmp_path)
        watcher.wait_message(f"{R}/{CAM}/availability", lambda m: m.payload == b"online")
        return d
    return start


@pytest.fixture
def start_scheduler(daemons, broker, tmp_path, client):
    def start(config, now=None, camera_id=None, state_dir=None, wait=True, extra_env=None):
        env = {"MQTT_URL": broker.url, "BACKEND_NAME": BACKEND, "SKYLAPSE_CONFIG": str(config),
               "CAMERA_ID": camera_id or "",
               "SKYLAPSE_STATE_DIR": str(state_dir or tmp_path / "scheduler-state"),
               **(extra_env or {})}
        args = ["--now", now] if now else []
        watcher = client()
        watcher.subscribe(f"{ST}/#")
        d = daemons("skylapse-scheduler", args=args, env=env, workdir=tmp_path)
        if wait:
            watcher.wait_message(f"{ST}/availability", lambda m: m.payload == b"online")
        return d, watcher
    return start


def slot_of(request_msg):
    """The slot time (scheduler clock, ms) inside a request id <schedule>-<ms>-<n>."""
    return int(payload_json(request_msg)["request_id"].split("-")[-2])


def last_status(watcher, predicate=lambda s: True, timeout=10.0, start=0):
    msg = watcher.wait_message(f"{ST}/status", lambda m: predicate(payload_json(m)),
                               timeout=timeout, start=start)
    return payload_json(msg)


def test_one_second_window_every_slot_captured(start_capture, start_scheduler, client, tmp_path):
    """60 slots of 1 s: each captured once, on time."""
    cfg = write_config(tmp_path, {"minute": tod("12:01", "12:02")})
    start_capture(config=cfg)
    frames = client()
    frames.subscribe(f"{R}/{CAM}/frames")
    # two seconds before the window: connected and the camera known when it opens
    d, w = start_scheduler(cfg, now=f"{DAY}T12:00:58-06:00")
    # the window is over (12:02) and the last answer is in
    done = last_status(w, lambda s: not s["schedules"]["minute"]["active"] and
                       s["schedules"]["minute"]["last_request_at"] is not None and
                       sum(s["schedules"]["minute"]["counters"][k] for k in ("ok", "errors")) >=
                       s["schedules"]["minute"]["counters"]["requests"], timeout=80)
    counters = done["schedules"]["minute"]["counters"]
    assert counters == {"requests": 60, "ok": 60, "errors": 0, "missed": 0, "unsent": 0}, \
        (counters, d.log()[-2000:])
    wait_for(lambda: len(frames.all(f"{R}/{CAM}/frames")) >= 60, 5, "60 announcements")
    anns = [payload_json(m) for m in frames.all(f"{R}/{CAM}/frames")]
    offset = done["clock_offset_ms"]
    slot0 = iso_ms(f"{DAY}T12:01:00-06:00") - offset  # real time of slot 0
    slots, jitter = [], []
    for a in anns:
        assert a["schedule"] == "minute" and a["backend_name"] == BACKEND
        lag = iso_ms(a["captured_at"]) - slot0
        k = math.floor(lag / 1000)
        slots.append(k)
        jitter.append(lag - k * 1000)
        assert a["request_id"].startswith(f"minute-{int(slot0 + offset + k * 1000)}-")
    worst = sorted(zip(jitter, slots))[-3:]
    jitter.sort()
    p99 = jitter[min(len(jitter) - 1, math.ceil(0.99 * len(jitter)) - 1)]
    print(f"\nscheduler jitter over {len(jitter)} slots: min {jitter[0]:.0f} ms, "
          f"median {jitter[len(jitter) // 2]:.0f} ms, p99 {p99:.0f} ms, max {jitter[-1]:.0f} ms "
          f"(worst slots {[(k, round(j)) for j, k in worst]})")
    assert sorted(slots) == list(range(60)), "missed or doubled slots"
    # the target for jitter is p99 < 100 ms: measured and printed
    # here (pytest -s shows it), not asserted, so that a machine busy with
    # other work fails only on what matters: a missed or doubled slot
    validate(done, "backend-status")


def test_authorization_error_shows_in_status(start_capture, start_scheduler, tmp_path):
    cfg = write_config(tmp_path, {"day": tod("12:00", "13:00")})
    start_capture(primary="other", config=cfg)
    d, w = start_scheduler(cfg, now=f"{DAY}T12:10:00-06:00")
    st = last_status(w, lambda s: s["schedules"]["day"]["counters"]["errors"] >= 3)
    text = "Backend not authorized: only 'other' can trigger captures"
    cam = next(c for c in st["cameras"] if c["id"] == CAM)
    assert cam["authorized"] is False and cam["error"] == text
    assert st["authorization_error"] == text
    assert st["schedules"]["day"]["last_error"] == text
    assert st["schedules"]["day"]["counters"]["ok"] == 0
    validate(st, "backend-status")
    # one log line for the change, not one per slot
    assert d.log().count("refuses backend") == 1, d.log()


def ephem_events(lat, lon, date, tzname):
    """Sunrise and sunset by PyEphem, as sun.h defines them (centre at -50')."""
    probe = ("import ephem, json, sys\n"
             "lat, lon, start = sys.argv[1:4]\n"
             "o = ephem.Observer(); o.lat, o.lon = lat, lon; o.pressure = 0; o.elevation = 0\n"
             "o.horizon = '-0:50'; o.date = ephem.Date(start)\n"
             "s = ephem.Sun()\n"
             "r = o.next_rising(s, use_center=True).datetime().isoformat()\n"
             "t = o.next_setting(s, use_center=True).datetime().isoformat()\n"
             "print(json.dumps([r, t]))\n")
    from zoneinfo import ZoneInfo
    midnight = datetime.fromisoformat(date).replace(tzinfo=ZoneInfo(tzname))
    start = midnight.astimezone(timezone.utc).strftime("%Y/%m/%d %H:%M:%S")
    out = subprocess.run(["/usr/bin/python3", "-c", probe, str(lat), str(lon), start],
                         capture_output=True, text=True, timeout=30, check=True)
    return [datetime.fromisoformat(x).replace(tzinfo=timezone.utc).timestamp() * 1000
            for x in json.loads(out.stdout)]


def run_plan(config, date):
    out = subprocess.run([str(BIN / "skylapse-scheduler"), "--plan", date, "--config", str(config)],
                         capture_output=True, text=True, timeout=30,
                         env={"PATH": "/usr/bin:/bin", "MQTT_URL": "mqtt://127.0.0.1:1"})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_plan_for_the_seed_config():
    plan = run_plan(ROOT / "config" / "config.json", "2025-06-21")
    assert set(plan) == {"date", "timezone", "location", "sun", "windows"}
    assert plan["date"] == "2025-06-21" and plan["timezone"] == "America/Denver"
    sun = plan["sun"]
    assert set(sun) == {"sunrise", "sunset", "solar_noon", "civil_dawn", "civil_dusk",
                        "nautical_dawn", "nautical_dusk", "astronomical_dawn",
                        "astronomical_dusk"}
    # the reference table (PyEphem, tests/unit/data/sun_reference.h, default location)
    ref = (ROOT / "tests/unit/data/sun_reference.h").read_text()
    row = next(line for line in ref.splitlines()
               if '"default location"' in line and "1750485600000" in line)
    nums = [int(x) for x in row.split("{")[2].split("}")[0].split(",")]
    assert abs(iso_ms(sun["sunrise"]) - nums[3]) < 60000
    assert abs(iso_ms(sun["sunset"]) - nums[5]) < 60000
    assert abs(iso_ms(sun["solar_noon"]) - nums[4]) < 60000
    # and PyEphem itself, run now
    rise, set_ = ephem_events(DENVER["latitude"], DENVER["longitude"], "2025-06-21",
                              DENVER["timezone"])
    print(f"\nseed 2025-06-21: sunrise {sun['sunrise']} (PyEphem {(iso_ms(sun['sunrise']) - rise) / 1000:+.1f} s), "
          f"sunset {sun['sunset']} ({(iso_ms(sun['sunset']) - set_) / 1000:+.1f} s)")
    assert abs(iso_ms(sun["sunrise"]) - rise) < 60000
    assert abs(iso_ms(sun["sunset"]) - set_) < 60000
    assert all(v.endswith("-06:00") for v in sun.values())
    wins = {w["schedule"]: w for w in plan["windows"]}
    assert set(wins) == {"sunrise", "sunset", "all_day"}
    assert iso_ms(wins["sunrise"]["start"]) == iso_ms(sun["sunrise"]) - 30 * 60000
    assert iso_ms(wins["sunset"]["end"]) - iso_ms(wins["sunset"]["start"]) == 3600000
    assert wins["all_day"]["start"] == "2025-06-21T06:30:00-06:00"
    assert wins["all_day"]["end"] == "2025-06-21T21:30:00-06:00"
    assert wins["sunrise"]["profiles"] == ["d"] and wins["all_day"]["interval_seconds"] == 5
    starts = [iso_ms(w["start"]) for w in plan["windows"]]
    assert starts == sorted(starts)


def test_plan_polar_day_and_night(tmp_path):
    cfg = write_config(tmp_path, {
        "sunrise": {"type": "solar_relative", "anchor": "sunrise", "offset_minutes": -30,
                    "duration_minutes": 60},
        "noon": {"type": "solar_relative", "anchor": "solar_noon", "duration_minutes": 30}},
        location={"latitude": 78.2, "longitude": 15.6, "timezone": "Arctic/Longyearbyen"})
    summer = run_plan(cfg, "2026-06-21")
    assert summer["sun"]["sunrise"] is None and summer["sun"]["sunset"] is None
    assert summer["sun"]["astronomical_dusk"] is None
    assert summer["sun"]["solar_noon"].endswith("+02:00")
    assert [w["schedule"] for w in summer["windows"]] == ["noon"]
    winter = run_plan(cfg, "2026-12-21")
    assert winter["sun"]["sunrise"] is None and winter["sun"]["civil_dawn"] is None
    assert winter["sun"]["nautical_dawn"] is not None
    assert [w["schedule"] for w in winter["windows"]] == ["noon"]


def test_check_names_the_keys(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({
        "location": {"latitude": 40, "longitude": -105, "timezone": "Mars/Olympus"},
        "schedules": {"a": {"type": "solar_relative", "anchor": "moonrise", "duration_minutes": 0},
                      "b": {"type": "time_of_day", "start_time": "25:00", "end_time": "06:00",
                            "interval_seconds": 0, "profile": "Q"}}}))
    out = subprocess.run([str(BIN / "skylapse-scheduler"), "--check", "--config", str(bad)],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 1
    for text in ("location.timezone: 'Mars/Olympus'", "schedules.a.anchor: unknown anchor",
                 "schedules.a.duration_minutes", "schedules.b.start_time",
                 "schedules.b.interval_seconds", "schedules.b.profile: unknown profile"):
        assert f"{bad}: {text}" in out.stderr, (text, out.stderr)
    out = subprocess.run([str(BIN / "skylapse-scheduler"), "--check", "--config",
                          str(ROOT / "config" / "config.json")], capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 0, out.stderr


def test_switch_pauses_and_resumes_and_is_kept(start_scheduler, client, tmp_path):
    cfg = write_config(tmp_path, {"day": tod("12:00", "13:00")})
    reqs = client()
    reqs.subscribe(f"{R}/{CAM}/capture/request")
    d, w = start_scheduler(cfg, now=f"{DAY}T12:10:00-06:00", camera_id=CAM)
    reqs.wait_message(f"{R}/{CAM}/capture/request")
    w.wait_message(f"{ST}/schedules/day/state", lambda m: m.payload == b"ON")
    mark = w.mark()
    client().publish(f"{ST}/schedules/day/set", "OFF")
    w.wait_message(f"{ST}/schedules/day/state", lambda m: m.payload == b"OFF", start=mark)
    paused = last_status(w, lambda s: s["schedules"]["day"]["enabled"] is False and
                         s["active_schedules"] == [], start=mark)
    quiet = reqs.mark()
    # anything else is ignored, with a warning
    client().publish(f"{ST}/schedules/day/set", "maybe")
    d.wait_log("payload must be ON or OFF")
    with pytest.raises(TimeoutError):
        # a request already on its way when OFF arrived is for a slot before it
        reqs.wait_message(f"{R}/{CAM}/capture/request", start=quiet, timeout=2.5,
                          predicate=lambda m: slot_of(m) >= iso_ms(paused["current_time"]) + 1000)
    # kept across a restart
    assert d.stop() == 0
    d, w = start_scheduler(cfg, now=f"{DAY}T12:10:10-06:00", camera_id=CAM)
    w.wait_message(f"{ST}/schedules/day/state", lambda m: m.payload == b"OFF")
    mark, quiet = w.mark(), reqs.mark()
    client().publish(f"{ST}/schedules/day/set", "on")
    w.wait_message(f"{ST}/schedules/day/state", lambda m: m.payload == b"ON", start=mark)
    req = payload_json(reqs.wait_message(f"{R}/{CAM}/capture/request", start=quiet, timeout=3))
    validate(req, "capture-request")
    assert req["backend_name"] == BACKEND and req["schedule"] == "day" and req["profile"] == "a"


def test_capture_through_the_backend(start_capture, start_scheduler, client, tmp_path):
    cfg = write_config(tmp_path, {"later": tod("20:00", "21:00")}, pi_timeout=1)
    start_capture(config=cfg)
    d, w = start_scheduler(cfg, now=f"{DAY}T12:00:00-06:00")
    last_status(w, lambda s: any(c["id"] == CAM and c["online"] for c in s["cameras"]))
    c = client()
    c.subscribe(f"{ST}/capture/response")
    c.subscribe(f"{ST}/replies/me")
    props = c.request_props(f"{ST}/replies/me", b"\x01corr\xff")
    c.publish(f"{ST}/capture/request",
              json.dumps({"camera": CAM, "profile": "A", "request_id": "via-backend",
                          "backend_name": "someone-else"}), props=props)
    body = payload_json(c.wait_message(f"{ST}/capture/response"))
    validate(body, "capture-result")
    assert body["request_id"] == "via-backend" and body["status"] == "ok", body
    assert body["frames"][0]["backend_name"] == BACKEND  # forwarded as the primary backend
    reply = c.wait_message(f"{ST}/replies/me")
    assert reply.properties.CorrelationData == b"\x01corr\xff"
    assert payload_json(reply)["request_id"] == "via-backend"
    # one camera online: `camera` may be left out; bad input gets a clear error
    cases = [({"request_id": "solo"}, "ok", None),
             ({"camera": "Not An Id", "request_id": "bad"}, "error", "'camera' must be a camera id"),
             ({"camera": 7, "request_id": "bad2"}, "error", "'camera' must be a string"),
             ({"camera": "ghost", "request_id": "ghost"}, "error", "no answer from camera 'ghost'")]
    for req, status, error in cases:
        mark = c.mark()
        c.publish(f"{ST}/capture/request", json.dumps(req))
        body = payload_json(c.wait_message(f"{ST}/capture/response",
                                           lambda m: payload_json(m)["request_id"] == req["request_id"],
                                           start=mark, timeout=5))
        assert body["status"] == status, body
        if error:
            assert error in body["error"], body
    mark = c.mark()
    c.publish(f"{ST}/capture/request", "{not json")
    body = payload_json(c.wait_message(f"{ST}/capture/response", start=mark))
    assert body["status"] == "error" and "not valid JSON" in body["error"] and body["request_id"] is None


def test_auto_timelapse_when_a_window_closes(start_scheduler, client, tmp_path):
    """A schedule called neither sunrise, sunset nor daytime, 3 s before its end."""
    tl = {"auto": True, "fps": 24, "codec": "h265", "name": "not-passed-on"}
    cfg = write_config(tmp_path, {"golden_hour": tod("12:01", "12:02", interval=1, timelapse=tl),
                                  "quiet": tod("18:00", "19:00", interval=10)})
    jobs = client()
    jobs.subscribe(f"{R}/encoder/jobs")
    jobs.subscribe(f"{R}/{CAM}/plan")
    d, w = start_scheduler(cfg, now=f"{DAY}T12:01:57-06:00", camera_id=CAM)
    job = payload_json(jobs.wait_message(f"{R}/encoder/jobs", timeout=8))
    validate(job, "encode-job")
    assert job == {"job_id": f"{CAM}-golden_hour-{DAY}-a", "kind": "video", "camera": CAM,
                   "profile": "a", "from": f"{DAY}T12:01:00-06:00",
                   "to": f"{DAY}T12:02:00-06:00", "fps": 24, "codec": "h265"}
    d.wait_log("encode job")
    assert len(jobs.all(f"{R}/encoder/jobs")) == 1  # one per window, camera and profile
    # the plan the camera follows offline: today's and tomorrow's windows
    plan = payload_json(jobs.wait_message(f"{R}/{CAM}/plan"))
    validate(plan, "plan")
    assert plan["backend_name"] == BACKEND and plan["camera"] == CAM
    assert [(p["schedule"], p["start"]) for p in plan["windows"]] == [
        ("golden_hour", f"{DAY}T12:01:00-06:00"), ("quiet", f"{DAY}T18:00:00-06:00"),
        ("golden_hour", "2026-06-22T12:01:00-06:00"), ("quiet", "2026-06-22T18:00:00-06:00")]
    assert plan["windows"][0]["interval_seconds"] == 1 and plan["windows"][0]["profiles"] == ["a"]


def test_broker_restart_and_clean_stop(start_scheduler, broker, client, tmp_path):
    cfg = write_config(tmp_path, {"day": tod("12:00", "13:00", interval=5)})
    d, w = start_scheduler(cfg, now=f"{DAY}T12:10:00-06:00", camera_id=CAM)
    last_status(w)
    broker.stop()
    broker.start()
    w2 = client()
    w2.subscribe(f"{R}/#")
    # the fresh broker has nothing retained: the scheduler publishes it all again
    w2.wait_message(f"{ST}/availability", lambda m: m.payload == b"online", timeout=40)
    for topic in (f"{ST}/status", f"{ST}/schedules/day/state", f"{R}/{CAM}/plan"):
        w2.wait_message(topic)
    mark = w2.mark()
    w2.wait_message(f"{R}/{CAM}/capture/request", start=mark, timeout=8)
    late = client()
    late.subscribe(f"{ST}/#")
    assert late.wait_message(f"{ST}/status").retain
    mark = w2.mark()
    assert d.stop() == 0
    w2.wait_message(f"{ST}/availability", lambda m: m.payload == b"offline", start=mark)


def test_systemd_notify_ready_watchdog_stopping(start_scheduler, tmp_path):
    """Type=notify, as its unit says: READY=1 once set up (without it systemd holds the unit
    in "activating"), WATCHDOG=1 at half of WatchdogSec, STOPPING=1 on the way out."""
    import socket
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(10)
    cfg = write_config(tmp_path, {"day": tod("12:00", "13:00", interval=5)})
    d, w = start_scheduler(cfg, now=f"{DAY}T12:10:00-06:00", camera_id=CAM,
                           extra_env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"})
    got = []
    while sum(b"WATCHDOG=1" in g for g in got) < 2:
        got.append(sock.recv(4096))
    assert b"READY=1" in got[0]
    assert d.stop() == 0
    while b"STOPPING=1" not in got[-1]:
        got.append(sock.recv(4096))
    sock.close()


def test_sighup_reload(start_scheduler, client, tmp_path):
    cfg = write_config(tmp_path, {"day": tod("12:00", "13:00", interval=2)})
    d, w = start_scheduler(cfg, now=f"{DAY}T12:10:00-06:00", camera_id=CAM)
    last_status(w, lambda s: s["schedules"]["day"]["counters"]["requests"] >= 1)
    assert last_status(w)["config_error"] is None
    cfg.write_text("{ not json")
    mark = w.mark()
    d.signal(signal.SIGHUP)
    d.wait_log("keeping the old one")
    # the refusal is in the status, with the file's own words, the old schedules in force
    st = last_status(w, lambda s: s["config_error"] is not None, start=mark)
    assert "1 error, keeping the previous configuration: " in st["config_error"]
    assert "invalid JSON" in st["config_error"] and "day" in st["schedules"]
    write_config(tmp_path, {"day": tod("12:00", "13:00", interval=2),
                            "evening": tod("18:00", "19:00", interval=30)})
    mark = w.mark()
    d.signal(signal.SIGHUP)
    d.wait_log("reload: configuration reloaded (2 schedules)")
    st = last_status(w, lambda s: "evening" in s["schedules"], start=mark)
    assert st["config_error"] is None
    assert st["schedules"]["day"]["counters"]["requests"] >= 1  # counters carried over
    assert st["schedules"]["evening"]["next"]["start"] == f"{DAY}T18:00:00-06:00"
    w.wait_message(f"{ST}/schedules/evening/state", lambda m: m.payload == b"ON", start=mark)


FAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")


@pytest.mark.skipif(not FAKETIME.exists(), reason="libfaketime (Debian package faketime) missing")
def test_clock_steps_no_burst_no_duplicate_windows_recomputed(start_capture, start_scheduler,
                                                              client, tmp_path):
    """The wall clock stepped under a running scheduler (libfaketime, as NTP would): forward
    10 minutes, one request per slot follows, not a burst for the slots jumped over; back
    10 seconds, no slot is asked twice; forward past the window's end, it closes and the next
    window is tomorrow's. Timers stay on the monotonic clock, as on a real system."""
    rc = tmp_path / "faketime.rc"
    rc.write_text("+0\n")
    now = datetime.now(ZoneInfo(DENVER["timezone"]))
    start, end = now - timedelta(minutes=1), now + timedelta(minutes=40)
    cfg = write_config(tmp_path, {"steps": tod(start.strftime("%H:%M"), end.strftime("%H:%M"),
                                               interval=2)})
    start_capture()
    w = client()
    w.subscribe(f"{R}/{CAM}/capture/request")
    d, st = start_scheduler(cfg, camera_id=CAM, extra_env={
        "LD_PRELOAD": str(FAKETIME), "FAKETIME_TIMESTAMP_FILE": str(rc),
        "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        # the sanitizer build's runtime need not come first: libfaketime does
        "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0",
        "TSAN_OPTIONS": os.environ.get("TSAN_OPTIONS", "") +
        f" suppressions={Path(__file__).with_name('faketime.tsan.supp')}"})

    def slots(start=0):
        return [slot_of(m) for m in w.all(f"{R}/{CAM}/capture/request", start)]
    wait_for(lambda: len(slots()) >= 3, 15, "three requests")
    before = max(slots())
    mark = w.mark()
    rc.write_text("+600\n")
    wait_for(lambda: len(slots(mark)) >= 2, 10, "requests after the step forward")
    after = slots(mark)
    assert len(after) == 2, after  # one per 2 s slot, the 300 slots jumped over not sent
    assert after[0] - before >= 590_000 and after[1] - after[0] == 2000
    top = max(slots())
    mark = w.mark()
    rc.write_text("+590\n")  # 10 s back
    wait_for(lambda: len(slots(mark)) >= 1, 40, "a request after the step back")
    assert min(slots(mark)) > top, (top, slots(mark))  # nothing asked twice
    assert len(set(slots())) == len(slots())
    mark = st.mark()
    rc.write_text("+10800\n")  # three hours on: past the window's end
    d.wait_log("steps: window closed", 15)
    status = last_status(st, lambda s: not s["schedules"]["steps"]["active"], start=mark)
    nxt = status["schedules"]["steps"]["next"]
    assert iso_ms(nxt["start"]) > iso_ms(status["current_time"])  # tomorrow's, recomputed
    assert "steps" not in status["active_schedules"]


def test_cameras_list_plans_and_asks_each_camera(start_scheduler, client, tmp_path):
    """config.json's `cameras`: each listed camera gets its own plan and its own requests
    before it is seen, by the schedules it follows; a camera online but not listed gets
    neither."""
    cfg = write_config(tmp_path, {"all": tod("12:00", "12:30"), "few": tod("12:00", "12:30")})
    data = json.loads(cfg.read_text())
    data["cameras"] = {"helios": {}, "selene": {"schedules": ["few"]}}
    cfg.write_text(json.dumps(data))
    watch = client()
    watch.subscribe(f"{R}/+/capture/request")
    watch.subscribe(f"{R}/+/plan")
    watch.publish(f"{R}/stranger/availability", b"online", retain=True)
    d, w = start_scheduler(cfg, now=f"{DAY}T12:10:00-06:00")
    for cam, want in (("helios", {"all", "few"}), ("selene", {"few"})):
        msg = watch.wait_message(f"{R}/{cam}/plan", lambda m: m.payload)
        assert {x["schedule"] for x in payload_json(msg)["windows"]} == want, cam
        wait_for(lambda: {payload_json(m)["schedule"]
                          for m in watch.all(f"{R}/{cam}/capture/request")} == want,
                 10, f"{cam}'s requests of {want}")
    st = last_status(w, lambda s: len(s["cameras"]) == 3)
    validate(st, "backend-status")
    assert {c["id"]: c["schedules"] for c in st["cameras"]} == {
        "helios": ["all", "few"], "selene": ["few"], "stranger": []}
    assert watch.all(f"{R}/stranger/capture/request") == []
    assert watch.all(f"{R}/stranger/plan") == []
    watch.publish(f"{R}/stranger/availability", b"", retain=True)
