"""skylapse-encoder end to end: the real mosquitto, real workers, synthetic
frames in the server layout (made with ffmpeg's lavfi sources, sidecars with
the right size, sha256 and mean_luma), videos checked with ffprobe."""
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from harness import BIN, CAM, R, ROOT, TEST_BROKER, payload_json, put_frame, wait_for
from schemas import validate

JOBS = f"{R}/encoder/jobs"
START = dt.datetime(2026, 11, 27, 6, 0, 0, tzinfo=dt.timezone.utc)

pytestmark = pytest.mark.skipif(not (BIN / "skylapse-encoder").exists(),
                                reason="skylapse-encoder not built")


# --- frames ------------------------------------------------------------------------

# Generated once per test module, then copied into each test's images root.
FRAME_SETS = {
    "small": dict(n=60, size="320x240", source="testsrc2", brightness="0"),
    "step": dict(n=60, size="320x240", source="color=c=0x808080",
                 brightness="if(lt(n,30),-0.12,0.12)"),
    "big": dict(n=100, size="640x480", source="testsrc2", brightness="0"),
}


def generate(folder, n, size, source, brightness):
    """n JPEGs and the mean luma of each (0..255, full range as in the JPEG)."""
    folder.mkdir(parents=True)
    sep = ":" if "=" in source else "="
    stats = folder / "luma.txt"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
         f"{source}{sep}s={size}:r=10,eq=brightness='{brightness}':eval=frame,format=yuvj420p,"
         f"signalstats,metadata=print:key=lavfi.signalstats.YAVG:file={stats}",
         "-frames:v", str(n), "-q:v", "3", str(folder / "f_%04d.jpg")], check=True)
    lumas = [float(line.split("=")[1]) for line in stats.read_text().splitlines()
             if "YAVG" in line]
    return sorted(folder.glob("f_*.jpg")), lumas


@pytest.fixture(scope="module")
def frame_sets(tmp_path_factory):
    made = {}

    def get(name):
        if name not in made:
            made[name] = generate(tmp_path_factory.mktemp(name) / "f", **FRAME_SETS[name])
        return made[name]
    return get


@pytest.fixture
def make_frames(frame_sets, env):
    def make(n=40, kind="small", profile="a", start=START, step_s=5):
        """The first n frames of a set in IMAGES_DIR's server layout, with
        sidecars; returns their paths relative to the root, in time order."""
        files, lumas = frame_sets(kind)
        w, h = map(int, FRAME_SETS[kind]["size"].split("x"))
        rels = []
        for i, (f, luma) in enumerate(zip(files[:n], lumas)):
            t = start + dt.timedelta(seconds=i * step_s)
            rel = (f"{CAM}/profile-{profile}/{t:%Y-%m-%d}/"
                   f"capture_{t:%Y%m%d_%H%M%S}_{t.microsecond // 1000:03d}.jpg")
            put_frame(Path(env["IMAGES_DIR"]) / rel, f.read_bytes(), camera=CAM, profile=profile,
                      path=rel.split("/", 1)[1], captured_at=t.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                      width=w, height=h, mean_luma=round(luma, 2))
            rels.append(rel)
        return rels
    return make


# Brackets of profile d: a scene (testsrc2, paler, lifted off black) at EV -2, 0 and +2, its
# highlights clipped at EV 0 and its shadows crushed at EV -2 (pixel values times 4 per 2 EV).
EXPOSURES = {0: 0.4, 1: 1.6, 2: 6.4}


@pytest.fixture(scope="module")
def bracket_sets(tmp_path_factory):
    base = tmp_path_factory.mktemp("brackets")
    for b, gain in EXPOSURES.items():
        (base / str(b)).mkdir()
        subprocess.run(
            ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
             f"testsrc2=s=320x240:r=10,hue=s=0.3,lutrgb=r='clip((val*0.8+8)*{gain},0,255)'"
             f":g='clip((val*0.8+8)*{gain},0,255)':b='clip((val*0.8+8)*{gain},0,255)',"
             "format=yuvj420p", "-frames:v", "10", "-q:v", "3", str(base / str(b) / "f_%04d.jpg")],
            check=True)
    return base


