/**
 * An SSH session over the system OpenSSH client: one per-run ssh_config (keys only, strict host
 * keys against one known_hosts file, connection sharing through control sockets in a private
 * 0700 directory with a short path). open() checks every host key before anything runs on any
 * host (one ssh-keyscan for all hosts of a port, known_hosts parsed once here), then opens one master connection per host; executors wrap commands as
 * `ssh -F <config> <host> -- <quoted command>`; close() ends the masters and removes the directory.
 */
import { createHmac } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { mapLimit } from '../concurrency.js';
import { run, type Executor } from '../exec.js';
import type { Progress } from '../progress.js';
import { remoteCommand, sshConfigText, type SshTarget } from './config.js';
import { HostKeyError, parseSshError, SshConnectError } from './errors.js';

export type { SshTarget } from './config.js';
export { HostKeyError, SshConnectError, parseSshError, type SshFailure, type SshFailureKind } from './errors.js';

export interface SshSessionOptions {
  knownHostsFile: string;
  /** The private directory for the config and control sockets (default: sshStateDir(runId)). */
  dir?: string;
  /** Hosts worked on at once (default 8). */
  parallel?: number;
  progress?: Progress;
  /**
   * Seconds a host may take for its SSH handshake (ssh-keyscan -T, ConnectTimeout; the first
   * command gets six times as long). Default 5, or $ICBENCH_SSH_HANDSHAKE_TIMEOUT_S: hosts whose
   * key exchange is slow, such as the nested Xen host under QEMU TCG on a busy machine.
   */
  handshakeTimeoutS?: number;
}

function handshakeTimeout(o: SshSessionOptions): number {
  const v = o.handshakeTimeoutS ?? Number(process.env.ICBENCH_SSH_HANDSHAKE_TIMEOUT_S ?? 5);
  return Number.isFinite(v) && v >= 1 ? Math.round(v) : 5;
}

const RUN_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;

/** Where a run's ssh config and sockets live: $ICBENCH_STATE_DIR/ssh-<run>, else /run/icbench (root) or $TMPDIR/icbench-<uid>. */
export function sshStateDir(runId: string): string {
  const env = process.env.ICBENCH_STATE_DIR;
  const uid = process.getuid?.() ?? 0;
  const base = env ? env : uid === 0 ? '/run/icbench' : join(tmpdir(), `icbench-${uid}`);
  return join(base, `ssh-${runId}`);
}

/** Creates `dir` (0700, ours) or accepts it if it already is that; the parent is created if missing. */
function privateDir(dir: string): void {
  mkdirSync(dirname(dir), { recursive: true, mode: 0o700 });
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const st = lstatSync(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) throw new Error(`ssh: ${dir} is not a directory of ours`);
  chmodSync(dir, 0o700);
}

/** The SHA256 fingerprint of a public key or known_hosts line (`ssh-keygen -lf -`). */
export async function fingerprintOf(publicKeyLine: string): Promise<string> {
  const r = await run(['ssh-keygen', '-lf', '-'], { input: `${publicKeyLine.trim()}\n`, timeoutMs: 10_000 });
  const m = /SHA256:[A-Za-z0-9+/]+/.exec(r.stdout);
  if (!r.ok || !m) throw new Error(`ssh-keygen -lf: not a public key line (${(r.stderr || r.stdout).trim().split('\n')[0] || `exit ${r.exitCode}`})`);
  return m[0];
}

interface KeyLine {
  marker: string | null;
  /** The host field (patterns, or a hashed |1|salt|hash entry). */
  hosts: string;
  type: string;
  blob: string;
  line: string;
}

function keyLines(text: string): KeyLine[] {
  const out: KeyLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const t = line.split(/\s+/);
    const marker = t[0].startsWith('@') ? t.shift()! : null;
    if (t.length < 3) continue;
    out.push({ marker, hosts: t[0], type: t[1], blob: t[2], line });
  }
  return out;
}

