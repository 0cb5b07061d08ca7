/**
 * Shipping files a benchmark needs to real hosts (what is not a host prerequisite, e.g. the lab
 * Terasort engine's worker code): a bundle is a set of files with a MANIFEST (`sha256sum` format);
 * the sha256 of the MANIFEST is its key, and each host keeps one copy per key in a content-addressed
 * cache, /var/cache/icbench-remote/<sha256>/ (root only, 0700), reused by later runs.
 *
 * On a host, in order: a check (is the key there, and do its files still match the MANIFEST?); if
 * not, the host journal records the staging prefix, the files come as a tar stream over the run's
 * SSH connection into a private staging dir next to the cache (mktemp -d, its name carrying the
 * run's tag so the run's clean removes it after a kill -9), are checked against the MANIFEST and
 * renamed into place. The controller journals the cache entry (`remote-cache`) before the copy;
 * `icbench clean` leaves the cache (it is reused) and says so, `clean --purge-cache` removes it.
 * The scripts are pure text, so they are unit-tested without a host.
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Bundle } from '../bundle.js';
import { mapLimit } from '../concurrency.js';
import { must, posixQuote as q, run } from '../exec.js';
import type { Journal } from '../journal.js';
import type { Progress } from '../progress.js';
import type { SshSession } from '../ssh/session.js';
import { journalPath, REMOTE_CACHE_DIR, REMOTE_STATE_DIR, runTag } from './plan.js';

export { REMOTE_CACHE_DIR };

export const cacheDirOf = (b: Pick<Bundle, 'sha256'>, root = REMOTE_CACHE_DIR): string => `${root}/${b.sha256}`;

/** A run's staging dirs on a host are named `.<sha256>.<tag>.XXXXXX` next to the cache (the run's clean removes them). */
export const stagingPrefix = (b: Pick<Bundle, 'sha256'>, tag: string, root = REMOTE_CACHE_DIR): string => `${root}/.${b.sha256}.${tag}.`;

/** Prints `cache=hit` when the host holds the bundle intact, else `cache=miss`. */
export function cacheCheckScript(b: Pick<Bundle, 'sha256'>, root = REMOTE_CACHE_DIR): string {
  const d = q(cacheDirOf(b, root));
  return `${[
    `D=${d}`,
    `if [ -f "$D/MANIFEST" ] && [ "$(sha256sum < "$D/MANIFEST" | cut -c1-64)" = ${b.sha256} ] && (cd "$D" && sha256sum -c --quiet --strict MANIFEST >/dev/null 2>&1); then`,
    '  echo cache=hit',
    'else',
    '  echo cache=miss',
    'fi',
  ].join('\n')}\n`;
}

/**
 * Receives the bundle as a tar stream on stdin (sh -c: the script is an argument, stdin is the
 * tar): journals the staging prefix in the host's journal `journal`, unpacks into a private staging
 * dir, checks the files against the MANIFEST and renames it into the cache (another run that put
 * the same key there first wins; both copies are the same). Prints `cache=stored`.
 */
export function cacheReceiveScript(b: Pick<Bundle, 'sha256' | 'manifest'>, tag: string, journal: string, stateDir: string, root = REMOTE_CACHE_DIR): string {
  const prefix = stagingPrefix(b, tag, root);
  return [
    'set -e',
    'umask 077',
    `mkdir -p ${stateDir} && chmod 0700 ${stateDir}`,
    `printf '%s\\n' ${q(JSON.stringify({ kind: 'cache-staging', prefix }))} >> ${q(journal)}`,
    `sync ${q(journal)} 2>/dev/null || sync`,
    `mkdir -p ${q(root)} && chmod 0700 ${q(root)}`,
    `S=$(mktemp -d ${q(prefix)}XXXXXX)`,
    'tar -C "$S" -xf - --no-same-owner --no-same-permissions',
    `printf '%s' ${q(b.manifest)} > "$S/MANIFEST"`,
    '(cd "$S" && sha256sum -c --quiet --strict MANIFEST) >&2 || { rm -rf "$S"; echo "the files received do not match their MANIFEST" >&2; exit 3; }',
    'chmod -R go-rwx "$S"',
    `D=${q(cacheDirOf(b, root))}`,
    'if mv -T "$S" "$D" 2>/dev/null; then :; else rm -rf "$S"; [ -f "$D/MANIFEST" ]; fi',
    'echo cache=stored',
  ].join('\n');
}

