"""skylapse-bridge under abuse, with the real broker and sim camera: two
thousand idle or slowly-trickling connections from one address, a huge
request head and a flood of capture requests. It keeps answering a client
from another address promptly, holds at most its per-address limit,
its memory stays bounded, and captures beyond what the camera can take are
refused with 429 (error_kind busy). The figures are printed (pytest -s)."""
import http.client
import json
import os
import resource
import socket
import threading
import time

import pytest

from bridge_stack import CAM, Stack
from harness import rss_kib, wait_for

IDLE = 2000          # connections opened by the abuser
PER_IP = 1024        # bridge-http/http.c CONN_PER_IP
WAITING_MAX = 4      # bridge-http/capture.c WAITING_MAX
OTHER = "127.0.0.2"  # another client: loopback answers for all of 127/8


def get_from(port, path, source=OTHER, timeout=5):
    """GET from another source address; (status, body, seconds)."""
    t0 = time.monotonic()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                   source_address=(source, 0))
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read(), time.monotonic() - t0
    finally:
        c.close()


def send(sock, data):
    """Sends unless the bridge has already closed it (over its limit)."""
    try:
        sock.sendall(data)
    except OSError:
        pass


def still_open(sock):
    """False once the server has closed it (a read returns EOF)."""
    sock.setblocking(False)
    try:
        return sock.recv(1) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < IDLE + 512:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, IDLE + 512), hard))
    with Stack(tmp_path_factory.mktemp("abuse")) as s:
        yield s


def test_idle_and_slow_connections_do_not_starve_others(stack):
    pid = stack.bridge.proc.pid
    before = rss_kib(pid)
    socks = []
    try:
        for i in range(IDLE):
            s = socket.create_connection(("127.0.0.1", stack.port), timeout=5)
            if i % 2:  # slowloris: a request head that never ends
                send(s, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            socks.append(s)
        for s in socks[1::2]:
            send(s, b"a")
        # the bridge has seen them all once it answers a later client
        worst = max(get_from(stack.port, "/health")[2] for _ in range(20))
        status, body, _ = get_from(stack.port, "/health")
        assert status == 200 and json.loads(body)["cameras"][CAM] == "online"

        def held():  # the excess is closed as the bridge accepts it
            n = sum(still_open(s) for s in socks)
            return n if n <= PER_IP else None
        held = wait_for(held, 10, "the bridge to drop the excess")
        during = rss_kib(pid)
        print(f"\nabuse: {IDLE} connections from one address, {held} held by the bridge; "
              f"/health from another address: worst {worst * 1000:.1f} ms of 20; "
              f"RSS {before} KiB -> {during} KiB")
        assert PER_IP - 8 <= held <= PER_IP
        assert worst < 1.0
        if os.environ.get("SANITIZE") != "thread":  # ThreadSanitizer's shadow of each thread
            assert during - before < 48 * 1024
    finally:
        for s in socks:
            s.close()
    # the slots come back once the abuser is gone
    wait_for(lambda: get_from(stack.port, "/health", source="127.0.0.1")[0] == 200, 10,
             "an answer to the abuser's address again")


def test_a_huge_request_head_is_refused(stack):
    s = socket.create_connection(("127.0.0.1", stack.port), timeout=5)
    try:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (256 * 1024) + b"\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # closed while we were still sending: refused too
    try:
        head = s.recv(4096)
    except ConnectionResetError:
        head = b""
    s.close()
    assert head == b"" or head.startswith(b"HTTP/1.1 431"), head[:100]
    assert get_from(stack.port, "/health")[0] == 200


def test_a_capture_flood_is_limited_to_what_the_camera_can_take(stack):
    images = stack.images / CAM
    before = set(images.rglob("*.jpg"))
    n = 40
    body = json.dumps({"profile": "a", "camera": CAM}).encode()
    head = (f"POST /capture HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    socks = [socket.create_connection(("127.0.0.1", stack.port), timeout=30) for _ in range(n)]
    for s in socks:  # all at once, before the first can be answered
        s.sendall(head + body)
    answers = []

    def read(s):
        data = b""
        while chunk := s.recv(65536):
            data += chunk
        s.close()
        status = int(data.split(b" ", 2)[1])
        answers.append((status, json.loads(data.split(b"\r\n\r\n", 1)[1])))
    threads = [threading.Thread(target=read, args=(s,)) for s in socks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(40)
    statuses = sorted(st for st, _ in answers)
    ok = [b for st, b in answers if st == 200]
    busy = [b for st, b in answers if st == 429]
    print(f"\nflood: {n} captures at once: {len(ok)} taken, {len(busy)} refused with 429")
    assert len(answers) == n and set(statuses) <= {200, 429}, statuses
    assert WAITING_MAX <= len(ok) < n and busy
    for b in busy:
        assert b["error_kind"] == "busy"
        assert f"already has {WAITING_MAX} captures waiting" in b["error"]
    # exactly the captures taken were shot, one frame each
    new = set(images.rglob("*.jpg")) - before
    assert len(new) == len(ok) == len({b["frames"][0]["path"] for b in ok})
