"""pytest fixtures: a broker per test, and helpers to start our daemons."""
import pytest

from harness import BIN, Broker, Client, Daemon


def pytest_configure(config):
    missing = [n for n in ("skylapse-capture",) if not (BIN / n).exists()]
    if missing:
        raise pytest.UsageError(f"build first (make): missing {missing} in {BIN}")


@pytest.fixture
def broker(tmp_path):
    b = Broker(tmp_path).start()
    yield b
    b.stop()


@pytest.fixture
def daemons():
    started = []

    def start(name, args=(), env=None, workdir=None):
        d = Daemon(name, args, env, workdir).start()
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
