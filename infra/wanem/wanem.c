/*
 * wanem - user-space WAN emulator for one site pair, relaying VXLAN underlay
 * UDP datagrams between two gateways with rate limit, queue limit, delay,
 * jitter and loss per direction.  See NOTES.md for the design.
 *
 * C11 + Linux + libc only.  Build: cc -O2 -Wall -Wextra -o wanem wanem.c -lpthread
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#ifndef SO_RXQ_OVFL
#define SO_RXQ_OVFL 40
#endif
#ifndef SO_RCVBUFFORCE
#define SO_RCVBUFFORCE 33
#endif
#ifndef SO_SNDBUFFORCE
#define SO_SNDBUFFORCE 32
#endif

#define BATCH 64             /* datagrams per recvmmsg / sendmmsg */
#define MAX_DGRAM 65536      /* receive buffer per datagram (max UDP payload fits) */
#define LATE_NS 200000ULL    /* "late" threshold: 200 us */
/* counters written only by the direction's worker, read by the stats writer */
#define CTR_LIST(X) X(rx_pkts) X(rx_bytes) X(tx_pkts) X(tx_bytes) X(drop_loss) \
    X(drop_queue) X(drop_ring) X(drop_overrun) X(late_pkts) X(sum_late_us) \
    X(max_late_us) X(queue_peak_bytes) X(send_errors) X(send_blocked) X(rx_errors) \
    X(charged_bytes)

#define MAX_SLOTS 65536u
#define MIN_SLOTS 1024u
#define NS_PER_S 1000000000ULL

/*
 * What the bottleneck charges per datagram (--charge).  The relay carries
 * VXLAN: UDP payload = 8-byte VXLAN header + inner Ethernet frame without its
 * FCS.  An L2VPN service rate (MEF 10.3 bandwidth profile, CIR) counts the
 * service frame from the first bit of the destination MAC through the last
 * bit of the FCS; preamble, SFD and inter-frame gap are not counted, and
 * frames shorter than 64 bytes are padded to 64.
 *   l2  (default): max(payload - 8, 60) + 4      (1448-byte TCP segment: 1518)
 *   l1:  l2 + 20 (preamble 7 + SFD 1 + IFG 12: a physical port's line rate; 1538)
 *   udp: the UDP payload as received            (the VXLAN datagram; 1522)
 */
enum charge_mode { CHARGE_L2, CHARGE_L1, CHARGE_UDP };
#define VXLAN_HDR 8u
#define ETH_MIN_NOFCS 60u
#define ETH_FCS 4u
#define ETH_L1_EXTRA 20u

/* ------------------------------------------------------------------ */
/* config                                                              */

struct dircfg {
    uint64_t rate_bps;   /* 0 = unlimited */
    uint64_t delay_us;
    uint64_t jitter_us;
    double loss_pct;
    uint64_t queue_bytes; /* effective limit */
    int queue_set;
};

struct options {
    struct sockaddr_in a_bind, a_peer, b_bind, b_peer;
    int have_a_bind, have_a_peer, have_b_bind, have_b_peer;
    struct dircfg dir[2]; /* 0 = ab, 1 = ba */
    uint64_t seed;
    const char *stats_path;
    uint64_t stats_interval_ms;
    const char *tag;
    uint64_t rcvbuf, sndbuf;
    uint64_t tx_early_us;   /* send packets due within this many us */
    uint64_t rx_lag_us;     /* max deliberate read lag when busy (0 = auto) */
    uint64_t spin_us;       /* busy-wait this long before a deadline */
    int rt_prio;            /* SCHED_FIFO priority for workers, 0 = off */
    enum charge_mode charge;
    const char *rt_napi;    /* comma-separated devices whose NAPI threads get SCHED_FIFO */
    int no_rx_tstamp;
};

static struct options opt;

static const char *charge_name(enum charge_mode m)
{
    return m == CHARGE_L1 ? "l1" : m == CHARGE_UDP ? "udp" : "l2";
}

/* bytes charged against the rate (and the queue limit) for one datagram */
static inline uint32_t charged_len(uint32_t udp_payload)
{
    if (opt.charge == CHARGE_UDP) return udp_payload;
    uint32_t frame = udp_payload > VXLAN_HDR ? udp_payload - VXLAN_HDR : 0;
    if (frame < ETH_MIN_NOFCS) frame = ETH_MIN_NOFCS;
    frame += ETH_FCS;
    return opt.charge == CHARGE_L1 ? frame + ETH_L1_EXTRA : frame;
}

/* ------------------------------------------------------------------ */
/* utilities                                                           */

static uint64_t now_ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}
static inline uint64_t mono_ns(void) { return now_ns(CLOCK_MONOTONIC); }

static void die_usage(const char *fmt, ...)
{
    va_list ap;
    fputs("wanem: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n(try 'wanem --help')\n", stderr);
    exit(2);
}

