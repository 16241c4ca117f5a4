"""The production broker: users and ACL from scripts/broker-users.sh and
broker/acl.template, enforced by the real mosquitto with broker/mosquitto.prod.conf.

A denied publish is proven absent without waiting it out: right after it, a
user who is allowed publishes a marker that the same observer can read. A QoS 1
publish is queued to every subscriber before the broker's PUBACK, and one
subscriber's messages arrive in order, so once the marker is in, the denied
message would have been in before it.
"""
import json
import shutil
import signal
import subprocess
import uuid

import pytest

from harness import AS_ROOT, ROOT, Broker, Client, Daemon, free_port, wait_for
from schemas import validate

SCRIPT = ROOT / "scripts" / "broker-users.sh"
PRIMARY, SECONDARY = "dagon", "other"
CAMERAS = ("helios", "apollo", "sky-1")
USERS = (PRIMARY, SECONDARY, *CAMERAS, "encoder", "transfer", "readonly")


def password(user):
    return f"pw-{user}-{user[::-1]}"


def make_users(directory, cameras=CAMERAS, passwords=True):
    args = ["sh", str(SCRIPT), "--dir", str(directory), "--backend", PRIMARY,
            "--secondary-backend", SECONDARY]
    for cam in cameras:
        args += ["--camera", cam]
    for user in USERS if passwords else ():
        args += ["--password-for", f"{user}={password(user)}"]
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def start_broker(directory, port=None):
    return Broker(directory, conf="broker/mosquitto.prod.conf", port=port, extra=AS_ROOT).start()


def login(broker, user):
    return Client(broker.port, username=user, password=password(user))


@pytest.fixture(scope="module")
def prod(tmp_path_factory):
    """One production broker and one client per user, each subscribed to '#'
    (mosquitto grants every subscription; `read` filters delivery)."""
    directory = tmp_path_factory.mktemp("prod-broker")
    done = make_users(directory)
    assert done.returncode == 0, done.stderr
    broker = start_broker(directory)
    clients = {}
    try:
        for user in USERS:
            clients[user] = login(broker, user)
            clients[user].subscribe("#")
        yield broker, clients
    finally:
        for c in clients.values():
            c.close()
        broker.stop()


def probe(observer, publisher, topic, marker_by, marker_topic=None):
    """Publishes a probe then a marker; returns whether the observer got the probe."""
    token = uuid.uuid4().hex
    marker_topic = marker_topic or topic
    start = observer.mark()
    publisher.publish(topic, f"probe-{token}")
    marker_by.publish(marker_topic, f"marker-{token}")
    marker = observer.wait_message(marker_topic, lambda m: m.payload == f"marker-{token}".encode(),
                                   start=start)
    seen = [m for m in observer.all("#", start) if m.payload == f"probe-{token}".encode()]
    if seen:
        assert seen[0].topic == topic
        assert observer.all("#", start).index(seen[0]) < observer.all("#", start).index(marker)
    return bool(seen)


def test_anonymous_and_wrong_passwords_are_refused(prod):
    broker, _ = prod
    with pytest.raises(ConnectionRefusedError):
        Client(broker.port)
    with pytest.raises(ConnectionRefusedError):
        Client(broker.port, username=PRIMARY, password="wrong")
    with pytest.raises(ConnectionRefusedError):
        Client(broker.port, username="mallory", password="anything")


REQUEST = f"skylapse/{CAMERAS[0]}/capture/request"


@pytest.mark.parametrize("sender,reaches", [
    (PRIMARY, True),
    (SECONDARY, False),   # another backend
    ("helios", True),     # the camera itself: its Pi's port 8080 API (seed's POST /capture)
    ("apollo", False),    # another camera
    ("readonly", False),  # Home Assistant, dashboards
    ("encoder", False),
    ("transfer", False),
])
def test_only_the_primary_backends_capture_requests_reach_the_camera(prod, sender, reaches):
    _, c = prod
    got = probe(c["helios"], c[sender], REQUEST, marker_by=c[PRIMARY])
    assert got == reaches, f"{sender}'s capture request {'did not reach' if reaches else 'reached'} the camera"


