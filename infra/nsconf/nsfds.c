/*
 * nsfds: opens TCP sockets inside lab network namespaces, then runs a program that inherits
 * them, so ONE process can serve the sockets of many nodes (a socket stays in the namespace it
 * was made in, whoever uses it later). Usage:
 *
 *   nsfds [-t TIMEOUT_MS] SPEC -- PROGRAM ARGS...
 *
 * SPEC has one socket a line; the i-th socket becomes fd 3+i of PROGRAM:
 *   listen NS ADDR PORT         a listening socket bound to ADDR:PORT inside /run/netns/NS
 *   connect NS SRC DST PORT     a connection from SRC (bound, any port) to DST:PORT made inside NS;
 *                               refused or unreachable attempts are retried every 50 ms until
 *                               TIMEOUT_MS (default 60000), so peers may start in any order
 * All listening sockets are made before the first connection is tried. PROGRAM runs in the
 * namespace nsfds was started in. Any failure: one line on stderr naming the line, the namespace
 * and the kernel's error, exit status 1 (PROGRAM never runs).
 * Build: make -s -C infra/nsconf
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXS 4096

struct sock {
	int listen;
	char ns[256], src[64], dst[64];
	int port;
	int fd;
	long line;
};

static void die(const struct sock *s, const char *what, int err) {
	if (s) fprintf(stderr, "nsfds: line %ld: namespace %s: %s: %s\n", s->line, s->ns, what, strerror(err));
	else fprintf(stderr, "nsfds: %s: %s\n", what, strerror(err));
	exit(1);
}

static double now_ms(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void enter(const struct sock *s) {
	char p[512];
	snprintf(p, sizeof p, "/run/netns/%s", s->ns);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0) die(s, "open namespace", errno);
	if (setns(fd, CLONE_NEWNET) < 0) die(s, "setns", errno);
	close(fd);
}

static struct sockaddr_in inaddr(const struct sock *s, const char *a, int port) {
	struct sockaddr_in sa = {0};
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, a, &sa.sin_addr) != 1) die(s, "address (expected A.B.C.D)", EINVAL);
	return sa;
}

static int make_listen(const struct sock *s) {
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) die(s, "socket", errno);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sa = inaddr(s, s->src, s->port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) die(s, "bind", errno);
	if (listen(fd, 4096) < 0) die(s, "listen", errno);
	return fd;
}

static int make_connect(const struct sock *s, double deadline) {
	struct sockaddr_in src = inaddr(s, s->src, 0), dst = inaddr(s, s->dst, s->port);
	for (;;) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) die(s, "socket", errno);
		if (bind(fd, (struct sockaddr *)&src, sizeof src) < 0) die(s, "bind", errno);
		if (connect(fd, (struct sockaddr *)&dst, sizeof dst) == 0) return fd;
		int e = errno;
		close(fd);
		if ((e != ECONNREFUSED && e != EHOSTUNREACH && e != ETIMEDOUT && e != EAGAIN && e != EINTR) || now_ms() > deadline) die(s, "connect", e);
		usleep(50000);
	}
}

int main(int argc, char **argv) {
	long timeout = 60000;
	int a = 1;
	if (a + 1 < argc && !strcmp(argv[a], "-t")) {
		timeout = atol(argv[a + 1]);
		a += 2;
	}
	if (a + 2 >= argc || strcmp(argv[a + 1], "--")) {
		fprintf(stderr, "usage: nsfds [-t TIMEOUT_MS] SPEC -- PROGRAM ARGS...\n");
		return 2;
	}
	FILE *in = fopen(argv[a], "r");
	if (!in) die(NULL, argv[a], errno);
	static struct sock socks[MAXS];
	int n = 0;
	char line[1024];
	long lineno = 0;
	while (fgets(line, sizeof line, in)) {
		lineno++;
		char kind[16];
		struct sock *s = &socks[n];
		s->line = lineno;
		int got = sscanf(line, "%15s %255s %63s", kind, s->ns, s->src);
		if (got <= 0 || kind[0] == '#') continue;
		if (n == MAXS) die(NULL, "more than 4096 sockets", E2BIG);
		snprintf(s->ns, sizeof s->ns, "%s", got >= 2 ? s->ns : "?");
		if (!strcmp(kind, "listen") && sscanf(line, "%*s %255s %63s %d", s->ns, s->src, &s->port) == 3) s->listen = 1;
		else if (!strcmp(kind, "connect") && sscanf(line, "%*s %255s %63s %63s %d", s->ns, s->src, s->dst, &s->port) == 4) s->listen = 0;
		else die(s, "expected `listen NS ADDR PORT` or `connect NS SRC DST PORT`", EINVAL);
		n++;
	}
	fclose(in);
	int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0) die(NULL, "open own namespace", errno);
	double deadline = now_ms() + (double)timeout;
	for (int pass = 1; pass >= 0; pass--) {
		for (int i = 0; i < n; i++) {
			if (socks[i].listen != pass) continue;
			enter(&socks[i]);
			socks[i].fd = pass ? make_listen(&socks[i]) : make_connect(&socks[i], deadline);
		}
	}
	if (setns(home, CLONE_NEWNET) < 0) die(NULL, "setns back", errno);
	/* Move the sockets to 3, 4, ... (above every one of them first, so no move overwrites another). */
	int base = 3 + n;
	for (int i = 0; i < n; i++) {
		int fd = fcntl(socks[i].fd, F_DUPFD_CLOEXEC, base + n);
		if (fd < 0) die(&socks[i], "dup", errno);
		close(socks[i].fd);
		socks[i].fd = fd;
	}
	for (int i = 0; i < n; i++) {
		if (dup2(socks[i].fd, 3 + i) < 0) die(&socks[i], "dup2", errno);
		close(socks[i].fd);
	}
	execvp(argv[a + 2], argv + a + 2);
	die(NULL, argv[a + 2], errno);
	return 1;
}
