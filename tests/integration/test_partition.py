"""A network partition between the Pi and the server for a minute of a 1 s window.

Two network namespaces made by the test, joined by a veth pair on a private
/30: the Pi's runs the capture agent (sim camera) and the sshd the transfer
pulls from; the server's runs mosquitto, the scheduler, the transfer and an
encoder worker, and the test's own observers (the test's main thread enters
it, so its clients and the daemons it starts live there). All share a
simulated clock at 4 times the real speed.

The partition: each side drops its input from the veth (nftables), so packets
vanish on the way as when a Wi-Fi link drops out: no RST, no ICMP, open
connections hang until a keep-alive gives up, new ones time out. Taking the
link down instead would tell both kernels at once (routes gone, errors
straight away), and tc netem is not in every kernel (not in this one). ARP,
below nftables' inet family, still answers, as it would across a routed
network.

Counted end to end: slots planned = frames captured on the Pi (one a slot)
= frames announced (an at-least-once repeat allowed, counted) = frames
transferred and verified on the server; no file under a final name that is
not whole, no temporary left; neither the camera nor the transfer left busy,
and the window's video job ends.
"""
import ctypes
import json
import os
import subprocess
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from harness import (BACKEND, CAM, T, Broker, Client, free_port, payload_json, sha, utc_ms,
                     visible, wait_for)
from sshd_server import Sshd
from test_faults import SPEED, START, window_config  # 12:01, 4 times the real speed

SLOTS = 360           # 12:01:00 .. 12:06:59, one a second: 90 real seconds
CUT_AT = 40           # the slot the link goes at (10 real seconds into the window)
CUT_SECONDS = 60.0    # real seconds without a link
LEAD = 10.0           # real seconds from the daemons' start to the window's
SERVER_ADDR, PI_ADDR = "10.215.0.1", "10.215.0.2"
CLONE_NEWNET = 0x40000000
NFT_TABLE = "skylapse_partition"
JOB_ID = f"{CAM}-long-{START:%Y-%m-%d}-a"


PLANNED = [utc_ms(START + timedelta(seconds=k)) for k in range(SLOTS)]


def run(cmd, input=None):
    r = subprocess.run(cmd, input=input, capture_output=True, text=True)
    if r.returncode != 0:
        raise subprocess.CalledProcessError(r.returncode, cmd, r.stdout, r.stderr.strip())


def ip(*args):
    run(["ip", *args])


