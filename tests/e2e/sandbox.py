"""What every end-to-end test (tests/e2e/test_*.py) stands on: a private copy of the machine.

A test runs as root in its own mount and PID namespaces (unshare). Copy-on-write overlays cover
/etc, /usr, /var, /home, /root, /run, /dev and the build tree, their changes kept in a tmpfs.
Inside, the test works the way an administrator does: `cmake --install` of the build tree
into /usr, useradd, totpctl, edits to /etc/pam.d and /etc/ssh, real daemons on 127.0.0.1.
When the test ends the namespaces end: every change is gone and any process it left is killed
with the PID namespace. The machine's own /etc is never written.

The module's syslog lines are captured from a private /dev/log, so a test can tell a replayed
code from a wrong one and show what the module said when a check fails.

Exit status: 0 every check passed, 1 a check failed, 77 skipped because the machine cannot run
it (not root, a program missing). PAMTOTP_E2E_REQUIRED=1 (set by scripts/e2e) turns a skip
into a failure. PAMTOTP_E2E_MODULE=/path/x.so replaces the installed pam_totp.so after the
install: scripts/e2e --accept-all-check uses it to show that the tests catch a module that
accepts every code.
"""

import argparse
import ctypes
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import traceback
from pathlib import Path

from terminal import Terminal, TerminalError

REPO = Path(__file__).resolve().parents[2]
SKIP = 77
_WORK_ENV = "PAMTOTP_E2E_WORK"
_OVERLAID = ["/etc", "/usr", "/var", "/home", "/root", "/run"]


class CheckFailed(Exception):
    """A check saw something other than what the product must do."""


def fail(message):
    raise CheckFailed(message)


def run(argv, input_text=None, check=True):
    """Runs a command to completion; returns (exit status, stdout+stderr)."""
    proc = subprocess.run(argv, input=input_text, text=True, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, check=False)
    if check and proc.returncode != 0:
        fail(f"{' '.join(map(str, argv))} exited {proc.returncode}: {proc.stdout.strip()}")
    return proc.returncode, proc.stdout


