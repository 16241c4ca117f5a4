"""TLS between the agents and the broker: mosquitto with the TLS block of
broker/mosquitto.prod.conf, certificates made here with the openssl CLI, the
real skylapse-capture (sim source) and skylapse-bridge on mqtts://. A frame
goes through; a certificate from another CA or for another host is refused
with a line saying so; a broker that requires client certificates takes
only clients that have one."""
import os
import subprocess

import pytest

from bridge_stack import CAM, Stack
from harness import AS_ROOT, BIN, ROOT, Broker, Daemon, free_port, wait_port


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=30)


def make_ca(d, name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.crt", "-days", "2",
            "-subj", f"/CN={name}", cwd=d)


def make_cert(d, name, ca, alt):
    (d / f"{name}.ext").write_text(f"subjectAltName={alt}\n")
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}",
            cwd=d)
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-out", f"{name}.crt", "-days", "2", "-extfile", f"{name}.ext",
            cwd=d)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """ca signs server (127.0.0.1), wronghost (other.example) and client;
    otherca signs nothing the broker shows."""
    d = tmp_path_factory.mktemp("pki")
    make_ca(d, "ca")
    make_ca(d, "otherca")
    make_cert(d, "server", "ca", "DNS:localhost,IP:127.0.0.1")
    make_cert(d, "wronghost", "ca", "DNS:other.example")
    make_cert(d, "client", "ca", "DNS:client")
    return d


def tls_block(port, pki, server="server", require_cert=False):
    """The commented TLS block of mosquitto.prod.conf, switched on."""
    text = (ROOT / "broker" / "mosquitto.prod.conf").read_text()
    lines = text[text.index("#listener 8883"):text.index("#require_certificate true")]
    lines = (lines + "#require_certificate true").splitlines()
    out = []
    for line in lines:
        if line.startswith("# "):
            continue
        line = line[1:].replace("@DATA_DIR@/tls", str(pki))
        line = line.replace("8883", f"{port} 127.0.0.1").replace("server.", f"{server}.")
        if not require_cert and line.split()[0] in ("cafile", "require_certificate"):
            continue
        out.append(line)
    assert out[0].startswith("listener ") and len(out) == (5 if require_cert else 3), out
    return AS_ROOT + "\n".join(out) + "\n"


class TlsStack(Stack):
    """bridge_stack's Stack with every agent on the TLS listener."""

    def __init__(self, tmp, pki, tls_env, server="server", require_cert=False):
        self.tls_port = free_port()
        super().__init__(tmp, broker_extra=tls_block(self.tls_port, pki, server, require_cert))
        self.tls_env = tls_env

    def env(self, **extra):
        return {**super().env(**extra), "MQTT_URL": f"mqtts://127.0.0.1:{self.tls_port}",
                **self.tls_env}


def capture_through(stack):
    r = stack.post("/capture", {"profile": "a", "camera": CAM})
    assert r.status == 200, r
    frame = r.json()["frames"][0]
    assert (stack.images / frame["path"]).stat().st_size == frame["size"] > 0
    return frame


def lone_capture_agent(tmp_path, port, env):
    tmp_path.mkdir(exist_ok=True)
    d = Daemon("skylapse-capture", env={
        "MQTT_URL": f"mqtts://127.0.0.1:{port}", "MQTT_TOPIC_ROOT": "skylapse",
        "CAMERA_ID": CAM, "CAMERA_SOURCE": "sim", "IMAGES_DIR": str(tmp_path / "images"),
        "PRIMARY_BACKEND": "", "SKYLAPSE_CONFIG": str(ROOT / "config" / "config.json"), **env},
        workdir=tmp_path)
    return d.start()


def test_every_agent_over_tls_and_a_frame_through(tmp_path, pki):
    with TlsStack(tmp_path, pki, {"MQTT_CA_FILE": str(pki / "ca.crt")}) as stack:
        capture_through(stack)
        others = [
            stack.start_daemon("skylapse-scheduler", env=stack.env(BACKEND_NAME="dagon")),
            stack.start_daemon("skylapse-transfer", env=stack.env(
                CAMERA_ID=CAM, PI_HOST="local", PI_SOURCE=str(stack.images / CAM),
                IMAGES_DIR=str(tmp_path / "server"), TRANSFER_INTERVAL_MINUTES="60")),
        ]
        if (BIN / "skylapse-encoder").exists():
            others.append(stack.start_daemon("skylapse-encoder", ["--worker", "w1"], env=stack.env(
                IMAGES_DIR=str(stack.images), TIMELAPSES_DIR=str(stack.timelapses))))
        connected = f"connected to mqtts://127.0.0.1:{stack.tls_port}"
        for d in (stack.capture, stack.bridge, *others):
            d.wait_log(connected)


@pytest.mark.parametrize("server, ca, says", [
    ("server", "otherca.crt", "TLS: the broker's certificate is not trusted (no CA in "),
    ("wronghost", "ca.crt", "TLS: the broker is unreachable, or its certificate does not "
                            "name '127.0.0.1'"),
])
def test_a_wrong_certificate_is_refused_with_a_clear_line(tmp_path, pki, server, ca, says):
    port = free_port()
    broker = Broker(tmp_path, extra=tls_block(port, pki, server)).start()
    wait_port(port)
    agent = lone_capture_agent(tmp_path, port, {"MQTT_CA_FILE": str(pki / ca)})
    try:
        agent.wait_log(says)
        assert "mqtt: cannot connect to mqtts://127.0.0.1" in agent.log()
        assert "connected to mqtts" not in agent.log().replace("cannot connect to", "")
    finally:
        agent.stop()
        broker.stop()


def test_a_broker_requiring_client_certificates(tmp_path, pki):
    ca = {"MQTT_CA_FILE": str(pki / "ca.crt")}
    with TlsStack(tmp_path, pki, {**ca, "MQTT_CERT_FILE": str(pki / "client.crt"),
                                  "MQTT_KEY_FILE": str(pki / "client.key")},
                  require_cert=True) as stack:
        capture_through(stack)
        stranger = lone_capture_agent(tmp_path / "x", stack.tls_port, ca)
        stranger.wait_log("mqtt: cannot connect to mqtts://")
        stranger.stop()
        assert "connected to mqtts" not in stranger.log().replace("cannot connect to", "")


@pytest.mark.parametrize("env, says", [
    ({"MQTT_KEY_FILE": "{pki}/client.key"}, "env MQTT_KEY_FILE is set without MQTT_CERT_FILE"),
    ({"MQTT_CA_FILE": "{pki}/none.crt"}, "env MQTT_CA_FILE: cannot read '{pki}/none.crt'"),
])
def test_tls_settings_are_checked(pki, env, says):
    env = {k: v.format(pki=pki) for k, v in env.items()}
    r = subprocess.run([str(BIN / "skylapse-capture"), "--check"],
                       env={**os.environ, "MQTT_URL": "mqtts://127.0.0.1:1", "CAMERA_ID": CAM,
                            "SKYLAPSE_CONFIG": str(ROOT / "config" / "config.json"), **env},
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 1 and says.format(pki=pki) in r.stderr, r.stderr
