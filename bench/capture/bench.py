"""Capture benchmark: the agent against references measured in the same run.

1. Sustained frames/s of skylapse-capture (sim, 4056x3040, everything
   included: render, JPEG, sha256, fsync, sidecar, preview, announcement)
   against TurboJPEG's own compress rate of the same frame (tj_rate).
   Target: ratio >= 0.7. The sim renders its sky as well, which a Pi's
   camera does not, so this ratio counts the sim's cost as the agent's.
2. The agent's own overhead per frame (preview, EXIF block, frame + sidecar
   written and fsync'd with the sha256 computed meanwhile, announcement and
   answer), wall clock from the agent's debug timings with the camera's time
   (render + JPEG) left out, against the time TurboJPEG takes to compress
   the frame: one request at a time, and the back-to-back requests of 1.
   Target: <= 0.3, on a quiet machine and on a loaded one (run.sh's LOAD=N
   keeps N CPUs busy for the whole run, the reference's time included).
   Beside it, the machine's floor (store_floor): the same bytes written,
   fsync'd and renamed by a bare C loop in the frame's folder, measured
   between the two, and the agent's cost above that floor.
3. Idle RSS of the agent against an idle mosquitto_sub. Target: <= 1.5x.
4. Request-to-announcement latency at 1920x1080, p50 and p99.
"""
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "tests" / "integration"))
from harness import ROOT, Broker, Client, Daemon, payload_json, rss_kib, wait_for  # noqa: E402

QUALITY = 92


# the agent's debug timings (agents/capture/capture.c and main.c)
SHOT = re.compile(r"shot \d+/\d+: camera (\d+) us, preview (\d+) us")
STORED = re.compile(r"stored \S+: exif (\d+) us, preview (\d+) us, write (\d+) us "
                    r"\(cpu (\d+) us\)")
ANSWERED = re.compile(r"announced and answered in (\d+) us")


def costs(log):
    """Medians in ms over the frames of `log`: the camera's time, the agent's
    own (wall clock, fsync waits included; and on the CPU), and its parts."""
    shots = [tuple(map(int, m.groups())) for m in SHOT.finditer(log)]
    stored = [tuple(map(int, m.groups())) for m in STORED.finditer(log)]
    answered = [int(m.group(1)) for m in ANSWERED.finditer(log)]
    n = min(len(shots), len(stored), len(answered))
    assert n > 0, "no debug timings in the agent's log"
    camera = [shots[i][0] / 1000 for i in range(n)]
    own = [(shots[i][1] + sum(stored[i][:3]) + answered[i]) / 1000 for i in range(n)]
    cpu = [(shots[i][1] + stored[i][3] + answered[i]) / 1000 for i in range(n)]
    return statistics.median(camera), statistics.median(own), statistics.median(cpu), {
        "preview": statistics.median((shots[i][1] + stored[i][1]) / 1000 for i in range(n)),
        "exif": statistics.median(stored[i][0] / 1000 for i in range(n)),
        "write+sha256+fsync": statistics.median(stored[i][2] / 1000 for i in range(n)),
        "store on CPU": statistics.median(stored[i][3] / 1000 for i in range(n)),
        "announce": statistics.median(answered[i] / 1000 for i in range(n))}


def start_agent(tmp, broker, w, h, cam):
    cfg = json.loads((ROOT / "config" / "config.json").read_text())
    cfg["capture"] = {"sim_width": w, "sim_height": h, "min_free_pct": 0}
    path = tmp / f"config-{w}.json"
    path.write_text(json.dumps(cfg))
    watcher = Client(broker.port)
    watcher.subscribe(f"skylapse/{cam}/#")
    d = Daemon("skylapse-capture", env={"MQTT_URL": broker.url, "CAMERA_ID": cam,
                                          "CAMERA_SOURCE": "sim", "IMAGES_DIR": str(tmp / cam),
                                          "SKYLAPSE_CONFIG": str(path), "PRIMARY_BACKEND": "",
                                          "SKYLAPSE_LOG_LEVEL": "debug"},
               workdir=tmp).start()
    watcher.wait_message(f"skylapse/{cam}/availability", lambda m: m.payload == b"online")
    return d, watcher