@pytest.fixture
def make_brackets(bracket_sets, env):
    def make(n=10, start=START, step_s=10, leave_out=()):
        """n slots of three exposures (one second apart) in the server layout, but
        the (slot, bracket) pairs of leave_out; returns the images root."""
        images = Path(env["IMAGES_DIR"])
        for i in range(n):
            for b in EXPOSURES:
                if (i, b) in leave_out:
                    continue
                t = start + dt.timedelta(seconds=i * step_s + b)
                rel = (f"{CAM}/profile-d/{t:%Y-%m-%d}/"
                       f"capture_{t:%Y%m%d_%H%M%S}_000_bracket{b}.jpg")
                put_frame(images / rel, (bracket_sets / str(b) / f"f_{i + 1:04d}.jpg").read_bytes(),
                          camera=CAM, profile="d", path=rel.split("/", 1)[1],
                          captured_at=t.strftime("%Y-%m-%dT%H:%M:%S.000Z"), width=320, height=240)
        return images
    return make


def luma_shares(path):
    """Shares of clipped (>= 250) and crushed (<= 5) pixels of a video, full range."""
    raw = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-vf",
                          "scale=out_range=full,format=gray", "-f", "rawvideo", "-"],
                         capture_output=True, check=True).stdout
    return (sum(1 for v in raw if v >= 250) / len(raw), sum(1 for v in raw if v <= 5) / len(raw))


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def job(job_id, n=40, step_s=5, start=START, **extra):
    j = {"job_id": job_id, "camera": CAM, "profile": "a", "from": iso(start),
         "to": iso(start + dt.timedelta(seconds=n * step_s)), "width": 320}
    j.update(extra)
    return j


# --- video checks --------------------------------------------------------------------

def probe(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
         "stream=codec_name,width,height,pix_fmt,r_frame_rate,avg_frame_rate,nb_read_frames,"
         "color_space,color_primaries,color_transfer,color_range:format=duration",
         "-of", "json", str(path)], capture_output=True, text=True, check=True)
    j = json.loads(out.stdout)
    s = j["streams"][0]
    s["duration"] = float(j["format"]["duration"])
    return s


def top_level_boxes(path):
    """The MP4's top-level box types in file order."""
    boxes = []
    with open(path, "rb") as f:
        while True:
            head = f.read(8)
            if len(head) < 8:
                return boxes
            size = int.from_bytes(head[:4], "big")
            boxes.append(head[4:8].decode("latin-1"))
            if size == 1:
                size = int.from_bytes(f.read(8), "big") - 8
            elif size == 0:
                return boxes
            f.seek(size - 8, 1)


