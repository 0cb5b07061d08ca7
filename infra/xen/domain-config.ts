/**
 * xl domain configuration text (xl.cfg(5)) from typed options. Pure: no I/O.
 *
 * Strings are written in double quotes with the escapes xl's config lexer undoes (\\ and \"); other
 * control characters are refused rather than escaped, so a value can never end a line or a list
 * early. Disk and vif specs are comma-separated key=value lists parsed again by libxl, so a comma or
 * '=' inside one of their values is refused too (a disk's target=, written last, may hold commas:
 * xl-disk-configuration(5) allows that for the final key only).
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { ConfigError, positiveInt } from '../units.js';
import { RUN_ID_RE, nsName } from '../run-id.js';

export type XenGuestType = 'pv' | 'pvh' | 'hvm';
export type XenAction = 'destroy' | 'restart' | 'rename-restart' | 'preserve' | 'coredump-destroy' | 'coredump-restart';

export interface XenDisk {
  target: string;
  vdev: string;
  format?: 'raw' | 'qcow2' | 'vhd';
  access?: 'rw' | 'ro';
}
/** One virtual NIC on a dom0 bridge; the MAC is derived from run id + node + index unless given. */
export interface XenVif {
  bridge: string;
  mac?: string;
}
/** The guest's static address on the cluster segment, handed to a Linux kernel as `ip=`. */
export interface XenGuestAddress {
  address: string;
  prefix: number;
  gateway?: string;
  device?: string;
}

export interface XenDomainOptions {
  runId: string;
  node: string;
  type: XenGuestType;
  vcpus: number;
  memoryMiB: number;
  kernel?: string;
  ramdisk?: string;
  /** Extra kernel command line; `ip=` for `guest` is appended. */
  extra?: string;
  bootloader?: 'pygrub';
  disks?: XenDisk[];
  vifs?: XenVif[];
  guest?: XenGuestAddress;
  onPoweroff?: XenAction;
  onCrash?: XenAction;
}

export interface XenDomainConfig {
  name: string;
  text: string;
  macs: string[];
  address?: string;
}

const TYPES: XenGuestType[] = ['pv', 'pvh', 'hvm'];
const ACTIONS: XenAction[] = ['destroy', 'restart', 'rename-restart', 'preserve', 'coredump-destroy', 'coredump-restart'];
const NODE_RE = /^[a-z0-9][a-z0-9-]{0,30}$/;
const BRIDGE_RE = /^[A-Za-z0-9_.-]{1,15}$/;
const VDEV_RE = /^(xvd|hd|sd)[a-z]{1,2}[0-9]*$/;
const MAC_RE = /^00:16:3e(:[0-9a-f]{2}){3}$/;

/** Every Xen domain of a run is named like its namespaces: icb-<run-id>-<node>. */
export function domainName(runId: string, node: string): string {
  if (!RUN_ID_RE.test(runId)) throw new ConfigError('runId', 'a run id like 20261122-034901-a1b2', runId);
  if (!NODE_RE.test(node)) throw new ConfigError('node', 'a node name of lowercase letters, digits and dashes (at most 31)', node);
  return nsName(runId, node);
}

/** A stable MAC in Xen's OUI 00:16:3e; the 4th octet's top bit is clear, as libxl does for its own. */
export function xenMac(runId: string, node: string, index: number): string {
  const h = createHash('sha256').update(`${runId}/${node}/${index}`).digest();
  const b = [h[0] & 0x7f, h[1], h[2]].map((x) => x.toString(16).padStart(2, '0'));
  return `00:16:3e:${b.join(':')}`;
}

/** A value written as an xl.cfg string: double-quoted, \ and " escaped, control characters refused. */
export function xlString(v: string, field: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(v)) throw new ConfigError(field, 'text without newlines or control characters', v);
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function plain(v: unknown, field: string, re: RegExp, expected: string): string {
  if (typeof v !== 'string' || !re.test(v)) throw new ConfigError(field, expected, v);
  return v;
}

function absPath(v: unknown, field: string, allowComma = false): string {
  const bad = allowComma ? /[\x00-\x1f\x7f]/ : /[\x00-\x1f\x7f,=]/; // eslint-disable-line no-control-regex
  if (typeof v !== 'string' || !v.startsWith('/') || bad.test(v)) throw new ConfigError(field, `an absolute path${allowComma ? '' : " without ',' or '='"}`, v);
  return v;
}

function oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) throw new ConfigError(field, `one of ${allowed.join(', ')}`, v);
  return v as T;
}

