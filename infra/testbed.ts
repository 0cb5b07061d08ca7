/**
 * The testbed seam: a Provider brings a resolved TestbedSpec up as a Testbed (sites, hosts,
 * nodes, L2VPN, and a WAN control where the testbed can change its WAN), and takes it down
 * again. A ProviderModule is one kind of testbed as a whole: when it is chosen, the provider for
 * a run, and `clean` of the journal entries it owns. The modules are listed once, in
 * infra/providers.ts; the session and the cli reach providers only through that registry.
 *
 * Per kind of testbed: resolve / preflight / up (Provider), down / facts / capabilities (Testbed),
 * clean / orphans (ProviderModule).
 */
import type { NodeSpec, ScenarioInput, TestbedSpec } from './config.js';
import type { Bundle } from './bundle.js';
import type { Executor } from './exec.js';
import type { Journal, JournalEntry, JournalKind } from './journal.js';
import type { HostFeature } from './host-prerequisites.js';
import type { Progress } from './progress.js';
import type { TcpFacts } from './tcp-stack.js';
import type { LxcAppArmor } from './virt/lxc-apparmor.js';
import type { WanProfile } from './wan/profile.js';
import type { WanemStats } from './wan/wanem-stats.js';

/** One node of the cluster, ready to run commands. */
export interface TestbedNode extends NodeSpec {
  exec: Executor;
  /**
   * The node's scratch dir as the node sees it, on a filesystem that is not this machine's (real
   * hosts: the run's dir there). Absent: the node sees this machine's run dir (`${workDir}/nodes/<node>`).
   */
  workDir?: string;
  /** With workDir: the highest dir above it on that filesystem that a service running as another user must traverse (o+x) down to workDir (real hosts: the state root). */
  workRoot?: string;
}

/** What shipping a bundle did on each host, and where each node sees it. */
export interface ShippedBundle {
  /** Node name -> the folder holding the bundle's files, as that node sees it. */
  dirs: Map<string, string>;
  hosts: { host: string; bundle: string; sha256: string; dir: string; copied: boolean; bytesSent: number; ms: number }[];
}

/** Testbeds whose nodes do not share this machine's files: a bundle is shipped to the nodes' hosts (content-addressed, reused). */
export interface ShipFiles {
  ship(bundle: Bundle, nodes: readonly Pick<TestbedNode, 'name'>[]): Promise<ShippedBundle>;
}

/** Facts about the testbed that go into run.json. */
export interface TestbedFacts {
  /** The kind of testbed: its provider's name in the registry ('lab', 'ssh', ...). */
  testbed: string;
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
  /** Every node's congestion control and default qdisc as read from it, and what --tcp-cc asked for. */
  tcp?: TcpFacts;
  /** Lab lxc nodes: the AppArmor profile they run under (real hosts: per host in `hosts`). */
  lxcApparmor?: LxcAppArmor;
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
  /**
   * Base RTT compensation by site pair "a-b": the lab path's own RTT measured at stand-up (null
   * where it was not measured) and the RTT the emulator is given for the configured `rttMs`.
   */
  rttCompensation?(p: WanProfile): { baseMs: number | null; appliedMs: number };
}

/** What a live migration of a VM reports (QEMU's query-migrate, in typed units). */
export interface MigrationStats {
  status: string;
  totalMs: number;
  downtimeMs: number;
  setupMs: number;
  transferredBytes: number;
  ramTotalBytes: number;
  dirtySyncCount: number;
  /** The hypervisor's own throughput figure, Mbit/s. */
  mbps: number;
  normalPages: number;
  duplicatePages: number;
  error?: string;
  /** The guest answered on the target after the move. */
  guestOk?: boolean;
}

/** Where a migration in flight stands (query-migrate while it runs), for progress lines. */
export interface MigrationProgress {
  status: string;
  transferredBytes: number;
  remainingBytes: number;
  ramTotalBytes: number;
  /** Memory passes so far (pages dirtied during a pass are sent again in the next). */
  dirtySyncCount: number;
}

/** Live migration of the VMs of VM nodes between hosts of the testbed (the lab's qemu nodes). */
export interface VmMigration {
  /** The host the VM of node `vm` runs on now. */
  hostOf(vm: string): string;
  /** The guest memory of the VM of node `vm` now, MiB. */
  memMiB(vm: string): number;
  /** Boots the VM of node `vm` afresh on its own host with `memMiB` of memory; resolves when it answers commands, with the ms it took. */
  restart(vm: string, memMiB: number): Promise<number>;
  /**
   * Moves the running VM of node `vm` live to host `to` (another host, or back to its own), the
   * stream crossing the testbed's network like the VM's traffic; the node keeps its address and its
   * executor follows the VM. Rejects when the migration does not complete (the VM then stays where it was).
   */
  move(
    vm: string,
    to: string,
    o: { tag: string; timeoutMs: number; onStart?: () => void; onProgress?: (p: MigrationProgress) => void },
  ): Promise<MigrationStats>;
}

/** What only some testbeds can do; a runner that needs one finds it here (absent: this testbed cannot). */
export interface TestbedCapabilities {
  /** Live migration of VMs between hosts (the lab's qemu nodes). */
  readonly migrate?: VmMigration;
  /** Files a benchmark needs shipped to the nodes (real hosts); absent: the nodes see this machine's files. */
  readonly ship?: ShipFiles;
}

