/**
 * The local lab: brings a planned testbed up on this machine and down again. Every namespace and
 * container is journaled before it is created; everything else lives inside those namespaces.
 * Nodes of virt lxc/docker are real containers whose network namespace stands in for the node
 * namespace (started and named first, then wired by the same batch as netns nodes).
 */
import { mkdirSync, writeFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessPromise } from 'zx';
import type { NodeSpec, TestbedSpec } from '../config.js';
import { must, netnsExecutor, posixQuote as q, start, type Executor } from '../exec.js';
import type { Journal } from '../journal.js';
import { silentProgress, type Progress } from '../progress.js';
import { wanemBinary } from '../paths.js';
import { nsName } from '../run-id.js';
import { planLab, type LabPlan, type WanMode } from './plan.js';
import { teardownNamespaces } from './teardown.js';
import { detectNetem } from '../wan/detect.js';
import { removeContainers, startContainers, type ContainerNode, type ContainerRef } from '../virt/nodes.js';

export interface LabNode extends NodeSpec {
  ns: string;
  exec: Executor;
  /** The container holding the node (virt lxc/docker); absent for a plain namespace. */
  container?: ContainerRef;
}

export interface LabOptions {
  runId: string;
  journal: Journal;
  workDir: string; // batch files and emulator stats go here
  progress?: Progress;
  wanMode?: 'auto' | WanMode;
  /** Containers started at the same time (default 8). */
  containerParallel?: number;
}

export interface LabTimings { planMs: number; containersMs: number; createMs: number; emulatorMs: number; totalMs: number }

export class Lab {
  readonly nodes: LabNode[];
  private relays: { tag: string; pair: string; proc: ProcessPromise; statsFile: string; exited: { stderr: string } | null }[] = [];
  timings: LabTimings = { planMs: 0, containersMs: 0, createMs: 0, emulatorMs: 0, totalMs: 0 };
  /**
   * Per node, ms to stand it up: a container's create -> running + netns attached, plus (every
   * node) an equal share of the batch that creates namespaces and wires them.
   */
  readonly nodeStartMs: Record<string, number> = {};

  private constructor(readonly spec: TestbedSpec, readonly plan: LabPlan, readonly mode: WanMode, private o: LabOptions, private containers: Map<string, ContainerNode>) {
    this.nodes = spec.nodes.map((n) => {
      const ns = plan.nodeNs.get(n.name)!;
      const c = containers.get(n.name);
      return c ? { ...n, ns, exec: c.exec, container: c.ref } : { ...n, ns, exec: netnsExecutor(ns) };
    });
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
    const plan = planLab(spec, o.runId, mode, o.workDir);
    const planMs = performance.now() - t0;
    o.journal.record(...plan.namespaces.map((name) => ({ kind: 'netns' as const, name })));
    const virts = [...new Set(spec.nodes.map((n) => n.virt))].join('/');
    progress.stage('lab up', `${plan.namespaces.length} namespaces, ${spec.nodes.length} ${virts} nodes, WAN emulation by ${mode}`);
    const tc = performance.now();
    const containers = await startContainers(spec.nodes, { runId: o.runId, journal: o.journal, workDir: o.workDir, parallel: o.containerParallel });
    const lab = new Lab(spec, plan, mode, o, containers);
    lab.timings.planMs = planMs;
    lab.timings.containersMs = performance.now() - tc;
    if (containers.size) progress.info(`${containers.size} containers started in ${(lab.timings.containersMs / 1000).toFixed(2)} s`);
    const t1 = performance.now();
    await lab.create(progress);
    lab.timings.createMs = performance.now() - t1;
    const share = lab.timings.createMs / plan.namespaces.length;
    for (const n of spec.nodes) lab.nodeStartMs[n.name] = (containers.get(n.name)?.startMs ?? 0) + share;
    const t2 = performance.now();
    await lab.startRelays();
    lab.timings.emulatorMs = performance.now() - t2;
    lab.timings.totalMs = performance.now() - t0;
    progress.info(`lab up in ${(lab.timings.totalMs / 1000).toFixed(2)} s`);
    return lab;
  }

  /** Writes the batch files and runs them from one shell, so 300 nodes cost ~2 processes each. */
  private async create(progress: Progress): Promise<void> {
    const { plan, o } = this;
    const dir = join(o.workDir, 'batch');
    mkdirSync(dir, { recursive: true });
    const script: string[] = ['set -e', `ip -batch ${q(join(dir, 'root.ip'))}`];
    writeFileSync(join(dir, 'root.ip'), plan.root.join('\n') + '\n');
    for (const ns of plan.namespaces) {
      const sys = plan.sysctl.get(ns);
      if (sys) script.push(`nsenter --net=/run/netns/${ns} sysctl -q -w ${Object.entries(sys).map(([k, v]) => q(`${k}=${v}`)).join(' ')} >/dev/null`);
      for (const [tool, m] of [['ip', plan.ip], ['bridge', plan.bridge], ['tc', plan.tc]] as const) {
        const lines = m.get(ns);
        if (!lines?.length) continue;
        const f = join(dir, `${ns}.${tool}`);
        writeFileSync(f, lines.join('\n') + '\n');
        script.push(`${tool} -n ${ns} -batch ${q(f)}`);
      }
    }
    for (const e of plan.ethtool) script.push(`nsenter --net=/run/netns/${e.ns} ethtool ${e.args.map(q).join(' ')}`);
    for (const e of plan.nsShell) script.push(`ip netns exec ${e.ns} sh -c ${q(e.script)}`);
    const file = join(dir, 'up.sh');
    writeFileSync(file, script.join('\n') + '\n');
    progress.info(`creating namespaces, links, bridges, VXLAN and shaping (${script.length} steps, script ${file})`);
    await must('lab up', ['bash', file], { timeoutMs: 600_000 });
  }

