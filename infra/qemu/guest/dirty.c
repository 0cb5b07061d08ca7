/*
 * icb-dirty: a bounded memory-dirtying load for migration experiments. Allocates <MiB>, fills
 * every page with non-zero data (QEMU sends zero pages almost for free), prints "ready", then
 * rewrites pages at <MiB/s> for at most <seconds> and exits (or on SIGTERM). It spins between
 * bursts instead of sleeping (see the loop), so it keeps one vCPU busy.
 * Usage: icb-dirty <MiB> <MiB per second> <seconds>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: icb-dirty <MiB> <MiB per second> <seconds>\n");
    return 2;
  }
  size_t mib = strtoul(argv[1], NULL, 10);
  double rate = atof(argv[2]), secs = atof(argv[3]);
  if (mib == 0 || rate < 0 || secs < 0 || secs > 86400) {
    fprintf(stderr, "icb-dirty: bad arguments\n");
    return 2;
  }
  size_t page = 4096, pages = mib * 256;
  unsigned char *m = malloc(mib << 20);
  if (!m) {
    perror("icb-dirty: malloc");
    return 1;
  }
  unsigned x = 2463534242u;
  for (size_t i = 0; i < (mib << 20); i += 8) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    memcpy(m + i, &x, 4);
    memcpy(m + i + 4, &x, 4);
  }
  printf("ready %zu MiB\n", mib);
  fflush(stdout);
  if (rate == 0) { /* filled once, then idle until the time is up */
    sleep((unsigned)secs);
    return 0;
  }
  double t0 = now(), per_tick = rate * 256 / 100; /* pages per 10 ms */
  size_t at = 0;
  unsigned char v = 1;
  while (now() - t0 < secs) {
    for (double k = 0; k < per_tick; k++) {
      m[at * page] = v;
      if (++at == pages) at = 0, v = (unsigned char)(v % 255 + 1);
    }
    /* Spin to the next 10 ms tick (vDSO clock, no syscall): a task sleeping in the kernel many
       times a second lost its kernel-stack writes across a TCG migration here (QEMU 7.2), and
       the guest then panicked in hrtimer code on the target. */
    double next = now() + 0.01;
    while (now() < next) {
    }
  }
  return 0;
}
