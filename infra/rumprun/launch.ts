/**
 * Launching a baked Rumprun unikernel with the `rumprun` driver script, and stopping it.
 * Option syntax checked against rumprun's app-tools/rumprun (usage text and getopts
 * 'b:dD:e:g:iI:M:n:N:pW:'):
 *   -I iftag,ifbasename[,backendopts]  xen: ifbasename xenif, backendopts go to the vif (e.g. bridge=br0);
 *                                      kvm/qemu: ifbasename vioif, backendopts are qemu -net options
 *   -W iftag,inet,static,ADDR/MASK[,GATEWAY]  (the gateway is the 5th field: there is no gateway flag;
 *                                      -g passes arguments to the guest launcher on qemu/kvm only)
 *   -M MiB, -N name, -b image[,mountpoint], -e VAR=VALUE, -i console, -d destroy on poweroff (xen only)
 * Non-interactive, `rumprun xen` prints `xen:<domid>` and `rumprun kvm|qemu` prints `qemu:<pid>`.
 */
import { isIP } from 'node:net';
import { ConfigError, positiveInt } from '../units.js';
import type { Executor, RunOptions, CmdResult } from '../exec.js';
import { domainName } from '../xen/domain-config.js';
import type { XenHost } from '../xen/xl.js';
import { parseRumprunLaunch } from './output.js';

export type RumprunPlatform = 'xen' | 'kvm' | 'qemu';
export interface RumprunNet {
  tag: string;
  address: string;
  prefix: number;
  gateway?: string;
  bridge?: string;
  qemuNet?: string;
}
export interface RumprunLaunchOptions {
  platform: RumprunPlatform;
  runId: string;
  node: string;
  image: string;
  memoryMiB?: number;
  interactive?: boolean;
  /** xen only: destroy the domain when the unikernel powers off (rumprun's default preserves it). */
  destroyOnPoweroff?: boolean;
  nets?: RumprunNet[];
  blocks?: { image: string; mountpoint?: string }[];
  env?: Record<string, string>;
  appArgs?: string[];
}

const TAG_RE = /^[a-z][a-z0-9]{0,7}$/;
const SAFE_RE = /^[A-Za-z0-9_./:+@%-]+$/;
const field = (v: unknown, f: string, re: RegExp, expected: string): string => {
  if (typeof v !== 'string' || !re.test(v)) throw new ConfigError(f, expected, v);
  return v;
};

