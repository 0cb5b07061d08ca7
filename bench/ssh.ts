/**
 * node dist/bench/ssh.js (npm run bench:ssh): what does running one command on every host of a
 * real-sites testbed cost over OpenSSH? Hosts are the ssh-sites fixture (fixtures/ssh-sites.ts:
 * one real sshd per lab node, one site of N hosts), reached from this machine's root namespace.
 * Per N and fan-out (hosts worked on at once):
 *   first connection  `true` on all N hosts, a new connection each (ControlMaster=no, ControlPath=none)
 *   session open      infra/ssh SshSession.open: every host key checked (ssh-keyscan), then one master per host
 *                     (both shown; split at the session's 'ssh connect' progress stage)
 *   multiplexed       SshSession.runAll(`true`) through the open masters (median of 3 rounds)
 *   local baseline    the same fan-out of a local `true` through the same runner (spawn cost here)
 * and the fixture's own up and down time. Options: --sizes 10,50  --fanouts 8,16  --rounds 3
 * The fixture is always torn down (finally, and on SIGINT/SIGTERM).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mapLimit } from '../infra/concurrency.js';
import { silentProgress, type Progress } from '../infra/progress.js';
import { run } from '../infra/exec.js';
import { sshConfigText, type SshTarget } from '../infra/ssh/config.js';
import { SshSession } from '../infra/ssh/session.js';
import { upSshSites, type SshSites } from '../fixtures/ssh-sites.js';

const { values } = parseArgs({ options: { sizes: { type: 'string' }, fanouts: { type: 'string' }, rounds: { type: 'string' } } });
const sizes = (values.sizes ?? '10,50').split(',').map(Number);
const fanouts = (values.fanouts ?? '8,16').split(',').map(Number);
const rounds = Math.max(1, Number(values.rounds ?? 3));
if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) throw new Error('--sizes: hosts per fixture from 1 to 64 (one lab site)');

const stateDir = mkdtempSync(join(tmpdir(), 'icbs-'));
let fixture: SshSites | null = null;
let stopping = false;
const onSignal = (sig: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  console.error(`\n${sig}: tearing the fixture down`);
  void (fixture?.down() ?? Promise.resolve())
    .catch((e) => console.error(String(e)))
    .finally(() => {
      rmSync(stateDir, { recursive: true, force: true });
      process.exit(130);
    });
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const ms = (x: number) => x.toFixed(0);

interface Row {
  n: number;
  fanout: number;
  firstMs: number;
  firstPerHostMs: number;
  openMs: number;
  keysMs: number;
  muxMs: number;
  muxPerHostMs: number;
  localMs: number;
}
const rows: Row[] = [];
const lifecycle: { n: number; upMs: number; downMs: number }[] = [];

async function measure(f: SshSites, n: number): Promise<void> {
  const targets: SshTarget[] = f.hosts.map((h) => ({ name: h.name, host: h.address, user: 'root', port: 22, identityFile: f.identityFile, jump: null }));
  for (const fanout of fanouts) {
    if (stopping) return;
    // Baseline: the same fan-out of local `true` through the same runner (process start-up on this machine).
    const tl = performance.now();
    await mapLimit(targets, fanout, () => run(['true'], { timeoutMs: 30_000 }));
    const localMs = performance.now() - tl;
    // First connections: the session's own ssh_config, with connection sharing turned off.
    const plainDir = mkdtempSync(join(stateDir, 'p'));
    const cfg = join(plainDir, 'config');
    writeFileSync(cfg, sshConfigText(targets, { knownHostsFile: f.knownHostsFile, controlDir: plainDir }), { mode: 0o600 });
    const per: number[] = [];
    const t0 = performance.now();
    await mapLimit(targets, fanout, async (t) => {
      const r = await run(['ssh', '-F', cfg, '-o', 'ControlMaster=no', '-o', 'ControlPath=none', t.name, '--', 'true'], { timeoutMs: 30_000 });
      if (!r.ok) throw new Error(`ssh ${t.name}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
      per.push(r.durationMs);
    });
    const firstMs = performance.now() - t0;
    rmSync(plainDir, { recursive: true, force: true });

    // Multiplexed: SshSession (host keys, masters), then rounds of `true` through the masters.
    const t1 = performance.now();
    let keysDoneAt = 0; // when the host-key check ended and the masters began (the session's 'ssh connect' stage)
    const progress: Progress = { ...silentProgress, stage: (name) => void (name === 'ssh connect' && (keysDoneAt = performance.now())) };
    const s = await SshSession.open(`bench-${f.id}-${fanout}`, targets, {
      knownHostsFile: f.knownHostsFile,
      parallel: fanout,
      dir: join(stateDir, `s${fanout}`),
      progress,
    });
    const openMs = performance.now() - t1;
    const keysMs = keysDoneAt ? keysDoneAt - t1 : Number.NaN;
    const muxRounds: number[] = [];
    const muxPer: number[] = [];
    try {
      for (let i = 0; i < rounds && !stopping; i++) {
        const t2 = performance.now();
        await s.runAll(async (t, exec) => {
          const r = await run(exec.wrap(['true']), { timeoutMs: 30_000 });
          if (!r.ok) throw new Error(`ssh ${t.name} (multiplexed): ${r.stderr.trim() || `exit ${r.exitCode}`}`);
          muxPer.push(r.durationMs);
        });
        muxRounds.push(performance.now() - t2);
      }
    } finally {
      await s.close();
    }
    const row: Row = {
      n,
      fanout,
      firstMs,
      firstPerHostMs: per.reduce((a, b) => a + b, 0) / per.length,
      openMs,
      keysMs,
      muxMs: median(muxRounds),
      muxPerHostMs: muxPer.reduce((a, b) => a + b, 0) / muxPer.length,
      localMs,
    };
    rows.push(row);
    console.log(
      `  N=${n} fan-out ${fanout}: first ${ms(row.firstMs)} ms (${ms(row.firstPerHostMs)}/host), open ${ms(row.openMs)} ms (host keys ${ms(row.keysMs)}), multiplexed ${ms(row.muxMs)} ms (${ms(row.muxPerHostMs)}/host), local \`true\` ${ms(row.localMs)} ms`,
    );
  }
}

const load0 = loadavg()[0];
try {
  for (const n of sizes) {
    if (stopping) break;
    console.log(`fixture: 1 site x ${n} hosts ...`);
    fixture = await upSshSites({ sites: [{ name: 'A', hosts: n }], wanRtt: '0ms', stateDir });
    const f = fixture;
    console.log(`  up in ${ms(f.upMs)} ms (fixture ${f.id}, lab run ${f.runId})`);
    let downMs = 0;
    try {
      await measure(f, n);
    } finally {
      const t = performance.now();
      await f.down();
      downMs = performance.now() - t;
      fixture = null;
    }
    lifecycle.push({ n, upMs: f.upMs, downMs });
  }
} finally {
  if (fixture) await fixture.down().catch((e) => console.error(String(e)));
  rmSync(stateDir, { recursive: true, force: true });
}

if (rows.length) {
  const head = [
    'hosts',
    'fan-out',
    'first conn: all (ms)',
    'per host (ms)',
    'SshSession.open (ms)',
    'of which host keys (ms)',
    `multiplexed: all (ms, median of ${rounds})`,
    'per cmd (ms)',
    'speed-up',
    'local `true`, same fan-out (ms)',
  ];
  const body = rows.map((r) =>
    [
      r.n,
      r.fanout,
      ms(r.firstMs),
      ms(r.firstPerHostMs),
      ms(r.openMs),
      ms(r.keysMs),
      ms(r.muxMs),
      ms(r.muxPerHostMs),
      `${(r.firstMs / r.muxMs).toFixed(1)}x`,
      ms(r.localMs),
    ].map(String),
  );
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ')} |`;
  console.log(
    `\nOne command (\`true\`) on every host over OpenSSH (fixture hosts on the lab's LAN; load average ${load0.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end, on ${availableParallelism()} cores):\n`,
  );
  console.log(line(head));
  console.log(`|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`);
  for (const b of body) console.log(line(b));
  console.log('\nFixture life cycle:\n');
  console.log('| hosts | up (ms) | down (ms) |');
  console.log('|-------|---------|-----------|');
  for (const l of lifecycle) console.log(`| ${String(l.n).padEnd(5)} | ${ms(l.upMs).padStart(7)} | ${ms(l.downMs).padStart(9)} |`);
  const big = rows.filter((r) => r.n === Math.max(...rows.map((x) => x.n)));
  const first = big.reduce((a, b) => (b.firstMs < a.firstMs ? b : a));
  const mux = big.reduce((a, b) => (b.muxMs < a.muxMs ? b : a));
  const open = big.reduce((a, b) => (b.openMs < a.openMs ? b : a));
  console.log(
    `\nSummary: \`true\` on all ${first.n} hosts takes ${ms(first.firstMs)} ms with a new connection each (fan-out ${first.fanout}) and ${ms(mux.muxMs)} ms multiplexed (fan-out ${mux.fanout}), ${(first.firstMs / mux.muxMs).toFixed(1)}x faster, after a one-time SshSession.open of ${ms(open.openMs)} ms (fan-out ${open.fanout}).`,
  );
}