static void die_sys(const char *fmt, ...)
{
    int e = errno;
    va_list ap;
    fputs("wanem: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, ": %s\n", strerror(e));
    exit(1);
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

struct rng { uint64_t s[4]; };
static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static uint64_t rng_next(struct rng *r) /* xoshiro256** */
{
    uint64_t *s = r->s;
    uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t; s[3] = rotl(s[3], 45);
    return res;
}
static void rng_seed(struct rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

/* ------------------------------------------------------------------ */
/* argument parsing                                                    */

static uint64_t parse_u64(const char *flag, const char *v, const char *what)
{
    char *end;
    if (!v || !*v || *v == '-' || *v == '+' || *v == ' ')
        die_usage("%s: expected a non-negative integer (%s), got '%s'", flag, what, v ? v : "");
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || *end)
        die_usage("%s: expected a non-negative integer (%s), got '%s'", flag, what, v);
    return (uint64_t)x;
}

static double parse_pct(const char *flag, const char *v)
{
    char *end;
    if (!v || !*v)
        die_usage("%s: expected a number between 0 and 100 (percent), got '%s'", flag, v ? v : "");
    errno = 0;
    double x = strtod(v, &end);
    if (errno || *end || !isfinite(x) || x < 0 || x > 100)
        die_usage("%s: expected a number between 0 and 100 (percent), got '%s'", flag, v);
    return x;
}

static void parse_addr(const char *flag, const char *v, struct sockaddr_in *sa)
{
    char buf[64];
    const char *colon = v ? strrchr(v, ':') : NULL;
    if (!v || !colon || (size_t)(colon - v) >= sizeof buf || colon == v)
        die_usage("%s: expected IPv4:PORT (e.g. 198.19.1.2:4789), got '%s'", flag, v ? v : "");
    memcpy(buf, v, (size_t)(colon - v));
    buf[colon - v] = 0;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    if (inet_pton(AF_INET, buf, &sa->sin_addr) != 1)
        die_usage("%s: expected IPv4:PORT, '%s' is not an IPv4 address", flag, buf);
    char *end;
    errno = 0;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (errno || *end || !colon[1] || colon[1] == '-' || colon[1] == '+' || p < 1 || p > 65535)
        die_usage("%s: expected IPv4:PORT with PORT in 1..65535, got '%s'", flag, v);
    sa->sin_port = htons((uint16_t)p);
}

static void usage(FILE *f)
{
    fputs(
"usage: wanem --a-bind IP:PORT --a-peer IP:PORT --b-bind IP:PORT --b-peer IP:PORT\n"
"             [--rate-bps N] [--delay-us N] [--jitter-us N] [--loss-pct F]\n"
"             [--queue-bytes N] [--seed N] [--stats FILE] [--stats-interval-ms N]\n"
"             [--tag STRING] [--charge l2|l1|udp]\n"
"\n"
"UDP relay emulating a WAN link between site a and site b (VXLAN underlay).\n"
"Datagrams received on --a-bind are emulated a->b and sent from --b-bind to\n"
"--b-peer; datagrams received on --b-bind are emulated b->a and sent from\n"
"--a-bind to --a-peer.  All values are in base units.\n"
"\n"
"  --rate-bps N          bottleneck rate in bits/s of what --charge counts (0 = unlimited;\n"
"                        default 0)\n"
"  --charge MODE         what one datagram costs at the bottleneck and in the queue:\n"
"                        l2 (default) the inner Ethernet frame of the L2VPN service,\n"
"                        destination MAC to FCS, padded to 64 bytes (UDP payload - 8\n"
"                        VXLAN header + 4 FCS); l1 adds preamble+SFD+IFG (20 bytes);\n"
"                        udp charges the VXLAN datagram's UDP payload\n"
"  --delay-us N          one-way delay, microseconds (default 0)\n"
"  --jitter-us N         uniform jitter in [-N,+N] us added to the delay (default 0);\n"
"                        packets are never reordered\n"
"  --loss-pct F          random loss at arrival, percent 0..100 (default 0)\n"
"  --queue-bytes N       bottleneck queue limit in charged bytes (tail drop); default\n"
"                        max(rate*max(50ms, RTT), 64 KiB) with RTT = the two\n"
"                        directions' delays summed, or 4 MiB if rate is 0\n"
"  --seed N              seed for loss and jitter (default 1)\n"
"  --stats FILE          write JSON counters to FILE (atomically via FILE.tmp)\n"
"  --stats-interval-ms N stats period (default 100; 0 = only on exit)\n"
"  --tag STRING          copied into the stats as \"tag\"\n"
"\n"
"Per-direction overrides (ab = a->b, ba = b->a), each as the flag above:\n"
"  --rate-bps-ab/-ba  --delay-us-ab/-ba  --jitter-us-ab/-ba  --loss-pct-ab/-ba\n"
"  --queue-bytes-ab/-ba\n"
"\n"
"Tuning (defaults are normally right):\n"
"  --rcvbuf-bytes N      socket receive buffer (default 33554432, forced as root)\n"
"  --sndbuf-bytes N      socket send buffer (default 8388608)\n"
"  --tx-early-us N       send a packet up to N us before its due time to batch (default 20)\n"
"  --rx-lag-us N         when busy, read the socket at least every N us instead of on\n"
"                        every arrival (kernel rx timestamps keep the schedule exact;\n"
"                        default auto = min(500, (delay-jitter)/4), 0 disables)\n"
"  --spin-us N           sparse traffic only: busy-wait the last N us before a\n"
"                        deadline (default 50, max 1000, 0 = never spin)\n"
"  --rt-prio N           run the relay threads SCHED_FIFO with priority N (default 10;\n"
"                        0 = normal scheduling). Needs CAP_SYS_NICE, else a warning\n"
"  --rt-napi DEV[,DEV]   also give the kernel's threaded-NAPI threads of these devices\n"
"                        (napi/DEV-<id>: the gateways' underlay receive work, which\n"
"                        carries every packet wanem sends) SCHED_FIFO one priority\n"
"                        below --rt-prio (at least 1), so a due relay thread goes first\n"
"  --no-rx-timestamps    stamp arrivals at read time instead of kernel rx time\n"
"  --help                this text\n", f);
}

/* flag helpers: match "--name" as is, or with -ab / -ba suffix */
enum { D_BOTH = -1 };

static void parse_args(int argc, char **argv)
{
    memset(&opt, 0, sizeof opt);
    opt.seed = 1;
    opt.stats_interval_ms = 100;
    opt.tag = "";
    opt.rcvbuf = 32u << 20;
    opt.sndbuf = 8u << 20;
    opt.tx_early_us = 20;
    opt.rx_lag_us = UINT64_MAX; /* auto */
    opt.spin_us = 50;
    opt.rt_prio = 10;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--describe")) { /* the stats contract, read by infra/wan/wanem-stats.ts's test */
            printf("{\"late_threshold_us\":%llu,\"charge_modes\":[\"l2\",\"l1\",\"udp\"],\"counters\":[",
                   (unsigned long long)(LATE_NS / 1000));
            const char *sep = "";
#define X(n) printf("%s\"" #n "\"", sep), sep = ",";
            CTR_LIST(X)
#undef X
            printf(",\"queue_bytes\"]}\n");
            exit(0);
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        }
        if (!strcmp(a, "--no-rx-timestamps")) { opt.no_rx_tstamp = 1; continue; }
        if (strncmp(a, "--", 2) != 0)
            die_usage("unexpected argument '%s' (flags start with --)", a);

        /* --flag=value form */
        char namebuf[64];
        const char *val = NULL;
        const char *eq = strchr(a, '=');
        if (eq) {
            size_t n = (size_t)(eq - a);
            if (n >= sizeof namebuf) die_usage("unknown flag '%s'", a);
            memcpy(namebuf, a, n);
            namebuf[n] = 0;
            a = namebuf;
            val = eq + 1;
        }

        /* split direction suffix */
        char base[64];
        int dir = D_BOTH;
        size_t len = strlen(a);
        if (len >= sizeof base) die_usage("unknown flag '%s'", a);
        strcpy(base, a);
        if (len > 3 && (!strcmp(a + len - 3, "-ab") || !strcmp(a + len - 3, "-ba"))) {
            const char *s = a + len - 3;
            if (!strcmp(base, "--a-bind") || !strcmp(base, "--b-bind")) {
                /* not a direction suffix */
            } else {
                dir = !strcmp(s, "-ab") ? 0 : 1;
                base[len - 3] = 0;
            }
        }

        static const char *known[] = {
            "--a-bind", "--a-peer", "--b-bind", "--b-peer", "--rate-bps", "--delay-us",
            "--jitter-us", "--loss-pct", "--queue-bytes", "--seed", "--stats",
            "--stats-interval-ms", "--tag", "--rcvbuf-bytes", "--sndbuf-bytes",
            "--tx-early-us", "--rx-lag-us", "--spin-us", "--rt-prio", "--charge", "--rt-napi", NULL };
        int k;
        for (k = 0; known[k]; k++)
            if (!strcmp(base, known[k])) break;
        if (!known[k]) die_usage("unknown flag '%s'", a);
        int per_dir_ok = !strcmp(base, "--rate-bps") || !strcmp(base, "--delay-us") ||
                         !strcmp(base, "--jitter-us") || !strcmp(base, "--loss-pct") ||
                         !strcmp(base, "--queue-bytes");
        if (dir != D_BOTH && !per_dir_ok) die_usage("unknown flag '%s'", a);

        if (!val) {
            if (i + 1 >= argc) die_usage("%s: missing value", a);
            val = argv[++i];
        }

        int d0 = dir == D_BOTH ? 0 : dir, d1 = dir == D_BOTH ? 1 : dir;
        if (!strcmp(base, "--a-bind")) { parse_addr(a, val, &opt.a_bind); opt.have_a_bind = 1; }
        else if (!strcmp(base, "--a-peer")) { parse_addr(a, val, &opt.a_peer); opt.have_a_peer = 1; }
        else if (!strcmp(base, "--b-bind")) { parse_addr(a, val, &opt.b_bind); opt.have_b_bind = 1; }
        else if (!strcmp(base, "--b-peer")) { parse_addr(a, val, &opt.b_peer); opt.have_b_peer = 1; }
        else if (!strcmp(base, "--rate-bps")) {
            uint64_t v = parse_u64(a, val, "bits/s");
            for (int d = d0; d <= d1; d++) opt.dir[d].rate_bps = v;
        } else if (!strcmp(base, "--delay-us")) {
            uint64_t v = parse_u64(a, val, "microseconds");
            if (v > 60ULL * 1000000) die_usage("%s: expected at most 60000000 us, got '%s'", a, val);
            for (int d = d0; d <= d1; d++) opt.dir[d].delay_us = v;
        } else if (!strcmp(base, "--jitter-us")) {
            uint64_t v = parse_u64(a, val, "microseconds");
            if (v > 60ULL * 1000000) die_usage("%s: expected at most 60000000 us, got '%s'", a, val);
            for (int d = d0; d <= d1; d++) opt.dir[d].jitter_us = v;
        } else if (!strcmp(base, "--loss-pct")) {
            double v = parse_pct(a, val);
            for (int d = d0; d <= d1; d++) opt.dir[d].loss_pct = v;
        } else if (!strcmp(base, "--queue-bytes")) {
            uint64_t v = parse_u64(a, val, "bytes");
            if (v < 1) die_usage("%s: expected a positive integer (bytes), got '%s'", a, val);
            if (v > (1ULL << 32)) die_usage("%s: expected at most 4294967296 bytes, got '%s'", a, val);
            for (int d = d0; d <= d1; d++) { opt.dir[d].queue_bytes = v; opt.dir[d].queue_set = 1; }
        } else if (!strcmp(base, "--seed")) opt.seed = parse_u64(a, val, "integer seed");
        else if (!strcmp(base, "--stats")) {
            if (!*val) die_usage("%s: expected a file path, got ''", a);
            opt.stats_path = val;
        } else if (!strcmp(base, "--stats-interval-ms")) opt.stats_interval_ms = parse_u64(a, val, "milliseconds");
        else if (!strcmp(base, "--tag")) opt.tag = val;
        else if (!strcmp(base, "--rt-napi")) {
            if (!*val || strlen(val) > 255) die_usage("%s: expected comma-separated device names, got '%s'", a, val);
            for (const char *c = val; *c; c++)
                if (!isalnum((unsigned char)*c) && *c != ',' && *c != '_' && *c != '-' && *c != '.')
                    die_usage("%s: expected comma-separated device names, got '%s'", a, val);
            opt.rt_napi = val;
        }
        else if (!strcmp(base, "--charge")) {
            if (!strcmp(val, "l2")) opt.charge = CHARGE_L2;
            else if (!strcmp(val, "l1")) opt.charge = CHARGE_L1;
            else if (!strcmp(val, "udp")) opt.charge = CHARGE_UDP;
            else die_usage("%s: expected l2, l1 or udp, got '%s'", a, val);
        }
        else if (!strcmp(base, "--rcvbuf-bytes")) {
            opt.rcvbuf = parse_u64(a, val, "bytes");
            if (opt.rcvbuf > INT_MAX / 2) die_usage("%s: expected at most %d bytes, got '%s'", a, INT_MAX / 2, val);
        } else if (!strcmp(base, "--sndbuf-bytes")) {
            opt.sndbuf = parse_u64(a, val, "bytes");
            if (opt.sndbuf > INT_MAX / 2) die_usage("%s: expected at most %d bytes, got '%s'", a, INT_MAX / 2, val);
        } else if (!strcmp(base, "--tx-early-us")) opt.tx_early_us = parse_u64(a, val, "microseconds");
        else if (!strcmp(base, "--rx-lag-us")) opt.rx_lag_us = parse_u64(a, val, "microseconds");
        else if (!strcmp(base, "--spin-us")) {
            opt.spin_us = parse_u64(a, val, "microseconds");
            if (opt.spin_us > 1000) die_usage("%s: expected at most 1000 us, got '%s'", a, val);
        } else if (!strcmp(base, "--rt-prio")) {
            uint64_t v = parse_u64(a, val, "priority 0..99");
            if (v > 99) die_usage("%s: expected an integer 0..99, got '%s'", a, val);
            opt.rt_prio = (int)v;
        }
    }
    if (!opt.have_a_bind) die_usage("--a-bind: required (IPv4:PORT the site-a gateway sends to)");
    if (!opt.have_a_peer) die_usage("--a-peer: required (IPv4:PORT of the site-a gateway VTEP)");
    if (!opt.have_b_bind) die_usage("--b-bind: required (IPv4:PORT the site-b gateway sends to)");
    if (!opt.have_b_peer) die_usage("--b-peer: required (IPv4:PORT of the site-b gateway VTEP)");
    if (opt.a_bind.sin_addr.s_addr == opt.b_bind.sin_addr.s_addr &&
        opt.a_bind.sin_port == opt.b_bind.sin_port)
        die_usage("--a-bind and --b-bind: expected two different addresses, both are the same");

    for (int d = 0; d < 2; d++) {
        struct dircfg *c = &opt.dir[d];
        if (!c->queue_set) {
            if (c->rate_bps == 0) c->queue_bytes = 4u << 20;
            else {
                /* max(50 ms, the pair's RTT) at the rate: one BDP, the classic buffer rule, so
                 * that after a loss one CUBIC (needs 0.43 BDP) or Reno flow keeps the link full
                 * on long paths too (at 1 Gbit/s x 150 ms a 50 ms queue left CUBIC at 93%) */
                uint64_t rtt_us = opt.dir[0].delay_us + opt.dir[1].delay_us;
                uint64_t ms = rtt_us > 50000 ? rtt_us : 50000;
                uint64_t q = (uint64_t)((double)c->rate_bps / 8 * (double)ms / 1e6);
                c->queue_bytes = q < 65536 ? 65536 : q;
            }
        }
    }
}

