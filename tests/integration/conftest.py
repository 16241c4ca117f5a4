"""pytest fixtures: a broker per test, and helpers to start our daemons."""
import pytest

import harness
from harness import BIN, Client, Daemon, start_test_broker

# what the sanitizers (make SANITIZE=1 / SANITIZE=thread test) and valgrind (make valgrind) print
SANITIZER_REPORTS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                     "WARNING: ThreadSanitizer", "runtime error:", "are definitely lost",
                     "Invalid read of", "Invalid write of", "Invalid free",
                     "Conditional jump or move depends", "uninitialised value")


@pytest.fixture(autouse=True)
def no_sanitizer_reports():
    """Fails a test when a daemon it started printed a sanitizer report, even one the
    test did not look at (ThreadSanitizer reports and goes on)."""
    mark = len(harness.STARTED)
    yield
    for d in harness.STARTED[mark:]:
        text = d.log()
        for word in SANITIZER_REPORTS:
            at = text.find(word)
            if at >= 0:
                pytest.fail(f"{d.name}: {text[max(0, at - 200):at + 3000]}", pytrace=False)


@pytest.fixture
def broker(tmp_path):
    b = start_test_broker(tmp_path)
    yield b
    b.stop()


@pytest.fixture
def daemons():
    started = []

    def start(name, args=(), env=None, workdir=None, prefix=()):
        # Checked here, not at start-up, so tests that need no binary (broker,
        # schemas) run before anything is built; these fail, never skip.
        if not (BIN / name).exists():
            pytest.fail(f"build first (make): {name} is missing in {BIN}", pytrace=False)
        d = Daemon(name, args, env, workdir, prefix).start()
        started.append(d)
        return d
    yield start
    for d in started:
        d.stop()


@pytest.fixture
def client(broker):
    clients = []

    def make(**kw):
        c = Client(broker.port, **kw)
        clients.append(c)
        return c
    yield make
    for c in clients:
        c.close()
