/**
 * The data flow runs one way (DESIGN.md): a lower stage never imports a higher one, and nothing
 * imports in a circle. This test reads every source file (.ts, .mts, .cts, .mjs, .cjs, .js; not
 * .d.ts) of every top-level folder of the repository, finds its imports (static, type-only,
 * re-exports, dynamic import() and import types, via TypeScript's own pre-processor), and fails:
 *  - naming a top-level folder (or root source file) that has no rule below, so a new folder must
 *    be given one;
 *  - naming file:line and the rule broken for each import that runs backwards;
 *  - listing every import cycle, between files and between folders (infra/lab, infra/qemu,
 *    runners, session, ...).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** A top-level folder with source files, or a source file at the root (by its file name). */
type Stage =
  | 'base'
  | 'measurements'
  | 'infra'
  | 'engines'
  | 'collectors'
  | 'runners'
  | 'reports'
  | 'benchmarks'
  | 'session'
  | 'cli'
  | 'fixtures'
  | 'bench'
  | 'scenarios'
  | 'scripts'
  | 'bin'
  | 'test'
  | 'index.ts';

const BELOW_SESSION: Stage[] = ['benchmarks', 'runners', 'reports', 'collectors', 'engines', 'infra', 'measurements', 'base'];
const SESSION_AND_BELOW: Stage[] = ['session', ...BELOW_SESSION];

interface Rule {
  /** Stages this one may import (it may always import itself). */
  stages: Stage[];
  /** Single files of another stage it may import as well. */
  files?: string[];
  /** Only the public package ('intercloud-bench') and external packages: no relative or internals specifier. */
  packageOnly?: boolean;
  why: string;
}

/** What each stage may import, lowest stage first. Nothing outside test/ imports test/. */
const RULES: Record<Stage, Rule> = {
  base: { stages: [], why: 'base (process identity, locks: what every stage may share) imports nothing of ours' },
  measurements: { stages: ['base'], why: 'measurements (the results contract) imports only base' },
  infra: { stages: ['base'], why: 'infra imports only infra and base' },
  engines: { stages: ['infra', 'base'], why: 'engines may import engines, infra and base' },
  collectors: { stages: ['measurements', 'base'], why: 'collectors (pure parsers) may import collectors, measurements and base only' },
  runners: {
    stages: ['collectors', 'engines', 'infra', 'measurements', 'base'],
    why: 'runners may import runners, collectors, engines, infra, measurements, base',
  },
  reports: { stages: ['measurements', 'base'], files: ['infra/units.ts'], why: 'reports may import reports, measurements, base and infra/units.ts only' },
  benchmarks: {
    stages: ['runners', 'reports', 'collectors', 'engines', 'infra', 'measurements', 'base'],
    why: 'benchmarks (a module per benchmark: runner, plan, report sections) may import runners, reports and below, not session',
  },
  session: {
    stages: BELOW_SESSION,
    why: 'session may import the stages below it (benchmarks, runners, reports, collectors, engines, infra, measurements, base), not cli, bench, index.ts or test',
  },
  cli: { stages: SESSION_AND_BELOW, why: 'cli may import session and the stages below it, not bench, fixtures, index.ts or test' },
  'index.ts': { stages: SESSION_AND_BELOW, why: 'index.ts (the public package) may import session and the stages below it, not cli, bench, fixtures or test' },
  fixtures: {
    stages: SESSION_AND_BELOW,
    why: 'fixtures (shared by test/ and bench/) may import session and the stages below it, not cli, bench, index.ts or test',
  },
  bench: { stages: ['fixtures', 'cli', 'index.ts', ...SESSION_AND_BELOW], why: 'bench may import anything but test/' },
  scenarios: {
    stages: ['index.ts'],
    packageOnly: true,
    why: "a scenario may import only the public package 'intercloud-bench' and external packages (zx, ...), not internals",
  },
  scripts: {
    stages: [],
    packageOnly: true,
    why: 'scripts/ (setup, the Hadoop launcher build, the docs generator) import nothing of ours: they run scenarios and tools as a user would',
  },
  bin: { stages: ['cli'], why: 'bin/ may import only cli (its compiled dist/cli)' },
  test: {
    stages: ['fixtures', 'bench', 'cli', 'index.ts', 'scenarios', 'bin', ...SESSION_AND_BELOW],
    why: 'test may import anything',
  },
};

