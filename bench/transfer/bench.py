"""The transfer benchmark; see run.sh beside this file for what it measures.

Runs in a network namespace of its own (run.sh starts it so): the "Pi" is a
second one, joined by a veth pair shaped with tc. Reuses the integration
tests' harness (mosquitto on a free port) and their throw-away sshd, so the
numbers come from the same set-up the tests prove.
"""
import datetime
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from harness import Broker, Client, payload_json, wait_for  # noqa: E402
from sshd_server import Sshd  # noqa: E402

BIN = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build" / "bin")
FRAMES = int(os.environ.get("FRAMES", 2000))
SHAPED_FRAMES = int(os.environ.get("SHAPED_FRAMES", 500))
RATE = os.environ.get("RATE", "100mbit")
SIZE = int(os.environ.get("SIZE_KB", 500)) * 1000
ROUNDS = int(os.environ.get("ROUNDS", 6))
LAT_FRAMES = int(os.environ.get("LAT_FRAMES", 200))
LAT_RATE = float(os.environ.get("LAT_RATE", 5))
CAM = "helios"
SERVER_ADDR, PI_ADDR = "10.213.0.1", "10.213.0.2"  # inside our namespaces only


def run(*cmd, ns=None):
    """Runs a command here, or in the namespace of process `ns`."""
    subprocess.run((["nsenter", "-t", ns, "-n"] if ns else []) + list(cmd), check=True)


class ShapedLink:
    """The Pi's network namespace, held by a `cat` that ends when our end of
    its stdin closes (so with this process, however it ends), and a veth
    pair to it, each end's sending shaped to RATE by a token bucket."""

    def __init__(self):
        links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True,
                               check=True).stdout.splitlines()
        if len(links) != 1 or ": lo:" not in links[0]:
            sys.exit("bench: start it through run.sh (this network namespace should hold lo only)")
        self.holder = None

    def start(self):
        own = os.readlink("/proc/self/ns/net")
        run("ip", "link", "set", "lo", "up")
        self.holder = subprocess.Popen(["unshare", "--net", "cat"], stdin=subprocess.PIPE,
                                       stdout=subprocess.DEVNULL)
        pid = str(self.holder.pid)
        wait_for(lambda: os.readlink(f"/proc/{pid}/ns/net") != own, 10, "the Pi's namespace")
        run("ip", "link", "add", "sl-server", "type", "veth", "peer", "name", "sl-pi")
        run("ip", "link", "set", "sl-pi", "netns", pid)
        run("ip", "link", "set", "lo", "up", ns=pid)
        for dev, addr, ns in (("sl-server", SERVER_ADDR, None), ("sl-pi", PI_ADDR, pid)):
            run("ip", "addr", "add", f"{addr}/30", "dev", dev, ns=ns)
            run("ip", "link", "set", dev, "up", ns=ns)
            run("tc", "qdisc", "add", "dev", dev, "root", "tbf", "rate", RATE, "burst", "32kb",
                "latency", "50ms", ns=ns)
        self.prefix = ["nsenter", "-t", pid, "-n"]
        return self

    def stop(self):
        if self.holder:
            self.holder.stdin.close()
            self.holder.wait(10)


