#!/usr/bin/env python3
"""End to end on the console path: `login` and `su -` on a pseudo-terminal, as on a text
console, and pamtester on a throwaway service as the README's safety recipe says.

Covers the README recipes "Console logins and su" (pam-line after @include common-auth in
/etc/pam.d/login and /etc/pam.d/su) and "Before you start: how not to lock yourself out"
(totp-test service tried with pamtester). Debian's stock PAM files are used with only the
recipe's line added. su runs as an ordinary user: root is never asked (pam_rootok).
"""

import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

import sandbox
from sandbox import fail, recipe, totp, wrong_code


def test(sb, checks):
    passwords = {u: f"{u}-Pw-e2e-7" for u in ["grace", "henry", "ivan", "judy"]}
    for user, password in passwords.items():
        sb.add_user(user, password)
    keys = {u: sb.enroll(u) for u in ["henry", "ivan", "judy"]}
    line = recipe("pam-line")

    # README "Console logins and su": su.
    sb.add_after("/etc/pam.d/su", "@include common-auth", line)

    def su(code):
        term = sb.terminal(["runuser", "-u", "grace", "--", "su", "-", "henry", "-c",
                            "echo E2E-$((6*7))-$(id -un)"])
        term.expect(r"Password: ")
        term.answer(passwords["henry"])
        term.expect(r"Verification code: ")
        term.answer(code)
        return term

    def su_right():
        term = su(totp(keys["henry"], 1))
        term.expect(r"E2E-42-henry")
        if term.wait() != 0:
            fail(f"su exited {term.status}")

    def su_wrong():
        mark = sb.log_mark()
        term = su(wrong_code(keys["henry"]))
        term.expect(r"su: Authentication failure")
        if term.wait() == 0 or "E2E-42" in term.text():
            fail("su let grace in")
        sb.expect_log(mark, "wrong code")

    checks.run("su -: the target's password and code switch user", su_right)
    checks.run("su -: a wrong code is refused", su_wrong, refusal=True)

    # README "Console logins and su": login, the program behind a text console's prompt.
    sb.add_after("/etc/pam.d/login", "@include common-auth", line)

    def login(code):
        term = sb.terminal(["login", "ivan"])
        term.expect(r"Password: ")
        term.answer(passwords["ivan"])
        term.expect(r"Verification code: ")
        term.answer(code)
        return term

    def login_right():
        term = login(totp(keys["ivan"], 1))
        term.expect(r"\$ ")  # the shell's prompt: the session started
        term.answer("echo E2E-$((6*7))-$(id -un); exit", hidden=False)
        term.expect(r"E2E-42-ivan")
        term.wait()

    def login_wrong():
        mark = sb.log_mark()
        term = login(wrong_code(keys["ivan"]))
        term.expect(r"Login incorrect")
        term.expect(r"login: ", timeout=30)  # asks again, as on a console
        term.kill()
        if "E2E-42" in term.text():
            fail("a session started")
        sb.expect_log(mark, "wrong code")

    checks.run("login: password and code start a session", login_right)
    checks.run("login: a wrong code is refused", login_wrong, refusal=True)

    # README "Before you start": try a throwaway service with pamtester first.
    with open("/etc/pam.d/totp-test", "w") as f:
        f.write(recipe("totp-test"))
    used = {}

    def pamtester(code):
        term = sb.terminal(["pamtester", "totp-test", "judy", "authenticate"])
        term.expect(r"Verification code: ")
        term.answer(code)
        term.wait()
        return term

    def try_right():
        used["judy"] = totp(keys["judy"], 1)
        pamtester(used["judy"]).expect(r"pamtester: successfully authenticated")

    def try_replayed():
        mark = sb.log_mark()
        pamtester(used.get("judy", "000000")).expect(r"pamtester: Authentication failure")
        sb.expect_log(mark, "replay refused")

    checks.run("safety recipe: pamtester on totp-test accepts the app's code", try_right)
    checks.run("safety recipe: pamtester on totp-test refuses the same code again",
               try_replayed, refusal=True)


if __name__ == "__main__":
    sandbox.main(test, needs=["login", "su", "runuser", "pamtester"])
