"""No secret leaks: the agents run against the production broker (users,
ACL) with distinctive passwords, API token and SSH key contents; none of
them shows in the agents' logs (at debug level), their retained MQTT
payloads and Home Assistant discovery, the bridge's answers, or any
process's command line. The files that hold secrets are mode 600, and
broker-users.sh hands passwords to mosquitto_passwd on stdin only."""
import json
import os
import stat
import subprocess
from pathlib import Path

from bridge_stack import request
from harness import AS_ROOT, CAM, ROOT, Broker, Client, Daemon, free_port, wait_for

SCRIPT = ROOT / "scripts" / "broker-users.sh"
PW = {u: f"S3cret-{u}-Pw-{i}x7" for i, u in enumerate(("dagon", CAM, "encoder", "transfer",
                                                       "readonly"))}
TOKEN = "S3cret-api-Token-q9"
SSH_KEY_TEXT = "S3cret-ssh-Key-Contents-k2"
SECRETS = [*PW.values(), TOKEN, SSH_KEY_TEXT]


def broker_users(directory, *args, passwords=PW, env=None, cameras=(CAM,)):
    lines = "".join(f"{u}={p}\n" for u, p in passwords.items())
    cams = [a for c in cameras for a in ("--camera", c)]
    return subprocess.run(["sh", str(SCRIPT), "--dir", str(directory), "--backend", "dagon",
                           *cams, "--passwords-from", "-", *args], input=lines,
                          capture_output=True, text=True, timeout=60, env=env)


def leaks(text):
    return [s for s in SECRETS if s in text]


def test_no_secret_in_logs_payloads_discovery_http_or_arguments(tmp_path):
    done = broker_users(tmp_path)
    assert done.returncode == 0, done.stderr
    broker = Broker(tmp_path, conf="broker/mosquitto.prod.conf", extra=AS_ROOT).start()
    key = tmp_path / "id_test"
    key.write_text(f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SSH_KEY_TEXT}\n")
    key.chmod(0o600)
    (tmp_path / "images").mkdir()
    port = free_port()
    common = {"MQTT_URL": broker.url, "MQTT_TOPIC_ROOT": "skylapse", "SKYLAPSE_LOG_LEVEL": "debug",
              "SKYLAPSE_CONFIG": str(ROOT / "config" / "config.json"), "CAMERA_ID": CAM}
    runs = [
        ("skylapse-capture", [], {"MQTT_USERNAME": CAM, "MQTT_PASSWORD": PW[CAM],
                                  "CAMERA_SOURCE": "sim", "PRIMARY_BACKEND": "dagon",
                                  "IMAGES_DIR": str(tmp_path / "pi")}),
        ("skylapse-bridge", ["--port", str(port), "--bind", "127.0.0.1"],
         {"MQTT_USERNAME": "dagon", "MQTT_PASSWORD": PW["dagon"], "BACKEND_NAME": "dagon",
          "API_TOKEN": TOKEN, "IMAGES_DIR": str(tmp_path / "images"),
          "TIMELAPSES_DIR": str(tmp_path / "tl"), "DASHBOARD_DIR": "", "CORS_ORIGINS": ""}),
        ("skylapse-scheduler", [], {"MQTT_USERNAME": "dagon", "MQTT_PASSWORD": PW["dagon"],
                                    "BACKEND_NAME": "dagon"}),
        ("skylapse-transfer", [], {"MQTT_USERNAME": "transfer", "MQTT_PASSWORD": PW["transfer"],
                                   "SSH_KEY": str(key), "PI_HOST": "127.0.0.1",
                                   "PI_SSH_PORT": str(free_port()), "PI_SOURCE": "/nonexistent",
                                   "IMAGES_DIR": str(tmp_path / "images"),
                                   "TRANSFER_INTERVAL_MINUTES": "60"}),
    ]
    watcher = Client(broker.port, username="readonly", password=PW["readonly"])
    daemons = []
    try:
        watcher.subscribe("#")
        for name, args, env in runs:
            daemons.append(Daemon(name, args, {**common, **env}, tmp_path).start())

        def online():
            try:
                r = request(port, "GET", "/health", timeout=2)
            except OSError:
                return False
            return r.status == 200 and r.json()["cameras"].get(CAM) == "online"
        wait_for(online, 20, "the camera online through the bridge")
        auth = {"Authorization": f"Bearer {TOKEN}"}
        assert request(port, "POST", "/capture", body={"camera": CAM},
                       headers={"Authorization": "Bearer wrong"}).status == 401
        r = request(port, "POST", "/capture", body={"profile": "a", "camera": CAM}, headers=auth)
        assert r.status == 200, r
        watcher.wait_message(f"homeassistant/device/skylapse_{CAM}/config")
        watcher.wait_message("skylapse/transfer/status")
        answers = [request(port, "GET", p, headers=auth)
                   for p in ("/health", "/status", "/cameras", f"/cameras/{CAM}", "/schedules",
                             "/images", "/settings", "/openapi.json")]
        assert any(a.status == 200 for a in answers)
        http_text = "\n".join(a.body.decode(errors="replace") + json.dumps(a.headers)
                              for a in answers)
        mqtt_text = "\n".join(f"{m.topic} {m.payload.decode(errors='replace')}"
                              for m in watcher.all("#"))
        assert f"homeassistant/device/skylapse_{CAM}/config" in mqtt_text
        assert "skylapse/helios/status" in mqtt_text and "skylapse/transfer/status" in mqtt_text
        cmdlines = "\n".join(Path(f"/proc/{d.proc.pid}/cmdline").read_bytes()
                             .replace(b"\0", b" ").decode() for d in daemons)
        assert all(d.alive() for d in daemons), [d.name for d in daemons if not d.alive()]
    finally:
        watcher.close()
        for d in daemons:
            d.stop()
        broker.stop()
    logs = "\n".join(d.log() for d in daemons)
    assert "debug" in logs and "capture" in logs
    assert leaks(logs) == [], "in a log"
    assert leaks(mqtt_text) == [], "in an MQTT payload"
    assert leaks(http_text) == [], "in an HTTP answer"
    assert leaks(cmdlines) == [], "in a command line"


