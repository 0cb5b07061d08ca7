/**
 * The data flow runs one way (DESIGN.md): a lower stage never imports a higher one. This test
 * reads every .ts file under the source folders, finds its imports (static, type-only, re-exports,
 * dynamic import() and import types, via TypeScript's own pre-processor) and fails naming
 * file:line and the rule broken for each import that runs backwards.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

type Stage = 'measurements' | 'infra' | 'engines' | 'collectors' | 'runners' | 'reports' | 'benchmarks' | 'session' | 'cli' | 'bench' | 'index';
const ALL: Stage[] = ['measurements', 'infra', 'engines', 'collectors', 'runners', 'reports', 'benchmarks', 'session', 'cli', 'bench', 'index'];

/** What each stage may import (always including itself), lowest stage first. */
const RULES: Record<Stage, { stages: Stage[]; files?: string[]; prefixes?: string[]; why: string }> = {
  measurements: { stages: ['measurements'], why: 'measurements (the results contract) imports nothing of ours' },
  infra: { stages: ['infra'], why: 'infra imports only infra' },
  engines: { stages: ['engines', 'infra'], why: 'engines may import engines and infra' },
  collectors: { stages: ['collectors', 'measurements'], why: 'collectors (pure parsers) may import collectors and measurements only' },
  runners: {
    stages: ['runners', 'collectors', 'engines', 'infra', 'measurements'],
    why: 'runners may import runners, collectors, engines, infra, measurements',
  },
  reports: { stages: ['reports', 'measurements'], files: ['infra/units.ts'], why: 'reports may import reports, measurements and infra/units.ts only' },
  benchmarks: {
    stages: ['benchmarks', 'runners', 'reports', 'collectors', 'engines', 'infra', 'measurements'],
    why: 'benchmarks (one module per benchmark: runner + plan + report sections) may import runners, reports and below, not session',
  },
  session: {
    stages: ['session', 'benchmarks', 'runners', 'reports', 'collectors', 'engines', 'infra', 'measurements'],
    why: 'session may import the stages below it (benchmarks, runners, reports, collectors, engines, infra, measurements), not cli, bench or index.ts',
  },
  cli: { stages: ALL, why: 'cli may import anything' },
  // Benchmarks may reuse the test fixtures (e.g. the SSH-sites fixture of bench:ssh).
  bench: { stages: ALL, why: 'bench may import anything (and test/helpers)', prefixes: ['test/helpers/'] },
  index: { stages: ALL, why: 'index.ts may import anything' },
};

const SOURCE_DIRS: Stage[] = ALL.filter((s) => s !== 'index');
const PACKAGE = 'intercloud-bench';

interface SourceFile {
  /** Repository-relative path with forward slashes, e.g. 'infra/lab/lab.ts'. */
  path: string;
  text: string;
}
interface Violation {
  file: string;
  line: number;
  spec: string;
  rule: string;
}

/** The stage of a repository-relative file path, or null when it is in none (test/, scenarios/, ...). */
function stageOf(path: string): Stage | null {
  if (path === 'index.ts' || path === 'index.js') return 'index';
  const top = path.split('/')[0] as Stage;
  return SOURCE_DIRS.includes(top) && path.includes('/') ? top : null;
}

/** The repository-relative .ts path an import specifier names, or null for a package outside this one. */
function targetOf(from: string, spec: string): string | null {
  let rel: string;
  if (spec === PACKAGE) rel = 'index.ts';
  else if (spec.startsWith(`${PACKAGE}/internals/`)) rel = `${spec.slice(`${PACKAGE}/internals/`.length)}.ts`;
  else if (spec.startsWith('.')) rel = posix.normalize(posix.join(posix.dirname(from), spec));
  else return null; // node:*, zx, vega, ...
  return rel.replace(/\.(m?js)$/, '.ts');
}

function checkLayers(files: SourceFile[]): Violation[] {
  const out: Violation[] = [];
  for (const f of files) {
    const stage = stageOf(f.path);
    if (!stage) continue;
    const rule = RULES[stage];
    const info = ts.preProcessFile(f.text, true, true);
    for (const imp of info.importedFiles) {
      const target = targetOf(f.path, imp.fileName);
      if (target === null) continue;
      const to = stageOf(target);
      const ok = (to !== null && (rule.stages.includes(to) || (rule.files ?? []).includes(target))) || (rule.prefixes ?? []).some((p) => target.startsWith(p));
      if (ok) continue;
      const line = f.text.slice(0, imp.pos).split('\n').length;
      out.push({
        file: f.path,
        line,
        spec: imp.fileName,
        rule: `${rule.why}; '${imp.fileName}' is ${to ? `in ${to}` : `outside the source folders (${target})`}`,
      });
    }
  }
  return out;
}

function formatViolation(v: Violation): string {
  return `${v.file}:${v.line}: ${v.rule}`;
}

function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`package.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}

function sourceFiles(root: string): SourceFile[] {
  const files: SourceFile[] = [{ path: 'index.ts', text: readFileSync(join(root, 'index.ts'), 'utf8') }];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const p = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) files.push({ path: p, text: readFileSync(join(root, p), 'utf8') });
    }
  };
  for (const d of SOURCE_DIRS) if (existsSync(join(root, d))) walk(d);
  return files;
}

test('no import runs backwards between stages', () => {
  const files = sourceFiles(projectRoot());
  assert.ok(files.length > 50, `read the source tree (${files.length} files)`);
  const bad = checkLayers(files);
  assert.ok(bad.length === 0, `imports against the stage order:\n  ${bad.map(formatViolation).join('\n  ')}`);
});

test('the checker reports a backwards import (synthetic files)', () => {
  const bad = checkLayers([
    { path: 'infra/x.ts', text: "import { a } from './a.js';\n\nimport { y } from '../runners/y.js';\n" },
    { path: 'collectors/p.ts', text: "import type { Node } from '../infra/config.js';\nexport { m } from '../measurements/m.js';\n" },
    { path: 'reports/r.ts', text: "import { ConfigError } from '../infra/units.js';\nconst t = await import('../infra/lab/lab.js');\n" },
    { path: 'measurements/m.ts', text: "type S = import('../session/session.js').Session;\n" },
    { path: 'session/s.ts', text: "import { main } from 'intercloud-bench';\nimport { x } from '../runners/x.js';\nimport { $ } from 'zx';\n" },
    { path: 'cli/c.ts', text: "import { withTestbed } from '../session/session.js';\nimport { q } from '../index.js';\n" },
    { path: 'test/t.ts', text: "import { q } from '../session/session.js';\n" },
  ]);
  assert.equal(
    bad.map((v) => `${v.file}:${v.line} ${v.spec}`),
    [
      'infra/x.ts:3 ../runners/y.js',
      'collectors/p.ts:1 ../infra/config.js',
      'reports/r.ts:2 ../infra/lab/lab.js',
      'measurements/m.ts:1 ../session/session.js',
      'session/s.ts:1 intercloud-bench',
    ],
  );
  assert.match(formatViolation(bad[0]), /^infra\/x\.ts:3: infra imports only infra; '\.\.\/runners\/y\.js' is in runners$/);
});

test.run();
