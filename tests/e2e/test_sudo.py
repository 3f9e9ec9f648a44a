#!/usr/bin/env python3
"""End to end through sudo: a user in Debian's sudo group runs sudo on a pseudo-terminal, with
the README recipe "sudo" (pam-line after @include common-auth in /etc/pam.d/sudo) applied to a
private /etc. The stock sudoers and /etc/pam.d/sudo are used; only the recipe's line is added.
"""

import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

import sandbox
from sandbox import fail, recipe, totp, wrong_code

COMMAND = ["sh", "-c", "echo E2E-$((6*7))-$(id -un)"]  # prints E2E-42-root only as root


def test(sb, checks):
    password = "frank-Pw-e2e-7"
    sb.add_user("frank", password, groups=["sudo"])
    key = sb.enroll("frank")
    sb.add_after("/etc/pam.d/sudo", "@include common-auth", recipe("pam-line"))

    def sudo(code):
        # -k: ignore cached credentials, as the recipe's "sudo -k true" does.
        term = sb.terminal(["runuser", "-u", "frank", "--", "sudo", "-k", *COMMAND])
        term.expect(r"\[sudo\] password for frank: ")
        term.answer(password)
        term.expect(r"Verification code: ")
        term.answer(code)
        return term

    def right_code():
        mark = sb.log_mark()
        term = sudo(totp(key, 1))
        term.expect(r"E2E-42-root")
        if term.wait() != 0:
            fail(f"sudo exited {term.status}")
        sb.expect_log(mark, "code accepted from device 'phone'")

    def wrong():
        mark = sb.log_mark()
        term = sudo(wrong_code(key))
        term.expect(r"Sorry, try again\.")
        term.expect(r"\[sudo\] password for frank: ")
        # Give up with Ctrl-C, as a person would. sudo may swallow an early one while it sets
        # up the prompt, so press it until sudo ends.
        for _ in range(20):
            term.send("\x03")
            if term.ended(0.5):
                break
        status = term.wait()
        if status == 0 or "E2E-42" in term.text():
            fail(f"the command ran (sudo exited {status})")
        sb.expect_log(mark, "wrong code")

    checks.run("sudo: the password and the right code run the command as root", right_code)
    checks.run("sudo: the password and a wrong code do not run it", wrong, refusal=True)


if __name__ == "__main__":
    sandbox.main(test, needs=["sudo", "runuser"])
