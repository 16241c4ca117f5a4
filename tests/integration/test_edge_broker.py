"""The edge broker (broker/edge.conf): a mosquitto on the Pi bridged to the server's.

Two real brokers: the "Pi"'s, with the template filled in as
deploy-capture.sh --edge-broker does, and the server's, with the production
config and the ACL of scripts/broker-users.sh (the bridge logs in as the
camera). The capture agent talks to the edge broker, the scheduler to the
server's; between them a TCP relay the test controls stands for the Pi's
Wi-Fi. During a window of short slots on a shared simulated clock
(SKYLAPSE_CLOCK, as test_faults.py) the link is cut for EDGE_CUT_SECONDS of
real time (the bridge's time is real: default 30 s here, `make faults` runs
the issue's five minutes). Every frame announced on the edge must reach the
server once the link is back, in the edge's order, none lost; duplicates
(at least once) are counted. Then what the server sees when the agent or
the whole Pi dies, and the queue kept across a restart of the edge broker.
"""
import json
import math
import os
import socket
import subprocess
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from harness import (AS_ROOT, BACKEND, CAM, R, ROOT, T, Broker, Client, payload_json, rss_kib,
                     wait_for)
from test_faults import window_config

SPEED = 4  # simulated seconds per real second
INTERVAL = 2  # simulated seconds between slots
CUT = float(os.environ.get("EDGE_CUT_SECONDS", "30"))  # real seconds without a link
LEAD, BEFORE, AFTER = 8.0, 5.0, 10.0  # real seconds: to the window, before the cut, after it
START = datetime(2026, 6, 21, 12, 1, tzinfo=timezone(timedelta(hours=-6)))
MINUTES = math.ceil((BEFORE + CUT + AFTER) * SPEED / 60)
SLOTS = MINUTES * 60 // INTERVAL


def password(user):
    return f"pw-{user}"


