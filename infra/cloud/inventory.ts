/**
 * Reads the cloud sites of an inventory: `all.children.<site>.cloud` instead of `hosts` (the
 * Ansible shape of infra/inventory/load.ts otherwise). Everything is validated before any API is
 * called; errors are InventoryErrors naming "<file>: <path>". Credentials must be references
 * ({ env: NAME } or { file: PATH }): an inline secret is refused without echoing it.
 */
import { isAbsolute, resolve, dirname } from 'node:path';
import { homedir } from 'node:os';
import { parse } from 'yaml';
import { InventoryError } from '../inventory/load.js';
import { readInputFile } from '../input-file.js';
import { parseSubnet } from '../subnet.js';
import { ConfigError } from '../units.js';
import { CLOUD_KINDS, CLOUD_LIMITS, type CloudInventory, type CloudKind, type CloudSite, type SecretRef } from './types.js';

/** The credentials each kind needs (libvirt: the local socket's permissions, none here). */
export const CREDENTIALS: Record<CloudKind, readonly string[]> = {
  libvirt: [],
  ec2: ['accessKeyId', 'secretAccessKey'],
  cloudstack: ['apiKey', 'secretKey'],
};
const KEYS = ['kind', 'endpoint', 'region', 'credentials', 'image', 'size', 'count', 'network', 'lifetime', 'user', 'sshFrom'] as const;
const ENV_RE = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const SECRET_KEY_RE = /secret|password|passwd|token|apikey|api_key|access_?key/i;
const SITE_RE = /^[A-Za-z][A-Za-z0-9]{0,11}$/;
const LIFETIME_RE = /^\s*(\d+(?:\.\d+)?)\s*(s|min|m|h)\s*$/;
const SCALE: Record<string, number> = { s: 1, m: 60, min: 60, h: 3600 };
/** The inventory key (all.vars) of the instance cap of a run. */
export const MAX_INSTANCES_KEY = 'icbench_cloud_max_instances';
const DEFAULT_MAX_INSTANCES = 16;

/** Does this parsed inventory document have any cloud site (then the cloud provider runs it). */
export function hasCloudSites(doc: unknown): boolean {
  const children = (doc as { all?: { children?: Record<string, unknown> } } | null)?.all?.children;
  if (!children || typeof children !== 'object') return false;
  return Object.values(children).some((g) => g !== null && typeof g === 'object' && 'cloud' in (g as object));
}

/** True when the inventory file names a cloud site (false for an unreadable file: the ssh loader reports it). */
export function fileHasCloudSites(path: string): boolean {
  try {
    return hasCloudSites(parse(readInputFile(path)));
  } catch {
    return false;
  }
}

function fail(file: string, path: string[], expected: string, got: unknown, message?: string): never {
  const field = `${file}: ${path.join('.')}`;
  throw new InventoryError(field, expected, got, null, message === undefined ? undefined : `${field}: ${message}`);
}

function str(file: string, v: unknown, p: string[], expected: string, re?: RegExp): string {
  if (typeof v !== 'string' || v.trim() === '' || /[\0-\x1f]/.test(v) || (re && !re.test(v))) fail(file, p, expected, v);
  return v as string;
}

function secretRef(file: string, v: unknown, p: string[], home: string): SecretRef {
  const how = 'a reference { env: VARIABLE } or { file: PATH } (never the secret itself)';
  if (typeof v === 'string' || typeof v === 'number')
    fail(file, p, how, '<not shown>', `an inline secret is refused: give ${how}; the value given is not shown`);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(file, p, how, v);
  const r = v as Record<string, unknown>;
  const keys = Object.keys(r);
  if (keys.length !== 1 || !['env', 'file'].includes(keys[0])) fail(file, p, how, keys.join(', '));
  if (keys[0] === 'env') return { env: str(file, r.env, [...p, 'env'], 'an environment variable name (letters, digits, _)', ENV_RE) };
  const f = str(file, r.file, [...p, 'file'], 'a file path');
  const abs = f === '~' || f.startsWith('~/') ? resolve(home, f.slice(2)) : isAbsolute(f) ? resolve(f) : resolve(dirname(resolve(file)), f);
  return { file: abs };
}

