"""A throw-away sshd for tests and benchmarks: the "Pi" end of the transfer.

sshd -D on a free loopback port (or on `host`, started through `prefix`:
nsenter into a network namespace) with a host key and a client key generated
for the run, AuthorizedKeysFile and known_hosts in its own folder, logging in
as the current user (root too: PermitRootLogin yes). env() gives the
transfer's PI_* and SSH_* variables for it.
"""
import os
import subprocess
from pathlib import Path

from harness import Server, free_port, wait_port


class Sshd(Server):
    """sshd -D on a free port, accepting one generated client key."""

    def __init__(self, workdir, host="127.0.0.1", prefix=()):
        self.dir = Path(workdir) / "ssh"
        self.dir.mkdir()
        self.port = free_port()
        self.host = host
        self.prefix = list(prefix)
        self.user = os.environ.get("USER") or subprocess.run(
            ["id", "-un"], capture_output=True, text=True, check=True).stdout.strip()
        self.key = self.dir / "client_key"
        self.wrong_key = self.dir / "wrong_key"
        host_key = self.dir / "host_key"
        for k in (host_key, self.key, self.wrong_key):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(k)],
                           check=True)
        (self.dir / "authorized_keys").write_text(Path(f"{self.key}.pub").read_text())
        self.known_hosts = self.dir / "known_hosts"
        pub = Path(f"{host_key}.pub").read_text().split()
        self.known_hosts.write_text(f"[{host}]:{self.port} {pub[0]} {pub[1]}\n")
        self.config = self.dir / "sshd_config"
        self.config.write_text("\n".join([
            f"Port {self.port}", f"ListenAddress {host}", f"HostKey {host_key}",
            f"AuthorizedKeysFile {self.dir / 'authorized_keys'}", "StrictModes no",
            "PermitRootLogin yes", "PasswordAuthentication no",
            "KbdInteractiveAuthentication no", "UsePAM no", "PidFile none", "LogLevel ERROR",
            # bash sources the account's ~/.bashrc for ssh commands unless it
            # thinks it is nested; that file belongs to whoever runs the tests
            # (here a pyenv set-up costing seconds per command), not to the Pi
            "SetEnv SHLVL=1",
        ]) + "\n")

    def start(self):
        if os.geteuid() == 0:
            os.makedirs("/run/sshd", exist_ok=True)  # privilege separation directory
        self.log = open(self.dir / "sshd.log", "ab")
        self.proc = subprocess.Popen(
            [*self.prefix, "/usr/sbin/sshd", "-D", "-f", str(self.config), "-e"],
            stdout=self.log, stderr=subprocess.STDOUT)
        wait_port(self.port, host=self.host)
        return self

    def env(self):
        return {"PI_HOST": self.host, "PI_USER": self.user, "PI_SSH_PORT": str(self.port),
                "SSH_KEY": str(self.key), "SSH_KNOWN_HOSTS": str(self.known_hosts)}
