/**
 * Loads a host inventory: a YAML file in the Ansible inventory shape (all.vars, all.children.<site>
 * .vars / .hosts.<host>), validated completely before anything is contacted. Host vars override
 * group vars override all.vars. Understood Ansible keys: ansible_host, ansible_user, ansible_port,
 * ansible_ssh_private_key_file (and their old ansible_ssh_* spellings); other ansible_* keys are
 * ignored; unknown icbench_* keys are errors; password keys are refused without echoing them.
 * Every error is a ConfigError whose field is "<file>: <path>", with the YAML line when known.
 */
import { statSync } from 'node:fs';
import { MAX_INPUT_BYTES, readInputFile } from '../input-file.js';
import { homedir, userInfo } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { VIRTS, type Virt } from '../config.js';
import { ALIAS_RE, JUMP_RE, type SshTarget } from '../ssh/config.js';
import { parseSubnet } from '../subnet.js';
import { ConfigError, parseRate, positiveInt } from '../units.js';
import { L2VPN_MODES, type Inventory, type InventoryHost, type InventorySite, type L2vpnMode } from './types.js';
import { isXenGuestWorkload, XEN_GUEST_WORKLOADS, type XenGuestWorkload } from '../xen-guest.js';

export * from './types.js';

/** A ConfigError from an inventory file; `line` is the 1-based YAML line when known. */
export class InventoryError extends ConfigError {
  constructor(
    field: string,
    expected: string,
    got: unknown,
    public readonly line: number | null,
    message?: string,
  ) {
    super(field, expected, got);
    if (message !== undefined) this.message = message;
    if (line !== null) this.message += ` (line ${line})`;
  }
}

export interface ParseInventoryOptions {
  /** Check that identity files exist with mode 0600 or stricter (default true). */
  checkFiles?: boolean;
  /** What `~` means (default: the home directory). */
  home?: string;
  /** The SSH user when no ansible_user is set (default: the current user). */
  defaultUser?: string;
}

const SITE_RE = /^[A-Za-z][A-Za-z0-9]{0,11}$/;
const SITE_EXPECTED = 'a site name of 1-12 letters or digits starting with a letter';
const HOST_NAME_EXPECTED = 'a host name of letters, digits, dots, dashes or underscores, starting with a letter or digit';
const DNS_RE = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4_RE = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);
const USER_RE = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/;
const PASSWORD_RE = /^ansible_(ssh_)?pass(word)?$|^ansible_(become|sudo|su)_pass(word)?$/;
const PASSWORD_MESSAGE = 'passwords are not supported: use a key (ansible_ssh_private_key_file)';

export function isIpv4(s: string): boolean {
  return IPV4_RE.test(s);
}

type Scope = 'all' | 'site' | 'host';

interface Vars {
  ansible_host: string;
  ansible_user: string;
  ansible_port: number;
  ansible_ssh_private_key_file: string;
  icbench_known_hosts: string;
  icbench_l2vpn: L2vpnMode;
  icbench_cluster_subnet: string;
  icbench_virt: Virt;
  icbench_nodes_per_host: number;
  icbench_lan: number;
  icbench_lan_label: string;
  icbench_data_address: string;
  icbench_jump: string;
  icbench_l2_interface: string;
  icbench_xen_kernel: string;
  icbench_xen_ramdisk: string;
  icbench_xen_memory: number;
  icbench_xen_vcpus: number;
  icbench_xen_guest_key: string;
  icbench_xen_disk: string;
  icbench_xen_guest_runs: XenGuestWorkload[];
}
type Key = keyof Vars;
/** A value as set in the file, with where it was set. */
interface Given<T> {
  value: T;
  path: string[];
}
type ScopeVars = { [K in Key]?: Given<Vars[K]> };

/** Old Ansible spellings, read as the current ones. */
const ALIASES: Record<string, Key> = {
  ansible_ssh_host: 'ansible_host',
  ansible_ssh_user: 'ansible_user',
  ansible_ssh_port: 'ansible_port',
  ansible_private_key_file: 'ansible_ssh_private_key_file',
};

