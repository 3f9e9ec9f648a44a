#!/usr/bin/env python3
"""End to end through OpenSSH: Debian's sshd on a free 127.0.0.1 port, the real ssh client on a
pseudo-terminal, the README's recipes copied out of README.md and applied to a private /etc.

Covers the README recipes "SSH: password and code" (sshd-password, pam-line), "SSH: key and
code" (sshd-key, pam-line) and "Gradual rollout" (pam-line-nullok), and first-login enrollment
(enroll=first_login). Each user logs in with a code at most once after enrolling, because a
second login within the same 30 s step is refused by design (replay protection).
"""

import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

import os
import shutil
import stat
import subprocess
import time
from pathlib import Path

import sandbox
from sandbox import fail, recipe, run, totp, wrong_code

SSHD = "/usr/sbin/sshd"
PAM_FILE = "/etc/pam.d/sshd"
DROP_IN = "/etc/ssh/sshd_config.d/pam_totp.conf"  # where the recipes put sshd's settings
COMMAND = "echo E2E-$((6*7))-$(id -un)"  # prints E2E-42-USER only if it really ran


class Sshd:
    """sshd -D on a free loopback port, configured by the files in the private /etc."""

    def __init__(self, sb):
        self.sb = sb
        self.proc = None
        self.port = None
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # the privilege separation dir
        run(["ssh-keygen", "-A"])  # host keys, if the package's are missing

    def start(self):
        self.stop()
        run([SSHD, "-t"])  # as the recipes say: check the configuration before (re)loading
        self.port = sandbox.free_port()
        log = open(self.sb.tmp / f"sshd-{self.port}.log", "w+")
        self.proc = subprocess.Popen(
            [SSHD, "-D", "-e", "-o", f"Port={self.port}", "-o", "ListenAddress=127.0.0.1",
             "-o", "PidFile=none"], stdout=log, stderr=subprocess.STDOUT)
        self.sb.daemons.append(self.proc)
        deadline = time.monotonic() + 15
        while "Server listening" not in Path(log.name).read_text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                fail(f"sshd did not start: {Path(log.name).read_text()}")
            time.sleep(0.05)

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait()
            self.proc = None

    def ssh(self, user, *options):
        return self.sb.terminal([
            "ssh", "-F", "/dev/null", "-p", str(self.port), "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
            "-o", "NumberOfPasswordPrompts=1", *options, f"{user}@127.0.0.1", COMMAND])

    def ssh_password(self, user):
        return self.ssh(user, "-o", "PubkeyAuthentication=no",
                        "-o", "PreferredAuthentications=keyboard-interactive")


def logged_in(term, user):
    term.expect(f"E2E-42-{user}")
    if term.wait() != 0:
        fail(f"ssh exited {term.status} after the command ran")


def refused(term):
    status = term.wait()
    if status == 0 or "E2E-42" in term.text():
        fail("the login was let in")
    if "Permission denied" not in term.text():
        fail(f"ssh exited {status} without 'Permission denied'")


