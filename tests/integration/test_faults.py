"""Faults during a 1 s window: every planned slot captured exactly once.

The real mosquitto, the real scheduler and the real capture agent (sim
source, small frames) share a simulated clock (SKYLAPSE_CLOCK, 4 times the
real speed, one anchor) so that a minute's window of 1 s slots lasts 15 real
seconds. Each test breaks something mid-window (the scheduler killed -9 for
a while, the broker killed -9 and started again) and then counts, per slot,
the frames on disk (their sidecars name the slot) and the announcements: one
frame a slot, every one announced, none twice on disk. A late request for a
slot already taken is answered with that slot's frames, nothing shot.
"""
import json
import signal
import time
from datetime import datetime, timedelta, timezone

import pytest

from harness import BACKEND, CAM, ROOT, T, Client, payload_json, utc_ms, wait_for
from schemas import validate

SPEED = 4
START = datetime(2026, 6, 21, 12, 1, tzinfo=timezone(timedelta(hours=-6)))  # the window opens
SLOTS = 60  # 12:01:00 .. 12:01:59, one a second
LEAD = 5.0  # real seconds from the test's start to the window's


PLANNED = [utc_ms(START + timedelta(seconds=k)) for k in range(SLOTS)]


def window_config(tmp_path, name, end, interval, **schedule):
    """Writes tmp_path/config.json: the seed's location and one window `name`
    of profile A from 12:01 (START) to `end`, a slot every `interval` seconds
    (and the other schedule settings given), small sim frames; returns its path."""
    seed = json.loads((ROOT / "config" / "config.json").read_text())
    cfg = {"location": seed["location"],
           "schedules": {name: {"type": "time_of_day", "start_time": START.strftime("%H:%M"),
                                "end_time": end.strftime("%H:%M"),
                                "interval_seconds": interval, "profile": "A", **schedule}},
           "pi": {"host": "helios.local", "port": 8080, "timeout_seconds": 3},
           "capture": {"sim_width": 160, "sim_height": 120}}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(cfg))
    return path


class Stack:
    """The window "minute" opens at 12:01 (START): `slots` slots `interval`
    seconds apart (a whole number of minutes), on a clock `speed` times the
    real one."""

    def __init__(self, daemons, broker, tmp_path, interval=1, slots=SLOTS, speed=SPEED):
        self.daemons, self.broker, self.tmp = daemons, broker, tmp_path
        self.slots, self.speed, self.interval = slots, speed, interval
        self.planned = [utc_ms(START + timedelta(seconds=k * interval)) for k in range(slots)]
        self.images = tmp_path / "images"
        self.anchor = time.time() + LEAD  # the real moment of 12:01:00
        self.config = window_config(tmp_path, "minute", START + timedelta(
            seconds=slots * interval), interval)
        clock = f"{START.isoformat()},speed={speed},anchor={self.anchor:.3f}"
        self.common = {"MQTT_URL": broker.url, "SKYLAPSE_CONFIG": str(self.config),
                       "SKYLAPSE_CLOCK": clock}
        self.watcher = Client(broker.port)
        self.watcher.subscribe(f"{T}/#")
        self.watchers = [self.watcher]  # one more after each broker restart

    def real_at(self, slot_k):
        """The real time of slot k (seconds)."""
        return self.anchor + slot_k * self.interval / self.speed

    def wait_until_slot(self, k):
        wait_for(lambda: time.time() >= self.real_at(k), self.real_at(k) - time.time() + 30,
                 f"slot {k}")

    def start_capture(self, **env):
        self.capture = self.daemons("skylapse-capture", env={
            **self.common, "CAMERA_ID": CAM, "CAMERA_SOURCE": "sim",
            "IMAGES_DIR": str(self.images), "PRIMARY_BACKEND": BACKEND,
            "SKYLAPSE_STATE_DIR": str(self.tmp / "capture-state"), **env}, workdir=self.tmp)
        return self.capture

    def start_scheduler(self):
        self.scheduler = self.daemons("skylapse-scheduler", env={
            **self.common, "BACKEND_NAME": BACKEND, "CAMERA_ID": CAM,
            "SKYLAPSE_STATE_DIR": str(self.tmp / "scheduler-state")}, workdir=self.tmp)
        return self.scheduler

    def start(self, **capture_env):
        self.start_capture(**capture_env)
        self.watcher.wait_message(f"{T}/availability", lambda m: m.payload == b"online")
        self.start_scheduler()
        self.capture.wait_log(f"plan from '{BACKEND}'")
        assert time.time() < self.anchor, "the stack took too long to start"

    def sidecars(self):
        return [json.loads(p.read_text()) for p in sorted(self.images.rglob("*.json"))]

    def finish(self):
        """Waits for the window's end and every frame; returns {slot: [sidecar]}."""
        self.wait_until_slot(self.slots + 1)
        wait_for(lambda: {s.get("slot") for s in self.sidecars()} >= set(self.planned), 20,
                 "a frame for every planned slot")
        by_slot = {}
        for s in self.sidecars():
            by_slot.setdefault(s.get("slot"), []).append(s)
        return by_slot

    def assert_each_slot_once(self, by_slot):
        doubled = {k: [s["path"] for s in v] for k, v in by_slot.items() if len(v) != 1}
        assert doubled == {}, doubled
        assert sorted(by_slot) == self.planned, sorted(set(by_slot) ^ set(self.planned))
        assert len(list(self.images.rglob("*.jpg"))) == self.slots
        for s in (v[0] for v in by_slot.values()):
            assert s["schedule"] == "minute" and s["backend_name"] == BACKEND
            assert s["profile"] == "a"
        # every frame announced (the broker's restart may repeat one: at least once); frames
        # taken while the broker was away go out on the agent's reconnect, whose back-off
        # reaches 30 s (lib/mqtt.h)
        on_disk = {v[0]["path"] for v in by_slot.values()}
        wait_for(lambda: on_disk <= self.announced(), 45, "every frame announced")
        assert self.announced() == on_disk

    def restart_broker(self):
        """Starts the killed broker again, watched by a new client."""
        self.broker.start()
        self.watcher = Client(self.broker.port)
        self.watcher.subscribe(f"{T}/#")
        self.watchers.append(self.watcher)

    def announced(self):
        return {payload_json(m)["path"] for w in self.watchers for m in w.all(f"{T}/frames")}

    def takers(self, by_slot):
        """How many slots were taken by the scheduler's requests, how many by the plan."""
        plan = sum(1 for v in by_slot.values() if v[0]["request_id"].startswith("plan-"))
        return self.slots - plan, plan

    def close(self):
        for w in self.watchers:
            w.close()


