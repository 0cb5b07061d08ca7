/**
 * The local lab: brings a planned testbed up on this machine and down again. Every namespace is
 * journaled before it is created; everything else lives inside those namespaces.
 */
import { mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessPromise } from 'zx';
import type { NodeSpec, TestbedSpec } from '../config.js';
import { must, netnsExecutor, start, type Executor } from '../exec.js';
import type { Journal } from '../journal.js';
import { silentProgress, type Progress } from '../progress.js';
import { wanemBinary } from '../paths.js';
import { nsName } from '../run-id.js';
import { planLab, type LabPlan, type WanMode } from './plan.js';
import { teardownNamespaces } from './teardown.js';
import { detectNetem } from '../wan/detect.js';

export interface LabNode extends NodeSpec { ns: string; exec: Executor }

export interface LabOptions {
  runId: string;
  journal: Journal;
  workDir: string; // batch files and emulator stats go here
  progress?: Progress;
  wanMode?: 'auto' | WanMode;
}

export interface LabTimings { planMs: number; createMs: number; emulatorMs: number; totalMs: number }

export class Lab {
  readonly nodes: LabNode[];
  private relays: { tag: string; pair: string; proc: ProcessPromise; statsFile: string; exited: { stderr: string } | null }[] = [];
  timings: LabTimings = { planMs: 0, createMs: 0, emulatorMs: 0, totalMs: 0 };

  private constructor(readonly spec: TestbedSpec, readonly plan: LabPlan, readonly mode: WanMode, private o: LabOptions) {
    this.nodes = spec.nodes.map((n) => {
      const ns = plan.nodeNs.get(n.name)!;
      return { ...n, ns, exec: netnsExecutor(ns) };
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
    const lab = new Lab(spec, plan, mode, o);
    lab.timings.planMs = performance.now() - t0;
    o.journal.record(...plan.namespaces.map((name) => ({ kind: 'netns' as const, name })));
    progress.stage('lab up', `${plan.namespaces.length} namespaces, ${spec.nodes.length} nodes, WAN emulation by ${mode}`);
    const t1 = performance.now();
    await lab.create(progress);
    lab.timings.createMs = performance.now() - t1;
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

  private async startRelays(): Promise<void> {
    if (this.mode !== 'wanem' || this.plan.relays.length === 0) return;
    const bin = wanemBinary();
    for (const r of this.plan.relays) {
      const statsFile = r.args[r.args.indexOf('--stats') + 1];
      const proc = start(['nsenter', `--net=/run/netns/${this.plan.wanNs}`, '--', bin, ...r.args]);
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

  /** Stops the relays (final counters written), then removes every namespace of the run. */
  async down(progress: Progress = silentProgress): Promise<{ ms: number; left: string[] }> {
    const t0 = performance.now();
    progress.stage('lab down', `${this.plan.namespaces.length} namespaces`);
    for (const r of this.relays) r.proc.kill('SIGTERM').catch(() => {});
    await Promise.race([Promise.all(this.relays.map((r) => r.proc)), new Promise((res) => setTimeout(res, 2000))]);
    const left = await teardownNamespaces([nsName(this.o.runId, 'probe'), ...this.plan.namespaces]);
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

function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

