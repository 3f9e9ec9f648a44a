/* pam_bench: drives pam_authenticate through the real libpam, as sshd or sudo would (issue #7).
 *
 *   pam_bench [-p P] [-w W] [-r R] [-n N] [-l] CONFDIR SERVICE LIST
 *
 * P processes each read LIST.<p> (lines "unix_seconds user code", from bench_setup codes), log
 * in W times untimed, then R runs of N logins each. A login is the whole transaction a real
 * service makes: pam_start_confdir, pam_authenticate (answering the prompt with the line's code),
 * pam_end; each is timed with CLOCK_MONOTONIC. With -l (lockstep) the processes start every
 * login together, to race on one user. Prints one line of key=value results.
 *
 * Written in C and linked only with libc and libpam, like sshd and sudo: whatever a module
 * needs beyond that (libstdc++, libcrypto) is loaded, and paid for, by the module itself.
 *
 * The wall clock is fake. Every module refuses a code for a step it has accepted before, and
 * google-authenticator allows 3 logins per 30 s, so a tight loop at real time would mostly
 * measure refusals. This program therefore defines time(), gettimeofday() and clock_gettime()
 * (CLOCK_REALTIME*) itself and exports them (see bench/CMakeLists.txt); the modules, which call
 * them through the PLT, see the time of the current line. The modules are not changed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <security/pam_appl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- The fake wall clock ---------------------------------------------------------------- */

static time_t fake_now; /* 0 until the first login: the real clock until then */

typedef int (*ClockFn)(clockid_t, struct timespec*);

static int RealClock(clockid_t id, struct timespec* ts) {
  static ClockFn real;
  if (real == NULL) *(void**)&real = dlsym(RTLD_NEXT, "clock_gettime");
  return real(id, ts);
}

int clock_gettime(clockid_t id, struct timespec* ts) {
  if (fake_now == 0 || (id != CLOCK_REALTIME && id != CLOCK_REALTIME_COARSE)) {
    return RealClock(id, ts);
  }
  ts->tv_sec = fake_now;
  ts->tv_nsec = 0;
  return 0;
}

int gettimeofday(struct timeval* restrict tv, void* restrict tz) {
  (void)tz;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  tv->tv_sec = ts.tv_sec;
  tv->tv_usec = ts.tv_nsec / 1000;
  return 0;
}

time_t time(time_t* out) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  if (out != NULL) *out = ts.tv_sec;
  return ts.tv_sec;
}

