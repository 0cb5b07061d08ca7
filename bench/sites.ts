/**
 * node dist/bench/sites.js (npm run bench:sites): the unchanged scenarios on real sites that share
 * nothing with this machine (the isolated SSH-sites fixture: the scenario's sites (two hosts each, three for
 * the one-site scale sweep) across a 20 ms emulated WAN, each host a system container of its own Debian tree with the documented host
 * prerequisites only), one fresh run per case; per case: wall time, exit code, report written, and
 * what the run left on the hosts after its teardown (namespaces, containers, links, nft tables,
 * journals, node dirs, JVMs). `--kill` adds, per case, a run killed with SIGKILL once its Hadoop
 * cluster registered (or its first sample) and then `icbench clean`, and checks the same.
 * nii-docker runs docker nodes on hosts that each run a Docker engine of their own.
 *   --cases nii-netns,nii-lxc,nii-docker,scale,elastic   --kill
 * The fixture is always torn down (finally, and on SIGINT/SIGTERM). Figures: docs/measured.md.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { run } from '../infra/exec.js';
import { runTag } from '../infra/remote/plan.js';
import { loadRun } from '../measurements/reader.js';
import type { Measurement as Row } from '../measurements/measurement.js';
import { sshToHost, upSshSites, type SshSites } from '../fixtures/ssh-sites.js';
import { runScenario } from '../fixtures/scenario-run.js';

interface Case {
  name: string;
  /** The scenario's sites (an inventory's groups are the scenario's site names), hosts each. */
  sites: { name: string; hosts: number }[];
  virt: 'netns' | 'lxc' | 'docker';
  nodesPerHost: number;
  script: string;
  args: string[];
  /** The line after which the --kill variant kills the controller. */
  killAt: RegExp;
}

const SMALL_NII = ['--duration', '2', '--pairs', '1', '--ping-count', '50', '--load-count', '20', '--pgbench-duration', '3'];
/** hokudai-nii with every default benchmark and both Terasort engines, small, on `virt` nodes. */
const niiCase = (virt: 'netns' | 'lxc' | 'docker', hostsPerSite: number, nodesPerHost: number): Case => ({
  name: `nii-${virt}`,
  sites: [
    { name: 'NII', hosts: hostsPerSite },
    { name: 'Hokudai', hosts: hostsPerSite },
  ],
  virt,
  nodesPerHost,
  script: 'hokudai-nii.mjs',
  args: ['--virt', virt, ...SMALL_NII, '--repetitions', '1', '--terasort-engine', 'both', '--terasort-nodes', '2', '--terasort-rows', '50000'],
  killAt: /NodeManagers registered/,
});
const CASES: Case[] = [
  niiCase('netns', 2, 1),
  niiCase('lxc', 2, 1),
  // Docker nodes: each host runs its own Docker engine (the fixture's `docker: true`); one host per site, two nodes each.
  niiCase('docker', 1, 2),
  {
    name: 'scale',
    sites: [{ name: 'Hokudai', hosts: 3 }],
    virt: 'netns',
    nodesPerHost: 2,
    script: 'hokudai-scale.mjs',
    args: ['--virt', 'netns', '--sizes', '3,6', '--repetitions', '1', '--engine', 'hadoop', '--rows-per-node', '20000'],
    killAt: /NodeManagers registered/,
  },
  {
    name: 'elastic',
    sites: [
      { name: 'A', hosts: 2 },
      { name: 'B', hosts: 2 },
    ],
    virt: 'netns',
    nodesPerHost: 2,
    script: 'hadoop-elastic.mjs',
    args: [
      '--virt',
      'netns',
      '--initial-workers',
      '3',
      '--max-workers',
      '5',
      '--add-every',
      '30',
      '--rows',
      '100000',
      '--max-jobs',
      '8',
      '--after-jobs',
      '1',
      '--node-memory',
      '1536',
      '--task-memory',
      '512',
    ],
    killAt: /workers? (registered|joined)|RUNNING/,
  },
];

const { values } = parseArgs({ options: { cases: { type: 'string' }, kill: { type: 'boolean' } } });
const wanted = (values.cases ?? CASES.map((c) => c.name).join(',')).split(',');
for (const w of wanted) if (!CASES.some((c) => c.name === w)) throw new Error(`--cases: ${w} is not one of ${CASES.map((c) => c.name).join(', ')}`);

const ssh = (fx: SshSites, address: string, cmd: string) => sshToHost(fx, address, cmd, 60_000);

/** What runs `ids` left on the fixture hosts (over SSH, and the hosts' namespaces seen from here). */
async function leftBy(fx: SshSites, ids: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const h of fx.hosts) {
    const r = await ssh(
      fx,
      h.address,
      'ip netns list 2>/dev/null; ls /run/icbench-remote /var/lib/icbench-remote 2>/dev/null; ip -o link 2>/dev/null | cut -d: -f2; nft list tables 2>/dev/null; pgrep -a java; ' +
        `docker ps -a --filter label=icbench.run --format '{{.Names}} {{.Label "icbench.run"}}' 2>/dev/null; true`,
    );
    for (const id of ids) for (const l of r.stdout.split('\n')) if (l.includes(id) || l.includes(runTag(id))) out.push(`${h.name}: ${l.trim()}`);
    for (const l of r.stdout.split('\n')) if (/^\d+ .*java/.test(l)) out.push(`${h.name}: JVM ${l.slice(0, 80)}`);
  }
  return [...new Set(out)];
}