function lifetimeS(file: string, v: unknown, p: string[]): number {
  const m = typeof v === 'string' ? LIFETIME_RE.exec(v) : null;
  const s = m ? Number(m[1]) * SCALE[m[2]] : Number.NaN;
  if (!(s >= 60) || s > CLOUD_LIMITS.maxLifetimeS) fail(file, p, `a lifetime such as '45min' or '2h' (from 1 min to ${CLOUD_LIMITS.maxLifetimeS / 3600} h)`, v);
  return Math.round(s);
}

function cloudSite(file: string, name: string, raw: unknown, home: string): CloudSite {
  const p = ['all', 'children', name, 'cloud'];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    fail(file, p, 'a mapping: kind, endpoint, credentials, image, size, count, network, lifetime', raw);
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    if ((KEYS as readonly string[]).includes(k)) continue;
    if (SECRET_KEY_RE.test(k))
      fail(
        file,
        [...p, k],
        'credentials under credentials, by reference',
        '<not shown>',
        `a secret is not a cloud key: put a reference under credentials (${k} is not shown)`,
      );
    fail(file, [...p, k], `only ${KEYS.join(', ')} here`, k);
  }
  if (!(CLOUD_KINDS as readonly unknown[]).includes(r.kind)) fail(file, [...p, 'kind'], `one of ${CLOUD_KINDS.join(', ')}`, r.kind);
  const kind = r.kind as CloudKind;
  const endpoint =
    kind === 'libvirt'
      ? str(
          file,
          r.endpoint ?? 'qemu:///system',
          [...p, 'endpoint'],
          'a local libvirt URI (qemu:///system or qemu:///session)',
          /^qemu:\/\/\/(system|session)$/,
        )
      : str(file, r.endpoint, [...p, 'endpoint'], 'an http(s) URL of the API', /^https?:\/\/[A-Za-z0-9.[\]:-]+(:\d{1,5})?(\/[A-Za-z0-9._~/-]*)?$/);
  const creds: Record<string, SecretRef> = {};
  const need = CREDENTIALS[kind];
  const rc = r.credentials ?? null;
  if (need.length && rc === null) fail(file, [...p, 'credentials'], `references for ${need.join(', ')}`, undefined);
  if (rc !== null) {
    if (typeof rc !== 'object' || Array.isArray(rc))
      fail(file, [...p, 'credentials'], `a mapping of ${need.join(', ') || 'nothing (libvirt uses its local socket)'}`, rc);
    for (const [k, v] of Object.entries(rc as Record<string, unknown>)) {
      if (!need.includes(k)) {
        if (typeof v === 'string') fail(file, [...p, 'credentials', k], `only ${need.join(', ') || 'no credentials'}`, '<not shown>');
        fail(file, [...p, 'credentials', k], `only ${need.join(', ') || 'no credentials'}`, k);
      }
      creds[k] = secretRef(file, v, [...p, 'credentials', k], home);
    }
    for (const k of need) if (!creds[k]) fail(file, [...p, 'credentials', k], `a reference { env: VARIABLE } or { file: PATH } for ${k}`, undefined);
  }
  const image = str(
    file,
    r.image,
    [...p, 'image'],
    kind === 'libvirt' ? 'the guest image: an absolute path of the kernel, or "icbench" (the project\'s guest image)' : 'an image id',
    /^[A-Za-z0-9/._:-]{1,255}$/,
  );
  const size =
    kind === 'libvirt'
      ? String(r.size ?? 256)
      : str(file, r.size, [...p, 'size'], kind === 'ec2' ? 'an instance type such as t3.micro' : 'a service offering id', /^[A-Za-z0-9._-]{1,128}$/);
  if (kind === 'libvirt' && !(/^\d{2,6}$/.test(size) && Number(size) >= 64)) fail(file, [...p, 'size'], 'guest memory in MiB (an integer from 64)', r.size);
  const count = r.count;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > CLOUD_LIMITS.maxInstancesPerRun)
    fail(file, [...p, 'count'], `an instance count from 1 to ${CLOUD_LIMITS.maxInstancesPerRun}`, count);
  let network: string;
  try {
    network = parseSubnet(r.network, `${file}: ${[...p, 'network'].join('.')}`).cidr;
  } catch (e) {
    if (e instanceof ConfigError) fail(file, [...p, 'network'], e.expected, r.network);
    throw e;
  }
  const sshFrom =
    r.sshFrom === undefined
      ? null
      : (str(file, r.sshFrom, [...p, 'sshFrom'], 'the CIDR the controller connects from, e.g. 203.0.113.7/32', /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/) as string);
  if (kind === 'ec2' && sshFrom === null)
    fail(file, [...p, 'sshFrom'], "the controller's address as a CIDR (the only source the security group opens SSH to)", undefined);
  return {
    name,
    kind,
    endpoint,
    region:
      r.region === undefined ? (kind === 'ec2' ? 'us-east-1' : null) : str(file, r.region, [...p, 'region'], 'a region or zone name', /^[A-Za-z0-9._-]{1,64}$/),
    credentials: creds,
    image,
    size,
    count: count as number,
    network,
    lifetimeS:
      r.lifetime === undefined
        ? fail(file, [...p, 'lifetime'], "the instances' longest life, e.g. '2h' (required: it bounds the cost)", undefined)
        : lifetimeS(file, r.lifetime, [...p, 'lifetime']),
    user: r.user === undefined ? 'root' : str(file, r.user, [...p, 'user'], 'a user name', /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/),
    sshFrom,
  };
}

