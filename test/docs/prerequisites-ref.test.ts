/**
 * docs/real-sites.md's host prerequisites table is generated from infra/host-prerequisites.ts
 * (scripts/gen-prerequisites.mjs): docs and code cannot drift.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prerequisitesOf, HOST_FEATURES } from '../../infra/host-prerequisites.js';
import { projectRoot } from './md-links.js';

const root = projectRoot();

test('docs/real-sites.md lists the host prerequisites the preflight checks (gen-prerequisites --check)', () => {
  const r = spawnSync(process.execPath, [join(root, 'scripts/gen-prerequisites.mjs'), '--check'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) assert.unreachable(`${r.stderr.trim() || r.stdout.trim()} (exit ${r.status ?? r.signal})`);
  const doc = readFileSync(join(root, 'docs/real-sites.md'), 'utf8');
  for (const p of prerequisitesOf(HOST_FEATURES)) assert.ok(doc.includes(`\`${p.package}\``), p.package);
});

test.run();
