/**
 * A nested "Xen host" on this machine: Debian's Xen 4.17 hypervisor booted under QEMU (TCG,
 * `-cpu qemu64`; `-cpu max` faults in dom0) with the dom0 initramfs scripts/build-xen-host.sh
 * builds (xl, xenstored, xenconsoled, xen modules, devpts, OpenSSH with its own host key). It is
 * reached like a real site: through SshSession (strict host key against a known_hosts file written
 * here, keys only) on a port QEMU forwards from 127.0.0.1 only (user networking with
 * restrict=on: the VM reaches nothing outside, and only loopback reaches it).
 *
 * The QEMU process is journaled before it starts (kind 'process': its pidfile and `-name`), then
 * with its pid and start time; `icbench clean` kills it by those after a kill -9
 * (infra/owned-process.ts).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { must, run, type Executor } from '../exec.js';
import type { Journal } from '../journal.js';
import { stateDir } from '../journal.js';
import { killOwned } from '../owned-process.js';
import { pidStartTime } from '../process-owner.js';
import { SshSession, type SshTarget } from '../ssh/session.js';
import { ConfigError, positiveInt } from '../units.js';

/** Where scripts/build-xen-host.sh writes the images and keys. */
export const XEN_HOST_DIR = process.env.ICBENCH_XEN_HOST_DIR ?? '/var/lib/icbench/xen-host';
/** The guest kernel and initramfs inside the dom0 (paths on the dom0). */
export const NESTED_GUEST_KERNEL = '/var/lib/icbench/xen-guest/vmlinuz';
export const NESTED_GUEST_RAMDISK = '/var/lib/icbench/xen-guest/initrd.gz';
/** The guests' Debian root disk as the dom0 sees it (QEMU's read-only virtio drive); each guest gets it read-only as xvda. */
export const NESTED_GUEST_ROOT_DEV = '/dev/vda';

export interface NestedImage {
  dir: string;
  xen: string;
  kernel: string;
  initrd: string;
  /** Private key root logs in with (dom0, and from dom0 into the guests). */
  clientKey: string;
  /** The dom0's host public key line (type + base64). */
  hostKey: string;
  /** The guests' Debian root (ext4 image), given to the dom0 read-only; absent in an image built before it existed. */
  guestRoot?: string;
}