def frame_means(path):
    """Mean luma of every frame of a video (TV range)."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-f", "lavfi", "-i", f"movie={path},signalstats",
         "-show_entries", "frame_tags=lavfi.signalstats.YAVG", "-of", "csv=p=0"],
        capture_output=True, text=True, check=True).stdout.split()
    return [float(v) for v in out]


class Held:
    """A frame of the images root turned into a FIFO: a worker that comes to it
    waits in open(), as on a stalled network disk, so its job stays running at
    that frame for as long as the test needs, however fast the machine encodes
    the frames before it. The sidecar loses its size meanwhile (a FIFO's is 0).
    restore() puts the frame back for whoever opens it next; release() also
    lets go the workers waiting on the FIFO (they skip the frame, unreadable)."""

    def __init__(self, jpg, spare):
        self.jpg, self.side, self.spare = jpg, jpg.with_suffix(".json"), spare
        self.data, self.sidecar = jpg.read_bytes(), self.side.read_text()
        self.fd = None
        jpg.unlink()
        os.mkfifo(jpg)
        os.link(jpg, spare)  # the way back to the FIFO once the frame is restored
        self._write(self.side, json.dumps({k: v for k, v in json.loads(self.sidecar).items()
                                           if k != "size"}).encode())

    @staticmethod
    def _write(path, data):
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def restore(self):
        if self.jpg.is_fifo():
            self._write(self.jpg, self.data)  # the frame first: a size-less sidecar checks nothing
            self._write(self.side, self.sidecar.encode())

    def release(self):
        self.restore()
        # a writer held open: whoever waits on the FIFO, or comes to it late, goes on
        self.fd = os.open(self.spare, os.O_RDWR)

    def close(self):
        if self.fd is not None:
            os.close(self.fd)


# --- fixtures -----------------------------------------------------------------------

@pytest.fixture
def hold(env, tmp_path):
    """hold(rel) turns frame rel into a FIFO (Held)."""
    made = []

    def make(rel):
        made.append(Held(Path(env["IMAGES_DIR"]) / rel, tmp_path / f"held-{len(made)}.fifo"))
        return made[-1]
    yield make
    for h in made:
        h.close()


@pytest.fixture
def env(tmp_path, broker):
    config = shutil.copy(ROOT / "config" / "config.json", tmp_path)  # tests may change it
    return {"MQTT_URL": broker.url, "IMAGES_DIR": str(tmp_path / "images"),
            "TIMELAPSES_DIR": str(tmp_path / "timelapses"),
            "SKYLAPSE_CONFIG": str(config), "MQTT_TOPIC_ROOT": R}


@pytest.fixture
def watcher(client):
    w = client()
    w.subscribe(f"{R}/encoder/#")
    return w


@pytest.fixture
def worker(broker, daemons, env, watcher):
    """Starts a worker and waits until it is online and ready."""
    if TEST_BROKER == "ejabberd":
        pytest.skip("ejabberd 23.01 closes a connection that subscribes to $share/ "
                    "(docs/BROKERS.md)")

    def start(worker_id="w1", *args, **extra_env):
        d = daemons("skylapse-encoder", ["--worker", worker_id, *args], env={**env, **extra_env})
        watcher.wait_message(f"{R}/encoder/{worker_id}/availability",
                             lambda m: m.payload == b"online", start=0)
        d.wait_log(f"worker {worker_id} ready")
        return d
    return start


def states(watcher, job_id, start=0):
    return [payload_json(m) for m in watcher.all(f"{JOBS}/{job_id}", start) if m.payload]


def wait_state(watcher, job_id, wanted=("done", "failed", "cancelled"), timeout=30, start=0):
    msg = watcher.wait_message(f"{JOBS}/{job_id}",
                               lambda m: m.payload and payload_json(m)["state"] in wanted,
                               timeout=timeout, start=start)
    return payload_json(msg)


def send(watcher, payload, valid=True):
    if valid and not isinstance(payload, str):
        validate(payload, "encode-job")  # what we send is what the contract allows
    text = payload if isinstance(payload, str) else json.dumps(payload)
    watcher.publish(JOBS, text)


# --- tests ---------------------------------------------------------------------------

def test_job_goes_queued_running_done_and_the_video_is_right(make_frames, worker, watcher, env):
    make_frames(n=40)
    worker("w1")
    send(watcher, job("t1", fps=30))
    done = wait_state(watcher, "t1")
    assert done["state"] == "done", done
    seen = [s["state"] for s in states(watcher, "t1")]
    assert seen.index("queued") < seen.index("running") < seen.index("done"), seen
    assert done["frames_total"] == 40 and done["frames_done"] == 40
    assert done["frames_skipped"] == 0 and done["skipped"] == [] and done["progress"] == 1.0
    assert done["worker"] == "w1" and done["error"] is None and done["error_kind"] is None
    for key in ("created_at", "started_at", "finished_at"):
        assert done[key].endswith("Z"), key
    video = Path(env["TIMELAPSES_DIR"]) / done["output"]
    assert done["output"].startswith(f"{CAM}/") and video.suffix == ".mp4"
    assert video.stat().st_size == done["size"]
    s = probe(video)
    assert s["codec_name"] == "h264" and s["pix_fmt"] == "yuv420p"
    assert s["r_frame_rate"] == "30/1" and s["avg_frame_rate"] == "30/1"
    assert int(s["nb_read_frames"]) == 40
    assert abs(s["duration"] - 40 / 30) < 0.01
    assert (s["width"], s["height"]) == (320, 240)
    assert (s["color_space"], s["color_primaries"], s["color_transfer"], s["color_range"]) == \
        ("bt709", "bt709", "bt709", "tv")
    boxes = top_level_boxes(video)
    assert boxes.index("moov") < boxes.index("mdat"), boxes
    thumb = Path(env["TIMELAPSES_DIR"]) / done["thumbnail"]
    assert thumb.read_bytes()[:2] == b"\xff\xd8"
    for s in states(watcher, "t1"):
        validate(s, "job-state")
    side = json.loads(video.with_suffix(".json").read_text())
    assert side["state"] == "done" and side["job_id"] == "t1" and side["size"] == done["size"]
    assert not list(video.parent.glob(".*.part"))


def test_frames_are_skipped_with_reasons(make_frames, worker, watcher, env):
    rels = make_frames(n=30)
    images = Path(env["IMAGES_DIR"])
    (images / rels[3]).with_suffix(".json").unlink()                     # missing
    (images / rels[5]).write_bytes((images / rels[5]).read_bytes()[:500])  # truncated
    side = json.loads((images / rels[7]).with_suffix(".json").read_text())
    side["width"], side["height"] = 640, 480                              # different size
    (images / rels[7]).with_suffix(".json").write_text(json.dumps(side))
    worker("w1")
    send(watcher, job("skips", n=30))
    done = wait_state(watcher, "skips")
    assert done["state"] == "done", done
    reasons = {s["path"]: s["reason"] for s in done["skipped"]}
    assert reasons == {rels[3]: "missing", rels[5]: "unreadable", rels[7]: "different size"}
    assert done["frames_skipped"] == 3 and done["frames_total"] == 27
    assert int(probe(Path(env["TIMELAPSES_DIR"]) / done["output"])["nb_read_frames"]) == 27


def test_deflicker_flattens_a_brightness_step(make_frames, worker, watcher, env):
    make_frames(n=60, kind="step")
    worker("w1")
    send(watcher, job("flat", n=60, deflicker=False))
    send(watcher, job("smooth", n=60, deflicker={"window": 15}))
    raw = wait_state(watcher, "flat")
    smooth = wait_state(watcher, "smooth")
    assert raw["state"] == smooth["state"] == "done"
    a = frame_means(Path(env["TIMELAPSES_DIR"]) / raw["output"])
    b = frame_means(Path(env["TIMELAPSES_DIR"]) / smooth["output"])
    assert len(a) == len(b) == 60
    jump_raw = max(abs(x - y) for x, y in zip(a, a[1:]))
    jump_smooth = max(abs(x - y) for x, y in zip(b, b[1:]))
    assert jump_raw > 40, a                      # the step is there without deflicker
    assert jump_smooth < jump_raw / 5, (jump_raw, b)
    # the ends keep their brightness: a trend is kept, only jumps are spread
    assert abs(a[0] - b[0]) < 3 and abs(a[-1] - b[-1]) < 3


def test_three_workers_share_six_jobs_and_one_is_killed(make_frames, hold, worker, watcher, env,
                                                        client):
    """The pool: jobs spread over three workers; one is killed (-9) mid-job and
    every job still ends done exactly once, by one of the survivors, with one
    complete video each and no state left active. mosquitto 2.0.11 does not hand
    a dead member's unacknowledged job to another member (docs/ENCODER.md, "A pool"),
    so the survivors notice it by the dead worker's last will."""
    frame = hold(make_frames(n=100, kind="big")[50])  # jobs wait at frame 50 until released
    pool = {w: worker(w, "--threads", "1") for w in ("w1", "w2", "w3")}
    ids = [f"pool{i}" for i in range(6)]
    for i in ids:
        send(watcher, job(i, n=100, width=640))

    def running_on(w):
        return lambda m: (m.payload and payload_json(m)["state"] == "running"
                          and payload_json(m)["worker"] == w and payload_json(m)["progress"] > 0)
    victim = watcher.wait_message(f"{JOBS}/+", running_on("w2"), timeout=60)
    orphan = payload_json(victim)["job_id"]
    w2 = pool["w2"]
    assert not [s for s in states(watcher, orphan) if s["state"] == "done"]
    frame.restore()                        # whole for the orphan's next worker
    mark = watcher.mark()
    w2.kill9()
    killed_at = time.monotonic()
    frame.release()                        # the survivors' first jobs go on, without it
    taken = watcher.wait_message(f"{JOBS}/{orphan}", lambda m: m.payload and
                                 payload_json(m)["worker"] != "w2", timeout=30, start=mark)
    takeover = taken.timestamp - killed_at
    print(f"job {orphan} taken over by {payload_json(taken)['worker']} "
          f"{takeover:.2f} s after the kill")
    assert takeover < 20

    finals = {i: wait_state(watcher, i, timeout=240) for i in ids}
    assert all(s["state"] == "done" for s in finals.values()), finals
    for i in ids:
        dones = [s for s in states(watcher, i) if s["state"] == "done"]
        assert len(dones) == 1, (i, dones)                      # done once
        assert finals[i]["worker"] != "w2", finals[i]          # w2 never finished one
    starters = {next(s["worker"] for s in states(watcher, i) if s["state"] == "running")
                for i in ids}
    assert starters == {"w1", "w2", "w3"}, starters            # the jobs were spread
    assert finals[orphan]["worker"] in ("w1", "w3") and finals[orphan]["attempts"] == 1
    folder = Path(env["TIMELAPSES_DIR"], CAM)
    parts = list(folder.glob(".*"))
    assert not parts, (parts, orphan, {w: [l for l in d.log().splitlines() if "pool" in l]
                                       for w, d in pool.items()})   # no partial file left
    for i in ids:
        videos = list(folder.glob(f"*_{i}.mp4"))
        assert len(videos) == 1, (i, videos)
    assert probe(folder / Path(finals[orphan]["output"]).name)["nb_read_frames"] == "100"
    # a newcomer sees only finished jobs in the retained states
    late = client()
    late.subscribe(f"{JOBS}/+")
    for i in ids:
        assert payload_json(late.wait_message(f"{JOBS}/{i}"))["state"] == "done"


def test_the_same_job_id_twice_is_one_job(make_frames, worker, watcher, env):
    make_frames(n=20)
    d = worker("w1")
    send(watcher, job("dup", n=20))
    send(watcher, job("dup", n=20))
    assert wait_state(watcher, "dup")["state"] == "done"
    mark = watcher.mark()
    send(watcher, job("dup", n=20))
    d.wait_log("job dup is already known")
    assert [s["state"] for s in states(watcher, "dup")].count("done") == 1
    assert states(watcher, "dup", mark) == []
    assert len(list(Path(env["TIMELAPSES_DIR"], CAM).glob("*.mp4"))) == 1


def test_a_job_without_id_gets_one(make_frames, worker, watcher, env):
    make_frames(n=10)
    worker("w1")
    j = job("x", n=10)
    del j["job_id"]
    send(watcher, j)
    msg = watcher.wait_message(f"{JOBS}/+", lambda m: m.payload and
                               payload_json(m)["state"] == "done", timeout=30)
    assert msg.topic == f"{JOBS}/{payload_json(msg)['job_id']}"


def test_date_and_schedule_select_the_window(make_frames, worker, watcher, env):
    # all_day is 06:30-21:30 in America/Denver (config/config.json): 13:30Z-04:30Z
    make_frames(n=12, start=dt.datetime(2026, 11, 27, 13, 29, 0, tzinfo=dt.timezone.utc),
                step_s=10)                                     # 6 of them before 13:30Z
    worker("w1")
    send(watcher, {"job_id": "day", "camera": CAM, "profile": "a", "date": "2026-11-27",
                   "schedule": "all_day", "width": 320})
    send(watcher, {"job_id": "early", "camera": CAM, "profile": "a", "date": "2026-11-27",
                   "schedule": "sunset", "width": 320})
    done = wait_state(watcher, "day")
    assert done["state"] == "done" and done["frames_total"] == 6, done
    early = wait_state(watcher, "early")
    assert early["state"] == "failed" and "no frames of camera" in early["error"], early


def test_brackets_are_fused_unless_hdr_is_off(make_brackets, worker, watcher, env):
    # slot 3 lost its brightest exposure, slot 5 its middle one
    make_brackets(n=10, leave_out={(3, 2), (5, 1)})
    worker("w1")
    span = {"from": iso(START), "to": iso(START + dt.timedelta(seconds=100)), "width": 320}
    send(watcher, {"job_id": "hdr", "camera": CAM, "profile": "d", **span})
    send(watcher, {"job_id": "mid", "camera": CAM, "profile": "d", "hdr": False, **span})
    fused, mid = wait_state(watcher, "hdr"), wait_state(watcher, "mid")
    assert fused["state"] == mid["state"] == "done", (fused, mid)
    # one frame a slot: every slot fused from what it has; without fusion the
    # middle exposures only, and slot 5 has none
    assert fused["frames_total"] == 10 and fused["frames_skipped"] == 0, fused
    assert mid["frames_total"] == 9, mid
    assert int(probe(Path(env["TIMELAPSES_DIR"]) / fused["output"])["nb_read_frames"]) == 10
    clip_f, crush_f = luma_shares(Path(env["TIMELAPSES_DIR"]) / fused["output"])
    clip_m, crush_m = luma_shares(Path(env["TIMELAPSES_DIR"]) / mid["output"])
    assert clip_m > 0.05, clip_m                    # the middle exposure clips ...
    assert clip_f < clip_m / 4, (clip_f, clip_m)    # ... the fused frames hardly
    assert crush_f < 0.005, (crush_f, crush_m)       # and darken no shadow to black
    # the thumbnail shows the fused frame too
    thumbs = [Path(env["TIMELAPSES_DIR"]) / j["thumbnail"] for j in (fused, mid)]
    assert all(t.read_bytes()[:3] == b"\xff\xd8\xff" for t in thumbs)
    assert luma_shares(thumbs[0])[0] < luma_shares(thumbs[1])[0] / 4


def test_keogram(make_frames, worker, watcher, env):
    make_frames(n=50)
    worker("w1")
    send(watcher, job("keo", n=50, kind="keogram"))
    done = wait_state(watcher, "keo")
    assert done["state"] == "done", done
    image = Path(env["TIMELAPSES_DIR"]) / done["output"]
    assert image.suffix == ".jpg" and image.read_bytes()[:2] == b"\xff\xd8"
    s = probe(image)
    assert (s["width"], s["height"]) == (50, 240)
    assert (done["width"], done["height"]) == (50, 240)
    # the newest keogram, whole, retained for Home Assistant
    assert watcher.wait_message(f"{R}/encoder/keogram").payload == image.read_bytes()


def test_startrails_with_and_without_a_dark_frame(make_frames, worker, watcher, env):
    rels = make_frames(n=30)
    dark = Path(env["IMAGES_DIR"]) / CAM / "darks" / "grey.jpg"
    dark.parent.mkdir(parents=True)
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                    "color=c=0x404040:s=320x240", "-frames:v", "1", "-q:v", "2", str(dark)],
                   check=True)
    worker("w1")
    send(watcher, job("stars", n=30, kind="startrails"))
    plain = wait_state(watcher, "stars")
    assert plain["state"] == "done", plain
    assert plain["kind"] == "startrails"
    image = Path(env["TIMELAPSES_DIR"]) / plain["output"]
    assert image.name.endswith("_startrails.jpg")
    assert (probe(image)["width"], probe(image)["height"]) == (320, 240)
    assert (Path(env["TIMELAPSES_DIR"]) / plain["thumbnail"]).read_bytes()[:2] == b"\xff\xd8"
    # a lighten stack of a moving pattern is brighter than any of its frames
    assert frame_means(image)[0] > max(frame_means(Path(env["IMAGES_DIR"]) / r)[0]
                                       for r in rels[::10])
    assert watcher.wait_message(f"{R}/encoder/startrails").payload == image.read_bytes()

    send(watcher, job("stars-dark", n=30, kind="startrails", dark=f"{CAM}/darks/grey.jpg"))
    darker = wait_state(watcher, "stars-dark")
    assert darker["state"] == "done", darker
    dimage = Path(env["TIMELAPSES_DIR"]) / darker["output"]
    assert frame_means(dimage)[0] < frame_means(image)[0] - 40  # the grey taken off
    watcher.wait_message(f"{R}/encoder/startrails", lambda m: m.payload == dimage.read_bytes())

    send(watcher, job("stars-nodark", n=30, kind="startrails", dark=f"{CAM}/darks/none.jpg"))
    failed = wait_state(watcher, "stars-nodark")
    assert failed["state"] == "failed" and "dark frame" in failed["error"], failed