/* ------------------------------------------------------------------ */
/* per-direction state                                                 */

/* counters: CTR_LIST, defined with LATE_NS above */

struct counters {
#define X(n) _Atomic uint64_t n;
    CTR_LIST(X)
#undef X
    _Atomic uint64_t last_dep_ns; /* for current queue_bytes */
};

#define CGET(p, f) atomic_load_explicit(&(p)->f, memory_order_relaxed)
#define CSET(p, f, v) atomic_store_explicit(&(p)->f, (v), memory_order_relaxed)
#define CADD(p, f, v) CSET(p, f, CGET(p, f) + (v)) /* single writer */

struct slot {
    uint64_t deliver_ns;
    uint32_t off;
    uint32_t len;
};

struct dirstate {
    int idx;              /* 0 ab, 1 ba */
    const char *name;
    struct dircfg cfg;
    int rx_fd, tx_fd;
    struct sockaddr_in peer;

    /* emulation state */
    struct rng rng;
    uint64_t loss_thresh; /* compare with rng: drop if r < thresh */
    int loss_all;
    uint64_t last_dep_ns; /* departure (end of serialization) of last accepted pkt */
    uint64_t dep_rem;     /* remainder for exact serialization time */
    uint64_t last_deliver_ns;
    uint64_t rx_lag_ns;

