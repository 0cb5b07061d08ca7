/**
 * The local lab: brings a planned testbed up on this machine and down again. Every namespace and
 * container is journaled before it is created; everything else lives inside those namespaces.
 * Nodes of virt lxc/docker are real containers whose network namespace stands in for the node
 * namespace (started and named first, then wired by the same batch as netns nodes).
 */
import { mkdirSync, writeFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import type { ProcessPromise } from 'zx';
import type { TestbedSpec } from '../config.js';
import { must, netnsExecutor, posixQuote as q, start, type Executor } from '../exec.js';
import type { Journal } from '../journal.js';
import { silentProgress, type Progress } from '../progress.js';
import { nsconfBinary, wanemBinary } from '../paths.js';
import { nsName } from '../run-id.js';
import { nsconfScript, planLab, relayArgv, type LabPlan, type RelayPlan, type WanMode } from './plan.js';
import { killNsProcesses, teardownNamespaces } from '../netns.js';
import { detectNetem } from '../wan/detect.js';
import type { WanemStats } from '../wan/wanem-stats.js';
import { compensatedProfile, netemChangeLines, undelayedProfile, type WanProfile } from '../wan/profile.js';
import { measureBaseRtt, type BaseProbe } from './base-rtt.js';
import type { ShippedBundle, TeardownReport, Testbed, TestbedCapabilities, TestbedFacts, TestbedNode, WanControl } from '../testbed.js';
import type { Bundle } from '../bundle.js';
import { shipIntoGuests } from '../remote/guest-ship.js';
import { labMigration } from './migration.js';
import { removeContainers, startContainers, type ContainerNode, type ContainerRef } from '../virt/nodes.js';
import { removeQemuNodes, startQemuNodes, type QemuFacts, type QemuNode, type QemuOptions } from '../qemu/nodes.js';
import { ccMismatches, chosenCc, type TcpCcChoice, type TcpFacts } from '../tcp-stack.js';
import { allowOnThisMachine, readLabTcp, setVmCc } from './tcp.js';
import { startXenLabNodes, stopXenLabHosts, type XenLabFacts, type XenLabGuest, type XenLabOptions } from '../xen/lab-nodes.js';
import type { NestedXenHost } from '../xen/nested-host.js';

export interface LabNode extends TestbedNode {
  ns: string;
  /** The container holding the node (virt lxc/docker); absent for a plain namespace. */
  container?: ContainerRef;
}

export interface LabOptions {
  runId: string;
  journal: Journal;
  workDir: string; // batch files and emulator stats go here
  progress?: Progress;
  wanMode?: 'auto' | WanMode;
  /** false: plain learning switches, for segments that also carry endpoints the lab did not make (see switchAnswersArp). */
  arpAtSwitch?: boolean;
  /** Containers started at the same time (default 8). */
  containerParallel?: number;
  /** qemu nodes: guest memory, vCPUs, boot parallelism and timeout. */
  qemu?: QemuOptions;
  /** xen nodes: guest, dom0 and nested host memory, boot timeout. */
  xen?: XenLabOptions;
  /** --tcp-cc: a congestion control for every node (checked by the provider's preflight); default `system`. */
  tcpCc?: TcpCcChoice;
  /**
   * Base RTT compensation (default true): the lab path's own RTT is measured per site pair at
   * stand-up and taken off the delay the emulator adds. false: the emulator adds the configured RTT
   * on top of the path's own (the behaviour before compensation).
   */
  rttCompensation?: boolean;
}

export interface LabTimings {
  planMs: number;
  containersMs: number;
  createMs: number;
  vmsMs: number;
  emulatorMs: number;
  totalMs: number;
}

interface Relay {
  plan: RelayPlan;
  proc: ProcessPromise;
  exited: { code: number | null; stderr: string } | null;
  stopping: boolean;
}

const NEIGH = '/proc/sys/net/ipv4/neigh/default';

/**
 * The kernel's ARP table is ONE table for every namespace of the machine, and by default it holds
 * 1,024 entries that are not permanent (gc_thresh3): a 48-node mesh alone needs 48 x 47 = 2,256,
 * and beyond the limit new entries are refused ("neighbor table overflow") and connections fail.
 * The site switch (plan.ts) keeps ARP from flooding; this keeps the learnt entries from being
 * refused: thresholds are raised (never lowered: other labs may share the machine) to a full mesh
 * of this testbed plus the default, at most 2^20 entries. Returns what changed, or '' if nothing.
 */
export function sizeNeighbourTable(nodes: number): string {
  const want = Math.min(2 ** 20, nodes * (nodes - 1) + 1024);
  const changed: string[] = [];
  for (const [k, v] of [
    ['gc_thresh3', want],
    ['gc_thresh2', Math.floor(want / 2)],
  ] as const) {
    const cur = Number(readFileSync(`${NEIGH}/${k}`, 'utf8'));
    if (cur >= v) continue;
    writeFileSync(`${NEIGH}/${k}`, String(v));
    changed.push(`${k} ${cur} -> ${v}`);
  }
  return changed.join(', ');
}

export class Lab implements Testbed {
  readonly nodes: LabNode[];
  private relays: Relay[] = [];
  /** Final counters of relays stopped by a WAN change, by pair (the next relay's counters start at 0). */
  private retiredStats: Record<string, WanemStats[]> = {};
  private current: WanProfile[];
  /** The lab path's own RTT by pair "a-b" (base RTT compensation), measured at stand-up; empty when off. */
  private baseRtt: Record<string, number> = {};
  timings: LabTimings = { planMs: 0, containersMs: 0, createMs: 0, vmsMs: 0, emulatorMs: 0, totalMs: 0 };
  /** qemu nodes' VMs by node name (their executor follows the VM when it migrates). */
  readonly vms = new Map<string, QemuNode>();
  private qemuFacts: QemuFacts | null = null;
  /** xen nodes: the nested Xen host of each lab host holding them, and each node's guest. */
  readonly xenHosts = new Map<string, NestedXenHost>();
  readonly xenGuests = new Map<string, XenLabGuest>();
  private xenFacts: XenLabFacts | null = null;
  /** Every node's TCP stack as read after stand-up, and what was changed on this machine for it. */
  private tcp: TcpFacts | null = null;
  /**
   * Per node, ms to stand it up: a container's create -> running + netns attached, plus (every
   * node) an equal share of the batch that creates namespaces and wires them.
   */
  readonly nodeStartMs: Record<string, number> = {};
  readonly wan: WanControl | null;
  /** Live migration of qemu nodes' VMs between the lab's hosts. */
  readonly capabilities: TestbedCapabilities;

  private constructor(
    readonly spec: TestbedSpec,
    readonly plan: LabPlan,
    readonly mode: WanMode,
    private o: LabOptions,
    private containers: Map<string, ContainerNode>,
  ) {
    this.nodes = spec.nodes.map((n) => {
      const ns = plan.nodeNs.get(n.name)!;
      const c = containers.get(n.name);
      return c ? { ...n, ns, exec: c.exec, container: c.ref } : { ...n, ns, exec: netnsExecutor(ns) };
    });
    this.current = spec.wan;
    this.wan =
      spec.wan.length === 0
        ? null
        : {
            enforcedBy: mode,
            profiles: () => this.current,
            apply: (profiles) => this.applyWan(profiles),
            stats: () => this.relayStats(),
            failure: () => this.emulatorFailure(),
            rttCompensation: (p) => {
              const base = this.baseRtt[`${p.a}-${p.b}`];
              return { baseMs: base ?? null, appliedMs: this.applied(p).rttMs };
            },
          };
    this.capabilities = {
      migrate: labMigration({ runId: o.runId, journal: o.journal, spec, hostNs: plan.hostNs, nodeNs: plan.nodeNs, vms: this.vms, tcpCc: chosenCc(o.tcpCc) }),
      // Xen guests do not see this machine's files: a bundle goes into them (infra/remote/guest-ship.ts).
      ...(spec.nodes.some((n) => n.virt === 'xen')
        ? { ship: { ship: (b: Bundle, nodes: readonly Pick<TestbedNode, 'name'>[]) => this.shipToGuests(b, nodes) } }
        : {}),
    };
  }

  static async up(spec: TestbedSpec, o: LabOptions): Promise<Lab> {
    const progress = o.progress ?? silentProgress;
    const t0 = performance.now();
    mkdirSync(o.workDir, { recursive: true });
    let mode: WanMode = o.wanMode === 'netem' || o.wanMode === 'wanem' ? o.wanMode : 'wanem';
    if ((o.wanMode ?? 'auto') === 'auto' && spec.sites.length > 1) {
      const probe = nsName(o.runId, 'probe');
      o.journal.record({ kind: 'netns', name: probe });
      mode = (await detectNetem(probe)) ? 'netem' : 'wanem';
    }
    const cc = chosenCc(o.tcpCc);
    const plan = planLab(spec, o.runId, mode, o.workDir, { arpAtSwitch: o.arpAtSwitch, tcpCc: cc });
    const planMs = performance.now() - t0;
    const raised = sizeNeighbourTable(spec.nodes.length);
    if (raised) progress.info(`neighbour table (machine-wide) raised for ${spec.nodes.length} nodes: ${raised}`);
    // The run's namespaces may only be given an algorithm of the machine's allowed list (tcp-stack.ts).
    const allowed = cc ? await allowOnThisMachine(cc) : '';
    if (allowed) progress.info(`--tcp-cc ${cc}: ${allowed}`);
    o.journal.record(...plan.namespaces.map((name) => ({ kind: 'netns' as const, name })));
    const virts = [...new Set(spec.nodes.map((n) => n.virt))].join('/');
    progress.stage('lab up', `${plan.namespaces.length} namespaces, ${spec.nodes.length} ${virts} nodes, WAN emulation by ${mode}`);
    const tc = performance.now();
    const containers = await startContainers(spec.nodes, { runId: o.runId, journal: o.journal, workDir: o.workDir, parallel: o.containerParallel });
    const lab = new Lab(spec, plan, mode, o, containers);
    lab.timings.planMs = planMs;
    lab.timings.containersMs = performance.now() - tc;
    if (containers.size) progress.info(`${containers.size} containers started in ${(lab.timings.containersMs / 1000).toFixed(2)} s`);
    try {
      const t1 = performance.now();
      await lab.create(progress);
      lab.timings.createMs = performance.now() - t1;
      const share = lab.timings.createMs / plan.namespaces.length;
      const tv = performance.now();
      await lab.startVms(progress);
      await lab.startXen(progress);
      lab.timings.vmsMs = performance.now() - tv;
      for (const n of spec.nodes)
        lab.nodeStartMs[n.name] = (containers.get(n.name)?.startMs ?? lab.vms.get(n.name)?.startMs ?? lab.xenGuests.get(n.name)?.startMs ?? 0) + share;
      const t2 = performance.now();
      const compensate = (o.rttCompensation ?? true) && spec.wan.length > 0;
      // Compensation measures the path with the emulator adding no delay, then puts the compensated profiles in force.
      await lab.startRelays(compensate ? plan.relays.map((r) => ({ ...r, profile: undelayedProfile(r.profile) })) : plan.relays);
      if (compensate) await lab.compensateBaseRtt(progress);
      lab.timings.emulatorMs = performance.now() - t2;
      lab.tcp = await lab.tcpStack(o.tcpCc ?? 'system', allowed ? [allowed] : []);
    } catch (e) {
      await lab.down(silentProgress); // what was created is journaled; remove it now rather than leave it
      throw e;
    }
    lab.timings.totalMs = performance.now() - t0;
    progress.info(`lab up in ${(lab.timings.totalMs / 1000).toFixed(2)} s`);
    return lab;
  }

  /** Boots the qemu nodes' VMs on the taps the batch made; their executors replace the namespace ones. */
  private async startVms(progress: Progress): Promise<void> {
    if (!this.spec.nodes.some((n) => n.virt === 'qemu')) return;
    // VMs land in this.vms as they start, so that down() stops them if a later one fails.
    const facts = await startQemuNodes(this.spec.nodes, this.plan.nodeNs, this.vms, {
      runId: this.o.runId,
      journal: this.o.journal,
      workDir: this.o.workDir,
      prefix: this.spec.prefix,
      ...this.o.qemu,
    });
    for (const [name, vm] of this.vms) this.nodes.find((x) => x.name === name)!.exec = vm.exec;
    this.qemuFacts = facts;
    if (facts) progress.info(`${this.vms.size} qemu VMs booted (accel ${facts.accel}: ${facts.accel_reason})`);
  }

  /** Boots a nested Xen host per lab host holding xen nodes and their guests; the guests' executors replace the namespace ones. */
  private async startXen(progress: Progress): Promise<void> {
    if (!this.spec.nodes.some((n) => n.virt === 'xen')) return;
    progress.info('xen nodes: booting a nested Xen host (QEMU TCG) per lab host, then its PV guests');
    const facts = await startXenLabNodes(this.spec.nodes, this.plan.hostNs, this.xenHosts, this.xenGuests, {
      runId: this.o.runId,
      journal: this.o.journal,
      workDir: this.o.workDir,
      prefix: this.spec.prefix,
      progress,
      ...this.o.xen,
    });
    for (const [name, g] of this.xenGuests) Object.assign(this.nodes.find((x) => x.name === name)!, { exec: g.exec, workDir: g.workDir, workRoot: g.workRoot });
    this.xenFacts = facts;
    if (facts)
      progress.info(
        `${this.xenGuests.size} xen guests up on ${facts.nested_hosts} nested Xen ${facts.xen_version} hosts (boot ${(facts.nested_boot_ms / 1000).toFixed(1)} s)`,
      );
  }

  /** Bundles shipped into the Xen guests in this run, by key (each once per run). */
  private shipped = new Map<string, Promise<ShippedBundle>>();

  /** Ships a bundle into the xen nodes among `nodes` (once per run per set of nodes); other lab nodes see this machine's files and are refused here. */
  private shipToGuests(b: Bundle, nodes: readonly Pick<TestbedNode, 'name'>[]): Promise<ShippedBundle> {
    const guests = nodes.map((n) => {
      const g = this.xenGuests.get(n.name);
      if (!g) throw new Error(`ship ${b.name}: node ${n.name} is not a xen node (lab nodes of other types run this machine's files)`);
      return { name: n.name, exec: g.exec };
    });
    const key = `${b.sha256}/${guests.map((g) => g.name).join(',')}`;
    let p = this.shipped.get(key);
    if (!p) {
      p = shipIntoGuests({ bundle: b, guests, runId: this.o.runId, workDir: this.o.workDir, progress: this.o.progress });
      this.shipped.set(key, p);
      p.catch(() => this.shipped.delete(key));
    }
    return p;
  }

  /** Nodes whose own kernel runs their TCP (qemu VMs, Xen guests), with their executors. */
  private kernelNodes(): { name: string; exec: Executor }[] {
    return [...[...this.vms].map(([name, vm]) => ({ name, exec: vm.exec })), ...[...this.xenGuests].map(([name, g]) => ({ name, exec: g.exec }))];
  }

  /**
   * Sets the chosen congestion control in the VMs (namespaces got it from the plan), then reads
   * every node's back; throws when a node does not run what was chosen.
   */
  private async tcpStack(requested: TcpCcChoice, hostChanges: string[]): Promise<TcpFacts> {
    const cc = chosenCc(requested);
    const vms = this.kernelNodes();
    if (cc && vms.length) await setVmCc(vms, cc);
    const nsNodes = this.nodes.filter((n) => !this.vms.has(n.name) && !this.xenGuests.has(n.name)).map((n) => ({ name: n.name, ns: n.ns }));
    const nodes = await readLabTcp(nsNodes, vms, this.o.workDir);
    const off = ccMismatches(cc, nodes);
    if (off.length) throw new Error(`--tcp-cc ${cc}: not every node runs it after stand-up: ${off.join(', ')}`);
    return { requested, nodes, host_changes: hostChanges };
  }

  facts(): TestbedFacts {
    const t = this.timings;
    const apparmor = [...this.containers.values()].find((c) => c.apparmor)?.apparmor;
    return {
      ...(apparmor ? { lxcApparmor: apparmor } : {}),
      ...(this.qemuFacts ? { vm: { ...this.qemuFacts } } : {}),
      ...(this.xenFacts ? { vm: { ...this.xenFacts } } : {}),
      ...(this.tcp ? { tcp: this.tcp } : {}),
      testbed: 'lab',
      l2vpn: 'vxlan',
      wanEnforcedBy: this.spec.wan.length ? this.mode : 'none',
      netem: this.mode === 'netem',
      timings: {
        up_ms: Math.round(t.totalMs),
        containers_ms: Math.round(t.containersMs),
        ...(this.vms.size ? { vms_ms: Math.round(t.vmsMs) } : {}),
        create_ms: Math.round(t.createMs),
        emulator_ms: Math.round(t.emulatorMs),
      },
    };
  }

  async interrupt(): Promise<void> {
    await killNsProcesses(this.nodes.map((n) => n.ns));
  }

  /**
   * Writes the batch files and runs them from one shell: the root namespace's batch (namespaces
   * and veth pairs), then ONE nsconf process for every namespace's sysctls and the node
   * namespaces' links (no process per node), then one `ip`/`bridge`/`tc` batch per WAN, site and
   * host namespace.
   */
  private async create(progress: Progress): Promise<void> {
    const { plan, o } = this;
    const dir = join(o.workDir, 'batch');
    mkdirSync(dir, { recursive: true });
    const conf = join(dir, 'nsconf');
    writeFileSync(conf, nsconfScript(plan));
    // Namespaces are made by `workers` batches at once (the kernel's per-namespace setup runs on
    // every core), then the veth pairs by one batch (they serialize on the kernel's rtnl lock anyway).
    const workers = Math.max(1, Math.min(4, availableParallelism()));
    const adds = plan.root.filter((l) => l.startsWith('netns add '));
    const script: string[] = ['set -e'];
    const pids: string[] = [];
    for (let w = 0; w < workers; w++) {
      const part = adds.filter((_, i) => i % workers === w);
      if (!part.length) continue;
      const f = join(dir, `root-netns-${w}.ip`);
      writeFileSync(f, part.join('\n') + '\n');
      script.push(`ip -batch ${q(f)} & p${w}=$!`);
      pids.push(`wait $p${w}`);
    }
    writeFileSync(join(dir, 'root.ip'), plan.root.filter((l) => !l.startsWith('netns add ')).join('\n') + '\n');
    script.push(...pids, `ip -batch ${q(join(dir, 'root.ip'))}`, `${q(nsconfBinary())} -j ${workers} ${q(conf)}`);
    // Each namespace's own batches (links, then FDB, then shaping) depend only on the root batch
    // above (every cross-namespace move is there), so namespaces are configured `workers` at a time.
    const perNs: string[] = [];
    for (const ns of plan.namespaces) {
      const steps: string[] = [];
      for (const [tool, m] of [
        ['ip', plan.ip],
        ['bridge', plan.bridge],
        ['tc', plan.tc],
      ] as const) {
        const lines = m.get(ns);
        if (!lines?.length) continue;
        const f = join(dir, `${ns}.${tool}`);
        writeFileSync(f, lines.join('\n') + '\n');
        steps.push(`${tool} -n ${ns} -batch ${q(f)}`);
      }
      if (!steps.length) continue;
      const f = join(dir, `${ns}.sh`);
      writeFileSync(f, ['set -e', ...steps, ''].join('\n'));
      perNs.push(f);
    }
    if (perNs.length) {
      const list = join(dir, 'per-namespace.list');
      writeFileSync(list, perNs.join('\n') + '\n');
      // xargs exits non-zero if any script failed; set -e then stops here.
      script.push(`xargs -d '\\n' -n 1 -P ${workers} bash < ${q(list)}`);
    }
    for (const e of plan.ethtool) script.push(`nsenter --net=/run/netns/${e.ns} ethtool ${e.args.map(q).join(' ')}`);
    for (const e of plan.nsShell) script.push(`ip netns exec ${e.ns} sh -c ${q(e.script)}`);
    const file = join(dir, 'up.sh');
    writeFileSync(file, script.join('\n') + '\n');
    progress.info(`creating namespaces, links, bridges, VXLAN and shaping (${script.length} steps, script ${file})`);
    await must('lab up', ['bash', file], { timeoutMs: 600_000 });
  }

  /**
   * Base RTT compensation: with the emulator adding no delay (relays started so; netem leaves
   * changed so here), measures each pair's own RTT between a node namespace of each site, then puts
   * the configured profiles in force with that base taken off their delay. A pair with no namespace
   * node at one of its sites (only VMs) is not measured and keeps the configured delay.
   */
  private async compensateBaseRtt(progress: Progress): Promise<void> {
    if (this.mode === 'netem') await this.putInForce(this.spec.wan.map(undelayedProfile));
    const probes: BaseProbe[] = [];
    // A node whose network namespace is its own (netns, lxc, docker): a VM's guest path is the node's, not the WAN's.
    const nsNode = (site: string) => this.nodes.find((n) => n.site === site && (n.virt === 'netns' || n.virt === 'lxc' || n.virt === 'docker'));
    for (const w of this.spec.wan) {
      const from = nsNode(w.a),
        to = nsNode(w.b);
      if (from && to) probes.push({ pair: `${w.a}-${w.b}`, fromNs: from.ns, toAddress: to.address });
      else progress.warn(`base RTT of ${w.a}-${w.b} not measured (no netns, lxc or docker node at both sites): the emulator adds the configured RTT`);
    }
    this.baseRtt = await measureBaseRtt(probes);
    this.retiredStats = {}; // the undelayed relays' counters are not part of the run
    await this.putInForce(
      this.spec.wan.map((p) => this.applied(p)),
      false,
    );
    progress.info(
      `base RTT compensation: ${Object.entries(this.baseRtt)
        .map(([pair, ms]) => `${pair} path ${ms.toFixed(3)} ms`)
        .join(', ')} taken off the emulated delay`,
    );
  }

  /** What the emulator is given for a configured profile: its RTT less the pair's measured base. */
  private applied(p: WanProfile): WanProfile {
    const base = this.baseRtt[`${p.a}-${p.b}`];
    return base === undefined ? p : compensatedProfile(p, base);
  }

  /** Starts one wanem per planned relay and waits for each one's first stats file. */
  private async startRelays(plans: RelayPlan[]): Promise<void> {
    if (this.mode !== 'wanem' || plans.length === 0) return;
    const bin = wanemBinary();
    for (const p of plans) {
      rmSync(p.statsFile, { force: true });
      const proc = start(['nsenter', `--net=/run/netns/${this.plan.wanNs}`, '--', bin, ...relayArgv(p)]);
      const relay: Relay = { plan: p, proc, exited: null, stopping: false };
      proc.then(
        (r) => {
          relay.exited = { code: r.exitCode, stderr: r.stderr };
        },
        (e) => {
          relay.exited = { code: e?.exitCode ?? null, stderr: String(e?.stderr ?? '') };
        },
      );
      this.relays.push(relay);
    }
    // Its first stats file comes within ~100 ms on an idle machine; at a load average of 20 here it took over 5 s.
    const startMs = 30_000;
    const deadline = Date.now() + startMs;
    for (const r of this.relays) {
      while (!existsSync(r.plan.statsFile)) {
        if (r.exited || Date.now() > deadline) {
          throw new Error(
            `WAN emulator for ${r.plan.a}-${r.plan.b} did not start: ${r.exited ? `exited: ${r.exited.stderr.trim()}` : `no stats file after ${startMs / 1000} s`}`,
          );
        }
        await new Promise((res) => setTimeout(res, 20));
      }
    }
  }

  /** Stops relays (SIGTERM, then SIGKILL after 2 s); never throws, also for relays that already exited. */
  private async stopRelays(relays: Relay[]): Promise<void> {
    const signal = (r: Relay, sig: NodeJS.Signals) => {
      if (r.exited) return;
      try {
        r.proc.kill(sig).catch(() => {});
      } catch {
        /* exited between the check and the kill */
      }
    };
    for (const r of relays) {
      r.stopping = true;
      signal(r, 'SIGTERM');
    }
    await Promise.race([Promise.all(relays.map((r) => r.proc.catch(() => {}))), new Promise((res) => setTimeout(res, 2000))]);
    for (const r of relays) signal(r, 'SIGKILL');
  }

  private emulatorFailure(): string | null {
    const dead = this.relays.filter((r) => r.exited && !r.stopping);
    if (dead.length === 0) return null;
    return dead
      .map(
        (r) =>
          `WAN emulator for ${r.plan.a}-${r.plan.b} exited (code ${r.exited!.code ?? 'killed'})${r.exited!.stderr.trim() ? `: ${r.exited!.stderr.trim().split('\n').pop()}` : ''}`,
      )
      .join('; ');
  }

  /**
   * Puts new WAN profiles in force (same pairs as configured): wanem relays are restarted with
   * commands rebuilt from the profiles (the stopped relays' final counters are kept); netem
   * leaves are changed in place with `tc qdisc change`.
   */
  private async applyWan(profiles: WanProfile[]): Promise<void> {
    const byPair = new Map(profiles.map((p) => [`${p.a}-${p.b}`, p]));
    const missing = this.spec.wan.filter((w) => !byPair.has(`${w.a}-${w.b}`));
    if (missing.length || profiles.length !== this.spec.wan.length)
      throw new Error(`WAN change: expected one profile per configured pair (${this.spec.wan.map((w) => `${w.a}-${w.b}`).join(', ')})`);
    await this.putInForce(profiles.map((p) => this.applied(p)));
    this.current = profiles;
  }

  /** Gives the emulator these profiles as they are (wanem relays restarted, netem leaves changed in place). */
  private async putInForce(given: WanProfile[], keepStats = true): Promise<void> {
    const byPair = new Map(given.map((p) => [`${p.a}-${p.b}`, p]));
    if (this.mode === 'wanem') {
      const old = this.relays;
      if (keepStats) for (const [pair, st] of Object.entries(this.relayStats())) (this.retiredStats[pair] ??= []).push(st);
      await this.stopRelays(old);
      this.relays = [];
      await this.startRelays(old.map((r) => ({ ...r.plan, profile: byPair.get(`${r.plan.a}-${r.plan.b}`)! })));
    } else {
      const dirs = this.plan.netem.map((d) => ({ ...d, profile: byPair.get(`${d.profile.a}-${d.profile.b}`)! }));
      await must('WAN change', ['tc', '-n', this.plan.wanNs, '-batch', '-'], { input: netemChangeLines(dirs).join('\n') + '\n' });
    }
  }

  /** Latest counters of every running relay, keyed by site pair "a-b". */
  relayStats(): Record<string, WanemStats> {
    const out: Record<string, WanemStats> = {};
    for (const r of this.relays) {
      try {
        out[`${r.plan.a}-${r.plan.b}`] = JSON.parse(readFileSync(r.plan.statsFile, 'utf8'));
      } catch {
        /* between renames: next read */
      }
    }
    return out;
  }

  /** Final counters of every relay that ran, per pair in the order they ran (one per WAN setting). */
  allRelayStats(): Record<string, WanemStats[]> {
    const out: Record<string, WanemStats[]> = {};
    for (const [k, v] of Object.entries(this.retiredStats)) out[k] = [...v];
    for (const [k, v] of Object.entries(this.relayStats())) (out[k] ??= []).push(v);
    return out;
  }

  /** The run's journal (for resources made after stand-up, e.g. migration landings). */
  get journal(): Journal {
    return this.o.journal;
  }

  get runId(): string {
    return this.o.runId;
  }

  node(name: string): LabNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node named ${name}`);
    return n;
  }

  /**
   * Stops the relays (final counters written), removes the containers (their processes with
   * them), then every namespace of the run (for a container's, that only drops the name).
   * Each step is tried whatever happened to the one before; failures are reported, not thrown.
   */
  async down(progress: Progress = silentProgress): Promise<TeardownReport> {
    const t0 = performance.now();
    progress.stage('lab down', `${this.plan.namespaces.length} namespaces, ${this.containers.size} containers`);
    const errors: TeardownReport['errors'] = [];
    const left: string[] = [];
    const step = async (name: string, fn: () => Promise<string[] | void>) => {
      try {
        left.push(...((await fn()) ?? []));
      } catch (e) {
        errors.push({ step: name, error: (e as Error).message });
      }
    };
    await step('stop WAN emulator', () => this.stopRelays(this.relays));
    await step('stop VMs', () => removeQemuNodes([...this.vms.values()].map((v) => ({ ...v.handle.spec, pid: v.handle.pid, pidStart: v.handle.pidStart }))));
    await step('stop nested Xen hosts', () => stopXenLabHosts([...this.xenHosts.values()]));
    await step('remove containers', () =>
      removeContainers(
        [...this.containers.values()].map((c) => c.ref),
        this.o.containerParallel,
      ),
    );
    // Every namespace the journal lists: the plan's, the netem probe's and any made after stand-up
    // (a migration landing), so that a run's journal is never removed with a namespace still there.
    const journaled = this.o.journal.entries().flatMap((e) => (e.kind === 'netns' ? [e.name] : []));
    await step('remove namespaces', () => teardownNamespaces([...new Set([...journaled, ...this.plan.namespaces])]));
    if (left.length) progress.warn(`could not remove: ${left.join(', ')} (run \`icbench clean ${this.o.runId}\`)`);
    for (const e of errors) progress.warn(`teardown: ${e.step} failed: ${e.error}`);
    return { ms: performance.now() - t0, left, errors };
  }
}