def setns(fd):
    """Moves the calling thread (only) into the network namespace of fd."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


class Net:
    """The two namespaces and the veth pair between them; cut() and join()
    make and heal the partition."""

    def __init__(self):
        tag = f"{os.getpid() % 100000}"
        self.pi, self.server = f"slpi-{tag}", f"slsrv-{tag}"
        self.pi_dev, self.server_dev = f"slp-{tag}", f"sls-{tag}"
        self.made, self.home = [], None

    def create(self):
        for ns in (self.pi, self.server):
            ip("netns", "add", ns)
            self.made.append(ns)
        ip("link", "add", self.server_dev, "netns", self.server, "type", "veth",
           "peer", "name", self.pi_dev, "netns", self.pi)
        for ns, dev, addr in ((self.server, self.server_dev, SERVER_ADDR),
                              (self.pi, self.pi_dev, PI_ADDR)):
            ip("-n", ns, "addr", "add", f"{addr}/30", "dev", dev)
            ip("-n", ns, "link", "set", dev, "up")
            ip("-n", ns, "link", "set", "lo", "up")

    def enter_server(self):
        self.home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        fd = os.open(f"/run/netns/{self.server}", os.O_RDONLY)
        try:
            setns(fd)
        finally:
            os.close(fd)

    def pi_prefix(self):
        return ["ip", "netns", "exec", self.pi]

    def cut(self):
        for ns, dev in ((self.server, self.server_dev), (self.pi, self.pi_dev)):
            rules = (f"table inet {NFT_TABLE} {{\n chain input {{\n"
                     f"  type filter hook input priority 0; policy accept;\n"
                     f"  iifname \"{dev}\" drop\n }}\n}}\n")
            run(["ip", "netns", "exec", ns, "nft", "-f", "-"], input=rules)

    def join(self):
        for ns in (self.server, self.pi):
            subprocess.run(["ip", "netns", "exec", ns, "nft", "delete", "table", "inet",
                            NFT_TABLE], capture_output=True, text=True)

    def destroy(self):
        """Back home, and the namespaces gone (their veth ends with them)."""
        if self.home is not None:
            setns(self.home)
            os.close(self.home)
            self.home = None
        for ns in self.made:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        self.made = []


@pytest.fixture
def net():
    n = Net()
    try:
        n.create()
    except subprocess.CalledProcessError as e:
        refused = not n.made  # the first `ip netns add`
        n.destroy()
        if refused:
            pytest.skip(f"`ip netns add` refused: {e.stderr}")
        raise RuntimeError(f"{' '.join(e.cmd)} exited {e.returncode}: {e.stderr}") from e
    n.enter_server()
    yield n
    n.destroy()


def jpgs(root):
    return {p for p in visible(root) if p.endswith(".jpg")}


def sidecars(root):
    """{frame path: sidecar} by the sidecars under root (each written whole,
    after its frame)."""
    return {p[:-5] + ".jpg": json.loads((Path(root) / p).read_text())
            for p in visible(root) if p.endswith(".json")}


def frames_whole(root):
    """{relative path: sidecar} of the frames under root, each checked
    whole (its sidecar names its path, size and sha256), and nothing else
    visible there."""
    out = {}
    for rel in sorted(jpgs(root)):
        jpg = Path(root) / rel
        side = json.loads(jpg.with_suffix(".json").read_text())
        assert side["path"] == rel, (rel, side)
        assert jpg.stat().st_size == side["size"] and sha(jpg) == side["sha256"], rel
        out[rel] = side
    assert visible(root) == set(out) | {p[:-4] + ".json" for p in out}
    return out


def leftovers(root, allowed=()):
    """Hidden files (temporaries, partials) still under root."""
    return [str(p) for p in Path(root).rglob(".*")
            if p.is_file() and p.name not in allowed]


class Stack:
    def __init__(self, daemons, net, tmp_path):
        self.daemons, self.net, self.tmp = daemons, net, tmp_path
        self.pi_images, self.server_images = tmp_path / "pi", tmp_path / "server"
        port = free_port()  # this namespace's: the test's thread is in the server's
        self.broker = Broker(tmp_path, port=port, extra=f"listener {port} {SERVER_ADDR}\n")
        self.broker.start()
        self.sshd = Sshd(tmp_path, host=PI_ADDR, prefix=net.pi_prefix()).start()
        self.watcher = Client(self.broker.port)
        self.watcher.subscribe("skylapse/#")
        self.config = window_config(tmp_path, "long", START + timedelta(seconds=SLOTS), 1,
                                    timelapse={"fps": 30, "width": 160, "deflicker": False})
        self.anchor = time.time() + LEAD
        self.common = {"SKYLAPSE_CONFIG": str(self.config),
                       "SKYLAPSE_CLOCK": f"{START.isoformat()},speed={SPEED},"
                                         f"anchor={self.anchor:.3f}"}

    def real_at(self, k):
        return self.anchor + k / SPEED

    def start(self):
        self.capture = self.daemons("skylapse-capture", prefix=self.net.pi_prefix(), env={
            **self.common, "MQTT_URL": f"mqtt://{SERVER_ADDR}:{self.broker.port}",
            "CAMERA_ID": CAM, "CAMERA_SOURCE": "sim", "IMAGES_DIR": str(self.pi_images),
            "PRIMARY_BACKEND": BACKEND, "SKYLAPSE_STATE_DIR": str(self.tmp / "capture-state")},
            workdir=self.tmp)
        self.watcher.wait_message(f"{T}/availability", lambda m: m.payload == b"online",
                                  timeout=20)
        self.encoder = self.daemons("skylapse-encoder", ["--worker", "w1"], env={
            **self.common, "MQTT_URL": self.broker.url, "IMAGES_DIR": str(self.server_images),
            "TIMELAPSES_DIR": str(self.tmp / "timelapses"),
            "SKYLAPSE_STATE_DIR": str(self.tmp / "encoder-state")}, workdir=self.tmp)
        self.scheduler = self.daemons("skylapse-scheduler", env={
            **self.common, "MQTT_URL": self.broker.url, "BACKEND_NAME": BACKEND,
            "CAMERA_ID": CAM, "SKYLAPSE_STATE_DIR": str(self.tmp / "scheduler-state")},
            workdir=self.tmp)
        self.transfer = self.daemons("skylapse-transfer", env={
            **self.common, **self.sshd.env(), "MQTT_URL": self.broker.url, "CAMERA_ID": CAM,
            "PI_SOURCE": str(self.pi_images), "IMAGES_DIR": str(self.server_images),
            "TRANSFER_INTERVAL_MINUTES": "60", "DELETE_AFTER_DAYS": "30",
            "SKYLAPSE_STATE_DIR": str(self.tmp / "transfer-state")}, workdir=self.tmp)
        self.capture.wait_log(f"plan from '{BACKEND}'", timeout=20)
        self.watcher.wait_message("skylapse/transfer/availability",
                                  lambda m: m.payload == b"online", timeout=20)
        assert time.time() < self.anchor, "the stack took too long to start"

    def wait_until_slot(self, k):
        wait_for(lambda: time.time() >= self.real_at(k), self.real_at(k) - time.time() + 30,
                 f"slot {k}")

    def announced(self):
        return Counter(payload_json(m)["path"] for m in self.watcher.all(f"{T}/frames"))

    def transfer_status(self):
        msgs = self.watcher.all("skylapse/transfer/status")
        return payload_json(msgs[-1]) if msgs else {}


def test_partition_for_a_minute_mid_window(net, daemons, tmp_path):
    t_test = time.monotonic()
    s = Stack(daemons, net, tmp_path)
    try:
        run_partition(s, t_test)
    finally:
        for name in ("capture", "scheduler", "transfer", "encoder"):
            if getattr(s, name, None):
                getattr(s, name).stop()
        s.watcher.close()
        s.sshd.stop()
        s.broker.stop()


def run_partition(s, t_test):
    s.start()
    s.wait_until_slot(CUT_AT)
    mark = s.watcher.mark()
    s.net.cut()
    t_cut = time.monotonic()
    # the broker gives the camera up (its keep-alive, 1.5 x 20 s) while the link is gone
    s.watcher.wait_message(f"{T}/availability", lambda m: m.payload == b"offline",
                           start=mark, timeout=CUT_SECONDS)
    wait_for(lambda: time.monotonic() - t_cut >= CUT_SECONDS, CUT_SECONDS + 5, "a minute")
    mark = s.watcher.mark()
    s.net.join()
    t_join, wall_join = time.monotonic(), time.time()
    cut_for = t_join - t_cut

    s.watcher.wait_message(f"{T}/availability", lambda m: m.payload == b"online",
                           start=mark, timeout=90)
    t_back = time.monotonic()
    # recovery: the frames taken before the join announced, then on the server
    before = {p for p, f in sidecars(s.pi_images).items()
              if PLANNED.index(f["slot"]) < (wall_join - s.anchor) * SPEED}
    wait_for(lambda: set(s.announced()) >= before, 90, "the partition's frames announced",
             interval=0.2)
    t_announced = time.monotonic()
    wait_for(lambda: jpgs(s.server_images / CAM) >= before, 180,
             "the partition's frames on the server", interval=0.2)
    t_transferred = time.monotonic()
    s.wait_until_slot(SLOTS + 1)

    # captured: one frame a slot on the Pi, each whole
    wait_for(lambda: len(sidecars(s.pi_images)) >= SLOTS, 30,
             "as many frames as slots on the Pi", interval=0.2)
    pi = frames_whole(s.pi_images)
    per_slot = Counter(f.get("slot") for f in pi.values())
    assert sorted(per_slot) == PLANNED and set(per_slot.values()) == {1}, \
        {k: n for k, n in per_slot.items() if n != 1 or k not in PLANNED}
    assert all(f["schedule"] == "long" and f["backend_name"] == BACKEND for f in pi.values())

    # announced: every frame, nothing else; at least once, so a repeat is allowed
    wait_for(lambda: set(s.announced()) >= set(pi), 90, "every frame announced", interval=0.2)
    announced = s.announced()
    assert set(announced) == set(pi), set(announced) ^ set(pi)
    assert max(announced.values()) <= 2, announced.most_common(3)

    # transferred and verified on the server; the transfer idle with nothing owed
    server_cam = s.server_images / CAM

    def caught_up():
        st = s.transfer_status()
        return (st.get("state") == "idle" and st.get("backlog") == 0 and
                jpgs(server_cam) >= set(pi))
    wait_for(caught_up, 180, "every frame transferred and verified, the transfer idle",
             interval=0.2)
    server = frames_whole(server_cam)
    assert server == pi
    st = s.transfer_status()
    assert st["result"] == "ok" and st["unverified"] == 0, st

    # nothing half-written under any name, no temporary left behind
    assert leftovers(s.pi_images) == []
    assert leftovers(server_cam, allowed={".skylapse-transfer-verified"}) == []
    cam = payload_json(s.watcher.all(f"{T}/status")[-1])
    assert cam["state"] == "idle", cam
    assert s.capture.alive() and s.scheduler.alive() and s.transfer.alive()

    # the window's video ends (no job left running); made once the transfer had the last
    # frames (the scheduler waits for them), it holds every frame of the window
    job = payload_json(s.watcher.wait_message(
        f"skylapse/encoder/jobs/{JOB_ID}",
        lambda m: m.payload and payload_json(m)["state"] in ("done", "failed"), timeout=60))
    assert job["state"] == "done" and job["frames_skipped"] == 0, job
    assert (s.tmp / "timelapses" / job["output"]).stat().st_size == job["size"] > 0
    assert leftovers(s.tmp / "timelapses") == []
    assert job["frames_total"] == SLOTS, job
    by_plan = sum(1 for f in pi.values() if f["request_id"].startswith("plan-"))
    repeats = sum(n - 1 for n in announced.values())
    print(f"\npartition: {SLOTS} slots planned, {len(pi)} captured ({SLOTS - by_plan} by "
          f"request, {by_plan} by plan), {len(announced)} announced ({repeats} repeated), "
          f"{len(server)} transferred and verified, {job['frames_total']} in the window's "
          f"video")
    print(f"partition: link cut {cut_for:.1f} s; after the join: camera online in "
          f"{t_back - t_join:.1f} s, the {len(before)} frames taken before it announced in "
          f"{t_announced - t_join:.1f} s and on the server in {t_transferred - t_join:.1f} s; "
          f"test {time.monotonic() - t_test:.1f} s")