const WHERE: Record<Scope, string> = { all: 'all.vars', site: "a site group's vars", host: "a host's vars" };
/** Where each key may be set. */
const SCOPES: Record<Key, Scope[]> = {
  ansible_host: ['host'],
  ansible_user: ['all', 'site', 'host'],
  ansible_port: ['all', 'site', 'host'],
  ansible_ssh_private_key_file: ['all', 'site', 'host'],
  icbench_known_hosts: ['all'],
  icbench_l2vpn: ['all'],
  icbench_cluster_subnet: ['all'],
  icbench_virt: ['all', 'site'],
  icbench_nodes_per_host: ['all', 'site', 'host'],
  icbench_lan: ['all', 'site'],
  icbench_lan_label: ['all', 'site'],
  icbench_data_address: ['host'],
  icbench_jump: ['all', 'site', 'host'],
  icbench_l2_interface: ['site', 'host'],
  icbench_xen_kernel: ['all', 'site', 'host'],
  icbench_xen_ramdisk: ['all', 'site', 'host'],
  icbench_xen_memory: ['all', 'site', 'host'],
  icbench_xen_vcpus: ['all', 'site', 'host'],
  icbench_xen_guest_key: ['all', 'site', 'host'],
  icbench_xen_disk: ['all', 'site', 'host'],
  icbench_xen_guest_runs: ['all', 'site', 'host'],
};
const ICBENCH_KEYS = (Object.keys(SCOPES) as Key[]).filter((k) => k.startsWith('icbench_'));

class Ctx {
  readonly seenFiles = new Map<string, true>();
  constructor(
    readonly file: string,
    readonly dir: string,
    readonly doc: Document | null,
    readonly lc: LineCounter,
    readonly o: Required<ParseInventoryOptions>,
  ) {}

  field(path: string[]): string {
    return `${this.file}: ${path.length ? path.join('.') : '(top)'}`;
  }

  /** 1-based line of the value (or of the key, when `key`) at `path`, if it is in the YAML as written. */
  line(path: string[], key = false): number | null {
    let node: unknown = this.doc?.contents ?? null;
    let keyNode: unknown = null;
    for (const part of path) {
      if (!isMap(node)) return null;
      const pair = node.items.find((p) => isPair(p) && String(isScalar(p.key) ? p.key.value : p.key) === part);
      if (!pair) return null;
      keyNode = pair.key;
      node = pair.value;
    }
    const n = (key ? keyNode : node) ?? keyNode;
    const range = (n as { range?: [number, number, number] } | null)?.range;
    return range ? this.lc.linePos(range[0]).line : null;
  }

  fail(path: string[], expected: string, got: unknown, o: { key?: boolean; message?: string } = {}): never {
    const field = this.field(path);
    throw new InventoryError(field, expected, got, this.line(path, o.key), o.message === undefined ? undefined : `${field}: ${o.message}`);
  }