# (payload, sentence for people, error_kind for programs)
BAD_JOBS = [
    ("{not json", "not valid JSON", "invalid"),
    (job("bad-camera", camera="nosuchcam"), "unknown camera 'nosuchcam'", "not_found"),
    (job("bad-range", **{"from": iso(START), "to": iso(START)}), "empty range", "invalid"),
    (job("bad-norange", start=START + dt.timedelta(days=30)), "no frames of camera", "not_found"),
    (job("bad-fps0", fps=0), "'fps' must be between 1 and 120", "invalid"),
    (job("bad-fps", fps=100000), "'fps' must be between 1 and 120", "invalid"),
    (job("bad-width", width=100000), "'width' must be between 0 and 7680", "invalid"),
    (job("bad-codec", codec="mpeg2"), "unknown codec 'mpeg2'", "invalid"),
    (job("bad-type", fps="30"), "'fps' must be an integer", "invalid"),
    (job("bad-crf", crf=99), "'crf' must be between", "invalid"),
    (job("bad-preset", preset="warp"), "unknown preset 'warp'", "invalid"),
    (job("bad-kind", kind="gif"), "unknown kind 'gif'", "invalid"),
    (job("bad-dark", dark="helios/dark.jpg"), "'dark' is only for kind startrails", "invalid"),
    (job("bad-field", framerate=30), "unknown field 'framerate'", "invalid"),
    ({"job_id": "bad-nocam", "from": iso(START), "to": iso(START)}, "'camera' is required",
     "invalid"),
    (job("bad-schedule", **{"from": None, "to": None, "date": "2026-11-27",
                            "schedule": "nosuch"}), "unknown schedule 'nosuch'", "not_found"),
    (job("bad-profile", profile="z"), "no frames of camera 'helios' profile 'z'", "not_found"),
]