const runIds = (out: string) => [...out.matchAll(/== run: \S+ (\d{8}-\d{6}-[0-9a-f]{4})/g)].map((m) => m[1]);

async function oneCase(c: Case, kill: boolean): Promise<void> {
  const state = mkdtempSync(join(tmpdir(), 'icb-sites-state-'));
  const results = mkdtempSync(join(tmpdir(), 'icb-sites-results-'));
  let fx: SshSites | null = null;
  let stopping = false;
  const stop = () => {
    stopping = true;
    if (fx) void fx.down().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    fx = await upSshSites({
      sites: c.sites,
      wanRtt: '20ms',
      stateDir: state,
      isolated: true,
      docker: c.virt === 'docker',
      virt: c.virt,
      nodesPerHost: c.nodesPerHost,
    });
    if (stopping) return;
    const t0 = performance.now();
    const load0 = loadavg()[0];
    const r = await runScenario(c.script, [...c.args, '--inventory', fx.inventoryFile], { results, state });
    const s = (performance.now() - t0) / 1000;
    const ids = runIds(r.out);
    // A run's own report, or its sweep's (results/<sweep>/report.html: every point in one).
    const sweeps = readdirSync(results, { withFileTypes: true }).filter((e) => e.isDirectory() && existsSync(join(results, e.name, 'sweep.json')));
    const reports = ids.filter(
      (id) => findReport(results, id) || sweeps.some((e) => existsSync(join(results, e.name, id)) && existsSync(join(results, e.name, 'report.html'))),
    );
    const left = await leftBy(fx, ids);
    const status = [...r.out.matchAll(/status (\w+)/g)].map((m) => m[1]).pop() ?? '?';
    const rows = (await Promise.all(ids.map((id) => runRows(results, id)))).flat();
    const byBench = new Map<string, { ok: number; failed: number }>();
    for (const x of rows) {
      const k = x.benchmark === 'terasort' ? `terasort/${x.params.engine ?? 'lab'}` : x.benchmark;
      const b = byBench.get(k) ?? { ok: 0, failed: 0 };
      b[x.status === 'ok' ? 'ok' : 'failed']++;
      byBench.set(k, b);
    }
    const valid = rows.filter((x) => x.metric === 'validate' && x.status === 'ok' && x.value === 1).length;
    console.log(
      `${c.name}: rc ${r.code}, status ${status}, ${Math.floor(s / 60)} min ${Math.round(s % 60)} s (load ${load0.toFixed(1)} -> ${loadavg()[0].toFixed(1)}), ` +
        `reports ${reports.length}/${ids.length}, rows ${[...byBench].map(([k, b]) => `${k} ${b.ok} ok/${b.failed} failed`).join(', ')}, ` +
        `sorts validated ${valid}, left after teardown: ${left.length ? left.join('; ') : 'nothing'}`,
    );
    if (r.code !== 0) console.log(r.out.split('\n').slice(-25).join('\n'));
    if (kill) {
      let killed = false;
      const k = await runScenario(c.script, [...c.args, '--inventory', fx.inventoryFile], {
        results,
        state,
        onLine: (line, sig) => {
          if (!killed && c.killAt.test(line)) {
            killed = true;
            sig('SIGKILL');
          }
        },
      });
      const kid = runIds(k.out);
      const before = await leftBy(fx, kid);
      // icbench clean of each run, as a user would after the kill (the state dir is the runs').
      const cl = { exitCode: 0 as number | null, ok: true, stdout: '', stderr: '' };
      for (const id of kid) {
        const x = await run(['env', `ICBENCH_STATE_DIR=${state}`, process.execPath, join(import.meta.dirname, '..', '..', 'bin', 'icbench.mjs'), 'clean', id], {
          timeoutMs: 600_000,
        });
        if (!x.ok) Object.assign(cl, { exitCode: x.exitCode, ok: false, stdout: cl.stdout + x.stdout, stderr: cl.stderr + x.stderr });
      }
      const after = await leftBy(fx, kid);
      console.log(
        `${c.name} kill -9: killed ${killed ? 'at the line' : 'never (the line did not come)'}, on the hosts before clean ${before.length}, clean rc ${cl.exitCode}, left after clean: ${after.length ? after.join('; ') : 'nothing'}`,
      );
      if (!cl.ok) console.log(cl.stdout + cl.stderr);
    }
  } finally {
    await fx?.down();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    rmSync(state, { recursive: true, force: true });
    rmSync(results, { recursive: true, force: true });
  }
}

/** The rows of run `id` wherever it is under `results` (a sweep keeps its runs one level down). */
async function runRows(results: string, id: string): Promise<Row[]> {
  for (const d of [
    join(results, id),
    ...readdirSync(results, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(results, e.name, id)),
  ])
    if (existsSync(join(d, 'run.json'))) return (await loadRun(d)).rows;
  return [];
}

function findReport(results: string, id: string): boolean {
  const walk = (d: string, depth: number): boolean =>
    readdirSync(d, { withFileTypes: true }).some((e) =>
      e.isDirectory() ? (e.name === id ? existsSync(join(d, e.name, 'report.html')) : depth < 2 && walk(join(d, e.name), depth + 1)) : false,
    );
  return walk(results, 0);
}

for (const c of CASES.filter((x) => wanted.includes(x.name))) await oneCase(c, values.kill === true);