OWN = ("availability", "status", "frames", "preview", "capture/response",
       "capture/response/dagon-7")

# (publisher, topic, allowed, marker publisher, marker topic or None = same topic),
# all observed by the primary backend, which reads skylapse/# and homeassistant/#.
WRITES = [
    *[("helios", f"skylapse/helios/{t}", True, "helios", None) for t in OWN],
    *[("helios", f"skylapse/apollo/{t}", False, "apollo", None) for t in OWN],
    ("helios", "skylapse/helios/plan", False, PRIMARY, None),
    ("helios", "skylapse/backend/dagon/status", False, PRIMARY, None),
    ("helios", "skylapse/encoder/jobs", False, PRIMARY, None),
    ("helios", "homeassistant/device/skylapse_helios/config", True, "helios", None),
    ("helios", "homeassistant/device/skylapse_apollo/config", False, "apollo", None),
    ("helios", "homeassistant/sensor/helios/disk/config", False, "helios",
     "homeassistant/device/skylapse_helios/config"),
    ("helios", "homeassistant/status", False, "readonly", None),
    # a camera id with '-' writes the device id Home Assistant allows ('_')
    ("sky-1", "homeassistant/device/skylapse_sky_1/config", True, "sky-1", None),
    ("sky-1", "homeassistant/device/skylapse_helios/config", False, "helios", None),
    (PRIMARY, "skylapse/helios/plan", True, PRIMARY, None),
    (PRIMARY, "skylapse/backend/dagon/status", True, PRIMARY, None),
    (PRIMARY, "skylapse/backend/other/status", False, SECONDARY, None),
    (PRIMARY, "skylapse/encoder/jobs", True, PRIMARY, None),
    (PRIMARY, "skylapse/encoder/jobs/j1/cancel", True, PRIMARY, None),
    (PRIMARY, "skylapse/helios/status", False, "helios", None),
    (PRIMARY, "homeassistant/switch/anything/sunset/config", True, PRIMARY, None),
    (PRIMARY, "homeassistant/device/skylapse_backend_dagon/config", True, PRIMARY, None),
    (PRIMARY, "skylapse/backend/dagon/cameras/helios/profile/state", True, PRIMARY, None),
    # PUT /config's notice: the backend's own bridge only (a reload for anyone else's asking)
    (PRIMARY, "skylapse/backend/dagon/config/changed", True, PRIMARY, None),
    (SECONDARY, "skylapse/backend/dagon/config/changed", False, PRIMARY, None),
    ("readonly", "skylapse/backend/dagon/config/changed", False, PRIMARY, None),
    ("helios", "skylapse/backend/dagon/config/changed", False, PRIMARY, None),
    (SECONDARY, "skylapse/backend/other/status", True, SECONDARY, None),
    (SECONDARY, "skylapse/backend/dagon/status", False, PRIMARY, None),
    # the seed guide: the dev backend "can read status but can't trigger captures"
    (SECONDARY, "skylapse/backend/dagon/capture/request", False, PRIMARY, None),
    (SECONDARY, "skylapse/helios/plan", False, PRIMARY, None),
    (SECONDARY, "skylapse/encoder/jobs", True, PRIMARY, None),
    (SECONDARY, "homeassistant/device/skylapse_backend_other/config", True, SECONDARY, None),
    (SECONDARY, "homeassistant/device/skylapse_backend_dagon/config", False, PRIMARY, None),
    (SECONDARY, "skylapse/backend/other/cameras/helios/profile/state", True, SECONDARY, None),
    ("encoder", "skylapse/encoder/jobs/j1", True, "encoder", None),
    ("encoder", "skylapse/encoder/w1/availability", True, "encoder", None),
    ("encoder", "skylapse/encoder/thumbnail", True, "encoder", None),
    ("encoder", "skylapse/encoder/w1/status", True, "encoder", None),
    ("helios", "skylapse/encoder/w1/status", False, "encoder", None),
    # each service writes its own Home Assistant device, nobody else's
    ("encoder", "homeassistant/device/skylapse_encoder/w1/config", True, "encoder", None),
    ("encoder", "homeassistant/device/skylapse_transfer/config", False, "transfer", None),
    ("encoder", "homeassistant/device/skylapse_helios/config", False, "helios", None),
    ("encoder", "homeassistant/status", False, "readonly", None),
    ("transfer", "homeassistant/device/skylapse_transfer/config", True, "transfer", None),
    ("transfer", "homeassistant/device/skylapse_encoder/w1/config", False, "encoder", None),
    ("transfer", "homeassistant/device/skylapse_backend_dagon/config", False, PRIMARY, None),
    ("helios", "homeassistant/device/skylapse_encoder/w1/config", False, "encoder", None),
    ("readonly", "homeassistant/device/skylapse_transfer/config", False, "transfer", None),
    ("helios", "skylapse/encoder/thumbnail", False, "encoder", None),
    ("encoder", "skylapse/encoder/keogram", True, "encoder", None),
    ("encoder", "skylapse/encoder/startrails", True, "encoder", None),
    ("helios", "skylapse/encoder/startrails", False, "encoder", None),
    ("encoder", "skylapse/encoder/jobs", False, PRIMARY, None),
    ("encoder", "skylapse/transfer/status", False, "transfer", None),
    ("transfer", "skylapse/transfer/status", True, "transfer", None),
    ("transfer", "skylapse/helios/frames", False, "helios", None),
    ("readonly", "skylapse/backend/dagon/capture/request", True, PRIMARY, None),
    ("readonly", "skylapse/backend/dagon/schedules/sunset/set", True, PRIMARY, None),
    ("readonly", "skylapse/backend/dagon/schedules/sunset/state", False, PRIMARY, None),
    ("readonly", "skylapse/backend/dagon/cameras/helios/profile/set", True, PRIMARY, None),
    ("readonly", "skylapse/backend/dagon/cameras/helios/profile/state", False, PRIMARY, None),
    ("readonly", "skylapse/backend/dagon/timelapse/today", True, PRIMARY, None),
    ("readonly", "skylapse/backend/dagon/timelapse/week", False, PRIMARY, None),
    ("readonly", "homeassistant/device/skylapse_helios/config", False, "helios", None),
    ("readonly", "skylapse/backend/dagon/status", False, PRIMARY, None),
    ("readonly", "skylapse/helios/status", False, "helios", None),
    ("readonly", "skylapse/readonly/status", False, "helios", "skylapse/helios/status"),
    ("readonly", "skylapse/encoder/jobs", False, PRIMARY, None),
    ("readonly", "homeassistant/status", True, "readonly", None),
]


