"""Soak: the whole stack on one machine for a while, its memory and descriptors sampled.

  bench/soak/run.sh [MINUTES]   (default 30)

What runs, with the real mosquitto: skylapse-capture (sim, 640x480) writing to a "Pi"
folder; skylapse-scheduler with back-to-back 5-minute windows, a request every second for
three profiles (a, b, g), each window's videos made by itself when it closes;
skylapse-transfer in local mode pulling the frames to the server folder on every
announcement and deleting them on the Pi once verified; skylapse-encoder; skylapse-bridge
with 50 /events clients held open. Every minute each program's RSS and open descriptors are
sampled and printed. At the end: frames asked, captured, announced and on the server, and
videos done. Target: RSS and descriptors flat (the last sample, taken once every video is done,
within 10 % + 1 MiB of the one after the first window's videos), no frame lost (every announced
frame on the server), every video done.
"""
import json
import os
import socket
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "tests" / "integration"))
from harness import (BACKEND, CAM, ROOT, R, Broker, Client, Daemon, free_port,  # noqa: E402
                     payload_json, rss_kib, wait_for, wait_port)

PROFILES = ["a", "b", "g"]
SSE_CLIENTS = 50
WINDOW_MIN = 5


def proc_sample(pid):
    return rss_kib(pid), len(os.listdir(f"/proc/{pid}/fd"))


def hold_events(port, stop, counts, i):
    """One /events client: reads until told to stop, counting frame events."""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
    s.settimeout(1.0)
    while not stop.is_set():
        try:
            data = s.recv(65536)
        except socket.timeout:
            continue
        if not data:
            break
        counts[i] += data.count(b"event: frame")
    s.close()


