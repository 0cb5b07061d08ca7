/**
 * The per-run ssh_config file: one block per host (its alias is the inventory host name), keys
 * only, strict host key checking against one known_hosts file, and connection sharing through
 * control sockets in a short private directory. Pure text; infra/ssh/session.ts writes it.
 */

/** How to reach one host over SSH. `name` is the alias used on the ssh command line. */
export interface SshTarget {
  name: string;
  /** SSH address: a host name or an IPv4 address. */
  host: string;
  user: string;
  port: number;
  /** Absolute path of the private key, or null for ssh's default identities. */
  identityFile: string | null;
  /** ProxyJump value ([user@]host[:port], comma-separated for several hops), or null. */
  jump: string | null;
}

export interface SshConfigOptions {
  /** The only known_hosts file consulted (never written: StrictHostKeyChecking yes, UpdateHostKeys no). */
  knownHostsFile: string;
  /** Directory of the control sockets (`<dir>/%C`); must be short, see CONTROL_DIR_MAX. */
  controlDir: string;
  /** ControlPersist seconds (default 60). */
  persistS?: number;
  /** ConnectTimeout seconds (default 10). */
  connectTimeoutS?: number;
}

/**
 * Longest control directory: a Unix socket path must fit in 104 bytes (the smallest sun_path,
 * macOS/BSD), and ssh makes `<dir>/<%C: 40 hex>.<16 random>` while it sets the master up.
 */
export const CONTROL_DIR_MAX = 104 - 1 - 40 - 17 - 1;

/** Host aliases: what a `Host` line can hold literally (no patterns, spaces, commas or tokens). */
export const ALIAS_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;
const HOST_RE = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
const USER_RE = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/;
export const JUMP_RE = /^([A-Za-z_][A-Za-z0-9_.-]{0,31}@)?[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(:\d{1,5})?$/;

/** A value for ssh_config: refuses what cannot be written safely, quotes what has spaces. */
function value(v: string, what: string, tokens: boolean): string {
  if (v === '' || /[\0-\x1f\x7f"]/.test(v)) throw new Error(`ssh config: ${what} ${JSON.stringify(v)} is empty or holds a quote or control character`);
  const t = tokens ? v.replace(/%/g, '%%') : v;
  return /[\s#'\\]/.test(t) ? `"${t}"` : t;
}

function checkTarget(t: SshTarget): void {
  const bad = (what: string, v: unknown) => {
    throw new Error(`ssh config: host ${JSON.stringify(t.name)}: bad ${what} ${JSON.stringify(v)}`);
  };
  if (!ALIAS_RE.test(t.name)) bad('name', t.name);
  if (!HOST_RE.test(t.host)) bad('address', t.host);
  if (!USER_RE.test(t.user)) bad('user', t.user);
  if (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535) bad('port', t.port);
  if (t.identityFile !== null && !t.identityFile.startsWith('/')) bad('identity file (must be absolute)', t.identityFile);
  if (t.jump !== null && !t.jump.split(',').every((j) => JUMP_RE.test(j))) bad('jump', t.jump);
}

/** The ssh_config text for `targets`. Throws (Error) on a value that cannot be written safely. */
export function sshConfigText(targets: SshTarget[], o: SshConfigOptions): string {
  if (!o.controlDir.startsWith('/')) throw new Error(`ssh config: control directory must be absolute, got ${JSON.stringify(o.controlDir)}`);
  if (Buffer.byteLength(o.controlDir) > CONTROL_DIR_MAX)
    throw new Error(
      `ssh config: control directory ${o.controlDir} is ${Buffer.byteLength(o.controlDir)} bytes; control sockets need it at most ${CONTROL_DIR_MAX} (set ICBENCH_STATE_DIR to a shorter path)`,
    );
  const known = value(o.knownHostsFile, 'known_hosts file', true);
  const persist = o.persistS ?? 60,
    timeout = o.connectTimeoutS ?? 10;
  const common = [
    '  BatchMode yes',
    '  StrictHostKeyChecking yes',
    `  UserKnownHostsFile ${known}`,
    '  GlobalKnownHostsFile /dev/null',
    '  UpdateHostKeys no',
    '  CheckHostIP no',
    '  PasswordAuthentication no',
    '  KbdInteractiveAuthentication no',
    '  ForwardAgent no',
    '  ForwardX11 no',
    `  ConnectTimeout ${timeout}`,
    '  ServerAliveInterval 5',
    '  ServerAliveCountMax 3',
    '  LogLevel ERROR',
  ];
  const seen = new Set<string>();
  const out = ['# Written by intercloud-bench for one run; removed when the run ends.', ''];
  for (const t of targets) {
    checkTarget(t);
    if (seen.has(t.name)) throw new Error(`ssh config: host ${JSON.stringify(t.name)} given twice`);
    seen.add(t.name);
    out.push(`Host ${t.name}`);
    out.push(`  HostName ${value(t.host, 'address', true)}`);
    out.push(`  User ${t.user}`);
    out.push(`  Port ${t.port}`);
    if (t.identityFile !== null) out.push(`  IdentityFile ${value(t.identityFile, 'identity file', true)}`);
    out.push('  IdentitiesOnly yes');
    if (t.jump !== null) out.push(`  ProxyJump ${t.jump}`);
    out.push(...common);
    out.push('  ControlMaster auto');
    out.push(`  ControlPath ${value(`${o.controlDir.replace(/%/g, '%%')}/%C`, 'control directory', false)}`);
    out.push(`  ControlPersist ${persist}`);
    out.push('');
  }
  // Jump hosts: ssh opens them with this same file (it passes -F on). Each gets the key of the
  // first host that goes through it; the catch-all block gives them the same strict settings
  // and no connection sharing of their own.
  const jumpKeys = new Map<string, string | null>();
  for (const t of targets)
    for (const j of t.jump?.split(',') ?? []) {
      const h = j.replace(/^[^@]*@/, '').replace(/:\d+$/, '');
      if (!seen.has(h) && !jumpKeys.has(h)) jumpKeys.set(h, t.identityFile);
    }
  for (const [h, key] of jumpKeys) {
    if (key === null) continue;
    out.push(`Host ${h}`, `  IdentityFile ${value(key, 'identity file', true)}`, '  IdentitiesOnly yes', '');
  }
  out.push('Host *', ...common, '  ControlMaster no', '');
  return out.join('\n');
}

/** POSIX single-quoting for the remote shell; plain words stay as they are. */
export function remoteQuote(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** One remote command line from an argv: each argument quoted for the remote POSIX shell. */
export function remoteCommand(argv: string[]): string {
  if (argv.length === 0) throw new Error('ssh: empty command');
  return argv.map(remoteQuote).join(' ');
}