def test_bad_jobs_fail_with_a_reason_and_the_worker_keeps_running(make_frames, worker, watcher, env):
    make_frames(n=10)
    d = worker("w1")
    for payload, _, _ in BAD_JOBS:
        send(watcher, payload, valid=False)
    for payload, expected, kind in BAD_JOBS:
        if isinstance(payload, str):
            msg = watcher.wait_message(f"{JOBS}/+", lambda m: m.payload and
                                       "not valid JSON" in (payload_json(m)["error"] or ""))
            state = payload_json(msg)
        else:
            state = wait_state(watcher, payload["job_id"], timeout=10)
        assert state["state"] == "failed", (payload, state)
        validate(state, "job-state")
        assert expected in state["error"], (expected, state["error"])
        assert state["error_kind"] == kind, (payload, state)
    send(watcher, job("good-after-bad", n=10))
    assert wait_state(watcher, "good-after-bad")["state"] == "done"
    assert d.alive()


def test_a_full_disk_fails_the_job_as_no_space(make_frames, worker, watcher, env):
    """The video's temporary file lands on /dev/full: the job fails with
    error_kind no_space, whatever its sentence says."""
    make_frames(n=10)
    folder = Path(env["TIMELAPSES_DIR"], CAM)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".full.mp4.part").symlink_to("/dev/full")
    worker("w1")
    send(watcher, job("full", n=10, name="full"))
    state = wait_state(watcher, "full")
    assert state["state"] == "failed" and state["error"], state
    assert state["error_kind"] == "no_space", state
    validate(state, "job-state")


