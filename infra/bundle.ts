/**
 * A bundle: files a benchmark needs on a node that are not installed there (e.g. the lab Terasort
 * engine's worker code), with a MANIFEST in `sha256sum` format whose sha256 is the bundle's key.
 * Testbeds whose nodes do not share this machine's files ship it (infra/remote/ship.ts: a
 * content-addressed cache on each real host). Pure but for reading the files.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

export interface BundleFile {
  /** Path inside the bundle (relative, no `..`). */
  path: string;
  data: Buffer;
  /** Executable (shipped 0700, e.g. a launcher script); otherwise 0600. */
  executable?: boolean;
}

export interface Bundle {
  /** What it is, e.g. `terasort-worker` (for messages and the journal). */
  name: string;
  files: BundleFile[];
  /** `<sha256>  <path>` per file, sorted by path (what `sha256sum -c` reads). */
  manifest: string;
  /** sha256 of the manifest: the cache key. */
  sha256: string;
  /** Bytes of all files. */
  bytes: number;
}

const PATH_RE = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** A bundle from files (sorted by path; every path checked). Pure. */
export function makeBundle(name: string, files: BundleFile[]): Bundle {
  if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(name)) throw new Error(`bundle: bad name ${JSON.stringify(name)}`);
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const [i, f] of sorted.entries()) {
    if (!PATH_RE.test(f.path) || f.path.split('/').some((s) => s === '.' || s === '..') || f.path === 'MANIFEST')
      throw new Error(`bundle ${name}: bad file path ${JSON.stringify(f.path)}`);
    if (i > 0 && sorted[i - 1].path === f.path) throw new Error(`bundle ${name}: ${f.path} twice`);
  }
  const manifest = sorted.map((f) => `${createHash('sha256').update(f.data).digest('hex')}  ${f.path}\n`).join('');
  return {
    name,
    files: sorted,
    manifest,
    sha256: createHash('sha256').update(manifest).digest('hex'),
    bytes: sorted.reduce((s, f) => s + f.data.length, 0),
  };
}

/**
 * The ES modules `entry` imports, transitively, by relative specifiers (`from './x.js'`,
 * `import './x.js'`), as paths relative to `root`; every one must be under `root`. Bare specifiers
 * (node:fs, packages) are not followed: a shipped module may import only Node's own.
 */
export function esmClosure(root: string, entry: string): string[] {
  const seen = new Set<string>();
  const todo = [normalize(entry)];
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    const rel = relative(root, file);
    if (rel.startsWith('..')) throw new Error(`bundle: ${file} is outside ${root}`);
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) {
      const spec = m[1];
      if (spec.startsWith('.')) todo.push(normalize(join(dirname(file), spec)));
      else if (!spec.startsWith('node:')) throw new Error(`bundle: ${rel} imports ${spec}, which is not shipped (only node: modules and relative files are)`);
    }
  }
  return [...seen].map((f) => relative(root, f)).sort();
}

/** A bundle of ES modules: `entry` and what it imports under `root`, plus a package.json that makes them modules. */
export function esmBundle(name: string, root: string, entry: string): Bundle {
  const files = esmClosure(root, entry).map((path) => ({ path, data: readFileSync(join(root, path)) }));
  return makeBundle(name, [...files, { path: 'package.json', data: Buffer.from('{"type":"module"}\n') }]);
}

/**
 * A bundle of a whole directory tree (e.g. an installed Hadoop distribution), every regular file
 * under `root` with its executable bit. A symlink becomes a copy of its target, which must be a
 * file under `root` (Hadoop's bin/hdfs and bin/yarn link to bin/hadoop: a copy runs the same,
 * since the launcher goes by its own name). Anything else (sockets, links out of the tree) is refused.
 */
export function treeBundle(name: string, root: string): Bundle {
  const top = realpathSync(root);
  const files: BundleFile[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(top, rel)).sort()) {
      const r = rel ? `${rel}/${e}` : e;
      const abs = join(top, r);
      const l = lstatSync(abs);
      if (l.isDirectory()) {
        walk(r);
        continue;
      }
      let file = abs;
      if (l.isSymbolicLink()) {
        file = realpathSync(abs);
        if (relative(top, file).startsWith('..')) throw new Error(`bundle ${name}: ${r} links outside ${top} (to ${file})`);
      }
      const st = statSync(file);
      if (!st.isFile()) throw new Error(`bundle ${name}: ${r} is not a regular file`);
      files.push({ path: r, data: readFileSync(file), executable: (st.mode & 0o100) !== 0 });
    }
  };
  walk('');
  if (!files.length) throw new Error(`bundle ${name}: ${top} holds no files`);
  return makeBundle(name, files);
}
