#!/usr/bin/env zx
// @ts-check
// One application, several virtualization platforms (docs/experiments.md, "Docker vs Rumprun"): the same web
// servers (nginx, and busybox httpd: a small single-process server of the kind a Rumprun
// unikernel runs) on each platform, loaded by wrk from another node, plus bandwidth and RTT on
// the same paths and the node start time of each platform. One testbed per platform, in one
// sweep folder, so a stopped comparison can be resumed; the report compares the platforms.
// On the local lab the platforms are netns, lxc, docker and qemu. qemu is the "small VM" platform
// here: a minimal Linux VM (Debian's kernel, a busybox initramfs, the host's /usr over 9p) serving
// HTTP: a Linux VM, NOT a unikernel; its boot is its node-start row like the others' start.
// xen: PV guests on a nested Xen host (QEMU TCG) per lab host, booted from a Debian root disk
// (nginx, busybox httpd, wrk): the same HTTP, bandwidth and RTT rows, every instruction emulated
// (TCG), so its figures say what a guest costs here, not what Xen costs on hardware.
// rumprun needs the Rumprun toolchain (infra/rumprun): refused.
import { ConfigError, main, scenarioParams, sweep, TCP_CC_CHOICES, withTestbed } from 'intercloud-bench';

await main(async () => {
  const p = scenarioParams(import.meta.url, 'Docker vs Rumprun: one application on each virtualization platform, compared on the same paths.', {
    'platforms': {
      type: 'set',
      default: 'netns,lxc,docker,qemu',
      choices: ['netns', 'lxc', 'docker', 'qemu', 'xen', 'rumprun'],
      help: 'platforms to compare, each on its own testbed (qemu: a minimal Linux VM, not a unikernel; xen: PV guests on a nested Xen host under TCG)',
    },
    'servers': { type: 'set', default: 'nginx,busybox', choices: ['nginx', 'busybox'], help: 'web servers to run' },
    'sizes': { type: 'ints', default: '1024,1048576', help: 'sizes in bytes of the file requested' },
    'duration': { type: 'int', default: 5, help: 'wrk and iperf3 seconds per sample' },
    'connections': { type: 'int', default: 16, help: 'wrk connections (-c)' },
    'threads': { type: 'int', default: 2, help: 'wrk threads (-t)' },
    'repetitions': { type: 'int', default: 2, help: 'repetitions of every sample' },
    'hosts': { type: 'int', default: 2, help: 'hosts per site' },
    'nodes-per-host': { type: 'int', default: 2, help: 'nodes per host' },
    'lan': { type: 'rate', default: '10Gbit', help: 'LAN rate of the site' },
    'tcp-cc': {
      type: 'choice',
      default: 'system',
      choices: TCP_CC_CHOICES,
      help: "TCP congestion control of every node (system: each kernel's own, recorded in run.json; the reports' era used cubic)",
    },
    'results': { type: 'string', default: 'results', help: 'results directory (the comparison makes a folder in it)' },
    'resume': { type: 'string', default: '', help: 'continue the comparison in this folder' },
  });

  if (p['platforms'].includes('rumprun')) {
    throw new ConfigError(
      '--platforms',
      'platforms the local lab can start (netns, lxc, docker, qemu, xen); rumprun needs the Rumprun toolchain and a Xen/KVM host, see infra/xen/README.md',
      'rumprun',
    );
  }
  const XEN_NOTE = 'xen: PV guests (Debian root disk) on a nested Xen host under QEMU TCG: every instruction emulated';
  const r = await sweep({
    scenario: 'docker-vs-rumprun',
    resultsRoot: p['results'],
    resume: p['resume'] || undefined,
    points: p['platforms'],
    key: String,
    params: p,
    fixed: ['servers', 'sizes', 'duration', 'connections', 'threads', 'hosts', 'nodes-per-host', 'lan', 'tcp-cc'],
    runPoint: (virt, o) =>
      withTestbed(
        {
          // One site, so no WAN: the cast stands for the optional `wan` the config accepts at run time.
          config: /** @type {import('intercloud-bench').ScenarioInput} */ ({
            scenario: 'docker-vs-rumprun',
            runId: o.runId,
            resultsDir: o.resultsDir,
            sites: [{ name: 'Site', lan: p['lan'], hosts: p['hosts'], nodesPerHost: p['nodes-per-host'], virt }],
          }),
          params: {
            ...p,
            virt,
            ...(virt === 'qemu' ? { platform_note: 'qemu: a minimal Linux VM (Debian kernel, busybox initramfs), not a unikernel' } : {}),
            ...(virt === 'xen' ? { platform_note: XEN_NOTE } : {}),
          },
          tcpCc: p['tcp-cc'],
          // qemu nodes: small VMs (256 MiB) sharing the host's /usr, so nginx and busybox httpd are the same binaries.
          qemu: { memMiB: 256 },
          validate: false,
          report: false,
        },
        async (s) => {
          // One pair per path (local, intra-site), the same node names on every platform.
          const pairs = { perGroup: 1 };
          await s.http({
            pairs,
            servers: p['servers'],
            sizes: p['sizes'],
            durationS: p['duration'],
            threads: p['threads'],
            connections: p['connections'],
            repetitions: p['repetitions'],
          });
          await s.iperf3({ pairs, durationS: p['duration'], repetitions: p['repetitions'] });
          await s.ping({ pairs, count: 50, intervalS: 0.01, repetitions: p['repetitions'], warmup: 3 });
        },
      ),
  });
  return { status: r.status };
});