def test_cancel_a_running_job(make_frames, hold, worker, watcher, env):
    frame = hold(make_frames(n=100, kind="big")[50])
    w1 = worker("w1", "--threads", "1")
    send(watcher, job("cancel-me", n=100, width=640))
    watcher.wait_message(f"{JOBS}/cancel-me", lambda m: payload_json(m)["state"] == "running"
                         and payload_json(m)["progress"] > 0, timeout=20)
    watcher.publish(f"{JOBS}/cancel-me/cancel", "")
    w1.wait_log("job cancel-me: cancel requested")
    frame.release()                        # the job comes to its next frame, and stops
    final = wait_state(watcher, "cancel-me")
    assert final["state"] == "cancelled", final
    folder = Path(env["TIMELAPSES_DIR"], CAM)
    assert not list(folder.glob("*.mp4")) and not list(folder.glob(".*.part"))


def test_kill9_mid_job_still_ends(make_frames, hold, worker, watcher, env):
    """A worker dies mid-job; the other takes the job over (it sees the dead
    worker's availability go offline) and finishes it."""
    frame = hold(make_frames(n=100, kind="big")[50])  # w1 cannot get past frame 50
    w1 = worker("w1", "--threads", "1")
    send(watcher, job("orphan", n=100, width=640))

    def progress():
        return [m.timestamp for m in watcher.all(f"{JOBS}/orphan") if m.payload and
                payload_json(m)["state"] == "running" and payload_json(m)["progress"] > 0]
    # while it runs, its progress comes at least once a second
    times = wait_for(lambda: (t := progress())[2:] and t, 20, "three progress reports")
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert max(gaps) < 1.6, gaps
    frame.restore()
    w2 = worker("w2")
    w1.kill9()
    final = wait_state(watcher, "orphan", timeout=40)
    assert final["state"] == "done", final
    assert final["worker"] == "w2" and final["attempts"] == 1
    assert final["frames_done"] == 100 and final["frames_skipped"] == 0, final
    assert w2.alive()


