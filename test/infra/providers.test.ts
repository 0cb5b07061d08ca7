/**
 * The provider seam (infra/testbed.ts, infra/providers.ts): session/ and cli/ reach providers only
 * through the registry; the registry's modules are consistent (one default, disjoint journal kinds,
 * every resource kind owned); a journal entry no provider owns is left, not dropped; and
 * vm-migration uses the testbed's typed migrate capability: it refuses a testbed without one before
 * running anything, and drives one through restart/move (a fake here; the lab's is exercised by
 * test/integration/qemu.test.ts).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import ts from 'typescript';
import type { JournalEntry, JournalKind } from '../../infra/journal.js';
import { chooseProvider, cleanEntries, providerModules } from '../../infra/providers.js';
import { silentProgress } from '../../infra/progress.js';
import type { MigrationStats, Testbed, TestbedNode, VmMigration } from '../../infra/testbed.js';
import { ResultStore } from '../../measurements/store.js';
import type { RunContext } from '../../runners/context.js';
import { runVmMigration } from '../../runners/vm-migration.js';
import { projectRoot } from '../helpers/fixtures.js';

/** Folders of concrete providers (and what only they use). */
const CONCRETE = [
  'infra/lab/',
  'infra/cloud/',
  'infra/remote/',
  'infra/qemu/',
  'infra/virt/',
  'infra/xen/',
  'infra/rumprun/',
  'infra/ssh/',
  'infra/inventory/',
];

function importsOf(dir: string): { file: string; target: string }[] {
  const root = projectRoot();
  const out: { file: string; target: string }[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const p = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) {
        for (const imp of ts.preProcessFile(readFileSync(join(root, p), 'utf8'), true, true).importedFiles)
          if (imp.fileName.startsWith('.')) out.push({ file: p, target: posix.normalize(posix.join(posix.dirname(p), imp.fileName)) });
      }
    }
  };
  walk(dir);
  return out;
}

test('session/ and cli/ import no concrete provider (only the registry, infra/providers.ts)', () => {
  const bad = [...importsOf('session'), ...importsOf('cli')].filter((i) => CONCRETE.some((c) => i.target.startsWith(c)));
  assert.equal(
    bad.map((b) => `${b.file} -> ${b.target}`),
    [],
  );
});

test('runners/ do not import the lab (capabilities come through the Testbed)', () => {
  const bad = importsOf('runners').filter((i) => i.target.startsWith('infra/lab/'));
  assert.equal(
    bad.map((b) => `${b.file} -> ${b.target}`),
    [],
  );
});

test('registry: unique names, one default testbed, disjoint journal kinds, every resource kind owned', async () => {
  const ms = await providerModules();
  const names = ms.map((m) => m.name);
  assert.is(new Set(names).size, names.length, `unique names: ${names.join(', ')}`);
  assert.ok(names.indexOf('ssh') >= 0 && names.indexOf('ssh') < names.indexOf('lab'), 'ssh cleans before the lab (its hosts may be lab processes)');
  assert.is(ms.filter((m) => m.chosenFor === 'no-inventory').length, 1);
  const owners = new Map<string, string[]>();
  for (const m of ms) for (const k of m.owns) owners.set(k, [...(owners.get(k) ?? []), m.name]);
  assert.equal(
    [...owners].filter(([, o]) => o.length > 1),
    [],
    'each kind has one owner',
  );
  const resources: JournalKind[] = ['netns', 'lxc', 'docker', 'qemu', 'process', 'remote'];
  assert.equal(
    resources.filter((k) => !owners.has(k)),
    [],
  );
  assert.equal(owners.get('remote'), ['ssh']);
  assert.equal(owners.get('netns'), ['lab']);
});

test('chooseProvider: no inventory -> the lab', async () => {
  const p = await chooseProvider({ wanMode: 'wanem' });
  assert.is(p.name, 'lab');
});

test('cleanEntries: an entry of a kind no provider owns is left (the journal is kept), not dropped', async () => {
  const left = await cleanEntries('20261206-000000-dead', [{ kind: 'demo-vm', id: 'x' } as unknown as JournalEntry, { kind: 'file', path: '/nonexistent' }]);
  assert.equal(left, [{ what: 'journal entries of kind demo-vm (no registered provider owns them)' }]);
});

