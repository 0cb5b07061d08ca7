/**
 * Cloud sites as a testbed provider (registry name `cloud`): an inventory some of whose sites are
 * clouds (infra/cloud/inventory.ts). up(): per cloud site, the run's network, key and instances are
 * created through the cloud's API (journaled before each create, tagged with the run id), each
 * instance given a host key made on the controller; once running and answering SSH (bounded), the
 * created hosts (and the inventory's own SSH sites) are handed to the real-sites provider, which
 * joins them (e.g. vxlan-wireguard) with strict host keys. Teardown: the real-sites testbed first,
 * then the instances and everything of the run in the cloud. clean: by journal and by tag.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseInventory } from '../inventory/load.js';
import { specFromInventory } from '../remote/spec.js';
import type { TestbedSpec } from '../config.js';
import { remoteProvider } from '../remote/provider.js';
import { wgPort } from '../remote/plan.js';
import { run } from '../exec.js';
import { newGuestHostKey } from '../xen/guest-hostkey.js';
import type { Leftover, Provider, ProviderModule, Testbed, UpContext } from '../testbed.js';
import { cleanCloudStack } from './cloudstack-clean.js';
import { apiOf, cleanEc2Api, createEc2Network, ec2Client, launchEc2Instances, waitEc2Running, type Ec2Api } from './ec2.js';
import { cleanLibvirt, upLibvirtSite } from './libvirt.js';
import { handoffInventory, knownHostsText, type CreatedHost } from './handoff.js';
import { loadCloudSites } from './inventory.js';
import { costLines, type CloudInventory, type CloudSite } from './types.js';
import { waitSsh } from './wait-ssh.js';

export interface CloudProvider extends Provider {
  readonly clouds: CloudInventory;
}

/** The instances of a cloud site before they exist: the hosts the spec is resolved for (TEST-NET addresses, never contacted). */
function plannedHosts(inv: CloudInventory): CreatedHost[] {
  let n = 0;
  return inv.clouds.flatMap((c) =>
    Array.from({ length: c.count }, (_, k) => ({ name: `${c.name}-${k}`, site: c.name, address: `192.0.2.${++n}`, user: c.user, hostPublicKey: '' })),
  );
}

export function cloudProvider(o: { inventory: string }): CloudProvider {
  const { doc, inventory: clouds } = loadCloudSites(o.inventory); // validated before anything is created
  const all = (doc as { all: { vars?: Record<string, unknown>; children: Record<string, Record<string, unknown>> } }).all;
  const siteVars = Object.fromEntries(Object.entries(all.children).map(([k, g]) => [k, (g?.vars as Record<string, unknown>) ?? {}]));
  const sshSites = Object.fromEntries(Object.entries(all.children).filter(([, g]) => g && !('cloud' in g)));
  const inventoryText = (hosts: CreatedHost[], dir: string) =>
    handoffInventory({ hosts, identityFile: join(dir, 'id_ed25519'), knownHostsFile: join(dir, 'known_hosts'), vars: all.vars ?? {}, siteVars, sshSites });
  // The spec as the real-sites provider resolves it, from the planned hosts (file checks off: nothing exists yet).
  const planned = () => parseInventory(inventoryText(plannedHosts(clouds), dirname(clouds.file)), clouds.file, { checkFiles: false });
  return {
    name: 'cloud',
    clouds,
    planNotes: () => costLines(clouds),
    resolve: (config) => specFromInventory(planned(), config).spec,
    preflight: async () => {
      for (const tool of ['ssh', 'ssh-keygen']) {
        const r = await run(['sh', '-c', 'command -v "$1"', 'sh', tool]);
        if (!r.ok) throw new Error(`preflight failed: ${tool} not found on the controller: apt-get install openssh-client`);
      }
      for (const c of clouds.clouds) {
        if (c.kind === 'cloudstack')
          throw new Error(
            `preflight failed: cloud site ${c.name}: kind cloudstack cannot bring hosts up yet (its API client is there and clean works); see docs/clouds.md`,
          );
        if (c.kind === 'libvirt') {
          const r = await run(['virsh', '-q', '-c', c.endpoint, 'version']);
          if (!r.ok)
            throw new Error(
              `preflight failed: cloud site ${c.name}: libvirt at ${c.endpoint} does not answer (bash scripts/libvirtd.sh starts it): ${r.stderr.trim()}`,
            );
        }
      }
    },
    up: (spec, ctx) => upClouds(clouds, spec, ctx, inventoryText),
  };
}

