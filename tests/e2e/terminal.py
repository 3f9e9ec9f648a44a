"""A program on a pseudo-terminal, driven the way a person at a keyboard drives it.

A small expect: start a program on a new pty, wait for text to appear, type answers. Answers to
hidden prompts are typed only once the program has turned the terminal's echo off, because
Linux-PAM's misc_conv (su, login, pamtester) prints its prompt first and then flushes pending
input (TCSAFLUSH): an answer typed at once could be thrown away.
"""

import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time


class TerminalError(Exception):
    """Text that was expected did not come, or the program did not end in time."""


class Terminal:
    """One program on its own pty; the caller is the keyboard and the screen."""

    def __init__(self, argv, env=None):
        self.argv = list(argv)
        pid, fd = pty.fork()
        if pid == 0:
            try:
                os.execvpe(self.argv[0], self.argv, os.environ if env is None else env)
            except OSError as e:
                os.write(2, f"cannot run {self.argv[0]}: {e}\n".encode())
            os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 132, 0, 0))
        self._out = bytearray()
        self._pos = 0  # where the next expect() starts looking, in text()
        self._eof = False
        self.status = None  # exit status once reaped; -N for signal N

    def text(self):
        """Everything the program has written so far."""
        return self._out.decode("utf-8", "replace")

    def _fill(self, deadline):
        """Reads what is available, waiting until `deadline` at most."""
        if self._eof:
            return
        ready, _, _ = select.select([self.fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            return
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: every process holding the pty's other side has exited
            data = b""
        if data:
            self._out += data
        else:
            self._eof = True

    def expect(self, pattern, timeout=20):
        """Waits for `pattern` (a regex) after the last match; returns the match object.

        Output arrives in pieces: a pattern that captures text must also match what ends it
        (say "\\r?\\n"), or it may match while only half the text has arrived.
        """
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            match = regex.search(self.text(), self._pos)
            if match:
                self._pos = match.end()
                return match
            if self._eof or time.monotonic() >= deadline:
                what = "the program ended" if self._eof else f"{timeout} s passed"
                raise TerminalError(f"waited for /{pattern}/ but {what}; {self.argv[0]} wrote "
                                    f"after the last match: {self.text()[self._pos:]!r}")
            self._fill(deadline)

    def answer(self, text, hidden=True):
        """Types `text` and Enter at the prompt just seen."""
        if hidden:
            deadline = time.monotonic() + 10
            while termios.tcgetattr(self.fd)[3] & termios.ECHO:
                if time.monotonic() >= deadline:
                    raise TerminalError("the program never turned echo off for a hidden prompt")
                time.sleep(0.02)
        else:
            time.sleep(0.3)  # no state to watch for: give a flushing reader time to flush
        os.write(self.fd, text.encode() + b"\r")

    def send(self, raw):
        """Types `raw` as it is (for example "\\x03" for Ctrl-C)."""
        os.write(self.fd, raw.encode())

    def ended(self, timeout):
        """True if the program exits within `timeout` seconds (reading its output meanwhile)."""
        deadline = time.monotonic() + timeout
        while self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.status = os.waitstatus_to_exitcode(status)
            elif time.monotonic() >= deadline:
                return False
            else:
                self._fill(min(deadline, time.monotonic() + 0.1))
        return True

    def wait(self, timeout=30):
        """Reads the rest of the output and returns the exit status (-N: killed by signal N)."""
        deadline = time.monotonic() + timeout
        while self.status is None:
            self._fill(min(deadline, time.monotonic() + 0.2))
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.status = os.waitstatus_to_exitcode(status)
            elif time.monotonic() >= deadline:
                self.kill()
                raise TerminalError(f"{self.argv[0]} did not end within {timeout} s")
        drained = min(deadline, time.monotonic() + 2)  # a grandchild may still hold the pty
        while not self._eof and time.monotonic() < drained:
            self._fill(drained)
        return self.status

    def kill(self):
        """Ends the program at once (SIGKILL) if it still runs."""
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                _, status = os.waitpid(self.pid, 0)
                self.status = os.waitstatus_to_exitcode(status)
            except ChildProcessError:
                self.status = -signal.SIGKILL

    def close(self):
        self.kill()
        try:
            os.close(self.fd)
        except OSError:
            pass