static uint64_t MonotonicNs(void) {
  struct timespec ts;
  RealClock(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- Settings, the login list and the memory shared by the processes --------------------- */

struct Settings {
  int procs, warmup, runs, per_run, lockstep;
  const char *confdir, *service, *list;
};

struct Entry {
  time_t t;
  char user[64];
  char code[16];
};

struct Shared {
  pthread_barrier_t all;  /* the parent and every process: start and end of each run */
  pthread_barrier_t step; /* the processes only: one login at a time in lockstep mode */
  long ok, auth_err, other, other_rc, maxrss_kb;
  /* followed by uint64_t ns[procs][runs][per_run], then int accepted[warmup + runs*per_run] */
};

static uint64_t* Latencies(struct Shared* s) { return (uint64_t*)(s + 1); }
static int* Accepted(struct Shared* s, const struct Settings* c) {
  return (int*)(Latencies(s) + (size_t)c->procs * (size_t)c->runs * (size_t)c->per_run);
}

static void Die(const char* what) {
  fprintf(stderr, "pam_bench: %s: %s\n", what, strerror(errno));
  exit(1);
}

static struct Entry* ReadList(const char* prefix, int p, size_t need) {
  char path[4096];
  snprintf(path, sizeof path, "%s.%d", prefix, p);
  FILE* f = fopen(path, "r");
  if (f == NULL) Die(path);
  struct Entry* list = calloc(need, sizeof *list);
  if (list == NULL) Die("calloc");
  for (size_t i = 0; i < need; ++i) {
    long long t;
    if (fscanf(f, "%lld %63s %15s", &t, list[i].user, list[i].code) != 3) {
      fprintf(stderr, "pam_bench: %s has fewer than %zu lines\n", path, need);
      exit(1);
    }
    list[i].t = (time_t)t;
  }
  fclose(f);
  return list;
}

/* ---- One login ---------------------------------------------------------------------------- */

static const char* answer; /* the code the conversation gives to the next prompt */

static int Converse(int count, const struct pam_message** msgs, struct pam_response** out,
                    void* data) {
  (void)data;
  struct pam_response* replies = calloc((size_t)count, sizeof *replies);
  if (replies == NULL) return PAM_BUF_ERR;
  for (int i = 0; i < count; ++i) {
    int style = msgs[i]->msg_style;
    if (style == PAM_PROMPT_ECHO_OFF || style == PAM_PROMPT_ECHO_ON) {
      replies[i].resp = strdup(answer);
    }
  }
  *out = replies;
  return PAM_SUCCESS;
}

/* Set in the environment for strace runs: a marker system call before each login, so a trace
 * can be cut into logins. */
static int mark_logins;

static int Login(const struct Settings* c, const struct Entry* e) {
  static const struct pam_conv conv = {Converse, NULL};
  fake_now = e->t;
  answer = e->code;
  if (mark_logins && write(-1, "pam_bench login", 15) != -1) return PAM_SYSTEM_ERR;
  pam_handle_t* pamh = NULL;
  int rc = pam_start_confdir(c->service, e->user, &conv, c->confdir, &pamh);
  if (rc != PAM_SUCCESS) return rc;
  pam_set_item(pamh, PAM_RHOST, "192.0.2.1"); /* as sshd does: modules log it */
  rc = pam_authenticate(pamh, 0);
  pam_end(pamh, rc);
  return rc;
}

static void Count(struct Shared* s, const struct Settings* c, int k, int rc) {
  if (rc == PAM_SUCCESS) {
    __atomic_fetch_add(&s->ok, 1, __ATOMIC_RELAXED);
    if (c->lockstep) __atomic_fetch_add(&Accepted(s, c)[k], 1, __ATOMIC_RELAXED);
  } else if (rc == PAM_AUTH_ERR) {
    __atomic_fetch_add(&s->auth_err, 1, __ATOMIC_RELAXED);
  } else {
    __atomic_fetch_add(&s->other, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&s->other_rc, rc, __ATOMIC_RELAXED);
  }
}

/* ---- The processes ------------------------------------------------------------------------ */

static void Child(const struct Settings* c, struct Shared* s, int p) {
  const size_t total = (size_t)c->warmup + (size_t)c->runs * (size_t)c->per_run;
  struct Entry* list = ReadList(c->list, p, total);
  int k = 0;
  for (; k < c->warmup; ++k) {
    if (c->lockstep) pthread_barrier_wait(&s->step);
    Count(s, c, k, Login(c, &list[k]));
  }
  uint64_t* ns = Latencies(s) + (size_t)p * (size_t)c->runs * (size_t)c->per_run;
  for (int run = 0; run < c->runs; ++run) {
    pthread_barrier_wait(&s->all);
    for (int i = 0; i < c->per_run; ++i, ++k) {
      if (c->lockstep) pthread_barrier_wait(&s->step);
      uint64_t start = MonotonicNs();
      int rc = Login(c, &list[k]);
      *ns++ = MonotonicNs() - start;
      Count(s, c, k, rc);
    }
    pthread_barrier_wait(&s->all);
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  long rss = ru.ru_maxrss;
  long seen = __atomic_load_n(&s->maxrss_kb, __ATOMIC_RELAXED);
  while (rss > seen && !__atomic_compare_exchange_n(&s->maxrss_kb, &seen, rss, 0, __ATOMIC_RELAXED,
                                                    __ATOMIC_RELAXED)) {
  }
  free(list);
}

static int CompareU64(const void* a, const void* b) {
  uint64_t x = *(const uint64_t*)a, y = *(const uint64_t*)b;
  return (x > y) - (x < y);
}

static int CompareDouble(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

static double Median(double* v, size_t n) {
  qsort(v, n, sizeof *v, CompareDouble);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The median latency (µs) of run `run` over every process. */
static double RunMedianUs(const struct Settings* c, struct Shared* s, int run) {
  size_t n = (size_t)c->procs * (size_t)c->per_run;
  uint64_t* v = malloc(n * sizeof *v);
  if (v == NULL) Die("malloc");
  for (int p = 0; p < c->procs; ++p) {
    memcpy(v + (size_t)p * (size_t)c->per_run,
           Latencies(s) + ((size_t)p * (size_t)c->runs + (size_t)run) * (size_t)c->per_run,
           (size_t)c->per_run * sizeof *v);
  }
  qsort(v, n, sizeof *v, CompareU64);
  double median = (double)(n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) / 1000.0;
  free(v);
  return median;
}

static void Report(const struct Settings* c, struct Shared* s, const double* wall_s) {
  double rate[c->runs], us[c->runs];
  for (int run = 0; run < c->runs; ++run) {
    rate[run] = (double)c->procs * c->per_run / wall_s[run];
    us[run] = RunMedianUs(c, s, run);
    fprintf(stderr, "run %d: %.0f logins/s, median %.1f us\n", run, rate[run], us[run]);
  }
  int twice = 0, none = 0;
  for (int k = 0; c->lockstep && k < c->warmup + c->runs * c->per_run; ++k) {
    twice += Accepted(s, c)[k] > 1;
    none += Accepted(s, c)[k] == 0;
  }
  printf(
      "procs=%d runs=%d per_run=%d logins_per_s=%.1f us_per_login=%.1f ok=%ld auth_err=%ld"
      " other=%ld other_rc=%ld maxrss_kb=%ld",
      c->procs, c->runs, c->per_run, Median(rate, (size_t)c->runs), Median(us, (size_t)c->runs),
      s->ok, s->auth_err, s->other, s->other_rc, s->maxrss_kb);
  if (c->lockstep) printf(" steps_accepted_twice=%d steps_accepted_by_none=%d", twice, none);
  printf("\n");
}

static void Run(const struct Settings* c) {
  size_t bytes = sizeof(struct Shared) +
                 (size_t)c->procs * (size_t)c->runs * (size_t)c->per_run * sizeof(uint64_t) +
                 ((size_t)c->warmup + (size_t)c->runs * (size_t)c->per_run) * sizeof(int);
  struct Shared* s = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (s == MAP_FAILED) Die("mmap");
  pthread_barrierattr_t attr;
  pthread_barrierattr_init(&attr);
  pthread_barrierattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_barrier_init(&s->all, &attr, (unsigned)c->procs + 1);
  pthread_barrier_init(&s->step, &attr, (unsigned)c->procs);
  fflush(NULL);
  for (int p = 0; p < c->procs; ++p) {
    pid_t pid = fork();
    if (pid < 0) Die("fork");
    if (pid == 0) {
      Child(c, s, p);
      _exit(0);
    }
  }
  double wall_s[c->runs];
  for (int run = 0; run < c->runs; ++run) {
    pthread_barrier_wait(&s->all);
    uint64_t start = MonotonicNs();
    pthread_barrier_wait(&s->all);
    wall_s[run] = (double)(MonotonicNs() - start) / 1e9;
  }
  int failed = 0, status;
  while (wait(&status) > 0) failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
  if (failed) {
    fprintf(stderr, "pam_bench: a login process failed\n");
    exit(1);
  }
  Report(c, s, wall_s);
}

static int Number(const char* text, int min) {
  char* end;
  long v = strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || v < min || v > 10000000) {
    fprintf(stderr, "pam_bench: bad number '%s'\n", text);
    exit(2);
  }
  return (int)v;
}

int main(int argc, char** argv) {
  struct Settings c = {1, 10, 5, 100, 0, NULL, NULL, NULL};
  int opt;
  while ((opt = getopt(argc, argv, "p:w:r:n:l")) != -1) {
    switch (opt) {
      case 'p':
        c.procs = Number(optarg, 1);
        break;
      case 'w':
        c.warmup = Number(optarg, 0);
        break;
      case 'r':
        c.runs = Number(optarg, 1);
        break;
      case 'n':
        c.per_run = Number(optarg, 1);
        break;
      case 'l':
        c.lockstep = 1;
        break;
      default:
        return 2;
    }
  }
  if (argc - optind != 3) {
    fprintf(stderr, "usage: pam_bench [-p P] [-w W] [-r R] [-n N] [-l] CONFDIR SERVICE LIST\n");
    return 2;
  }
  c.confdir = argv[optind];
  c.service = argv[optind + 1];
  c.list = argv[optind + 2];
  mark_logins = getenv("PAM_BENCH_MARK") != NULL;
  Run(&c);
  return 0;
}