/** Top-level folders that are not read: generated, installed or written at run time. */
const GENERATED = new Map<string, string>([
  ['node_modules', 'installed packages'],
  ['dist', 'tsc output'],
  ['.git', 'the repository'],
  ['results', 'run results written by the harness'],
]);
/** Top-level folders without source code: read, and any source file found there fails the test. */
const NON_SOURCE = new Map<string, string>([
  ['docs', 'Markdown documentation'],
  ['examples', 'YAML inventories and schedules for users to copy, no code'],
  ['.ci', 'the CI entry point, a bash script'],
]);

const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;
const DECLARATION = /\.d\.(ts|mts|cts)$/;
const PACKAGE = 'intercloud-bench';

interface SourceFile {
  /** Repository-relative path with forward slashes, e.g. 'infra/lab/lab.ts'. */
  path: string;
  text: string;
}
interface Problem {
  file: string;
  line: number;
  spec: string;
  rule: string;
}
interface Import {
  spec: string;
  line: number;
  /** The repository-relative source file it names, or null for a package outside this one. */
  target: string | null;
}

function isStage(s: string): s is Stage {
  return Object.hasOwn(RULES, s);
}

/** The stage of a repository-relative path: its top-level folder, or the file name of a root file. */
function stageName(path: string): string {
  return path.includes('/') ? path.slice(0, path.indexOf('/')) : path;
}

/**
 * The repository-relative source file an import specifier names, or null for a package outside
 * this one. `known` (the files read) picks the real extension; without a match, '.js' is read as
 * '.ts' (and '.mjs' as '.mts', '.cjs' as '.cts'), as tsc's NodeNext output names them. A path into
 * dist/ names the compiled file, so its source.
 */
function targetOf(from: string, spec: string, known?: Set<string>): string | null {
  let rel: string;
  if (spec === PACKAGE) return 'index.ts';
  if (spec.startsWith(`${PACKAGE}/internals/`)) rel = spec.slice(`${PACKAGE}/internals/`.length).replace(/\.js$/, '');
  else if (spec.startsWith('.')) rel = posix.normalize(posix.join(posix.dirname(from), spec));
  else return null; // node:*, zx, vega, intercloud-bench/package.json, ...
  if (rel.startsWith('dist/')) rel = rel.slice('dist/'.length);
  const candidates = [rel, rel.replace(/\.js$/, '.ts'), rel.replace(/\.mjs$/, '.mts'), rel.replace(/\.cjs$/, '.cts'), `${rel}.ts`, `${rel}/index.ts`];
  if (known) for (const c of candidates) if (known.has(c)) return c;
  return SOURCE.test(rel)
    ? rel
        .replace(/\.js$/, '.ts')
        .replace(/\.mjs$/, '.mts')
        .replace(/\.cjs$/, '.cts')
    : `${rel}.ts`;
}

function importsOf(f: SourceFile, known?: Set<string>): Import[] {
  const info = ts.preProcessFile(f.text, true, true);
  return info.importedFiles.map((imp) => ({
    spec: imp.fileName,
    line: f.text.slice(0, imp.pos).split('\n').length,
    target: targetOf(f.path, imp.fileName, known),
  }));
}