  obj(v: unknown, path: string[], what: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, what, v);
    return v as Record<string, unknown>;
  }

  /** `~` expanded, relative paths against the inventory file's folder. */
  path(v: unknown, p: string[]): string {
    if (typeof v !== 'string' || v.trim() === '' || /[\0-\x1f"]/.test(v)) this.fail(p, 'a file path', v);
    const s = v as string;
    if (s === '~' || s.startsWith('~/')) return resolve(this.o.home, s.slice(2));
    if (s.startsWith('~')) this.fail(p, "a path starting with ~/ (other users' ~name is not expanded)", v);
    return isAbsolute(s) ? resolve(s) : resolve(this.dir, s);
  }
}

function parseValue(c: Ctx, key: Key, v: unknown, p: string[]): Vars[Key] {
  if (typeof v === 'string' && /\{\{|\{%/.test(v)) c.fail(p, 'a plain value (Jinja templates are not evaluated here)', v);
  switch (key) {
    case 'ansible_host': {
      if (typeof v !== 'string' || v.length > 253 || !(isIpv4(v) || (DNS_RE.test(v) && !/^[\d.]+$/.test(v)))) c.fail(p, 'a host name or an IPv4 address', v);
      return v as string;
    }
    case 'ansible_user':
      if (typeof v !== 'string' || !USER_RE.test(v)) c.fail(p, 'a user name (letters, digits, _ . -)', v);
      return v as string;
    case 'ansible_port': {
      const n = typeof v === 'string' && /^\d{1,5}$/.test(v) ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65535) c.fail(p, 'a port number from 1 to 65535', v);
      return n as number;
    }
    case 'ansible_ssh_private_key_file':
    case 'icbench_known_hosts':
      return c.path(v, p);
    case 'icbench_l2vpn':
      if (!(L2VPN_MODES as readonly unknown[]).includes(v)) c.fail(p, `one of ${L2VPN_MODES.join(', ')}`, v);
      return v as L2vpnMode;
    case 'icbench_cluster_subnet':
      try {
        return parseSubnet(v, c.field(p)).cidr;
      } catch (e) {
        if (e instanceof ConfigError) c.fail(p, e.expected, v);
        throw e;
      }
    case 'icbench_virt':
      if (!(VIRTS as readonly unknown[]).includes(v)) c.fail(p, `one of ${VIRTS.join(', ')}`, v);
      return v as Virt;
    case 'icbench_nodes_per_host':
      try {
        return positiveInt(v, c.field(p), 1000);
      } catch (e) {
        if (e instanceof ConfigError) c.fail(p, e.expected, v);
        throw e;
      }
    case 'icbench_lan':
      try {
        return parseRate(v, c.field(p));
      } catch (e) {
        if (e instanceof ConfigError) c.fail(p, e.expected, v);
        throw e;
      }
    case 'icbench_lan_label': {
      const s = typeof v === 'number' ? String(v) : v;
      if (typeof s !== 'string' || s.length > 64 || /[\0-\x1f]/.test(s)) c.fail(p, 'a short label (text up to 64 characters)', v);
      return s as string;
    }
    case 'icbench_data_address': {
      const ok = typeof v === 'string' && isIpv4(v) && !/^(0|127)\./.test(v) && Number(v.split('.')[0]) < 224;
      if (!ok) c.fail(p, typeof v === 'string' && isIpv4(v) ? 'a unicast IPv4 address (not 0.x, 127.x, multicast or reserved)' : 'an IPv4 address', v);
      return v as string;
    }
    case 'icbench_l2_interface':
      if (typeof v !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._@-]{0,14}$/.test(v) || v === 'lo')
        c.fail(p, "a host interface name (up to 15 letters, digits, '.', '_', '@', '-'; not lo)", v);
      return v as string;
    case 'icbench_xen_guest_runs':
      if (!Array.isArray(v) || !v.every(isXenGuestWorkload) || new Set(v).size !== v.length)
        c.fail(p, `a list of what the guest image holds beyond iperf3, ping and load-latency, each once (of ${XEN_GUEST_WORKLOADS.join(', ')})`, v);
      return v as XenGuestWorkload[];
    case 'icbench_xen_kernel':
    case 'icbench_xen_ramdisk':
    case 'icbench_xen_disk':
    case 'icbench_xen_guest_key':
      // Paths on the Xen host (dom0), not on the controller: absolute, nothing a config line or list could break on.
      if (typeof v !== 'string' || !v.startsWith('/') || /[\0-\x1f\x7f,="'\\]/.test(v))
        c.fail(p, 'an absolute path on the Xen host (no quotes, commas, = or control characters)', v);
      return v as string;
    case 'icbench_xen_memory':
    case 'icbench_xen_vcpus': {
      const mem = key === 'icbench_xen_memory';
      if (typeof v !== 'number' || !Number.isInteger(v) || v < (mem ? 32 : 1) || v > (mem ? 1048576 : 128))
        c.fail(p, mem ? 'guest memory in MiB, an integer from 32' : 'guest vCPUs, an integer from 1 to 128', v);
      return v as number;
    }
    case 'icbench_jump':
      if (typeof v !== 'string' || !v.split(',').every((j) => JUMP_RE.test(j))) c.fail(p, 'a jump host [user@]host[:port] (several separated by commas)', v);
      return v as string;
  }
}

function parseVars(c: Ctx, raw: unknown, p: string[], scope: Scope): ScopeVars {
  if (raw === null || raw === undefined) return {};
  const r = c.obj(raw, p, 'a mapping of variables');
  const out: ScopeVars = {};
  const from: Partial<Record<Key, string>> = {};
  for (const [k, v] of Object.entries(r)) {
    const kp = [...p, k];
    if (PASSWORD_RE.test(k)) c.fail(kp, 'no password', '<not shown>', { key: true, message: PASSWORD_MESSAGE });
    const key = (ALIASES[k] ?? k) as Key;
    if (!(key in SCOPES)) {
      if (k.startsWith('icbench_')) c.fail(kp, `a known icbench_ key (${ICBENCH_KEYS.join(', ')})`, k, { key: true });
      continue; // other Ansible variables: not ours
    }
    if (from[key] !== undefined) c.fail(kp, `only one of ${from[key]} and ${k}`, k, { key: true });
    from[key] = k;
    if (!SCOPES[key].includes(scope)) {
      const where = SCOPES[key].map((s) => WHERE[s]).join(' or ');
      c.fail(kp, `${k} set in ${where} only`, `it in ${WHERE[scope]}`, { key: true, message: `${k} belongs in ${where}, not in ${WHERE[scope]}` });
    }
    (out as Record<Key, Given<unknown>>)[key] = { value: parseValue(c, key, v, kp), path: kp };
  }
  return out;
}

function only(c: Ctx, r: Record<string, unknown>, p: string[], allowed: string[], hint: Record<string, string> = {}): void {
  for (const k of Object.keys(r)) {
    if (allowed.includes(k)) continue;
    const kp = [...p, k];
    if (hint[k]) c.fail(kp, hint[k], k, { key: true, message: hint[k] });
    c.fail(kp, `only ${allowed.join(', ')} here`, k, { key: true });
  }
}

function checkIdentity(c: Ctx, s: Given<string>): void {
  if (!c.o.checkFiles || c.seenFiles.has(s.value)) return;
  let mode: number;
  try {
    const st = statSync(s.value);
    if (!st.isFile()) c.fail(s.path, 'a private key file', s.value);
    mode = st.mode & 0o777;
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    c.fail(s.path, 'an existing private key file', s.value, {
      message: `private key file ${s.value} cannot be read (${(e as NodeJS.ErrnoException).code ?? e})`,
    });
  }
  if ((mode & 0o077) !== 0) {
    const m = `0${mode.toString(8).padStart(3, '0')}`;
    c.fail(s.path, 'a private key file of mode 0600 or stricter', `${s.value} (mode ${m})`, {
      message: `private key file ${s.value} has mode ${m}: make it 0600 or stricter (chmod 600 ${s.value}); ssh refuses keys others can read`,
    });
  }
  c.seenFiles.set(s.value, true);
}

/** Parses and validates inventory text; `file` names it in errors and anchors relative paths. */
export function parseInventory(text: string, file: string, opts: ParseInventoryOptions = {}): Inventory {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, merge: true, prettyErrors: true, uniqueKeys: true });
  const o: Required<ParseInventoryOptions> = {
    checkFiles: opts.checkFiles ?? true,
    home: opts.home ?? homedir(),
    defaultUser: opts.defaultUser ?? userInfo().username,
  };
  const c = new Ctx(file, dirname(resolve(file)), doc, lc, o);
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line ?? null;
    throw new InventoryError(file, 'valid YAML', null, line, `${file}: not valid YAML: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    throw new InventoryError(file, 'valid YAML', null, null, `${file}: ${(e as Error).message}`);
  }
  const top = c.obj(root ?? null, [], 'a mapping with `all` at the top (an Ansible YAML inventory)');
  only(c, top, [], ['all'], {});
  if (top.all === undefined) c.fail(['all'], 'a mapping `all` with vars and children (the sites)', undefined);
  const all = c.obj(top.all, ['all'], 'a mapping with vars and children (the sites)');
  only(c, all, ['all'], ['vars', 'children'], { hosts: 'hosts belong in a site group (all.children.<site>.hosts), not directly under all' });
  const globals = parseVars(c, all.vars, ['all', 'vars'], 'all');

  const l2vpn = globals.icbench_l2vpn?.value ?? c.fail(['all', 'vars', 'icbench_l2vpn'], `one of ${L2VPN_MODES.join(', ')}`, undefined);
  if (all.children === undefined || all.children === null) c.fail(['all', 'children'], 'at least one site group', all.children ?? undefined);
  const children = c.obj(all.children, ['all', 'children'], 'a mapping of site groups');
  if (Object.keys(children).length === 0) c.fail(['all', 'children'], 'at least one site group', children);

  const siteNames = new Map<string, string>();
  const hostNames = new Map<string, string>();
  const dataAddrs = new Map<string, string>();
  const sshAddrs = new Map<string, string>();
  const sites: InventorySite[] = [];

  for (const [siteName, rawSite] of Object.entries(children)) {
    const sp = ['all', 'children', siteName];
    if (!SITE_RE.test(siteName)) c.fail(sp, SITE_EXPECTED, siteName, { key: true });
    const prevSite = siteNames.get(siteName.toLowerCase());
    if (prevSite !== undefined) c.fail(sp, `a site name not already used (${prevSite})`, siteName, { key: true });
    siteNames.set(siteName.toLowerCase(), siteName);
    const g = c.obj(rawSite ?? {}, sp, 'a site group: a mapping with vars and hosts');
    only(c, g, sp, ['vars', 'hosts'], { children: 'nested groups are not supported: each group under all.children is one site with its own hosts' });
    const siteVars = parseVars(c, g.vars, [...sp, 'vars'], 'site');
    const rawHosts = g.hosts ?? null;
    if (rawHosts === null) c.fail([...sp, 'hosts'], 'at least one host', undefined);
    const hosts = c.obj(rawHosts, [...sp, 'hosts'], 'a mapping of hosts');
    if (Object.keys(hosts).length === 0) c.fail([...sp, 'hosts'], 'at least one host', hosts);

    const siteGet = <K extends Key>(k: K): Given<Vars[K]> | undefined => (siteVars[k] ?? globals[k]) as Given<Vars[K]> | undefined;
    const virt = siteGet('icbench_virt')?.value ?? 'netns';
    const site: InventorySite = {
      name: siteName,
      lanBps: siteGet('icbench_lan')?.value ?? null,
      lanLabel: siteGet('icbench_lan_label')?.value ?? '',
      virt,
      hosts: [],
    };

    for (const [hostName, rawHost] of Object.entries(hosts)) {
      const hp = [...sp, 'hosts', hostName];
      if (!ALIAS_RE.test(hostName)) c.fail(hp, HOST_NAME_EXPECTED, hostName, { key: true });
      const prevHost = hostNames.get(hostName.toLowerCase());
      if (prevHost !== undefined) c.fail(hp, `a host name not already used in the file (${prevHost})`, hostName, { key: true });
      hostNames.set(hostName.toLowerCase(), `site ${siteName}`);
      const hv = parseVars(c, rawHost, hp, 'host');
      const get = <K extends Key>(k: K): Given<Vars[K]> | undefined => (hv[k] ?? siteVars[k] ?? globals[k]) as Given<Vars[K]> | undefined;

      const address = hv.ansible_host ?? { value: hostName, path: hp };
      if (hv.ansible_host === undefined && !(isIpv4(hostName) || (DNS_RE.test(hostName) && !/^[\d.]+$/.test(hostName))))
        c.fail([...hp, 'ansible_host'], `an SSH address (the host name ${hostName} is not one)`, undefined);
      let data = hv.icbench_data_address;
      if (data === undefined) {
        if (!isIpv4(address.value))
          c.fail(
            [...hp, 'icbench_data_address'],
            `an IPv4 address (required: ansible_host ${JSON.stringify(address.value)} is not an IPv4 address)`,
            undefined,
          );
        data = { value: parseValue(c, 'icbench_data_address', address.value, address.path) as string, path: address.path };
      }
      const prevData = dataAddrs.get(data.value);
      if (prevData !== undefined) c.fail(data.path, `a data address not already used (host ${prevData} has it)`, data.value);
      dataAddrs.set(data.value, hostName);

      const key = get('ansible_ssh_private_key_file');
      if (key) checkIdentity(c, key);
      const ssh: SshTarget = {
        name: hostName,
        host: address.value,
        user: get('ansible_user')?.value ?? o.defaultUser,
        port: get('ansible_port')?.value ?? 22,
        identityFile: key?.value ?? null,
        jump: get('icbench_jump')?.value ?? null,
      };
      const sshKey = `${ssh.host.toLowerCase()}:${ssh.port}|${ssh.jump ?? ''}`;
      const prevSsh = sshAddrs.get(sshKey);
      if (prevSsh !== undefined)
        c.fail(address.path === hp ? hp : address.path, `an SSH address and port not already used (host ${prevSsh} has ${ssh.host}:${ssh.port})`, ssh.host, {
          key: address.path === hp,
        });
      sshAddrs.set(sshKey, hostName);

      const host: InventoryHost = {
        name: hostName,
        site: siteName,
        ssh,
        dataAddress: data.value,
        virt,
        nodesPerHost: get('icbench_nodes_per_host')?.value ?? 1,
      };
      // Required with icbench_l2vpn: provided (checked by the remote provider, infra/remote/spec.ts).
      const l2if = get('icbench_l2_interface');
      if (l2if) host.l2Interface = l2if.value;
      if (virt === 'xen') {
        const kernel = get('icbench_xen_kernel');
        if (!kernel)
          c.fail(
            [...hp, 'icbench_xen_kernel'],
            "the guest kernel's path on the Xen host (required with icbench_virt: xen; in the host's, site's or all vars)",
            undefined,
          );
        host.xen = {
          kernel: kernel!.value,
          ramdisk: get('icbench_xen_ramdisk')?.value ?? null,
          memoryMiB: get('icbench_xen_memory')?.value ?? 256,
          vcpus: get('icbench_xen_vcpus')?.value ?? 1,
          guestKey: get('icbench_xen_guest_key')?.value ?? null,
          disk: get('icbench_xen_disk')?.value ?? null,
          runs: get('icbench_xen_guest_runs')?.value ?? [],
        };
      }
      site.hosts.push(host);
    }
    sites.push(site);
  }

  return {
    file: resolve(file),
    sites,
    l2vpn,
    knownHostsFile: globals.icbench_known_hosts?.value ?? resolve(o.home, '.ssh', 'known_hosts'),
    clusterSubnet: globals.icbench_cluster_subnet?.value ?? null,
  };
}

/** Reads and validates an inventory file (nothing is contacted). */
export function loadInventory(path: string, opts: ParseInventoryOptions = {}): Inventory {
  let text: string;
  try {
    text = readInputFile(path);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new InventoryError(path, `a readable inventory file of at most ${MAX_INPUT_BYTES} bytes`, path, null, `${path}: cannot read the inventory (${why})`);
  }
  return parseInventory(text, path, opts);
}
