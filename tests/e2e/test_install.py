#!/usr/bin/env python3
"""`cmake --install` as the README's Install section runs it, into a private copy of the
machine: every file where Debian looks for it, with the right owner and mode.

The other e2e tests then use this installed copy with the README's lines, which name
pam_totp.so without a path, so they also prove that Linux-PAM finds the module where it went.
"""

import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

import filecmp
import os
import re
import stat
from pathlib import Path

import sandbox
from sandbox import REPO, fail, run

MAN_PAGES = [("1", "totpctl"), ("5", "pam_totp.conf"), ("5", "totp-store"), ("5", "pam_totp-ldap"),
             ("8", "pam_totp")]
CONFIG = "/etc/security/pam_totp.conf"
STORE_DIR = "/var/lib/pam_totp"


def owner_mode(path):
    info = os.stat(path)
    return info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)


def test(sb, checks):
    cache = (sb.build / "CMakeCache.txt").read_text()
    version = re.search(r"^CMAKE_PROJECT_VERSION:STATIC=(.*)$", cache, re.M)[1]
    prefix = re.search(r"^CMAKE_INSTALL_PREFIX:PATH=(.*)$", cache, re.M)[1]

    def module():
        if not os.path.exists(os.path.join(sb.module_dir, "pam_unix.so")):
            fail(f"{sb.module_dir} is not where pam_unix.so is")
        installed = os.path.join(sb.module_dir, "pam_totp.so")
        built = sb.build / "pam_module" / "pam_totp.so"
        if not os.environ.get("PAMTOTP_E2E_MODULE") and not filecmp.cmp(installed, built, False):
            fail(f"{installed} is not the built {built}")

    def totpctl():
        _, out = run(["totpctl", "--help"])
        if "enroll" not in out:
            fail(f"totpctl --help does not mention enroll: {out}")
        _, out = run(["totpctl", "--version"])
        if version not in out:
            fail(f"totpctl --version says {out.strip()!r}, not {version}")

    def man_pages():
        for section, name in MAN_PAGES:
            _, path = run(["man", "-w", section, name])
            if not os.path.realpath(path.strip()).startswith(f"{prefix}/share/man/"):
                fail(f"man -w {section} {name} found {path.strip()}, not a page in {prefix}")

    def config():
        if owner_mode(CONFIG) != (0, 0, 0o644):
            fail(f"{CONFIG} is (uid, gid, mode) {owner_mode(CONFIG)}, not root 0644")
        if not filecmp.cmp(CONFIG, REPO / "packaging" / "pam_totp.conf", False):
            fail(f"{CONFIG} differs from packaging/pam_totp.conf")

    def store():
        if not os.path.isdir(STORE_DIR) or owner_mode(STORE_DIR) != (0, 0, 0o700):
            fail(f"{STORE_DIR} is not a root-owned directory with mode 0700")

    def completion_and_helper():
        # Checked once the build has them (totpctl's bash completion, the setuid helper).
        rules = (sb.build / "setup_tool" / "cmake_install.cmake").read_text()
        if "totpctl.bash-completion" in rules:
            places = [f"{prefix}/share/bash-completion/completions/totpctl",
                      "/usr/share/bash-completion/completions/totpctl"]
            if not any(os.path.isfile(p) for p in places):
                fail(f"no bash completion for totpctl in {places}")
        helper_dir = re.search(r"^PAMTOTP_HELPER_DIR:PATH=(.*)$", cache, re.M)
        if helper_dir:
            helper = f"{helper_dir[1]}/totpctl-helper"
            if not os.path.exists(helper) or owner_mode(helper) != (0, 0, 0o4755):
                fail(f"{helper} is not installed setuid root (4755)")

    def keeps_config():
        with open(CONFIG, "a") as f:
            f.write("window = 2\n")
        sb.install()
        if not Path(CONFIG).read_text().endswith("window = 2\n"):
            fail("a second cmake --install overwrote the administrator's config")

    def staged():
        # Packagers install into a staging directory (DESTDIR); every file must land in it at
        # the path it will have on the machine.
        stage = sb.tmp / "stage"
        sb.install(destdir=stage)
        found = sorted("/" + str(p.relative_to(stage)) for p in stage.rglob("*") if p.is_file())
        wrong = [p for p in found if not re.match(r"^/(usr|lib|etc|var)/", p)
                 or str(stage) in p]
        if wrong or not (stage / CONFIG.lstrip("/")).is_file():
            fail(f"DESTDIR={stage}: {CONFIG} missing or files elsewhere: {wrong}")

    checks.run("cmake --install: pam_totp.so beside pam_unix.so", module)
    checks.run("cmake --install: totpctl on PATH prints its help and version", totpctl)
    checks.run("cmake --install: man finds totpctl(1), pam_totp.conf(5), totp-store(5), "
               "pam_totp-ldap(5), pam_totp(8)", man_pages)
    checks.run("cmake --install: /etc/security/pam_totp.conf, root 0644", config)
    checks.run("cmake --install: the store /var/lib/pam_totp, root 0700", store)
    checks.run("cmake --install: bash completion and setuid helper, where the build has them",
               completion_and_helper)
    checks.run("cmake --install again keeps an edited config", keeps_config)
    checks.run("DESTDIR=stage cmake --install puts every file under stage", staged)


if __name__ == "__main__":
    sandbox.main(test, needs=["man"])