function fakeRun(dir: string, nodes: TestbedNode[]): RunContext {
  return {
    runId: '20261206-000000-beef',
    scenario: 'vm-migration-unit',
    store: new ResultStore(join(dir, 'results'), '20261206-000000-beef'),
    progress: silentProgress,
    nodes,
    workDir: dir,
    signal: new AbortController().signal,
  };
}

const node = (name: string, site: string, host: string, index: number, virt: string, wrap: (a: string[]) => string[]): TestbedNode => ({
  name,
  site,
  host,
  index,
  virt: virt as TestbedNode['virt'],
  address: `10.0.0.${index + 1}`,
  exec: { where: `fake ${name}`, wrap },
});

const testbed = (nodes: TestbedNode[], migrate?: VmMigration): Testbed => ({
  spec: {} as Testbed['spec'],
  nodes,
  wan: null,
  capabilities: migrate ? { migrate } : {},
  nodeStartMs: {},
  facts: () => ({ testbed: 'ssh', l2vpn: 'vxlan', wanEnforcedBy: 'none', netem: false, timings: {} }),
  interrupt: async () => {},
  down: async () => ({ ms: 0, left: [], errors: [] }),
});

test('vm-migration: a testbed without the migrate capability is refused before any command runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'icb-mig-'));
  const ran: string[] = [];
  const wrap = (a: string[]) => {
    ran.push(a.join(' '));
    return ['true'];
  };
  const nodes = [node('vm', 'A', 'a-h1', 0, 'qemu', wrap), node('peer', 'A', 'a-h2', 1, 'netns', wrap), node('c', 'B', 'b-h1', 2, 'netns', wrap)];
  try {
    const err = await runVmMigration(fakeRun(dir, nodes), testbed(nodes), { vm: 'vm', peer: 'peer', to: 'b-h1', memMiB: [256] }).then(
      () => null,
      (e: Error) => e,
    );
    assert.ok(err, 'rejected');
    assert.match(err!.message, /this testbed \(ssh\) cannot migrate VMs/);
    assert.equal(ran, [], 'no command ran');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('vm-migration: drives testbed.capabilities.migrate (restart at home, there and back per size)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'icb-mig-'));
  // The VM answers every command with "ready" (icb-dirty's start); the peer's ping prints a reply every 20 ms.
  const vmWrap = () => ['echo', 'ready'];
  const pingWrap = () => [
    'sh',
    '-c',
    'i=0; while [ $i -lt 500 ]; do i=$((i+1)); echo "[$(date +%s.%N)] 64 bytes from 10.0.0.1: icmp_seq=$i ttl=64 time=0.1 ms"; sleep 0.02; done',
  ];
  const nodes = [node('vm', 'A', 'a-h1', 0, 'qemu', vmWrap), node('peer', 'A', 'a-h2', 1, 'netns', pingWrap), node('c', 'B', 'b-h1', 2, 'netns', vmWrap)];
  const calls: string[] = [];
  let host = 'a-h1',
    mem = 512;
  const stats: MigrationStats = {
    status: 'completed',
    totalMs: 1200,
    downtimeMs: 40,
    setupMs: 5,
    transferredBytes: 64e6,
    ramTotalBytes: 256 * 2 ** 20,
    dirtySyncCount: 2,
    mbps: 400,
    normalPages: 1000,
    duplicatePages: 100,
    guestOk: true,
  };
  const migrate: VmMigration = {
    hostOf: () => host,
    memMiB: () => mem,
    restart: async (vm, m) => {
      calls.push(`restart ${vm} ${m}`);
      host = 'a-h1';
      mem = m;
      return 1;
    },
    move: async (vm, to, o) => {
      calls.push(`move ${vm} ${host} -> ${to} (${o.tag})`);
      o.onStart?.();
      await new Promise((r) => setTimeout(r, 100));
      host = to;
      return stats;
    },
  };
  try {
    const rows = await runVmMigration(fakeRun(dir, nodes), testbed(nodes, migrate), { vm: 'vm', peer: 'peer', to: 'b-h1', memMiB: [256], repetitions: 2 });
    assert.equal(calls, ['restart vm 256', 'move vm a-h1 -> b-h1 (m1)', 'move vm b-h1 -> a-h1 (m2)']);
    const time = rows.filter((r) => r.metric === 'migration_time');
    assert.equal(
      time.map((r) => [r.src_site, r.dst_site, r.path, r.value]),
      [
        ['A', 'B', 'inter-site', 1.2],
        ['B', 'A', 'inter-site', 1.2],
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