@pytest.mark.parametrize("publisher,topic,allowed,marker_by,marker_topic", WRITES,
                         ids=[f"{r[0]}->{r[1]}" for r in WRITES])
def test_who_may_publish_where(prod, publisher, topic, allowed, marker_by, marker_topic):
    _, c = prod
    got = probe(c[PRIMARY], c[publisher], topic, c[marker_by], marker_topic)
    assert got == allowed, f"{publisher} {'could not' if allowed else 'could'} publish {topic}"


# (reader, publisher, topic, readable, marker publisher, marker topic or None)
READS = [
    ("helios", PRIMARY, "skylapse/helios/plan", True, PRIMARY, None),
    ("apollo", PRIMARY, "skylapse/helios/plan", False, PRIMARY, "skylapse/apollo/plan"),
    ("apollo", PRIMARY, REQUEST, False, PRIMARY, "skylapse/apollo/capture/request"),
    ("helios", "apollo", "skylapse/apollo/status", False, "helios", "skylapse/helios/status"),
    ("readonly", "helios", "skylapse/helios/status", True, "helios", None),
    ("readonly", "helios", "skylapse/helios/frames", True, "helios", None),
    ("readonly", PRIMARY, REQUEST, True, PRIMARY, None),
    ("readonly", "helios", "homeassistant/device/skylapse_helios/config", True, "helios", None),
    # cameras hear Home Assistant's birth message, nothing else of it
    ("helios", "readonly", "homeassistant/status", True, "readonly", None),
    ("helios", PRIMARY, "homeassistant/device/skylapse_backend_dagon/config", False,
     "readonly", "homeassistant/status"),
    (SECONDARY, "helios", "skylapse/helios/status", True, "helios", None),
    ("transfer", "helios", "skylapse/helios/frames", True, "helios", None),
    ("transfer", PRIMARY, REQUEST, False, "helios", "skylapse/helios/frames"),
    ("encoder", PRIMARY, "skylapse/encoder/jobs/j2/cancel", True, PRIMARY, None),
    ("encoder", PRIMARY, REQUEST, False, PRIMARY, "skylapse/encoder/jobs/j2/cancel"),
    # the services hear Home Assistant's birth message, not the devices
    ("encoder", "readonly", "homeassistant/status", True, "readonly", None),
    ("transfer", "readonly", "homeassistant/status", True, "readonly", None),
    ("encoder", "helios", "homeassistant/device/skylapse_helios/config", False,
     "readonly", "homeassistant/status"),
    ("transfer", "encoder", "homeassistant/device/skylapse_encoder/w1/config", False,
     "readonly", "homeassistant/status"),
]