    /* ring */
    struct slot *slots;
    uint32_t nslots, shead, stail; /* indices, free-running, masked */
    uint8_t *data;
    uint64_t dsize, dtail;

    /* batch buffers */
    struct mmsghdr rmsg[BATCH];
    struct iovec riov[BATCH];
    char rctl[BATCH][128];
    uint8_t *rbuf; /* BATCH * MAX_DGRAM */
    struct mmsghdr smsg[BATCH];
    struct iovec siov[BATCH];

    struct counters ctr;
    pthread_t thr;
};

static struct dirstate D[2];
static int g_rt_napi_threads; /* threads --rt-napi set to SCHED_FIFO */
static atomic_int g_stop;
static uint64_t g_start_ns;

static void *xmap(size_t sz)
{
    void *p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) die_sys("mmap %zu bytes", sz);
    return p;
}

static uint32_t next_pow2(uint64_t x)
{
    uint32_t p = 1;
    while (p < x && p < (1u << 31)) p <<= 1;
    return p;
}

static void ring_init(struct dirstate *d)
{
    const struct dircfg *c = &d->cfg;
    /* bytes in flight after the bottleneck: rate * (delay + jitter); assume
     * 2.5 Gbit/s when unlimited (more than a small VM relays) */
    uint64_t rate = c->rate_bps ? c->rate_bps : 2500000000ULL;
    uint64_t inflight = (uint64_t)((double)rate / 8.0 * (double)(c->delay_us + c->jitter_us) / 1e6);
    /* x2 headroom: packets stay longer than scheduled when the relay runs late */
    uint64_t bytes = 2 * (c->queue_bytes + inflight) + (8u << 20);
    if (bytes > (1ULL << 30)) bytes = 1ULL << 30;
    d->dsize = bytes;
    d->data = xmap(bytes);
    uint64_t want = bytes / 200; /* ~ average of data and ACK packets */
    uint32_t n = next_pow2(want);
    if (n < MIN_SLOTS) n = MIN_SLOTS;
    if (n > MAX_SLOTS) n = MAX_SLOTS;
    d->nslots = n;
    d->slots = xmap(sizeof(struct slot) * n);
    d->shead = d->stail = 0;
    d->dtail = 0;
}

static inline uint32_t ring_count(const struct dirstate *d) { return d->stail - d->shead; }