/** The built image, or an error that says how to build it. */
export function nestedImage(dir = XEN_HOST_DIR): NestedImage {
  const f = (n: string) => join(dir, n);
  const need = ['xen', 'vmlinuz', 'dom0.cpio', 'client_ed25519', 'dom0_host_ed25519.pub'];
  const missing = need.filter((n) => !existsSync(f(n)));
  if (missing.length) throw new Error(`nested Xen host: ${missing.join(', ')} missing in ${dir}: run scripts/build-xen-host.sh (as root)`);
  const hostKey = readFileSync(f('dom0_host_ed25519.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const guestRoot = existsSync(f('guest-root.ext4')) ? f('guest-root.ext4') : undefined;
  return { dir, xen: f('xen'), kernel: f('vmlinuz'), initrd: f('dom0.cpio'), clientKey: f('client_ed25519'), hostKey, ...(guestRoot ? { guestRoot } : {}) };
}

export interface NestedXenHostOptions {
  runId: string;
  journal: Journal;
  /** RAM of the QEMU machine (default 1280 MiB) and of dom0 (default 512 MiB); the rest is for guests. */
  memoryMiB?: number;
  dom0MemoryMiB?: number;
  /** Boot deadline (default 300 s: a whole boot is ~40 s idle, much longer when the CPU is shared). */
  bootTimeoutMs?: number;
  image?: NestedImage;
  /** The ssh alias of the host (default xenhost). */
  name?: string;
  /** SSH handshake allowance (default 120 s: sshd's key exchange under TCG on a busy machine is slow). */
  handshakeTimeoutS?: number;
  /**
   * A second NIC (the dom0's eth1) for the guests' segment: QEMU creates the tap in this machine's
   * root namespace; boot() moves it at once into `netns` and makes it a port of `bridge` there (a lab
   * host's switch). A tap QEMU made goes with QEMU (and with the namespace), so nothing else is journaled.
   */
  clusterNic?: ClusterNic;
}

export interface ClusterNic {
  /** Interface name (at most 15 characters). */
  tap: string;
  /** The NIC's MAC inside the dom0. */
  mac: string;
  netns: string;
  bridge: string;
}

/** QEMU's argv for a nested Xen host. Pure. */
export function qemuArgv(o: {
  image: NestedImage;
  name: string;
  port: number;
  pidfile: string;
  console: string;
  memoryMiB: number;
  dom0MemoryMiB: number;
  clusterNic?: Pick<ClusterNic, 'tap' | 'mac'>;
}): string[] {
  const { image } = o;
  for (const [k, v] of Object.entries({ xen: image.xen, kernel: image.kernel, initrd: image.initrd }))
    if (/[,\s]/.test(v)) throw new ConfigError(`image.${k}`, 'a path without commas or spaces (QEMU multiboot module list)', v);
  if (image.guestRoot !== undefined && /[,\s]/.test(image.guestRoot))
    throw new ConfigError('image.guestRoot', 'a path without commas or spaces (QEMU -drive option list)', image.guestRoot);
  const nic = o.clusterNic;
  if (nic && !/^[A-Za-z0-9_.-]{1,15}$/.test(nic.tap))
    throw new ConfigError('clusterNic.tap', 'an interface name (letters, digits, _ . -; at most 15)', nic.tap);
  if (nic && !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(nic.mac)) throw new ConfigError('clusterNic.mac', 'a lowercase MAC address', nic.mac);
  const cluster = nic ? ['-netdev', `tap,id=n1,ifname=${nic.tap},script=no,downscript=no`, '-device', `e1000,netdev=n1,mac=${nic.mac}`] : [];
  // Read-only: every nested host (and every guest, through blkback) shares the one image file.
  const root = image.guestRoot ? ['-drive', `file=${image.guestRoot},if=virtio,format=raw,readonly=on`] : [];
  return [
    'qemu-system-x86_64',
    '-name',
    o.name,
    '-machine',
    'pc',
    '-accel',
    'tcg',
    '-cpu',
    'qemu64',
    '-smp',
    '1',
    '-m',
    String(o.memoryMiB),
    '-nodefaults',
    '-display',
    'none',
    '-no-reboot',
    '-kernel',
    image.xen,
    '-append',
    `console=com1 com1=115200,8n1 dom0_mem=${o.dom0MemoryMiB}M,max:${o.dom0MemoryMiB}M noreboot`,
    // Multiboot modules: the dom0 kernel with its command line, then its initramfs.
    '-initrd',
    `${image.kernel} console=hvc0 quiet,${image.initrd}`,
    '-serial',
    `file:${o.console}`,
    // User networking, isolated (restrict=on), its only door a forward from 127.0.0.1.
    '-netdev',
    `user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:${o.port}-:22`,
    '-device',
    'e1000,netdev=n0',
    ...cluster,
    ...root,
    '-pidfile',
    o.pidfile,
  ];
}

/** A free TCP port on 127.0.0.1 (the kernel's pick; QEMU fails at start if another took it since). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** True once sshd answers on the port with its banner (QEMU accepts and closes until then; sshd under TCG may take many seconds to send it). */
function sshBanner(port: number, timeoutMs = 60_000): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ host: '127.0.0.1', port });
    let buf = '';
    const done = (v: boolean) => {
      c.destroy();
      resolve(v);
    };
    c.setTimeout(timeoutMs, () => done(false));
    c.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.includes('SSH-2.0-')) done(true);
    });
    c.on('error', () => done(false));
    c.on('close', () => done(buf.includes('SSH-2.0-')));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits (at most 30 s) for QEMU's tap in the root namespace, then moves it into the lab host's
 * namespace as an up port of its bridge. A QEMU that exited first is left to boot()'s error.
 */
async function moveTap(nic: ClusterNic, exited: () => boolean): Promise<void> {
  const t0 = Date.now();
  while (!(await run(['ip', 'link', 'show', 'dev', nic.tap])).ok) {
    if (exited()) return;
    if (Date.now() - t0 > 30_000) throw new Error(`nested Xen host: QEMU made no tap ${nic.tap} within 30 s`);
    await sleep(100);
  }
  await must(`moving ${nic.tap} into ${nic.netns}`, ['ip', 'link', 'set', 'dev', nic.tap, 'netns', nic.netns]);
  await must(`${nic.tap} into ${nic.bridge} of ${nic.netns}`, ['ip', '-n', nic.netns, 'link', 'set', 'dev', nic.tap, 'master', nic.bridge, 'up']);
}

export class NestedXenHost {
  private stopped = false;
  private constructor(
    readonly name: string,
    readonly port: number,
    readonly pid: number,
    readonly dir: string,
    readonly knownHostsFile: string,
    readonly image: NestedImage,
    readonly ssh: SshSession,
    readonly bootMs: number,
    private readonly journalEntry: { name: string; pidfile: string; pid: number; pidStart: number },
  ) {}

  /** The SSH target real-site code would use for this host. */
  get target(): SshTarget {
    return { name: this.name, host: '127.0.0.1', port: this.port, user: 'root', identityFile: this.image.clientKey, jump: null };
  }

  get exec(): Executor {
    return this.ssh.executor(this.name);
  }

  get consoleFile(): string {
    return join(this.dir, 'console.log');
  }

