/**
 * Real sites as a testbed provider: the hosts of an inventory, reached over OpenSSH (strict host
 * keys, keys only, multiplexed). up(): every host key is checked and every host preflighted
 * before anything is created on any host; then each host journals and creates its bridge, VXLAN
 * and node namespaces in one script. The WAN is real: nothing emulates it, the scenario's WAN
 * profile is recorded (enforced by: none) and validation measures it.
 */
import type { TestbedSpec } from '../config.js';
import { run } from '../exec.js';
import { loadInventory } from '../inventory/load.js';
import type { Inventory } from '../inventory/types.js';
import { silentProgress, type Progress } from '../progress.js';
import { parseSshError, SshSession } from '../ssh/session.js';
import type {
  Leftover,
  Provider,
  ProviderModule,
  ShippedBundle,
  TeardownReport,
  Testbed,
  TestbedCapabilities,
  TestbedFacts,
  TestbedNode,
  UpContext,
} from '../testbed.js';
import type { Bundle } from '../bundle.js';
import { cacheDirOf, shipToHosts } from './ship.js';
import { mapLimit } from '../concurrency.js';
import {
  type ProvidedL2,
  planRemote,
  remoteCleanScript,
  REMOTE_DATA_DIR,
  remoteNodeDir,
  remoteXenDir,
  remoteInterruptScript,
  wgKeyScript,
  xenJournalScript,
  type RemotePlan,
  type WireguardPeers,
} from './plan.js';
import { cleanRemote, keptCache, purgeRemoteCaches, remoteHosts } from './clean.js';
import type { JournalEntry } from '../journal.js';
import { sshDir, stopMasters } from './ssh-dir.js';
import { preflightHosts, type HostFacts, type PreflightNeeds } from './preflight.js';
import { placesOf, specFromInventory } from './spec.js';
import { dockerExecutor, lxcExecutor } from '../virt/executors.js';
import { XenHost } from '../xen/xl.js';
import { XEN_GUEST_WORK_ROOT, xenGuestWorkDir } from '../xen/lab-nodes.js';
import { shipIntoGuests } from './guest-ship.js';
import { guestKeyScript, newGuestHostKey } from '../xen/guest-hostkey.js';
import { preflightRumprun } from '../rumprun/preflight.js';
import type { Executor } from '../exec.js';
import {
  ccMismatches,
  chosenCc,
  keyValues,
  namespacesTcpScript,
  NODE_TCP_READ,
  tcpCcChoice,
  type NodeTcp,
  type TcpCc,
  type TcpCcChoice,
  type TcpFacts,
} from '../tcp-stack.js';

/** ssh from a dom0 into its guests: ConnectTimeout (10 s, or $ICBENCH_SSH_HANDSHAKE_TIMEOUT_S when larger). */
const guestConnectTimeoutS = () => Math.max(10, Number(process.env.ICBENCH_SSH_HANDSHAKE_TIMEOUT_S) || 0);

/** Node types the remote provider builds on real hosts. */
export const REMOTE_VIRTS: string[] = ['netns', 'lxc', 'docker', 'xen'];

export interface RemoteProviderOptions {
  /** The inventory file (YAML, Ansible shape). */
  inventory: string;
  /** Hosts worked on at once (default 8). */
  parallel?: number;
  /** What the scenario needs of the hosts beyond its node type (e.g. live migration of Xen guests), checked in preflight. */
  needs?: PreflightNeeds;
  /** --tcp-cc: the congestion control of every node, set in its namespace only (default `system`: the hosts' own, recorded). */
  tcpCc?: TcpCcChoice;
}

export interface RemoteProvider extends Provider {
  readonly inventory: Inventory;
}

