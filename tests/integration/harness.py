"""Integration-test harness: the real mosquitto, the real daemons, a real client.

Everything waits on something observable (a port, a message, a file) with a
timeout; nothing sleeps to synchronise. Ports are free ports picked per test.
"""
import hashlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from datetime import timezone
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("SKYLAPSE_BIN", ROOT / "build" / "bin"))
SANITIZE = os.environ.get("SANITIZE") == "1"
# every Daemon started, so conftest can read their logs for sanitizer reports
STARTED = []
# the broker implementation the `broker` fixture starts (docs/BROKERS.md): mosquitto, ejabberd
TEST_BROKER = os.environ.get("SKYLAPSE_TEST_BROKER", "mosquitto")
# (user, password) that clients and daemons log in with when the running broker needs one
LOGIN = None
# the system under test: its camera, its backend, the MQTT topic root, the camera's and the
# backend's topics
CAM, BACKEND, R = "helios", "dagon", "skylapse"
T = f"{R}/{CAM}"
ST = f"{R}/backend/{BACKEND}"
# a Broker's `extra` for the production configs: run as root, mosquitto would switch to
# the `mosquitto` user, which cannot enter pytest's private temporary directories
AS_ROOT = "user root\n" if os.geteuid() == 0 else ""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# SKYLAPSE_VALGRIND=1 (make valgrind): every daemon under valgrind's memcheck, its reports in
# the daemon's log, where conftest.py looks for them (a definite leak is a report)
VALGRIND = ["valgrind", "-q", "--leak-check=full", "--show-leak-kinds=definite",
            "--errors-for-leak-kinds=definite", "--num-callers=30"] \
    if os.environ.get("SKYLAPSE_VALGRIND") == "1" else []
SLOWER = 8 if VALGRIND else 1


def wait_for(predicate, timeout=10.0, what="condition", interval=0.02):
    """Polls predicate() until it returns a true value; raises on timeout
    (SLOWER times later under valgrind, whose daemons run many times slower)."""
    timeout *= SLOWER
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def wait_port(port, timeout=10.0, host="127.0.0.1"):
    def ready():
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return True
        except OSError:
            return False
    wait_for(ready, timeout, f"port {port}")


class Server:
    """A process a test started (proc); stop() ends it with SIGTERM."""
    proc = None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None


class Broker(Server):
    """mosquitto with the project's development config, on a free port."""

    def __init__(self, workdir, conf="broker/mosquitto.conf", port=None, extra=""):
        self.workdir = Path(workdir)
        self.port = port or free_port()
        self.conf_src = ROOT / conf
        self.extra = extra

    def conf_text(self):
        text = self.conf_src.read_text()
        out = []
        for line in text.splitlines():
            if line.startswith("listener "):
                parts = line.split()
                parts[1] = str(self.port)
                line = " ".join(parts)
            out.append(line.replace("@BROKER_DIR@", str(ROOT / "broker"))
                       .replace("@DATA_DIR@", str(self.workdir)))
        return "\n".join(out) + "\n" + self.extra

    def start(self):
        conf = self.workdir / f"mosquitto-{self.port}.conf"
        conf.write_text(self.conf_text())
        self.log = open(self.workdir / f"mosquitto-{self.port}.log", "ab")
        self.proc = subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        wait_port(self.port)
        return self

    @property
    def url(self):
        return f"mqtt://127.0.0.1:{self.port}"


