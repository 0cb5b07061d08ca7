/**
 * Input files an attacker might hand the harness (an inventory, a schedule): a YAML billion-laughs
 * and a merge-key bomb are refused in under a second, a file over 1 MiB or not a regular file is
 * refused before it is read, an over-long ansible_host is refused.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_INPUT_BYTES } from '../../infra/input-file.js';
import { loadInventory, parseInventory } from '../../infra/inventory/load.js';
import { ConfigError } from '../../infra/units.js';
import { loadSchedule, parseSchedule } from '../../session/nightly/schedule.js';

const dir = mkdtempSync(join(tmpdir(), 'icb-inputs-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** 9 levels of 9 aliases each: 9^9 = 387 million strings if expanded. */
function laughs(): string {
  const l = ['x0: &x0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++)
    l.push(
      `x${i}: &x${i} [${Array(9)
        .fill(`*x${i - 1}`)
        .join(', ')}]`,
    );
  return l.join('\n');
}
/** Merge keys that double at every level: 2^30 keys if expanded. */
function mergeBomb(): string {
  const l = ['m0: &m0 {k: 1}'];
  for (let i = 1; i < 30; i++) l.push(`m${i}: &m${i} {a: {<<: *m${i - 1}}, b: {<<: *m${i - 1}}}`);
  return l.join('\n');
}

const refusedFast = (f: () => unknown, what: string) => {
  const t0 = Date.now();
  assert.throws(f, (e: Error) => e instanceof ConfigError || /alias/i.test(e.message), `${what}: refused`);
  const ms = Date.now() - t0;
  assert.ok(ms < 1000, `${what}: refused in ${ms} ms (limit 1000)`);
};

for (const [name, body] of [
  ['billion laughs', laughs()],
  ['merge-key bomb', mergeBomb()],
] as const) {
  test(`${name}: an inventory and a schedule are refused in under a second`, () => {
    refusedFast(() => parseInventory(`${body}\nall: {children: {}}\n`, 'inv.yaml', { checkFiles: false }), `inventory ${name}`);
    refusedFast(() => parseSchedule(`${body}\nentries: []\n`, 'sched.yaml', dir), `schedule ${name}`);
  });
}

test('a file over 1 MiB, or not a regular file, is refused before it is read', () => {
  const big = join(dir, 'big.yaml');
  writeFileSync(big, `# ${'x'.repeat(MAX_INPUT_BYTES)}\nall: {}\n`);
  assert.throws(() => loadInventory(big, { checkFiles: false }), /more than the 1048576 an input file may have/);
  assert.throws(() => loadSchedule(big), /more than the 1048576 an input file may have/);
  assert.throws(() => loadInventory('/dev/zero', { checkFiles: false }), /not a regular file/);
  assert.throws(() => loadSchedule(dir), /not a regular file|EISDIR/);
});

test('an ansible_host longer than a DNS name can be is refused', () => {
  const long = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(20)}.example`;
  assert.ok(long.length > 253);
  const inv = (host: string) =>
    `all:\n  vars:\n    icbench_l2vpn: provided\n  children:\n    A:\n      hosts:\n        h1:\n          ansible_host: ${host}\n          icbench_data_address: 10.0.0.5\n`;
  const opts = { checkFiles: false, home: '/home/op', defaultUser: 'op' };
  assert.is(parseInventory(inv('bench1.example.org'), 'inv.yaml', opts).sites[0].hosts[0].ssh.host, 'bench1.example.org');
  assert.throws(() => parseInventory(inv(long), 'inv.yaml', opts), /ansible_host.*a host name or an IPv4 address/s);
});

test.run();