/* reserve len bytes at the tail; returns offset or UINT64_MAX if full */
static uint64_t ring_alloc(struct dirstate *d, uint32_t len)
{
    if (ring_count(d) >= d->nslots) return UINT64_MAX;
    uint64_t need = ((uint64_t)len + 15) & ~15ULL;
    if (ring_count(d) == 0) {
        d->dtail = 0;
        return need <= d->dsize ? 0 : UINT64_MAX;
    }
    uint64_t head = d->slots[d->shead & (d->nslots - 1)].off;
    if (d->dtail > head) {
        if (d->dtail + need <= d->dsize) return d->dtail;
        if (need < head) return 0; /* wrap */
        return UINT64_MAX;
    }
    /* dtail <= head here means wrapped (dtail == head only if empty, handled) */
    if (d->dtail + need < head) return d->dtail;
    return UINT64_MAX;
}

/* ------------------------------------------------------------------ */
/* sockets                                                             */

static int make_socket(const char *flag, const struct sockaddr_in *bind_addr)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) die_sys("socket");
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) die_sys("SO_REUSEADDR");
    int rb = (int)opt.rcvbuf, sb = (int)opt.sndbuf;
    if (rb && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rb, sizeof rb) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rb, sizeof rb);
    if (sb && setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sb, sizeof sb) < 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sb, sizeof sb);
    if (setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one) < 0) die_sys("SO_RXQ_OVFL");
    /* report local transmit drops (qdisc full -> ENOBUFS) instead of hiding
     * them, so that they become backpressure; ICMP errors land in the error
     * queue, which the workers drain */
    if (setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof one) < 0) die_sys("IP_RECVERR");
    if (!opt.no_rx_tstamp && setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) < 0)
        die_sys("SO_TIMESTAMPNS");
    /* never fragment, never let PMTU discovery alter sends */
    int pmtu = IP_PMTUDISC_DONT;
    setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof pmtu);
    if (bind(fd, (const struct sockaddr *)bind_addr, sizeof *bind_addr) < 0) {
        char ip[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &bind_addr->sin_addr, ip, sizeof ip);
        die_sys("%s: cannot bind %s:%u", flag, ip, ntohs(bind_addr->sin_port));
    }
    return fd;
}

/* ------------------------------------------------------------------ */
/* data path                                                           */

static inline uint64_t backlog_bytes(const struct dirstate *d, uint64_t last_dep, uint64_t t)
{
    if (!d->cfg.rate_bps || last_dep <= t) return 0;
    return (uint64_t)((unsigned __int128)(last_dep - t) * d->cfg.rate_bps / 8 / NS_PER_S);
}

/* handle one received datagram; arrival in CLOCK_MONOTONIC ns */
static void accept_pkt(struct dirstate *d, const uint8_t *buf, uint32_t len, uint64_t arrival)
{
    struct counters *c = &d->ctr;
    CADD(c, rx_pkts, 1);
    CADD(c, rx_bytes, len);

    if (d->loss_all || (d->loss_thresh && rng_next(&d->rng) < d->loss_thresh)) {
        CADD(c, drop_loss, 1);
        return;
    }

    uint64_t dep, rem = d->dep_rem;
    const uint32_t chg = charged_len(len);
    if (d->cfg.rate_bps) {
        uint64_t backlog = backlog_bytes(d, d->last_dep_ns, arrival);
        if (backlog + chg > d->cfg.queue_bytes) {
            CADD(c, drop_queue, 1);
            return;
        }
        uint64_t start = d->last_dep_ns > arrival ? d->last_dep_ns : arrival;
        if (start == arrival) rem = 0;
        unsigned __int128 num = (unsigned __int128)chg * 8 * NS_PER_S + rem;
        dep = start + (uint64_t)(num / d->cfg.rate_bps);
        rem = (uint64_t)(num % d->cfg.rate_bps);
    } else {
        dep = arrival;
    }

    int64_t dl = (int64_t)d->cfg.delay_us * 1000;
    if (d->cfg.jitter_us) {
        uint64_t span = 2 * d->cfg.jitter_us + 1;
        int64_t j = (int64_t)(rng_next(&d->rng) % span) - (int64_t)d->cfg.jitter_us;
        dl += j * 1000;
        if (dl < 0) dl = 0;
    }
    uint64_t deliver = dep + (uint64_t)dl;
    if (deliver < d->last_deliver_ns) deliver = d->last_deliver_ns; /* no reordering */

    uint64_t off = ring_alloc(d, len);
    if (off == UINT64_MAX) {
        CADD(c, drop_ring, 1);
        return;
    }
    memcpy(d->data + off, buf, len);
    struct slot *s = &d->slots[d->stail & (d->nslots - 1)];
    s->off = (uint32_t)off;
    s->len = len;
    s->deliver_ns = deliver;
    d->stail++;
    d->dtail = off + (((uint64_t)len + 15) & ~15ULL);

    if (d->cfg.rate_bps) {
        d->last_dep_ns = dep;
        d->dep_rem = rem;
        CSET(c, last_dep_ns, dep);
        uint64_t q = backlog_bytes(d, dep, arrival);
        if (q > CGET(c, queue_peak_bytes)) CSET(c, queue_peak_bytes, q);
    }
    d->last_deliver_ns = deliver;
    CADD(c, charged_bytes, chg);
}

