/**
 * A QEMU VM that boots Debian's stock kernel (the qemu nodes' image, /var/lib/icbench/vm: it has
 * sch_netem, which this machine's kernel lacks) with this machine's userland and this package
 * shared read-only over 9p, and runs test/integration/netem-guest.js in it: the lab's netem path
 * against a real netem qdisc. The initramfs is the image's own plus an overlay: an /init that loads
 * the modules the lab needs (dependency order from each module's modinfo), mounts the shares, runs
 * the guest script, and powers off. Returns what the guest recorded.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync, copyFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../infra/exec.js';
import { vmImage, vmDir } from '../../infra/qemu/image.js';
import { projectRoot } from './fixtures.js';

/** What the lab uses in a kernel where these are modules (the rest of it is built in). */
const LAB_MODULES = ['virtio_pci', 'virtio_net', '9pnet_virtio', '9p', 'veth', 'bridge', 'vxlan', 'sch_htb', 'sch_netem', 'sch_tbf', 'cls_u32', 'sch_ingress'];

function findModule(root: string, name: string): string | null {
  const alt = name.replace(/_/g, '-');
  const walk = (dir: string): string | null => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        const f = walk(p);
        if (f) return f;
      } else if (e.name === `${name}.ko` || e.name === `${alt}.ko`) return p;
    }
    return null;
  };
  return walk(root);
}

/** Modules in load order (dependencies first), from the `depends=` of each .ko's modinfo; built-in ones are skipped. */
export function moduleOrder(modulesDir: string, wanted: string[]): { name: string; file: string }[] {
  const seen = new Set<string>();
  const out: { name: string; file: string }[] = [];
  const add = (m: string) => {
    if (seen.has(m)) return;
    seen.add(m);
    const file = findModule(join(modulesDir, 'kernel'), m);
    if (!file) return; // built in
    const info = readFileSync(file).toString('latin1');
    const deps = /\0depends=([^\0]*)/.exec(info)?.[1] ?? '';
    for (const d of deps.split(',').filter(Boolean)) add(d);
    out.push({ name: m, file });
  };
  for (const m of wanted) add(m);
  return out;
}

const GUEST_INIT = `#!/bin/sh
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /root
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox mount -t tmpfs tmpfs /tmp
/bin/busybox mount -t tmpfs tmpfs /run
/bin/busybox --install -s /bin
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
for m in $(cat /lib/modules/netem-vm.order); do insmod "/lib/modules/$m.ko" || echo "icb-netem: insmod $m failed"; done
arg() { tr ' ' '\\n' < /proc/cmdline | sed -n "s/^$1=//p" | tail -1; }
OUT=$(arg icbn.out) SCRIPT=$(arg icbn.script)
for s in $(arg icbn.shares | tr ',' ' '); do
  tag=\${s%%:*} rest=\${s#*:} path=\${rest%:*} mode=\${rest##*:}
  case "$path" in /usr | /etc) dst=/mnt/9p$path ;; *) dst=$path ;; esac
  mkdir -p "$dst"
  mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=loose,$mode "$tag" "$dst" || echo "icb-netem: 9p $tag ($path) failed"
done
mount --bind /mnt/9p/usr /usr
mkdir -p /lib64 /lib/x86_64-linux-gnu
mount --bind /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu
mount --bind /usr/lib64 /lib64
mount --bind /mnt/9p/etc /etc
# The host's merged /usr: its /bin and /sbin are links into /usr (its /usr/sbin/ip -> /bin/ip), so the
# busybox applets of the initramfs step aside (this shell keeps running; nothing of busybox is needed now).
mount --bind /usr/bin /bin
mount --bind /usr/sbin /sbin
ip link set lo up
mkdir -p /tmp/icb-state && chmod 700 /tmp/icb-state
echo "icb-netem: kernel $(uname -r), running $SCRIPT"
ICBENCH_STATE_DIR=/tmp/icb-state /usr/bin/node "$SCRIPT" "$OUT" > "$OUT/guest.log" 2>&1
echo "icb-netem: guest script exited $?"
sync
echo o > /proc/sysrq-trigger
sleep 30
`;