  /** Starts one wanem per site pair; `rttMs` overrides every pair's configured round trip. */
  private async startRelays(rttMs: number | null = null): Promise<void> {
    if (this.mode !== 'wanem' || this.plan.relays.length === 0) return;
    const bin = wanemBinary();
    for (const r of this.plan.relays) {
      const statsFile = r.args[r.args.indexOf('--stats') + 1];
      const args = [...r.args];
      if (rttMs !== null) {
        args[args.indexOf('--delay-us') + 1] = String(Math.round(rttMs * 500));
        args[args.indexOf('--jitter-us') + 1] = String(Math.round(Math.min(r.profile.jitterMs, rttMs / 2) * 1000));
      }
      const proc = start(['nsenter', `--net=/run/netns/${this.plan.wanNs}`, '--', bin, ...args]);
      const entry = { tag: r.tag, pair: `${r.a}-${r.b}`, proc, statsFile, exited: null as { stderr: string } | null };
      proc.then((o) => { entry.exited = { stderr: o.stderr }; }, () => { entry.exited = { stderr: '' }; });
      this.relays.push(entry);
    }
    const deadline = Date.now() + 5000;
    for (const r of this.relays) {
      while (!existsSync(r.statsFile)) {
        if (r.exited || Date.now() > deadline) {
          throw new Error(`WAN emulator for ${r.pair} did not start: ${r.exited ? `exited: ${r.exited.stderr.trim()}` : 'no stats file after 5 s'}`);
        }
        await new Promise((res) => setTimeout(res, 20));
      }
    }
  }

  /**
   * Changes every site pair's WAN round-trip time in place (null: back to the configured one),
   * for experiments that sweep the RTT within one run. wanem relays are restarted with the new
   * delay (their counters restart too); netem leaves are changed with `tc qdisc change`.
   */
  async setWanRtt(rttMs: number | null): Promise<void> {
    if (this.spec.wan.length === 0) return;
    if (this.mode === 'wanem') {
      const old = this.relays;
      for (const r of old) r.proc.kill('SIGTERM').catch(() => {});
      await Promise.race([Promise.all(old.map((r) => r.proc.catch(() => {}))), new Promise((res) => setTimeout(res, 2000))]);
      for (const r of old) { if (!r.exited) r.proc.kill('SIGKILL').catch(() => {}); rmSync(r.statsFile, { force: true }); }
      this.relays = [];
      await this.startRelays(rttMs);
      return;
    }
    const spec = rttMs === null ? this.spec : { ...this.spec, wan: this.spec.wan.map((w) => ({ ...w, rttMs, jitterMs: Math.min(w.jitterMs, rttMs / 2) })) };
    const p = planLab(spec, this.o.runId, 'netem', this.o.workDir);
    const lines = (p.tc.get(p.wanNs) ?? []).filter((l) => l.startsWith('qdisc add') && l.includes(' netem ')).map((l) => l.replace(/^qdisc add/, 'qdisc change'));
    await must('WAN RTT change', ['tc', '-n', p.wanNs, '-batch', '-'], { input: lines.join('\n') + '\n' });
  }

  /** Latest counters of every relay, keyed by site pair "a-b". */
  relayStats(): Record<string, WanemStats> {
    const out: Record<string, WanemStats> = {};
    for (const r of this.relays) {
      try { out[r.pair] = JSON.parse(readFileSync(r.statsFile, 'utf8')); } catch { /* between renames: next read */ }
    }
    return out;
  }

  node(name: string): LabNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node named ${name}`);
    return n;
  }

  /**
   * Stops the relays (final counters written), removes the containers (their processes with
   * them), then every namespace of the run (for a container's, that only drops the name).
   */
  async down(progress: Progress = silentProgress): Promise<{ ms: number; left: string[] }> {
    const t0 = performance.now();
    progress.stage('lab down', `${this.plan.namespaces.length} namespaces, ${this.containers.size} containers`);
    for (const r of this.relays) r.proc.kill('SIGTERM').catch(() => {});
    await Promise.race([Promise.all(this.relays.map((r) => r.proc)), new Promise((res) => setTimeout(res, 2000))]);
    const left = await removeContainers([...this.containers.values()].map((c) => c.ref), this.o.containerParallel);
    left.push(...(await teardownNamespaces([nsName(this.o.runId, 'probe'), ...this.plan.namespaces])));
    if (left.length) progress.warn(`could not remove: ${left.join(', ')} (run \`icbench clean ${this.o.runId}\`)`);
    return { ms: performance.now() - t0, left };
  }
}

export interface WanemDir {
  rx_pkts: number; rx_bytes: number; tx_pkts: number; tx_bytes: number;
  drop_loss: number; drop_queue: number; drop_ring: number; drop_overrun: number;
  late_pkts: number; sum_late_us: number; max_late_us: number; queue_bytes: number; queue_peak_bytes: number; send_errors: number;
}
export interface WanemStats { tag: string; pid: number; time_ns: number; uptime_s: number; config: Record<string, number>; ab: WanemDir; ba: WanemDir }