@pytest.mark.parametrize("reader,publisher,topic,readable,marker_by,marker_topic", READS,
                         ids=[f"{r[0]}<-{r[2]}" for r in READS])
def test_who_may_read_what(prod, reader, publisher, topic, readable, marker_by, marker_topic):
    _, c = prod
    got = probe(c[reader], c[publisher], topic, c[marker_by], marker_topic)
    assert got == readable, f"{reader} {'could not' if readable else 'could'} read {topic}"


def test_readonly_reads_retained_camera_status(prod):
    broker, c = prod
    status = {"state": "idle", "camera_model": None, "source": "sim", "camera_ready": True,
              "primary_backend": PRIMARY, "profiles": ["a", "b"], "last_capture": None,
              "captures_total": 0, "errors_total": 0, "last_error": None, "disk": None,
              "version": "test", "started_at": "2025-06-21T04:12:33.250Z"}
    validate(status, "camera-status")
    c["helios"].publish("skylapse/helios/status", json.dumps(status), retain=True)
    late = login(broker, "readonly")
    try:
        late.subscribe("skylapse/+/status")
        msg = late.wait_message("skylapse/helios/status")
        assert msg.retain
        validate(msg.payload, "camera-status")
    finally:
        late.close()
        c["helios"].publish("skylapse/helios/status", b"", retain=True)


def test_encoder_takes_jobs_through_the_shared_subscription(prod):
    broker, c = prod
    worker = login(broker, "encoder")
    try:
        worker.subscribe("$share/encoders/skylapse/encoder/jobs")
        # a camera's job is dropped; the backend's arrives, on the plain topic
        assert not probe(worker, c["helios"], "skylapse/encoder/jobs", c[PRIMARY])
        assert probe(worker, c[PRIMARY], "skylapse/encoder/jobs", c[PRIMARY])
    finally:
        worker.close()


@pytest.mark.parametrize("user", USERS)
def test_every_client_echoes_on_its_own_sync_topic_only(prod, user):
    """lib/mqtt's sync marker: skylapse/sync/<client id> is each client's own."""
    broker, c = prod
    me = Client(broker.port, client_id=f"sync-{user}", username=user, password=password(user))
    try:
        me.subscribe("skylapse/sync/#")
        assert probe(me, me, f"skylapse/sync/sync-{user}", me)
        assert not probe(me, me, "skylapse/sync/someone-else", me, f"skylapse/sync/sync-{user}")
    finally:
        me.close()


