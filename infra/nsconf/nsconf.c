/*
 * nsconf: configures many lab network namespaces from ONE process, without a process per
 * namespace. Reads a script on stdin (or the file named by argv[1]), one command a line:
 *
 *   ns NAME               enter /run/netns/NAME (setns); later lines apply there
 *   sysctl KEY VALUE...   write VALUE (rest of the line) to /proc/sys/KEY (dots -> slashes)
 *   get KEY               print "NAME KEY VALUE" (VALUE as the namespace's /proc/sys/KEY reads, or
 *                         "-" when it has no such file, e.g. a setting that is not per namespace)
 *   up DEV                set DEV up (netlink RTM_NEWLINK)
 *   addr DEV A.B.C.D/LEN  add an IPv4 address (netlink RTM_NEWADDR, like `ip addr add`)
 *
 * /proc/sys/net and netlink sockets belong to the namespace of the task that opens them, so
 * both are (re)opened after each setns. With -j N, N forked workers share the namespaces (block
 * k of `ns` lines goes to worker k mod N): the kernel work per namespace runs on every core.
 * The first failure stops its worker: one line on stderr naming the namespace, the command and
 * the kernel's error; the exit status is then 1.
 * Build: make -s -C infra/nsconf
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static char cur_ns[256] = "(root)";
static int nl = -1;
static unsigned seq = 1;
static long lineno = 0;

static void die(const char *what, const char *arg, int err) {
	fprintf(stderr, "nsconf: line %ld: namespace %s: %s %s: %s\n", lineno, cur_ns, what, arg, strerror(err));
	exit(1);
}

static void nl_open(void) {
	if (nl >= 0) close(nl);
	nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl < 0) die("netlink", "socket", errno);
}

/* Sends one request with NLM_F_ACK and waits for its ack; returns 0 or the kernel's errno. */
static int nl_talk(struct nlmsghdr *h) {
	h->nlmsg_seq = ++seq;
	h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (send(nl, h, h->nlmsg_len, 0) < 0) return errno;
	char buf[8192];
	for (;;) {
		ssize_t n = recv(nl, buf, sizeof buf, 0);
		if (n < 0) {
			if (errno == EINTR) continue;
			return errno;
		}
		for (struct nlmsghdr *r = (struct nlmsghdr *)buf; NLMSG_OK(r, (size_t)n); r = NLMSG_NEXT(r, n)) {
			if (r->nlmsg_seq != seq) continue;
			if (r->nlmsg_type == NLMSG_ERROR) return -((struct nlmsgerr *)NLMSG_DATA(r))->error;
		}
	}
}

static void addattr(struct nlmsghdr *h, unsigned short type, const void *data, unsigned short len) {
	struct rtattr *a = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));
	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static int ifindex(const char *dev) {
	unsigned i = if_nametoindex(dev);
	if (!i) die("no device", dev, errno ? errno : ENODEV);
	return (int)i;
}

static void link_up(const char *dev) {
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} m = {0};
	m.h.nlmsg_len = NLMSG_LENGTH(sizeof m.i);
	m.h.nlmsg_type = RTM_NEWLINK;
	m.i.ifi_family = AF_UNSPEC;
	m.i.ifi_index = ifindex(dev);
	m.i.ifi_flags = IFF_UP;
	m.i.ifi_change = IFF_UP;
	int e = nl_talk(&m.h);
	if (e) die("up", dev, e);
}

static void addr_add(const char *dev, const char *cidr) {
	char a[64];
	snprintf(a, sizeof a, "%s", cidr);
	char *slash = strchr(a, '/');
	if (!slash) die("addr (expected A.B.C.D/LEN)", cidr, EINVAL);
	*slash = 0;
	int len = atoi(slash + 1);
	struct in_addr in;
	if (inet_pton(AF_INET, a, &in) != 1 || len < 0 || len > 32) die("addr (expected A.B.C.D/LEN)", cidr, EINVAL);
	struct {
		struct nlmsghdr h;
		struct ifaddrmsg i;
		char attrs[64];
	} m = {0};
	m.h.nlmsg_len = NLMSG_LENGTH(sizeof m.i);
	m.h.nlmsg_type = RTM_NEWADDR;
	m.h.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	m.i.ifa_family = AF_INET;
	m.i.ifa_prefixlen = (unsigned char)len;
	m.i.ifa_index = (unsigned)ifindex(dev);
	addattr(&m.h, IFA_LOCAL, &in, 4);
	addattr(&m.h, IFA_ADDRESS, &in, 4);
	int e = nl_talk(&m.h);
	if (e) die("addr", cidr, e);
}

