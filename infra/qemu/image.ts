/**
 * Where the VM image built by scripts/build-vm-image.sh lives (kernel, initramfs, the host-side
 * command client), and a clear error when it is missing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VmImage } from './args.js';

export const vmDir = (): string => process.env.ICBENCH_VM_DIR ?? '/var/lib/icbench/vm';
export const vmexecBinary = (): string => join(vmDir(), 'bin', 'icb-vmexec');

export interface BuiltImage extends VmImage {
  kernelVersion: string;
  stamp: string;
}

export function vmImage(dir = vmDir()): BuiltImage {
  const kernel = join(dir, 'vmlinuz'),
    initrd = join(dir, 'initramfs.cpio.gz');
  for (const f of [kernel, initrd, join(dir, 'bin', 'icb-vmexec')]) {
    if (!existsSync(f)) throw new Error(`qemu nodes: ${f} is missing; run scripts/build-vm-image.sh (scripts/setup.sh does)`);
  }
  const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8').trim() : 'unknown');
  return { kernel, initrd, kernelVersion: read('kernel-version'), stamp: read('stamp') };
}
