"""Holds N /events clients open on skylapse-bridge while frames are
announced on MQTT, and reports errors, delivery and the bridge's memory per
client. Used by bench/bridge/run.sh.

  sse_clients.py --port P --broker-port B --pid BRIDGE_PID [--clients 1000] [--frames 20]

Each client is a plain socket read with asyncio; a client counts the
"event: frame" blocks it receives. Memory is the bridge's VmRSS (from
/proc) before the clients connect and once all of them are attached.
"""
import argparse
import asyncio
import json
import subprocess
import sys
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def health(port):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = await r.read()
    w.close()
    return json.loads(data.split(b"\r\n\r\n", 1)[1])


class Client:
    def __init__(self):
        self.frames = 0
        self.error = None
        self.ready = asyncio.Event()

    async def run(self, port, want, done):
        try:
            r, w = await asyncio.open_connection("127.0.0.1", port)
            w.write(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
            head = await r.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(head.split(b"\r\n")[0].decode())
            self.ready.set()
            buf = b""
            while self.frames < want:
                chunk = await r.read(65536)
                if not chunk:
                    raise RuntimeError("stream closed")
                buf += chunk
                self.frames += buf.count(b"event: frame\n")
                buf = buf[buf.rfind(b"\n"):]  # an event line never spans this cut
            w.close()
        except Exception as e:  # noqa: BLE001 - every failure is a result here
            self.error = repr(e)
            self.ready.set()
        finally:
            done()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--broker-port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--frames", type=int, default=20)
    ap.add_argument("--camera", default="helios")
    a = ap.parse_args()

    base = rss_kib(a.pid)
    clients = [Client() for _ in range(a.clients)]
    finished = 0

    def done():
        nonlocal finished
        finished += 1

    tasks = [asyncio.create_task(c.run(a.port, a.frames, done)) for c in clients]
    t0 = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*(c.ready.wait() for c in clients)), 60)
    attach_s = time.monotonic() - t0
    attached = (await health(a.port))["events_clients"]
    held = rss_kib(a.pid)
    t0 = time.monotonic()
    for i in range(a.frames):
        ann = {"camera": a.camera, "profile": "a", "path": f"profile-a/2026-11-27/capture_20261127_0000{i:02d}_000.jpg",
               "captured_at": "2026-11-27T00:00:00.000Z", "size": 1, "sha256": "0" * 64}
        subprocess.run(["mosquitto_pub", "-p", str(a.broker_port), "-q", "1",
                        "-t", f"skylapse/{a.camera}/frames", "-m", json.dumps(ann)], check=True)
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), 60)
    except asyncio.TimeoutError:
        pass
    fanout_s = time.monotonic() - t0
    errors = [c.error for c in clients if c.error]
    short = sum(1 for c in clients if c.error is None and c.frames < a.frames)
    delivered = sum(min(c.frames, a.frames) for c in clients)
    per_client = (held - base) * 1024 / max(1, a.clients)
    print(f"sse: {a.clients} clients attached in {attach_s:.2f} s (bridge counts {attached}); "
          f"{a.frames} frames announced, {delivered}/{a.clients * a.frames} events delivered "
          f"in {fanout_s:.2f} s; errors {len(errors)}, short {short}")
    print(f"sse: bridge RSS {base} KiB idle, {held} KiB with {a.clients} clients: "
          f"{per_client / 1024:.1f} KiB per client")
    if errors:
        print("sse: first error:", errors[0])
    return 0 if not errors and short == 0 and attached == a.clients else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