static void enter(const char *name) {
	char p[512];
	snprintf(cur_ns, sizeof cur_ns, "%s", name);
	snprintf(p, sizeof p, "/run/netns/%s", name);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0) die("open", p, errno);
	if (setns(fd, CLONE_NEWNET) < 0) die("setns", p, errno);
	close(fd);
	nl_open();
}

static void sysctl_path(char *p, size_t cap, const char *key) {
	snprintf(p, cap, "/proc/sys/");
	size_t o = strlen(p);
	for (const char *k = key; *k && o < cap - 1; k++) p[o++] = *k == '.' ? '/' : *k;
	p[o] = 0;
}

static void sysctl_write(const char *key, const char *val) {
	char p[512];
	sysctl_path(p, sizeof p, key);
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0) die("sysctl", key, errno);
	size_t n = strlen(val);
	if (write(fd, val, n) != (ssize_t)n) die("sysctl", key, errno);
	close(fd);
}

/* One line per call, written at once (workers share stdout; a line below PIPE_BUF is not torn). */
static void sysctl_get(const char *key) {
	char p[512], val[256], out[1024];
	sysctl_path(p, sizeof p, key);
	ssize_t n = -1;
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, val, sizeof val - 1);
		close(fd);
	} else if (errno != ENOENT) die("get", key, errno);
	if (n < 0 && fd >= 0) die("get", key, errno);
	if (n < 0) snprintf(val, sizeof val, "-");
	else {
		val[n] = 0;
		while (n > 0 && (val[n - 1] == '\n' || val[n - 1] == ' ')) val[--n] = 0;
		for (char *c = val; *c; c++)
			if (*c == '\t' || *c == '\n') *c = ' ';
	}
	int len = snprintf(out, sizeof out, "%s %s %s\n", cur_ns, key, val);
	if (write(STDOUT_FILENO, out, (size_t)len) != len) die("get", "stdout", errno);
}

static void run_line(char *line) {
	char *cmd = strtok(line, " ");
	if (!cmd || *cmd == '#') return;
	char *a = strtok(NULL, " ");
	if (!a) die("missing argument after", cmd, EINVAL);
	if (!strcmp(cmd, "ns")) enter(a);
	else if (!strcmp(cmd, "sysctl")) {
		char *rest = strtok(NULL, "");
		if (!rest) die("sysctl without a value", a, EINVAL);
		sysctl_write(a, rest);
	} else if (!strcmp(cmd, "get")) sysctl_get(a);
	else if (nl < 0) die("netlink command before any `ns` line", cmd, EINVAL);
	else if (!strcmp(cmd, "up")) link_up(a);
	else if (!strcmp(cmd, "addr")) {
		char *c = strtok(NULL, " ");
		if (!c) die("addr without A.B.C.D/LEN for", a, EINVAL);
		addr_add(a, c);
	} else die("unknown command", cmd, EINVAL);
}

/* Runs the lines of every `ns` block whose index is k mod j. */
static void run_share(char **lines, long n, int k, int j) {
	long block = -1;
	for (long i = 0; i < n; i++) {
		if (!strncmp(lines[i], "ns ", 3)) block++;
		if (block < 0 || block % j != k) continue;
		lineno = i + 1;
		run_line(lines[i]);
	}
}

int main(int argc, char **argv) {
	int j = 1;
	if (argc == 4 && !strcmp(argv[1], "-j")) {
		j = atoi(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc != 2 || j < 1 || j > 64) {
		fprintf(stderr, "usage: nsconf [-j WORKERS 1..64] SCRIPT\n");
		return 2;
	}
	FILE *in = fopen(argv[1], "r");
	if (!in) die("open script", argv[1], errno);
	long n = 0, cap = 1024;
	char **lines = malloc(cap * sizeof *lines);
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	while ((len = getline(&line, &lcap, in)) >= 0) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
		if (n == cap) lines = realloc(lines, (cap *= 2) * sizeof *lines);
		if (!lines || !(lines[n++] = strdup(line))) die("reading", argv[1], ENOMEM);
	}
	fclose(in);
	if (j == 1) {
		run_share(lines, n, 0, 1);
		return 0;
	}
	pid_t *kids = calloc(j, sizeof *kids);
	for (int k = 0; k < j; k++) {
		kids[k] = fork();
		if (kids[k] < 0) die("fork", "worker", errno);
		if (kids[k] == 0) {
			run_share(lines, n, k, j);
			_exit(0);
		}
	}
	int failed = 0;
	for (int k = 0; k < j; k++) {
		int st;
		if (waitpid(kids[k], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) failed = 1;
	}
	return failed;
}