/* drain the socket error queue (ICMP errors, IP_RECVERR); bounded */
static void drain_errqueue(struct dirstate *d)
{
    char buf[256], ctl[512];
    for (int i = 0; i < 256; i++) {
        struct iovec iov = { buf, sizeof buf };
        struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
        if (recvmsg(d->rx_fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) break;
        CADD(&d->ctr, rx_errors, 1);
    }
}

/* read one batch (up to BATCH datagrams); returns datagrams read.  The
 * caller sends due packets between batches. */
static int do_recv(struct dirstate *d)
{
    int total = 0;
    for (int attempt = 0; attempt < 2; attempt++) { /* 2nd try after clearing an error */
        for (int i = 0; i < BATCH; i++) {
            d->riov[i].iov_base = d->rbuf + (size_t)i * MAX_DGRAM;
            d->riov[i].iov_len = MAX_DGRAM;
            struct msghdr *m = &d->rmsg[i].msg_hdr;
            m->msg_name = NULL;
            m->msg_namelen = 0;
            m->msg_iov = &d->riov[i];
            m->msg_iovlen = 1;
            m->msg_control = d->rctl[i];
            m->msg_controllen = sizeof d->rctl[i];
            m->msg_flags = 0;
        }
        int n = recvmmsg(d->rx_fd, d->rmsg, BATCH, MSG_DONTWAIT, NULL);
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            /* pending socket error from an ICMP message: clear and go on */
            drain_errqueue(d);
            continue;
        }
        if (n <= 0) break;
        uint64_t mono = mono_ns();
        uint64_t real = opt.no_rx_tstamp ? 0 : now_ns(CLOCK_REALTIME);
        for (int i = 0; i < n; i++) {
            struct msghdr *m = &d->rmsg[i].msg_hdr;
            uint64_t arrival = mono;
            for (struct cmsghdr *cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
                if (cm->cmsg_level != SOL_SOCKET) continue;
                if (cm->cmsg_type == SO_RXQ_OVFL) {
                    uint32_t v;
                    memcpy(&v, CMSG_DATA(cm), sizeof v);
                    CSET(&d->ctr, drop_overrun, v);
                } else if (cm->cmsg_type == SCM_TIMESTAMPNS) {
                    struct timespec ts;
                    memcpy(&ts, CMSG_DATA(cm), sizeof ts);
                    uint64_t rt = (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
                    /* convert to monotonic; accept only sane values (<= 2 s old) */
                    if (rt && rt <= real && real - rt < 2 * NS_PER_S)
                        arrival = mono - (real - rt);
                }
            }
            if (m->msg_flags & MSG_TRUNC) { /* cannot happen with 64 KiB buffers */
                CADD(&d->ctr, rx_pkts, 1);
                CADD(&d->ctr, drop_ring, 1);
                continue;
            }
            accept_pkt(d, d->rbuf + (size_t)i * MAX_DGRAM, d->rmsg[i].msg_len, arrival);
        }
        total += n;
        break;
    }
    return total;
}

/* send every packet due by now+early; returns 0, or 1 if blocked by a full
 * socket buffer (wait for POLLOUT), 2 if the egress queue was full (ENOBUFS:
 * retry shortly).  Blocked packets stay queued and show up as late. */
static int do_send(struct dirstate *d, uint64_t early_ns)
{
    struct counters *c = &d->ctr;
    for (int guard = 0; guard < 64; guard++) {
        uint64_t now = mono_ns();
        uint32_t avail = ring_count(d);
        int n = 0;
        while ((uint32_t)n < avail && n < BATCH) {
            struct slot *s = &d->slots[(d->shead + (uint32_t)n) & (d->nslots - 1)];
            if (s->deliver_ns > now + early_ns) break;
            d->siov[n].iov_base = d->data + s->off;
            d->siov[n].iov_len = s->len;
            struct msghdr *m = &d->smsg[n].msg_hdr;
            m->msg_name = &d->peer;
            m->msg_namelen = sizeof d->peer;
            m->msg_iov = &d->siov[n];
            m->msg_iovlen = 1;
            m->msg_control = NULL;
            m->msg_controllen = 0;
            m->msg_flags = 0;
            n++;
        }
        if (n == 0) return 0;
        int r = sendmmsg(d->tx_fd, d->smsg, (unsigned)n, MSG_DONTWAIT);
        if (r < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) { CADD(c, send_blocked, 1); return 1; }
            if (errno == ENOBUFS) { CADD(c, send_blocked, 1); return 2; } /* qdisc full */
            if (errno == EINTR) continue;
            /* drop the head packet, count it */
            CADD(c, send_errors, 1);
            d->shead++;
            continue;
        }
        int consumed = r;
        uint64_t late_cnt = 0, late_sum = 0, late_max = CGET(c, max_late_us), bytes = 0;
        for (int i = 0; i < consumed; i++) {
            struct slot *s = &d->slots[(d->shead + (uint32_t)i) & (d->nslots - 1)];
            bytes += s->len;
            if (now > s->deliver_ns + LATE_NS) {
                uint64_t l = (now - s->deliver_ns) / 1000;
                late_cnt++;
                late_sum += l;
                if (l > late_max) late_max = l;
            }
        }
        d->shead += (uint32_t)consumed;
        CADD(c, tx_pkts, (uint64_t)consumed);
        CADD(c, tx_bytes, bytes);
        if (late_cnt) {
            CADD(c, late_pkts, late_cnt);
            CADD(c, sum_late_us, late_sum);
            CSET(c, max_late_us, late_max);
        }
        if (consumed < n) {
            /* partial: next message failed; loop retries it and classifies */
            continue;
        }
    }
    return 0;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("pause");
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/*
 * Worker for one direction.  Waiting strategy (see NOTES.md):
 *  - dense traffic: sleep until the head packet is due (minus --tx-early-us,
 *    which batches sends), reading the socket at least every rx_lag;
 *  - sparse traffic (the head is more than 300 us away): a long wait is cut
 *    into a coarse sleep to 1 ms before the deadline, then a fine sleep to
 *    --spin-us before it, then a busy-wait of at most --spin-us to the exact
 *    due time.  A VM's wake-up from a long idle sleep is late by 30..300 us;
 *    the two stages and the short spin remove most of that.
 */
static void *worker(void *arg)
{
    struct dirstate *d = arg;
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    if (opt.rt_prio > 0) {
        struct sched_param sp = { .sched_priority = opt.rt_prio };
        int e = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
        if (e && d->idx == 0)
            fprintf(stderr, "wanem: --rt-prio: cannot set SCHED_FIFO priority %d: %s (continuing without)\n",
                    opt.rt_prio, strerror(e));
    }
    const uint64_t early = opt.tx_early_us * 1000;
    const uint64_t spin = opt.spin_us * 1000;
    const uint64_t sparse_gap = 300000, coarse_guard = 1000000;
    int busy = 0;   /* read something on the last pass */
    int sparse = 0; /* the current head was far away when we started waiting */

    while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
        uint64_t tx0 = CGET(&d->ctr, tx_pkts);
        int tx_blocked = do_send(d, sparse ? 0 : early);
        int got = do_recv(d);
        busy = got > 0;
        if (busy) tx_blocked = do_send(d, sparse ? 0 : early);
        if (CGET(&d->ctr, tx_pkts) != tx0) sparse = 0;
        if (got == BATCH) continue; /* more waiting in the socket */

        uint64_t now = mono_ns();
        uint64_t wait = 100 * 1000000ULL; /* bound, to notice g_stop */
        int have = ring_count(d) && !tx_blocked;
        if (have) {
            uint64_t due = d->slots[d->shead & (d->nslots - 1)].deliver_ns;
            if (!sparse && due > now + sparse_gap) sparse = 1;
            uint64_t target = sparse ? due : due - (due > early ? early : due);
            if (target <= now) continue;
            wait = target - now;
            if (sparse) {
                if (wait > coarse_guard + 500000) wait -= coarse_guard;
                else if (spin && wait <= spin) {
                    /* final approach: busy-wait at most spin_us */
                    while (mono_ns() < target) cpu_relax();
                    continue;
                } else if (spin) wait -= spin;
            }
        }
        if (wait > 100 * 1000000ULL) wait = 100 * 1000000ULL; /* notice g_stop */
        struct pollfd pf[2];
        int nfd = 0;
        int timed_read = busy && d->rx_lag_ns > 0;
        if (timed_read) {
            /* busy: do not wake per arrival; read at least every rx_lag
             * (arrival times come from kernel rx timestamps) */
            if (wait > d->rx_lag_ns) wait = d->rx_lag_ns;
        } else {
            pf[nfd].fd = d->rx_fd;
            pf[nfd].events = POLLIN;
            nfd++;
        }
        if (tx_blocked == 1) {
            pf[nfd].fd = d->tx_fd;
            pf[nfd].events = POLLOUT;
            nfd++;
            if (wait > 1000000) wait = 1000000;
        } else if (tx_blocked == 2) {
            if (wait > 20000) wait = 20000; /* egress queue full: retry in 20 us */
        }
        struct timespec ts = { .tv_sec = (time_t)(wait / NS_PER_S), .tv_nsec = (long)(wait % NS_PER_S) };
        if (ppoll(pf, (nfds_t)nfd, &ts, NULL) > 0 && !timed_read && (pf[0].revents & POLLERR))
            drain_errqueue(d);
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* stats                                                               */

/* namespace-wide kernel drop counters (wanem's own network namespace):
 * drops that happen after wanem handed a packet to the kernel, e.g. a full
 * veth ring or qdisc toward a gateway.  Reported as deltas since start. */
struct nsdrops { uint64_t dev_tx_dropped, dev_rx_dropped, udp_sndbuf_errors, udp_rcvbuf_errors, udp_in_errors; };
static struct nsdrops g_ns0;

static void read_nsdrops(struct nsdrops *o)
{
    memset(o, 0, sizeof *o);
    char line[1024];
    FILE *f = fopen("/proc/net/dev", "r");
    if (f) {
        while (fgets(line, sizeof line, f)) {
            char *c = strchr(line, ':');
            if (!c) continue;
            unsigned long long v[16] = { 0 };
            int n = sscanf(c + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
                           &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10], &v[11]);
            if (n < 12) continue;
            o->dev_rx_dropped += v[3];
            o->dev_tx_dropped += v[11];
        }
        fclose(f);
    }
    f = fopen("/proc/net/snmp", "r");
    if (f) {
        char hdr[1024] = "";
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "Udp: ", 5) != 0) continue;
            if (!hdr[0]) { memcpy(hdr, line, sizeof hdr); continue; }
            char *sp1, *sp2;
            char *h = strtok_r(hdr + 5, " \n", &sp1), *v = strtok_r(line + 5, " \n", &sp2);
            while (h && v) {
                uint64_t x = strtoull(v, NULL, 10);
                if (!strcmp(h, "SndbufErrors")) o->udp_sndbuf_errors = x;
                else if (!strcmp(h, "RcvbufErrors")) o->udp_rcvbuf_errors = x;
                else if (!strcmp(h, "InErrors")) o->udp_in_errors = x;
                h = strtok_r(NULL, " \n", &sp1);
                v = strtok_r(NULL, " \n", &sp2);
            }
            break;
        }
        fclose(f);
    }
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
        else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
        else fputc(*p, f);
    }
    fputc('"', f);
}