/** Parses the cloud sites of an inventory document (`raw`: the parsed YAML). Throws InventoryError. */
export function parseCloudSites(raw: unknown, file: string, o: { home?: string } = {}): CloudInventory {
  const home = o.home ?? homedir();
  const all = (raw as { all?: { vars?: Record<string, unknown>; children?: Record<string, unknown> } } | null)?.all;
  const children = all?.children;
  if (!children || typeof children !== 'object') fail(file, ['all', 'children'], 'a mapping of sites', children);
  const clouds: CloudSite[] = [];
  for (const [name, g] of Object.entries(children)) {
    if (g === null || typeof g !== 'object' || !('cloud' in g)) continue;
    if (!SITE_RE.test(name)) fail(file, ['all', 'children', name], 'a site name of 1-12 letters or digits starting with a letter', name);
    const group = g as Record<string, unknown>;
    for (const k of Object.keys(group))
      if (k !== 'cloud' && k !== 'vars') fail(file, ['all', 'children', name, k], 'only cloud and vars in a cloud site (its hosts are created)', k);
    clouds.push(cloudSite(file, name, group.cloud, home));
  }
  const capRaw = all?.vars?.[MAX_INSTANCES_KEY];
  const maxInstances = capRaw === undefined ? DEFAULT_MAX_INSTANCES : (capRaw as number);
  if (typeof maxInstances !== 'number' || !Number.isInteger(maxInstances) || maxInstances < 1 || maxInstances > CLOUD_LIMITS.maxInstancesPerRun)
    fail(file, ['all', 'vars', MAX_INSTANCES_KEY], `the most instances a run may create, from 1 to ${CLOUD_LIMITS.maxInstancesPerRun}`, capRaw);
  const total = clouds.reduce((s, c) => s + c.count, 0);
  if (total > maxInstances)
    fail(file, ['all', 'vars', MAX_INSTANCES_KEY], `at least the instances the cloud sites ask for (${total}), or fewer instances`, maxInstances);
  return { file: resolve(file), clouds, maxInstances };
}

/** Reads an inventory file's cloud sites (nothing is contacted). */
export function loadCloudSites(path: string, o: { home?: string } = {}): { doc: unknown; inventory: CloudInventory } {
  let doc: unknown;
  try {
    doc = parse(readInputFile(path));
  } catch (e) {
    throw new InventoryError(path, 'a readable YAML inventory', path, null, `${path}: cannot read the inventory (${(e as Error).message.split('\n')[0]})`);
  }
  return { doc, inventory: parseCloudSites(doc, path, o) };
}

/** Reads a secret from its reference (at the time of the API call only; never logged). */
export function readSecret(ref: SecretRef, what: string): string {
  if ('env' in ref) {
    const v = process.env[ref.env];
    if (!v) throw new Error(`${what}: environment variable ${ref.env} is not set`);
    return v;
  }
  try {
    return readInputFile(ref.file).trim();
  } catch (e) {
    throw new Error(`${what}: cannot read ${ref.file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