const globRe = (p: string) =>
  new RegExp(
    `^${p
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );

/**
 * Whether a known_hosts host field names `address` (`host` or `[host]:port`), as ssh and
 * `ssh-keygen -F` read it: a hashed entry `|1|salt|hash` (HMAC-SHA1 of the address keyed with the
 * salt), or comma-separated patterns with `*` and `?`, where a matching `!pattern` excludes.
 */
export function knownHostMatches(field: string, address: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(address).digest('base64') === hash;
  }
  let hit = false;
  for (const p of field.split(',')) {
    if (p.startsWith('!')) {
      if (globRe(p.slice(1)).test(address)) return false;
    } else if (globRe(p).test(address)) hit = true;
  }
  return hit;
}

/** ssh-keyscan's -t name of a key type (null: not scannable by type, e.g. security keys). */
const SCAN_TYPE: Record<string, string> = {
  'ssh-ed25519': 'ed25519',
  'ecdsa-sha2-nistp256': 'ecdsa',
  'ecdsa-sha2-nistp384': 'ecdsa',
  'ecdsa-sha2-nistp521': 'ecdsa',
  'ssh-rsa': 'rsa',
  'ssh-dss': 'dsa',
};

/**
 * The key types the batched scan asks for: those known_hosts holds for these hosts (ed25519 when
 * a host has none on file). ssh-keyscan opens one connection per host and type, so asking for
 * every type costs each host three handshakes; a host that sends none of these is scanned alone
 * with all types, so an unknown or changed key is still seen.
 */
function scanTypes(targets: SshTarget[], known: KeyLine[]): string[] {
  const types = new Set<string>();
  for (const t of targets) {
    if (t.jump !== null) continue;
    const address = t.port === 22 ? t.host : `[${t.host}]:${t.port}`;
    const mine = known.filter((k) => k.marker !== '@cert-authority' && knownHostMatches(k.hosts, address));
    const ts = mine.map((k) => SCAN_TYPE[k.type]).filter(Boolean);
    if (ts.length === 0) types.add('ed25519');
    for (const x of ts) types.add(x);
  }
  return [...types];
}

/** Hosts per ssh-keyscan invocation (it connects to all of them at once). */
const KEYSCAN_BATCH = 64;

/** ssh's default preference among host key types: the key it would verify first. */
const TYPE_ORDER = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa'];
const preferred = (keys: KeyLine[]): KeyLine =>
  [...keys].sort((a, b) => ((TYPE_ORDER.indexOf(a.type) + 99) % 99) - ((TYPE_ORDER.indexOf(b.type) + 99) % 99))[0];
const typeLabel = (t: string) =>
  t
    .replace(/^ssh-/, '')
    .replace(/^ecdsa-sha2-nistp\d+$/, 'ecdsa')
    .toUpperCase();

type KeyCheck = { ok: true } | { ok: false; error: HostKeyError | SshConnectError };

/** Result of a host's connection attempt, settled (errors kept, not thrown). */
async function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}

export class SshSession {
  private closed = false;

  private constructor(
    readonly runId: string,
    readonly dir: string,
    readonly configFile: string,
    readonly targets: SshTarget[],
    readonly knownHostsFile: string,
    private readonly parallel: number,
    private readonly progress: Progress | undefined,
    private readonly handshakeS = 5,
  ) {}

  /**
   * Writes the config, checks every host key (nothing runs anywhere unless all pass: HostKeyError
   * otherwise), then opens every host's master connection (SshConnectError if one cannot be
   * reached). On failure the directory is removed again before the error is thrown.
   */
  static async open(runId: string, targets: SshTarget[], o: SshSessionOptions): Promise<SshSession> {
    if (!RUN_ID_RE.test(runId)) throw new Error(`ssh: bad run id ${JSON.stringify(runId)}`);
    if (targets.length === 0) throw new Error('ssh: no hosts to open');
    if (!o.knownHostsFile.startsWith('/')) throw new Error(`ssh: known_hosts file must be an absolute path, got ${JSON.stringify(o.knownHostsFile)}`);
    const dir = o.dir ?? sshStateDir(runId);
    const configFile = join(dir, 'config');
    const hs = handshakeTimeout(o);
    const text = sshConfigText(targets, { knownHostsFile: o.knownHostsFile, controlDir: dir, connectTimeoutS: Math.max(10, hs) });
    privateDir(dir);
    const s = new SshSession(runId, dir, configFile, targets, o.knownHostsFile, Math.max(1, o.parallel ?? 8), o.progress, hs);
    try {
      writeFileSync(configFile, text, { mode: 0o600 });
      await s.checkHostKeys();
      await s.openMasters();
      return s;
    } catch (e) {
      await s.close();
      throw e;
    }
  }

  /** Runs `argv` on `hostName` through its shared connection. */
  executor(hostName: string): Executor {
    if (!this.targets.some((t) => t.name === hostName)) throw new Error(`ssh: no host ${JSON.stringify(hostName)} in this session`);
    const cfg = this.configFile;
    return { where: `ssh ${hostName}`, wrap: (argv) => ['ssh', '-F', cfg, hostName, '--', remoteCommand(argv)] };
  }

  /** `fn` for every host, at most `parallel` at once; the first error is thrown after the rest settle. */
  async runAll<T>(fn: (host: SshTarget, exec: Executor) => Promise<T>): Promise<T[]> {
    let done = 0;
    const n = this.targets.length;
    return mapLimit(this.targets, this.parallel, async (t) => {
      const r = await fn(t, this.executor(t.name));
      this.progress?.step('ssh', ++done, n, 'hosts');
      return r;
    });
  }

  /** Ends every master connection and removes the directory. Never throws; safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (existsSync(this.configFile)) {
        await mapLimit(this.targets, Math.max(this.parallel, 16), async (t) => {
          try {
            await run(['ssh', '-F', this.configFile, '-O', 'exit', t.name], { timeoutMs: 5000 });
          } catch {
            /* not running */
          }
        });
      }
    } catch {
      /* best effort */
    }
    try {
      rmSync(this.dir, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }

  /**
   * Host keys of every host against the known_hosts file; throws the first failure (others
   * attached). The hosts of a port are shared among `parallel` ssh-keyscan invocations (a few
   * hosts each instead of one process per host), asking only for the key types on file;
   * known_hosts is read once and matched here; a host that sent no key is scanned alone for the reason.
   */
  private async checkHostKeys(): Promise<void> {
    const n = this.targets.length;
    let done = 0;
    this.progress?.stage('ssh host keys', `${n} hosts against ${this.knownHostsFile}`);
    const known = existsSync(this.knownHostsFile) ? keyLines(readFileSync(this.knownHostsFile, 'utf8')) : [];
    const scanned = await this.scanAll(scanTypes(this.targets, known));
    const results = await mapLimit(this.targets, this.parallel, async (t) => {
      const r = await settle(this.checkHostKey(t, known, scanned.get(t.name) ?? []));
      this.progress?.step('ssh host keys', ++done, n, 'hosts');
      return r.ok ? r.value : { ok: false as const, error: r.error as Error };
    });
    throwFirst(results.map((r) => (r.ok ? null : r.error)));
  }

  /** Scanned host keys by target name (direct targets only; through a jump host nothing is scanned). */
  private async scanAll(types: string[]): Promise<Map<string, KeyLine[]>> {
    const out = new Map<string, KeyLine[]>();
    const byPort = new Map<number, SshTarget[]>();
    for (const t of this.targets) if (t.jump === null) byPort.set(t.port, [...(byPort.get(t.port) ?? []), t]);
    const batches: { port: number; hosts: SshTarget[] }[] = [];
    // ssh-keyscan connects to its hosts at once but does each key exchange in turn: `parallel`
    // invocations share the hosts, so handshakes still overlap (measured: 20 hosts in one
    // invocation 2.7 s, ~135 ms each, one after the other).
    for (const [port, ts] of byPort) {
      const size = Math.min(KEYSCAN_BATCH, Math.ceil(ts.length / this.parallel));
      for (let i = 0; i < ts.length; i += size) batches.push({ port, hosts: ts.slice(i, i + size) });
    }
    await mapLimit(batches, this.parallel, async ({ port, hosts }) => {
      const names = [...new Set(hosts.map((t) => t.host))];
      const scan = await run(['ssh-keyscan', '-p', String(port), '-T', String(this.handshakeS), '-t', types.join(','), ...names], {
        timeoutMs: 15_000 + 1000 * this.handshakeS + 100 * names.length,
      });
      const lines = keyLines(scan.stdout).filter((k) => k.marker === null);
      for (const t of hosts) {
        const address = port === 22 ? t.host : `[${t.host}]:${port}`;
        out.set(
          t.name,
          lines.filter((k) => k.hosts === address || k.hosts === t.host),
        );
      }
    });
    return out;
  }

  private async checkHostKey(t: SshTarget, known: KeyLine[], batch: KeyLine[]): Promise<KeyCheck> {
    // Through a jump host there is nothing to scan directly: the master connection's own
    // strict check decides, and its message is classified (openMasters).
    if (t.jump !== null) return { ok: true };
    const address = t.port === 22 ? t.host : `[${t.host}]:${t.port}`;
    let scanned = batch;
    if (scanned.length === 0) {
      // Nothing from the batch: scan this host alone, for its keys or the reason it sent none.
      const scan = await run(['ssh-keyscan', '-p', String(t.port), '-T', String(this.handshakeS), t.host], { timeoutMs: 15_000 + 1000 * this.handshakeS });
      scanned = keyLines(scan.stdout).filter((k) => k.marker === null);
      if (scanned.length === 0) {
        const f = parseSshError(scan.stderr);
        return {
          ok: false,
          error: new SshConnectError(t.name, f.kind === 'other' ? { ...f, reason: `no host key received from ${address} (${f.reason})` } : f),
        };
      }
    }
    const mine = known.filter((k) => knownHostMatches(k.hosts, address));
    const plain = mine.filter((k) => k.marker === null);
    const revoked = mine.filter((k) => k.marker === '@revoked');
    const same = (a: KeyLine, b: KeyLine) => a.type === b.type && a.blob === b.blob;
    const fail = async (kind: 'unknown' | 'changed', key: KeyLine): Promise<KeyCheck> => ({
      ok: false,
      error: new HostKeyError(t.name, kind, await fingerprintOf(key.line).catch(() => null), {
        address,
        knownHostsFile: this.knownHostsFile,
        keyType: typeLabel(key.type),
      }),
    });
    const bad =
      scanned.find((s) => revoked.some((k) => same(k, s))) ?? scanned.find((s) => plain.some((k) => k.type === s.type) && !plain.some((k) => same(k, s)));
    if (bad) return fail('changed', bad);
    if (scanned.some((s) => plain.some((k) => same(k, s)))) return { ok: true };
    if (plain.length > 0) return fail('changed', preferred(scanned));
    // Only a @cert-authority line for this host: ssh's own check (certificates) decides.
    if (mine.some((k) => k.marker === '@cert-authority')) return { ok: true };
    return fail('unknown', preferred(scanned));
  }

  private async openMasters(): Promise<void> {
    const n = this.targets.length;
    let done = 0;
    this.progress?.stage('ssh connect', `${n} hosts`);
    const results = await mapLimit(this.targets, this.parallel, async (t) => {
      const r = await run(['ssh', '-F', this.configFile, t.name, '--', 'true'], { timeoutMs: Math.max(t.jump ? 60_000 : 30_000, 6000 * this.handshakeS) });
      this.progress?.step('ssh connect', ++done, n, 'hosts');
      if (r.ok) return null;
      const f =
        r.exitCode === null ? { kind: 'timeout' as const, reason: 'connection timed out (no answer in time)', fingerprint: null } : parseSshError(r.stderr);
      const address = `${t.host}:${t.port}${t.jump ? ` via ${t.jump}` : ''}`;
      if (f.kind === 'host-key-changed' || f.kind === 'host-key-unknown')
        return new HostKeyError(t.name, f.kind === 'host-key-changed' ? 'changed' : 'unknown', f.fingerprint, { address, knownHostsFile: this.knownHostsFile });
      return new SshConnectError(t.name, f);
    });
    throwFirst(results);
  }
}

/** Throws the first error, host-key errors first, with the others of its class attached. */
function throwFirst(errors: (Error | null)[]): void {
  const hk = errors.filter((e): e is HostKeyError => e instanceof HostKeyError);
  if (hk.length) {
    const [f, ...rest] = hk;
    throw new HostKeyError(f.host, f.kind, f.fingerprint, f.detail, rest);
  }
  const ce = errors.filter((e): e is SshConnectError => e instanceof SshConnectError);
  if (ce.length) {
    const [f, ...rest] = ce;
    throw new SshConnectError(f.host, f.failure, rest);
  }
  const other = errors.find((e) => e !== null);
  if (other) throw other;
}