static void json_cfg(FILE *f, const struct dircfg *c)
{
    fprintf(f, "\"rate_bps\":%" PRIu64 ",\"delay_us\":%" PRIu64 ",\"jitter_us\":%" PRIu64
               ",\"loss_pct\":%.6g,\"queue_bytes\":%" PRIu64 ",\"charge\":\"%s\"",
            c->rate_bps, c->delay_us, c->jitter_us, c->loss_pct, c->queue_bytes, charge_name(opt.charge));
}

static void json_dir(FILE *f, struct dirstate *d, uint64_t now)
{
    struct counters *c = &d->ctr;
    fputc('{', f);
#define X(n) if (strcmp(#n, "queue_peak_bytes")) fprintf(f, "\"" #n "\":%" PRIu64 ",", CGET(c, n));
    CTR_LIST(X)
#undef X
    fprintf(f, "\"queue_bytes\":%" PRIu64 ",\"queue_peak_bytes\":%" PRIu64 "}",
            backlog_bytes(d, CGET(c, last_dep_ns), now), CGET(c, queue_peak_bytes));
}

static int write_stats(void)
{
    if (!opt.stats_path) return 0;
    char tmp[PATH_MAX + 8];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", opt.stats_path) >= (int)sizeof tmp) {
        fprintf(stderr, "wanem: --stats: path too long\n");
        return -1;
    }
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "wanem: --stats: cannot write %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    uint64_t now = mono_ns();
    fputs("{\"tag\":", f);
    json_str(f, opt.tag);
    fprintf(f, ",\"pid\":%d,\"time_ns\":%" PRIu64 ",\"uptime_s\":%.3f,\"late_threshold_us\":%llu,\"config\":{",
            (int)getpid(), now, (double)(now - g_start_ns) / 1e9, (unsigned long long)(LATE_NS / 1000));
    json_cfg(f, &D[0].cfg);
    fprintf(f, ",\"rt_napi_threads\":%d", g_rt_napi_threads);
    fputs(",\"ab\":{", f);
    json_cfg(f, &D[0].cfg);
    fputs("},\"ba\":{", f);
    json_cfg(f, &D[1].cfg);
    fputs("}},\"ab\":", f);
    json_dir(f, &D[0], now);
    fputs(",\"ba\":", f);
    json_dir(f, &D[1], now);
    struct nsdrops nd;
    read_nsdrops(&nd);
