/**
 * Cloud sites of an inventory: a site whose hosts the harness creates through a cloud's API
 * (libvirt, Amazon EC2, Apache CloudStack) instead of a list of existing SSH hosts. Credentials
 * are references only (an environment variable or a file), resolved when the API is called.
 */

export const CLOUD_KINDS = ['libvirt', 'ec2', 'cloudstack'] as const;
export type CloudKind = (typeof CLOUD_KINDS)[number];

/** Where a secret is read from when it is needed: never the secret itself. */
export type SecretRef = { env: string } | { file: string };

/** Hard caps, whatever an inventory asks: a typo cannot start a fleet or leave one running for days. */
export const CLOUD_LIMITS = { maxInstancesPerRun: 64, maxLifetimeS: 24 * 3600 } as const;

export interface CloudSite {
  name: string;
  kind: CloudKind;
  /** API endpoint: a libvirt URI (qemu:///system) or an http(s) URL (EC2, CloudStack). */
  endpoint: string;
  /** EC2 region (us-east-1 when not given); CloudStack zone id; libvirt: none. */
  region: string | null;
  /** Credential name -> where to read it (EC2: accessKeyId, secretAccessKey; CloudStack: apiKey, secretKey). */
  credentials: Record<string, SecretRef>;
  /** Image: an AMI id, a CloudStack template id, or a guest image (kernel) path for libvirt. */
  image: string;
  /** Instance type / service offering / memory in MiB for libvirt. */
  size: string;
  /** Instances of this site. */
  count: number;
  /** The site's private network (CIDR): the VPC/subnet or libvirt network the instances are on. */
  network: string;
  /** Longest life of an instance: the controller tears it down before, the instance stops itself after. */
  lifetimeS: number;
  /** The SSH user on the instances. */
  user: string;
  /** Where the controller's SSH comes from (CIDR): the only address the security group opens SSH to. */
  sshFrom: string | null;
}

export interface CloudInventory {
  file: string;
  /** The cloud sites, in file order. */
  clouds: CloudSite[];
  /** The most instances this run may create (all cloud sites together). */
  maxInstances: number;
}

/** What a run's cloud sites may cost: instance-hours if every instance lives its whole lifetime. */
export function instanceHours(inv: Pick<CloudInventory, 'clouds'>): { site: string; kind: CloudKind; count: number; lifetimeH: number; hours: number }[] {
  return inv.clouds.map((c) => ({ site: c.name, kind: c.kind, count: c.count, lifetimeH: c.lifetimeS / 3600, hours: (c.count * c.lifetimeS) / 3600 }));
}

/** The dry-run lines about the cloud sites: per site and in total, the instance-hours at most. */
export function costLines(inv: Pick<CloudInventory, 'clouds' | 'maxInstances'>): string[] {
  const rows = instanceHours(inv);
  const fmt = (h: number) => `${+h.toFixed(2)}`;
  const out = ['cloud sites (instances created through their API, torn down at the end; each stops itself after its lifetime):'];
  for (const r of rows)
    out.push(
      `  ${r.site} (${r.kind}): ${r.count} instance${r.count === 1 ? '' : 's'} x ${fmt(r.lifetimeH)} h lifetime = at most ${fmt(r.hours)} instance-hours`,
    );
  const total = rows.reduce((s, r) => s + r.hours, 0);
  const n = rows.reduce((s, r) => s + r.count, 0);
  out.push(`  total: ${n} instances (cap ${inv.maxInstances}), at most ${fmt(total)} instance-hours`);
  return out;
}