def test_broker_files_are_600_and_passwords_never_on_a_command_line(tmp_path):
    shim = tmp_path / "bin"
    shim.mkdir()
    argv_log = tmp_path / "argv.log"
    real = subprocess.run(["sh", "-c", "command -v mosquitto_passwd"], capture_output=True,
                          text=True).stdout.strip()
    (shim / "mosquitto_passwd").write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$*" >>"{argv_log}"\nexec {real} "$@"\n')
    (shim / "mosquitto_passwd").chmod(0o755)
    env = {**os.environ, "PATH": f"{shim}:{os.environ['PATH']}"}
    d = tmp_path / "broker"
    # created; a password changed; a camera added; a camera removed (rewrites)
    pw_new, pw_apollo = {**PW, CAM: "S3cret-new-Pw"}, {"apollo": "S3cret-apollo-Pw"}
    for cams, pw in (((CAM,), PW), ((CAM,), pw_new), ((CAM, "apollo"), pw_apollo),
                     (("apollo",), {})):
        done = broker_users(d, passwords=pw, env=env, cameras=cams)
        assert done.returncode == 0, done.stderr
        for f in ("passwd", "acl", "mosquitto.conf"):
            assert stat.S_IMODE((d / f).stat().st_mode) == 0o600, f
    argv = argv_log.read_text()
    assert f"{d}/passwd {CAM}" in argv  # the shim saw the calls
    assert not [s for s in (*SECRETS, "S3cret-new-Pw", "S3cret-apollo-Pw") if s in argv]
    users = [line.split(":")[0] for line in (d / "passwd").read_text().splitlines()]
    assert "apollo" in users and CAM not in users