export function remoteProvider(o: RemoteProviderOptions): RemoteProvider {
  const inventory = loadInventory(o.inventory); // validated before anything is contacted
  const tcpCc = tcpCcChoice(o.tcpCc, 'tcpCc');
  return {
    name: 'ssh',
    inventory,
    resolve: (config) => specFromInventory(inventory, config).spec,
    preflight: async (spec) => {
      for (const tool of ['ssh', 'ssh-keyscan', 'ssh-keygen']) {
        const r = await run(['sh', '-c', 'command -v "$1"', 'sh', tool]);
        if (!r.ok) throw new Error(`preflight failed: ${tool} not found on the controller: apt-get install openssh-client`);
      }
      // Rumprun: the toolchain is on the controller (the build machine); name what is missing first.
      if (spec?.nodes.some((n) => n.virt === 'rumprun')) await preflightRumprun({ platform: 'xen' });
    },
    up: (spec, ctx) =>
      RemoteTestbed.up(inventory, spec, ctx, o.parallel ?? 8, {
        ...o.needs,
        tcpCc: chosenCc(tcpCc),
        features: [...(o.needs?.features ?? []), ...(ctx.hostFeatures ?? [])],
      }),
  };
}

export class RemoteTestbed implements Testbed {
  readonly wan = null; // a real WAN cannot be changed from here
  // No live migration of nodes on real sites (yet); files a benchmark needs are shipped to the hosts.
  readonly capabilities: TestbedCapabilities = { ship: { ship: (b, nodes) => this.ship(b, nodes) } };
  /** Bundles shipped in this run, by key: each is shipped (or found in the hosts' cache) once per run. */
  private shipped = new Map<string, Promise<ShippedBundle>>();
  readonly nodeStartMs: Record<string, number> = {};
  readonly nodes: TestbedNode[];
  private timings: Record<string, number> = {};
  /** Docker nodes: the host pid of each container's init (printed by the host's up script). */
  private dockerPids = new Map<string, number>();
  /** Xen nodes: the guest's link-local address on the run's bridge (fe80::...%bridge), once it answers. */
  private xenGuests = new Map<string, string>();
  hostFacts: HostFacts[] = [];
  /** Every node's TCP stack as read after stand-up. */
  private tcp: TcpFacts | null = null;

  private constructor(
    readonly spec: TestbedSpec,
    readonly inventory: Inventory,
    readonly plan: RemotePlan,
    private ssh: SshSession,
    private runId: string,
    private ctx: Pick<UpContext, 'journal' | 'workDir' | 'progress'>,
  ) {
    this.nodes = spec.nodes.map((n) => {
      const h = plan.hosts.find((x) => x.nodes.some((y) => y.node === n.name));
      const rn = h?.nodes.find((y) => y.node === n.name);
      if (!h || !rn) throw new Error(`remote plan: node ${n.name} is on no host`);
      const remote = ssh.executor(h.host);
      if (rn.xen) {
        const where = `${remote.where} xen ${rn.xen.name}`;
        const img = inventory.sites.flatMap((x) => x.hosts).find((x) => x.name === h.host)?.xen;
        const xen = new XenHost({ exec: remote });
        return {
          ...n,
          workDir: xenGuestWorkDir(runId, n.name),
          workRoot: XEN_GUEST_WORK_ROOT,
          exec: {
            where,
            wrap: (argv: string[]) => {
              const ll = this.xenGuests.get(n.name);
              if (!ll) throw new Error(`${where}: the guest has not answered yet`);
              return xen
                .guestExecutor(ll, {
                  identity: img?.guestKey ?? undefined,
                  knownHostsFile: `${remoteXenDir(runId, h.host)}/known_hosts`,
                  connectTimeoutS: guestConnectTimeoutS(),
                })
                .wrap(argv);
            },
          },
        };
      }
      if (rn.docker) {
        const name = rn.docker.name;
        const where = `${remote.where} docker ${name}`;
        return {
          ...n,
          exec: {
            where,
            wrap: (argv: string[]) => {
              const pid = this.dockerPids.get(n.name);
              if (!pid) throw new Error(`${where}: the container has not started`);
              return remote.wrap(dockerExecutor(name, pid).wrap(argv));
            },
          },
          workDir: remoteNodeDir(runId, h.host, n.name),
          workRoot: REMOTE_DATA_DIR,
        };
      }
      const workDir = remoteNodeDir(runId, h.host, n.name);
      // From the host's state root down: a service running as its own user (PostgreSQL on a netns node)
      // must traverse it, and the root is made 0700 on a host where it did not exist (seen on isolated hosts).
      const workRoot = REMOTE_DATA_DIR;
      if (rn.lxc) {
        const inner = lxcExecutor(rn.lxc.lxcpath, rn.lxc.name);
        return { ...n, workDir, workRoot, exec: { where: `${remote.where} ${inner.where}`, wrap: (argv: string[]) => remote.wrap(inner.wrap(argv)) } };
      }
      return {
        ...n,
        workDir,
        workRoot,
        exec: { where: `${remote.where} netns ${rn.ns}`, wrap: (argv: string[]) => remote.wrap(['nsenter', `--net=/run/netns/${rn.ns}`, '--', ...argv]) },
      };
    });
  }