#define ND(x) (nd.x >= g_ns0.x ? nd.x - g_ns0.x : 0)
    fprintf(f, ",\"netns\":{\"dev_tx_dropped\":%" PRIu64 ",\"dev_rx_dropped\":%" PRIu64
               ",\"udp_sndbuf_errors\":%" PRIu64 ",\"udp_rcvbuf_errors\":%" PRIu64 ",\"udp_in_errors\":%" PRIu64 "}",
            ND(dev_tx_dropped), ND(dev_rx_dropped), ND(udp_sndbuf_errors), ND(udp_rcvbuf_errors), ND(udp_in_errors));
#undef ND
    fputs("}\n", f);
    int err = ferror(f);
    if (fclose(f) != 0 || err) {
        fprintf(stderr, "wanem: --stats: error writing %s\n", tmp);
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, opt.stats_path) < 0) {
        fprintf(stderr, "wanem: --stats: cannot rename %s to %s: %s\n", tmp, opt.stats_path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */

/* --rt-napi: SCHED_FIFO for the kernel threads "napi/<dev>-<id>" of the listed
 * devices.  Packets wanem sends are received by the gateways in those threads
 * (threaded NAPI); at normal priority a busy machine delays them by
 * milliseconds, which shows up as extra RTT.  They get one priority below the
 * relay's threads: at the same priority a relay thread that fell due waited behind
 * a gateway's whole poll (and the softirq work run at its end), which made the relay
 * late for 4-5% of packets with CUBIC at 1 Gbit/s in the lab; one below, 1-4%.
 * Returns the number of threads set. */
static int rt_napi(const char *list, int prio)
{
    DIR *dir = opendir("/proc");
    if (!dir) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (!isdigit((unsigned char)e->d_name[0])) continue;
        char path[300], comm[64] = "";
        snprintf(path, sizeof path, "/proc/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        if (!fgets(comm, sizeof comm, f)) comm[0] = 0;
        fclose(f);
        comm[strcspn(comm, "\n")] = 0;
        if (strncmp(comm, "napi/", 5) != 0) continue;
        const char *dev = comm + 5, *dash = strrchr(dev, '-');
        if (!dash || !dash[1]) continue;
        size_t dl = (size_t)(dash - dev);
        for (const char *p = list; *p;) {
            size_t l = strcspn(p, ",");
            if (l == dl && !strncmp(p, dev, l)) {
                struct sched_param sp = { .sched_priority = prio };
                if (sched_setscheduler((pid_t)atoi(e->d_name), SCHED_FIFO, &sp) == 0) n++;
                else fprintf(stderr, "wanem: --rt-napi: cannot set SCHED_FIFO on %s: %s\n", comm, strerror(errno));
                break;
            }
            p += l + (p[l] == ',');
        }
    }
    closedir(dir);
    return n;
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    g_start_ns = mono_ns();
    read_nsdrops(&g_ns0);
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    signal(SIGPIPE, SIG_IGN);

    if (opt.rt_napi && opt.rt_prio > 0) g_rt_napi_threads = rt_napi(opt.rt_napi, opt.rt_prio > 1 ? opt.rt_prio - 1 : 1);
    int fa = make_socket("--a-bind", &opt.a_bind);
    int fb = make_socket("--b-bind", &opt.b_bind);

    for (int i = 0; i < 2; i++) {
        struct dirstate *d = &D[i];
        d->idx = i;
        d->name = i ? "ba" : "ab";
        d->cfg = opt.dir[i];
        d->rx_fd = i ? fb : fa;
        d->tx_fd = i ? fa : fb;
        d->peer = i ? opt.a_peer : opt.b_peer;
        rng_seed(&d->rng, opt.seed * 2 + (uint64_t)i);
        if (d->cfg.loss_pct >= 100.0) d->loss_all = 1;
        else d->loss_thresh = (uint64_t)ldexp(d->cfg.loss_pct / 100.0, 64);
        uint64_t minlat = d->cfg.delay_us > d->cfg.jitter_us ? d->cfg.delay_us - d->cfg.jitter_us : 0;
        if (opt.rx_lag_us == UINT64_MAX) {
            uint64_t lag = minlat / 4;
            if (lag > 500) lag = 500;
            if (lag < 50) lag = 0; /* too little slack: read on every arrival */
            d->rx_lag_ns = opt.no_rx_tstamp ? 0 : lag * 1000;
        } else {
            d->rx_lag_ns = opt.rx_lag_us * 1000;
        }
        ring_init(d);
        d->rbuf = xmap((size_t)BATCH * MAX_DGRAM);
    }

    /* signals: handled synchronously by the main thread only */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    for (int i = 0; i < 2; i++) {
        int e = pthread_create(&D[i].thr, NULL, worker, &D[i]);
        if (e) { errno = e; die_sys("pthread_create"); }
    }

    if (write_stats() < 0) { /* fail early on an unwritable stats path */
        atomic_store(&g_stop, 1);
        for (int i = 0; i < 2; i++) pthread_join(D[i].thr, NULL);
        return 1;
    }

    uint64_t interval = opt.stats_interval_ms ? opt.stats_interval_ms * 1000000ULL : 3600 * NS_PER_S;
    uint64_t next = mono_ns() + interval;
    for (;;) {
        uint64_t now = mono_ns();
        uint64_t wait = next > now ? next - now : 0;
        struct timespec ts = { .tv_sec = (time_t)(wait / NS_PER_S), .tv_nsec = (long)(wait % NS_PER_S) };
        int sig = sigtimedwait(&set, NULL, &ts);
        if (sig > 0) break;
        if (mono_ns() >= next) {
            if (opt.stats_interval_ms) write_stats();
            next += interval;
            now = mono_ns();
            if (next < now) next = now + interval;
        }
    }
    atomic_store(&g_stop, 1);
    for (int i = 0; i < 2; i++) pthread_join(D[i].thr, NULL);
    write_stats();
    return 0;
}