class Ejabberd(Broker):
    """ejabberd's MQTT broker (mod_mqtt, Debian's ejabberd) on a free port, as a
    second implementation to run the core tests against (SKYLAPSE_TEST_BROKER=
    ejabberd). It logs clients in only with a user name: anonymous login takes
    any, so LOGIN is set for every client and daemon, and for mosquitto_pub and
    mosquitto_sub through their options file. Each start is a fresh broker (a new
    spool), as a restarted mosquitto without persistence is."""

    def start(self):
        global LOGIN
        home = self.workdir / f"ejabberd-{self.port}"
        spool = home / "spool"
        shutil.rmtree(spool, ignore_errors=True)
        spool.mkdir(parents=True)
        (home / "ejabberd.yml").write_text(
            "hosts: [localhost]\nloglevel: warning\nauth_method: [anonymous]\n"
            "anonymous_protocol: login_anon\n"
            f"listen:\n  - port: {self.port}\n    ip: 127.0.0.1\n    module: mod_mqtt\n"
            "modules:\n  mod_mqtt: {}\n")
        LOGIN = ("skylapse", "anonymous")
        (home / "mosquitto_pub").write_text(f"-u {LOGIN[0]}\n-P {LOGIN[1]}\n")
        (home / "mosquitto_sub").write_text(f"-u {LOGIN[0]}\n-P {LOGIN[1]}\n")
        os.environ["XDG_CONFIG_HOME"] = str(home)
        env = dict(os.environ, HOME=str(home), ERL_LIBS="/usr/lib/x86_64-linux-gnu",
                   EJABBERD_CONFIG_PATH=str(home / "ejabberd.yml"),
                   EJABBERD_LOG_PATH=str(home / "ejabberd.log"))
        self.log = open(home / "erl.log", "ab")
        # not a distributed node: no epmd, nothing listens but the MQTT port
        self.proc = subprocess.Popen(
            ["erl", "-noinput", "-mnesia", "dir", f'"{spool}"', "-s", "ejabberd"],
            env=env, cwd=str(home), stdout=self.log, stderr=subprocess.STDOUT)
        wait_port(self.port, timeout=90)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # the Erlang VM stops cleanly on SIGTERM
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def start_test_broker(workdir):
    """The broker implementation named by SKYLAPSE_TEST_BROKER, started."""
    if TEST_BROKER == "ejabberd":
        return Ejabberd(workdir).start()
    if TEST_BROKER != "mosquitto":
        raise ValueError(f"SKYLAPSE_TEST_BROKER: unknown broker '{TEST_BROKER}'")
    return Broker(workdir).start()


