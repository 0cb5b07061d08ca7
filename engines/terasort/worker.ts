/**
 * The lab Terasort worker, run ON a node by the coordinator (runners/terasort-lab.ts):
 *
 *   node worker.js <teragen|sample|sort|validate> '<json config>'
 *
 * Files live in config.dir (input.dat, output.dat, runs/). One JSON object on stdout when the
 * phase succeeded; otherwise a message on stderr naming the node and phase, and exit status 1
 * (2 when the phase ran past config.timeoutMs).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyFromHex } from './sample.js';
import { sample, teragen, validate } from './node-phases.js';
import { sortPhase } from './sort-phase.js';
import type { PeerAddr } from './shuffle.js';

export const PHASES = ['teragen', 'sample', 'sort', 'validate'] as const;
export type Phase = (typeof PHASES)[number];

export interface WorkerConfig {
  node: string;
  dir: string;
  timeoutMs: number;
  /** teragen: first row (decimal string: rows are 64-bit) and row count. */
  startRow?: string;
  rows?: number;
  /** sample: keys to return at most. */
  samples?: number;
  /** sort */
  self?: number;
  peers?: PeerAddr[];
  splits?: string[];
  budgetBytes?: number;
  connectTimeoutMs?: number;
}

const hwmKiB = (): number | null => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : null;
};

async function sort(c: WorkerConfig): Promise<object> {
  if (c.self === undefined || !c.peers || !c.splits || !c.budgetBytes) throw new Error('sort config needs self, peers, splits and budgetBytes');
  const r = await sortPhase({
    self: c.self,
    peers: c.peers,
    splits: c.splits.map((s, i) => keyFromHex(s, `splits[${i}]`)),
    input: join(c.dir, 'input.dat'),
    output: join(c.dir, 'output.dat'),
    tmpDir: join(c.dir, 'runs'),
    // Many workers on few cores start late and stall their event loops: allow more time with more peers.
    budgetBytes: c.budgetBytes,
    connectDeadline: Date.now() + (c.connectTimeoutMs ?? Math.min(c.timeoutMs, 15_000 + 1_000 * c.peers.length)),
  });
  return { ...r, budgetBytes: c.budgetBytes };
}

const RUN: Record<Phase, (c: WorkerConfig) => object | Promise<object>> = { teragen, sample, sort, validate };

async function main(argv: string[]): Promise<void> {
  const [phase, json] = argv;
  let c: WorkerConfig;
  try {
    if (!PHASES.includes(phase as Phase)) throw new Error(`expected a phase (${PHASES.join(', ')}), got ${JSON.stringify(phase)}`);
    c = JSON.parse(json ?? '');
    if (typeof c.node !== 'string' || typeof c.dir !== 'string' || !(c.timeoutMs > 0)) throw new Error('config needs node, dir and timeoutMs');
  } catch (e) {
    process.stderr.write(`terasort worker: bad arguments: ${(e as Error).message}\n`);
    process.exit(1);
  }
  const where = `terasort worker ${c.node} ${phase}`;
  setTimeout(() => {
    process.stderr.write(`${where}: timed out after ${c.timeoutMs} ms\n`);
    process.exit(2);
  }, c.timeoutMs).unref();
  const t0 = performance.now();
  try {
    mkdirSync(c.dir, { recursive: true });
    const out = await RUN[phase as Phase](c);
    const elapsedMs = performance.now() - t0;
    // Exit only once the line is written: a pipe takes 64 KiB at once, a sample's keys can be more.
    // `worker`: the file that ran (this machine's tree, or the copy shipped to a real host's cache).
    const result = { phase, node: c.node, pid: process.pid, worker: process.argv[1], elapsedMs, peakRssKiB: hwmKiB(), ...out };
    process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(0));
  } catch (e) {
    process.stderr.write(`${where}: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

await main(process.argv.slice(2));