/** Every import against the rules, and every source file in a folder that has no rule. */
function checkLayers(files: SourceFile[]): Problem[] {
  const out: Problem[] = [];
  const known = new Set(files.map((f) => f.path));
  for (const f of files) {
    const stage = stageName(f.path);
    if (!isStage(stage)) {
      out.push({
        file: f.path,
        line: 0,
        spec: '',
        rule: `'${stage}' has no layer rule: give it one in test/layers.test.ts (RULES, or NON_SOURCE with a reason)`,
      });
      continue;
    }
    const rule = RULES[stage];
    for (const imp of importsOf(f, known)) {
      if (imp.target === null) continue;
      const to = stageName(imp.target);
      const ours = imp.spec === PACKAGE || !rule.packageOnly;
      const ok = ours && (to === stage || (isStage(to) && rule.stages.includes(to)) || (rule.files ?? []).includes(imp.target));
      if (ok) continue;
      const where = isStage(to) ? `in ${to}` : `outside the source folders (${imp.target})`;
      out.push({ file: f.path, line: imp.line, spec: imp.spec, rule: `${rule.why}; '${imp.spec}' is ${where}` });
    }
  }
  return out;
}

function formatProblem(v: Problem): string {
  return v.line ? `${v.file}:${v.line}: ${v.rule}` : `${v.file}: ${v.rule}`;
}

type Graph = Map<string, Set<string>>;

/** The import graph between the files read (imports of anything else are left out). */
function fileGraph(files: SourceFile[]): Graph {
  const known = new Set(files.map((f) => f.path));
  const g: Graph = new Map();
  for (const f of files) {
    const to = new Set<string>();
    for (const imp of importsOf(f, known)) if (imp.target !== null && known.has(imp.target)) to.add(imp.target);
    g.set(f.path, to);
  }
  return g;
}

/**
 * A file's node in the folder graph: its folder cut to two levels ('infra/lab/x/y.ts' -> 'infra/lab',
 * 'runners/x.ts' -> 'runners'), except a file directly in a top-level folder that has subfolders
 * ('infra/exec.ts', 'infra/config.ts', 'reports/html.ts', 'index.ts'), which is a node of its own:
 * such files are the stage's shared base (exec, units, journal) and its assembly (config, testbed,
 * report), one used by the subfolders, the other using them, and are not one module. A cycle through
 * them is still a file cycle, or a folder cycle when one of them is imported by a subfolder it
 * imports from.
 */
function folderOf(path: string, nested: Set<string>): string {
  const parts = path.split('/').slice(0, -1);
  if (parts.length === 0 || (parts.length === 1 && nested.has(parts[0]))) return path;
  return parts.slice(0, 2).join('/');
}

/** The graph between folders: an edge when any file of one imports a file of the other. */
function folderGraph(files: Graph): Graph {
  const nested = new Set([...files.keys()].filter((p) => p.split('/').length > 2).map((p) => p.split('/')[0]));
  const g: Graph = new Map();
  for (const [from, tos] of files) {
    const a = folderOf(from, nested);
    if (!g.has(a)) g.set(a, new Set());
    for (const to of tos) {
      const b = folderOf(to, nested);
      if (b !== a) g.get(a)!.add(b);
    }
  }
  return g;
}

/** Strongly connected components (Tarjan) with more than one member or a self-import. */
function cyclicComponents(g: Graph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of g.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || g.get(v)?.has(v)) out.push(scc.sort());
    }
  };
  for (const v of [...g.keys()].sort()) if (!index.has(v)) visit(v);
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

/** The shortest path from `from` to `to` inside `within` (BFS), both ends included. */
function shortestPath(g: Graph, from: string, to: string, within: Set<string>): string[] {
  const prev = new Map<string, string>([[from, from]]);
  const queue = [from];
  while (queue.length) {
    const v = queue.shift()!;
    if (v === to) break;
    for (const w of [...(g.get(v) ?? [])].sort()) {
      if (within.has(w) && !prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  const path = [to];
  while (path[0] !== from) path.unshift(prev.get(path[0])!);
  return path;
}

/**
 * Every import cycle, as 'a -> b -> c -> a': for each strongly connected component, cycles are
 * added until each import edge inside it is on one, so breaking every cycle listed breaks them all.
 */
function findCycles(g: Graph): string[] {
  const out: string[] = [];
  for (const scc of cyclicComponents(g)) {
    const within = new Set(scc);
    const covered = new Set<string>();
    for (const a of scc) {
      for (const b of [...(g.get(a) ?? [])].sort()) {
        if (!within.has(b) || covered.has(`${a}\0${b}`)) continue;
        const cycle = a === b ? [a, a] : [a, ...shortestPath(g, b, a, within)];
        for (let i = 0; i + 1 < cycle.length; i++) covered.add(`${cycle[i]}\0${cycle[i + 1]}`);
        out.push(cycle.join(' -> '));
      }
    }
  }
  return out;
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

/** Every source file of the repository but the GENERATED folders, repository-relative paths. */
function sourceFiles(root: string): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!(rel === '' && GENERATED.has(e.name))) walk(p);
      } else if (e.isFile() && SOURCE.test(e.name) && !DECLARATION.test(e.name)) files.push({ path: p, text: readFileSync(join(root, p), 'utf8') });
    }
  };
  walk('');
  return files;
}

