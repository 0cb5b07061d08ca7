/**
 * Pure QEMU command builder for a lab VM: options in, argv out. Direct kernel boot of the image
 * built by scripts/build-vm-image.sh on an i440FX machine without default devices or option ROMs
 * (`-M pc -nodefaults`, `romfile=`: the iPXE ROM of a virtio NIC costs ~14 s of boot under TCG;
 * `-M microvm` did not get past TSC calibration here under TCG). NICs:
 *   - the cluster NIC on a tap that the lab bridged onto the node's segment, MAC fixed per node;
 *   - the agent NIC: QEMU's user-mode network (private to this VM, `restrict=on`: no way out),
 *     forwarding 127.0.0.1:AGENT_HOST_PORT of the VMM namespace to the guest's command agent.
 * Shared host paths (9p) are for VMs that are not migrated: QEMU refuses to migrate a VM with a
 * mounted 9p export.
 */
import { join } from 'node:path';

export type Accel = 'kvm' | 'tcg';
export const AGENT_GUEST_ADDR = '169.254.0.15';
export const AGENT_GUEST_PORT = 7000;
export const AGENT_HOST_PORT = 7000;
export const AGENT_MAC = '52:54:00:1c:00:02';

export interface VmImage {
  kernel: string;
  initrd: string;
}

export interface VmShare {
  /** Where the guest mounts it. */
  path: string;
  readOnly: boolean;
  /** The host directory exported, when not `path` itself (e.g. the run's view of the allowed /etc entries). */
  source?: string;
}

export interface VmSpec {
  /** Carries the run id (icb-<run>-<node>); QEMU's -name, so `clean` can tell its process. */
  name: string;
  hostname: string;
  /** Private per-VM dir: qmp.sock, serial.log, qemu.pid. */
  dir: string;
  memMiB: number;
  cpus: number;
  accel: Accel;
  image: VmImage;
  /** Cluster NIC: MAC and the tap (in the VMM namespace) it sits on. */
  mac: string;
  tap: string;
  /** Cluster address with prefix, e.g. 10.10.0.5/16; the guest configures it at boot. */
  address: string;
  shares: VmShare[];
  /**
   * Port the agent is forwarded to on 127.0.0.1 of the VMM namespace (default AGENT_HOST_PORT). A
   * VM restarted in the same namespace takes a new one: the old port can stay in TIME_WAIT, and
   * QEMU's user-mode network then fails to bind it.
   */
  agentHostPort?: number;
  /** CPU model (default: host under KVM; under TCG qemu64 for a VM without shares, which may migrate, else max). */
  cpu?: string;
  /** Start as a migration target listening on this URI (e.g. tcp:169.254.128.3:4444). */
  incoming?: string;
}

export class VmSpecError extends Error {
  constructor(field: string, expected: string, got: unknown) {
    super(`qemu: ${field}: expected ${expected}, got ${JSON.stringify(got)}`);
    this.name = 'VmSpecError';
  }
}

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const SAFE_PATH = /^\/[A-Za-z0-9._/+-]*$/;

export function validateVmSpec(s: VmSpec): void {
  if (!/^icb-[A-Za-z0-9-]+$/.test(s.name)) throw new VmSpecError('name', 'icb-<run id>-<node> (letters, digits, -)', s.name);
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/.test(s.hostname)) throw new VmSpecError('hostname', 'a host name (letters, digits, -)', s.hostname);
  if (!Number.isInteger(s.memMiB) || s.memMiB < 128 || s.memMiB > 65536) throw new VmSpecError('memMiB', 'a whole number of MiB from 128 to 65536', s.memMiB);
  if (!Number.isInteger(s.cpus) || s.cpus < 1 || s.cpus > 64) throw new VmSpecError('cpus', 'a whole number of vCPUs from 1 to 64', s.cpus);
  if (s.accel !== 'kvm' && s.accel !== 'tcg') throw new VmSpecError('accel', "'kvm' or 'tcg'", s.accel);
  if (!MAC_RE.test(s.mac)) throw new VmSpecError('mac', 'a MAC like 02:1c:00:00:00:05', s.mac);
  if (!/^[A-Za-z0-9]{1,15}$/.test(s.tap)) throw new VmSpecError('tap', 'an interface name (letters, digits, at most 15)', s.tap);
  if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(s.address)) throw new VmSpecError('address', 'an IPv4 address with prefix, e.g. 10.10.0.5/16', s.address);
  for (const [f, p] of [
    ['dir', s.dir],
    ['image.kernel', s.image.kernel],
    ['image.initrd', s.image.initrd],
    ...s.shares.flatMap((m, i) => [[`shares[${i}].path`, m.path], ...(m.source ? [[`shares[${i}].source`, m.source]] : [])]),
  ] as const) {
    if (!SAFE_PATH.test(p)) throw new VmSpecError(f, 'an absolute path of letters, digits and ._/+- (no commas or blanks)', p);
  }
  if (s.shares.length && s.incoming) throw new VmSpecError('shares', 'none on a VM that migrates (QEMU cannot migrate a mounted 9p export)', s.shares);
  if (s.agentHostPort !== undefined && !(Number.isInteger(s.agentHostPort) && s.agentHostPort >= 1024 && s.agentHostPort <= 65535))
    throw new VmSpecError('agentHostPort', 'a port from 1024 to 65535', s.agentHostPort);
  if (s.cpu !== undefined && !/^[a-z0-9_-]+$/i.test(s.cpu)) throw new VmSpecError('cpu', 'a QEMU CPU model name', s.cpu);
  if (s.incoming !== undefined && !/^(tcp:[0-9.]+:\d{1,5}|defer)$/.test(s.incoming))
    throw new VmSpecError('incoming', 'tcp:<ipv4>:<port> or defer', s.incoming);
}

