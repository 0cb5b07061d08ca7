/**
 * libvirt cloud sites: per run and site a transient libvirt network (an isolated bridge, `forward
 * mode='open'`: libvirt adds no firewall rules; the bridge holds the site's first address, the
 * instances' gateway), and per instance a transient QEMU (TCG) domain booting the project's guest
 * kernel and busybox initramfs (scripts/build-vm-image.sh) with an archive appended per instance:
 * its own /init (infra/cloud/guest/init.sh), its SSH host key made on the controller, sshd_config
 * and the controller's authorized key; the host's /usr read-only over 9p brings sshd and the tools.
 * Names carry the run id (icb-<run>-<site>[-k]); every network, domain and folder is journaled
 * (kind libvirt) before it is created. Transient objects vanish when destroyed (and a domain when
 * its lifetime watchdog powers it off): clean destroys by journal and by name prefix.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { posixQuote as q, run } from '../exec.js';
import type { Journal, JournalEntry } from '../journal.js';
import { mapLimit } from '../concurrency.js';
import { parseSubnet } from '../subnet.js';
import type { Leftover } from '../testbed.js';
import type { CreatedHost } from './handoff.js';
import type { CloudSite } from './types.js';

declare module '../journal.js' {
  interface JournalKinds {
    /** A libvirt object of a cloud site (transient network or domain, named with the run id), or the run's folder of instance files. */
    libvirt: { uri: string; what: 'network' | 'domain' | 'dir'; name: string };
  }
}

/** The project's guest image (scripts/build-vm-image.sh). */
export const GUEST_IMAGE = { kernel: '/var/lib/icbench/vm/vmlinuz', initrd: '/var/lib/icbench/vm/initramfs.cpio.gz' };
/** Instance files (initrds with their keys, serial logs), per run. */
export const LIBVIRT_DIR = '/var/lib/icbench-cloud';

export const networkName = (runId: string, site: string) => `icb-${runId}-${site}`;
export const domainName = (runId: string, site: string, k: number) => `icb-${runId}-${site}-${k}`;
/** Bridge names are at most 15 characters: 'icbv' + 8 hex of the run and site. */
export const bridgeName = (runId: string, site: string) => `icbv${createHash('sha256').update(`${runId}/${site}`).digest('hex').slice(0, 8)}`;

const ipAt = (cidr: string, n: number) => {
  const [a, len] = cidr.split('/');
  const base = a.split('.').reduce((x, o) => x * 256 + Number(o), 0);
  const v = base + n;
  return { ip: [24, 16, 8, 0].map((s) => (v >>> s) & 255).join('.'), len: Number(len) };
};
/** The bridge's (gateway's) address and instance k's: .1 and .10+k of the site's network. */
export function siteAddresses(network: string, count: number): { gateway: string; prefix: number; hosts: string[] } {
  const s = parseSubnet(network, 'network');
  if (s.prefix > 27) throw new Error(`libvirt network ${network}: at least a /27 is needed`);
  if (count > 2 ** (32 - s.prefix) - 12) throw new Error(`libvirt network ${network}: too small for ${count} instances`);
  const g = ipAt(s.cidr, 1);
  return { gateway: g.ip, prefix: g.len, hosts: Array.from({ length: count }, (_, k) => ipAt(s.cidr, 10 + k).ip) };
}

const xmlEsc = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function networkXml(o: { name: string; bridge: string; gateway: string; prefix: number }): string {
  return `<network>
  <name>${xmlEsc(o.name)}</name>
  <forward mode='open'/>
  <bridge name='${o.bridge}' stp='off' delay='0'/>
  <dns enable='no'/>
  <ip address='${o.gateway}' prefix='${o.prefix}'/>
</network>
`;
}