def sustained(tmp, broker, tj_rate, store_floor):
    d, w = start_agent(tmp, broker, 4056, 3040, "bench")
    topic = "skylapse/bench/capture/request"
    # warm-up, and the frame the reference compresses
    w.publish(topic, json.dumps({"profile": "a", "request_id": "warm"}))
    first = payload_json(w.wait_message("skylapse/bench/capture/response", timeout=60))
    frame = tmp / "bench" / first["frames"][0]["path"]
    # one request at a time
    start = len(d.log())
    for i in range(24):
        mark = w.mark()
        w.publish(topic, json.dumps({"profile": "a", "request_id": f"q{i}"}))
        w.wait_message("skylapse/bench/capture/response", start=mark, timeout=60)
    single = costs(d.log()[start:])
    floor = subprocess.run([str(store_floor), str(frame), str(frame.parent), "24"],
                           capture_output=True, text=True, check=True).stdout.split()
    # back to back, the camera shooting while the writer stores
    start = len(d.log())
    n = 40
    mark = w.mark()
    for i in range(n):
        w.publish(topic, json.dumps({"profile": "a", "request_id": f"s{i}"}))
    wait_for(lambda: len(w.all("skylapse/bench/capture/response", start=mark)) >= n, 300, "responses")
    # steady state: from the first answer to the last (paho stamps arrivals),
    # so the one-off start of the pipeline is not counted
    stamps = [m.timestamp for m in w.all("skylapse/bench/capture/response", start=mark)]
    agent_fps = (n - 1) / (stamps[-1] - stamps[0])
    burst = costs(d.log()[start:])
    ref = subprocess.run([str(tj_rate), str(frame), "5", str(QUALITY)], capture_output=True,
                         text=True, check=True).stdout.split()[1]
    d.stop()
    w.close()
    return agent_fps, float(ref), single, burst, (float(floor[1]), float(floor[3]))


def idle_rss(tmp, broker):
    d, w = start_agent(tmp, broker, 4056, 3040, "idle")
    sub = subprocess.Popen(["mosquitto_sub", "-p", str(broker.port), "-t", "skylapse/idle/#"],
                           stdout=subprocess.DEVNULL)
    w.wait_message("skylapse/idle/status")
    time.sleep(1.0)  # settle after start-up (a measurement delay, not synchronisation)
    agent, sub_rss = rss_kib(d.proc.pid), rss_kib(sub.pid)
    sub.terminate()
    sub.wait()
    d.stop()
    w.close()
    return agent, sub_rss


def latency(tmp, broker):
    d, w = start_agent(tmp, broker, 1920, 1080, "lat")
    lat = []
    for i in range(60):
        mark = w.mark()
        t0 = time.monotonic()
        w.publish("skylapse/lat/capture/request", json.dumps({"request_id": f"l{i}"}))
        m = w.wait_message("skylapse/lat/frames", start=mark, timeout=30)
        lat.append((m.timestamp - t0) * 1000)  # paho stamps arrival (monotonic)
    d.stop()
    w.close()
    lat.sort()
    return statistics.median(lat), lat[int(len(lat) * 0.99) - 1]


def main():
    tj_rate, store_floor = Path(sys.argv[1]), Path(sys.argv[2])
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        broker = Broker(tmp).start()
        try:
            fps, ref, single, burst, floor = sustained(tmp, broker, tj_rate, store_floor)
            agent_kb, sub_kb = idle_rss(tmp, broker)
            p50, p99 = latency(tmp, broker)
        finally:
            broker.stop()
    print(f"capture 4056x3040: agent {fps:.2f} frames/s, TurboJPEG alone {ref:.2f} frames/s, "
          f"ratio {fps / ref:.2f} (target >= 0.70)")
    jpeg_ms = 1000 / ref
    for name, (camera, own, cpu, parts) in (("one at a time", single), ("back to back", burst)):
        detail = ", ".join(f"{k} {v:.1f}" for k, v in parts.items())
        print(f"agent's own cost per frame, {name}: {own:.1f} ms, of it on the CPU {cpu:.1f} ms "
              f"({detail}); sim camera (render + JPEG) {camera:.1f} ms; TurboJPEG alone "
              f"{jpeg_ms:.1f} ms: ratio {own / jpeg_ms:.2f}, on the CPU {cpu / jpeg_ms:.2f} "
              f"(target <= 0.30); above the machine's floor {(own - floor[0]) / jpeg_ms:.2f}")
    print(f"the machine's floor for storing the frame (write, fsync, rename, folder fsync; "
          f"a bare C loop): {floor[0]:.1f} ms, of it on the CPU {floor[1]:.1f} ms")
    print(f"idle RSS: agent {agent_kb} KiB, mosquitto_sub {sub_kb} KiB, "
          f"ratio {agent_kb / sub_kb:.2f} (target <= 1.50)")
    print(f"request -> announcement at 1920x1080: p50 {p50:.1f} ms, p99 {p99:.1f} ms")


if __name__ == "__main__":
    main()
