#!/usr/bin/env bash
# wanem self-test: builds a 3-namespace lab (two VXLAN gateways and the relay),
# runs wanem with RATE_MBIT / RTT_MS and measures with ping and iperf3.
#
#   usage: selftest.sh [RATE_MBIT] [RTT_MS]        (default: 1000 20)
#   env:   WANEM_EXTRA="--spin-us 20 ..."  extra wanem flags
#          SELFTEST_TCP_SECS=7 (TCP run length; throughput is judged on the
#            steady state after the first 2 s, the whole-run figure is shown too)
#          SELFTEST_SKIP_P4=1  SELFTEST_KEEP_STATS=DIR  SELFTEST_PLAIN=1 (no underlay tuning)
#          SELFTEST_CC=cubic (TCP congestion control for the iperf3 runs; default: the system's)
#
# Everything it creates is named wanemst-* and removed on exit (also on error
# or Ctrl-C).  Needs root, iproute2, ethtool, iperf3, ping, node.
# Exit: 0 all targets met, 1 a target missed, 2 usage, 3 lab/setup failure.
# The last line is "RESULT {json}" for scripts.
set -Eeuo pipefail

RATE_MBIT=${1:-1000}
RTT_MS=${2:-20}
if ! [[ $RATE_MBIT =~ ^[0-9]+$ ]] || ! [[ $RTT_MS =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
    echo "usage: $0 [RATE_MBIT (integer, 0 = unlimited)] [RTT_MS]" >&2
    exit 2
fi
TCP_SECS=${SELFTEST_TCP_SECS:-7}
CC_ARGS=()
if [[ -n ${SELFTEST_CC:-} ]]; then
    [[ $SELFTEST_CC =~ ^(cubic|bbr|reno)$ ]] || { echo "SELFTEST_CC: expected cubic, bbr or reno, got '$SELFTEST_CC'" >&2; exit 2; }
    CC_ARGS=(-C "$SELFTEST_CC")
fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WANEM=$HERE/wanem

P=wanemst
NW=$P-wan
NA=$P-ga
NB=$P-gb
ALL_NS=("$NA" "$NB" "$NW")
TMP=
LOCKFD=

say() { printf '%s\n' "$*" >&2; }
# run a command in the background and wait for it, so that a signal to this
# script interrupts the wait and the cleanup trap runs at once
bgw() { "$@" & wait $!; }
fail_setup() { say "selftest: $*"; exit 3; }

# grep reads all (no -q): with pipefail, an early exit would SIGPIPE ip/awk on a long list and read as 'absent'
ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -x "$1" >/dev/null; }

cleanup() {
    local rc=$?
    trap - EXIT INT TERM ERR
    for ns in "${ALL_NS[@]}"; do
        if ns_exists "$ns"; then
            local pids
            pids=$(ip netns pids "$ns" 2>/dev/null || true)
            [[ -n $pids ]] && kill $pids 2>/dev/null || true
        fi
    done
    # give wanem a moment to write its final stats, then force
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        local left=
        for ns in "${ALL_NS[@]}"; do
            ns_exists "$ns" && left+=$(ip netns pids "$ns" 2>/dev/null || true)
        done
        [[ -z $left ]] && break
        sleep 0.1
    done
    for ns in "${ALL_NS[@]}"; do
        if ns_exists "$ns"; then
            local pids
            pids=$(ip netns pids "$ns" 2>/dev/null || true)
            [[ -n $pids ]] && kill -9 $pids 2>/dev/null || true
            ip netns del "$ns" 2>/dev/null || true
        fi
    done
    [[ -n $TMP && -d $TMP ]] && rm -rf "$TMP"
    exit $rc
}
trap cleanup EXIT
trap 'say "selftest: command failed (line $LINENO): $BASH_COMMAND"; exit 3' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

[[ $EUID -eq 0 ]] || fail_setup "must run as root"
for t in ip ethtool iperf3 ping node flock timeout; do
    command -v "$t" >/dev/null || fail_setup "missing tool: $t"
done

# one self-test at a time (they share the namespace names)
# (lock this script file itself: nothing to clean up afterwards)
exec {LOCKFD}<"${BASH_SOURCE[0]}"
flock -n "$LOCKFD" || fail_setup "another selftest.sh is running (it holds a lock on ${BASH_SOURCE[0]})"

make -s -C "$HERE" || fail_setup "build failed"
TMP=$(mktemp -d /tmp/wanemst.XXXXXX)

# leftovers of a killed earlier run (names are ours)
for ns in "${ALL_NS[@]}"; do
    if ns_exists "$ns"; then
        pids=$(ip netns pids "$ns" 2>/dev/null || true)
        [[ -n $pids ]] && kill -9 $pids 2>/dev/null || true
        ip netns del "$ns"
    fi
done

# ---------------------------------------------------------------- lab
for ns in "${ALL_NS[@]}"; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
done
ip -n "$NA" link add ua type veth peer name wa netns "$NW"
ip -n "$NB" link add ub type veth peer name wb netns "$NW"
ip -n "$NA" link set ua mtu 1600 up
ip -n "$NB" link set ub mtu 1600 up
ip -n "$NW" link set wa mtu 1600 up
ip -n "$NW" link set wb mtu 1600 up
ip -n "$NA" addr add 198.18.1.2/24 dev ua
ip -n "$NW" addr add 198.18.1.1/24 dev wa
ip -n "$NB" addr add 198.18.2.2/24 dev ub
ip -n "$NW" addr add 198.18.2.1/24 dev wb
# relay addresses on the wan namespace's loopback (no dummy module needed)
ip -n "$NW" addr add 198.19.1.2/32 dev lo
ip -n "$NW" addr add 198.19.2.1/32 dev lo
ip -n "$NA" route add 198.19.0.0/16 via 198.18.1.1
ip -n "$NB" route add 198.19.0.0/16 via 198.18.2.1

gw() { # ns local remote overlay-addr
    ip -n "$1" link add vx0 type vxlan id 42 remote "$3" local "$2" dstport 4789
    ip -n "$1" link set vx0 mtu 1500 up
    ip netns exec "$1" ethtool -K vx0 tx off >/dev/null
    ip -n "$1" addr add "$4" dev vx0
    # TCP buffers large enough for 1 Gbit/s x 50 ms (these are per netns)
    ip netns exec "$1" sysctl -q -w \
        net.ipv4.tcp_rmem="4096 131072 67108864" net.ipv4.tcp_wmem="4096 65536 67108864" \
        net.ipv4.tcp_no_metrics_save=1
}
gw "$NA" 198.18.1.2 198.19.1.2 10.250.0.1/24
gw "$NB" 198.18.2.2 198.19.2.1 10.250.0.2/24

# Recommended underlay tuning (SELFTEST_PLAIN=1 skips it):
#  - gateway-side underlay veth: GRO + UDP GRO forwarding switches the veth to
#    NAPI mode, and threaded NAPI moves the gateway's receive work (VXLAN
#    decap, TCP) into its own kernel thread instead of wanem's send call;
#  - wan-side veth: a pfifo qdisc, so a full veth ring pushes back (wanem gets
#    ENOBUFS and retries: late_pkts) instead of dropping silently.
if [[ -z ${SELFTEST_PLAIN:-} ]]; then
    for x in "$NA ua" "$NB ub"; do
        read -r ns dev <<<"$x"
        ip netns exec "$ns" ethtool -K "$dev" gro on rx-udp-gro-forwarding on >/dev/null
        ip netns exec "$ns" sh -c "echo 1 > /sys/class/net/$dev/threaded"
    done
    for dev in wa wb; do
        ip netns exec "$NW" tc qdisc replace dev "$dev" root pfifo limit 1000
    done
fi

# ---------------------------------------------------------------- wanem
RATE_BPS=$((RATE_MBIT * 1000000))
# with the tuning, the gateways' NAPI threads run at wanem's real-time priority (--rt-napi)
RT_NAPI=
[[ -z ${SELFTEST_PLAIN:-} ]] && RT_NAPI="--rt-napi ua,ub"
DELAY_US=$(awk -v r="$RTT_MS" 'BEGIN{printf "%d", r*1000/2}')
STATS=$TMP/stats.json
# shellcheck disable=SC2086
ip netns exec "$NW" "$WANEM" --a-bind 198.19.1.2:4789 --a-peer 198.18.1.2:4789 \
    --b-bind 198.19.2.1:4789 --b-peer 198.18.2.2:4789 \
    --rate-bps "$RATE_BPS" --delay-us "$DELAY_US" --seed 1 \
    --stats "$STATS" --stats-interval-ms 100 --tag selftest $RT_NAPI ${WANEM_EXTRA:-} \
    2>"$TMP/wanem.err" &
for _ in $(seq 50); do [[ -s $STATS ]] && break; sleep 0.05; done
[[ -s $STATS ]] || fail_setup "wanem did not start: $(cat "$TMP/wanem.err")"

snap() { sleep 0.25; cp "$STATS" "$TMP/$1.json"; } # after >= 1 stats interval

# warm up: ARP/FDB across the overlay
bgw ip netns exec "$NA" ping -c 3 -i 0.2 -W 2 10.250.0.2 >/dev/null ||
    fail_setup "no connectivity through wanem: $(cat "$TMP/wanem.err")"

# ---------------------------------------------------------------- measure
snap s0
# idle RTT
bgw ip netns exec "$NA" ping -c 200 -i 0.01 -W 2 10.250.0.2 >"$TMP/ping_idle.txt" 2>&1 || true
snap s1

iperf_run() { # name extra-args...
    local name=$1; shift
    ip netns exec "$NB" timeout $((TCP_SECS + 20)) iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
    local srv=$!
    for _ in $(seq 40); do
        ip netns exec "$NB" ss -Hltn 'sport = :5201' 2>/dev/null | grep -q . && break
        sleep 0.05
    done
    bgw ip netns exec "$NA" timeout $((TCP_SECS + 15)) iperf3 -c 10.250.0.2 -p 5201 --json --get-server-output "${CC_ARGS[@]}" "$@" \
        >"$TMP/$name.json" 2>/dev/null || true
    wait "$srv" 2>/dev/null || true
}

iperf_run tcp1 -t "$TCP_SECS"
snap s2
if [[ -z ${SELFTEST_SKIP_P4:-} ]]; then
    iperf_run tcp4 -t "$TCP_SECS" -P 4
fi
snap s3

# ping while TCP runs at 50% of the rate (paced by the sender: --fq-rate)
if ((RATE_MBIT > 0)); then
    HALF=$((RATE_BPS / 2))
    LOAD_SECS=$((TCP_SECS + 1))
    ( iperf_run tcpload -t "$LOAD_SECS" -b "$HALF" --fq-rate "$HALF" ) &
    LOADPID=$!
    bgw sleep 1.5
    bgw ip netns exec "$NA" ping -c 300 -i 0.01 -W 2 10.250.0.2 >"$TMP/ping_load.txt" 2>&1 || true
    wait "$LOADPID" || true
fi
snap s4

[[ -n ${SELFTEST_KEEP_STATS:-} ]] && { mkdir -p "$SELFTEST_KEEP_STATS"; cp "$TMP"/*.json "$TMP"/*.txt "$SELFTEST_KEEP_STATS"/; }

# ---------------------------------------------------------------- report
RC=0
node - "$TMP" "$RATE_MBIT" "$RTT_MS" <<'EOF' || RC=$?
const fs = require('fs');
const [dir, rateS, rttS] = process.argv.slice(2);
const rate = Number(rateS), rtt = Number(rttS);
const rd = (f) => { try { return fs.readFileSync(`${dir}/${f}`, 'utf8'); } catch { return null; } };
const js = (f) => { const t = rd(f); try { return t ? JSON.parse(t) : null; } catch { return null; } };
function pings(f) {
  const t = rd(f) || '';
  const v = [...t.matchAll(/icmp_seq=\d+ .*time=([\d.]+) ms/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
  const q = (p) => v.length ? v[Math.min(v.length - 1, Math.ceil(p * v.length) - 1)] : NaN;
  return { n: v.length, med: q(0.5), p99: q(0.99), max: v.length ? v[v.length - 1] : NaN };
}
function tcp(f) {
  const j = js(f);
  if (!j || !j.end || !j.end.sum_received) return { mbit: NaN, steady: NaN, retr: NaN };
  // steady state: receiver-side (server) intervals from 2 s on (slow start excluded)
  const src = (j.server_output_json && j.server_output_json.intervals) || j.intervals || [];
  const iv = src.map((i) => i.sum).filter((s) => s && s.start >= 1.99 && !s.omitted);
  const bytes = iv.reduce((a, s) => a + s.bytes, 0), secs = iv.reduce((a, s) => a + s.seconds, 0);
  return { mbit: j.end.sum_received.bits_per_second / 1e6, steady: secs > 0 ? (bytes * 8) / secs / 1e6 : NaN,
           retr: j.end.sum_sent.retransmits ?? NaN };
}
const K = ['rx_pkts', 'tx_pkts', 'drop_queue', 'drop_overrun', 'drop_ring', 'drop_loss', 'late_pkts', 'sum_late_us', 'send_errors', 'send_blocked'];
function delta(a, b) {
  const A = js(a), B = js(b), o = {};
  if (!A || !B) return null;
  for (const d of ['ab', 'ba']) { o[d] = {}; for (const k of K) o[d][k] = B[d][k] - A[d][k]; o[d].max_late_us = B[d].max_late_us; o[d].queue_peak_bytes = B[d].queue_peak_bytes; }
  o.dev_tx_dropped = (B.netns?.dev_tx_dropped ?? 0) - (A.netns?.dev_tx_dropped ?? 0);
  return o;
}
const idle = pings('ping_idle.txt'), load = pings('ping_load.txt');
const t1 = tcp('tcp1.json'), t4 = tcp('tcp4.json'), tl = tcp('tcpload.json');
const dIdle = delta('s0.json', 's1.json'), dT1 = delta('s1.json', 's2.json'), dT4 = delta('s2.json', 's3.json'), dL = delta('s3.json', 's4.json');
const f = (x, n = 2) => Number.isFinite(x) ? x.toFixed(n) : 'n/a';
const ctr = (d) => d ? `ab q=${d.ab.drop_queue} ovr=${d.ab.drop_overrun} ring=${d.ab.drop_ring} late=${d.ab.late_pkts}/${d.ab.rx_pkts} | ba q=${d.ba.drop_queue} ovr=${d.ba.drop_overrun} late=${d.ba.late_pkts}/${d.ba.rx_pkts} | devdrop=${d.dev_tx_dropped}` : 'n/a';
const out = [];
out.push(`wanem selftest: rate ${rate} Mbit/s, RTT ${rtt} ms (delay ${rtt / 2} ms each way)`);
out.push(`  idle ping   : median ${f(idle.med)} ms  p99 ${f(idle.p99)} ms  max ${f(idle.max)} ms  (n=${idle.n})   counters: ${ctr(dIdle)}`);
// wanem charges the inner Ethernet frame (--charge l2): 1518 bytes per 1448-byte segment
const ceil = rate * 1448 / 1518;
const tl1 = (t) => `${f(t.steady, 1)} Mbit/s steady (${f(100 * t.steady / ceil, 1)}% of the ceiling ${f(ceil, 1)}), whole run ${f(t.mbit, 1)} (${f(100 * t.mbit / ceil, 1)}%), retr=${t.retr}`;
out.push(`  TCP x1      : ${tl1(t1)}   counters: ${ctr(dT1)}`);
if (rd('tcp4.json')) out.push(`  TCP -P 4    : ${tl1(t4)}   counters: ${ctr(dT4)}`);
if (rate > 0) out.push(`  loaded ping : median ${f(load.med)} ms  p99 ${f(load.p99)} ms  max ${f(load.max)} ms  (n=${load.n}, TCP ${f(tl.mbit, 1)} Mbit/s)   counters: ${ctr(dL)}`);
const fails = [], strict = [];
if (!(Math.abs(idle.med - rtt) <= 0.3)) fails.push('idle median off by > 0.3 ms');
if (rate > 0) {
  // A ping that arrives behind a TCP burst waits for it to be serialized: at
  // 10 Mbit/s one 1518-byte frame takes 1.2 ms, and paced TCP still sends
  // 2-segment bursts.  That is emulated queueing, not emulator error: the
  // target is RTT + 1 ms + one frame time, the limit one more frame time.
  const pkt = (1518 * 8) / (rate * 1e3); // ms per full-size frame
  if (!(Math.abs(load.med - rtt) <= 0.3)) strict.push('loaded median off by > 0.3 ms');
  if (!(load.med >= rtt - 0.3 && load.med <= rtt + 0.3 + 2 * pkt)) fails.push('loaded median');
  if (!(load.p99 <= rtt + 1 + pkt)) strict.push(`loaded p99 > RTT+1ms+${pkt.toFixed(2)}ms`);
  if (!(load.p99 <= rtt + 1 + 2 * pkt)) fails.push(`loaded p99 > RTT+1ms+2x${pkt.toFixed(2)}ms`);
  if (load.n < 290) fails.push('loaded ping loss');
  if (rate <= 500 && !(t1.steady >= 0.97 * ceil)) fails.push('TCP steady < 97% of the ceiling');
}
if (dL && dL.ab.drop_overrun + dL.ba.drop_overrun + dL.ab.drop_ring + dL.ba.drop_ring + dL.dev_tx_dropped > 0) fails.push('emulator drops under 50% load');
// emulator-limit flags per phase (informational, except under 50% load above)
const lim = [];
for (const [k, d] of Object.entries({ idle: dIdle, tcp1: dT1, tcp4: dT4, load: dL })) {
  if (!d) continue;
  const late = d.ab.late_pkts + d.ba.late_pkts, tx = d.ab.tx_pkts + d.ba.tx_pkts;
  const hard = d.ab.drop_overrun + d.ba.drop_overrun + d.ab.drop_ring + d.ba.drop_ring + d.dev_tx_dropped;
  if (hard > 0 || (tx > 0 && late / tx > 0.01)) lim.push(`${k} (late ${(100 * late / Math.max(tx, 1)).toFixed(1)}%, overrun+ring+devdrop ${hard})`);
}
if (lim.length) out.push(`  emulator-limited phases: ${lim.join('; ')}`);
// up to 500 Mbit/s a TCP figure is only valid if wanem kept its schedule
if (rate > 0 && rate <= 500 && lim.some((x) => x.startsWith('tcp1'))) fails.push('TCP x1 run was emulator-limited');
if (strict.length && !fails.length) out.push(`  note: strict target missed (${strict.join(', ')}), within serialization allowance`);
out.push(fails.length ? `  FAIL: ${fails.join(', ')}` : '  PASS');
console.log(out.join('\n'));
const final = js('s4.json');
console.log('RESULT ' + JSON.stringify({ rate_mbit: rate, rtt_ms: rtt, idle, load, tcp1: t1, tcp4: t4, tcpload: tl,
  counters: { idle: dIdle, tcp1: dT1, tcp4: dT4, load: dL }, final, pass: fails.length === 0, fails, strict }));
process.exitCode = fails.length ? 1 : 0;
EOF
exit $RC
