"""A running Skylapse for the bridge's tests: mosquitto, skylapse-capture on
the sim source (camera "helios", PRIMARY_BACKEND dagon) writing into the
server layout, and skylapse-bridge on a free port; plus an HTTP client that
keeps raw paths as given (so traversal attempts reach the server as sent).

Readiness is observed (the bridge's /health, the camera's availability seen
through the bridge), never slept for.
"""
import http.client
import json
import socket
from pathlib import Path

from harness import CAM, ROOT, Broker, Daemon, free_port, wait_for


def write_config(path, timeout_seconds=10):
    cfg = json.loads((ROOT / "config" / "config.json").read_text())
    cfg["capture"] = {"sim_width": 640, "sim_height": 480}
    cfg["pi"]["timeout_seconds"] = timeout_seconds
    path.write_text(json.dumps(cfg))
    return path


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<{self.status} {self.body[:200]!r}>"


def request(port, method, path, body=None, headers=None, timeout=20):
    """One HTTP/1.1 request; the path is sent byte for byte."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        if body is not None:
            data = body.encode() if isinstance(body, str) else body
            if not any(k.lower() == "transfer-encoding" for k in (headers or {})):
                conn.putheader("Content-Length", str(len(data)))
            conn.endheaders(data)
        else:
            conn.endheaders()
        r = conn.getresponse()
        data = r.read()
        return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
    finally:
        conn.close()


class Stack:
    def __init__(self, tmp, *, capture=True, backend="dagon", primary="dagon", bridge_env=None,
                 bridge_args=(), timeout_seconds=10, broker_extra=""):
        self.tmp = Path(tmp)
        self.images = self.tmp / "images"
        self.timelapses = self.tmp / "timelapses"
        self.images.mkdir(parents=True, exist_ok=True)
        self.timelapses.mkdir(parents=True, exist_ok=True)
        self.config = write_config(self.tmp / "config.json", timeout_seconds)
        self.want_capture = capture
        self.backend = backend
        self.primary = primary
        self.bridge_env = bridge_env or {}
        self.bridge_args = list(bridge_args)
        self.broker_extra = broker_extra
        self.daemons = []
        self.broker = None
        self.port = free_port()

    def env(self, **extra):
        return {"MQTT_URL": self.broker.url, "SKYLAPSE_CONFIG": str(self.config),
                "MQTT_TOPIC_ROOT": "skylapse", **extra}

    def start_daemon(self, name, args=(), env=None):
        d = Daemon(name, args, env, self.tmp).start()
        self.daemons.append(d)
        return d

    def start(self):
        self.broker = Broker(self.tmp, extra=self.broker_extra).start()
        if self.want_capture:
            self.capture = self.start_daemon("skylapse-capture", env=self.env(
                CAMERA_ID=CAM, CAMERA_SOURCE="sim", IMAGES_DIR=str(self.images / CAM),
                PRIMARY_BACKEND=self.primary))
        self.bridge = self.start_bridge()
        if self.want_capture:
            self.wait_camera()
        return self

    def start_bridge(self, args=None, env=None, port=None):
        port = port or self.port
        bridge_env = self.env(BACKEND_NAME=self.backend, IMAGES_DIR=str(self.images),
                              TIMELAPSES_DIR=str(self.timelapses), API_TOKEN="",
                              CORS_ORIGINS="", DASHBOARD_DIR="")
        bridge_env.update(self.bridge_env)
        bridge_env.update(env or {})
        d = self.start_daemon("skylapse-bridge",
                              ["--port", str(port), "--bind", "127.0.0.1"] +
                              list(args if args is not None else self.bridge_args),
                              env=bridge_env)
        wait_for(lambda: self._answers(port), 10, f"skylapse-bridge on port {port}")
        return d

    def _answers(self, port):
        try:
            request(port, "GET", "/health", timeout=1)
            return True
        except OSError:
            return False

    def wait_camera(self, camera=CAM, port=None):
        def online():
            r = self.get("/health", port=port)
            return r.status == 200 and r.json()["cameras"].get(camera) == "online"
        wait_for(online, 15, f"camera {camera} online through the bridge")

    def get(self, path, headers=None, port=None):
        return request(port or self.port, "GET", path, headers=headers)

    def post(self, path, body=None, headers=None, port=None):
        return request(port or self.port, "POST", path, body=body if body is not None else "",
                       headers=headers)

    def request(self, method, path, **kw):
        port = kw.pop("port", None) or self.port
        return request(port, method, path, **kw)

    def stop(self):
        """Stops everything; a bridge must end with exit code 0 (SIGTERM is
        a clean stop), which under ASan also means no leak and no error."""
        failed = []
        for d in reversed(self.daemons):
            rc = d.stop()
            if d.name == "skylapse-bridge" and rc != 0:
                failed.append(f"{d.name} exited {rc}:\n{d.log()[-3000:]}")
        if self.broker:
            self.broker.stop()
        assert not failed, "\n".join(failed)

    def __enter__(self):
        """with Stack(...) as s: started, and stopped at the end (or if it fails to start)."""
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()


class SseClient:
    """Reads /events from a raw socket: events as (id, name, data) tuples."""

    def __init__(self, port, headers=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self.sock.sendall(f"GET /events HTTP/1.1\r\nHost: x\r\n{extra}\r\n".encode())
        self.buf = b""
        head = self._until(b"\r\n\r\n")
        self.status_line = head.split(b"\r\n")[0].decode()
        self.headers = head.decode(errors="replace").lower()
        self.text = ""

    def _until(self, marker):
        while marker not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("stream closed")
            self.buf += chunk
        head, self.buf = self.buf.split(marker, 1)
        return head

    def _feed(self):
        """Decodes chunked transfer encoding into self.text."""
        while True:
            if b"\r\n" not in self.buf:
                return
            size_line, rest = self.buf.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            if len(rest) < size + 2:
                return
            self.text += rest[:size].decode()
            self.buf = rest[size + 2:]

    def events(self):
        out = []
        for block in self.text.split("\n\n")[:-1]:
            ev = {"id": None, "event": "message", "data": ""}
            for line in block.split("\n"):
                if line.startswith(":") or ":" not in line:
                    continue
                k, v = line.split(":", 1)
                ev[k] = v[1:] if v.startswith(" ") else v
            if ev["data"]:
                out.append((ev["id"], ev["event"], json.loads(ev["data"])))
        return out

    def wait_event(self, name, predicate=lambda d: True, timeout=10.0):
        def find():
            for i, n, d in self.events():
                if n == name and predicate(d):
                    return (i, n, d)
            return None

        def poll():
            found = find()
            if found:
                return found
            self.sock.settimeout(0.2)
            try:
                chunk = self.sock.recv(65536)
                if chunk:
                    self.buf += chunk
                    self._feed()
            except socket.timeout:
                pass
            return find()
        self._feed()
        return wait_for(poll, timeout, f"event {name}")

    def close(self):
        self.sock.close()
