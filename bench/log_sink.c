/* log_sink: a stand-in for syslogd on a machine without /dev/log (containers, CI), so that the
 * modules' syslog() calls cost what they cost on a real system: one datagram each.
 *
 *   log_sink PATH      bind a datagram socket at PATH, discard what arrives, and remove PATH
 *                      on SIGTERM or SIGINT
 *
 * Without it, glibc's syslog() fails to connect on every call and google-authenticator (which
 * opens its log with LOG_CONS) writes each message to /dev/console instead, about a
 * millisecond per message here: a cost no real system has. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void Stop(int sig) {
  (void)sig;
  stop = 1;
}

int main(int argc, char** argv) {
  if (argc != 2 || strlen(argv[1]) >= sizeof(((struct sockaddr_un*)0)->sun_path)) {
    fprintf(stderr, "usage: log_sink PATH\n");
    return 2;
  }
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  strcpy(addr.sun_path, argv[1]);
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind(fd, (struct sockaddr*)&addr, sizeof addr) != 0) {
    fprintf(stderr, "log_sink: cannot bind %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  chmod(argv[1], 0666); /* as syslogd's socket: anyone may log */
  /* No SA_RESTART: the signal must interrupt recv() so the loop sees `stop`. */
  struct sigaction sa = {.sa_handler = Stop};
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  char buf[8192];
  while (!stop) {
    if (recv(fd, buf, sizeof buf, 0) < 0 && errno != EINTR) break;
  }
  unlink(argv[1]);
  return 0;
}