def config(tmp, minutes):
    cfg = json.loads((ROOT / "config" / "config.json").read_text())
    zone = ZoneInfo(cfg["location"]["timezone"])
    start = datetime.now(zone).replace(second=0, microsecond=0) + timedelta(minutes=1)
    cfg["schedules"] = {}
    for w in range(minutes // WINDOW_MIN):
        a = start + timedelta(minutes=w * WINDOW_MIN)
        b = a + timedelta(minutes=WINDOW_MIN)
        cfg["schedules"][f"w{w}"] = {
            "type": "time_of_day", "start_time": a.strftime("%H:%M"),
            "end_time": b.strftime("%H:%M"), "interval_seconds": 1, "profiles": PROFILES,
            "timelapse": {"width": 640, "fps": 30}}
    cfg["capture"] = {"sim_width": 640, "sim_height": 480, "min_free_pct": 0}
    cfg.setdefault("profiles", {}).update({p: {"enabled": True} for p in PROFILES})
    path = tmp / "config.json"
    path.write_text(json.dumps(cfg))
    return path, start, len(cfg["schedules"])


def main():
    minutes = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    minutes = max(WINDOW_MIN, minutes - minutes % WINDOW_MIN)
    tmp = Path(tempfile.mkdtemp(prefix="skylapse-soak-"))
    broker = Broker(tmp).start()
    cfg, start, windows = config(tmp, minutes)
    base = {"MQTT_URL": broker.url, "SKYLAPSE_CONFIG": str(cfg), "CAMERA_ID": CAM,
            "BACKEND_NAME": BACKEND, "PRIMARY_BACKEND": BACKEND,
            "IMAGES_DIR": str(tmp / "server"), "TIMELAPSES_DIR": str(tmp / "videos")}
    watch = Client(broker.port)
    for t in (f"{R}/{CAM}/capture/request", f"{R}/{CAM}/frames", f"{R}/encoder/jobs/+"):
        watch.subscribe(t)
    port = free_port()
    daemons = {
        "capture": Daemon("skylapse-capture", env={**base, "CAMERA_SOURCE": "sim",
                                                   "IMAGES_DIR": str(tmp / "pi")},
                          workdir=tmp),
        "scheduler": Daemon("skylapse-scheduler", env=base, workdir=tmp),
        "transfer": Daemon("skylapse-transfer", env={
            **base, "PI_HOST": "local", "PI_SOURCE": str(tmp / "pi"),
            "TRANSFER_INTERVAL_MINUTES": "1", "DELETE_AFTER_DAYS": "0"}, workdir=tmp),
        "encoder": Daemon("skylapse-encoder", ["--worker", "soak"], env=base, workdir=tmp),
        "bridge": Daemon("skylapse-bridge", ["--port", str(port), "--bind", "127.0.0.1"],
                         env={**base, "DASHBOARD_DIR": ""}, workdir=tmp),
    }
    for d in daemons.values():
        d.start()
    stop = threading.Event()
    counts = [0] * SSE_CLIENTS
    wait_port(port, 20)
    clients = [threading.Thread(target=hold_events, args=(port, stop, counts, i), daemon=True)
               for i in range(SSE_CLIENTS)]
    for c in clients:
        c.start()
    samples = {name: [] for name in daemons}
    end = start + timedelta(minutes=minutes)
    print(f"soak: {minutes} min from {start:%H:%M} ({windows} windows of {WINDOW_MIN} min, "
          f"1 s, profiles {','.join(PROFILES)}), {SSE_CLIENTS} /events clients, in {tmp}")
    print("minute " + " ".join(f"{n + ' RSS KiB/fds':>22}" for n in daemons))
    minute = 0
    while datetime.now(start.tzinfo) < end + timedelta(seconds=30):
        time.sleep(60)  # the sampling period, not a synchronisation
        minute += 1
        row = []
        for name, d in daemons.items():
            if not d.alive():
                row.append(f"{'exited':>22}")
                continue
            rss, fds = proc_sample(d.proc.pid)
            samples[name].append((rss, fds))
            row.append(f"{rss:>15}/{fds:<6}")
        print(f"{minute:>6} " + " ".join(row), flush=True)
    # the last window's videos, then the counts
    jobs = lambda: {m.topic.rsplit("/", 1)[1]: payload_json(m).get("state")  # noqa: E731
                    for m in watch.all(f"{R}/encoder/jobs/+") if m.payload}
    wait_for(lambda: sum(s in ("done", "failed") for s in jobs().values())
             >= windows * len(PROFILES), 300, "every window's videos")
    stop.set()
    # once more, every job over: an encoder that kept its last job's memory shows here
    for name, d in daemons.items():
        if d.alive():
            samples[name].append(proc_sample(d.proc.pid))
    asked = len(watch.all(f"{R}/{CAM}/capture/request"))
    announced = [payload_json(m)["path"] for m in watch.all(f"{R}/{CAM}/frames")]
    wait_for(lambda: all((tmp / "server" / CAM / p).exists() for p in announced), 180,
             "every announced frame on the server")
    on_server = sum(1 for _ in (tmp / "server" / CAM).rglob("*.jpg"))
    done = sum(s == "done" for s in jobs().values())
    for d in daemons.values():
        d.stop()
    broker.stop()
    print(f"frames: requests {asked}, announced {len(announced)}, on the server {on_server}; "
          f"lost {len(announced) - sum((tmp / 'server' / CAM / p).exists() for p in announced)}")
    print(f"videos: {done} done of {windows * len(PROFILES)}; /events frame events per client: "
          f"min {min(counts)}, max {max(counts)}")
    # judged from the minute after the first window's videos: what a program keeps after
    # its first job (the encoder's allocator, FFmpeg's tables) is warm-up, not growth; the
    # figures from minute 2 are printed too
    warm = WINDOW_MIN + 2
    flat = True
    for name, s in samples.items():
        if len(s) <= warm:
            continue
        (r0, f0), (rw, fw), (r1, f1) = s[1], s[warm], s[-1]
        ok = r1 <= rw * 1.10 + 1024 and f1 <= fw + 2
        flat &= ok
        print(f"{name}: RSS {r0} (minute 2) / {rw} (minute {warm + 1}) -> {r1} KiB "
              f"({(r1 - rw) / max(rw, 1) * 100:+.1f} % after warm-up), fds {f0} / {fw} -> {f1}: "
              f"{'flat' if ok else 'GROWS'}")
    print(f"soak: {'flat' if flat else 'NOT flat'}; {tmp} kept for inspection")


if __name__ == "__main__":
    main()
