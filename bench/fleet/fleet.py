"""Fleet: many sim cameras through one broker, one scheduler and one bridge.

  bench/fleet/run.sh [BIN]     (see run.sh for the knobs)

For each fleet size N: the real mosquitto (broker/mosquitto.conf), skylapse-scheduler with
one window open for the whole run asking every camera for one frame (profile a) every
INTERVAL s, N real skylapse-capture agents (sim source, 64x48 frames) each writing into the
server's folder (no transfer needed, SPEC 6), skylapse-bridge with SSE_CLIENTS /events
clients, and two mosquitto_sub (C) recording what goes over the broker. The cameras are the scheduler's
`cameras` list in config.json. Once every camera is online the counting starts and lasts
MINUTES; then the clients get 15 s to drain.

Printed per size: frames asked, answered, announced, on disk, delivered to every /events
client, and lost (announced but missing on disk or at any client, or a slot asked and no
frame announced for it); the announcement-to-SSE latency p50/p99 (the observer's arrival time of
R/<camera>/frames at a mosquitto_sub (C) to a client's arrival time of its `frame` event,
same clock; also from the frame's captured_at); CPU (% of one
core) and RSS of the broker, the scheduler, the bridge and the agents, total and per camera;
the MQTT traffic per camera (messages and bytes per minute per topic). Ratios: the server
side's CPU against the agents' (the reference, measured in the same run), and each size's
per-camera figures against the first size's.
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import paho.mqtt.client as mqtt

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "tests" / "integration"))
from harness import (BACKEND, ROOT, R, Broker, Daemon, free_port, rss_kib, wait_for,  # noqa: E402
                     wait_port)

HZ = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def iso_s(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def pct(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


class Online:
    """The cameras whose availability says online (a light Python subscriber; what is
    counted is counted by mosquitto_sub, in C, which keeps up)."""

    def __init__(self, port):
        self.cams = set()
        self.c = mqtt.Client(client_id=f"fleet-online-{os.getpid()}", protocol=mqtt.MQTTv5)
        self.c.on_message = self.on_message
        self.c.connect("127.0.0.1", port)
        self.c.subscribe([(f"{R}/+/availability", 1)])
        self.c.loop_start()

    def on_message(self, client, userdata, m):
        if m.payload == b"online":
            self.cams.add(m.topic.split("/")[1])

    def close(self):
        self.c.disconnect()
        self.c.loop_stop()


def kind_of(topic):
    """A topic with its camera, backend or Home Assistant device left out."""
    parts = topic.split("/")
    if parts[0] != R:
        return parts[0] + "/..."  # Home Assistant's discovery
    if parts[1] == "backend":
        if len(parts) > 5 and parts[3] == "cameras":
            return "backend/<name>/cameras/<camera>/" + "/".join(parts[5:])
        return "backend/<name>/" + "/".join(parts[3:])
    if parts[1] in ("encoder", "transfer", "sync"):
        return "/".join(parts[1:3])
    return "/".join(parts[2:])  # R/<camera>/...


def read_lines(path):
    """Complete lines of a file another process is writing."""
    text = path.read_text(errors="replace")
    return text[:text.rfind("\n") + 1].splitlines()


def sse_client(port, stop, got):
    """One /events client: the arrival time of each frame event, by path."""
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(b"GET /events HTTP/1.0\r\n\r\n")  # 1.0: no chunked framing to undo
    s.settimeout(0.5)
    buf = b""
    while not stop.is_set():
        try:
            data = s.recv(262144)
        except socket.timeout:
            continue
        if not data:
            break
        now = time.time()
        buf += data
        *events, buf = buf.split(b"\n\n")
        for e in events:
            if b"event: frame\n" not in e:
                continue
            for line in e.split(b"\n"):
                if line.startswith(b"data: "):
                    try:
                        got[json.loads(line[6:])["path"]] = now
                    except ValueError:  # counted as missing at this client
                        print(f"fleet: a frame event that is not JSON: {line[:80]!r}")
    s.close()


def config(tmp, cams, minutes, interval):
    cfg = json.loads((ROOT / "config" / "config.json").read_text())
    zone = ZoneInfo(cfg["location"]["timezone"])
    now = datetime.now(zone)
    a, b = now - timedelta(minutes=1), now + timedelta(minutes=minutes + 15)
    cfg["schedules"] = {"fleet": {
        "type": "time_of_day", "start_time": a.strftime("%H:%M"), "end_time": b.strftime("%H:%M"),
        "interval_seconds": interval, "profile": "a", "timelapse": {"auto": False}}}
    cfg["capture"] = {"sim_width": 64, "sim_height": 48, "min_free_pct": 0}
    cfg["cameras"] = {c: {} for c in cams}
    path = tmp / "config.json"
    path.write_text(json.dumps(cfg))
    return path


def run(n, minutes, interval, nclients):
    tmp = Path(tempfile.mkdtemp(prefix=f"skylapse-fleet-{n}-"))
    cams = [f"cam{i:03d}" for i in range(n)]
    broker = Broker(tmp, extra=os.environ.get("SKYLAPSE_FLEET_BROKER_CONF", "")).start()
    cfg = config(tmp, cams, minutes, interval)
    base = {"MQTT_URL": broker.url, "SKYLAPSE_CONFIG": str(cfg), "BACKEND_NAME": BACKEND,
            "PRIMARY_BACKEND": BACKEND, "IMAGES_DIR": str(tmp / "images"),
            "TIMELAPSES_DIR": str(tmp / "videos"), "SKYLAPSE_LOG_LEVEL": "warn", "CAMERA_ID": ""}
    online = Online(broker.port)
    subs, agents, server = [], [], {}
    # mosquitto_sub (C) keeps up where a Python client would not: the announcements,
    # requests and answers with their arrival times (the reference for latency), and the
    # size of every message on the broker
    for name, args in (("messages.txt", ["-t", f"{R}/+/frames", "-t", f"{R}/+/capture/request",
                                         "-t", f"{R}/+/capture/response", "-F", "%U %t %p"]),
                       ("traffic.txt", ["-t", "#", "-F", "%U %l %t"])):
        out = open(tmp / name, "w")
        subs.append((subprocess.Popen(["mosquitto_sub", "-p", str(broker.port), "-q", "1",
                                       "-V", "5", *args], stdout=out), out))
    stop = threading.Event()
    try:
        port = free_port()
        server = {
            "scheduler": Daemon("skylapse-scheduler", env={
                **base, "SKYLAPSE_STATE_DIR": str(tmp / "state-scheduler")}, workdir=tmp),
            "bridge": Daemon("skylapse-bridge", ["--port", str(port), "--bind", "127.0.0.1"],
                             env={**base, "DASHBOARD_DIR": ""}, workdir=tmp),
        }
        for d in server.values():
            d.start()
        wait_port(port, 30)
        got = [dict() for _ in range(nclients)]
        for i in range(nclients):
            threading.Thread(target=sse_client, args=(port, stop, got[i]), daemon=True).start()
        started = time.time()
        for cam in cams:
            agents.append(Daemon("skylapse-capture", env={
                **base, "CAMERA_ID": cam, "CAMERA_SOURCE": "sim",
                "IMAGES_DIR": str(tmp / "images" / cam),
                "SKYLAPSE_STATE_DIR": str(tmp / "state" / cam)}, workdir=tmp).start())
        try:
            wait_for(lambda: online.cams >= set(cams), 60 + n * 0.5, "every camera online")
        except TimeoutError:
            print(f"fleet {n}: STOPS - {len(online.cams)} of {n} cameras online after "
                  f"{time.time() - started:.0f} s; counting what there is", flush=True)
        return measure(n, minutes, interval, tmp, broker, server, agents, got, stop)
    finally:
        stop.set()
        for d in agents + list(server.values()):
            d.stop()
        for p, out in subs:
            p.terminate()
            p.wait()
            out.close()
        online.close()
        broker.stop()


def measure(n, minutes, interval, tmp, broker, server, agents, got, stop):
    procs = {"broker": broker.proc.pid, **{k: d.proc.pid for k, d in server.items()}}
    t0 = time.time()
    ticks0 = {k: cpu_ticks(p) for k, p in procs.items()}
    ticks0["agents"] = sum(cpu_ticks(d.proc.pid) for d in agents)
    rss_max = {k: 0 for k in [*procs, "agents"]}
    print(f"fleet {n}: counting {minutes} min, a frame every {interval} s per camera, "
          f"{len(got)} /events clients, in {tmp}", flush=True)
    while time.time() < t0 + minutes * 60:
        time.sleep(min(10, max(0.1, t0 + minutes * 60 - time.time())))  # sampling period
        for k, p in procs.items():
            rss_max[k] = max(rss_max[k], rss_kib(p))
        rss_max["agents"] = max(rss_max["agents"], sum(rss_kib(d.proc.pid) for d in agents
                                                       if d.alive()))
    t1 = time.time()
    ticks1 = {k: cpu_ticks(p) for k, p in procs.items()}
    ticks1["agents"] = sum(cpu_ticks(d.proc.pid) for d in agents if d.alive())
    alive = sum(d.alive() for d in agents)

    def parse():
        asked, done, ok, frames, arrived, captured, req_lag, by_plan = (
            set(), set(), 0, {}, {}, {}, [], 0)
        for line in read_lines(tmp / "messages.txt"):
            at, topic, payload = line.split(" ", 2)
            at, cam, a = float(at), topic.split("/")[1], json.loads(payload)
            if at < t0:
                continue
            if topic.endswith("/capture/request") and at <= t1:
                asked.add((cam, a["slot"]))
                req_lag.append((at - iso_s(a["slot"])) * 1000)
            elif topic.endswith("/capture/response") and at <= t1:
                ok += a.get("status") == "ok"
            elif topic.endswith("/frames"):
                done.add((cam, a.get("slot")))
                key = f"{cam}/{a['path']}"  # the bridge's path
                frames[key], arrived[key] = at, at
                captured[key] = iso_s(a["captured_at"])
                by_plan += not (a.get("request_id") or "").startswith("fleet-")
        return asked, done, ok, frames, arrived, captured, req_lag, by_plan

    # the frames of the slots asked, then each client's copy of every frame
    try:
        wait_for(lambda: (lambda r: r[0] <= r[1])(parse()), 15, "the last frames", interval=1.0)
    except TimeoutError:
        pass  # what is missing is counted below
    asked, done, ok, frames, arrived, captured, req_lag, by_plan = parse()
    try:
        wait_for(lambda: all(set(frames) <= set(g) for g in got), 15, "every client's frames",
                 interval=0.5)
    except TimeoutError:
        pass
    stop.set()
    unanswered = len(asked - done)
    on_disk = sum((tmp / "images" / p).exists() for p in frames)  # <camera>/<path>
    missing_at_client = sum(len(set(frames) - set(g)) for g in got)
    lat = [(g[p] - arrived[p]) * 1000 for g in got for p in frames if p in g]
    e2e = [(g[p] - captured[p]) * 1000 for g in got for p in frames if p in g]
    traffic = {}
    for line in read_lines(tmp / "traffic.txt"):
        at, size, topic = line.split(" ", 2)
        if t0 <= float(at) <= t1:
            t = traffic.setdefault(kind_of(topic), [0, 0])
            t[0] += 1
            t[1] += int(size)
    dropped = (tmp / f"mosquitto-{broker.port}.log").read_text().count("messages are being dropped")
    dt = t1 - t0
    cpu = {k: (ticks1[k] - ticks0[k]) / HZ / dt * 100 for k in ticks0}
    lost = (len(frames) - on_disk) + missing_at_client + unanswered
    print(f"  frames: asked {len(asked)}, answered ok {ok}, announced {len(frames)} "
          f"({len(asked) / dt * 60 / n:.1f} asked per camera per minute), on disk {on_disk}, "
          f"slots asked with no frame announced {unanswered}, missing at /events clients "
          f"{missing_at_client}; agents still running {alive}/{n}; broker queues that dropped "
          f"messages {dropped}; LOST {lost}")
    print(f"  announcement -> /events latency over {len(lat)} deliveries (from mosquitto_sub's "
          f"arrival): p50 {pct(lat, 50):.1f} ms, p99 {pct(lat, 99):.1f} ms, max "
          f"{max(lat or [0]):.1f} ms; from captured_at (capture, JPEG, write, announce, "
          f"bridge): p50 {pct(e2e, 50):.1f} ms, p99 {pct(e2e, 99):.1f} ms")
    print(f"  capture requests at a subscriber after their slot: p50 {pct(req_lag, 50):.0f} ms, "
          f"p99 {pct(req_lag, 99):.0f} ms, max {max(req_lag or [0]):.0f} ms; frames the cameras "
          f"took by their plan (no request half an interval after the slot): {by_plan} "
          f"({by_plan / max(len(frames), 1) * 100:.1f} %)")
    print(f"  {'process':<10} {'CPU % of a core':>16} {'per camera':>11} {'RSS MiB':>9} "
          f"{'per camera KiB':>15}")
    for k in ["broker", "scheduler", "bridge", "agents"]:
        print(f"  {k:<10} {cpu[k]:>16.2f} {cpu[k] / n:>11.4f} {rss_max[k] / 1024:>9.1f} "
              f"{rss_max[k] / n:>15.1f}")
    serverside = cpu["broker"] + cpu["scheduler"] + cpu["bridge"]
    print(f"  server side (broker + scheduler + bridge) CPU / agents' CPU (reference, same "
          f"run): {serverside / max(cpu['agents'], 1e-9):.3f}")
    print("  MQTT traffic per camera per minute (while counting):")
    for kind, (msgs, size) in sorted(traffic.items(), key=lambda kv: -kv[1][1]):
        if msgs / n / dt * 60 >= 0.01:
            print(f"    {kind:<44} {msgs / n / dt * 60:>8.2f} msg {size / n / dt * 60:>10.0f} B "
                  f"(mean {size / max(msgs, 1):.0f} B)")
    return {"n": n, "lost": lost, "plan_pct": by_plan / max(len(frames), 1) * 100,
            "req_p99": pct(req_lag, 99), "p50": pct(lat, 50), "p99": pct(lat, 99), "cpu": cpu,
            "rss": rss_max, "per_min": len(asked) / dt * 60 / n}


def main():
    minutes = float(os.environ.get("SKYLAPSE_FLEET_MINUTES", "10"))
    sizes = [int(x) for x in os.environ.get("SKYLAPSE_FLEET_CAMERAS", "100").split()]
    interval = int(os.environ.get("SKYLAPSE_FLEET_INTERVAL", "5"))
    nclients = int(os.environ.get("SKYLAPSE_FLEET_SSE", "20"))
    results = [run(n, minutes, interval, nclients) for n in sizes]
    ref = results[0]
    print(f"fleet: per-camera figures against {ref['n']} cameras (same run)")
    print(f"  {'cameras':>7} {'lost':>5} {'p50 ms':>8} {'p99 ms':>8} {'req p99':>8} "
          f"{'by plan':>8} {'frames/cam/min':>15} "
          + " ".join(f"{k + ' CPU/cam':>15}" for k in ("broker", "scheduler", "bridge", "agents")))
    for r in results:
        ratios = []
        for k in ("broker", "scheduler", "bridge", "agents"):
            per, per0 = r["cpu"][k] / r["n"], ref["cpu"][k] / ref["n"]
            ratios.append(f"{per:>8.4f} x{per / max(per0, 1e-9):<5.2f}")
        print(f"  {r['n']:>7} {r['lost']:>5} {r['p50']:>8.1f} {r['p99']:>8.1f} "
              f"{r['req_p99']:>8.0f} {r['plan_pct']:>7.1f}% "
              f"{r['per_min']:>15.2f} " + " ".join(f"{x:>15}" for x in ratios))
    sys.exit(1 if any(r["lost"] for r in results) else 0)


if __name__ == "__main__":
    main()