def test_the_agents_see_their_retained_state_in_under_the_acl(prod, tmp_path):
    """The encoder worker and the bridge, logged in as their users, get their own sync
    marker back (no 5 s fallback), so the worker takes jobs and /health says ok."""
    broker, _ = prod
    cfg = tmp_path / "config.json"
    cfg.write_text((ROOT / "config" / "config.json").read_text())
    env = {"MQTT_URL": broker.url, "SKYLAPSE_CONFIG": str(cfg)}
    worker = Daemon("skylapse-encoder", ["--worker", "w1"], dict(
        env, MQTT_USERNAME="encoder", MQTT_PASSWORD=password("encoder"),
        IMAGES_DIR=str(tmp_path / "images"), TIMELAPSES_DIR=str(tmp_path / "tl")),
        tmp_path).start()
    port = free_port()
    bridge = Daemon("skylapse-bridge", ["--port", str(port), "--bind", "127.0.0.1"], dict(
        env, MQTT_USERNAME=PRIMARY, MQTT_PASSWORD=password(PRIMARY), BACKEND_NAME=PRIMARY,
        IMAGES_DIR=str(tmp_path / "images"), TIMELAPSES_DIR=str(tmp_path / "tl"),
        DASHBOARD_DIR=""), tmp_path).start()
    try:
        worker.wait_log("worker w1 ready", 4)
        bridge.wait_log("retained state in", 4)
        assert "no echo on" not in worker.log() + bridge.log()
    finally:
        worker.stop()
        bridge.stop()


def test_retained_state_survives_a_restart(tmp_path):
    assert make_users(tmp_path).returncode == 0
    broker = start_broker(tmp_path)
    port = broker.port
    try:
        cam = login(broker, "helios")
        cam.publish("skylapse/helios/availability", "online", retain=True)
        cam.close()
    finally:
        broker.stop()
    assert (tmp_path / "mosquitto.db").exists()
    broker = start_broker(tmp_path, port=port)
    try:
        reader = login(broker, "readonly")
        reader.subscribe("skylapse/+/availability")
        msg = reader.wait_message("skylapse/helios/availability")
        assert msg.retain and msg.payload == b"online"
        reader.close()
    finally:
        broker.stop()


def test_secondary_backends_capture_only_when_allowed(tmp_path):
    """--secondary-can-capture opens the primary's relay to the other backends, and
    nothing more: still no capture request straight to a camera."""
    args = ["sh", str(SCRIPT), "--dir", str(tmp_path), "--backend", PRIMARY,
            "--secondary-backend", SECONDARY, "--secondary-can-capture", "--camera", "helios"]
    for user in (PRIMARY, SECONDARY, "helios"):
        args += ["--password-for", f"{user}={password(user)}"]
    assert subprocess.run(args, capture_output=True, timeout=60).returncode == 0
    broker = start_broker(tmp_path)
    clients = [login(broker, u) for u in (PRIMARY, SECONDARY, "helios")]
    try:
        primary, secondary, cam = clients
        primary.subscribe("skylapse/#")
        cam.subscribe("skylapse/#")
        assert probe(primary, secondary, "skylapse/backend/dagon/capture/request", primary)
        assert not probe(cam, secondary, REQUEST, primary)
    finally:
        for c in clients:
            c.close()
        broker.stop()


def test_new_camera_logs_in_after_sighup(tmp_path):
    assert make_users(tmp_path).returncode == 0
    broker = start_broker(tmp_path)
    try:
        with pytest.raises(ConnectionRefusedError):
            Client(broker.port, username="zeus", password="zeus-pw")
        args = ["sh", str(SCRIPT), "--dir", str(tmp_path), "--backend", PRIMARY,
                "--secondary-backend", SECONDARY, "--password-for", "zeus=zeus-pw"]
        for cam in (*CAMERAS, "zeus"):
            args += ["--camera", cam]
        assert subprocess.run(args, capture_output=True, timeout=60).returncode == 0
        broker.proc.send_signal(signal.SIGHUP)

        def accepted():
            try:
                return Client(broker.port, username="zeus", password="zeus-pw")
            except ConnectionRefusedError:
                return None
        clients = [wait_for(accepted, what="zeus accepted after SIGHUP"),
                   login(broker, PRIMARY), login(broker, "helios")]
        zeus, watcher, helios = clients
        watcher.subscribe("skylapse/#")
        assert probe(watcher, zeus, "skylapse/zeus/status", zeus)
        assert not probe(watcher, zeus, "skylapse/helios/status", helios)
        for c in clients:
            c.close()
    finally:
        broker.stop()