class Link:
    """A TCP relay standing for the Pi's Wi-Fi: cut() drops every connection
    through it at once (no DISCONNECT: the server's broker sends the bridge's
    will) and refuses new ones until restore()."""

    def __init__(self, target_port):
        self.target = target_port
        self.up = True
        self.pairs = []
        self.lock = threading.Lock()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with self.lock:
                if not self.up:
                    conn.close()
                    continue
                try:
                    far = socket.create_connection(("127.0.0.1", self.target))
                except OSError:
                    conn.close()
                    continue
                self.pairs.append((conn, far))
            for a, b in ((conn, far), (far, conn)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        with self.lock:
            self.up = False
            for pair in self.pairs:
                for s in pair:
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    s.close()
            self.pairs = []

    def restore(self):
        with self.lock:
            self.up = True

    def close(self):
        self.cut()
        self.server.close()


def edge_conf(path, server_port):
    """broker/edge.conf filled in as deploy-capture.sh --edge-broker does
    (the harness's Broker puts in the listener's port and @DATA_DIR@)."""
    text = (ROOT / "broker" / "edge.conf").read_text()
    for key, value in (("@ADDRESS@", f"127.0.0.1:{server_port}"), ("@USERNAME@", CAM),
                       ("@PASSWORD@", password(CAM)), ("@ROOT@", R), ("@CAMERA_HA@", CAM),
                       ("@CAMERA@", CAM), ("@HA@", "homeassistant"), ("@TLS@", "#")):
        text = text.replace(key, value)
    assert "@" not in text.replace("@DATA_DIR@", ""), "a placeholder left in broker/edge.conf"
    path.write_text(text)
    return path


class Pair:
    """The server's broker, the link, the edge broker, and a watcher on each."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        (tmp_path / "server").mkdir()
        (tmp_path / "edge").mkdir()
        done = subprocess.run(
            ["sh", str(ROOT / "scripts" / "broker-users.sh"), "--dir", str(tmp_path / "server"),
             "--backend", BACKEND, "--camera", CAM]
            + [a for u in (BACKEND, CAM, "readonly")
               for a in ("--password-for", f"{u}={password(u)}")],
            capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        self.server = Broker(tmp_path / "server", conf="broker/mosquitto.prod.conf",
                             extra=AS_ROOT).start()
        self.link = Link(self.server.port)
        conf = edge_conf(tmp_path / "edge" / "edge.conf", self.link.port)
        self.edge = Broker(tmp_path / "edge", conf=str(conf), extra=AS_ROOT).start()
        self.central = Client(self.server.port, username="readonly", password=password("readonly"))
        self.central.subscribe(f"{T}/#")
        self.local = Client(self.edge.port)
        self.local.subscribe(f"{T}/#")
        self.link_state(b"1")

    def link_state(self, value, start=0, timeout=60):
        return self.central.wait_message(f"{T}/edge", lambda m: m.payload == value,
                                         timeout=timeout, start=start)

    def close(self):
        for c in (self.central, self.local):
            c.close()
        self.edge.stop()
        self.link.close()
        self.server.stop()


@pytest.fixture
def pair(tmp_path):
    p = Pair(tmp_path)
    yield p
    p.close()


def frames(client, start=0, end=None):
    """The frames announced to client, from its message start to end."""
    with client.lock:
        msgs = client.messages[start:end]
    return [payload_json(m)["path"] for m in msgs if m.topic == f"{T}/frames"]


def test_link_cut_during_a_window_loses_no_announcement(pair, daemons, tmp_path):
    anchor = time.time() + LEAD  # the real moment of 12:01:00
    config = window_config(tmp_path, "edge", START + timedelta(minutes=MINUTES), INTERVAL)
    common = {"SKYLAPSE_CONFIG": str(config),
              "SKYLAPSE_CLOCK": f"{START.isoformat()},speed={SPEED},anchor={anchor:.3f}"}
    images = tmp_path / "images"
    capture = daemons("skylapse-capture", env={
        **common, "MQTT_URL": pair.edge.url, "CAMERA_ID": CAM, "CAMERA_SOURCE": "sim",
        "IMAGES_DIR": str(images), "PRIMARY_BACKEND": BACKEND}, workdir=tmp_path)
    pair.central.wait_message(f"{T}/availability", lambda m: m.payload == b"online", timeout=20)
    daemons("skylapse-scheduler", env={
        **common, "MQTT_URL": pair.server.url, "MQTT_USERNAME": BACKEND,
        "MQTT_PASSWORD": password(BACKEND), "BACKEND_NAME": BACKEND, "CAMERA_ID": CAM},
        workdir=tmp_path)
    capture.wait_log(f"plan from '{BACKEND}'", timeout=20)  # through the bridge
    assert time.time() < anchor, "the stack took too long to start"

    wait_for(lambda: time.time() >= anchor + BEFORE, LEAD + BEFORE + 5, "the cut's moment")
    assert frames(pair.central), "no frame reached the server before the cut"
    cut_local, cut_central = pair.local.mark(), pair.central.mark()
    rss_at_cut = rss_kib(pair.edge.proc.pid)
    pair.link.cut()
    cut_at = time.monotonic()
    pair.link_state(b"0", start=cut_central, timeout=30)  # the bridge's will, at once
    wait_for(lambda: time.monotonic() >= cut_at + CUT, CUT + 5, "the end of the cut")
    back_local, back_central = pair.local.mark(), pair.central.mark()
    rss_queued = rss_kib(pair.edge.proc.pid)
    pair.link.restore()
    back_at = time.monotonic()
    pair.link_state(b"1", start=back_central, timeout=60)
    relinked = time.monotonic() - back_at
    during = frames(pair.local, cut_local, back_local)
    wait_for(lambda: set(frames(pair.central, back_central)) >= set(during), 60,
             "the frames of the cut on the server")
    delivered = time.monotonic() - back_at

    # the window's end, every slot on disk, every announcement on the server
    wait_for(lambda: time.time() >= anchor + MINUTES * 60 / SPEED + 1, AFTER + CUT + 60,
             "the window's end")
    sidecars = lambda: [json.loads(p.read_text()) for p in images.rglob("*.json")]  # noqa: E731
    wait_for(lambda: len(sidecars()) >= SLOTS, 30, "a frame for every slot")
    on_edge = frames(pair.local)
    wait_for(lambda: set(frames(pair.central)) >= set(on_edge), 90,
             "every announcement on the server")

    on_disk = sorted(s["path"] for s in sidecars())
    assert sorted(on_edge) == on_disk  # every frame announced on the edge, once
    assert len(on_disk) == SLOTS and len({s["slot"] for s in sidecars()}) == SLOTS
    on_server = frames(pair.central)
    firsts = list(dict.fromkeys(on_server))
    assert firsts == on_edge  # nothing lost, in order
    duplicates = len(on_server) - len(firsts)
    assert len(during) >= CUT * SPEED / INTERVAL * 0.8, len(during)
    assert not set(during) & set(frames(pair.central, cut_central, back_central))
    assert pair.central.all(f"{T}/availability")[-1].payload == b"online"
    # the scheduler's requests crossed the bridge; the plan took the cut's slots
    by_plan = sum(1 for s in sidecars() if s["request_id"].startswith("plan-"))
    assert by_plan >= len(during) * 0.8 and SLOTS - by_plan >= BEFORE * SPEED / INTERVAL / 2
    with pair.local.lock:  # what the bridge queued: the agent's QoS 1 messages
        queued = [m for m in pair.local.messages[cut_local:back_local]
                  if m.topic != f"{T}/preview" and m.topic != f"{T}/edge"]
    sizes = {}
    for m in queued:
        sizes.setdefault(m.topic.rsplit("/", 1)[1], []).append(len(m.payload))
    mean = ", ".join(f"{len(v)} {k} of {sum(v) / len(v):.0f} B" for k, v in sorted(sizes.items()))
    print(f"\nedge broker: {len(queued)} messages queued during the cut ({mean}), "
          f"its RSS {rss_at_cut} -> {rss_queued} kB "
          f"({(rss_queued - rss_at_cut) * 1024 / max(len(queued), 1):.0f} B a message)")
    print(f"edge broker: link cut {CUT:.0f} s real ({CUT * SPEED / 60:.1f} min simulated); "
          f"{len(on_edge)} frames announced on the edge ({SLOTS - by_plan} slots by request, "
          f"{by_plan} by the plan), {len(during)} during the cut; "
          f"{len(firsts)} on the server in order, {duplicates} duplicates; bridge back "
          f"{relinked:.1f} s after the link, the cut's frames delivered {delivered:.1f} s after it")


def test_the_server_sees_the_agent_stop_and_the_pi_die(pair, daemons, tmp_path):
    """The agent's last will crosses the bridge; when the whole Pi dies (its
    broker killed -9), the bridge's own will on R/<camera>/edge is what the
    server gets."""
    capture = daemons("skylapse-capture", env={
        "MQTT_URL": pair.edge.url, "CAMERA_ID": CAM, "CAMERA_SOURCE": "sim",
        "IMAGES_DIR": str(tmp_path / "images"), "PRIMARY_BACKEND": BACKEND}, workdir=tmp_path)
    pair.central.wait_message(f"{T}/availability", lambda m: m.payload == b"online", timeout=20)
    mark = pair.central.mark()
    capture.kill9()  # the edge broker sends its will: through the bridge
    pair.central.wait_message(f"{T}/availability", lambda m: m.payload == b"offline", start=mark,
                              timeout=30)
    mark = pair.central.mark()
    pair.edge.proc.kill()
    pair.edge.proc.wait()
    pair.link.cut()  # a dead Pi's TCP connections go with it
    pair.link_state(b"0", start=mark, timeout=30)
    late = Client(pair.server.port, username="readonly", password=password("readonly"))
    try:
        late.subscribe(f"{T}/#")
        got = {m.topic: (m.payload, bool(m.retain)) for m in (
            late.wait_message(f"{T}/edge"), late.wait_message(f"{T}/availability"))}
    finally:
        late.close()
    assert got == {f"{T}/edge": (b"0", True), f"{T}/availability": (b"offline", True)}


def test_the_queue_outlives_a_restart_of_the_edge_broker(pair):
    """Persistent: what was queued for the server while the link was down is
    saved when the Pi's broker stops, and sent when it runs again and the
    link is back, in order."""
    pair.link.cut()
    pair.link_state(b"0", timeout=30)
    pi = Client(pair.edge.port)
    sent = [json.dumps({"path": f"queued-{k}"}).encode() for k in range(200)]
    try:
        for payload in sent:
            pi.publish(f"{T}/frames", payload)
    finally:
        pi.close()
    pair.local.close()
    pair.edge.stop()  # SIGTERM: mosquitto saves its state
    pair.edge.start()  # the same port and persistence folder
    pair.local = Client(pair.edge.port)
    mark = pair.central.mark()
    pair.link.restore()
    wait_for(lambda: len(frames(pair.central, mark)) >= len(sent), 90, "the queue on the server")
    got = [f"queued-{k}" for k in range(len(sent))]
    assert list(dict.fromkeys(frames(pair.central, mark))) == got
