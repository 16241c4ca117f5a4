"""Deployment: scripts/setup.sh, scripts/deploy-capture.sh, docker/, config/systemd/.

No Docker engine and no systemd run here, so each piece is checked with what
does run: setup.sh writes a real project folder, whose broker files drive the
real mosquitto, and whose compose file (through `docker-compose config`) tells
how the real daemons are started here natively, with the containers' paths
mapped to the folder; deploy-capture.sh deploys to an sshd on loopback
standing in for the Pi; the units pass `systemd-analyze verify`; the
Dockerfile is checked against the tree, the install layout and the
programs' shared libraries; every shell script passes shellcheck.
"""
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import urllib.request
from pathlib import Path

import pytest
import yaml

from harness import AS_ROOT, BIN, ROOT, Broker, Client, free_port, wait_for, wait_port
from sshd_server import Sshd

SETUP = ROOT / "scripts" / "setup.sh"
DEPLOY = ROOT / "scripts" / "deploy-capture.sh"
COMPOSE = ROOT / "docker" / "docker-compose.prod.yml"
UNITS = ROOT / "config" / "systemd"

# The seed guide's .env variables, and the values of its example set-up.
SEED_VARS = ("PI_HOST PI_PORT PI_USER PI_SOURCE BACKEND_PORT BACKEND_URL BACKEND_NAME "
             "FRONTEND_PORT VITE_BACKEND_URL TRANSFER_INTERVAL_MINUTES DELETE_AFTER_DAYS").split()
SEED_FLAGS = ["--pi-host", "helios.local", "--pi-user", "nicholasmparker",
              "--server-ip", "192.168.0.51", "--backend-name", "dagon"]
SEED_ENV = {"PI_HOST": "helios.local", "PI_PORT": "8080", "PI_USER": "nicholasmparker",
            "PI_SOURCE": "~/skylapse-images/", "BACKEND_PORT": "8082",
            "BACKEND_URL": "http://192.168.0.51:8082", "BACKEND_NAME": "dagon",
            "FRONTEND_PORT": "3000", "VITE_BACKEND_URL": "http://192.168.0.51:8082",
            "TRANSFER_INTERVAL_MINUTES": "5", "DELETE_AFTER_DAYS": "1"}
USERS = ("dagon", "helios", "encoder", "transfer", "readonly")


def run(args, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 120)
    return subprocess.run([str(a) for a in args], **kw)


def read_env(path):
    """KEY=VALUE lines as a dict, read as text (never through a shell)."""
    out = {}
    for line in Path(path).read_text().splitlines():
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def run_setup(project, home, *args, stdin=None):
    """Runs setup.sh on a project folder with HOME in the test's folder."""
    env = dict(os.environ, HOME=str(home))
    if stdin is None:
        args = ("--yes",) + args
    return run([SETUP, "--dir", project, "--no-start", *args], env=env,
               input=stdin if stdin is not None else None,
               stdin=None if stdin is not None else subprocess.DEVNULL)


def users_of(passwd):
    return sorted(line.split(":")[0] for line in Path(passwd).read_text().splitlines() if line)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """One non-interactive set-up with the seed guide's answers."""
    base = tmp_path_factory.mktemp("deploy")
    home = base / "home"
    home.mkdir()
    proj = base / "skylapse"
    done = run_setup(proj, home, *SEED_FLAGS)
    assert done.returncode == 0, done.stdout + done.stderr
    return {"dir": proj, "home": home, "out": done.stdout, "env": read_env(proj / ".env")}


# --- setup.sh ------------------------------------------------------------------

def test_setup_writes_the_seed_env_and_the_new_variables(project):
    proj, env = project["dir"], project["env"]
    for k, v in SEED_ENV.items():
        assert env.get(k) == v, k
    assert set(SEED_VARS) <= set(env)
    assert env["CAMERA_ID"] == "helios" and env["MQTT_USERNAME"] == "dagon"
    assert env["MQTT_URL"] == "mqtt://localhost:1883" and env["MQTT_TOPIC_ROOT"] == "skylapse"
    for k in ("MQTT_PASSWORD", "MQTT_CAMERA_PASSWORD", "MQTT_ENCODER_PASSWORD",
              "MQTT_TRANSFER_PASSWORD", "MQTT_READONLY_PASSWORD"):
        assert re.fullmatch(r"[A-Za-z0-9]{24}", env[k]), k
    assert len({env[k] for k in env if k.endswith("PASSWORD")}) == 5
    assert env["SSH_KEY"] == str(project["home"] / ".ssh" / "id_ed25519")
    assert stat.S_IMODE((proj / ".env").stat().st_mode) == 0o600
    for d in ("data/images", "data/timelapses", "data/db", "data/broker"):
        assert (proj / d).is_dir(), d
    assert (proj / "config" / "config.json").read_bytes() == \
        (ROOT / "config" / "config.json").read_bytes()
    assert os.readlink(proj / "docker-compose.prod.yml") == str(COMPOSE)
    # the SSH guide: the seed's three commands, for this Pi
    out = project["out"]
    assert 'ssh-keygen -t ed25519 -C "skylapse-transfer"' in out
    assert "ssh-copy-id -i" in out and "nicholasmparker@helios.local" in out
    assert "ssh nicholasmparker@helios.local 'ls ~/skylapse-images/'" in out
    assert "./scripts/deploy-capture.sh helios.local nicholasmparker dagon" in out


