"""The .deb of packaging/build-deb: its control data and files, the systemd unit checked by
systemd-analyze (syntax, and the exposure score of its hardening), and the packaged binary run
the way the unit runs it (its ExecStart, in its state directory) against this run's backend,
reloaded as ExecReload does and stopped as systemd stops it."""

import os
import re
import shlex
import signal
import subprocess
import tempfile
import unittest

from harness import Client, Server, _binary

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FILES = ["./etc/default/df-auth", "./etc/df-auth/df-auth.toml", "./lib/systemd/system/df-auth.service",
         "./usr/bin/df-auth", "./usr/share/doc/df-auth/README.md",
         "./usr/share/doc/df-auth/nginx-df-auth.conf"]


def unit_value(unit_text, key):
    return [line.split("=", 1)[1] for line in unit_text.splitlines() if line.startswith(key + "=")]


class DebTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = tempfile.mkdtemp(prefix="dfauth-deb-")
        built = subprocess.run([os.path.join(ROOT, "packaging", "build-deb"), _binary(), cls.out],
                               capture_output=True, text=True, timeout=300)
        assert built.returncode == 0, built.stderr
        cls.deb = built.stdout.strip()
        cls.root = os.path.join(cls.out, "root")
        subprocess.run(["dpkg-deb", "-x", cls.deb, cls.root], check=True)
        with open(os.path.join(cls.root, "lib/systemd/system/df-auth.service")) as f:
            cls.unit = f.read()

    def field(self, name):
        return subprocess.run(["dpkg-deb", "-f", self.deb, name], capture_output=True, text=True,
                              check=True).stdout.strip()

    def test_control_data_names_the_libraries_and_the_conffiles(self):
        self.assertEqual(os.path.basename(self.deb),
                         f"df-auth_{self.field('Version')}_{self.field('Architecture')}.deb")
        self.assertEqual(self.field("Package"), "df-auth")
        depends = [d.split(" ")[0] for d in self.field("Depends").split(", ")]
        for package in ("libc6", "libsqlite3-0", "libpq5", "libssl3", "libsodium23", "libcurl4"):
            self.assertIn(package, depends)
        self.assertEqual(depends, sorted(set(depends)))
        conffiles = subprocess.run(["dpkg-deb", "-I", self.deb, "conffiles"], capture_output=True, text=True,
                                   check=True).stdout.split()
        self.assertEqual(conffiles, ["/etc/df-auth/df-auth.toml", "/etc/default/df-auth"])
        contents = subprocess.run(["dpkg-deb", "-c", self.deb], capture_output=True, text=True, check=True).stdout
        files = sorted(line.split()[-1] for line in contents.splitlines() if not line.startswith("d"))
        self.assertEqual(files, FILES)

    def test_the_unit_verifies_and_its_hardening_scores_ok(self):
        # The unit as installed, its binary where dpkg-deb -x put it (verify checks it exists and
        # runs); systemd-analyze names every unknown key or bad value on stderr.
        unit = os.path.join(self.out, "df-auth.service")
        with open(unit, "w") as f:
            f.write(self.unit.replace("/usr/bin/df-auth", self.root + "/usr/bin/df-auth"))
        verify = subprocess.run(["systemd-analyze", "verify", unit], capture_output=True, text=True)
        self.assertEqual((verify.returncode, verify.stderr.strip()), (0, ""))
        security = subprocess.run(["systemd-analyze", "security", "--offline=yes", unit],
                                  capture_output=True, text=True)
        score = float(re.search(r"Overall exposure level for df-auth.service: ([0-9.]+)", security.stdout).group(1))
        print(f"packaging: systemd-analyze security exposure {score} (0 = most protected, 10 = none)")
        self.assertLessEqual(score, 2.0)
        for key, value in (("DynamicUser", "yes"), ("ProtectSystem", "strict"), ("NoNewPrivileges", "yes"),
                           ("StateDirectory", "df-auth"), ("WorkingDirectory", "/var/lib/df-auth"),
                           ("ExecReload", "/bin/kill -HUP $MAINPID")):
            self.assertEqual(unit_value(self.unit, key), [value])

    def test_the_packaged_binary_serves_as_the_unit_starts_it(self):
        command = shlex.split(unit_value(self.unit, "ExecStart")[0])
        self.assertEqual(command, ["/usr/bin/df-auth", "serve", "--config", "/etc/df-auth/df-auth.toml"])
        state = tempfile.mkdtemp(prefix="dfauth-state-")  # the unit's WorkingDirectory
        server = Server(binary=self.root + command[0], args=[command[1], command[2], self.root + command[3]],
                        workdir=state)
        with server:
            c = Client(server)
            self.assertEqual(c.get("/health/ready").status, 200)
            self.assertEqual(c.signup(username="pkg", password="packaged password").status, 201)
            self.assertEqual(len(c.login(username="pkg", password="packaged password").split(".")), 3)
            os.kill(server.proc.pid, signal.SIGHUP)  # ExecReload
            server.wait_stderr("reload: signing keys and blacklist file read again")
            self.assertEqual(c.get("/health/live").status, 200)
            server.proc.send_signal(signal.SIGTERM)  # systemctl stop
            self.assertEqual(server.proc.wait(timeout=30), 0)


if __name__ == "__main__":
    unittest.main()