  static async up(inventory: Inventory, spec: TestbedSpec, ctx: UpContext, parallel: number, needs: PreflightNeeds = {}): Promise<RemoteTestbed> {
    const t0 = performance.now();
    const places = placesOf(inventory, spec);
    const targets = inventory.sites.flatMap((s) => s.hosts.map((h) => h.ssh));
    ctx.progress.stage('ssh up', `${targets.length} hosts of ${inventory.sites.length} sites (${inventory.file}), L2 by ${inventory.l2vpn}`);
    // The control directory (its masters outlive a kill -9): journaled before SshSession makes it, so clean removes it.
    const controlDir = sshDir(ctx.runId);
    ctx.journal.record({ kind: 'file', path: controlDir });
    // Host keys first: an unknown or changed key stops here, before anything exists on any host.
    const ssh = await SshSession.open(ctx.runId, targets, {
      knownHostsFile: inventory.knownHostsFile,
      dir: controlDir,
      parallel,
      progress: ctx.progress,
    });
    // Nothing exists on any host yet; from here on each host journals before it creates.
    ctx.journal.record({ kind: 'remote', inventory: inventory.file, hosts: targets.map((t) => t.name) });
    let tb: RemoteTestbed | null = null;
    try {
      const tp = performance.now();
      const hostFacts = await preflightHosts(ssh, inventory, ctx.progress, needs);
      const preflightMs = Math.round(performance.now() - tp);
      const virts = [...new Set(spec.nodes.map((n) => n.virt))].filter((v) => !REMOTE_VIRTS.includes(v));
      if (virts.length) {
        throw new Error(`node type ${virts.join(', ')} on real sites is not built yet (icbench_virt: ${REMOTE_VIRTS.join(' or ')}); nothing was created`);
      }
      let provided: ProvidedL2 | undefined;
      if (inventory.l2vpn === 'provided') {
        const interfaces = new Map(hostFacts.map((f) => [f.host, f.l2_interface?.name ?? ''] as const));
        const mtus = hostFacts.map((f) => f.l2_interface?.mtu ?? 0);
        provided = { interfaces, mtu: Math.min(...mtus) };
        if (!(provided.mtu >= 576))
          throw new Error(
            `provided L2: segment MTU ${provided.mtu} is too small (interfaces: ${hostFacts.map((f) => `${f.host} ${f.l2_interface?.name} mtu ${f.l2_interface?.mtu}`).join(', ')})`,
          );
      }
      let wireguard: WireguardPeers | undefined;
      if (inventory.l2vpn === 'vxlan-wireguard') {
        // Phase 1: every host makes its WireGuard interface and key; only public keys come back.
        const pubkeys = new Map<string, string>();
        await ssh.runAll(async (host, exec) => {
          const k = places.findIndex((p) => p.name === host.name);
          const r = await run(exec.wrap(['sh', '-s']), { input: wgKeyScript(ctx.runId, k), timeoutMs: 60_000 });
          const pub = /^pubkey=(\S+)$/m.exec(r.stdout)?.[1];
          if (!r.ok || !pub) throw new Error(`host ${host.name}: WireGuard set-up failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
          pubkeys.set(host.name, pub);
        });
        wireguard = { pubkeys };
      }
      const xenImages = new Map(inventory.sites.flatMap((x) => x.hosts).flatMap((x) => (x.xen ? [[x.name, x.xen] as const] : [])));
      const lxcApparmor = new Map(hostFacts.flatMap((f) => (f.lxc_apparmor ? [[f.host, f.lxc_apparmor] as const] : [])));
      const plan = planRemote(spec, ctx.runId, places, { wireguard, provided, xen: xenImages, tcpCc: needs.tcpCc, lxcApparmor });
      tb = new RemoteTestbed(spec, inventory, plan, ssh, ctx.runId, ctx);
      tb.hostFacts = hostFacts;
      tb.timings.preflight_ms = preflightMs;
      const t = tb;
      const tc = performance.now();
      // Its own stage: under TCG the Xen guests take minutes, which the heartbeat called "still preflight".
      ctx.progress.stage('nodes', `${spec.nodes.length} nodes on ${plan.hosts.length} hosts`);
      let done = 0;
      await ssh.runAll(async (host, exec) => {
        const h = plan.hosts.find((x) => x.host === host.name)!;
        const t0h = performance.now();
        const r = await run(exec.wrap(['sh', '-s']), { input: h.up, timeoutMs: 300_000 });
        if (!r.ok)
          throw new Error(`host ${host.name}: creating the cluster segment failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
        for (const m of r.stdout.matchAll(/^pid\.(\S+)=(\d+)$/gm)) t.dockerPids.set(m[1], Number(m[2]));
        const ms = performance.now() - t0h;
        for (const ns of h.namespaces) t.nodeStartMs[spec.nodes.find((n) => ns.endsWith(`-${n.name}`))!.name] = ms / h.namespaces.length;
        await t.startXenGuests(h, exec, ctx.runId, ctx.workDir, ctx.progress);
        ctx.progress.step('nodes', ++done, plan.hosts.length, `${host.name}: ${h.nodes.length} nodes`);
      });
      t.timings.create_ms = Math.round(performance.now() - tc);
      if (provided) await t.checkAdjacency(ctx.progress);
      t.tcp = await t.readTcp(needs.tcpCc ?? null);
    } catch (e) {
      // Whatever was made is in each host's journal: remove it, from every host.
      if (tb) await tb.down(silentProgress);
      else {
        await ssh.runAll((_h, exec) => run(exec.wrap(['sh', '-s']), { input: remoteCleanScript(ctx.runId), timeoutMs: 120_000 })).catch(() => {});
        await ssh.close();
      }
      throw e;
    }
    tb.timings.up_ms = Math.round(performance.now() - t0);
    ctx.progress.info(`real sites up in ${(tb.timings.up_ms / 1000).toFixed(2)} s`);
    return tb;
  }

  /**
   * Xen nodes of a host, one after the other through XenHost: the host journals the domain (and
   * syncs) before XenHost writes its config and runs `xl create`; then the guest must run (xl list)
   * and answer ssh from the dom0 over the run's bridge, at its IPv6 link-local address. A node's
   * start time runs from its journal line to its first command.
   */
  private async startXenGuests(h: RemotePlan['hosts'][number], exec: Executor, runId: string, workDir: string, progress: Progress): Promise<void> {
    const guests = h.nodes.filter((n) => n.xen);
    if (guests.length === 0) return;
    const xen = new XenHost({ exec, configDir: remoteXenDir(runId, h.host) });
    const img = this.inventory.sites.flatMap((x) => x.hosts).find((x) => x.name === h.host)?.xen;
    for (const g of guests) {
      const cfg = g.xen!;
      const t0 = performance.now();
      const j = await run(exec.wrap(['sh', '-s']), { input: xenJournalScript(runId, cfg.name), timeoutMs: 30_000 });
      if (!j.ok) throw new Error(`host ${h.host}: journaling Xen domain ${cfg.name} failed: ${(j.stderr || j.stdout).trim()}`);
      // The guest's host key for this run, in its initramfs and pinned on the dom0 before it boots.
      const key = await newGuestHostKey(workDir, `icbench ${cfg.name}`);
      const dir = remoteXenDir(runId, h.host);
      const k = await run(exec.wrap(['sh', '-s']), {
        input: guestKeyScript({ dir, guest: cfg.name, ramdisk: g.xenRamdisk!, key, knownHosts: `${dir}/known_hosts` }),
        timeoutMs: 120_000,
      });
      if (!k.ok) throw new Error(`host ${h.host}: the guest host key of ${cfg.name} could not be put in place: ${(k.stderr || k.stdout).trim()}`);
      await xen.create(cfg, 600_000);
      await xen.waitRunning(cfg.name, 600_000);
      const ll = await xen.guestLinkLocal(`${this.plan.tag}br`, cfg.macs[0], 300);
      const probe = xen.guestExecutor(ll, {
        identity: img?.guestKey ?? undefined,
        knownHostsFile: `${remoteXenDir(runId, h.host)}/known_hosts`,
        connectTimeoutS: guestConnectTimeoutS(),
      });
      let r = await run(probe.wrap(['true']), { timeoutMs: 120_000 });
      for (let i = 0; i < 60 && !r.ok; i++) {
        await new Promise((res) => setTimeout(res, 2000));
        r = await run(probe.wrap(['true']), { timeoutMs: 120_000 });
      }
      if (!r.ok)
        throw new Error(`host ${h.host}: Xen guest ${cfg.name} runs but ssh into it at ${ll} fails: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
      // The cluster segment's MTU (the underlay's less VXLAN's): a guest left at 1500 loses every full-size frame.
      const mtu = await run(probe.wrap(['ip', 'link', 'set', 'dev', 'eth0', 'mtu', String(this.plan.mtu)]), { timeoutMs: 120_000 });
      if (!mtu.ok)
        throw new Error(`host ${h.host}: Xen guest ${cfg.name}: setting eth0's MTU to ${this.plan.mtu} failed: ${(mtu.stderr || mtu.stdout).trim()}`);
      // The node's scratch dir in the guest's own filesystem (pgbench's data and logs, the http servers' files, Terasort's).
      const wd = await run(probe.wrap(['sh', '-c', 'umask 077 && mkdir -p "$1"', 'sh', xenGuestWorkDir(runId, g.node)]), { timeoutMs: 120_000 });
      if (!wd.ok) throw new Error(`host ${h.host}: Xen guest ${cfg.name}: its scratch dir: ${(wd.stderr || wd.stdout).trim()}`);
      this.xenGuests.set(g.node, ll);
      this.nodeStartMs[g.node] = performance.now() - t0;
      progress.info(`${h.host}: xen guest ${cfg.name} up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  }

  /**
   * Every node's congestion control as its kernel reports it (each host's namespaces in one script;
   * Xen guests through their executors); throws when a node does not run what was chosen. The
   * default qdisc of namespace nodes is their host's (it is not per namespace).
   */
  private async readTcp(cc: TcpCc | null): Promise<TcpFacts> {
    const nodes: Record<string, NodeTcp> = {};
    await this.ssh.runAll(async (host, exec) => {
      const h = this.plan.hosts.find((x) => x.host === host.name)!;
      const qdisc = this.hostFacts.find((f) => f.host === host.name)?.tcp?.qdisc ?? null;
      const r = await run(exec.wrap(['sh', '-s']), { input: namespacesTcpScript(h.namespaces), timeoutMs: 120_000 });
      const kv = keyValues(r.stdout);
      for (const n of h.nodes.filter((x) => !x.xen)) nodes[n.node] = { congestion_control: kv[`ns.${n.ns}`] || null, default_qdisc: qdisc, qdisc_from: 'host' };
    });
    await mapLimit(
      this.nodes.filter((n) => n.virt === 'xen'),
      8,
      async (n) => {
        const kv = keyValues((await run(n.exec.wrap(NODE_TCP_READ), { timeoutMs: 60_000 })).stdout);
        nodes[n.name] = { congestion_control: kv.cc || null, default_qdisc: kv.qdisc || null, qdisc_from: 'node' };
      },
    );
    const off = ccMismatches(cc, nodes);
    if (off.length) throw new Error(`--tcp-cc ${cc}: not every node runs it after stand-up: ${off.join(', ')}`);
    return { requested: cc ?? 'system', nodes, host_changes: [] };
  }

  /**
   * Ships a bundle to the hosts of `nodes` (infra/remote/ship.ts), once per run; netns nodes see it
   * at the host's path, lxc and docker nodes too (mounted read-only); Xen guests get it in their own
   * filesystem, through their executors (infra/remote/guest-ship.ts).
   */
  private ship(b: Bundle, nodes: readonly Pick<TestbedNode, 'name'>[]): Promise<ShippedBundle> {
    const isXen = (n: Pick<TestbedNode, 'name'>) => this.plan.hosts.some((h) => h.nodes.some((x) => x.node === n.name && x.xen));
    const xen = nodes.filter(isXen);
    if (xen.length) {
      if (xen.length !== nodes.length) return Promise.reject(new Error(`ship ${b.name}: xen and other nodes in one cluster are not supported`));
      const key = `${b.sha256} xen ${xen.map((n) => n.name).join(',')}`;
      let p = this.shipped.get(key);
      if (!p) {
        const guests = xen.map((n) => ({ name: n.name, exec: this.nodes.find((x) => x.name === n.name)!.exec }));
        p = shipIntoGuests({ bundle: b, guests, runId: this.runId, workDir: this.ctx.workDir, progress: this.ctx.progress });
        this.shipped.set(key, p);
        p.catch(() => this.shipped.delete(key));
      }
      return p;
    }
    const hostOf = (node: string) => {
      const h = this.plan.hosts.find((x) => x.nodes.some((y) => y.node === node));
      if (!h) throw new Error(`ship ${b.name}: node ${node} is on no host of the run`);
      return h.host;
    };
    const hosts = [...new Set(nodes.map((n) => hostOf(n.name)))];
    const key = `${b.sha256} ${hosts.sort().join(',')}`;
    let p = this.shipped.get(key);
    if (!p) {
      p = shipToHosts({ ssh: this.ssh, hosts, bundle: b, runId: this.runId, inventory: this.inventory.file, ...this.ctx }).then((results) => ({
        dirs: new Map(nodes.map((n) => [n.name, cacheDirOf(b)])),
        hosts: results,
      }));
      this.shipped.set(key, p);
      p.catch(() => this.shipped.delete(key));
    }
    return p;
  }

  /** provided L2: segment facts found after stand-up (adjacency checks). */
  private adjacency: { checks: number; mtu_probe: number } | null = null;

  /**
   * provided L2: every node pings one node of every other site with don't-fragment packets of the
   * segment MTU, so the segment really joins the sites at L2 with that MTU. Throws naming the pairs
   * that failed.
   */
  async checkAdjacency(progress: Progress): Promise<void> {
    const t0 = performance.now();
    const size = this.plan.mtu - 28; // IPv4 + ICMP headers
    const pairs = this.nodes.flatMap((a) =>
      this.spec.sites.filter((s) => s.name !== a.site).map((s) => [a, this.nodes.find((b) => b.site === s.name)!] as const),
    );
    progress.stage('l2 adjacency', `${pairs.length} node pairs across sites, ${this.plan.mtu}-byte frames without fragmenting`);
    const failed: string[] = [];
    await mapLimit(pairs, 8, async ([a, b]) => {
      const r = await run(a.exec.wrap(['ping', '-n', '-q', '-c', '3', '-i', '0.2', '-W', '2', '-M', 'do', '-s', String(size), b.address]), {
        timeoutMs: 30_000,
      });
      if (!r.ok) failed.push(`${a.name} -> ${b.name} (${b.address}): ${(r.stdout + r.stderr).trim().split('\n').pop()}`);
    });
    if (failed.length)
      throw new Error(
        `provided L2: the sites are not adjacent at L2 with MTU ${this.plan.mtu} (don't-fragment ping of ${size} bytes failed):\n  - ${failed.join('\n  - ')}`,
      );
    this.adjacency = { checks: pairs.length, mtu_probe: size };
    this.timings.l2_adjacency_ms = Math.round(performance.now() - t0);
  }

  facts(): TestbedFacts {
    return {
      testbed: 'ssh',
      ...(this.tcp ? { tcp: this.tcp } : {}),
      l2vpn: this.inventory.l2vpn,
      wanEnforcedBy: 'none',
      netem: false,
      timings: { ...this.timings },
      // Each host's overlay firewall as applied (infra/remote/firewall.ts), in run.json's remote_hosts.
      hosts: this.hostFacts.map((h) => ({ ...h, firewall: this.plan.hosts.find((x) => x.host === h.host)?.firewall ?? null })),
      segment: {
        mtu: this.plan.mtu,
        ...(this.plan.vni ? { vni: this.plan.vni } : {}),
        ...(this.adjacency ? { l2_adjacent_pairs: this.adjacency.checks, l2_df_probe_bytes: this.adjacency.mtu_probe } : {}),
        ...(this.plan.wireguard ? { wireguard_mtu: this.plan.wireguard.mtu, wireguard_port: this.plan.wireguard.port } : {}),
      },
    };
  }

  async interrupt(): Promise<void> {
    await this.ssh
      .runAll(async (host, exec) => {
        const h = this.plan.hosts.find((x) => x.host === host.name)!;
        await run(exec.wrap(['sh', '-s']), { input: remoteInterruptScript(h.namespaces), timeoutMs: 20_000 });
      })
      .catch(() => {});
  }

  /** Removes the run from every host (from each host's journal); an unreachable host is reported and keeps its journal. */
  async down(progress: Progress = silentProgress): Promise<TeardownReport> {
    const t0 = performance.now();
    progress.stage('ssh down', `${this.plan.hosts.length} hosts`);
    const left: string[] = [];
    const unreachable: NonNullable<TeardownReport['unreachable']> = [];
    const errors: TeardownReport['errors'] = [];
    await this.ssh
      .runAll(async (host, exec) => {
        const r = await run(exec.wrap(['sh', '-s']), { input: remoteCleanScript(this.runId), timeoutMs: 120_000 });
        if (r.ok) return;
        // 255: ssh itself failed (no connection); null: no answer in time. Otherwise the script said what it left.
        if (r.exitCode === 255 || r.exitCode === null) {
          const error = r.exitCode === null ? 'no answer in time' : parseSshError(r.stderr).reason;
          const what = `${host.name}: unreachable (${error})`;
          unreachable.push({ host: host.name, error, what });
          left.push(what);
          return;
        }
        const what = r.stdout
          .split('\n')
          .filter((l) => l.startsWith('left: '))
          .map((l) => `${host.name}: ${l.slice(6)}`);
        left.push(...(what.length ? what : [`${host.name}: failed (${(r.stderr || 'no output').trim().split('\n').pop()})`]));
      })
      .catch((e) => errors.push({ step: 'remove from hosts', error: (e as Error).message }));
    await this.ssh.close();
    if (left.length) progress.warn(`could not remove: ${left.join(', ')} (run \`icbench clean ${this.runId}\`)`);
    return { ms: performance.now() - t0, left, errors, ...(unreachable.length ? { unreachable } : {}) };
  }
}

/**
 * Real sites over SSH in the registry: chosen for an inventory whose sites are SSH hosts (all of
 * them, today); owns the 'remote' journal entries (each host keeps its own journal of what was made
 * on it, which the teardown script reads) and names their hosts (clean --forget-host).
 */
export const sshProviderModule: ProviderModule<Pick<RemoteProviderOptions, 'tcpCc'>> = {
  name: 'ssh',
  chosenFor: { inventorySites: 'ssh' },
  owns: ['remote', 'remote-cache'],
  create: (given) => {
    if (!given.inventory) throw new Error('the ssh provider needs an inventory');
    return remoteProvider({ inventory: given.inventory, tcpCc: given.tcpCc });
  },
  clean: async (runId, entries, o = {}) => {
    const left: Leftover[] = [];
    // A killed controller's ssh masters (the journaled control directory goes with the run's files, once nothing is left).
    if (entries.some((e) => e.kind === 'remote'))
      left.push(...(await stopMasters(sshDir(runId))).map((s) => ({ what: `ssh master of ${s} (would not exit)` })));
    // afterDown: down() already ran the teardown script on every host, and none reported a leftover.
    if (!o.afterDown) for (const e of entries) if (e.kind === 'remote') left.push(...(await cleanRemote(runId, e.inventory, e.hosts, o.progress)));
    // Shipped caches stay for later runs (said, and kept on record) unless purged.
    const caches = entries.filter((e): e is JournalEntry & { kind: 'remote-cache' } => e.kind === 'remote-cache');
    if (caches.length) left.push(...(o.purgeCache ? await purgeRemoteCaches(runId, caches, o.progress) : caches.map((e) => keptCache(runId, e))));
    return left;
  },
  hosts: remoteHosts,
};
