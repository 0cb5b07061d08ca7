/** The local lab as a testbed provider: every site, host and node emulated on this machine. */
import { resolveConfig, type TestbedSpec } from '../config.js';
import type { Provider, ProviderModule, Testbed, UpContext } from '../testbed.js';
import { cleanLabEntries, labOrphans } from './clean.js';
import { Lab } from './lab.js';
import type { WanMode } from './plan.js';
import { preflight } from './preflight.js';
import type { QemuOptions } from '../qemu/nodes.js';
import { chosenCc, tcpCcChoice, type TcpCcChoice } from '../tcp-stack.js';

export interface LabProviderOptions {
  /** WAN emulation: netem when the kernel has it (auto), or wanem / netem by force. */
  wanMode?: 'auto' | WanMode;
  /** Containers started at the same time (default 8). */
  containerParallel?: number;
  /** false: plain learning switches (a test fixture that adds its own endpoints to the segment). */
  arpAtSwitch?: boolean;
  /** qemu nodes: guest memory, vCPUs, shared host paths, boot parallelism. */
  qemu?: QemuOptions;
  /** --tcp-cc: the congestion control of every node (default `system`: each kernel's own, recorded). */
  tcpCc?: TcpCcChoice;
  /** Base RTT compensation (default true; false keeps the emulator adding the configured RTT on top of the lab path's own). */
  rttCompensation?: boolean;
}

export function labProvider(o: LabProviderOptions = {}): Provider & { up(spec: TestbedSpec, ctx: UpContext): Promise<Lab> } {
  const tcpCc = tcpCcChoice(o.tcpCc, 'tcpCc'); // before anything is created
  return {
    name: 'lab',
    resolve: (config) => resolveConfig(config, { lab: true }),
    preflight: (spec: TestbedSpec) =>
      preflight({ lab: true, multiSite: spec.sites.length > 1, virts: [...new Set(spec.nodes.map((n) => n.virt))], tcpCc: chosenCc(tcpCc) }),
    up: (spec: TestbedSpec, c: UpContext): Promise<Lab> =>
      Lab.up(spec, {
        ...c,
        wanMode: o.wanMode,
        containerParallel: o.containerParallel,
        qemu: o.qemu,
        arpAtSwitch: o.arpAtSwitch,
        tcpCc,
        rttCompensation: o.rttCompensation,
      }),
  };
}

/**
 * The local lab in the registry: the default testbed (a scenario given no inventory); owns what
 * it makes on this machine (namespaces, containers, VMs, processes it started) and finds the
 * orphans of journal-less runs by name. A scenario's wanMode, qemu and tcpCc options are its own.
 */
export const labProviderModule: ProviderModule<Pick<LabProviderOptions, 'wanMode' | 'qemu' | 'tcpCc' | 'rttCompensation'>> = {
  name: 'lab',
  chosenFor: 'no-inventory',
  owns: ['netns', 'lxc', 'docker', 'qemu', 'process'],
  create: (given) => labProvider({ wanMode: given.wanMode, qemu: given.qemu, tcpCc: given.tcpCc, rttCompensation: given.rttCompensation }),
  clean: async (_runId, entries) => (await cleanLabEntries(entries)).map((what) => ({ what })),
  orphans: labOrphans,
};

export type { Testbed };