def test_sigterm_requeues_the_job_and_a_restart_finishes_it(make_frames, hold, worker, watcher,
                                                             env):
    frame = hold(make_frames(n=100, kind="big")[50])
    w1 = worker("w1", "--threads", "1")
    send(watcher, job("handover", n=100, width=640))
    watcher.wait_message(f"{JOBS}/handover", lambda m: payload_json(m)["state"] == "running"
                         and payload_json(m)["progress"] > 0, timeout=20)
    mark = watcher.mark()
    w1.signal(signal.SIGTERM)
    w1.wait_log("stopping: waiting for 1 running job(s) to stop")
    frame.release()                        # the job comes to its next frame, and stops there
    assert w1.proc.wait(10) == 0           # (a second SIGTERM would not wait for it)
    watcher.wait_message(f"{R}/encoder/w1/availability", lambda m: m.payload == b"offline",
                         start=mark)
    requeued = wait_state(watcher, "handover", wanted=("queued",), start=mark)
    assert requeued["worker"] == "w1" and requeued["attempts"] == 0
    worker("w1")                         # the same worker back: takes its job up again
    final = wait_state(watcher, "handover", start=mark, timeout=60)
    assert final["state"] == "done", final
    assert final["frames_done"] == 100 and final["frames_skipped"] == 0, final