export interface TeardownReport {
  ms: number;
  /** Resources that could not be removed (the journal is kept for `icbench clean`). */
  left: string[];
  /** Steps that failed; the other steps were still done. */
  errors: { step: string; error: string }[];
  /**
   * Real hosts that could not be reached at all to tear down (their part of the run stays in the
   * journal for `icbench clean`): the host, why, and its entry in `left`.
   */
  unreachable?: { host: string; error: string; what: string }[];
}

export interface Testbed {
  readonly spec: TestbedSpec;
  readonly nodes: TestbedNode[];
  /** null when the WAN cannot be changed (one site, or real sites). */
  readonly wan: WanControl | null;
  /** Optional abilities of this testbed (live migration, ...), typed; a missing member means it cannot. */
  readonly capabilities: TestbedCapabilities;
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
  /**
   * What the scenario's benchmarks need on real hosts (infra/host-prerequisites.ts's features,
   * from the check pass's plan): their packages are checked in preflight and their files shipped.
   */
  hostFeatures?: readonly HostFeature[];
}

export interface Provider {
  /** The kind of testbed (the ProviderModule's name): run.json's `testbed`. */
  readonly name: string;
  /** The resolved spec of a scenario on this provider (the lab: the scenario's own topology). Throws ConfigError. */
  resolve(config: ScenarioInput): TestbedSpec;
  /** Checks that this machine can bring `spec` up (tools, privileges), before anything is created. */
  preflight(spec: TestbedSpec): Promise<void>;
  /** Brings `spec` up, journaling every resource before it is created. */
  up(spec: TestbedSpec, ctx: UpContext): Promise<Testbed>;
  /** Lines --dry-run prints about what this provider would create beyond the plan (e.g. a cloud's instance-hours). */
  planNotes?(): string[];
}

/** What `clean` passes a provider with the journal entries of one run it owns. */
export interface CleanOptions {
  /**
   * The run's own testbed went down and reported nothing left: a provider whose down() removes all
   * it owns may skip reaching its hosts again (the ssh provider does; the lab cleans anyway, cheaply).
   */
  afterDown?: boolean;
  progress?: Progress;
  /** Also remove what is kept on purpose between runs (the real hosts' shipped cache: `clean --purge-cache`). */
  purgeCache?: boolean;
}

/**
 * What clean could not remove: one line for the user, and on real sites the host it is on: that
 * host's last error, and whether the host answered (its clean ran and reported what it left).
 */
export interface Leftover {
  what: string;
  /** Left on purpose, not a failure (a shipped cache later runs reuse): the entry to keep on record (<run>.kept). */
  kept?: JournalEntry;
  host?: { name: string; error: string; reached: boolean };
}

/**
 * The hosts a provider's journal entries name (real sites: each host keeps its own journal of what
 * was made on it). `clean <run> --forget-host H` drops a host gone for good from the controller's
 * journal through `without`, never from the host.
 */
export interface JournaledHosts {
  /** The hosts an entry names (none for an entry not on a host). */
  of(entry: JournalEntry): string[];
  /** The entry without `hosts` (null: nothing of it is left), or the entry itself when it names none of them. */
  without(entry: JournalEntry, hosts: ReadonlySet<string>): JournalEntry | null;
}

/** Resources named like this harness's but of runs that have no journal (a journal lost to a reboot or another state dir). */
export interface Orphans {
  /** Lines for `icbench list` (none when there is nothing). */
  summary(): Promise<string[]>;
  /**
   * Of the runs `mine` accepts: removes what certainly nothing uses, lists the rest through `log`,
   * and removes that too when `remove`. Returns what could not be removed and how many were.
   */
  clean(o: { mine: (runId: string) => boolean; remove: boolean; log: (s: string) => void }): Promise<{ left: string[]; removed: number }>;
}

/** What the scenario was given that decides the provider: an inventory of real hosts, or nothing (the local lab). */
export interface ProviderGiven {
  /** The inventory file (--inventory), absent for the local lab. */
  inventory?: string;
}

/**
 * One kind of testbed, as listed in the registry (infra/providers.ts). `O`: options of its own
 * that a scenario may pass (e.g. the lab's WAN emulator), merged into what the registry accepts.
 */
export interface ProviderModule<O extends object = object> {
  /** The kind: run.json's `testbed`, and what inventory sites name to use it. */
  readonly name: string;
  /**
   * When the registry picks it: for a scenario given no inventory (the default testbed, exactly one
   * module), or for an inventory whose sites are of kind `inventorySites`.
   */
  readonly chosenFor: 'no-inventory' | { inventorySites: string };
  /** Journal entry kinds whose resources it removes in clean(). */
  readonly owns: readonly JournalKind[];
  /** The provider for one run (validates its own options: an inventory is read here). Throws ConfigError. */
  create(given: ProviderGiven & O): Provider;
  /** Removes what the entries (of one run, kinds it owns) stand for; idempotent. Returns what could not be removed. */
  clean(runId: string, entries: JournalEntry[], o?: CleanOptions): Promise<Leftover[]>;
  /** Real hosts: which hosts its entries name, so that one gone for good can be forgotten (`clean --forget-host`). */
  readonly hosts?: JournaledHosts;
  /** Its resources of journal-less runs, where it can find them by name. */
  readonly orphans?: Orphans;
}
