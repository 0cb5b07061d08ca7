/**
 * XenHost: drives `xl` on a dom0 through an Executor (a real host: sshExecutor(host)). Every command
 * goes through the injected `run`, so tests record the exact sequence without a hypervisor.
 * Not exercised on a real Xen host here (see infra/xen/README.md).
 */
import { quote } from 'zx';
import { CommandError, run as defaultRun, type CmdResult, type Executor, type RunOptions } from '../exec.js';
import {
  parseXlInfo,
  parseXlList,
  parseXlListLong,
  parseXlMigrate,
  stateFlags,
  type XlDomainLong,
  type XlDomainRow,
  type XlInfo,
  type XlMigrateResult,
} from './xl-output.js';
import type { XenDomainConfig } from './domain-config.js';
import { RUN_ID_RE } from '../run-id.js';
import { ConfigError } from '../units.js';

export type RunFn = (argv: string[], opts?: RunOptions) => Promise<CmdResult>;

/**
 * What is about to be created on a dom0, recorded before it is (JournalEntry kinds once
 * infra/journal.ts knows them). Not `file`: clean removes those on *this* machine.
 */
export type XenJournalEntry = { kind: 'xen-domain'; host: string; name: string } | { kind: 'xen-file'; host: string; path: string };

export interface XenHostOptions {
  exec: Executor;
  run?: RunFn;
  /** Where domain configs are written on the dom0. */
  configDir?: string;
  journal?: (e: XenJournalEntry) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface MigrationOutcome extends XlMigrateResult {
  name: string;
  target: string;
  wallMs: number;
  raw: string;
}

const INVALID_DOMAIN = /is an invalid domain identifier/;
const output = (r: CmdResult) => `${r.stdout}${r.stdout && r.stderr ? '\n' : ''}${r.stderr}`;

export class XenHost {
  readonly exec: Executor;
  readonly configDir: string;
  private readonly runFn: RunFn;
  private readonly journal: (e: XenJournalEntry) => void;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(o: XenHostOptions) {
    this.exec = o.exec;
    this.runFn = o.run ?? defaultRun;
    this.configDir = o.configDir ?? '/var/lib/icbench/xen';
    this.journal = o.journal ?? (() => {});
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = o.now ?? (() => performance.now());
  }

  get where(): string {
    return this.exec.where;
  }

  run(argv: string[], opts: RunOptions = {}): Promise<CmdResult> {
    return this.runFn(this.exec.wrap(argv), opts);
  }

  private async must(what: string, argv: string[], opts: RunOptions = {}): Promise<CmdResult> {
    const r = await this.run(argv, opts);
    if (!r.ok) throw new CommandError(`${this.where}: ${what}`, r);
    return r;
  }

  /** Writes a file on the dom0: content goes on stdin, the path is a quoted argument, never shell text. */
  async writeConfig(path: string, text: string): Promise<void> {
    this.journal({ kind: 'xen-file', host: this.where, path });
    await this.must(`write ${path}`, ['sh', '-c', 'mkdir -p "$(dirname "$1")" && cat > "$1"', 'sh', path], { input: text });
  }

  configPath(name: string): string {
    return `${this.configDir}/${name}.cfg`;
  }

  /** Journals the domain, writes its config and runs `xl create`. */
  async create(cfg: XenDomainConfig, timeoutMs = 120_000): Promise<void> {
    const path = this.configPath(cfg.name);
    this.journal({ kind: 'xen-domain', host: this.where, name: cfg.name });
    await this.writeConfig(path, cfg.text);
    await this.must(`xl create of domain ${cfg.name}`, ['xl', 'create', path], { timeoutMs });
  }

  async list(): Promise<XlDomainRow[]> {
    return parseXlList((await this.must('xl list', ['xl', 'list'])).stdout);
  }

  async listLong(): Promise<XlDomainLong[]> {
    return parseXlListLong((await this.must('xl list -l', ['xl', 'list', '-l'])).stdout);
  }

  async info(): Promise<XlInfo> {
    return parseXlInfo((await this.must('xl info', ['xl', 'info'])).stdout);
  }

