"""Fixtures of the browser tests: the whole stack, started once per module.

mosquitto, skylapse-capture (sim camera), skylapse-scheduler, skylapse-encoder
and skylapse-bridge serving dashboard/, with a schedule whose window is open
now so frames keep arriving while the browser looks. The harness of the
integration tests starts and stops them.
"""
import json
import os
import shutil
import sys
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from harness import BIN, ROOT, Broker, Daemon, free_port, wait_for, wait_port  # noqa: E402

CAMERA = "helios"
BACKEND = "dagon"


def golden_hour_location(lat=39.6):
    """A longitude where the sun is low in the west now, and its whole-hour
    time zone: the simulated camera then shows a lit sky turning to sunset
    (it renders the real sun of the configured place), and the screenshots
    show what a person would look at, whatever the hour of the run."""
    now = datetime.now(timezone.utc)
    utc_h = now.hour + now.minute / 60

    def lon_for(solar_h):
        return ((solar_h - utc_h) * 15 + 540) % 360 - 180
    lon = lon_for(15.5)
    try:
        import ephem
        obs = ephem.Observer()
        obs.lat, obs.date = str(lat), now
        sun = ephem.Sun()
        for i in range(160):  # 13:00 to 21:00 solar time, the first moment the sun is below 8 deg
            obs.lon = str(lon_for(13 + i * 0.05))
            sun.compute(obs)
            if float(sun.alt) * 57.2958 < 8:
                lon = lon_for(13 + i * 0.05)
                break
    except ImportError:
        pass
    offset = round(lon / 15)
    tz = "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"
    return round(lon, 4), tz


def write_config(path):
    cfg = json.loads((ROOT / "config" / "config.json").read_text())
    lon, tzname = golden_hour_location()
    cfg["location"] = {"latitude": 39.6, "longitude": lon, "timezone": tzname, "name": "Test Ridge"}
    tz = ZoneInfo(tzname)
    now = datetime.now(tz)
    # a window from two hours ago to two hours ahead (wrapping past midnight
    # when it must), so a schedule is active whatever the hour of the run
    cfg["schedules"]["sky"] = {
        "type": "time_of_day",
        "start_time": (now - timedelta(hours=2)).strftime("%H:%M"),
        "end_time": (now + timedelta(hours=2)).strftime("%H:%M"),
        "interval_seconds": 3,
        "profile": "A",
    }
    cfg["schedules"].pop("all_day", None)
    cfg["capture"] = {"sim_width": 640, "sim_height": 480}
    path.write_text(json.dumps(cfg, indent=2))
    return path, tzname


def get_json(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read().decode())


class Stack:
    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.broker = Broker(self.workdir)
        self.daemons = []
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"

    def start(self):
        self.require("skylapse-capture", "skylapse-bridge")
        self.broker.start()
        images = self.workdir / "images"
        (images / CAMERA).mkdir(parents=True)
        (self.workdir / "timelapses").mkdir()
        config, self.tz = write_config(self.workdir / "config.json")
        env = {
            "MQTT_URL": self.broker.url,
            "CAMERA_ID": CAMERA,
            "BACKEND_NAME": BACKEND,
            "PRIMARY_BACKEND": BACKEND,
            "SKYLAPSE_CONFIG": str(config),
            "IMAGES_DIR": str(images),
            "TIMELAPSES_DIR": str(self.workdir / "timelapses"),
            "API_TOKEN": "",
        }
        self.env = env
        self.start_daemon("skylapse-capture", env={**env, "CAMERA_SOURCE": "sim",
                                                   "IMAGES_DIR": str(images / CAMERA)})
        # the tests that need these say so (require); the others run without them
        for name in ("skylapse-scheduler", "skylapse-encoder"):
            if (BIN / name).exists():
                self.start_daemon(name, env=env)
        self.start_daemon("skylapse-bridge", ["--bind", "127.0.0.1", "--port", str(self.port),
                                              "--dashboard", str(ROOT / "dashboard")], env=env)
        wait_port(self.port, 15)

        def camera_online():
            try:
                cams = get_json(f"{self.base}/cameras")["cameras"]
            except OSError:
                return False
            return any(c.get("camera") == CAMERA and c.get("availability") == "online" for c in cams)
        wait_for(camera_online, 20, "the camera online at the bridge")
        return self

    def require(self, *names):
        missing = [n for n in names if not (BIN / n).exists()]
        if missing:
            pytest.fail(f"build first (make): {', '.join(missing)} missing in {BIN}", pytrace=False)

    def start_daemon(self, name, args=(), env=None):
        d = Daemon(name, args, env, self.workdir).start()
        self.daemons.append(d)
        return d

    def stop(self):
        for d in reversed(self.daemons):
            d.stop()
        self.broker.stop()

    def logs(self):
        out = []
        for d in self.daemons:
            out.append(f"--- {d.name} ---\n{d.log()[-3000:]}")
        return "\n".join(out)


@pytest.fixture(scope="session")
def browser_ready():
    if not Path(os.environ.get("CHROMIUM", "/usr/bin/chromium")).exists():
        pytest.fail("Chromium is missing: run scripts/e2e-deps.sh (make test does)", pytrace=False)
    if not (ROOT / "node_modules" / "playwright-core").exists() or not shutil.which("node"):
        pytest.fail("playwright-core is missing: run scripts/e2e-deps.sh (make test does)", pytrace=False)
    if not (ROOT / "dashboard" / "vendor" / "uPlot.esm.js").exists():
        pytest.fail("dashboard/vendor is empty: run scripts/dashboard-vendor.sh (make does)", pytrace=False)


@pytest.fixture(scope="module")
def stack(tmp_path_factory, browser_ready):
    s = Stack(tmp_path_factory.mktemp("e2e"))
    try:
        yield s.start()
    finally:
        s.stop()