export function domainXml(o: {
  name: string;
  runId: string;
  memMiB: number;
  kernel: string;
  initrd: string;
  cmdline: string;
  network: string;
  mac: string;
  serialLog: string;
  /** Host folders the guest mounts read-only over 9p, by tag. */
  shares: { tag: string; source: string }[];
}): string {
  return `<domain type='qemu'>
  <name>${xmlEsc(o.name)}</name>
  <metadata><icb:run xmlns:icb='urn:icbench:run'>${xmlEsc(o.runId)}</icb:run></metadata>
  <memory unit='MiB'>${o.memMiB}</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${xmlEsc(o.kernel)}</kernel>
    <initrd>${xmlEsc(o.initrd)}</initrd>
    <cmdline>${xmlEsc(o.cmdline)}</cmdline>
  </os>
  <features><acpi/></features>
  <cpu mode='maximum'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <interface type='network'>
      <source network='${xmlEsc(o.network)}'/>
      <mac address='${o.mac}'/>
      <model type='virtio'/>
      <rom enabled='no'/>
    </interface>
${o.shares
  .map(
    (sh) => `    <filesystem type='mount' accessmode='passthrough'>
      <source dir='${xmlEsc(sh.source)}'/>
      <target dir='${sh.tag}'/>
      <readonly/>
    </filesystem>
`,
  )
  .join('')}
    <serial type='file'>
      <source path='${xmlEsc(o.serialLog)}'/>
      <target port='0'/>
    </serial>
    <memballoon model='none'/>
  </devices>
</domain>
`;
}

export const SSHD_CONFIG = `Port 22
ListenAddress 0.0.0.0
HostKey /etc/icb-cloud/ssh_host_ed25519_key
AuthorizedKeysFile /etc/icb-cloud/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PidFile /run/sshd.pid
MaxSessions 64
MaxStartups 64
`;

const guestInit = () => readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../../infra/cloud/guest/init.sh'), 'utf8');

async function virsh(uri: string, args: string[], input?: string) {
  return run(['virsh', '-q', '-c', uri, ...args], { timeoutMs: 120_000, ...(input === undefined ? {} : { input }) });
}