/** Top-level folders in neither RULES, NON_SOURCE nor GENERATED, and source files found in a NON_SOURCE folder. */
function unruledFolders(root: string, files: SourceFile[]): string[] {
  const out: string[] = [];
  for (const e of readdirSync(root, { withFileTypes: true })) {
    if (!e.isDirectory() || isStage(e.name) || GENERATED.has(e.name) || NON_SOURCE.has(e.name)) continue;
    out.push(`${e.name}/: a top-level folder with no layer rule: give it one in test/layers.test.ts (RULES, or NON_SOURCE with a reason)`);
  }
  for (const f of files) {
    const top = stageName(f.path);
    if (NON_SOURCE.has(top)) out.push(`${f.path}: source file in ${top}/, listed as having none (${NON_SOURCE.get(top)}): give ${top}/ a rule`);
  }
  return out;
}

test('every top-level folder has a layer rule or a reason to be skipped', () => {
  const root = projectRoot();
  const bad = unruledFolders(root, sourceFiles(root));
  assert.ok(bad.length === 0, `folders without a rule:\n  ${bad.join('\n  ')}`);
});

test('no import runs backwards between stages', () => {
  const files = sourceFiles(projectRoot()).filter((f) => !NON_SOURCE.has(stageName(f.path)));
  assert.ok(files.length > 300, `read the source tree (${files.length} files)`);
  for (const s of ['index.ts', 'bin/icbench.mjs', 'scenarios/hokudai-nii.mjs', 'cli/icbench.ts', 'test/layers.test.ts']) {
    assert.ok(
      files.some((f) => f.path === s),
      `read ${s}`,
    );
  }
  const bad = checkLayers(files);
  assert.ok(bad.length === 0, `imports against the stage order:\n  ${bad.map(formatProblem).join('\n  ')}`);
});

test('no import cycles between files or between folders', () => {
  const files = fileGraph(sourceFiles(projectRoot()));
  const fileCycles = findCycles(files);
  const folderCycles = findCycles(folderGraph(files));
  assert.ok(
    fileCycles.length + folderCycles.length === 0,
    `import cycles:\n  files:\n    ${fileCycles.join('\n    ') || '(none)'}\n  folders:\n    ${folderCycles.join('\n    ') || '(none)'}`,
  );
});

