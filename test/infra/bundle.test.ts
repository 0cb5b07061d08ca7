/**
 * Bundles (infra/bundle.ts): the MANIFEST and its key, the ES module closure, and the lab Terasort
 * worker's bundle running from a copy outside this tree (as it runs from a real host's cache).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { esmClosure, makeBundle, treeBundle } from '../../infra/bundle.js';
import { WORKER_IN_BUNDLE, workerBundle, workerPath } from '../../runners/terasort-lab.js';

const tmp = mkdtempSync(join(tmpdir(), 'icb-bundle-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('the key is the sha256 of the MANIFEST (sha256sum format, sorted by path), whatever the order given', () => {
  const a = { path: 'b/x.js', data: Buffer.from('x') };
  const b = { path: 'a.js', data: Buffer.from('a') };
  const one = makeBundle('demo', [a, b]);
  const two = makeBundle('demo', [b, a]);
  assert.is(one.sha256, two.sha256);
  assert.is(one.manifest, `${createHash('sha256').update('a').digest('hex')}  a.js\n${createHash('sha256').update('x').digest('hex')}  b/x.js\n`);
  assert.is(one.sha256, createHash('sha256').update(one.manifest).digest('hex'));
  assert.is(one.bytes, 2);
  assert.is.not(makeBundle('demo', [a, { path: 'a.js', data: Buffer.from('A') }]).sha256, one.sha256, 'content changes the key');
  for (const bad of ['../x', '/etc/passwd', 'a/../b', 'MANIFEST', 'a b', ''])
    assert.throws(() => makeBundle('demo', [{ path: bad, data: Buffer.from('') }]), /bad file path/, bad);
  assert.throws(() => makeBundle('demo', [a, a]), /twice/);
  assert.throws(() => makeBundle('Bad Name', [a]), /bad name/);
});

test('a tree bundle: every file with its executable bit, a link inside the tree as a copy, a link out of it refused', () => {
  const root = join(tmp, 'tree');
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'share/lib'), { recursive: true });
  writeFileSync(join(root, 'bin/hadoop'), '#!/bin/sh\necho "$(basename "$0")"\n');
  chmodSync(join(root, 'bin/hadoop'), 0o755);
  symlinkSync('hadoop', join(root, 'bin/hdfs'));
  writeFileSync(join(root, 'share/lib/a.jar'), 'jar');
  const b = treeBundle('hadoop', root);
  assert.equal(
    b.files.map((f) => [f.path, f.executable, f.data.toString()]),
    [
      ['bin/hadoop', true, '#!/bin/sh\necho "$(basename "$0")"\n'],
      ['bin/hdfs', true, '#!/bin/sh\necho "$(basename "$0")"\n'],
      ['share/lib/a.jar', false, 'jar'],
    ],
  );
  assert.is(b.bytes, 2 * 34 + 3);
  symlinkSync('/etc/hostname', join(root, 'share/out'));
  assert.throws(() => treeBundle('hadoop', root), /share\/out links outside/);
  rmSync(join(root, 'share/out'));
  assert.throws(() => treeBundle('hadoop', join(tmp, 'no-such-dir')), /ENOENT/);
});

test('the closure follows relative imports and refuses a package import (it would not be on the host)', () => {
  const root = join(tmp, 'closure');
  const put = (p: string, text: string) => {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  };
  put('e/main.js', "import { a } from './a.js';\nimport { readFileSync } from 'node:fs';\nexport * from '../lib/b.js';\n");
  put('e/a.js', "export const a = await import('./c.js');\n");
  put('e/c.js', 'export const c = 1;\n');
  put('lib/b.js', "export { a } from '../e/a.js';\n");
  assert.equal(esmClosure(root, join(root, 'e/main.js')), ['e/a.js', 'e/c.js', 'e/main.js', 'lib/b.js']);
  put('e/bad.js', "import YAML from 'yaml';\n");
  assert.throws(() => esmClosure(root, join(root, 'e/bad.js')), /imports yaml, which is not shipped/);
});

test('the Terasort worker bundle: the worker and its modules only; it runs from a copy elsewhere and says so', () => {
  const b = workerBundle();
  const paths = b.files.map((f) => f.path);
  assert.ok(paths.includes(WORKER_IN_BUNDLE) && paths.includes('package.json'), paths.join(' '));
  assert.ok(paths.every((p) => p === 'package.json' || p.endsWith('.js')));
  assert.ok(!paths.some((p) => p.startsWith('runners/') || p.startsWith('session/')), 'nothing of the coordinator');
  assert.is(workerBundle().sha256, b.sha256, 'the same tree gives the same key');
  const copy = join(tmp, 'copy');
  for (const f of b.files) {
    mkdirSync(dirname(join(copy, f.path)), { recursive: true });
    writeFileSync(join(copy, f.path), f.data);
  }
  const dir = join(tmp, 'node-dir');
  const out = execFileSync(
    'node',
    [join(copy, WORKER_IN_BUNDLE), 'teragen', JSON.stringify({ node: 'n1', dir, timeoutMs: 30_000, startRow: '0', rows: 1000 })],
    {
      encoding: 'utf8',
    },
  );
  const r = JSON.parse(out);
  assert.is(r.phase, 'teragen');
  assert.is(r.worker, join(copy, WORKER_IN_BUNDLE));
  assert.is.not(r.worker, workerPath());
  assert.is(r.rows, 1000);
});

test.run();
