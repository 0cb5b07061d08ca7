/**
 * --rt-napi: the kernel's NAPI threads of the named devices run SCHED_FIFO one priority below the
 * relay's own threads, so a relay thread that is due preempts a gateway's receive work between
 * polls instead of waiting behind it (infra/wanem/NOTES.md, "Threads and timing"). Checked on a
 * real threaded veth in a scratch namespace: the kernel's own view of the thread's policy.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wanemBinary } from '../../../infra/paths.js';

const id = randomBytes(3).toString('hex');
const NS = `icbt-napi${id}`;
const DEV = `icbn${id}`; // unique, so no other device's NAPI thread matches it
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ns = (...cmd: string[]) => execFileSync('ip', ['netns', 'exec', NS, ...cmd], { stdio: 'pipe', timeout: 20_000 });

/** pid of the kernel thread napi/DEV-<id>, or undefined. */
function napiThread(dev: string): number | undefined {
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/comm`, 'utf8').startsWith(`napi/${dev}-`)) return Number(p);
    } catch {
      // the task went away while listed
    }
  }
  return undefined;
}

/** The policy and priority the kernel reports for a task: `chrt -p` prints both. */
const policyOf = (pid: number) => spawnSync('chrt', ['-p', String(pid)], { encoding: 'utf8' }).stdout;

test('the NAPI threads of --rt-napi devices run SCHED_FIFO one below --rt-prio', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'icb-wanem-napi-'));
  execFileSync('ip', ['netns', 'add', NS]);
  try {
    ns('ip', 'link', 'add', DEV, 'type', 'veth', 'peer', 'name', `p${DEV}`);
    ns('ip', 'link', 'set', 'lo', 'up');
    ns('ip', 'link', 'set', DEV, 'up');
    ns('ip', 'link', 'set', `p${DEV}`, 'up');
    ns('ethtool', '-K', DEV, 'gro', 'on');
    ns('sh', '-c', `echo 1 > /sys/class/net/${DEV}/threaded`);
    const napi = napiThread(DEV);
    assert.ok(napi, `the kernel made no napi/${DEV}-* thread`);
    assert.match(policyOf(napi!), /SCHED_OTHER/);
    const stats = join(dir, 'stats.json');
    const args = ['--a-bind', '127.0.0.1:47901', '--a-peer', '127.0.0.1:47902', '--b-bind', '127.0.0.1:47903', '--b-peer', '127.0.0.1:47904'];
    const w = spawn('ip', ['netns', 'exec', NS, wanemBinary(), ...args, '--rt-prio', '12', '--rt-napi', DEV, '--stats', stats, '--stats-interval-ms', '50'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    w.stderr.on('data', (d) => (err += d));
    try {
      for (let i = 0; i < 100 && !existsSync(stats); i++) await sleep(20);
      assert.ok(existsSync(stats), `wanem wrote no stats: ${err}`);
      const s = JSON.parse(readFileSync(stats, 'utf8'));
      assert.is(s.config.rt_napi_threads, 1, 'one thread matched the device');
      const napiPolicy = policyOf(napi!);
      assert.match(napiPolicy, /SCHED_FIFO/);
      assert.match(napiPolicy, /priority: 11\b/);
      // The relay's workers (its other threads) at the priority asked for.
      const tids = readdirSync(`/proc/${s.pid}/task`).map(Number);
      const worker = tids.map((t) => spawnSync('chrt', ['-p', String(t)], { encoding: 'utf8' }).stdout).filter((o) => /SCHED_FIFO/.test(o));
      assert.is(worker.length, 2, 'two SCHED_FIFO relay threads (one per direction)');
      for (const o of worker) assert.match(o, /priority: 12\b/);
    } finally {
      w.kill('SIGTERM');
      await new Promise((r) => w.once('exit', r));
    }
  } finally {
    spawnSync('ip', ['netns', 'del', NS]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