def test_reload_keeps_the_time_zone_and_the_old_file_when_the_new_is_bad(worker, env):
    """SIGHUP: a new time zone waits for a restart (setting TZ while job threads read
    local time races in the C library); an invalid file keeps the old configuration."""
    w = worker()
    cfg_path = Path(env["SKYLAPSE_CONFIG"])
    cfg = json.loads(cfg_path.read_text())
    cfg["location"]["timezone"] = "Europe/Paris"
    cfg_path.write_text(json.dumps(cfg))
    w.signal(signal.SIGHUP)
    w.wait_log("location.timezone changed; it applies after a restart")
    w.wait_log("reload: configuration reloaded")
    cfg_path.write_text("{broken")
    w.signal(signal.SIGHUP)
    w.wait_log("reload: configuration has errors; keeping the old one")
    assert w.alive()


def test_cli_encode(tmp_path):
    frames = tmp_path / "frames"
    frames.mkdir()
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                    "testsrc2=s=320x240:r=30,eq=brightness='0.1*mod(n,2)':eval=frame",
                    "-frames:v", "30", "-q:v", "3", str(frames / "f_%04d.jpg")], check=True)
    (frames / "zz_broken.jpg").write_bytes(b"not a jpeg")
    out = tmp_path / "cli.mp4"
    p = subprocess.run([str(BIN / "skylapse-encoder"), "encode", "--input", str(frames),
                        "--output", str(out), "--fps", "25", "--width", "160", "--deflicker=5"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    summary = json.loads(p.stdout)
    assert summary["status"] == "ok" and summary["frames"] == 30 and summary["fps"] == 25
    assert summary["frames_skipped"] == 1 and summary["skipped"][0]["path"] == "zz_broken.jpg"
    s = probe(out)
    assert (s["width"], s["height"], s["r_frame_rate"]) == (160, 120, "25/1")
    raw = tmp_path / "raw.mp4"
    subprocess.run([str(BIN / "skylapse-encoder"), "encode", "--input", str(frames), "--output",
                    str(raw), "--width", "160"], capture_output=True, check=True, timeout=60)
    jumps = [max(abs(x - y) for x, y in zip(m, m[1:])) for m in (frame_means(raw),
                                                                  frame_means(out))]
    assert jumps[1] < jumps[0] / 2, jumps  # alternate-frame flicker, 5-frame window
    bad = subprocess.run([str(BIN / "skylapse-encoder"), "encode", "--input", str(frames),
                          "--output", str(out), "--fps", "0"], capture_output=True, text=True)
    assert bad.returncode == 1 and "'fps' must be between 1 and 120" in bad.stderr