async function upClouds(inv: CloudInventory, spec: TestbedSpec, ctx: UpContext, inventoryText: (h: CreatedHost[], dir: string) => string): Promise<Testbed> {
  const dir = join(ctx.workDir, 'cloud');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  ctx.journal.record({ kind: 'file', path: dir });
  const key = join(dir, 'id_ed25519');
  const kg = await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `icbench-${ctx.runId}`, '-f', key], { timeoutMs: 30_000 });
  if (!kg.ok) throw new Error(`ssh-keygen failed: ${kg.stderr.trim()}`);
  const publicKey = readFileSync(`${key}.pub`, 'utf8').trim();
  const hosts: CreatedHost[] = [];
  const t0 = performance.now();
  let created = 0;
  let sshReady: Record<string, number> = {};
  // On a failure below, what was created so far is in the journal: the session's clean removes it in
  // registry order (what the real-sites provider made on the instances first, while they answer, then them).
  const made = await Promise.all(
    inv.clouds.map(async (site) => {
      if (site.kind === 'ec2') return upEc2Site(site, ctx, publicKey);
      const hostKeys = await Promise.all(Array.from({ length: site.count }, (_, k) => newGuestHostKey(ctx.workDir, `${site.name}-${k}`)));
      return upLibvirtSite(site, { runId: ctx.runId, journal: ctx.journal, publicKey, hostKeys });
    }),
  );
  hosts.push(...made.flat());
  writeFileSync(join(dir, 'known_hosts'), knownHostsText(hosts), { mode: 0o600 });
  created = performance.now() - t0;
  ctx.progress.stage('cloud', `${hosts.length} instances running in ${(created / 1000).toFixed(1)} s; waiting for SSH`);
  sshReady = await waitSsh(hosts, { identityFile: key, knownHostsFile: join(dir, 'known_hosts'), timeoutMs: 600_000 });
  ctx.progress.stage(
    'cloud',
    `${hosts.length} instances answer SSH (strict host keys) ${((performance.now() - t0) / 1000).toFixed(1)} s after the first create`,
  );
  const f = join(dir, 'inventory.yml');
  writeFileSync(f, inventoryText(hosts, dir), { mode: 0o600 });
  const tb: Testbed = await remoteProvider({ inventory: f }).up(spec, ctx);
  const readyMs = performance.now() - t0;
  return {
    get spec() {
      return tb.spec;
    },
    get nodes() {
      return tb.nodes;
    },
    wan: tb.wan,
    capabilities: tb.capabilities,
    nodeStartMs: tb.nodeStartMs,
    facts: () => {
      const f0 = tb.facts();
      const sshMs = Math.round(Math.max(0, ...Object.values(sshReady)));
      return {
        ...f0,
        testbed: 'cloud',
        timings: { ...f0.timings, cloudCreateMs: Math.round(created), cloudSshReadyMs: sshMs, cloudUpMs: Math.round(readyMs) },
      };
    },
    interrupt: () => tb.interrupt(),
    down: async (progress) => {
      const r = await tb.down(progress);
      const t1 = performance.now();
      const left = await cloudProviderModule.clean(ctx.runId, ctx.journal.entries());
      r.left.push(...left.map((l) => l.what));
      r.ms += performance.now() - t1;
      return r;
    },
  };
}

async function upEc2Site(site: CloudSite, ctx: UpContext, publicKey: string): Promise<CreatedHost[]> {
  const c = ec2Client(apiOf(site));
  const net = await createEc2Network(c, { runId: ctx.runId, site, journal: ctx.journal, publicKey, overlayUdpPort: wgPort(ctx.runId) });
  const keys = await Promise.all(Array.from({ length: site.count }, (_, k) => newGuestHostKey(ctx.workDir, `${site.name}-${k}`)));
  const { cloudInitUserData } = await import('./user-data.js');
  const made = await launchEc2Instances(c, {
    runId: ctx.runId,
    site,
    journal: ctx.journal,
    net,
    userData: (k) => cloudInitUserData({ runId: ctx.runId, hostKey: keys[k], authorizedKey: publicKey, user: site.user, lifetimeS: site.lifetimeS }),
  });
  const running = await waitEc2Running(
    c,
    made.map((m) => m.id),
  );
  c.destroy();
  return made.map((m, k) => {
    const r = running.find((x) => x.id === m.id);
    const address = r?.publicIp ?? r?.privateIp;
    if (!address) throw new Error(`ec2 site ${site.name}: instance ${m.id} has no address`);
    return { name: `${site.name}-${k}`, site: site.name, address, user: site.user, hostPublicKey: keys[k].publicKey };
  });
}

/**
 * Cloud sites in the registry: chosen for an inventory with a cloud site; owns the ec2 and
 * cloudstack journal entries; clean finds a run's resources by journal and by tag in each API the
 * journal names.
 */
export const cloudProviderModule: ProviderModule = {
  name: 'cloud',
  chosenFor: { inventorySites: 'cloud' },
  owns: ['ec2', 'cloudstack', 'libvirt'],
  create: (given) => {
    if (!given.inventory) throw new Error('the cloud provider needs an inventory');
    return cloudProvider({ inventory: given.inventory });
  },
  clean: async (runId, entries) => {
    const left: Leftover[] = [];
    const apis = new Map<string, { api: Ec2Api; journaled: { what: string; token: string; id?: string }[] }>();
    for (const e of entries) {
      if (e.kind !== 'ec2') continue;
      const k = JSON.stringify(e.api);
      if (!apis.has(k)) apis.set(k, { api: e.api, journaled: [] });
      apis.get(k)!.journaled.push(e);
    }
    for (const { api, journaled } of apis.values()) {
      const c = ec2Client(api);
      try {
        left.push(...(await cleanEc2Api(c, runId, journaled)).map((what) => ({ what: `ec2 ${api.endpoint}: ${what}` })));
      } catch (e) {
        left.push({ what: `ec2 ${api.endpoint}: ${(e as Error).message}` });
      } finally {
        c.destroy();
      }
    }
    left.push(...(await cleanCloudStack(runId, entries)));
    left.push(...(await cleanLibvirt(runId, entries)));
    return left;
  },
};