/** Removes cache dirs of these keys (`clean --purge-cache`), and the cache root once empty. Prints `purged=<key>` per key. */
export function cachePurgeScript(keys: readonly string[], root = REMOTE_CACHE_DIR): string {
  for (const k of keys) if (!/^[0-9a-f]{64}$/.test(k)) throw new Error(`cache purge: bad key ${JSON.stringify(k)}`);
  return `${[
    'left=0',
    ...keys.map((k) => `rm -rf ${q(`${root}/${k}`)} && echo purged=${k} || { echo "left: cache ${k}"; left=1; }`),
    `rmdir ${q(root)} 2>/dev/null || true`,
    'exit $left',
  ].join('\n')}\n`;
}

/** What shipping a bundle did on one host. */
export interface ShipResult {
  host: string;
  bundle: string;
  sha256: string;
  /** Where the host keeps it. */
  dir: string;
  /** false: the cache already held it (nothing was sent). */
  copied: boolean;
  /** Bytes sent over SSH (the tar stream; 0 when cached). */
  bytesSent: number;
  ms: number;
}

/** The bundle as one tar file under `workDir`/ship (made once per run; sorted names, no owners: the same bundle makes the same stream). */
export async function bundleTar(workDir: string, b: Bundle): Promise<string> {
  const tar = join(workDir, 'ship', `${b.sha256}.tar`);
  if (!existsSync(tar)) {
    const dir = join(workDir, 'ship', b.sha256);
    for (const f of b.files) {
      mkdirSync(dirname(join(dir, f.path)), { recursive: true, mode: 0o700 });
      writeFileSync(join(dir, f.path), f.data, { mode: f.executable ? 0o700 : 0o600 });
    }
    await must(`bundle ${b.name}`, [
      'tar',
      '-C',
      dir,
      '--sort=name',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '-cf',
      `${tar}.tmp`,
      ...b.files.map((f) => f.path),
    ]);
    renameSync(`${tar}.tmp`, tar);
    rmSync(dir, { recursive: true, force: true });
  }
  return tar;
}

/**
 * Ships `bundle` to `hosts` over the run's SSH session: each host is checked first and gets the
 * files only when its cache lacks them (or they no longer match). The controller journals the
 * cache entry (`remote-cache`) before the first copy. `workDir` (the controller's private run dir)
 * holds the tar made from the bundle.
 */
export async function shipToHosts(o: {
  ssh: SshSession;
  hosts: readonly string[];
  bundle: Bundle;
  runId: string;
  journal: Journal;
  inventory: string;
  workDir: string;
  progress: Progress;
}): Promise<ShipResult[]> {
  const b = o.bundle;
  const tar = await bundleTar(o.workDir, b);
  const tarBytes = statSync(tar).size;
  o.journal.record({ kind: 'remote-cache', inventory: o.inventory, hosts: [...o.hosts], bundle: b.name, sha256: b.sha256, bytes: b.bytes });
  const tag = runTag(o.runId);
  return mapLimit([...o.hosts], 8, async (host): Promise<ShipResult> => {
    const exec = o.ssh.executor(host);
    const t0 = performance.now();
    const check = await run(exec.wrap(['sh', '-s']), { input: cacheCheckScript(b), timeoutMs: 120_000 });
    if (!check.ok || !/^cache=(hit|miss)$/m.test(check.stdout))
      throw new Error(`host ${host}: checking the shipped cache for ${b.name} failed: ${(check.stderr || check.stdout).trim().split('\n').pop()}`);
    const hit = /^cache=hit$/m.test(check.stdout);
    if (!hit) {
      // The tar goes to ssh's stdin: sh -c 'exec "$@" < tar' keeps it out of any argv.
      const recv = exec.wrap(['sh', '-c', cacheReceiveScript(b, tag, journalPath(o.runId), REMOTE_STATE_DIR)]);
      const r = await run(['sh', '-c', 'f=$1; shift; exec "$@" < "$f"', 'sh', tar, ...recv], { timeoutMs: 600_000 });
      if (!r.ok || !/^cache=stored$/m.test(r.stdout))
        throw new Error(
          `host ${host}: shipping ${b.name} (${Math.ceil(tarBytes / 1024)} kB) failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' | ')}`,
        );
    }
    const ms = performance.now() - t0;
    o.progress.info(
      `${host}: ${b.name} ${hit ? 'reused from' : `shipped (${Math.ceil(tarBytes / 1024)} kB) to`} ${cacheDirOf(b)} in ${(ms / 1000).toFixed(2)} s`,
    );
    return { host, bundle: b.name, sha256: b.sha256, dir: cacheDirOf(b), copied: !hit, bytesSent: hit ? 0 : tarBytes, ms: Math.round(ms) };
  });
}