  /**
   * Journals and starts QEMU, waits for sshd, writes known_hosts with the dom0's host key and opens
   * the SSH session (strict host-key check). On any failure QEMU is killed before the error is thrown.
   */
  static async boot(o: NestedXenHostOptions): Promise<NestedXenHost> {
    const image = o.image ?? nestedImage();
    const memoryMiB = positiveInt(o.memoryMiB ?? 1280, 'memoryMiB', 65536);
    const dom0MemoryMiB = positiveInt(o.dom0MemoryMiB ?? 512, 'dom0MemoryMiB', memoryMiB);
    if (dom0MemoryMiB + 128 > memoryMiB) throw new ConfigError('dom0MemoryMiB', `at most memoryMiB - 128 (${memoryMiB - 128})`, dom0MemoryMiB);
    const name = o.name ?? 'xenhost';
    const dir = join(stateDir(), `${o.runId}.d`, `xen-${name}`);
    const qemuName = `icb-${o.runId}-${name}`;
    const pidfile = join(dir, 'qemu.pid');
    const consoleFile = join(dir, 'console.log');
    // Control sockets need a short path (infra/ssh/config.ts CONTROL_DIR_MAX).
    const sshBase = process.getuid?.() === 0 ? '/run/icbench-ssh' : join(tmpdir(), `icbench-ssh-${process.getuid?.() ?? 'u'}`);
    const sshDir = join(sshBase, `${createHash('sha256').update(`${o.runId}/${name}`).digest('hex').slice(0, 8)}x`);
    o.journal.record({ kind: 'file', path: dir }, { kind: 'file', path: sshDir });
    mkdirSync(sshBase, { recursive: true, mode: 0o700 });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const t0 = performance.now();
    const deadline = Date.now() + (o.bootTimeoutMs ?? 300_000);
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      rmSync(pidfile, { force: true });
      const argv = qemuArgv({ image, name: qemuName, port, pidfile, console: consoleFile, memoryMiB, dom0MemoryMiB, clusterNic: o.clusterNic });
      o.journal.record({ kind: 'process', name: qemuName, pidfile });
      const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      let exited: number | null | undefined;
      child.stderr.on('data', (d) => {
        stderr += d.toString();
      });
      child.on('exit', (code) => {
        exited = code;
      });
      child.on('error', (e) => {
        stderr += String(e);
        exited = -1;
      });
      const pid = child.pid;
      const pidStart = pid ? pidStartTime(pid) : null;
      if (pid && pidStart !== null) o.journal.record({ kind: 'process', name: qemuName, pidfile, pid, pidStart });
      const entry = { kind: 'process' as const, name: qemuName, pidfile, pid: pid ?? -1, pidStart: pidStart ?? -1 };
      const kill = () => killOwned([entry]);
      try {
        if (o.clusterNic) await moveTap(o.clusterNic, () => exited !== undefined);
        let up = false;
        while (Date.now() < deadline && exited === undefined) {
          if (await sshBanner(port)) {
            up = true;
            break;
          }
          await sleep(500);
        }
        if (exited !== undefined) {
          if (/hostfwd|Could not set up host forwarding/i.test(stderr) && attempt < 3) continue; // the port was taken meanwhile
          throw new Error(`nested Xen host: qemu exited ${exited}: ${stderr.trim().split('\n').slice(-3).join(' | ') || '(no output)'}`);
        }
        if (!up)
          throw new Error(
            `nested Xen host: no sshd on 127.0.0.1:${port} after ${o.bootTimeoutMs ?? 300_000} ms (console: ${tail(consoleFile)}; load ${loadavg()
              .map((x) => x.toFixed(1))
              .join(' ')})`,
          );
        const knownHostsFile = join(dir, 'known_hosts');
        writeFileSync(knownHostsFile, `[127.0.0.1]:${port} ${image.hostKey}\n`, { mode: 0o600 });
        const target: SshTarget = { name, host: '127.0.0.1', port, user: 'root', identityFile: image.clientKey, jump: null };
        const ssh = await SshSession.open(`${o.runId}-${name}`, [target], { knownHostsFile, dir: sshDir, handshakeTimeoutS: o.handshakeTimeoutS ?? 120 });
        child.unref();
        child.stderr.destroy();
        return new NestedXenHost(name, port, pid!, dir, knownHostsFile, image, ssh, performance.now() - t0, {
          name: qemuName,
          pidfile,
          pid: pid!,
          pidStart: pidStart!,
        });
      } catch (e) {
        await kill();
        throw e;
      }
    }
  }

  /** Closes the SSH session and stops QEMU (SIGTERM, then SIGKILL). Safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.ssh.close();
    await killOwned([this.journalEntry]);
  }

  /** Whether this host's QEMU process still runs (same pid and start time). */
  running(): boolean {
    return pidStartTime(this.pid) === this.journalEntry.pidStart;
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return '(none)';
  }
}