def main(test, needs=(), add_args=None):
    """Entry point of a test script: `test(sandbox, checks)` runs inside the private copy."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", help="the CMake build tree to install into the copy")
    parser.add_argument("--cmake", default="cmake")
    if add_args:
        add_args(parser)
    args = parser.parse_args()
    if _WORK_ENV not in os.environ:
        sys.exit(_outer(needs))
    checks = Checks()
    sandbox = None
    try:
        sandbox = Sandbox(args)
        checks.sandbox = sandbox
        test(sandbox, checks)
    except Exception:  # a broken setup is a failure, shown in full
        checks.record("setup and teardown", traceback.format_exc())
    finally:
        if sandbox:
            sandbox.close()
    sys.exit(checks.finish())


def _outer(needs):
    """Checks the machine, then runs this same script again inside new namespaces."""
    missing = [] if os.geteuid() == 0 else ["root (mount namespaces and useradd need it)"]
    for program in ["unshare", "mount", "useradd", "chpasswd", "oathtool", *needs]:
        if not (os.access(program, os.X_OK) if "/" in program else shutil.which(program)):
            missing.append(program)
    if not missing and subprocess.call(["unshare", "--mount", "--pid", "--fork", "true"],
                                       stderr=subprocess.DEVNULL) != 0:
        missing.append("permission to make mount and PID namespaces (CAP_SYS_ADMIN)")
    if missing:
        print(f"{Path(sys.argv[0]).name}: needs {', '.join(missing)}; scripts/e2e installs "
              "the packages and runs the end-to-end tests as root")
        if os.environ.get("PAMTOTP_E2E_REQUIRED") == "1":
            print("FAIL: PAMTOTP_E2E_REQUIRED=1, so a test that cannot run fails")
            return 1
        return SKIP
    work = tempfile.mkdtemp(prefix="pam_totp-e2e.")
    try:
        argv = ["unshare", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc",
                "--propagation", "private", sys.executable, os.path.abspath(sys.argv[0]),
                *sys.argv[1:]]
        return subprocess.call(argv, env={**os.environ, _WORK_ENV: work},
                               preexec_fn=_die_with_parent)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _die_with_parent():
    ctypes.CDLL(None, use_errno=True).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL


def recipe(name):
    """The code block of README.md marked `<!-- e2e:NAME -->`: recipes are tested as written."""
    lines = (REPO / "README.md").read_text().splitlines()
    try:
        start = lines.index(next(x for x in lines if x.strip() == f"<!-- e2e:{name} -->"))
        fence = next(i for i in range(start + 1, len(lines)) if lines[i].strip().startswith("```"))
        end = next(i for i in range(fence + 1, len(lines)) if lines[i].strip().startswith("```"))
    except StopIteration:
        fail(f"README.md has no code block after a line <!-- e2e:{name} -->")
    return textwrap.dedent("\n".join(lines[fence + 1:end])) + "\n"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Checks:
    """Named checks, reported one per line, with the terminals and syslog of a failure."""

    def __init__(self):
        self.sandbox = None
        self.passed = 0
        self.failed = []

    def record(self, name, problem):
        if problem is None:
            self.passed += 1
            print(f"ok   - {name}", flush=True)
            return
        self.failed.append(name)
        print(f"FAIL - {name}\n{textwrap.indent(problem.rstrip(), '       ')}", flush=True)

    def run(self, name, case, refusal=False):
        """Runs `case()`; a CheckFailed, a TerminalError or any exception fails the check.

        refusal=True marks a check that a wrong, replayed or missing code is refused: with a
        module that accepts every code each of them must fail (scripts/e2e --accept-all-check).
        """
        if refusal:
            name += " (code refusal)"
        log_mark = self.sandbox.log_mark()
        self.sandbox.terminals.clear()
        try:
            case()
            problem = None
        except (CheckFailed, TerminalError) as e:
            problem = str(e)
        except Exception:
            problem = traceback.format_exc()
        if problem is not None:
            for term in self.sandbox.terminals:
                problem += f"\n--- terminal of {' '.join(term.argv)}:\n{term.text()}"
            problem += "\n--- syslog:\n" + "\n".join(self.sandbox.log_since(log_mark))
        self.record(name, problem)
        for term in self.sandbox.terminals:
            term.close()

    def finish(self):
        print(f"{self.passed} passed, {len(self.failed)} failed", flush=True)
        return 1 if self.failed else 0


class Sandbox:
    """The private copy of the machine, with the build installed into it."""

    def __init__(self, args):
        self.args = args
        self.work = Path(os.environ[_WORK_ENV])
        self.build = Path(args.build).resolve() if args.build else None
        self.terminals = []
        self.daemons = []
        self._log = []
        self._log_lock = threading.Lock()
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "pam_totp-e2e",
                        str(self.work)], check=True)
        for path in _OVERLAID + ([str(self.build)] if self.build else []):
            self._overlay(path)  # the build tree too: cmake --install writes a manifest there
        self._overlay_dev()
        self._listen_syslog()
        self.tmp = self.work / "tmp"
        self.tmp.mkdir(mode=0o700)
        os.environ["TMPDIR"] = str(self.tmp)
        self.module_dir = self._install() if self.build else None

    def _overlay(self, path):
        base = self.work / "overlay" / path.strip("/").replace("/", "_")
        (base / "upper").mkdir(parents=True)
        (base / "work").mkdir()
        subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                        f"lowerdir={path},upperdir={base / 'upper'},workdir={base / 'work'}",
                        path], check=True)

    def _overlay_dev(self):
        """/dev too, for a private /dev/log; /dev/pts and /dev/shm are moved back on top."""
        mounts = []
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            point = line.split()[4]
            if point.startswith("/dev/") and point not in mounts:
                mounts.append(point)
        parked = []
        for i, point in enumerate(mounts):
            park = self.work / "dev-mounts" / str(i)
            park.mkdir(parents=True)
            subprocess.run(["mount", "--bind", point, str(park)], check=True)
            parked.append((park, point))
        self._overlay("/dev")
        for park, point in parked:
            subprocess.run(["mount", "--move", str(park), point], check=True)

    def _listen_syslog(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind("/dev/log")
        os.chmod("/dev/log", 0o666)

        def receive():
            while True:
                line = sock.recv(65536).decode("utf-8", "replace").rstrip("\n\0")
                with self._log_lock:
                    self._log.append(line)

        threading.Thread(target=receive, daemon=True).start()

    def log_mark(self):
        with self._log_lock:
            return len(self._log)

    def log_since(self, mark):
        with self._log_lock:
            return list(self._log[mark:])

    def expect_log(self, mark, needle, timeout=5):
        """Waits for a syslog line containing `needle` logged after `mark`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(needle in line for line in self.log_since(mark)):
                return
            time.sleep(0.05)
        fail(f"no syslog line containing {needle!r}")

    def _install(self):
        """`cmake --install` into the private copy, as the README's Install section does (with
        the prefix the tree was configured with: paths compiled into the programs follow it)."""
        cache = (self.build / "CMakeCache.txt").read_text()
        setting = lambda name: re.search(rf"^{name}:[A-Z]+=(.*)$", cache, re.M)[1]
        module_dir = os.path.realpath(setting("PAM_MODULE_DIR"))
        for path in [module_dir, os.path.realpath(setting("CMAKE_INSTALL_PREFIX"))]:
            if not any(path.startswith(d + "/") for d in _OVERLAID):
                fail(f"{path} is outside the private overlays; refusing to install there")
        self.install()
        replacement = os.environ.get("PAMTOTP_E2E_MODULE")
        if replacement:
            print(f"note: pam_totp.so replaced by {replacement} (PAMTOTP_E2E_MODULE)")
            shutil.copyfile(replacement, os.path.join(module_dir, "pam_totp.so"))
        return module_dir

    def install(self, destdir=None):
        env = dict(os.environ, DESTDIR=str(destdir)) if destdir else None
        proc = subprocess.run([self.args.cmake, "--install", str(self.build)], env=env,
                              text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if proc.returncode != 0:
            fail(f"cmake --install {self.build} exited {proc.returncode}: {proc.stdout}")

    def close(self):
        for term in self.terminals:
            term.close()
        for proc in self.daemons:
            proc.kill()
            proc.wait()

    # --- what an administrator does -------------------------------------------------------

    def terminal(self, argv, env=None):
        term = Terminal(argv, env)
        self.terminals.append(term)
        return term

    def add_user(self, name, password, groups=()):
        extra = ["-G", ",".join(groups)] if groups else []
        run(["useradd", "--create-home", "--shell", "/bin/bash", *extra, name])
        run(["chpasswd"], input_text=f"{name}:{password}\n")

    def enroll(self, user, device="phone"):
        """`totpctl --user USER enroll` at a terminal, with oathtool playing the phone.

        Returns the key. totpctl marks the confirmation code used, so the user's first login
        needs the code of a later step (totp(key, 1)).
        """
        term = self.terminal(["totpctl", "--user", user, "enroll", "--name", device])
        key = term.expect(r"Key: +([A-Z2-7 ]+)\r?\n")[1].replace(" ", "")
        term.expect(r"Enter the code your app shows now: ")
        term.answer(totp(key), hidden=False)
        if term.wait() != 0:
            fail(f"totpctl enroll for {user} failed: {term.text()}")
        return key

    def edit(self, path, old, new):
        """Replaces the one line `old` of a file with `new` (which may be several lines)."""
        text = Path(path).read_text()
        lines = text.splitlines()
        if lines.count(old) != 1:
            fail(f"{path} does not have exactly one line {old!r}")
        Path(path).write_text(text.replace(old + "\n", new.rstrip("\n") + "\n", 1))

    def add_after(self, path, anchor, block):
        """Inserts `block` after the line `anchor`, the way the recipes say."""
        self.edit(path, anchor, anchor + "\n" + block)


def totp(key, steps_ahead=0):
    """The code an authenticator app shows for `key`, `steps_ahead` 30-second steps from now."""
    when = int(time.time()) + 30 * steps_ahead
    _, out = run(["oathtool", "--totp", "--base32", f"--now=@{when}", key])
    return out.strip()


def wrong_code(key):
    """A 6-digit code that no step near now produces: certainly wrong, never a lucky match."""
    near = {totp(key, steps) for steps in range(-3, 4)}
    code = (int(totp(key)) + 500000) % 1000000
    while f"{code:06d}" in near:
        code = (code + 1) % 1000000
    return f"{code:06d}"
