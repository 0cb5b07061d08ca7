#!/usr/bin/env zx
// @ts-check
// Hokkaido University <-> NII over an L2VPN (docs/experiments.md, "Hokudai <-> NII"): two sites of
// two servers, one cluster segment across a 1 Gbit/s, 20 ms RTT WAN, LXC containers as in the report.
// Measures bandwidth on every path (Fig. 2), ping RTT, RTT idle vs under TCP load, transactions per second with the
// PostgreSQL server and pgbench client at the same site vs across the L2VPN (Fig. 3), and
// Terasort on a one-site cluster vs a cluster spanning both sites (Fig. 5), then writes the report.
// Every parameter can be overridden on the command line; see --help.
import { main, scenarioParams, TCP_CC_CHOICES, terasortAutoRows, withTestbed } from 'intercloud-bench';

/** Terasort rows per job on xen nodes when --terasort-rows is auto (2 MB: TCG-emulated guests). */
const XEN_TERASORT_ROWS = 20_000;
/** pgbench seconds per run on xen nodes when --pgbench-duration is left at 5. */
const XEN_PGBENCH_S = 20;

await main(async () => {
  const p = scenarioParams(import.meta.url, 'Hokudai <-> NII: bandwidth, RTT, transactions and Terasort across two sites joined by an L2VPN.', {
    'benchmarks': {
      type: 'set',
      default: 'iperf3,ping,load-latency,pgbench,terasort',
      choices: ['iperf3', 'ping', 'load-latency', 'pgbench', 'terasort'],
      help: 'what to measure, in this order',
    },
    'virt': {
      type: 'choice',
      default: 'lxc',
      choices: ['lxc', 'docker', 'netns', 'qemu', 'xen'],
      help: 'node type (the report used LXC; qemu: a VM per node; xen: Xen PV guests on a nested Xen host per lab host, Terasort with the lab engine only, small and once under TCG; see docs/node-types.md)',
    },
    'hosts': { type: 'int', default: 2, help: 'hosts (servers) per site' },
    'nodes-per-host': { type: 'int', default: 2, help: 'nodes (VMs/containers) per host' },
    'nii-lan': { type: 'rate', default: '10Gbit', help: 'NII LAN rate' },
    'hokudai-lan': { type: 'rate', default: '1Gbit', help: 'Hokudai LAN rate' },
    'wan-rate': { type: 'rate', default: '1Gbit', help: 'L2VPN rate' },
    'wan-rtt': { type: 'duration', default: '20ms', help: 'L2VPN round-trip time' },
    'wan-jitter': { type: 'duration', default: '0ms', help: 'one-way delay jitter' },
    'wan-loss': { type: 'percent', default: '0%', help: 'random loss per direction' },
    'wan-emulator': { type: 'choice', default: 'auto', choices: ['auto', 'wanem', 'netem'], help: 'WAN emulation (auto: netem if the kernel has it)' },
    'rtt-compensation': {
      type: 'choice',
      default: 'on',
      choices: ['on', 'off'],
      help: "lab: take the lab path's own RTT (measured at stand-up) off the emulated delay, so idle RTT = --wan-rtt; off: the emulator adds --wan-rtt on top of it (no compensation)",
    },
    'pairs': { type: 'pairs', default: '1', help: "iperf3/ping node pairs: 'all', N per path and site pair, or 'src>dst,...'" },
    'duration': { type: 'int', default: 5, help: 'iperf3 seconds per sample' },
    'parallel': { type: 'int', default: 1, help: 'iperf3 parallel streams' },
    'repetitions': {
      type: 'int-or-auto',
      default: 'auto',
      help: "repetitions of every sample (iperf3, ping, pgbench, terasort): 'auto' repeats until each headline comparison is decided (from --min-repetitions up to --max-repetitions, within --budget); a number runs exactly that many",
    },
    'min-repetitions': { type: 'int', default: 3, help: 'with --repetitions auto: repetitions before the first look (at least 3)' },
    'max-repetitions': { type: 'int', default: 20, help: 'with --repetitions auto: repetitions at most' },
    'budget': { type: 'duration', default: '6min', help: 'with --repetitions auto: time for the whole run; repetitions stop when the next would overrun it' },
    'equivalence': {
      type: 'percent',
      default: '5%',
      help: 'with --repetitions auto: two sides within this of each other (95% sure) count as decided: equivalent',
    },
    'ping-count': { type: 'int', default: 100, help: 'pings per pair' },
    'ping-interval': { type: 'number', default: 0.01, help: 'seconds between pings' },
    'load-pairs': { type: 'pairs', default: '1', help: "latency-under-load node pairs: 'all', N per path and site pair, or 'src>dst,...'" },
    'load-count': { type: 'int', default: 50, help: 'pings per phase (idle, then under TCP load)' },
    'load-interval': { type: 'number', default: 0.02, help: 'seconds between pings of latency under load' },
    'load-repetitions': { type: 'int', default: 1, help: 'repetitions of each latency-under-load sample' },
    'pgbench-scripts': { type: 'set', default: 'tpcb-like,select-only', choices: ['tpcb-like', 'select-only'], help: 'pgbench built-in scripts' },
    'pgbench-scale': { type: 'int', default: 1, help: 'pgbench scale factor (100,000 accounts each)' },
    'pgbench-clients': { type: 'int', default: 4, help: 'pgbench clients (-c)' },
    'pgbench-duration': { type: 'int', default: 5, help: 'pgbench seconds per run (-T)' },
    'pgbench-rtts': { type: 'durations', default: '20ms', help: 'WAN RTTs to measure transactions at, e.g. 0ms,5ms,10ms,20ms,40ms (TPS against RTT)' },
    'terasort-rows': {
      type: 'int-or-auto',
      default: 'auto',
      help: "Teragen rows (100 bytes each) per Terasort job; 'auto': sized from --wan-rate so that the spanning job's WAN transfer takes about 0.5 s",
    },
    'terasort-nodes': { type: 'int', default: 4, help: 'nodes of each Terasort cluster (one-site and spanning)' },
    'terasort-memory': { type: 'int', default: 64, help: 'sort memory per node in MiB before spilling' },
    'terasort-engine': {
      type: 'choice',
      default: 'lab',
      choices: ['lab', 'hadoop', 'both'],
      help: 'Terasort engine: the built-in lab engine, Hadoop (NameNode + ResourceManager on the first node; installed by setup), or both side by side on the same clusters',
    },
    'hadoop-replication': {
      type: 'int',
      default: 1,
      help: "HDFS replication of the Hadoop Terasort's input and sorted output; 2 or more lets a job finish on the survivors when a worker is lost (1: the benchmark's usual, a lost DataNode fails the job)",
    },
    'tcp-cc': {
      type: 'choice',
      default: 'system',
      choices: TCP_CC_CHOICES,
      help: "TCP congestion control of every node (system: each kernel's own, recorded in run.json; the reports' era used cubic)",
    },
    'results': { type: 'string', default: 'results', help: 'results directory' },
  });

  /** @param {string} name @param {import('intercloud-bench').Rate} lan */
  const site = (name, lan) => ({ name, lan, hosts: p['hosts'], nodesPerHost: p['nodes-per-host'], virt: p['virt'] });
  return withTestbed(
    {
      config: {
        scenario: 'hokudai-nii',
        sites: [site('NII', p['nii-lan']), site('Hokudai', p['hokudai-lan'])],
        wan: { rate: p['wan-rate'], rtt: p['wan-rtt'], jitter: p['wan-jitter'], loss: p['wan-loss'] },
        resultsDir: p['results'],
      },
      params: p,
      wanMode: p['wan-emulator'],
      rttCompensation: p['rtt-compensation'] === 'on',
      adaptive: { min: p['min-repetitions'], max: p['max-repetitions'], budget: p['budget'], margin: p['equivalence'] },
      tcpCc: p['tcp-cc'],
    },
    async (s) => {
      // Under TCG one repetition of a Terasort job alone takes minutes: xen runs each sample once unless told.
      const reps = p['virt'] === 'xen' && p['repetitions'] === 'auto' ? 1 : p['repetitions'];
      if (reps !== p['repetitions']) console.error('hokudai-nii: --virt xen: one repetition of each sample (--repetitions N for more)');
      // Xen guests (nested Xen under QEMU TCG: every instruction emulated) run every benchmark, the
      // lab Terasort engine only (Hadoop's JVMs do not come up in reasonable time there) and small.
      const xen = p['virt'] === 'xen';
      if (xen && p['terasort-engine'] !== 'lab' && p['benchmarks'].includes('terasort'))
        throw new Error(
          `--terasort-engine ${p['terasort-engine']}: on --virt xen only 'lab' (Hadoop stays refused in the lab's Xen guests; see docs/node-types.md)`,
        );
      // pgbench clients' SCRAM logins alone take seconds in an emulated guest: 5 s runs may end before the first transaction.
      const pgbenchS = xen && p['pgbench-duration'] === 5 ? XEN_PGBENCH_S : p['pgbench-duration'];
      if (pgbenchS !== p['pgbench-duration']) console.error(`hokudai-nii: --virt xen: pgbench runs ${pgbenchS} s (--pgbench-duration N to choose)`);
      const perSite = p['hosts'] * p['nodes-per-host'];
      const terasortNodes = xen ? Math.min(p['terasort-nodes'], perSite) : p['terasort-nodes'];
      if (terasortNodes !== p['terasort-nodes']) console.error(`hokudai-nii: --virt xen: Terasort clusters of ${terasortNodes} nodes (a site has ${perSite})`);
      for (const b of p['benchmarks']) {
        if (b === 'iperf3') await s.iperf3({ pairs: p['pairs'], durationS: p['duration'], parallel: p['parallel'], repetitions: reps });
        if (b === 'ping') await s.ping({ pairs: p['pairs'], count: p['ping-count'], intervalS: p['ping-interval'], repetitions: reps, warmup: 3 });
        if (b === 'load-latency')
          await s.loadLatency({ pairs: p['load-pairs'], count: p['load-count'], intervalS: p['load-interval'], repetitions: p['load-repetitions'] });
        if (b === 'pgbench') {
          // The WAN RTT is changed in place for each value, then put back as configured.
          for (const rtt of p['pgbench-rtts']) {
            await s.withWanRtt(rtt, () =>
              s.pgbench({
                scripts: p['pgbench-scripts'],
                scale: p['pgbench-scale'],
                clients: p['pgbench-clients'],
                threads: Math.min(2, p['pgbench-clients']),
                durationS: pgbenchS,
                repetitions: reps,
                percentiles: true,
                samplingRate: 0.2,
              }),
            );
          }
        }
        if (b === 'terasort') {
          const size =
            p['terasort-rows'] !== 'auto'
              ? { rows: p['terasort-rows'], why: undefined }
              : xen
                ? { rows: XEN_TERASORT_ROWS, why: `--virt xen: ${XEN_TERASORT_ROWS} rows (the guests run under QEMU TCG)` }
                : terasortAutoRows(p['wan-rate']);
          const engines = p['terasort-engine'] === 'both' ? /** @type {const} */ (['lab', 'hadoop']) : [p['terasort-engine']];
          for (const kind of /** @type {const} */ (['one-site', 'spanning'])) {
            for (const engine of engines)
              await s.terasort({
                engine,
                cluster: { kind, size: terasortNodes },
                rows: size.rows,
                rowsWhy: size.why,
                memoryMiB: p['terasort-memory'],
                repetitions: reps,
                label: kind,
                ...(engine === 'hadoop' ? { hadoop: { replication: p['hadoop-replication'] } } : {}),
              });
          }
        }
      }
    },
  );
});