  /** Polls `xl list` until the domain runs (r or b); a crashed, dying or shut-down domain fails at once. */
  async waitRunning(name: string, timeoutMs = 60_000, pollMs = 1000): Promise<XlDomainRow> {
    const deadline = this.now() + timeoutMs;
    let last = 'not listed';
    for (;;) {
      const row = (await this.list()).find((d) => d.name === name);
      if (row) {
        const f = stateFlags(row.state);
        if (f.has('c') || f.has('d') || f.has('s')) throw new Error(`${this.where}: domain ${name} is ${row.state} (crashed, dying or shut down)`);
        if (f.has('r') || f.has('b')) return row;
        last = `state ${row.state}`;
      }
      if (this.now() >= deadline) throw new Error(`${this.where}: domain ${name} not running after ${timeoutMs} ms (${last})`);
      await this.sleep(pollMs);
    }
  }

  /** Pings the guest's static address from the dom0, at most `attempts` single probes. */
  async waitAddress(address: string, attempts = 30): Promise<number> {
    for (let i = 1; i <= attempts; i++) {
      if ((await this.run(['ping', '-n', '-c', '1', '-W', '1', address], { timeoutMs: 5000 })).ok) return i;
    }
    throw new Error(`${this.where}: guest address ${address} did not answer ping (${attempts} attempts)`);
  }

  /**
   * The guest's IPv6 link-local address on `bridge`, found by its MAC: the EUI-64 address first,
   * else whatever the neighbour table learns after a ping to all nodes (ff02::1) on the bridge.
   * Returns `fe80::...%bridge`. At most `attempts` rounds of one probe each.
   */
  async guestLinkLocal(bridge: string, mac: string, attempts = 60): Promise<string> {
    if (!/^[A-Za-z0-9_.-]{1,15}$/.test(bridge)) throw new ConfigError('bridge', 'an interface name', bridge);
    if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(mac)) throw new ConfigError('mac', 'a lowercase MAC address', mac);
    const eui = eui64LinkLocal(mac);
    const script = [
      `if ping -6 -n -c 1 -W 1 "$1%$2" >/dev/null 2>&1; then echo "$1"; exit 0; fi`,
      'ping -6 -n -c 2 -i 0.5 -W 1 "ff02::1%$2" >/dev/null 2>&1',
      `ip -6 neigh show dev "$2" | awk -v m="$3" '$3 == m && $1 ~ /^fe80:/ { print $1; exit }'`,
    ].join('\n');
    for (let i = 1; i <= attempts; i++) {
      const r = await this.run(['sh', '-c', script, 'sh', eui, bridge, mac], { timeoutMs: 15_000 });
      const ll = r.stdout.trim().split('\n')[0];
      if (r.ok && /^fe80:[0-9a-f:]+$/.test(ll)) return `${ll}%${bridge}`;
      await this.sleep(1000);
    }
    throw new Error(`${this.where}: no IPv6 link-local answer from the guest with MAC ${mac} on ${bridge} (${attempts} attempts)`);
  }

  /** `xl shutdown -w` within the deadline; if the guest does not go, `xl destroy`. */
  async shutdown(name: string, timeoutMs = 60_000): Promise<{ graceful: boolean; reason?: string }> {
    const r = await this.run(['xl', 'shutdown', '-w', name], { timeoutMs });
    if (r.ok) {
      // -w returns at the shutdown event; xl's monitor then destroys the domain. Callers expect it
      // gone: wait (bounded) until `xl list` no longer shows it, else destroy it.
      for (let i = 0; i < 40; i++) {
        const rows = await this.list().catch(() => null);
        if (!rows?.some((d) => d.name === name)) return { graceful: true };
        await new Promise((res) => setTimeout(res, 500));
      }
      await this.destroy(name);
      return { graceful: true, reason: 'shut down, still listed after 20 s; destroyed' };
    }
    const out = output(r);
    if (INVALID_DOMAIN.test(out)) return { graceful: true, reason: 'already gone' };
    await this.destroy(name);
    const why = r.exitCode === null ? `no clean shutdown within ${timeoutMs} ms` : out.trim().split('\n').pop();
    return { graceful: false, reason: `${why}; destroyed` };
  }

  /** Idempotent: a domain that is already gone ("invalid domain identifier") counts as destroyed. */
  async destroy(name: string): Promise<void> {
    const r = await this.run(['xl', 'destroy', name], { timeoutMs: 60_000 });
    if (r.ok || INVALID_DOMAIN.test(output(r))) return;
    throw new CommandError(`${this.where}: xl destroy of domain ${name}`, r);
  }