/** Builds instance k's initrd: the guest image's followed by an archive with its /init, host key, sshd_config and authorized key. */
async function instanceInitrd(
  dir: string,
  name: string,
  hostKey: { privateKey: string; publicKey: string },
  authorizedKey: string,
  base: string,
  modules: { version: string; dep: string },
): Promise<string> {
  const stage = join(dir, `${name}.d`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(join(stage, 'etc/icb-cloud'), { recursive: true, mode: 0o700 });
  mkdirSync(join(stage, 'lib/modules', modules.version), { recursive: true, mode: 0o755 });
  writeFileSync(join(stage, 'lib/modules', modules.version, 'modules.dep'), readFileSync(modules.dep), { mode: 0o644 });
  writeFileSync(join(stage, 'init'), guestInit(), { mode: 0o755 });
  writeFileSync(join(stage, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nsshd:x:100:65534:sshd:/run/sshd:/bin/false\n', { mode: 0o644 });
  writeFileSync(join(stage, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n', { mode: 0o644 });
  writeFileSync(join(stage, 'etc/icb-cloud/ssh_host_ed25519_key'), hostKey.privateKey, { mode: 0o600 });
  writeFileSync(join(stage, 'etc/icb-cloud/ssh_host_ed25519_key.pub'), `${hostKey.publicKey}\n`, { mode: 0o644 });
  writeFileSync(join(stage, 'etc/icb-cloud/authorized_keys'), `${authorizedKey.trim()}\n`, { mode: 0o600 });
  writeFileSync(join(stage, 'etc/icb-cloud/sshd_config'), SSHD_CONFIG, { mode: 0o600 });
  const out = join(dir, `${name}.initrd`);
  const r = await run([
    'sh',
    '-c',
    `set -e; umask 077; cd ${q(stage)}; find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 > ../${q(name)}.extra.gz; cat ${q(base)} ../${q(name)}.extra.gz > ${q(out)}; rm -f ../${q(name)}.extra.gz`,
  ]);
  rmSync(stage, { recursive: true, force: true });
  if (!r.ok) throw new Error(`libvirt instance ${name}: building its initrd failed: ${r.stderr.trim()}`);
  return out;
}

/** Where the guest kernel's modules are (scripts/build-vm-image.sh) and the modules.dep made for them once (a cache of its own). */
export const GUEST_MODULES = '/var/lib/icbench/vm/modules';
export const MODULES_DEP_CACHE = '/var/cache/icbench-cloud';

/**
 * modules.dep of the guest kernel, made once per kernel version (busybox depmod over a read-only
 * bind of the image's modules in a private mount namespace: the shared image is not written).
 */
const depmods = new Map<string, Promise<string>>();
export function guestModulesDep(kernelVersion: string): Promise<string> {
  let p = depmods.get(kernelVersion);
  if (!p) {
    p = makeModulesDep(kernelVersion);
    depmods.set(kernelVersion, p);
    p.catch(() => depmods.delete(kernelVersion));
  }
  return p;
}

async function makeModulesDep(kernelVersion: string): Promise<string> {
  if (!/^[A-Za-z0-9._+-]+$/.test(kernelVersion)) throw new Error(`guest kernel version ${JSON.stringify(kernelVersion)}`);
  const out = join(MODULES_DEP_CACHE, `modules-${kernelVersion}.dep`);
  if (existsSync(out)) return out;
  mkdirSync(MODULES_DEP_CACHE, { recursive: true, mode: 0o755 });
  const tmp = mkdtempSync(join(MODULES_DEP_CACHE, '.depmod-'));
  const lib = join(tmp, 'lib/modules', kernelVersion);
  const script = [
    'set -e',
    `mkdir -p ${q(`${lib}/kernel`)}`,
    `cp ${q(`${GUEST_MODULES}/modules.order`)} ${q(`${GUEST_MODULES}/modules.builtin`)} ${q(lib)}/`,
    `unshare -m sh -c ${q(`mount --make-rprivate / && mount --bind -o ro ${q(`${GUEST_MODULES}/kernel`)} ${q(`${lib}/kernel`)} && busybox depmod -b ${q(tmp)} ${q(kernelVersion)}`)}`,
    `test -s ${q(`${lib}/modules.dep`)}`,
    `mv ${q(`${lib}/modules.dep`)} ${q(out)}`,
  ].join('\n');
  const r = await run(['sh', '-c', script], { timeoutMs: 300_000 });
  rmSync(tmp, { recursive: true, force: true });
  if (!r.ok) throw new Error(`guest modules.dep for ${kernelVersion}: ${r.stderr.trim()}`);
  return out;
}

const macOf = (name: string) => {
  const h = createHash('sha256').update(name).digest('hex');
  return `52:54:00:${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}`;
};

/** Creates a libvirt site's network and instances (parallel), journaled before each create; returns the hosts (not yet SSH-ready). */
export async function upLibvirtSite(
  site: CloudSite,
  o: { runId: string; journal: Journal; publicKey: string; hostKeys: { privateKey: string; publicKey: string }[]; parallel?: number },
): Promise<CreatedHost[]> {
  const uri = site.endpoint;
  const dir = join(LIBVIRT_DIR, o.runId);
  o.journal.record({ kind: 'libvirt', uri, what: 'dir', name: dir });
  mkdirSync(dir, { recursive: true, mode: 0o711 });
  chmodSync(LIBVIRT_DIR, 0o711);
  const kernel = site.image === 'icbench' ? GUEST_IMAGE.kernel : site.image;
  const baseInitrd = site.image === 'icbench' ? GUEST_IMAGE.initrd : join(dirname(site.image), 'initramfs.cpio.gz');
  for (const f of [kernel, baseInitrd])
    if (!existsSync(f)) throw new Error(`libvirt site ${site.name}: ${f} is missing (bash scripts/build-vm-image.sh builds the guest image)`);
  const kernelVersion = readFileSync(join(dirname(kernel), 'kernel-version'), 'utf8').trim();
  const modules = { version: kernelVersion, dep: await guestModulesDep(kernelVersion) };
  const addr = siteAddresses(site.network, site.count);
  const net = networkName(o.runId, site.name);
  o.journal.record({ kind: 'libvirt', uri, what: 'network', name: net });
  const xmlFile = join(dir, `${net}.net.xml`);
  writeFileSync(xmlFile, networkXml({ name: net, bridge: bridgeName(o.runId, site.name), gateway: addr.gateway, prefix: addr.prefix }), { mode: 0o600 });
  const rn = await virsh(uri, ['net-create', xmlFile]);
  if (!rn.ok) throw new Error(`libvirt site ${site.name}: net-create ${net} failed: ${rn.stderr.trim()}`);
  const ks = Array.from({ length: site.count }, (_, k) => k);
  return mapLimit(ks, o.parallel ?? 4, async (k) => {
    const name = domainName(o.runId, site.name, k);
    const initrd = await instanceInitrd(dir, name, o.hostKeys[k], o.publicKey, baseInitrd, modules);
    const cmdline = [
      'console=ttyS0',
      'panic=-1',
      // No tsc=reliable (the lab's qemu nodes use it): under TCG on a loaded host the guest's TSC ran
      // ~8x fast here, so the lifetime watchdog fired before sshd started; the kernel's clocksource
      // watchdog now falls back from it.
      'no_timer_check',
      `icb.host=${site.name.toLowerCase()}-${k}`,
      `icb.ip=${addr.hosts[k]}/${addr.prefix}`,
      `icb.gw=${addr.gateway}`,
      `icb.life=${site.lifetimeS}`,
    ].join(' ');
    const file = join(dir, `${name}.xml`);
    writeFileSync(
      file,
      domainXml({
        name,
        runId: o.runId,
        memMiB: Number(site.size),
        kernel,
        initrd,
        cmdline,
        network: net,
        mac: macOf(name),
        serialLog: join(dir, `${name}.serial.log`),
        shares: [
          { tag: 'usr', source: '/usr' },
          { tag: 'mods', source: join(dirname(kernel), 'modules', 'kernel') },
          { tag: 'dpkg', source: '/var/lib/dpkg' },
        ],
      }),
      { mode: 0o600 },
    );
    o.journal.record({ kind: 'libvirt', uri, what: 'domain', name });
    const r = await virsh(uri, ['create', file]);
    if (!r.ok) throw new Error(`libvirt site ${site.name}: create ${name} failed: ${r.stderr.trim()}`);
    return { name: `${site.name}-${k}`, site: site.name, address: addr.hosts[k], user: 'root', hostPublicKey: o.hostKeys[k].publicKey };
  });
}

/** Names of a run's domains and networks that exist now, by the run's name prefix. */
export async function libvirtLeftovers(uri: string, runId: string): Promise<{ domains: string[]; networks: string[] }> {
  const prefix = `icb-${runId}-`;
  const d = await virsh(uri, ['list', '--all', '--name']);
  const n = await virsh(uri, ['net-list', '--all', '--name']);
  if (!d.ok || !n.ok) throw new Error(`libvirt ${uri}: cannot list (${(d.stderr || n.stderr).trim()})`);
  const names = (s: string) =>
    s
      .split('\n')
      .map((x) => x.trim())
      .filter((x) => x.startsWith(prefix));
  return { domains: names(d.stdout), networks: names(n.stdout) };
}

/** Destroys a run's domains, then its networks, then its folder: by journal and by name prefix. Idempotent. */
export async function cleanLibvirt(runId: string, entries: JournalEntry[]): Promise<Leftover[]> {
  const left: Leftover[] = [];
  const mine = entries.filter((e): e is JournalEntry & { kind: 'libvirt' } => e.kind === 'libvirt');
  for (const uri of new Set(mine.map((e) => e.uri))) {
    let found = { domains: [] as string[], networks: [] as string[] };
    try {
      found = await libvirtLeftovers(uri, runId);
    } catch (e) {
      left.push({ what: (e as Error).message });
      continue;
    }
    const of = (w: string) => mine.filter((e) => e.uri === uri && e.what === w).map((e) => e.name);
    for (const d of new Set([...of('domain'), ...found.domains])) {
      const r = await virsh(uri, ['destroy', d]);
      if (!r.ok && !/not found|no domain|not running|failed to get domain/i.test(r.stderr)) left.push({ what: `libvirt domain ${d}: ${r.stderr.trim()}` });
      await virsh(uri, ['undefine', d]); // a persistent one (none made here; harmless when transient or gone)
    }
    for (const n of new Set([...of('network'), ...found.networks])) {
      const r = await virsh(uri, ['net-destroy', n]);
      if (!r.ok && !/not found|no network|failed to get network/i.test(r.stderr)) left.push({ what: `libvirt network ${n}: ${r.stderr.trim()}` });
    }
    const after = await libvirtLeftovers(uri, runId).catch(() => found);
    for (const d of after.domains) left.push({ what: `libvirt domain ${d} still there` });
    for (const n of after.networks) left.push({ what: `libvirt network ${n} still there` });
  }
  for (const d of mine.filter((e) => e.what === 'dir')) if (d.name.startsWith(`${LIBVIRT_DIR}/`)) rmSync(d.name, { recursive: true, force: true });
  return left;
}
