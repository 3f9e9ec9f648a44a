/* fault_shim.so: a test-only LD_PRELOAD library (never installed) that makes the calls a store
 * write is made of fail, the way a full or failing disk makes them fail.
 *
 * Counted calls: write, pwrite, fsync, fdatasync and posix_fallocate/fallocate on a regular file
 * or a directory (never on a terminal, pipe or socket, so a program's own output is left
 * alone), and every rename/renameat/renameat2. Environment:
 *   PAMTOTP_FAULT_NTH=N      the Nth counted call fails (1-based); unset or 0: none fails
 *   PAMTOTP_FAULT_ERRNO=E    ENOSPC (default), EIO, EDQUOT or EROFS
 *   PAMTOTP_FAULT_LOG=PATH   each counted call appends "N NAME ok" or "N NAME FAILED" there
 * syslog lines (the module's pam_syslog) go to stderr as "syslog: ...", so a test can read
 * the message a failure left. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <syslog.h>
#include <unistd.h>

static long calls;

static void* Next(const char* name) { return dlsym(RTLD_NEXT, name); }

static int FaultErrno(void) {
  const char* e = getenv("PAMTOTP_FAULT_ERRNO");
  if (e == NULL || strcmp(e, "ENOSPC") == 0) return ENOSPC;
  if (strcmp(e, "EIO") == 0) return EIO;
  if (strcmp(e, "EDQUOT") == 0) return EDQUOT;
  if (strcmp(e, "EROFS") == 0) return EROFS;
  return ENOSPC;
}

static void Log(long n, const char* name, int failed) {
  const char* path = getenv("PAMTOTP_FAULT_LOG");
  if (path == NULL) return;
  ssize_t (*real_write)(int, const void*, size_t) =
      (ssize_t(*)(int, const void*, size_t))Next("write");
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  char line[96];
  int len = snprintf(line, sizeof line, "%ld %s %s\n", n, name, failed ? "FAILED" : "ok");
  if (len > 0 && real_write(fd, line, (size_t)len) < 0) {
    /* the log is best effort */
  }
  close(fd);
}

/* True if this call must fail (errno is then set). Counts the call. */
static int Inject(const char* name) {
  long n = ++calls;
  const char* nth = getenv("PAMTOTP_FAULT_NTH");
  int fail = nth != NULL && atol(nth) == n;
  Log(n, name, fail);
  if (fail) errno = FaultErrno();
  return fail;
}

/* Calls on terminals, pipes and sockets are not counted. */
static int OnStorage(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode));
}

ssize_t write(int fd, const void* buf, size_t count) {
  ssize_t (*real)(int, const void*, size_t) = (ssize_t(*)(int, const void*, size_t))Next("write");
  if (OnStorage(fd) && Inject("write")) return -1;
  return real(fd, buf, count);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  ssize_t (*real)(int, const void*, size_t, off_t) =
      (ssize_t(*)(int, const void*, size_t, off_t))Next("pwrite");
  if (OnStorage(fd) && Inject("pwrite")) return -1;
  return real(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off_t offset) {
  return pwrite(fd, buf, count, offset);
}

int fsync(int fd) {
  int (*real)(int) = (int (*)(int))Next("fsync");
  if (OnStorage(fd) && Inject("fsync")) return -1;
  return real(fd);
}

int fdatasync(int fd) {
  int (*real)(int) = (int (*)(int))Next("fdatasync");
  if (OnStorage(fd) && Inject("fdatasync")) return -1;
  return real(fd);
}

int posix_fallocate(int fd, off_t offset, off_t len) {
  int (*real)(int, off_t, off_t) = (int (*)(int, off_t, off_t))Next("posix_fallocate");
  if (OnStorage(fd) && Inject("posix_fallocate")) return errno; /* returns the error */
  return real(fd, offset, len);
}

int posix_fallocate64(int fd, off_t offset, off_t len) { return posix_fallocate(fd, offset, len); }

int fallocate(int fd, int mode, off_t offset, off_t len) {
  int (*real)(int, int, off_t, off_t) = (int (*)(int, int, off_t, off_t))Next("fallocate");
  if (OnStorage(fd) && Inject("fallocate")) return -1;
  return real(fd, mode, offset, len);
}

int rename(const char* from, const char* to) {
  int (*real)(const char*, const char*) = (int (*)(const char*, const char*))Next("rename");
  if (Inject("rename")) return -1;
  return real(from, to);
}

int renameat(int from_dir, const char* from, int to_dir, const char* to) {
  int (*real)(int, const char*, int, const char*) =
      (int (*)(int, const char*, int, const char*))Next("renameat");
  if (Inject("renameat")) return -1;
  return real(from_dir, from, to_dir, to);
}

int renameat2(int from_dir, const char* from, int to_dir, const char* to, unsigned int flags) {
  int (*real)(int, const char*, int, const char*, unsigned int) =
      (int (*)(int, const char*, int, const char*, unsigned int))Next("renameat2");
  if (Inject("renameat2")) return -1;
  return real(from_dir, from, to_dir, to, flags);
}

/* syslog to stderr. */
void __vsyslog_chk(int priority, int flag, const char* format, va_list args)
    __attribute__((format(printf, 3, 0)));
void __syslog_chk(int priority, int flag, const char* format, ...)
    __attribute__((format(printf, 3, 4)));

__attribute__((format(printf, 1, 0))) static void ToStderr(const char* format, va_list args) {
  char line[2048];
  vsnprintf(line, sizeof line, format, args);
  fprintf(stderr, "syslog: %s\n", line);
}

void vsyslog(int priority, const char* format, va_list args) {
  (void)priority;
  ToStderr(format, args);
}

void __vsyslog_chk(int priority, int flag, const char* format, va_list args) {
  (void)priority;
  (void)flag;
  ToStderr(format, args);
}

void syslog(int priority, const char* format, ...) {
  va_list args;
  va_start(args, format);
  vsyslog(priority, format, args);
  va_end(args);
}

void __syslog_chk(int priority, int flag, const char* format, ...) {
  va_list args;
  (void)flag;
  va_start(args, format);
  vsyslog(priority, format, args);
  va_end(args);
}
