/**
 * The shipped cache's host scripts (infra/remote/ship.ts), run here for real with `sh` in a
 * temporary cache root (a real host's is /var/cache/icbench-remote): a tar stream in, checked
 * against its MANIFEST, renamed into place (0700/0600), found intact next time, found damaged when a
 * file changed, the staging prefix journaled first, a second copy of the same key harmless, and
 * purged. The run's teardown script removes a killed run's staging dirs and leaves the cache.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Bundle, makeBundle } from '../../../infra/bundle.js';
import { journalPath, REMOTE_CACHE_DIR, REMOTE_STATE_DIR, remoteCleanScript, runTag } from '../../../infra/remote/plan.js';
import { cacheCheckScript, cacheDirOf, cachePurgeScript, cacheReceiveScript, stagingPrefix } from '../../../infra/remote/ship.js';

const tmp = mkdtempSync(join(tmpdir(), 'icb-ship-'));
const root = join(tmp, 'cache');
const state = join(tmp, 'state');
const journal = join(state, 'r.journal');
test.after(() => rmSync(tmp, { recursive: true, force: true }));

const bundle = makeBundle('demo', [
  { path: 'engines/w.js', data: Buffer.from('console.log("w")\n') },
  { path: 'package.json', data: Buffer.from('{"type":"module"}\n') },
]);

/** The bundle as the controller sends it: a tar of its files (no MANIFEST). */
function tarOf(b: Bundle): Buffer {
  const src = join(tmp, `src-${b.sha256.slice(0, 8)}`);
  for (const f of b.files) {
    mkdirSync(dirname(join(src, f.path)), { recursive: true });
    writeFileSync(join(src, f.path), f.data);
  }
  return execFileSync('tar', ['-C', src, '-cf', '-', ...b.files.map((f) => f.path)]);
}
const check = (b = bundle) => execFileSync('sh', ['-s'], { input: cacheCheckScript(b, root), encoding: 'utf8' }).trim();
const receive = (data: Buffer, b = bundle) =>
  spawnSync('sh', ['-c', cacheReceiveScript(b, 'i0abcde', journal, state, root)], { input: data, encoding: 'utf8' });

test('a miss, then the files stored under their key (private), the staging prefix journaled first, then a hit', () => {
  assert.is(check(), 'cache=miss');
  const r = receive(tarOf(bundle));
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.trim(), 'cache=stored');
  const dir = cacheDirOf(bundle, root);
  assert.is(readFileSync(join(dir, 'MANIFEST'), 'utf8'), bundle.manifest);
  assert.is(readFileSync(join(dir, 'engines/w.js'), 'utf8'), 'console.log("w")\n');
  assert.is(statSync(root).mode & 0o777, 0o700);
  assert.is(statSync(dir).mode & 0o077, 0, 'nobody but root reads the cache');
  assert.is(statSync(join(dir, 'engines/w.js')).mode & 0o077, 0);
  assert.equal(
    readdirSync(root).filter((f) => f.startsWith('.')),
    [],
    'no staging dir left',
  );
  assert.equal(JSON.parse(readFileSync(journal, 'utf8').trim()), { kind: 'cache-staging', prefix: stagingPrefix(bundle, 'i0abcde', root) });
  assert.is(check(), 'cache=hit');
  // The same key again (another run racing): still stored, one copy.
  assert.is(receive(tarOf(bundle)).stdout.trim(), 'cache=stored');
  assert.equal(
    readdirSync(root).filter((f) => f !== bundle.sha256),
    [],
  );
});

test('a file changed in the cache is a miss (it is shipped again); files that do not match their MANIFEST are refused', () => {
  const dir = cacheDirOf(bundle, root);
  writeFileSync(join(dir, 'engines/w.js'), 'tampered\n');
  assert.is(check(), 'cache=miss');
  const other = makeBundle('demo', [{ path: 'engines/w.js', data: Buffer.from('something else\n') }]);
  const bad = receive(tarOf(bundle), other);
  assert.is(bad.status, 3);
  assert.match(bad.stderr, 'do not match their MANIFEST');
  assert.not.ok(existsSync(cacheDirOf(other, root)));
  assert.equal(
    readdirSync(root).filter((f) => f.startsWith('.')),
    [],
    'the refused staging dir is removed',
  );
});

test('purge removes the keys given and the root once empty; keys are checked', () => {
  const out = execFileSync('sh', ['-s'], { input: cachePurgeScript([bundle.sha256], root), encoding: 'utf8' });
  assert.match(out, `purged=${bundle.sha256}`);
  assert.not.ok(existsSync(root));
  assert.throws(() => cachePurgeScript(['../../etc']), /bad key/);
});

test("the run's teardown script removes its staging dirs (a kill -9 mid-copy) and leaves the cache", () => {
  const runId = '20261206-215900-abcd';
  const script = remoteCleanScript(runId);
  assert.match(script, '"kind":"cache-staging"');
  // Run it with its host paths moved under the temp dir.
  const hostState = join(tmp, 'host-run');
  const hostCache = join(tmp, 'host-cache');
  const moved = script
    .replaceAll(REMOTE_STATE_DIR, hostState)
    .replaceAll(REMOTE_CACHE_DIR, hostCache)
    .replaceAll('/var/lib/icbench-remote', join(tmp, 'host-lib'));
  mkdirSync(hostState, { recursive: true });
  const prefix = stagingPrefix(bundle, runTag(runId), hostCache);
  const other = stagingPrefix(bundle, 'i999999', hostCache);
  for (const d of [`${prefix}AbC123`, `${other}XyZ789`, join(hostCache, bundle.sha256)]) mkdirSync(d, { recursive: true });
  writeFileSync(journalPath(runId).replace(REMOTE_STATE_DIR, hostState), `${JSON.stringify({ kind: 'cache-staging', prefix })}\n`);
  const r = spawnSync('sh', ['-s'], { input: moved, encoding: 'utf8' });
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.not.ok(existsSync(`${prefix}AbC123`), "the run's staging dir is gone");
  assert.ok(existsSync(`${other}XyZ789`), "another run's is not touched");
  assert.ok(existsSync(join(hostCache, bundle.sha256)), 'the cache stays');
});

test.run();