/** Linux `ip=<client>::<gw>:<netmask>:<hostname>:<device>:off` for a static guest address. */
export function kernelIpArg(g: XenGuestAddress, hostname: string): string {
  if (isIP(g.address) !== 4) throw new ConfigError('guest.address', 'an IPv4 address', g.address);
  const prefix = positiveInt(g.prefix, 'guest.prefix', 32);
  if (g.gateway !== undefined && isIP(g.gateway) !== 4) throw new ConfigError('guest.gateway', 'an IPv4 address', g.gateway);
  const device = plain(g.device ?? 'eth0', 'guest.device', /^[a-z][a-z0-9]{0,14}$/, 'an interface name such as eth0');
  const mask = (0xffffffff << (32 - prefix)) >>> 0;
  const netmask = [24, 16, 8, 0].map((s) => (mask >>> s) & 255).join('.');
  return `ip=${g.address}::${g.gateway ?? ''}:${netmask}:${hostname}:${device}:off`;
}

export function renderDomainConfig(o: XenDomainOptions): XenDomainConfig {
  const name = domainName(o.runId, o.node);
  const type = oneOf(o.type, 'type', TYPES);
  const vcpus = positiveInt(o.vcpus, 'vcpus', 512);
  const memory = positiveInt(o.memoryMiB, 'memoryMiB', 16 * 1024 * 1024);
  if (memory < 16) throw new ConfigError('memoryMiB', 'at least 16 (MiB)', o.memoryMiB);
  if (o.bootloader !== undefined && o.bootloader !== 'pygrub') throw new ConfigError('bootloader', "'pygrub'", o.bootloader);
  if (o.bootloader && o.kernel) throw new ConfigError('kernel', "nothing when bootloader is 'pygrub'", o.kernel);
  if (type !== 'hvm' && !o.bootloader && !o.kernel) throw new ConfigError('kernel', `a kernel path (or bootloader 'pygrub') for a ${type} guest`, o.kernel);
  if (o.ramdisk && !o.kernel) throw new ConfigError('ramdisk', 'nothing unless a kernel is given', o.ramdisk);

  const lines = [
    `# intercloud-bench domain ${name} (generated; do not edit)`,
    `name = ${xlString(name, 'name')}`,
    `type = "${type}"`,
    `vcpus = ${vcpus}`,
    `memory = ${memory}`,
  ];
  if (o.bootloader) lines.push(`bootloader = "pygrub"`);
  if (o.kernel) lines.push(`kernel = ${xlString(absPath(o.kernel, 'kernel', true), 'kernel')}`);
  if (o.ramdisk) lines.push(`ramdisk = ${xlString(absPath(o.ramdisk, 'ramdisk', true), 'ramdisk')}`);
  const extra = [o.extra ?? '', o.guest ? kernelIpArg(o.guest, name) : ''].filter(Boolean).join(' ');
  if (extra) {
    if (!o.kernel) throw new ConfigError(o.extra ? 'extra' : 'guest', 'a kernel to pass the command line to', o.extra ?? o.guest);
    lines.push(`extra = ${xlString(extra, 'extra')}`);
  }

  const disks = (o.disks ?? []).map((d, i) => {
    const f = `disks[${i}]`;
    const format = oneOf(d.format ?? 'raw', `${f}.format`, ['raw', 'qcow2', 'vhd'] as const);
    const access = oneOf(d.access ?? 'rw', `${f}.access`, ['rw', 'ro'] as const);
    const vdev = plain(d.vdev, `${f}.vdev`, VDEV_RE, 'a virtual device such as xvda');
    return xlString(`format=${format}, vdev=${vdev}, access=${access}, target=${absPath(d.target, `${f}.target`, true)}`, f);
  });
  if (disks.length) lines.push(`disk = [ ${disks.join(', ')} ]`);

  const macs: string[] = [];
  const vifs = (o.vifs ?? []).map((v, i) => {
    const f = `vifs[${i}]`;
    const bridge = plain(v.bridge, `${f}.bridge`, BRIDGE_RE, 'a bridge name (letters, digits, _ . -; at most 15)');
    const mac = v.mac === undefined ? xenMac(o.runId, o.node, i) : plain(v.mac, `${f}.mac`, MAC_RE, 'a lowercase MAC in 00:16:3e:xx:xx:xx');
    macs.push(mac);
    return xlString(`bridge=${bridge}, mac=${mac}`, f);
  });
  if (vifs.length) lines.push(`vif = [ ${vifs.join(', ')} ]`);

  lines.push(`on_poweroff = "${oneOf(o.onPoweroff ?? 'destroy', 'onPoweroff', ACTIONS)}"`);
  lines.push(`on_crash = "${oneOf(o.onCrash ?? 'destroy', 'onCrash', ACTIONS)}"`);
  return { name, text: lines.join('\n') + '\n', macs, address: o.guest?.address };
}