@pytest.fixture
def stack(daemons, broker, tmp_path):
    s = Stack(daemons, broker, tmp_path)
    yield s
    s.close()


def late_request(stack, k, rid):
    """A request for slot k, after it was taken: its frames, nothing shot."""
    before = len(list(stack.images.rglob("*.jpg")))
    mark = stack.watcher.mark()
    stack.watcher.publish(f"{T}/capture/request", json.dumps({
        "backend_name": BACKEND, "schedule": "minute", "profile": "a", "request_id": rid,
        "slot": PLANNED[k]}))
    msg = stack.watcher.wait_message(f"{T}/capture/response",
                                     lambda m: payload_json(m).get("request_id") == rid,
                                     start=mark)
    return payload_json(msg), before, mark


def test_scheduler_killed_mid_window(stack):
    stack.start()
    stack.wait_until_slot(15)
    stack.scheduler.kill9()
    stack.wait_until_slot(35)  # 20 slots (5 real seconds) without a scheduler
    stack.start_scheduler()
    by_slot = stack.finish()
    stack.assert_each_slot_once(by_slot)
    by_request, by_plan = stack.takers(by_slot)
    print(f"\nscheduler killed: {by_request} slots by request, {by_plan} by plan")
    assert by_plan >= 15, by_plan  # the slots while it was gone, at least
    assert "capturing per the plan" in stack.capture.log()


def test_broker_killed_mid_window(stack, broker):
    stack.start()
    stack.wait_until_slot(15)
    broker.proc.kill()
    broker.proc.wait()
    stack.wait_until_slot(30)
    stack.restart_broker()  # watched long before the agent's next attempt (1, 3, 7 s after the loss)
    stack.capture.wait_log("taken while the broker was away", timeout=30)
    by_slot = stack.finish()
    stack.assert_each_slot_once(by_slot)
    by_request, by_plan = stack.takers(by_slot)
    print(f"\nbroker killed: {by_request} slots by request, {by_plan} by plan")
    assert by_plan >= 14, by_plan


def test_broker_stalled_then_killed(stack, broker):
    """Announcements sent into a broker that takes them and answers nothing,
    which then dies: the restarted broker has no session, Paho drops what was
    in flight, and the agent's session sends it again (lib/mqtt.h)."""
    stack.start()
    stack.wait_until_slot(15)
    broker.proc.send_signal(signal.SIGSTOP)  # the TCP connection stays up, no PUBACK comes
    stack.wait_until_slot(24)  # slots taken by the plan, announced into the stalled broker
    broker.proc.kill()
    broker.proc.wait()
    stack.wait_until_slot(28)
    stack.restart_broker()
    by_slot = stack.finish()
    stack.assert_each_slot_once(by_slot)
    assert "capturing per the plan" in stack.capture.log()


def test_late_request_gets_the_slots_frames(stack):
    stack.start()
    by_slot = stack.finish()
    stack.assert_each_slot_once(by_slot)
    by_request, by_plan = stack.takers(by_slot)
    print(f"\nnothing broken: {by_request} slots by request, {by_plan} by plan")
    for k in (0, 30, SLOTS - 1):
        result, before, mark = late_request(stack, k, f"late-{k}")
        validate(result, "capture-result")
        assert result["status"] == "ok", result
        assert [f["path"] for f in result["frames"]] == [by_slot[PLANNED[k]][0]["path"]]
        assert result["frames"][0]["slot"] == PLANNED[k]
        assert len(list(stack.images.rglob("*.jpg"))) == before  # nothing shot
        assert stack.watcher.all(f"{T}/frames", start=mark) == []  # nor announced again
    # a request without a slot (relayed, manual) is shot as before
    mark = stack.watcher.mark()
    stack.watcher.publish(f"{T}/capture/request", json.dumps(
        {"backend_name": BACKEND, "profile": "a", "request_id": "manual"}))
    msg = stack.watcher.wait_message(f"{T}/capture/response",
                                     lambda m: payload_json(m).get("request_id") == "manual",
                                     start=mark)
    result = payload_json(msg)
    assert result["status"] == "ok" and len(result["frames"]) == 1, result
    assert "slot" not in result["frames"][0]
    assert len(list(stack.images.rglob("*.jpg"))) == SLOTS + 1