def test(sb, checks):
    original_pam = Path(PAM_FILE).read_text()
    passwords = {u: f"{u}-Pw-e2e-7" for u in ["alice", "bob", "carol", "dave", "erin"]}
    for user, password in passwords.items():
        sb.add_user(user, password)
    keys = {u: sb.enroll(u) for u in ["alice", "bob", "carol"]}
    sshd = Sshd(sb)

    # README "SSH: password and code".
    sb.add_after(PAM_FILE, "@include common-auth", recipe("pam-line"))
    Path(DROP_IN).write_text(recipe("sshd-password"))
    sshd.start()
    used = {}

    def password_and_code(user, code):
        term = sshd.ssh_password(user)
        term.expect(r"Password: ")
        term.answer(passwords[user])
        term.expect(r"Verification code: ")
        term.answer(code)
        return term

    def right_code():
        mark = sb.log_mark()
        used["alice"] = totp(keys["alice"], 1)
        logged_in(password_and_code("alice", used["alice"]), "alice")
        sb.expect_log(mark, "code accepted from device 'phone'")

    def wrong():
        mark = sb.log_mark()
        refused(password_and_code("alice", wrong_code(keys["alice"])))
        sb.expect_log(mark, "wrong code")

    def replayed():
        mark = sb.log_mark()
        refused(password_and_code("alice", used["alice"]))
        sb.expect_log(mark, "replay refused")

    def wrong_password():
        term = sshd.ssh_password("alice")
        term.expect(r"Password: ")
        term.answer("not-the-password")
        refused(term)
        if "Verification code" in term.text():
            fail("asked for a code after a wrong password")

    checks.run("ssh password+code: the right password and code log in", right_code)
    checks.run("ssh password+code: a wrong code is refused", wrong, refusal=True)
    checks.run("ssh password+code: a code used once is refused the second time", replayed,
               refusal=True)
    checks.run("ssh password+code: a wrong password is refused before any code", wrong_password)

    # README "Gradual rollout": nullok while users enroll, then required.
    sb.edit(PAM_FILE, recipe("pam-line").strip(), recipe("pam-line-nullok"))

    def rollout_unenrolled():
        term = sshd.ssh_password("dave")
        term.expect(r"Password: ")
        term.answer(passwords["dave"])
        logged_in(term, "dave")
        if "Verification code" in term.text():
            fail("a user without a device was asked for a code under nullok")

    def rollout_enrolled():
        logged_in(password_and_code("carol", totp(keys["carol"], 1)), "carol")

    def rollout_done():
        sb.edit(PAM_FILE, recipe("pam-line-nullok").strip(), recipe("pam-line"))
        mark = sb.log_mark()
        refused(password_and_code("dave", "123456"))
        sb.expect_log(mark, "no device enrolled")

    checks.run("rollout (nullok): a user without a device logs in with the password alone",
               rollout_unenrolled)
    checks.run("rollout (nullok): an enrolled user still needs the code", rollout_enrolled)
    checks.run("rollout done (nullok removed): a user without a device is refused",
               rollout_done, refusal=True)

    # README "SSH: key and code": the key is the first factor, PAM asks only for the code.
    Path(PAM_FILE).write_text(original_pam)
    sb.edit(PAM_FILE, "@include common-auth", recipe("pam-line"))
    Path(DROP_IN).write_text(recipe("sshd-key"))
    sshd.start()
    key_file = authorize_key(sb, "bob")
    with_key = ["-i", str(key_file), "-o", "IdentitiesOnly=yes",
                "-o", "PreferredAuthentications=publickey,keyboard-interactive"]

    def key_and_code(code):
        term = sshd.ssh("bob", *with_key)
        term.expect(r"Verification code: ")
        term.answer(code)
        return term

    def key_right():
        term = key_and_code(totp(keys["bob"], 1))
        logged_in(term, "bob")
        if "Password" in term.text():
            fail("asked for a password although the recipe removes common-auth")

    def code_without_key():
        term = sshd.ssh_password("bob")
        refused(term)
        if "Verification code" in term.text():
            fail("asked for a code without a key")

    checks.run("ssh key+code: the key and the right code log in, no password asked", key_right)
    checks.run("ssh key+code: the key and a wrong code are refused",
               lambda: refused(key_and_code(wrong_code(keys["bob"]))), refusal=True)
    checks.run("ssh key+code: without the key no code is even asked", code_without_key)

    # First-login enrollment (enroll=first_login): trust on first use, after the password.
    Path(PAM_FILE).write_text(original_pam)
    sb.add_after(PAM_FILE, "@include common-auth", "auth required pam_totp.so enroll=first_login")
    Path(DROP_IN).write_text(recipe("sshd-password"))
    sshd.start()
    shown = {}

    def first_login():
        term = sshd.ssh_password("erin")
        term.expect(r"Password: ")
        term.answer(passwords["erin"])
        shown["key"] = term.expect(r"Key: ([A-Z2-7 ]+)\r?\n")[1].replace(" ", "")
        term.expect(r"Code from your app: ")
        term.answer(totp(shown["key"]), hidden=False)
        logged_in(term, "erin")
        info = os.stat("/var/lib/pam_totp/erin.totp")
        if info.st_uid != 0 or stat.S_IMODE(info.st_mode) != 0o600:
            fail(f"erin.totp is owner {info.st_uid} mode {oct(info.st_mode)}, not root 0600")

    def after_first_login():
        if "key" not in shown:
            fail("no key was enrolled")
        logged_in(password_and_code("erin", totp(shown["key"], 1)), "erin")

    checks.run("first login: the key shown is enrolled after the app's code", first_login)
    checks.run("first login: the next login asks for that device's code", after_first_login)
    sshd.stop()


def authorize_key(sb, user):
    key_file = sb.tmp / f"{user}_ed25519"
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key_file)])
    ssh_dir = Path(f"/home/{user}/.ssh")
    ssh_dir.mkdir(mode=0o700)
    shutil.copyfile(f"{key_file}.pub", ssh_dir / "authorized_keys")
    run(["chown", "-R", f"{user}:{user}", str(ssh_dir)])
    return key_file


if __name__ == "__main__":
    sandbox.main(test, needs=[SSHD, "ssh", "ssh-keygen"])
