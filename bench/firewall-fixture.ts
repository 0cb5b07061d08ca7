/**
 * npm run bench:firewall (-- --on fixture, the default): what the overlay firewall costs on real
 * sites, measured on the isolated SSH-sites fixture: two sites of one host each across its
 * emulated WAN (20 ms, 1 Gbit/s), the remote provider's testbed brought up on them exactly as a run
 * does (its nftables table on each host, infra/overlay-firewall.ts), then inter-site iperf3 TCP from
 * the NII node to the Hokudai node, with the run's table in place and with it removed on both hosts,
 * alternating on the same testbed (with/without, then without/with, ...: drift hits both sides).
 * The table is removed and put back with the ruleset the run recorded, and checked after each
 * change. Prints each sample with the load average, then per side n, mean, 95% t-interval, and the
 * difference in % with its interval and whether it is within ±2%. Everything is torn down (also on
 * SIGINT/SIGTERM). Figures: docs/measured.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { upSshSites, type SshSites } from '../fixtures/ssh-sites.js';
import { run } from '../infra/exec.js';
import { consoleProgress } from '../infra/progress.js';
import { remoteProvider } from '../infra/remote/provider.js';
import { measureIperf3 } from '../runners/iperf3.js';
import { pathOf } from '../runners/pairs.js';
import { upTestbed, type UpTestbed } from '../session/run-setup.js';
import { diffText, pairedText, sideText } from './firewall-summary.js';

export interface FixtureBenchOptions {
  samples: number;
  seconds: number;
  l2vpn: 'vxlan' | 'vxlan-wireguard';
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

export async function benchFirewallFixture(o: FixtureBenchOptions): Promise<void> {
  const state = mkdtempSync(join(tmpdir(), 'icb-fwbench-state-'));
  const results = mkdtempSync(join(tmpdir(), 'icb-fwbench-results-'));
  let fx: SshSites | null = null;
  let tb: UpTestbed | null = null;
  const down = async () => {
    const left = tb ? (await tb.down()).left : [];
    tb = null;
    await fx?.down();
    fx = null;
    rmSync(results, { recursive: true, force: true });
    rmSync(state, { recursive: true, force: true });
    if (left.length) console.log(`left on the hosts: ${left.join(', ')}`);
  };
  const stop = () => void down().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const t0 = performance.now();
    fx = await upSshSites({
      sites: [
        { name: 'NII', hosts: 1 },
        { name: 'Hokudai', hosts: 1 },
      ],
      wanRtt: '20ms',
      stateDir: state,
      isolated: true,
      l2vpn: o.l2vpn,
    });
    const f = fx;
    const provider = remoteProvider({ inventory: f.inventoryFile });
    const spec = provider.resolve({
      scenario: 'bench-firewall',
      sites: [
        { name: 'NII', lan: '1Gbit', hosts: 1, nodesPerHost: 1, virt: 'netns' },
        { name: 'Hokudai', lan: '1Gbit', hosts: 1, nodesPerHost: 1, virt: 'netns' },
      ],
      // What the fixture's WAN is (recorded only, as on any real site).
      wan: { rate: '1Gbit', rtt: '20ms' },
    });
    tb = await upTestbed(spec, provider, { resultsDir: results, progress: consoleProgress(process.stderr, true) });
    const t = tb;
    console.log(`bench:firewall on the fixture (${o.l2vpn}): fixture and testbed up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // The run's table on each host, as applied (run.json remote_hosts[].firewall).
    const tables = (t.testbed.facts().hosts ?? []).map((h) => {
      const fw = h.firewall as { table: string; ruleset: string } | null;
      const host = f.hosts.find((x) => x.name === h.host);
      if (!fw || !host) throw new Error(`bench:firewall: no firewall recorded for host ${String(h.host)}`);
      return { ns: host.ns, name: host.name, ...fw };
    });
    const nft = async (ns: string, args: string[], input?: string) => {
      const r = await run(['ip', 'netns', 'exec', ns, 'nft', ...args], { input, timeoutMs: 20_000 });
      if (!r.ok) throw new Error(`nft ${args.join(' ')} in ${ns}: ${r.stderr.trim()}`);
      return r.stdout;
    };
    const setTables = async (present: boolean) => {
      for (const x of tables) {
        const has = (await nft(x.ns, ['list', 'tables'])).includes(`inet ${x.table}`);
        if (has && !present) await nft(x.ns, ['delete', 'table', 'inet', x.table]);
        if (!has && present) await nft(x.ns, ['-f', '-'], x.ruleset);
        const now = (await nft(x.ns, ['list', 'tables'])).includes(`inet ${x.table}`);
        if (now !== present)
          throw new Error(`bench:firewall: table ${x.table} on ${x.name} is ${now ? 'there' : 'gone'}, wanted ${present ? 'there' : 'gone'}`);
      }
    };

    const src = t.ctx.nodes.find((n) => n.site === 'NII')!;
    const dst = t.ctx.nodes.find((n) => n.site === 'Hokudai')!;
    const pair = { src, dst, path: pathOf(src, dst) };
    let rep = 0;
    const sample = async (): Promise<number> => {
      const rows = await measureIperf3(t.ctx, pair, ++rep, { pairs: 'all', durationS: o.seconds, omitS: 1 }, 5201);
      const tp = rows.find((r) => r.metric === 'throughput');
      if (tp?.status !== 'ok' || tp.value === null) throw new Error(`iperf3 ${src.name} -> ${dst.name} failed: ${tp?.reason ?? 'no row'}`);
      return tp.value;
    };
    const withTable: number[] = [];
    const without: number[] = [];
    console.log(
      `${o.samples} samples of ${o.seconds} s (+1 s omitted) per side, ${src.name} -> ${dst.name} (${pair.path}), alternating; load average ${load()}`,
    );
    for (let i = 0; i < o.samples; i++) {
      for (const present of i % 2 === 0 ? [true, false] : [false, true]) {
        await setTables(present);
        const v = await sample();
        (present ? withTable : without).push(v);
        console.log(`  ${i + 1}/${o.samples} ${present ? 'with   ' : 'without'} the table: ${v.toFixed(1)} Mbit/s (load ${load()})`);
      }
    }
    await setTables(true); // as the run had it, for its own teardown
    console.log(`with the run's table:    ${sideText(withTable, 'Mbit/s')}`);
    console.log(`without it:              ${sideText(without, 'Mbit/s')}`);
    console.log(diffText(without, withTable, 2, { higher: 'faster', lower: 'slower' }));
    console.log(pairedText(without, withTable));
    console.log(`load average after: ${load()} (${new Date().toISOString()})`);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await down();
  }
}