test('the checker reports a backwards import (synthetic files)', () => {
  const bad = checkLayers([
    { path: 'infra/x.ts', text: "import { a } from './a.js';\n\nimport { y } from '../runners/y.js';\n" },
    { path: 'collectors/p.ts', text: "import type { Node } from '../infra/config.js';\nexport { m } from '../measurements/m.js';\n" },
    { path: 'reports/r.ts', text: "import { ConfigError } from '../infra/units.js';\nconst t = await import('../infra/lab/lab.js');\n" },
    { path: 'measurements/m.ts', text: "type S = import('../session/session.js').Session;\n" },
    { path: 'session/s.ts', text: "import { main } from 'intercloud-bench';\nimport { x } from '../runners/x.js';\nimport { $ } from 'zx';\n" },
    { path: 'cli/c.ts', text: "import { withTestbed } from '../session/session.js';\nimport { q } from '../index.js';\nimport { b } from '../bench/b.js';\n" },
    { path: 'test/t.ts', text: "import { q } from '../session/session.js';\nimport { b } from '../bench/b.js';\n" },
    { path: 'newstuff/n.ts', text: "import { q } from '../session/session.js';\n" },
    {
      path: 'scenarios/s.mjs',
      text: "import { main } from 'intercloud-bench';\nimport { $ } from 'zx';\nimport { lab } from '../infra/lab/lab.js';\nimport { u } from 'intercloud-bench/internals/infra/units';\nimport { i } from '../index.js';\n",
    },
    { path: 'bench/b.ts', text: "import { s } from '../fixtures/ssh-sites.js';\nimport { n } from '../test/helpers/noise-series.js';\n" },
    { path: 'fixtures/f.ts', text: "import { s } from '../session/run-setup.js';\nimport { c } from '../cli/icbench.js';\n" },
    { path: 'bin/x.mjs', text: "import { cli } from '../dist/cli/icbench.js';\nimport { s } from '../dist/session/session.js';\n" },
    { path: 'index.ts', text: "export { s } from './session/session.js';\nexport { t } from './test/helpers/lab.js';\n" },
  ]);
  assert.equal(
    bad.map((v) => `${v.file}:${v.line} ${v.spec}`),
    [
      'infra/x.ts:3 ../runners/y.js',
      'collectors/p.ts:1 ../infra/config.js',
      'reports/r.ts:2 ../infra/lab/lab.js',
      'measurements/m.ts:1 ../session/session.js',
      'session/s.ts:1 intercloud-bench',
      'cli/c.ts:2 ../index.js',
      'cli/c.ts:3 ../bench/b.js',
      'newstuff/n.ts:0 ',
      'scenarios/s.mjs:3 ../infra/lab/lab.js',
      'scenarios/s.mjs:4 intercloud-bench/internals/infra/units',
      'scenarios/s.mjs:5 ../index.js',
      'bench/b.ts:2 ../test/helpers/noise-series.js',
      'fixtures/f.ts:2 ../cli/icbench.js',
      'bin/x.mjs:2 ../dist/session/session.js',
      'index.ts:2 ./test/helpers/lab.js',
    ],
  );
  assert.match(formatProblem(bad[0]), /^infra\/x\.ts:3: infra imports only infra and base; '\.\.\/runners\/y\.js' is in runners$/);
  assert.match(formatProblem(bad[7]), /^newstuff\/n\.ts: 'newstuff' has no layer rule/);
  assert.match(
    formatProblem(bad[9]),
    /a scenario may import only the public package 'intercloud-bench'.*'intercloud-bench\/internals\/infra\/units' is in infra$/,
  );
});

test('the cycle finder reports a file cycle and a folder cycle (synthetic files)', () => {
  const files = fileGraph([
    { path: 'runners/a.ts', text: "import { b } from './b.js';\nimport { u } from '../infra/units.js';\n" },
    { path: 'runners/b.ts', text: "import type { C } from './c.js';\n" },
    { path: 'runners/c.ts', text: "export { a } from './a.js';\n" },
    { path: 'runners/d.ts', text: "import { a } from './a.js';\n" },
    { path: 'infra/units.ts', text: '' },
    { path: 'infra/lab/lab.ts', text: "import { n } from '../qemu/nodes.js';\n" },
    { path: 'infra/qemu/nodes.ts', text: "import { m } from '../lab/plan.js';\n" },
    { path: 'infra/lab/plan.ts', text: "import { u } from '../units.js';\n" },
    { path: 'infra/wan/detect.ts', text: "import { t } from '../lab/teardown.js';\n" },
    { path: 'infra/lab/teardown.ts', text: '' },
    { path: 'session/self.ts', text: "import { s } from './self.js';\n" },
  ]);
  assert.equal(findCycles(files), ['runners/a.ts -> runners/b.ts -> runners/c.ts -> runners/a.ts', 'session/self.ts -> session/self.ts']);
  assert.equal(findCycles(folderGraph(files)), ['infra/lab -> infra/qemu -> infra/lab']);
});

test.run();