export function rumprunArgv(o: RumprunLaunchOptions): { name: string; argv: string[] } {
  if (!['xen', 'kvm', 'qemu'].includes(o.platform)) throw new ConfigError('platform', 'one of xen, kvm, qemu', o.platform);
  const xen = o.platform === 'xen';
  const name = domainName(o.runId, o.node);
  const argv = ['rumprun', o.platform];
  if (o.interactive) argv.push('-i');
  if (o.destroyOnPoweroff) {
    if (!xen) throw new ConfigError('destroyOnPoweroff', 'false on kvm/qemu (rumprun: "-d not supported on qemu/kvm")', true);
    argv.push('-d');
  }
  argv.push('-M', String(positiveInt(o.memoryMiB ?? 64, 'memoryMiB', 1024 * 1024)), '-N', name);
  (o.nets ?? []).forEach((n, i) => {
    const f = `nets[${i}]`;
    const tag = field(n.tag, `${f}.tag`, TAG_RE, 'an interface tag of lowercase letters and digits, e.g. net0');
    let backend: string;
    if (xen) backend = `xenif,bridge=${field(n.bridge, `${f}.bridge`, /^[A-Za-z0-9_.-]{1,15}$/, 'the dom0 bridge of the site segment')}`;
    else backend = `vioif,${field(n.qemuNet, `${f}.qemuNet`, /^-net [A-Za-z0-9_=,./-]+$/, "qemu options such as '-net tap,ifname=tap0,script=no'")}`;
    if (isIP(n.address) !== 4) throw new ConfigError(`${f}.address`, 'an IPv4 address', n.address);
    const prefix = positiveInt(n.prefix, `${f}.prefix`, 32);
    if (n.gateway !== undefined && isIP(n.gateway) !== 4) throw new ConfigError(`${f}.gateway`, 'an IPv4 address', n.gateway);
    argv.push('-I', `${tag},${backend}`, '-W', `${tag},inet,static,${n.address}/${prefix}${n.gateway ? `,${n.gateway}` : ''}`);
  });
  (o.blocks ?? []).forEach((b, i) => {
    const img = field(b.image, `blocks[${i}].image`, /^\/[A-Za-z0-9_./+-]+$/, 'an absolute image path without commas');
    const mp = b.mountpoint === undefined ? '' : `,${field(b.mountpoint, `blocks[${i}].mountpoint`, /^\/[A-Za-z0-9_./-]*$/, 'an absolute mount point')}`;
    argv.push('-b', img + mp);
  });
  for (const [k, v] of Object.entries(o.env ?? {})) {
    // rumprun writes -e into a JSON string without escaping: refuse quotes and backslashes.
    field(k, `env.${k}`, /^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable name');
    argv.push('-e', `${k}=${field(v, `env.${k}`, /^[^"\\\x00-\x1f]*$/, 'a value without quotes, backslashes or control characters')}`);
  }
  argv.push(field(o.image, 'image', /^\/[A-Za-z0-9_./+-]+$/, 'an absolute path to the baked unikernel'));
  const args = (o.appArgs ?? []).map((a, i) => field(a, `appArgs[${i}]`, SAFE_RE, 'an argument of letters, digits and _ . / : + @ % -'));
  if (args.length) argv.push('--', ...args);
  return { name, argv };
}

export type RumprunHandle = { platform: 'xen'; name: string; domid: number } | { platform: 'kvm' | 'qemu'; name: string; pid: number; image: string };

/** Env prefix that silences the "rumprun is experimental" banner (RUMPRUN_WARNING_STFU=please). */
const QUIET = ['env', 'RUMPRUN_WARNING_STFU=please'];

/** Starts a Xen unikernel on a XenHost: the domain is journaled under its run-id name first. */
export async function startOnXen(
  host: XenHost,
  o: RumprunLaunchOptions,
  journal: (e: { kind: 'xen-domain'; host: string; name: string }) => void,
): Promise<RumprunHandle> {
  const { name, argv } = rumprunArgv({ ...o, platform: 'xen', interactive: false });
  journal({ kind: 'xen-domain', host: host.where, name });
  const r = await host.run([...QUIET, ...argv], { timeoutMs: 120_000 });
  const p = parseRumprunLaunch(`${r.stdout}\n${r.stderr}`);
  if (!r.ok || p.platform !== 'xen' || p.domid === undefined) throw new Error(`${host.where}: rumprun xen ${name} failed: ${p.reason ?? `exit ${r.exitCode}`}`);
  return { platform: 'xen', name, domid: p.domid };
}

/** Stops a Xen unikernel: it is an ordinary domain, so xl destroy (idempotent). */
export function stopOnXen(host: XenHost, h: { name: string }): Promise<void> {
  return host.destroy(h.name);
}

/** Starts a kvm/qemu unikernel on a host reached through `exec`; rumprun backgrounds qemu and prints its pid. */
export async function startOnKvm(
  exec: Executor,
  run: (argv: string[], opts?: RunOptions) => Promise<CmdResult>,
  o: RumprunLaunchOptions,
  journal: (e: { kind: 'rumprun-qemu'; host: string; name: string; image: string }) => void,
): Promise<RumprunHandle> {
  if (o.platform === 'xen') throw new ConfigError('platform', 'kvm or qemu for startOnKvm', o.platform);
  const { name, argv } = rumprunArgv({ ...o, interactive: false });
  journal({ kind: 'rumprun-qemu', host: exec.where, name, image: o.image });
  const r = await run(exec.wrap([...QUIET, ...argv]), { timeoutMs: 60_000 });
  const p = parseRumprunLaunch(`${r.stdout}\n${r.stderr}`);
  if (!r.ok || p.platform !== 'qemu' || p.pid === undefined)
    throw new Error(`${exec.where}: rumprun ${o.platform} ${name} failed: ${p.reason ?? `exit ${r.exitCode}`}`);
  return { platform: o.platform, name, pid: p.pid, image: o.image };
}

/**
 * argv that stops the qemu of a kvm/qemu unikernel: kill the pid only if that process still runs
 * this image (a recycled pid is left alone); exits 0 when the process is already gone.
 */
export function stopKvmArgv(h: { pid: number; image: string }): string[] {
  positiveInt(h.pid, 'pid', 4_194_304);
  const script = '[ -r /proc/$1/cmdline ] || exit 0; tr "\\000" " " < /proc/$1/cmdline | grep -qF -- "$2" || exit 0; kill "$1"';
  return ['sh', '-c', script, 'sh', String(h.pid), h.image];
}
