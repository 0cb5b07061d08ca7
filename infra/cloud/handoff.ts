/**
 * The hand-off to the real-sites provider: the hosts a cloud created, as an inventory of SSH hosts
 * (Ansible shape, infra/inventory/load.ts) with the run's controller key and a known_hosts that
 * holds each host key made on the controller before the instance booted. Pure text.
 */
import { stringify } from 'yaml';

export interface CreatedHost {
  /** Inventory host name (unique in the run). */
  name: string;
  site: string;
  /** Address the controller reaches it at (SSH and data plane). */
  address: string;
  user: string;
  /** `ssh-ed25519 AAAA...` made on the controller and injected. */
  hostPublicKey: string;
}

/** known_hosts lines: each host's address with the key it was given (ssh checks strictly against these only). */
export function knownHostsText(hosts: readonly CreatedHost[]): string {
  return hosts.map((h) => `${h.address} ${h.hostPublicKey}\n`).join('');
}

/**
 * The inventory of the created hosts, plus the inventory's own SSH sites unchanged (`sshSites`:
 * all.children entries that have hosts), with the file's all.vars minus the cloud-only keys.
 */
export function handoffInventory(o: {
  hosts: readonly CreatedHost[];
  identityFile: string;
  knownHostsFile: string;
  vars: Record<string, unknown>;
  siteVars: Record<string, Record<string, unknown>>;
  sshSites: Record<string, unknown>;
}): string {
  const children: Record<string, unknown> = { ...o.sshSites };
  for (const h of o.hosts) {
    const site = (children[h.site] ??= { vars: { ...(o.siteVars[h.site] ?? {}) }, hosts: {} }) as { hosts: Record<string, unknown> };
    site.hosts[h.name] = { ansible_host: h.address, ansible_user: h.user, ansible_ssh_private_key_file: o.identityFile };
  }
  const vars = Object.fromEntries(Object.entries(o.vars).filter(([k]) => !k.startsWith('icbench_cloud_')));
  return stringify({ all: { vars: { ...vars, icbench_known_hosts: o.knownHostsFile }, children } });
}