def test_setup_piped_into_bash_in_an_empty_folder_fetches_the_project(tmp_path):
    """The seed's quick start: `mkdir -p ~/skylapse && cd ~/skylapse`, then setup.sh piped
    into bash. It clones the project (here a repository made from this tree, named by
    SKYLAPSE_REPO) into the folder and goes on with the clone's setup.sh."""
    snap, bare = tmp_path / "snap", tmp_path / "repo.git"
    # /.git, folder or file: a worktree's .git file would point the snapshot's git at this
    # checkout's own repository (and commit into it)
    subprocess.run(["rsync", "-a", "--exclude=/build/", "--exclude=/node_modules/",
                    "--exclude=/data/", "--exclude=/.git", "--exclude=/~/", f"{ROOT}/",
                    f"{snap}/"], check=True)
    # a worktree's .git is a file naming the real repository: never let one into the copy
    assert not (snap / ".git").exists()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c",
           "init.defaultBranch=main"]
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "snapshot"]):
        subprocess.run(git + cmd, cwd=snap, check=True, capture_output=True)
    subprocess.run(git + ["clone", "-q", "--bare", str(snap), str(bare)], check=True)
    home = tmp_path / "home"
    proj = home / "skylapse"
    proj.mkdir(parents=True)
    env = dict(os.environ, HOME=str(home), SKYLAPSE_REPO=f"file://{bare}")
    script = (ROOT / "scripts" / "setup.sh").read_text()
    done = run(["bash", "-s", "--", "--yes", "--no-start", *SEED_FLAGS], input=script, cwd=proj,
               env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"fetching file://{bare} into {proj}" in done.stderr
    assert (proj / "Makefile").is_file() and (proj / "scripts" / "setup.sh").is_file()
    assert read_env(proj / ".env")["BACKEND_NAME"] == "dagon"
    assert (proj / "data" / "images").is_dir() and (proj / "config" / "config.json").is_file()
    assert (proj / "docker-compose.prod.yml").exists()
    # again in the same folder: it is a checkout now, used as it is
    again = run(["bash", "-s", "--", "--yes", "--no-start"], input=script, cwd=proj, env=env)
    assert again.returncode == 0 and "using the checkout in" in again.stderr, again.stderr
    # a folder holding something else is refused, and nothing is written there
    other = home / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    refused = run(["bash", "-s", "--", "--yes"], input=script, cwd=other, env=env)
    assert refused.returncode == 1 and "neither empty nor a Skylapse checkout" in refused.stderr
    assert sorted(p.name for p in other.iterdir()) == ["notes.txt"]


def test_setup_env_and_config_pass_every_programs_check(project):
    proj = project["dir"]
    env = {"PATH": os.environ["PATH"], "HOME": str(project["home"]), **project["env"]}
    for prog in ("skylapse-scheduler", "skylapse-bridge", "skylapse-encoder",
                 "skylapse-transfer", "skylapse-capture"):
        done = run([BIN / prog, "--check", "--config", proj / "config" / "config.json"], env=env)
        assert done.returncode == 0, prog + done.stdout + done.stderr


def test_setup_broker_users_acl_and_camera_settings(project):
    proj, env = project["dir"], project["env"]
    broker = proj / "data" / "broker"
    assert users_of(broker / "passwd") == sorted(USERS)
    acl = (broker / "acl").read_text()
    assert ("user dagon\ntopic write skylapse/backend/dagon/#\n"
            "topic write skylapse/+/capture/request") in acl
    assert "user helios\n" in acl
    cam = read_env(broker / "camera-helios.env")
    assert cam == {"MQTT_URL": "mqtt://192.168.0.51:1883", "MQTT_USERNAME": "helios",
                   "MQTT_PASSWORD": env["MQTT_CAMERA_PASSWORD"], "MQTT_TOPIC_ROOT": "skylapse",
                   "CAMERA_ID": "helios", "PRIMARY_BACKEND": "dagon"}
    for f in ("camera-helios.env", "passwd", "acl", "mosquitto.conf"):
        assert stat.S_IMODE((broker / f).stat().st_mode) == 0o600, f


def test_setup_carries_home_assistants_prefix_to_the_acl_and_the_pi(tmp_path):
    """HA_DISCOVERY_PREFIX and HA_DISCOVERY in .env: the broker's ACL grants Home
    Assistant's topics under that prefix, and the Pi's settings carry both."""
    home = tmp_path / "home"
    home.mkdir()
    proj = tmp_path / "p"
    assert run_setup(proj, home, *SEED_FLAGS).returncode == 0
    with open(proj / ".env", "a") as f:
        f.write("HA_DISCOVERY_PREFIX=home/ha\nHA_DISCOVERY=false\n")
    again = run_setup(proj, home)
    assert again.returncode == 0, again.stdout + again.stderr
    acl = (proj / "data" / "broker" / "acl").read_text()
    assert "topic write home/ha/device/skylapse_helios/config" in acl
    assert "topic write home/ha/device/skylapse_transfer/config" in acl
    assert "homeassistant" not in acl
    cam = read_env(proj / "data" / "broker" / "camera-helios.env")
    assert cam["HA_DISCOVERY_PREFIX"] == "home/ha" and cam["HA_DISCOVERY"] == "false"
    assert read_env(proj / ".env")["HA_DISCOVERY_PREFIX"] == "home/ha"


def test_setup_interactive_answers_on_stdin(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    # a bad port is explained and asked again; the last answer creates the key
    answers = "pi.example\nabc\n8081\nalice\n~/frames/\n9082\n4000\n10.0.0.5\n7\n2\nzeus\ny\n"
    done = run_setup(tmp_path / "p", home, stdin=answers)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Pi hostname [helios.local]: " in done.stdout
    assert "Pi source directory [~/skylapse-images/]: " in done.stdout
    assert "Frontend port [3000]: " in done.stdout
    assert "'abc' is not a port number" in done.stdout
    env = read_env(tmp_path / "p" / ".env")
    assert {k: env[k] for k in SEED_VARS} == {
        "PI_HOST": "pi.example", "PI_PORT": "8081", "PI_USER": "alice", "PI_SOURCE": "~/frames/",
        "BACKEND_PORT": "9082", "BACKEND_URL": "http://10.0.0.5:9082", "BACKEND_NAME": "zeus",
        "FRONTEND_PORT": "4000", "VITE_BACKEND_URL": "http://10.0.0.5:9082",
        "TRANSFER_INTERVAL_MINUTES": "7", "DELETE_AFTER_DAYS": "2"}
    assert env["CAMERA_ID"] == "pi"
    assert users_of(tmp_path / "p" / "data" / "broker" / "passwd") == \
        sorted(("zeus", "pi", "encoder", "transfer", "readonly"))
    key = home / ".ssh" / "id_ed25519"
    # made without a passphrase: the transfer runs unattended
    assert run(["ssh-keygen", "-y", "-P", "", "-f", key]).returncode == 0


def test_setup_twice_keeps_every_value(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    proj = tmp_path / "p"
    first = run_setup(proj, home, *SEED_FLAGS, "--pi-port", "8181", "--delete-after", "0.5",
                  "--secondary-backend", "dev")
    assert first.returncode == 0, first.stderr
    with open(proj / ".env", "a") as f:
        f.write("CORS_ORIGINS=http://192.168.0.51:3000\n")
    (proj / "config" / "config.json").write_text(
        (ROOT / "config" / "config.json").read_text().replace("39.6333", "48.85"))
    before = read_env(proj / ".env")
    passwd = (proj / "data" / "broker" / "passwd").read_text()

    again = run_setup(proj, home, stdin="\n" * 10)  # Enter at every question
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Pi port [8181]: " in again.stdout and "Backend name (must match" in again.stdout
    assert read_env(proj / ".env") == before
    assert (proj / "data" / "broker" / "passwd").read_text() == passwd
    text = (proj / ".env").read_text()
    assert run_setup(proj, home).returncode == 0
    assert (proj / ".env").read_text() == text
    assert "48.85" in (proj / "config" / "config.json").read_text()

    third = run_setup(proj, home, "--backend-port", "9000")
    assert third.returncode == 0, third.stderr
    env = read_env(proj / ".env")
    changed = {k for k in env if env[k] != before.get(k)}
    assert changed == {"BACKEND_PORT", "BACKEND_URL", "VITE_BACKEND_URL"}
    assert env["BACKEND_URL"] == "http://192.168.0.51:9000"
    assert env["CORS_ORIGINS"] == "http://192.168.0.51:3000"
    assert users_of(proj / "data" / "broker" / "passwd") == sorted(USERS + ("dev",))


@pytest.mark.parametrize("flag,value,message", [
    ("--pi-port", "0", "Pi port (--pi-port): port 0 is outside 1..65535"),
    ("--backend-name", "Dagon", "must match [a-z0-9_-]+"),
    ("--backend-name", "encoder", "is reserved"),
    ("--transfer-interval", "0", "outside 1..10080"),
    ("--pi-source", "~/my images", "use a plain path"),
])
def test_setup_refuses_bad_values_before_writing(tmp_path, flag, value, message):
    done = run_setup(tmp_path / "p", tmp_path, flag, value)
    assert done.returncode == 1
    assert message in done.stderr
    assert not (tmp_path / "p" / ".env").exists()


# --- the production wiring: broker users, compose environment, daemons ---------------

def compose_config(project_dir):
    done = run(["docker-compose", "-f", project_dir / "docker-compose.prod.yml", "config"],
               cwd=project_dir)
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


def test_compose_file_has_the_seed_services_each_running_its_program(project):
    proj, env = project["dir"], project["env"]
    cfg = compose_config(proj)
    svc = cfg["services"]
    assert set(svc) == {"broker", "backend", "frontend", "scheduler", "worker", "transfer"}
    assert {n: s["command"][0] for n, s in svc.items()} == {
        "broker": "mosquitto", "backend": "skylapse-bridge", "frontend": "skylapse-bridge",
        "scheduler": "skylapse-scheduler", "worker": "skylapse-encoder",
        "transfer": "skylapse-transfer"}
    published = {n: sorted((p["published"], p["target"]) for p in s.get("ports", []))
                 for n, s in svc.items()}
    assert published["backend"] == [(8082, 8082)]
    assert published["frontend"] == [(3000, 3000)]
    assert published["broker"] == [(1883, 1883), (8883, 8883)]
    users = {n: s["environment"].get("MQTT_USERNAME") for n, s in svc.items() if n != "broker"}
    assert users == {"backend": "dagon", "frontend": "dagon", "scheduler": "dagon",
                     "worker": "encoder", "transfer": "transfer"}
    assert svc["worker"]["environment"]["MQTT_PASSWORD"] == env["MQTT_ENCODER_PASSWORD"]
    for n, s in svc.items():
        assert s["user"] == f"{env['SKYLAPSE_UID']}:{env['SKYLAPSE_GID']}"
        assert s["build"]["context"] == str(ROOT)
        assert s["build"]["dockerfile"] == "docker/Dockerfile"
        if n != "broker":
            assert s["environment"]["MQTT_URL"] == "mqtt://broker:1883"
    key = [v for v in svc["transfer"]["volumes"] if v.endswith(":/run/skylapse/ssh/id:ro")]
    assert key == [f"{env['SSH_KEY']}:/run/skylapse/ssh/id:ro"]
    assert f"{proj}/data/images:/data/images:rw" in svc["transfer"]["volumes"]
    assert f"{proj}/data/timelapses:/data/timelapses:rw" in svc["worker"]["volumes"]
    assert f"{proj}/data/broker:/var/lib/skylapse/broker:rw" in svc["broker"]["volumes"]


def test_compose_file_reads_the_seed_guides_manual_env(tmp_path):
    """The seed's hand-written .env (its 11 variables, nothing else) is enough."""
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in SEED_ENV.items()))
    os.symlink(COMPOSE, tmp_path / "docker-compose.prod.yml")
    svc = compose_config(tmp_path)["services"]
    assert svc["backend"]["environment"]["BACKEND_NAME"] == "dagon"
    assert svc["transfer"]["environment"]["PI_SOURCE"] == "~/skylapse-images/"
    # and straight from docker/, with the project folder named
    done = run(["docker-compose", "--project-directory", tmp_path, "-f", COMPOSE, "config", "-q"])
    assert done.returncode == 0, done.stderr


def host_path(value, volumes, share):
    """A container path of the compose file as the same file on this machine."""
    pairs = [v.split(":")[:2] for v in volumes]
    pairs.append((str(share), "/usr/local/share/skylapse"))
    for host, inside in sorted(pairs, key=lambda p: -len(p[1])):
        if value == inside or value.startswith(inside + "/"):
            return host + value[len(inside):]
    return value


@pytest.fixture(scope="module")
def stack(project, tmp_path_factory):
    """The compose file's services, started here as it would start them (its
    commands, its environment, its volumes mapped back to the folder), against
    mosquitto with the broker files setup.sh wrote; and the Pi's two programs
    with the settings deploy-capture.sh installs (the compatibility API with
    the camera's own login, with which the seed's POST /capture works)."""
    proj, env = project["dir"], project["env"]
    tmp = tmp_path_factory.mktemp("stack")
    svc = compose_config(proj)["services"]
    # the broker container's configuration, as docker/Dockerfile writes it,
    # over the broker files setup.sh wrote; conf.d/ gets a second listener
    template = tmp / "mosquitto.docker.conf"
    template.write_text((ROOT / "broker" / "mosquitto.prod.conf").read_text() +
                        (ROOT / "docker" / "mosquitto.docker.conf").read_text())
    extra_port = free_port()
    (proj / "data" / "broker" / "conf.d" / "extra.conf").write_text(
        f"listener {extra_port} 127.0.0.1\n")
    broker = Broker(proj / "data" / "broker", conf=str(template), extra=AS_ROOT).start()
    started = []

    def start(name, cmd, e):
        log = open(tmp / f"{name}.log", "wb")
        started.append(subprocess.Popen([str(c) for c in cmd], env=e, stdout=log,
                                        stderr=subprocess.STDOUT, cwd=tmp))

    http_port, pi_port, front_port = free_port(), free_port(), free_port()
    try:
        for name in ("scheduler", "worker", "transfer", "backend", "frontend"):
            s = svc[name]
            ports = {"8082": str(http_port), "3000": str(front_port)}
            cmd = [BIN / s["command"][0]] + [ports.get(a, a) for a in s["command"][1:]]
            e = {k: host_path(str(v), s.get("volumes", []), ROOT) for k, v in
                 s["environment"].items()}
            e.update(PATH=os.environ["PATH"], HOME=str(project["home"]),
                     MQTT_URL=broker.url, DASHBOARD_DIR=str(ROOT / "dashboard"))
            start(name, cmd, e)
        cam = read_env(proj / "data" / "broker" / "camera-helios.env")
        conf = json.loads((proj / "config" / "config.json").read_text())
        conf["capture"] = {"sim_width": 320, "sim_height": 240}
        (tmp / "camera.json").write_text(json.dumps(conf))
        start("capture", [BIN / "skylapse-capture"],
              {**os.environ, **cam, "MQTT_URL": broker.url, "CAMERA_SOURCE": "sim",
               "IMAGES_DIR": str(proj / "data" / "images" / "helios"),
               "SKYLAPSE_CONFIG": str(tmp / "camera.json"),
               "SKYLAPSE_STATE_DIR": str(tmp / "cam")})
        # as deploy-capture.sh installs it: the camera's own broker login
        start("bridge-pi", [BIN / "skylapse-bridge", "--pi-compat", "--port", pi_port],
              {**os.environ, **cam, "MQTT_URL": broker.url,
               "SKYLAPSE_CONFIG": str(proj / "config" / "config.json")})
        ha = Client(broker.port, username="readonly", password=env["MQTT_READONLY_PASSWORD"])
        ha.subscribe("skylapse/#")
        wait_port(http_port)
        wait_port(pi_port)
        wait_port(front_port)
        yield {"broker": broker, "http": http_port, "pi": pi_port, "ha": ha, "tmp": tmp,
               "extra_port": extra_port, "frontend": front_port}
        ha.close()
    finally:
        for p in reversed(started):
            p.terminate()
        for p in started:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        broker.stop()


def http_json(url, data=None, timeout=20):
    req = urllib.request.Request(url, data=data, method="POST" if data else "GET",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.load(r)


def wait_connected(port):
    def health():
        try:
            answer = http_json(f"http://127.0.0.1:{port}/health", timeout=2)
            return answer.get("mqtt") == "connected"
        except OSError:
            return False
    wait_for(health, 10, f"bridge on {port} connected to the broker")


def test_compose_stack_wiring_runs_natively(project, stack):
    """Each service logs in with the user the compose file gives it and the
    ACL lets it do its job; a capture through the backend's REST API works."""
    proj, env, ha = project["dir"], project["env"], stack["ha"]
    with pytest.raises(ConnectionRefusedError):
        Client(stack["broker"].port, username="dagon", password="wrong")
    # data/broker/conf.d/ is read (a TLS listener goes there), with the same users
    Client(stack["extra_port"], username="readonly",
           password=env["MQTT_READONLY_PASSWORD"]).close()
    ha.wait_message("skylapse/helios/availability", lambda m: m.payload == b"online")
    ha.wait_message("skylapse/backend/dagon/status", timeout=15)
    ha.wait_message("skylapse/encoder/worker-1/availability", lambda m: m.payload == b"online")
    ha.wait_message("skylapse/transfer/status")
    wait_connected(stack["http"])
    result = http_json(f"http://127.0.0.1:{stack['http']}/capture",
                       b'{"profile": "a", "camera": "helios"}')
    assert result["status"] == "ok" and result["frames"]
    frame = proj / "data" / "images" / result["frames"][0]["path"]
    assert frame.is_file() and frame.stat().st_size > 0
    # the seed's capture on the Pi's port 8080, with only the camera's login there
    wait_connected(stack["pi"])
    pi = http_json(f"http://127.0.0.1:{stack['pi']}/capture",
                   b'{"profile": "A", "backend_name": "dagon"}')
    assert pi["status"] == "ok" and pi["frames"], pi
    logs = "".join(p.read_text(errors="replace") for p in stack["tmp"].glob("*.log"))
    assert "not authorized" not in logs.lower().replace("backend not authorized", ""), logs


# --- the README's deployment guide ----------------------------------------------------

MARKS = ("make docker-check", "needs real hardware")


def readme_guide_commands():
    """(command, marked) for each command line of the guide's ```sh blocks;
    continuation lines are joined, trailing comments kept for the marks."""
    text = (ROOT / "README.md").read_text()
    guide = text[text.index("\n## Deployment\n") + 1:]
    nxt = re.search(r"^## ", guide[3:], re.M)
    if nxt:
        guide = guide[:nxt.start() + 3]
    out = []
    for block in re.findall(r"^```sh\n(.*?)^```", guide, re.S | re.M):
        for line in re.sub(r"\\\n\s*", " ", block).splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                out.append((line, any(m in line for m in MARKS)))
    return out


def test_readme_guide_commands_run_or_are_marked(project, stack, tmp_path):
    """Every command of the deployment guide, in order: those not marked as
    needing Docker, a Pi or systemd run here, against the stack above, with
    the guide's addresses replaced by the stack's ports and ~/skylapse by the
    set-up folder, and must succeed."""
    commands = readme_guide_commands()
    assert len(commands) > 40
    marked = [c for c, m in commands if m]
    assert any(c.startswith("docker-compose -f docker-compose.prod.yml up -d") for c in marked)
    proj, cam_env = project["dir"], project["dir"] / "data" / "broker" / "camera-helios.env"
    wait_connected(stack["http"])
    stack["ha"].wait_message("skylapse/helios/availability", lambda m: m.payload == b"online")
    env = {**os.environ, **project["env"], "HOME": str(project["home"])}
    http, pi = f"http://127.0.0.1:{stack['http']}", f"http://127.0.0.1:{stack['pi']}"
    ran = 0
    for command, is_marked in commands:
        if is_marked:
            continue
        c = re.sub(r"\s{2,}#.*$", "", command)
        c = c.replace("~/skylapse/", f"{proj}/")
        for url in ("http://192.168.0.51:8082", "http://localhost:8082"):
            c = c.replace(url, http)
        c = c.replace("http://192.168.0.51:3000", f"http://127.0.0.1:{stack['frontend']}")
        c = c.replace("http://helios.local:8080", pi)
        c = c.replace("-h 192.168.0.51", f"-h 127.0.0.1 -p {stack['broker'].port}")
        c = re.sub(r"^curl ", "curl -fsS ", c)
        if c.startswith("mosquitto_sub"):
            c += ("" if " -C " in c else " -C 1") + " -W 10"
        if c.startswith("build/bin/"):
            c = f"{BIN}/" + c[len("build/bin/"):]
        if c.startswith("scripts/setup.sh"):
            c = f"{SETUP}{c[len('scripts/setup.sh'):]} --dir {tmp_path / 'setup'} --no-start"
        if c.startswith("./scripts/deploy-capture.sh"):
            c = f"{DEPLOY}{c[len('./scripts/deploy-capture.sh'):]} --broker-env {cam_env}"
            assert "--dry-run" in c, command  # a real deployment needs a Pi: mark it
        done = run(["sh", "-c", c], cwd=proj, env=env, stdin=subprocess.DEVNULL, timeout=60)
        assert done.returncode == 0, f"{command}\n-> {c}\n{done.stdout}{done.stderr}"
        ran += 1
    assert ran >= 25


# --- npm packages --------------------------------------------------------------------

DEBIAN_12_NODE = (18, 19)  # bookworm's nodejs; `make` installs it where npm is missing


def test_npm_packages_run_on_debian_12_node():
    """Every npm package the project installs accepts Debian 12's Node.js: playwright-core
    1.62 and later refuse to start on Node 18, which failed the browser tests on a fresh
    Debian 12 (make fresh-check)."""
    lock = json.loads((ROOT / "package-lock.json").read_text())
    for name, pkg in lock["packages"].items():
        want = pkg.get("engines", {}).get("node")
        if name and want:
            m = re.fullmatch(r">=\s*(\d+)(?:\.(\d+))?(?:\.\d+)?", want.strip())
            assert m, f"{name}: engines.node {want!r} not understood"
            least = (int(m.group(1)), int(m.group(2) or 0))
            assert least <= DEBIAN_12_NODE, f"{name} needs Node.js {want}"


# --- docker/ -------------------------------------------------------------------------

def dockerfile_instructions():
    """(instruction, arguments) of docker/Dockerfile, continuation lines joined."""
    text = (ROOT / "docker" / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", text)
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_plain_make_builds_every_program():
    """The README's `make` (no target) is `make all`, not the first rule a
    program.mk happens to define: the dry run plans the same work as `make all`."""
    sanitize = f"SANITIZE={os.environ.get('SANITIZE', '0')}"
    plain = run(["make", "-n", "-W", "lib/err.c", sanitize], cwd=ROOT, timeout=120)
    full = run(["make", "-n", "-W", "lib/err.c", sanitize, "all"], cwd=ROOT, timeout=120)
    assert plain.returncode == 0 and full.returncode == 0, plain.stderr + full.stderr
    for prog in ("skylapse-capture", "skylapse-scheduler", "skylapse-encoder",
                 "skylapse-bridge", "skylapse-transfer"):
        assert f"bin/{prog} " in plain.stdout, prog
    assert plain.stdout == full.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """`make install` into a temporary PREFIX."""
    prefix = tmp_path_factory.mktemp("prefix")
    # the build the tests run (SANITIZE=1: build/sanitize), so nothing is rebuilt
    done = run(["make", "-s", "install", f"PREFIX={prefix}",
                f"SANITIZE={os.environ.get('SANITIZE', '0')}"], cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return prefix


def test_make_install_lays_out_programs_plugin_dashboard_schema(installed):
    for prog in ("skylapse-capture", "skylapse-scheduler", "skylapse-encoder",
                 "skylapse-bridge", "skylapse-transfer"):
        assert os.access(installed / "bin" / prog, os.X_OK), prog
    share = installed / "share" / "skylapse"
    for f in ("dashboard/index.html", "dashboard/vendor/uPlot.esm.js", "schema/openapi.json",
              "broker/acl.template", "broker/mosquitto.prod.conf", "scripts/broker-users.sh",
              "systemd/skylapse-capture.service"):
        assert (share / f).is_file(), f
    # what every unit's Documentation= names, installed
    for u in sorted(UNITS.glob("*.service")):
        docs = re.findall(r"^Documentation=file:/usr/local/(\S+)$", u.read_text(), re.M)
        assert docs and all((installed / d).is_file() for d in docs), u.name
    if (BIN.parent / "lib" / "skylapse" / "camera-libcamera.so").exists():
        assert (installed / "lib" / "skylapse" / "camera-libcamera.so").is_file()
        # the agent finds its plugin beside itself, at ../lib/skylapse
        env = {k: v for k, v in os.environ.items() if k != "SKYLAPSE_PLUGIN_DIR"}
        done = run([installed / "bin" / "skylapse-capture", "--list-cameras",
                    "--source", "libcamera"], env=env)
        # no camera here, but the plugin was loaded and asked
        assert done.returncode == 0 or "libcamera: no camera found" in done.stdout, done.stderr


def test_installed_bridge_serves_the_installed_dashboard(installed, tmp_path):
    port = free_port()
    share = installed / "share" / "skylapse"
    env = dict(os.environ, DASHBOARD_DIR=str(share / "dashboard"),
               SKYLAPSE_OPENAPI=str(share / "schema" / "openapi.json"),
               MQTT_URL=f"mqtt://127.0.0.1:{free_port()}")
    p = subprocess.Popen([str(installed / "bin" / "skylapse-bridge"), "--port", str(port),
                          "--bind", "127.0.0.1", "--config", str(ROOT / "config" / "config.json")],
                         env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert r.read() == (ROOT / "dashboard" / "index.html").read_bytes()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/openapi.json", timeout=5) as r:
            assert json.load(r)["openapi"].startswith("3.")
    finally:
        p.terminate()
        p.wait(10)


def test_dockerfile_builds_from_the_tree_as_a_non_root_user(installed):
    ins = dockerfile_instructions()
    stages = [a for i, a in ins if i == "FROM"]
    assert stages == ["${DEBIAN_IMAGE} AS build", "${DEBIAN_IMAGE} AS runtime"]
    assert ("ARG", "DEBIAN_IMAGE=debian:12-slim") in ins
    runtime = ins[[i for i, (w, a) in enumerate(ins) if w == "FROM"][1]:]
    assert [a for w, a in runtime if w == "USER"] == ["skylapse"]
    ignored = [l.strip() for l in (ROOT / ".dockerignore").read_text().splitlines()
               if l.strip() and not l.startswith("#")]
    for word, args in ins:
        if word != "COPY" or "--from=" in args:
            continue
        *sources, _dest = args.split()
        for s in sources:
            assert (ROOT / s).exists(), f"COPY {s}: missing"
            assert s.rstrip("/") not in ignored, f"COPY {s}: excluded by .dockerignore"
    # the runtime stage's paths are those `make install PREFIX=/usr/local` makes
    env_line = " ".join(a for w, a in runtime if w == "ENV")
    for path in re.findall(r"=(/usr/local/\S+)", env_line):
        assert (installed / path[len("/usr/local/"):]).exists(), path
    # the usual Dockerfile rules (hadolint's, which Debian does not package)
    for word, args in ins:
        if word == "RUN" and "apt-get install" in args:
            assert "apt-get update" in args and "--no-install-recommends" in args, args
            assert "rm -rf /var/lib/apt/lists/*" in args, args
        assert word != "ADD" and not (word == "RUN" and re.search(r"\bcd ", args)), args
        if word in ("CMD", "ENTRYPOINT"):
            assert json.loads(args), args  # exec form: the program gets the signals
    build_run = " ".join(a for w, a in ins if w == "RUN")
    assert "make -j\"$(nproc)\" install PREFIX=/opt/skylapse" in build_run
    assert ">/opt/skylapse/share/skylapse/broker/mosquitto.docker.conf" in build_run


def test_dockerfile_runtime_packages_hold_every_shared_library(installed):
    ins = dockerfile_instructions()
    runtime_run = [a for w, a in ins[[i for i, (w, a) in enumerate(ins) if w == "FROM"][1]:]
                   if w == "RUN" and "apt-get install" in a][0]
    packages = set(runtime_run.split("--no-install-recommends", 1)[1].split("&&")[0].split())
    needed = set()
    for prog in sorted((installed / "bin").iterdir()):
        dyn = run(["readelf", "-d", prog]).stdout
        needed |= {lib for lib in re.findall(r"\(NEEDED\).*\[(.+)\]", dyn)
                   if not re.match(r"lib(c|m|pthread|dl|rt|gcc_s|stdc\+\+)\.so", lib)
                   # make SANITIZE=1 or thread links the sanitizer runtimes; images never are
                   and not re.match(r"lib(asan|ubsan|tsan)\.so", lib)}
    assert "libjansson.so.4" in needed
    owners = {}  # one dpkg -S for all: each call reads every package's file list
    for line in run(["dpkg", "-S", *(f"*/{lib}" for lib in sorted(needed))]).stdout.splitlines():
        pkg, path = line.split(": ", 1)
        owners.setdefault(Path(path).name, pkg.split(":")[0])
    missing = {lib: owners.get(lib) for lib in needed if owners.get(lib) not in packages}
    assert not missing, f"runtime stage lacks {missing}"
    # and what the services run besides our programs
    assert {"mosquitto", "rsync", "openssh-client", "tzdata", "curl"} <= packages


def test_every_compose_command_is_installed_or_installed_by_the_image(project, installed):
    svc = compose_config(project["dir"])["services"]
    for name, s in svc.items():
        prog = s["command"][0]
        if prog == "mosquitto":
            continue  # Debian's package, in the runtime stage
        assert (installed / "bin" / prog).is_file(), f"{name}: {prog}"
    conf = svc["broker"]["command"][-1]
    assert conf == "/usr/local/share/skylapse/broker/mosquitto.docker.conf"


def test_entrypoint_names_what_the_host_must_provide(tmp_path):
    ep = ROOT / "docker" / "entrypoint.sh"
    env = dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}", MQTT_PASSWORD="x")
    if not Path("/var/lib/skylapse/broker/passwd").exists():
        done = run([ep, "mosquitto", "-c", "/dev/null"], env=env)
        assert done.returncode == 1 and "run scripts/setup.sh" in done.stderr
    (tmp_path / "dir").mkdir()  # what Docker makes of a missing key file
    done = run([ep, "skylapse-transfer", "--version"], env=dict(env, SSH_KEY=str(tmp_path / "dir")))
    assert done.returncode == 1 and "not a file readable" in done.stderr
    (tmp_path / "key").write_text("k")
    done = run([ep, "skylapse-transfer", "--version"], env=dict(env, SSH_KEY=str(tmp_path / "key")))
    assert done.returncode == 0, done.stderr


# --- config/systemd --------------------------------------------------------------------

def unit_copies(tmp_path):
    """The units with ExecStart pointing at the binaries of this build."""
    out = tmp_path / "units"
    out.mkdir()
    for u in sorted(UNITS.glob("*.service")):
        (out / u.name).write_text(u.read_text().replace("/usr/local/bin/", f"{BIN}/"))
    return sorted(out.glob("*.service"))


def test_units_pass_systemd_analyze_verify(tmp_path):
    units = unit_copies(tmp_path)
    names = {u.stem for u in units}
    assert {"skylapse-capture", "skylapse-bridge-pi", "skylapse-scheduler", "skylapse-encoder",
            "skylapse-bridge", "skylapse-frontend", "skylapse-transfer",
            "skylapse-broker"} <= names
    done = run(["systemd-analyze", "verify", *units], cwd=tmp_path)
    assert done.returncode == 0 and done.stdout + done.stderr == "", done.stdout + done.stderr
    # documentation is the project's own, not man pages (a minimal Debian has no `man`,
    # and verify checks man: links with it)
    for u in units:
        assert "Documentation=man:" not in u.read_text(), u.name
    # the check above fails on real errors in a unit: a bad setting is reported
    # (exit 0), a missing program fails the verification
    broken = tmp_path / "broken"
    broken.mkdir()
    text = (tmp_path / "units" / "skylapse-capture.service").read_text()
    for right, wrong in (("=notify\n", "=notifyy\n"), ("/skylapse-capture\n", "/skylapse-capturex\n")):
        (broken / "skylapse-capture.service").write_text(text.replace(right, wrong))
        done = run(["systemd-analyze", "verify", broken / "skylapse-capture.service"], cwd=tmp_path)
        assert wrong.strip("=/\n") in done.stdout + done.stderr, wrong
    assert done.returncode != 0
    for u in units:
        text = u.read_text()
        for line in ("Type=notify", "Restart=always", "ProtectSystem=strict",
                     "NoNewPrivileges=yes", "PrivateTmp=yes"):
            assert f"\n{line}\n" in text, f"{u.name}: {line}"
        if u.stem not in ("skylapse-broker", "skylapse-edge-broker"):  # mosquitto: no watchdog
            assert "\nWatchdogSec=30\n" in text, u.name
            assert "\nEnvironmentFile=-/etc/skylapse/skylapse.env\n" in text, u.name
        score = run(["systemd-analyze", "security", "--offline=yes", u], cwd=tmp_path).stdout
        level = float(re.search(r"Overall exposure level for \S+: ([0-9.]+)", score).group(1))
        assert level <= 4.0, f"{u.name}: exposure {level}"
    rw = {u.stem: re.findall(r"^ReadWritePaths=(.*)$", u.read_text(), re.M) for u in units}
    assert rw["skylapse-capture"] == ["-/home/pi/skylapse-images"]
    assert rw["skylapse-transfer"] == ["-/data/images"]
    assert rw["skylapse-encoder"] == ["-/data/timelapses"]


def test_setup_without_docker_writes_units_drop_ins_and_settings(tmp_path):
    """setup.sh --start systemd, staged under --systemd-root: what it would
    install on a server without Docker, checked by systemd-analyze."""
    home = tmp_path / "home"
    home.mkdir()
    sysroot = tmp_path / "root"
    env = dict(os.environ, HOME=str(home))
    proj = tmp_path / "p"
    done = run([SETUP, "--dir", proj, "--yes", *SEED_FLAGS, "--start", "systemd",
                "--systemd-root", sysroot], env=env, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout + done.stderr
    etc = sysroot / "etc"
    settings = read_env(etc / "skylapse" / "skylapse.env")
    assert settings["BACKEND_NAME"] == "dagon" and settings["MQTT_USERNAME"] == "dagon"
    assert settings["IMAGES_DIR"] == str(proj / "data" / "images")
    assert settings["MQTT_URL"] == "mqtt://localhost:1883"
    assert "MQTT_ENCODER_PASSWORD" not in settings and "SKYLAPSE_UID" not in settings
    assert read_env(etc / "skylapse" / "encoder.env")["MQTT_USERNAME"] == "encoder"
    assert read_env(etc / "skylapse" / "transfer.env")["MQTT_USERNAME"] == "transfer"
    for f in ("skylapse.env", "encoder.env", "transfer.env"):
        assert stat.S_IMODE((etc / "skylapse" / f).stat().st_mode) == 0o600, f
    assert users_of(sysroot / "var/lib/skylapse/broker/passwd") == sorted(USERS)
    # the installed units and their drop-ins, with ExecStart on this build
    staged = tmp_path / "verify"
    shutil.copytree(etc / "systemd" / "system", staged)
    for u in staged.glob("*.service"):
        u.write_text(u.read_text().replace("/usr/local/bin/", f"{BIN}/"))
    drop_in = (staged / "skylapse-transfer.service.d" / "setup.conf").read_text()
    assert f"ReadWritePaths={proj}/data/images {proj}/data/timelapses {proj}/data/db" in drop_in
    units = sorted(staged.glob("*.service"))
    assert len(units) == 6
    done = run(["systemd-analyze", "verify", *units], cwd=tmp_path)
    assert done.returncode == 0 and done.stdout + done.stderr == "", done.stdout + done.stderr


# --- deploy-capture.sh -----------------------------------------------------------

def test_deploy_dry_run_prints_every_remote_command_and_runs_none(project, tmp_path):
    fake = tmp_path / "bin"
    fake.mkdir()
    for tool in ("ssh", "rsync", "scp"):  # would leave a trace if called
        (fake / tool).write_text(f"#!/bin/sh\ntouch {tmp_path}/called-{tool}\nexit 1\n")
        (fake / tool).chmod(0o755)
    cam_env = project["dir"] / "data" / "broker" / "camera-helios.env"
    done = run([DEPLOY, "helios.local", "nicholasmparker", "dagon", "--dry-run",
                "--broker-env", cam_env],
               env=dict(os.environ, PATH=f"{fake}:{os.environ['PATH']}"))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert not list(tmp_path.glob("called-*"))
    ssh = "+ ssh -p 22 -o BatchMode=yes -o ConnectTimeout=10 nicholasmparker@helios.local sh -s"
    assert out.count(ssh) == 6
    for expected in (
            "+ rsync -a --delete", "--exclude=/.env", "nicholasmparker@helios.local:skylapse/",
            "scripts/packages-pi.txt", "apt-get install",
            "make -s -j\"$(nproc)\" $targets",
            "make -s install-bin PREFIX='/usr/local' "
            "INSTALL_PROGRAMS='skylapse-capture skylapse-bridge'",
            "/usr/local/bin/skylapse-capture --list-cameras --source libcamera",
            "vcgencmd get_mem gpu", "echo 'gpu_mem=256' | $SUDO tee -a \"$cfg\"",
            "cfg=/boot/firmware/config.txt", "[ -f \"$cfg\" ] || cfg=/boot/config.txt",
            'Environment="PRIMARY_BACKEND=dagon"',
            'Environment="MQTT_URL=mqtt://192.168.0.51:1883"',
            'Environment="CAMERA_ID=helios"', "User=nicholasmparker",
            "ReadWritePaths=-/home/nicholasmparker/skylapse-images",
            "ExecStart=/usr/local/bin/skylapse-bridge --pi-compat --port 8080",
            "$SUDO install -m 600 \"$out/skylapse.env\" /etc/skylapse/skylapse.env",
            "$SUDO systemctl enable skylapse-capture skylapse-bridge-pi",
            "$SUDO systemctl restart skylapse-capture skylapse-bridge-pi",
            "ssh nicholasmparker@helios.local 'sudo systemctl status skylapse-capture'",
            "ssh nicholasmparker@helios.local 'sudo journalctl -u skylapse-capture -f'",
            "curl http://helios.local:8080/status"):
        assert expected in out, expected
    assert "MQTT_PASSWORD=********" in out
    assert project["env"]["MQTT_CAMERA_PASSWORD"] not in out + done.stderr


def test_deploy_usage_errors_and_backend_mismatch(project):
    assert run([DEPLOY]).returncode == 1
    assert run([DEPLOY, "h", "u", "Not_Valid", "--dry-run"]).returncode == 1
    cam_env = project["dir"] / "data" / "broker" / "camera-helios.env"
    # an address: the camera comes from the broker settings
    done = run([DEPLOY, "192.168.0.124", "u", "dagon", "--dry-run", "--broker-env", cam_env])
    assert done.returncode == 0 and "(camera helios, PRIMARY_BACKEND=dagon)" in done.stdout
    done = run([DEPLOY, "helios.local", "pi", "other", "--dry-run", "--broker-env", cam_env])
    assert done.returncode == 0
    assert "the server was set up for backend 'dagon'" in done.stderr
    assert 'Environment="PRIMARY_BACKEND=other"' in done.stdout
    done = run([DEPLOY, "helios.local", "pi", "dagon", "--broker-env", "/nonexistent"])
    assert done.returncode == 2 and "no broker settings" in done.stderr


def test_deploy_to_a_loopback_pi_builds_there_and_reports_what_it_lacks(project, tmp_path):
    """The "Pi" is this machine through sshd on a free port: the sources are
    copied into a temporary folder, built and installed there; it has no
    vcgencmd and no running systemd, which the script must say. Deploying
    again after a change is the README's "update the Pi": the new build is
    what runs there, this time with --edge-broker, whose broker config is
    then run by the real mosquitto, bridged to the server's (the project's
    users and ACL)."""
    sshd = Sshd(tmp_path).start()
    pi = tmp_path / "pi"
    src = tmp_path / "src"  # the laptop's checkout
    units = pi / "skylapse" / "build" / "systemd"
    subprocess.run(["rsync", "-a", "--exclude=/build/", "--exclude=/node_modules/",
                    "--exclude=/data/", "--exclude=/.git", f"{ROOT}/", f"{src}/"], check=True)
    server = Broker(project["dir"] / "data" / "broker", conf="broker/mosquitto.prod.conf",
                    extra=AS_ROOT).start()

    def deploy(*more):
        return run([src / "scripts" / "deploy-capture.sh", "127.0.0.1", sshd.user, "dagon",
                    "--port", sshd.port, "--identity", sshd.key,
                    "--ssh-option", f"UserKnownHostsFile={sshd.known_hosts}",
                    "--camera", "helios",
                    "--broker-env", project["dir"] / "data" / "broker" / "camera-helios.env",
                    "--remote-dir", pi / "skylapse", "--prefix", pi / "usr",
                    "--images-dir", pi / "images", *more], timeout=300)
    try:
        done = deploy()
        capture = (units / "skylapse-capture.service").read_text()
        secrets = read_env(units / "skylapse.env")
        cli_h = src / "lib" / "cli.h"
        cli_h.write_text(cli_h.read_text().replace('SKYLAPSE_VERSION "', 'SKYLAPSE_VERSION "9.'))
        again = deploy("--edge-broker", "--broker", server.url)
        check_edge_deploy(again, units, server, project, tmp_path)
    finally:
        sshd.stop()
        server.stop()
    assert again.returncode == 2, again.stdout + again.stderr
    version = run([pi / "usr" / "bin" / "skylapse-capture", "--version"]).stdout
    assert version.startswith("skylapse-capture 9."), version
    out = done.stdout
    assert done.returncode == 2, out + done.stderr  # the service could not be installed
    assert "packages: all present" in out
    assert "installed: skylapse-bridge skylapse-capture" in out
    assert "gpu: vcgencmd is not installed here" in out
    assert "gpu:     vcgencmd unavailable: not checked" in out
    assert "systemd: not running on" in out
    assert "service: systemd unavailable on 127.0.0.1" in out
    assert os.access(pi / "usr" / "bin" / "skylapse-capture", os.X_OK)
    if (BIN.parent / "lib" / "skylapse" / "camera-libcamera.so").exists():
        assert (pi / "usr" / "lib" / "skylapse" / "camera-libcamera.so").is_file()
    src = pi / "skylapse"
    assert (src / "Makefile").is_file() and not (src / ".env").exists()
    assert not (src / "data").exists() and not (src / ".git").exists()
    for line in ('Environment="PRIMARY_BACKEND=dagon"', 'Environment="CAMERA_ID=helios"',
                 'Environment="MQTT_URL=mqtt://192.168.0.51:1883"',
                 f"ExecStart={pi}/usr/bin/skylapse-capture", f"User={sshd.user}",
                 f"ReadWritePaths=-{pi}/images", f'Environment="IMAGES_DIR={pi}/images"'):
        assert f"\n{line}\n" in capture, line
    assert stat.S_IMODE((units / "skylapse.env").stat().st_mode) == 0o600
    assert secrets["MQTT_PASSWORD"] == project["env"]["MQTT_CAMERA_PASSWORD"]
    verify = run(["systemd-analyze", "verify", units / "skylapse-capture.service",
                  units / "skylapse-bridge-pi.service"], cwd=tmp_path)
    assert verify.returncode == 0 and verify.stdout + verify.stderr == "", verify.stderr
    assert (pi / "images").is_dir()


def check_edge_deploy(done, units, server, project, tmp_path):
    """deploy-capture.sh --edge-broker: the agent and the port 8080 API on the
    Pi's own broker, which holds the camera's password; run, its bridge logs
    in to the server's broker as the camera and carries a frame there."""
    out = done.stdout
    assert "installing the missing packages of scripts/packages-pi.txt and mosquitto" in out
    assert "packages: all present" in out  # the tests' mosquitto
    assert (f"broker mqtt://127.0.0.1:1883 bridged to 127.0.0.1:{server.port}) and starting"
            in out)
    assert "units: written to" in out and "skylapse-edge-broker skylapse-capture" in out
    for unit in ("skylapse-capture.service", "skylapse-bridge-pi.service"):
        assert '\nEnvironment="MQTT_URL=mqtt://127.0.0.1:1883"\n' in (units / unit).read_text()
    assert "MQTT_PASSWORD" not in (units / "skylapse.env").read_text()
    verify = run(["systemd-analyze", "verify", units / "skylapse-edge-broker.service"],
                 cwd=tmp_path)
    assert verify.returncode == 0 and verify.stdout + verify.stderr == "", verify.stderr
    conf = units / "edge-broker.conf"
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600
    text = conf.read_text()
    assert "@" not in text
    for line in (f"address 127.0.0.1:{server.port}", "remote_username helios",
                 f"remote_password {project['env']['MQTT_CAMERA_PASSWORD']}",
                 "#bridge_capath /etc/ssl/certs",
                 "persistence_location /var/lib/skylapse-edge-broker/",
                 "notification_topic skylapse/helios/edge", "topic skylapse/helios/frames out 1"):
        assert f"\n{line}\n" in text, line
    # run here: the persistence folder in the test's (the harness picks the port)
    (tmp_path / "edge").mkdir()
    here = tmp_path / "edge" / "edge-broker.conf"
    here.write_text(text.replace("/var/lib/skylapse-edge-broker/", f"{tmp_path / 'edge'}/"))
    edge = Broker(tmp_path / "edge", conf=str(here), extra=AS_ROOT).start()
    watcher = Client(server.port, username="readonly",
                     password=project["env"]["MQTT_READONLY_PASSWORD"])
    pi = Client(edge.port)
    try:
        watcher.subscribe("skylapse/helios/#")
        watcher.wait_message("skylapse/helios/edge", lambda m: m.payload == b"1", timeout=30)
        pi.publish("skylapse/helios/frames", b'{"path": "deployed"}')
        watcher.wait_message("skylapse/helios/frames",
                             lambda m: m.payload == b'{"path": "deployed"}')
    finally:
        pi.close()
        watcher.close()
        edge.stop()


def test_deploy_edge_broker_dry_run_masks_the_bridge_password(project):
    cam_env = project["dir"] / "data" / "broker" / "camera-helios.env"
    done = run([DEPLOY, "helios.local", "pi", "dagon", "--dry-run", "--broker-env", cam_env,
                "--edge-broker", "--broker", "mqtts://broker.example:8884"])
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for expected in ("remote_password ********\n", "address broker.example:8884\n",
                     "\nbridge_capath /etc/ssl/certs\n",
                     'Environment="MQTT_URL=mqtt://127.0.0.1:1883"',
                     '$SUDO install -m 640 -g mosquitto "$out/edge-broker.conf" '
                     "/etc/skylapse/edge-broker.conf",
                     "$SUDO systemctl enable skylapse-edge-broker skylapse-capture "
                     "skylapse-bridge-pi"):
        assert expected in out, expected
    assert project["env"]["MQTT_CAMERA_PASSWORD"] not in out + done.stderr


# --- every shell script ------------------------------------------------------------------

def shell_scripts():
    skip = {"node_modules", "build", ".git", "data", "~"}
    found = []
    for path in sorted(ROOT.rglob("*")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in skip or not path.is_file() or path.is_symlink():
            continue
        if path.suffix == ".sh":
            found.append(path)
        elif path.suffix == "" and path.stat().st_size < 1_000_000:
            with open(path, "rb") as f:
                head = f.readline()
            if re.match(rb"#!\s*/(usr/)?bin/(env\s+)?(ba)?sh\b", head):
                found.append(path)
    return found


def test_shellcheck_every_shell_script():
    scripts = shell_scripts()
    names = {str(p.relative_to(ROOT)) for p in scripts}
    assert {"scripts/setup.sh", "scripts/deploy-capture.sh", "docker/entrypoint.sh",
            "scripts/broker-users.sh"} <= names
    done = run(["shellcheck", *scripts], cwd=ROOT)
    assert done.returncode == 0, done.stdout


def test_make_run_says_where_to_look_and_everything_answers_there(tmp_path):
    """scripts/run.sh (make run): the printed dashboard address answers /health with the
    camera online, the printed broker takes a capture, the broker's own lines are in its
    log file and not among the agents', and Ctrl-C stops it all."""
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    env = dict(os.environ, SKYLAPSE_DATA=str(tmp_path / "data"), SKYLAPSE_MQTT_PORT=str(free_port()),
               BACKEND_PORT=str(busy.getsockname()[1]))  # taken: run.sh must pick another
    out = open(tmp_path / "out.log", "w+")
    run = subprocess.Popen(["bash", str(ROOT / "scripts" / "run.sh"), str(BIN)], env=env,
                           stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        text = lambda: (tmp_path / "out.log").read_text()  # noqa: E731
        wait_for(lambda: "Press Ctrl-C" in text(), 20, "run.sh's message")
        url = re.search(r"Dashboard and REST API\s+(http://\S+)", text()).group(1)
        broker = int(re.search(r"Broker\s+mqtt://127.0.0.1:(\d+)", text()).group(1))
        assert url != f"http://127.0.0.1:{busy.getsockname()[1]}/"

        def healthy():
            try:
                with urllib.request.urlopen(url + "health", timeout=2) as r:
                    return json.load(r)["cameras"].get("helios") == "online"
            except OSError:
                return False
        wait_for(healthy, 20, "the printed address answering with the camera online")
        c = Client(broker)
        c.subscribe("skylapse/helios/capture/response")
        c.publish("skylapse/helios/capture/request",
                  json.dumps({"profile": "A", "backend_name": "dagon", "request_id": "r1"}))
        assert json.loads(c.wait_message("skylapse/helios/capture/response", timeout=20)
                          .payload)["status"] == "ok"
        c.close()
        assert "New connection from" in (tmp_path / "data" / "run" / "mosquitto.log").read_text()
        assert "New connection from" not in text()
    finally:
        os.killpg(run.pid, signal.SIGINT)
        rc = run.wait(20)
        busy.close()
    assert "skylapse: stopping" in text() and rc in (0, 130), (rc, text()[-2000:])


def test_make_demo_ends_with_the_sunset_video_in_the_dashboard(tmp_path):
    """scripts/demo.sh (make demo), faster than its default: today's sunset on the simulated
    clock, profile h, the window's video made by itself and served by the bridge."""
    env = dict(os.environ, SKYLAPSE_DATA=str(tmp_path / "demo"), SKYLAPSE_DEMO_SPEED="120",
               SKYLAPSE_DEMO_EXIT="1")
    done = run(["bash", ROOT / "scripts" / "demo.sh", BIN], env=env, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    url = re.search(r"Video\s+(http://\S+)", done.stdout).group(1)
    job = url.split("/")[-2]
    assert re.fullmatch(r"helios-sunset-\d{4}-\d{2}-\d{2}-h", job)
    videos = list((tmp_path / "demo" / "timelapses" / "helios").glob(f"*{job}.mp4"))
    assert len(videos) == 1
    frames = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-show_entries",
                             "stream=nb_read_frames", "-of", "csv=p=0", str(videos[0])],
                            capture_output=True, text=True, check=True).stdout.strip()
    # 80 minutes of sky, a frame every 30 s: 160 slots, a quarter of a real second each at
    # this speed, where a busy camera misses a few (make demo's 40 times: 156 of 160 here)
    assert int(frames) >= 120