class Daemon:
    """One of our binaries, with its stderr kept in a log file; `prefix` runs
    it through a wrapper that ends in exec (`ip netns exec NAME`)."""

    def __init__(self, name, args=(), env=None, workdir=None, prefix=()):
        self.name = name
        self.args = list(args)
        self.prefix = list(prefix)
        self.env = dict(os.environ)
        self.workdir = Path(workdir or tempfile.mkdtemp())
        # agents keep state files (plan, journal): one folder per daemon unless the test shares one
        self.env.setdefault("SKYLAPSE_STATE_DIR", str(self.workdir / f"state-{name}"))
        if LOGIN:
            self.env.setdefault("MQTT_USERNAME", LOGIN[0])
            self.env.setdefault("MQTT_PASSWORD", LOGIN[1])
        self.env.update(env or {})
        self.logpath = self.workdir / f"{name}-{id(self)}.log"
        self.proc = None

    def start(self):
        self.logfile = open(self.logpath, "ab")
        self.proc = subprocess.Popen([*self.prefix, *VALGRIND, str(BIN / self.name), *self.args],
                                     env=self.env,
                                     stdout=self.logfile, stderr=subprocess.STDOUT,
                                     cwd=str(ROOT))
        STARTED.append(self)
        return self

    def log(self):
        return self.logpath.read_text(errors="replace")

    def wait_log(self, text, timeout=10.0):
        return wait_for(lambda: text in self.log(), timeout, f"'{text}' in {self.name} log")

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=10.0):
        """SIGTERM and wait; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            rc = self.proc.wait(timeout * SLOWER)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.logfile.close()
        return rc

    def kill9(self):
        self.proc.kill()
        self.proc.wait()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None


class Client:
    """A paho-mqtt client (MQTT 5) that records every message it receives.
    Raises ConnectionRefusedError when the broker refuses the connection."""

    def __init__(self, broker_port, client_id=None, username=None, password=None, v5=True):
        self.messages = []
        self.lock = threading.Lock()
        self.connected = threading.Event()
        self.connack = None
        proto = mqtt.MQTTv5 if v5 else mqtt.MQTTv311
        self.c = mqtt.Client(client_id=client_id or f"test-{os.getpid()}-{id(self)}",
                             protocol=proto)
        if username is None and LOGIN:
            username, password = LOGIN
        if username:
            self.c.username_pw_set(username, password)
        self.c.on_message = self._on_message
        self.c.on_connect = self._on_connect
        self.c.connect("127.0.0.1", broker_port)
        # small messages must not wait for delayed ACKs: latency is measured here
        self.c.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.c.loop_start()
        if not self.connected.wait(10):
            self.c.loop_stop()
            raise TimeoutError("client could not connect")
        if self.connack_code() != 0:
            self.c.disconnect()  # also stops paho's reconnect attempts
            self.c.loop_stop()
            raise ConnectionRefusedError(f"broker refused {username or 'anonymous'}: {self.connack}")

    def _on_connect(self, client, userdata, flags, rc, properties=None):
        self.connack = rc
        self.connected.set()

    def connack_code(self):
        """The CONNACK's return (3.1.1) or reason (5) code; 0 is accepted."""
        return getattr(self.connack, "value", self.connack)

    def _on_message(self, client, userdata, msg):
        with self.lock:
            self.messages.append(msg)

    def subscribe(self, topic, qos=1):
        got = threading.Event()
        self.c.on_subscribe = lambda *a, **k: got.set()
        self.c.subscribe(topic, qos)
        if not got.wait(10):
            raise TimeoutError(f"no SUBACK for {topic}")

    def publish(self, topic, payload, qos=1, retain=False, props=None):
        info = self.c.publish(topic, payload, qos=qos, retain=retain, properties=props)
        info.wait_for_publish(10)
        return info

    def request_props(self, response_topic, correlation, expiry=None):
        p = Properties(PacketTypes.PUBLISH)
        p.ResponseTopic = response_topic
        p.CorrelationData = correlation
        if expiry is not None:
            p.MessageExpiryInterval = expiry
        return p

    def wait_message(self, topic, predicate=lambda m: True, timeout=10.0, start=0):
        """The first message on topic (exact or mqtt-matching filter) after
        index `start` that satisfies predicate."""
        def find():
            with self.lock:
                for m in self.messages[start:]:
                    if mqtt.topic_matches_sub(topic, m.topic) and predicate(m):
                        return m
            return None
        return wait_for(find, timeout, f"message on {topic}")

    def mark(self):
        with self.lock:
            return len(self.messages)

    def all(self, topic, start=0):
        with self.lock:
            return [m for m in self.messages[start:] if mqtt.topic_matches_sub(topic, m.topic)]

    def close(self):
        # Disconnecting first lets paho's thread end at once instead of at its
        # next one-second select timeout.
        self.c.disconnect()
        self.c.loop_stop()


def payload_json(msg):
    return json.loads(msg.payload.decode())


def utc_ms(t):
    """t as the daemons write a time: UTC, to the millisecond, with a Z."""
    return t.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sim_config(folder, name="config.json", **capture):
    """Writes folder/name: config/config.json with the sim camera's frames 640x480 and
    the other capture settings given (sim_width=...); returns its path."""
    cfg = json.loads((ROOT / "config" / "config.json").read_text())
    cfg["capture"] = {"sim_width": 640, "sim_height": 480, **capture}
    path = Path(folder) / name
    path.write_text(json.dumps(cfg))
    return path


def sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def put_frame(jpg, data, **sidecar):
    """Writes the frame jpg (its folders made) and its sidecar: the frame's size and
    sha256, and the fields given (which win)."""
    jpg = Path(jpg)
    jpg.parent.mkdir(parents=True, exist_ok=True)
    jpg.write_bytes(data)
    side = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest(), **sidecar}
    jpg.with_suffix(".json").write_text(json.dumps(side))


def visible(root):
    """The relative paths of the files under root that are not hidden."""
    return {str(p.relative_to(root)) for p in Path(root).rglob("*") if p.is_file() and
            not any(part.startswith(".") for part in p.relative_to(root).parts)}


def rss_kib(pid):
    """The resident memory (VmRSS) of process pid, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")