export interface NetemVmResult {
  guest: Record<string, unknown> | null;
  log: string;
  serial: string;
  kernel: string;
  ms: number;
}

/** Boots the VM, runs the guest script, returns its record (null if it wrote none). */
export async function runNetemVm(timeoutMs = 170_000): Promise<NetemVmResult> {
  const img = vmImage();
  const root = projectRoot();
  const work = mkdtempSync(join(tmpdir(), 'icb-netem-vm-'));
  const out = join(work, 'out');
  mkdirSync(out, { mode: 0o700 });
  const tree = join(work, 'overlay');
  mkdirSync(join(tree, 'lib', 'modules'), { recursive: true });
  const mods = moduleOrder(join(vmDir(), 'modules'), LAB_MODULES);
  for (const m of mods) copyFileSync(m.file, join(tree, 'lib', 'modules', `${m.name}.ko`));
  writeFileSync(join(tree, 'lib', 'modules', 'netem-vm.order'), mods.map((m) => m.name).join('\n') + '\n');
  writeFileSync(join(tree, 'init'), GUEST_INIT);
  chmodSync(join(tree, 'init'), 0o755);
  const overlay = join(work, 'overlay.cpio.gz');
  const initrd = join(work, 'initrd.cpio.gz');
  const pack = await run([
    'sh',
    '-c',
    `cd "${tree}" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 > "${overlay}" && cat "${img.initrd}" "${overlay}" > "${initrd}"`,
  ]);
  if (!pack.ok) throw new Error(`netem VM: initramfs overlay: ${pack.stderr}`);
  // Shares: the host's /usr and /etc (the userland: node, ip, tc, iperf3), this package, its
  // node_modules where a symlink points elsewhere (a git worktree), and the output dir (rw).
  const shares: { path: string; rw?: boolean }[] = [{ path: '/usr' }, { path: '/etc' }, { path: root }];
  const nm = join(root, 'node_modules');
  if (existsSync(nm) && realpathSync(nm) !== nm) shares.push({ path: realpathSync(nm) });
  shares.push({ path: out, rw: true });
  const serial = join(work, 'serial.log');
  const argv = [
    'qemu-system-x86_64',
    '-M',
    'pc',
    '-accel',
    'tcg',
    '-cpu',
    'max',
    '-m',
    '1024M',
    '-smp',
    '2',
    '-nodefaults',
    '-no-user-config',
    '-nographic',
    '-no-reboot',
  ];
  argv.push('-serial', `file:${serial}`, '-kernel', img.kernel, '-initrd', initrd);
  const script = join(root, 'dist', 'test', 'integration', 'netem-guest.js');
  const shareArg = shares.map((s, i) => `s${i}:${s.path}:${s.rw ? 'rw' : 'ro'}`).join(',');
  argv.push('-append', `console=ttyS0 panic=-1 quiet icbn.out=${out} icbn.script=${script} icbn.shares=${shareArg}`);
  shares.forEach((s, i) => {
    argv.push(
      '-fsdev',
      `local,id=fs${i},path=${s.path},security_model=none${s.rw ? '' : ',readonly=on'}`,
      '-device',
      `virtio-9p-pci,fsdev=fs${i},mount_tag=s${i}`,
    );
  });
  const t0 = performance.now();
  try {
    await run(argv, { timeoutMs });
    const ms = performance.now() - t0;
    const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
    const g = read(join(out, 'guest.json'));
    return { guest: g ? JSON.parse(g) : null, log: read(join(out, 'guest.log')), serial: read(serial), kernel: img.kernelVersion, ms };
  } finally {
    rmSync(work, { recursive: true, force: true }); // the initramfs copies and the guest's output
  }
}
