/**
 * Relative-link checker for the project's markdown (README.md, docs/, infra/ READMEs): every
 * relative link target must exist, and a link with an #anchor into a markdown file must name a
 * heading of that file, slugged as GitHub does it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root: the nearest folder above this file (src or dist) that holds package.json. */
export function projectRoot(from = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`package.json not found above ${from}`);
    dir = up;
  }
  return dir;
}

/** GitHub's heading anchor: lowercase, punctuation dropped (except - and _), spaces to '-'. */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link in a heading counts by its text
    .replace(/<\/?[A-Za-z][^>]*>/g, '') // inline HTML tags (not '<->')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-');
}

/** Lines outside fenced code blocks, with their 1-based line numbers. */
function proseLines(text: string): { line: string; n: number }[] {
  const out: { line: string; n: number }[] = [];
  let fence: string | null = null;
  text.split('\n').forEach((line, i) => {
    const f = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (fence === null) fence = f[1][0];
      else if (f[1][0] === fence) fence = null;
      return;
    }
    if (fence === null) out.push({ line, n: i + 1 });
  });
  return out;
}

/** The anchors a markdown document's ATX headings produce (duplicates get -1, -2, ... as on GitHub). */
export function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const { line } of proseLines(text)) {
    const h = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const base = slug(h[1]);
    const k = seen.get(base) ?? 0;
    seen.set(base, k + 1);
    out.add(k === 0 ? base : `${base}-${k}`);
  }
  return out;
}

export interface LinkProblem {
  file: string;
  line: number;
  target: string;
  problem: string;
}

/** Link targets of a markdown text (inline links, images, reference definitions), code left out. */
export function linksOf(text: string): { target: string; line: number }[] {
  const out: { target: string; line: number }[] = [];
  for (const { line, n } of proseLines(text)) {
    const prose = line.replace(/(`+)[\s\S]*?\1/g, ''); // inline code spans
    for (const m of prose.matchAll(/\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+"[^"]*")?\s*\)/g)) out.push({ target: m[1].replace(/^<|>$/g, ''), line: n });
    const def = /^\s{0,3}\[[^\]]+\]:\s*(\S+)/.exec(prose);
    if (def) out.push({ target: def[1].replace(/^<|>$/g, ''), line: n });
  }
  return out;
}

/**
 * Problems with the relative links of one markdown document `file` (a path under `root`, which
 * need not exist itself: its text is `text`). Absolute URLs (any scheme) are not checked.
 */
export function checkLinks(root: string, file: string, text: string, readDoc: (abs: string) => string = (p) => readFileSync(p, 'utf8')): LinkProblem[] {
  const problems: LinkProblem[] = [];
  const here = resolve(root, file);
  for (const { target, line } of linksOf(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:, ...
    const hash = target.indexOf('#');
    const pathPart = decodeURI(hash < 0 ? target : target.slice(0, hash));
    const anchor = hash < 0 ? null : target.slice(hash + 1);
    const abs = pathPart === '' ? here : resolve(dirname(here), pathPart);
    if (pathPart !== '' && !existsSync(abs)) {
      problems.push({ file, line, target, problem: `${relative(root, abs) || abs} does not exist` });
      continue;
    }
    if (anchor === null || anchor === '' || !abs.endsWith('.md')) continue;
    if (pathPart !== '' && statSync(abs).isDirectory()) continue;
    const doc = abs === here ? text : readDoc(abs);
    if (!anchorsOf(doc).has(decodeURIComponent(anchor).toLowerCase()))
      problems.push({ file, line, target, problem: `no heading of ${relative(root, abs)} makes the anchor #${anchor}` });
  }
  return problems;
}

/** README.md, every docs/**\/*.md and every infra/**\/README.md, relative to `root`. */
export function projectDocs(root: string): string[] {
  const out = ['README.md'];
  const walk = (rel: string, keep: (name: string) => boolean) => {
    if (!existsSync(join(root, rel))) return;
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const p = join(rel, e.name);
      if (e.isDirectory()) walk(p, keep);
      else if (keep(e.name)) out.push(p);
    }
  };
  walk('docs', (n) => n.endsWith('.md'));
  walk('infra', (n) => n === 'README.md');
  return out.sort();
}