def write_frame(root, when, data):
    """Writes a frame and its sidecar as the capture agent does (temporary
    name, then rename); returns the announcement."""
    rel = (f"profile-a/{when:%Y-%m-%d}/capture_{when:%Y%m%d_%H%M%S}_"
           f"{when.microsecond // 1000:03d}.jpg")
    ann = {"camera": CAM, "profile": "a", "path": rel,
           "captured_at": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z",
           "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    jpg = Path(root) / rel
    jpg.parent.mkdir(parents=True, exist_ok=True)
    for path, body in ((jpg, data), (jpg.with_suffix(".json"), json.dumps(ann).encode())):
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(body)
        tmp.rename(path)
    return ann


def make_frames(root, n, start):
    for i in range(n):
        write_frame(root, start + datetime.timedelta(seconds=5 * i), os.urandom(SIZE))


def cpu_of_children():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def timed(cmd, env=None):
    """Wall time, and CPU time of the command and its children (rsync and
    ssh on this side; the "Pi" side runs under sshd and is not counted)."""
    cpu, t = cpu_of_children(), time.monotonic()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"bench: {cmd[0]} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    return time.monotonic() - t, cpu_of_children() - cpu


def transfer_env(work, sshd, broker, pi, server, **extra):
    env = dict(os.environ)
    env.update(sshd.env())
    env.update({"CAMERA_ID": CAM, "PI_SOURCE": str(pi), "IMAGES_DIR": str(server),
                "MQTT_URL": broker.url, "TRANSFER_INTERVAL_MINUTES": "60",
                "DELETE_AFTER_DAYS": "36500", "SKYLAPSE_CONFIG": str(ROOT / "config" / "config.json")})
    env.update(extra)
    return env


def throughput(name, label, work, sshd, broker, frames):
    """Plain rsync and ours over one network; returns the median of each
    round's ratio ours / plain."""
    pi, plain, server = work / f"pi-{name}", work / "plain", work / "server"
    t = time.monotonic()
    make_frames(pi, frames, datetime.datetime(2026, 6, 21, 4, 0, 0))
    print(f"{label}: made {frames} frames of {SIZE // 1000} KB in {time.monotonic() - t:.1f} s")
    ssh = (f"ssh -i {sshd.key} -p {sshd.port} -o BatchMode=yes -o IdentitiesOnly=yes "
           f"-o UserKnownHostsFile={sshd.known_hosts}")
    plain_cmd = ["rsync", "-a", "-e", ssh, f"{sshd.user}@{sshd.host}:{pi}/", f"{plain}/"]
    ours_cmd = [str(BIN / "skylapse-transfer"), "--once"]
    env = transfer_env(work, sshd, broker, pi, server)
    times = {"plain": [], "ours": []}
    cpu = {"plain": [], "ours": []}

    def one(which):
        shutil.rmtree(plain if which == "plain" else server, ignore_errors=True)
        # the last run's copy goes to disk now, not during the next run
        os.sync()
        return timed(plain_cmd) if which == "plain" else timed(ours_cmd, env)

    for which in ("plain", "ours"):
        wall, _ = one(which)
        print(f"  warm-up {which:5s} {wall:6.2f} s wall (not counted)")
    for r in range(ROUNDS):
        order = ("plain", "ours") if r % 2 == 0 else ("ours", "plain")
        for which in order:
            wall, used = one(which)
            times[which].append(wall)
            cpu[which].append(used)
            print(f"  round {r + 1} {which:5s} {wall:6.2f} s wall, {used:5.2f} s CPU, "
                  f"load {os.getloadavg()[0]:.1f}")
    bad = [p for p in (server / CAM).rglob("capture_*.jpg")
           if hashlib.sha256(p.read_bytes()).hexdigest() !=
           json.loads(p.with_suffix(".json").read_text())["sha256"]]
    mb = frames * SIZE / 1e6
    for which, label in (("plain", "plain rsync -a over ssh"), ("ours", "skylapse-transfer --once")):
        best, med = min(times[which]), statistics.median(times[which])
        print(f"  {label}: best {best:.2f} s ({mb / best:.1f} MB/s), median {med:.2f} s, "
              f"CPU median {statistics.median(cpu[which]):.2f} s")
    print(f"  {frames - len(bad)}/{frames} frames verified on the server")
    paired = [o / p for o, p in zip(times["ours"], times["plain"])]
    ratio = statistics.median(paired)
    print(f"  ratio ours/plain: median {ratio:.3f} over {ROUNDS} rounds "
          f"(each {' '.join(f'{x:.3f}' for x in paired)}); total "
          f"{sum(times['ours']) / sum(times['plain']):.3f}, CPU "
          f"{statistics.median(cpu['ours']) / statistics.median(cpu['plain']):.2f}")
    # What each side pays when there is nothing to copy (both trees are
    # complete now): the ssh connection and listing, and our start and exit.
    idle = {"plain": [], "ours": []}
    for _ in range(ROUNDS):
        for which, cmd, e in (("plain", plain_cmd, None), ("ours", ours_cmd, env)):
            idle[which].append(timed(cmd, e)[0])
    print(f"  nothing to copy: plain {statistics.median(idle['plain']) * 1000:.0f} ms, ours "
          f"{statistics.median(idle['ours']) * 1000:.0f} ms (medians of {ROUNDS})")
    shutil.rmtree(pi)
    return ratio


def parse_log_time(line):
    stamp = line.split(" ", 1)[0]
    return datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def latency(work, sshd, broker):
    pi, server = work / "pi-live", work / "server-live"
    pi.mkdir()
    env = transfer_env(work, sshd, broker, pi, server, SKYLAPSE_LOG_LEVEL="debug")
    log_path = work / "transfer-live.log"
    watcher = Client(broker.port)
    watcher.subscribe("skylapse/transfer/status")
    with open(log_path, "wb") as log:
        agent = subprocess.Popen([str(BIN / "skylapse-transfer")], env=env, stdout=log,
                                 stderr=subprocess.STDOUT)
    try:
        watcher.wait_message("skylapse/transfer/status",
                             lambda m: payload_json(m).get("result") == "ok", timeout=30)
        announced = {}
        start = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        t0 = time.monotonic()
        for i in range(LAT_FRAMES):
            ann = write_frame(pi, start + datetime.timedelta(milliseconds=1000 * i / LAT_RATE),
                              os.urandom(SIZE))
            announced[ann["path"]] = time.time()
            watcher.publish(f"skylapse/{CAM}/frames", json.dumps(ann))
            delay = t0 + (i + 1) / LAT_RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        deadline = time.monotonic() + 60
        verified = {}
        while time.monotonic() < deadline and len(verified) < len(announced):
            for line in log_path.read_text(errors="replace").splitlines():
                if " debug skylapse-transfer: verified " in line:
                    path = line.rsplit(" ", 1)[1]
                    if path in announced:
                        verified.setdefault(path, parse_log_time(line))
            time.sleep(0.2)
    finally:
        agent.terminate()
        agent.wait(15)
        watcher.close()
    lat = sorted(verified[p] - announced[p] for p in verified)
    if len(lat) < len(announced):
        print(f"latency: only {len(lat)}/{len(announced)} frames verified within a minute")
    if not lat:
        return
    p99 = lat[min(len(lat) - 1, int(round(0.99 * (len(lat) - 1))))]
    print(f"announcement -> verified over {len(lat)} frames at {LAT_RATE:g}/s: "
          f"p50 {statistics.median(lat) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
          f"max {lat[-1] * 1000:.0f} ms")


def main():
    link = ShapedLink()
    work = Path(os.environ.get("WORK") or tempfile.mkdtemp(prefix="skylapse-bench-transfer."))
    work.mkdir(parents=True, exist_ok=True)
    servers = []
    broker = None
    try:
        link.start()
        for sub in ("shaped", "loopback"):
            (work / sub).mkdir()
        shaped = Sshd(work / "shaped", host=PI_ADDR, prefix=link.prefix)
        servers.append(shaped.start())
        loopback = Sshd(work / "loopback")
        servers.append(loopback.start())
        broker = Broker(work).start()
        print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; work in {work}")
        limited = throughput("shaped", f"veth at {RATE}", work, shaped, broker,
                             SHAPED_FRAMES)
        unlimited = throughput("loopback", "loopback, unlimited", work, loopback, broker, FRAMES)
        latency(work, shaped, broker)
        print(f"figures, ours/plain (medians of {ROUNDS} rounds): veth at {RATE} {limited:.3f} "
              f"(target <= 1.05), loopback unlimited {unlimited:.3f}")
    finally:
        if broker:
            broker.stop()
        for sshd in servers:
            sshd.stop()
        link.stop()
        if os.environ.get("KEEP") != "1":
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