def test_discovery_prefix_moves_every_home_assistant_right(tmp_path):
    """--ha-prefix: each user writes its device and reads the birth message
    under Home Assistant's configured prefix, and no longer under the default."""
    args = ["sh", str(SCRIPT), "--dir", str(tmp_path), "--backend", PRIMARY,
            "--camera", "helios", "--ha-prefix", "home/ha"]
    users = (PRIMARY, "helios", "encoder", "transfer", "readonly")
    for user in users:
        args += ["--password-for", f"{user}={password(user)}"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    acl = (tmp_path / "acl").read_text()
    assert "homeassistant" not in acl and "@HA@" not in acl
    broker = start_broker(tmp_path)
    c = {u: login(broker, u) for u in users}
    try:
        for u in users:
            c[u].subscribe("#")
        for user, device in (("helios", "skylapse_helios"), ("encoder", "skylapse_encoder/w1"),
                             ("transfer", "skylapse_transfer")):
            assert probe(c[PRIMARY], c[user], f"home/ha/device/{device}/config", c[user])
            assert not probe(c[PRIMARY], c[user], f"homeassistant/device/{device}/config",
                             c[user], f"home/ha/device/{device}/config")
            assert probe(c[user], c["readonly"], "home/ha/status", c["readonly"])
    finally:
        for client in c.values():
            client.close()
        broker.stop()
    bad = subprocess.run(["sh", str(SCRIPT), "--dir", str(tmp_path / "b"), "--backend", PRIMARY,
                          "--ha-prefix", "ha/#"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "--ha-prefix" in bad.stderr


def test_users_script_is_idempotent_and_prunes_dropped_users(tmp_path):
    assert make_users(tmp_path).returncode == 0
    before = (tmp_path / "passwd").read_text()
    assert [line.split(":")[0] for line in before.splitlines()] == list(USERS)
    # the same users without passwords: everyone keeps theirs, nothing printed
    again = make_users(tmp_path, passwords=False)
    assert again.returncode == 0 and again.stdout == "", again.stderr
    assert (tmp_path / "passwd").read_text() == before
    # apollo dropped, a new camera gets a random password, printed once
    done = make_users(tmp_path, cameras=("helios", "zeus"), passwords=False)
    assert done.returncode == 0, done.stderr
    users = [line.split(":")[0] for line in (tmp_path / "passwd").read_text().splitlines()]
    assert "apollo" not in users and "zeus" in users
    printed = done.stdout.split()
    assert printed[0] == "zeus" and len(printed) == 2 and len(printed[1]) >= 16
    acl = (tmp_path / "acl").read_text()
    assert "user zeus" in acl and "user apollo" not in acl and "@" not in acl.replace("$share", "")


@pytest.mark.parametrize("args,complaint", [
    (["--camera", "helios"], "--backend NAME is required"),
    (["--backend", PRIMARY, "--camera", "Helios"], "not a valid id"),
    (["--backend", PRIMARY, "--camera", "encoder"], "reserved"),
    (["--backend", PRIMARY, "--camera", PRIMARY], "named twice"),
    (["--backend", PRIMARY, "--password-for", "nobody=x"], "not one of the users"),
    (["--backend", PRIMARY, "--root", "sky/#"], "--root"),
    (["--backend", PRIMARY, "--bogus"], "unknown argument"),
])
def test_users_script_rejects_bad_arguments(tmp_path, args, complaint):
    done = subprocess.run(["sh", str(SCRIPT), "--dir", str(tmp_path / "b")] + args,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and complaint in done.stderr, done.stderr
    assert not (tmp_path / "b").exists()


def test_users_script_passes_shellcheck():
    shellcheck = shutil.which("shellcheck")
    assert shellcheck, "shellcheck is missing: scripts/deps.sh installs it (scripts/packages.txt)"
    done = subprocess.run([shellcheck, str(SCRIPT)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout


def test_development_config_still_takes_anonymous_clients(broker, client):
    c = client()
    c.subscribe("skylapse/#")
    c.publish("skylapse/helios/status", "{}")
    assert c.wait_message("skylapse/helios/status").payload == b"{}"
