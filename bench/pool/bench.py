"""The encoder pool benchmark; see run.sh beside this file for what it measures.

Reuses the integration tests' harness (mosquitto on a free port, our daemons
with their logs), so the figures come from the set-up the tests prove.
"""
import datetime as dt
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from harness import Broker, Client, Daemon, payload_json, wait_for  # noqa: E402

BIN = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build" / "bin")
FRAMES = int(os.environ.get("FRAMES", 90))
SIZE = os.environ.get("SIZE", "1920x1440")
JOBS = int(os.environ.get("JOBS", 6))
WORKERS = [int(n) for n in os.environ.get("WORKERS", "1 3").split()]
ROUNDS = int(os.environ.get("ROUNDS", 2))
CAM, R = "helios", "skylapse"
START = dt.datetime(2026, 11, 27, 6, 0, 0, tzinfo=dt.timezone.utc)
STEP_S = 5


def make_frames(images):
    """FRAMES JPEGs with their sidecars under images/<camera>/profile-a/<date>/."""
    raw = images.parent / "raw"
    raw.mkdir()
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                    f"testsrc2=s={SIZE}:r=10,format=yuvj420p", "-frames:v", str(FRAMES),
                    "-q:v", "3", str(raw / "f_%04d.jpg")], check=True)
    w, h = map(int, SIZE.split("x"))
    for i, f in enumerate(sorted(raw.glob("f_*.jpg"))):
        t = START + dt.timedelta(seconds=i * STEP_S)
        rel = f"profile-a/{t:%Y-%m-%d}/capture_{t:%Y%m%d_%H%M%S}_000.jpg"
        dst = images / CAM / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        data = f.read_bytes()
        dst.write_bytes(data)
        side = {"camera": CAM, "profile": "a", "path": rel,
                "captured_at": t.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(), "width": w, "height": h}
        dst.with_suffix(".json").write_text(json.dumps(side))
    shutil.rmtree(raw)


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_once(work, n, tag):
    """One run with n workers; returns (wall seconds, CPU seconds, jobs per worker)."""
    run_dir = work / tag
    run_dir.mkdir()
    broker = Broker(run_dir).start()
    env = {"MQTT_URL": broker.url, "IMAGES_DIR": str(work / "images"),
           "TIMELAPSES_DIR": str(run_dir / "timelapses"), "MQTT_TOPIC_ROOT": R,
           "SKYLAPSE_CONFIG": str(ROOT / "config" / "config.json"), "HA_DISCOVERY": "false"}
    watcher = Client(broker.port)
    workers = []
    try:
        watcher.subscribe(f"{R}/encoder/#")
        for i in range(n):
            d = Daemon("skylapse-encoder", ["--worker", f"w{i + 1}"], env, run_dir).start()
            workers.append(d)
            d.wait_log(f"worker w{i + 1} ready", timeout=60)
        end = START + dt.timedelta(seconds=FRAMES * STEP_S)
        ids = [f"{tag}-{j}" for j in range(JOBS)]
        t0 = time.monotonic()
        for job_id in ids:
            watcher.publish(f"{R}/encoder/jobs", json.dumps({
                "job_id": job_id, "camera": CAM, "profile": "a",
                "from": START.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "to": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "width": 1280, "crf": 23, "preset": "medium"}))
        finals = {}
        for job_id in ids:
            msg = watcher.wait_message(
                f"{R}/encoder/jobs/{job_id}",
                lambda m: m.payload and payload_json(m)["state"] in ("done", "failed"),
                timeout=3600)
            finals[job_id] = payload_json(msg)
        wall = max(m.timestamp for m in watcher.all(f"{R}/encoder/jobs/+")
                   if m.payload and payload_json(m)["state"] == "done") - t0
        bad = [s for s in finals.values() if s["state"] != "done"]
        if bad:
            raise SystemExit(f"bench: a job failed: {bad[0]}")
        cpu = sum(cpu_seconds(d.proc.pid) for d in workers)
        per = [sum(1 for s in finals.values() if s["worker"] == f"w{i + 1}") for i in range(n)]
        return wall, cpu, per
    finally:
        watcher.close()
        for d in workers:
            d.stop()
        broker.stop()


def main():
    work = Path(os.environ.get("WORK") or tempfile.mkdtemp(prefix="skylapse-pool-"))
    keep = os.environ.get("KEEP") == "1"
    try:
        (work / "images").mkdir(parents=True, exist_ok=True)
        make_frames(work / "images")
        print(f"{JOBS} jobs of {FRAMES} frames {SIZE} -> 1280 wide H.264 (CRF 23, medium); "
              f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
        rates = {n: [] for n in WORKERS}
        for r in range(ROUNDS):
            order = WORKERS if r % 2 == 0 else list(reversed(WORKERS))
            for n in order:
                wall, cpu, per = run_once(work, n, f"r{r}-n{n}")
                rate = JOBS / wall * 60
                rates[n].append(rate)
                print(f"round {r + 1} workers {n}: wall {wall:6.1f} s  {rate:5.2f} jobs/min  "
                      f"CPU {cpu / JOBS:5.1f} s/job  jobs per worker {per}  "
                      f"load {os.getloadavg()[0]:.1f}", flush=True)
        base = statistics.median(rates[WORKERS[0]])
        for n in WORKERS:
            med = statistics.median(rates[n])
            print(f"workers {n}: median {med:5.2f} jobs/min, ratio to {WORKERS[0]}: "
                  f"{med / base:.2f}")
    finally:
        if keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


main()