  /**
   * `xl migrate NAME TARGET`, timed wall-clock. Never throws for a failed migration: the result says
   * why. xl reaches the target over ssh itself; BatchMode keeps a password prompt from hanging it.
   */
  async migrate(name: string, target: string, timeoutMs = 600_000): Promise<MigrationOutcome> {
    const t0 = this.now();
    const r = await this.run(['xl', 'migrate', '-s', 'ssh -o BatchMode=yes', name, target], { timeoutMs });
    const wallMs = this.now() - t0;
    const raw = output(r);
    const parsed = parseXlMigrate(raw);
    if (r.exitCode === null) return { ...parsed, ok: false, reason: `xl migrate killed after ${timeoutMs} ms`, name, target, wallMs, raw };
    if (parsed.ok && !r.ok)
      return { ...parsed, ok: false, reason: `xl migrate exited ${r.exitCode} despite "Migration successful."`, name, target, wallMs, raw };
    if (!parsed.ok && !parsed.reason) parsed.reason = `xl migrate exited ${r.exitCode}`;
    return { ...parsed, name, target, wallMs, raw };
  }

  /**
   * Runs commands inside a domU: ssh from the dom0 to the guest's address (the guest is on the dom0's
   * bridge; an IPv6 link-local `fe80::...%bridge` needs no address of the dom0 on the segment).
   * The guest's host key must already be pinned in `knownHostsFile` (default root's known_hosts):
   * strict checking, never trust on first use (infra/xen/guest-hostkey.ts puts a run's key in place).
   */
  guestExecutor(
    address: string,
    o: { user?: string; identity?: string; knownHostsFile?: string; connectTimeoutS?: number; controlDir?: string } = {},
  ): Executor {
    // ConnectTimeout also bounds sshd's banner: a guest under TCG on a busy machine may need far more than 10 s.
    const ssh = ['ssh', '-o', 'BatchMode=yes', '-o', `ConnectTimeout=${o.connectTimeoutS ?? 10}`, '-o', 'StrictHostKeyChecking=yes'];
    if (o.knownHostsFile) ssh.push('-o', `UserKnownHostsFile=${o.knownHostsFile}`);
    // One shared connection per guest (a key exchange under TCG costs seconds): ControlPath in a dir of the dom0.
    if (o.controlDir) {
      if (!/^\/[A-Za-z0-9._/-]{1,60}$/.test(o.controlDir)) throw new ConfigError('controlDir', 'an absolute path of at most 60 characters', o.controlDir);
      ssh.push('-o', 'ControlMaster=auto', '-o', `ControlPath=${o.controlDir}/%C`, '-o', 'ControlPersist=600');
    }
    if (o.identity) ssh.push('-i', o.identity, '-o', 'IdentitiesOnly=yes');
    const target = `${o.user ?? 'root'}@${address}`;
    return { where: `${this.where} -> ${target}`, wrap: (argv) => this.exec.wrap([...ssh, target, '--', argv.map(quote).join(' ')]) };
  }
}

/** The EUI-64 IPv6 link-local address of a MAC (fe80::, universal/local bit flipped, ff:fe in the middle). */
export function eui64LinkLocal(mac: string): string {
  const b = mac.split(':').map((x) => Number.parseInt(x, 16));
  const e = [b[0] ^ 2, b[1], b[2], 0xff, 0xfe, b[3], b[4], b[5]];
  const groups = [0, 2, 4, 6].map((i) => ((e[i] << 8) | e[i + 1]).toString(16));
  return `fe80::${groups.join(':')}`;
}

/** Destroys every domain of the run (names icb-<runId>-...) and nothing else. Returns what it destroyed. */
export async function cleanXen(exec: Executor, runId: string, run?: RunFn): Promise<string[]> {
  if (!RUN_ID_RE.test(runId)) throw new ConfigError('runId', 'a run id like 20261122-034901-a1b2', runId);
  const host = new XenHost({ exec, run });
  const prefix = `icb-${runId}-`;
  const mine = (await host.list()).map((d) => d.name).filter((n) => n.startsWith(prefix));
  for (const name of mine) await host.destroy(name);
  return mine;
}
