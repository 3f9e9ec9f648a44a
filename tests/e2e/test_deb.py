#!/usr/bin/env python3
"""The Debian package, from install to purge, in a private copy of the machine (see sandbox.py:
dpkg, pam-auth-update and the store write only to the overlays, so the machine's own dpkg
database and /etc never see the package). Run by scripts/e2e with --deb PATH after
packaging/build-deb; not a ctest test, because it needs the built package.

Covers the README's "Debian package" section and the recipe "Every service at once:
pam-auth-update": the profile is off after installing, enabling it asks enrolled users for a
code everywhere and lets the others in, and removal turns it off before the module goes.
"""

import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

import os
import stat
import subprocess
from pathlib import Path

import sandbox
from sandbox import fail, run, totp

PACKAGE = "libpam-totp"
COMMON_AUTH = "/etc/pam.d/common-auth"
STORE_DIR = "/var/lib/pam_totp"
CONFIG = "/etc/security/pam_totp.conf"


def status():
    proc = subprocess.run(["dpkg-query", "-W", "-f=${Status}", PACKAGE], text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
    return proc.stdout if proc.returncode == 0 else "not known to dpkg"


def mode_of(path):
    info = os.stat(path)
    return info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)


def test(sb, checks):
    deb = os.path.abspath(sb.args.deb)
    multiarch = run(["dpkg-architecture", "-qDEB_HOST_MULTIARCH"])[1].strip()
    module = f"/lib/{multiarch}/security/pam_totp.so"
    common_auth_before = Path(COMMON_AUTH).read_text()
    passwords = {"kim": "kim-Pw-e2e-7", "lee": "lee-Pw-e2e-7"}
    for user, password in passwords.items():
        sb.add_user(user, password)
    files = []

    def install():
        run(["dpkg", "--install", deb])
        if status() != "install ok installed":
            fail(f"dpkg says {status()!r}")
        files.extend(run(["dpkg", "--listfiles", PACKAGE])[1].split())

    def layout():
        expected = {module: (0, 0, 0o644), "/usr/bin/totpctl": (0, 0, 0o755),
                    CONFIG: (0, 0, 0o644), STORE_DIR: (0, 0, 0o700),
                    "/usr/share/pam-configs/pam_totp": (0, 0, 0o644),
                    # The directory backend, loaded only with store = ldap, and its schema.
                    f"/usr/lib/{multiarch}/pam_totp/ldap_store.so": (0, 0, 0o644),
                    "/usr/share/pam_totp/ldap/pam_totp.ldif": (0, 0, 0o644),
                    "/usr/share/pam_totp/ldap/acl-example.ldif": (0, 0, 0o644)}
        for page in ["man1/totpctl.1", "man5/pam_totp.conf.5", "man5/totp-store.5",
                     "man5/pam_totp-ldap.5", "man8/pam_totp.8"]:
            expected[f"/usr/share/man/{page}.gz"] = (0, 0, 0o644)
        if (sandbox.REPO / "setup_tool" / "totpctl.bash-completion").exists():
            expected["/usr/share/bash-completion/completions/totpctl"] = (0, 0, 0o644)
        for path, want in expected.items():
            if not os.path.exists(path) or mode_of(path) != want:
                fail(f"{path}: want (uid, gid, mode) {want}, have "
                     f"{mode_of(path) if os.path.exists(path) else 'nothing'}")
        helper = "/usr/libexec/pam_totp/totpctl-helper"  # setuid root, where it exists
        if helper in files and mode_of(helper) != (0, 0, 0o4755):
            fail(f"{helper}: want (uid, gid, mode) (0, 0, 0o4755), have {mode_of(helper)}")
        stray = [f for f in files if f.startswith(("/tmp", "/home", "/root", "/usr/local"))]
        if stray:
            fail(f"the package ships files where no package may: {stray}")
        conffiles = run(["dpkg-query", "-W", "-f=${Conffiles}", PACKAGE])[1]
        if CONFIG not in conffiles:
            fail(f"{CONFIG} is not a conffile: {conffiles!r}")

    def no_login_changed():
        if Path(COMMON_AUTH).read_text() != common_auth_before:
            fail("installing the package changed /etc/pam.d/common-auth")

    def totpctl_runs():
        _, usage = run(["totpctl", "--help"])
        if "doctor" in usage:  # a healthy fresh install: no problems (warnings are fine)
            code, report = run(["totpctl", "doctor"], check=False)
            if code != 0 or "0 problems" not in report:
                fail(f"totpctl doctor exited {code}:\n{report}")

    def su(user, code=None):
        term = sb.terminal(["runuser", "-u", "kim", "--", "su", "-", user, "-c",
                            "echo E2E-$((6*7))-$(id -un)"])
        term.expect(r"Password: ")
        term.answer(passwords[user])
        if code is not None:
            term.expect(r"Verification code: ")
            term.answer(code)
        term.expect(f"E2E-42-{user}")
        term.wait()
        return term

    def profile():
        run(["pam-auth-update", "--enable", "pam_totp"])
        if "pam_totp.so nullok" not in Path(COMMON_AUTH).read_text():
            fail(f"common-auth after --enable:\n{Path(COMMON_AUTH).read_text()}")
        if "Verification code" in su("lee").text():
            fail("a user without a device was asked for a code")
        key = sb.enroll("lee")
        su("lee", totp(key, 1))

    def refuses_lockout():
        Path("/etc/pam.d/e2e-uses-totp").write_text("auth required pam_totp.so\n")
        code, out = run(["dpkg", "--remove", PACKAGE], check=False)
        os.remove("/etc/pam.d/e2e-uses-totp")
        if code == 0 or "e2e-uses-totp" not in out or not status().endswith("ok installed"):
            fail(f"dpkg --remove exited {code}, package {status()!r}: {out}")

    def remove():
        run(["dpkg", "--remove", PACKAGE])
        if "pam_totp" in Path(COMMON_AUTH).read_text():
            fail("common-auth still names pam_totp after removal")
        for path in [module, "/usr/bin/totpctl"]:
            if os.path.exists(path):
                fail(f"{path} is still there")
        if not os.path.exists(f"{STORE_DIR}/lee.totp") or not os.path.exists(CONFIG):
            fail("remove must keep the store and the config")
        su("lee")  # no lockout: the password alone logs in again

    def purge():
        run(["dpkg", "--purge", PACKAGE])
        left = [f for f in files if os.path.isfile(f) or f == STORE_DIR and os.path.exists(f)]
        if left or os.path.exists(STORE_DIR) or status() != "not known to dpkg":
            fail(f"after purge: dpkg says {status()!r}; left behind: {left}")

    checks.run("deb: dpkg --install succeeds", install)
    checks.run("deb: files where Debian looks, owners and modes right", layout)
    checks.run("deb: installing changes no PAM file (profile off)", no_login_changed)
    checks.run("deb: totpctl runs; totpctl doctor (where it exists) finds no problem",
               totpctl_runs)
    checks.run("deb: pam-auth-update --enable pam_totp: code for enrolled, password for others",
               profile)
    checks.run("deb: removal refused while a PAM file still uses pam_totp.so", refuses_lockout)
    checks.run("deb: remove turns the profile off, removes the module, keeps the store", remove)
    checks.run("deb: purge leaves nothing behind, store included", purge)


if __name__ == "__main__":
    sandbox.main(test, needs=["dpkg", "pam-auth-update", "su", "runuser"],
                 add_args=lambda p: p.add_argument("--deb", required=True))
