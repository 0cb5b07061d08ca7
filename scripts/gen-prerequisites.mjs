#!/usr/bin/env node
// Rewrites the host prerequisites table in docs/real-sites.md from infra/host-prerequisites.ts
// (after `npm run build`); --check says whether it is stale (exit 1) without writing.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const doc = join(root, 'docs/real-sites.md');
const BEGIN = '<!-- prerequisites:begin (generated from infra/host-prerequisites.ts: node scripts/gen-prerequisites.mjs) -->';
const END = '<!-- prerequisites:end -->';
const { prerequisitesTable } = await import(pathToFileURL(join(root, 'dist/infra/host-prerequisites.js')).href);

const text = readFileSync(doc, 'utf8');
const a = text.indexOf(BEGIN);
const b = text.indexOf(END);
if (a < 0 || b < a) {
  console.error(`${doc}: no ${BEGIN} ... ${END} block`);
  process.exit(2);
}
const want = `${text.slice(0, a + BEGIN.length)}\n${prerequisitesTable()}\n${text.slice(b)}`;
if (process.argv.includes('--check')) {
  if (want !== text) {
    console.error('docs/real-sites.md: the host prerequisites table is stale (run: npm run build && node scripts/gen-prerequisites.mjs)');
    process.exit(1);
  }
  console.log('docs/real-sites.md: host prerequisites up to date');
} else if (want !== text) {
  writeFileSync(doc, want);
  console.log('docs/real-sites.md: host prerequisites rewritten');
} else console.log('docs/real-sites.md: host prerequisites up to date');