/** The guest's kernel command line (read by /init of the initramfs). */
export function kernelCmdline(s: VmSpec): string {
  const share = s.shares.map((m, i) => `s${i}:${m.path}:${m.readOnly ? 'ro' : 'rw'}`).join(',');
  return [
    'console=ttyS0',
    'panic=-1',
    'quiet',
    'tsc=reliable',
    // A slow host (TCG under load) fails the kernel's IO-APIC timer check and panics early.
    'no_timer_check',
    `icb.host=${s.hostname}`,
    `icb.ip=${s.address}`,
    `icb.mac=${s.mac}`,
    `icb.agent=${AGENT_GUEST_PORT}`,
    ...(share ? [`icb.share=${share}`] : []),
  ].join(' ');
}

export const qmpSocket = (dir: string) => join(dir, 'qmp.sock');
export const pidFile = (dir: string) => join(dir, 'qemu.pid');
export const serialLog = (dir: string) => join(dir, 'serial.log');

export function qemuArgs(s: VmSpec, binary = 'qemu-system-x86_64'): string[] {
  validateVmSpec(s);
  const argv = [
    binary,
    '-name',
    `${s.name},process=${s.name.slice(0, 15)}`,
    '-M',
    'pc',
    '-accel',
    s.accel,
    '-cpu',
    s.cpu ?? (s.accel === 'kvm' ? 'host' : s.shares.length ? 'max' : 'qemu64'),
    '-m',
    `${s.memMiB}M`,
    '-smp',
    String(s.cpus),
    '-nodefaults',
    '-no-user-config',
    '-nographic',
    '-no-reboot',
    '-serial',
    `file:${serialLog(s.dir)}`,
    '-kernel',
    s.image.kernel,
    '-initrd',
    s.image.initrd,
    '-append',
    kernelCmdline(s),
    '-netdev',
    `tap,id=net0,ifname=${s.tap},script=no,downscript=no`,
    '-device',
    `virtio-net-pci,netdev=net0,mac=${s.mac},romfile=`,
    '-netdev',
    `user,id=agent,net=169.254.0.0/24,host=169.254.0.2,restrict=on,hostfwd=tcp:127.0.0.1:${s.agentHostPort ?? AGENT_HOST_PORT}-${AGENT_GUEST_ADDR}:${AGENT_GUEST_PORT}`,
    '-device',
    `virtio-net-pci,netdev=agent,mac=${AGENT_MAC},romfile=`,
    '-qmp',
    `unix:${qmpSocket(s.dir)},server=on,wait=off`,
    '-pidfile',
    pidFile(s.dir),
    '-daemonize',
  ];
  s.shares.forEach((m, i) => {
    argv.push(
      '-fsdev',
      `local,id=fs${i},path=${m.source ?? m.path},security_model=none${m.readOnly ? ',readonly=on' : ''}`,
      '-device',
      `virtio-9p-pci,fsdev=fs${i},mount_tag=s${i}`,
    );
  });
  if (s.incoming) argv.push('-incoming', s.incoming);
  return argv;
}
