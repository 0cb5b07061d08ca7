/**
 * The testbed seam: a Provider brings a resolved TestbedSpec up as a Testbed (sites, hosts,
 * nodes, L2VPN, and a WAN control where the testbed can change its WAN), and takes it down
 * again. The local lab is one provider (infra/lab/provider.ts); real sites over SSH are another.
 * The session talks only to these interfaces.
 */
import type { NodeSpec, ScenarioInput, TestbedSpec } from './config.js';
import type { Executor } from './exec.js';
import type { Journal } from './journal.js';
import type { Progress } from './progress.js';
import type { WanProfile } from './wan/profile.js';
import type { WanemStats } from './wan/wanem-stats.js';

/** One node of the cluster, ready to run commands. */
export interface TestbedNode extends NodeSpec {
  exec: Executor;
}

/** Facts about the testbed that go into run.json. */
export interface TestbedFacts {
  testbed: 'lab' | 'ssh';
  /** How the sites share one L2 segment: the lab's VXLAN, or a real-site mode (provided, vxlan, vxlan-wireguard). */
  l2vpn: string;
  /** What enforces the WAN profiles: an emulator in the lab, nothing on real sites (recorded only). */
  wanEnforcedBy: 'wanem' | 'netem' | 'none';
  /** Does the kernel that runs the WAN have netem. */
  netem: boolean;
  /** Stand-up phases in ms (e.g. up, containers). */
  timings: Record<string, number>;
  /** Per real host: kernel, CPU, memory, tools, clock offset (real sites only). */
  hosts?: Record<string, unknown>[];
  /** qemu nodes: accelerator used (and why), guest kernel, memory, command channel. */
  vm?: Record<string, unknown>;
  /** The cluster segment as built (MTU, VNI, WireGuard MTU and port), where it matters. */
  segment?: Record<string, number>;
}

/** A WAN the testbed can change while the run goes on (the lab's emulator). */
export interface WanControl {
  readonly enforcedBy: 'wanem' | 'netem';
  /** The profiles in force now, one per site pair. */
  profiles(): WanProfile[];
  /** Puts new profiles in force in place (same pairs); resolves when they are. */
  apply(profiles: WanProfile[]): Promise<void>;
  /** Latest emulator counters by site pair "a-b" (wanem only; {} otherwise). */
  stats(): Record<string, WanemStats>;
  /** Why the emulator of a pair is not running (it died), or null while all run. */
  failure(): string | null;
}

export interface TeardownReport {
  ms: number;
  /** Resources that could not be removed (the journal is kept for `icbench clean`). */
  left: string[];
  /** Steps that failed; the other steps were still done. */
  errors: { step: string; error: string }[];
}

export interface Testbed {
  readonly spec: TestbedSpec;
  readonly nodes: TestbedNode[];
  /** null when the WAN cannot be changed (one site, or real sites). */
  readonly wan: WanControl | null;
  /** Per node, ms from create to ready (provisioning time is a measurement). */
  readonly nodeStartMs: Record<string, number>;
  facts(): TestbedFacts;
  /** Ends whatever runs on the nodes now (Ctrl-C): the sample in flight fails, the rows stay. */
  interrupt(): Promise<void>;
  /** Best effort, never throws: every step is tried, failures are reported. */
  down(progress?: Progress): Promise<TeardownReport>;
}

export interface UpContext {
  runId: string;
  journal: Journal;
  /** The run's scratch directory on the controller. */
  workDir: string;
  progress: Progress;
}

export interface Provider {
  readonly name: string;
  /** The resolved spec of a scenario on this provider (the lab: the scenario's own topology). Throws ConfigError. */
  resolve(config: ScenarioInput): TestbedSpec;
  /** Checks that this machine can bring `spec` up (tools, privileges), before anything is created. */
  preflight(spec: TestbedSpec): Promise<void>;
  /** Brings `spec` up, journaling every resource before it is created. */
  up(spec: TestbedSpec, ctx: UpContext): Promise<Testbed>;
}
