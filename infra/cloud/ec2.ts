/**
 * The EC2 life cycle of one cloud site (AWS SDK for JavaScript v3, `@aws-sdk/client-ec2`, with an
 * endpoint override: Amazon or an EC2-compatible API such as moto): a per-run VPC, subnet,
 * security group and imported key pair, instances launched in parallel (each with its own
 * ClientToken, so a retried call never makes a second one), all tagged icbench:run=<run-id>, then
 * describe/wait running, and terminate. Every create is journaled (kind ec2) before it is made.
 *
 * Clean (cleanEc2) finds the run's resources both by journal (ids and client tokens) and by tag,
 * and deletes them in dependency order: instances (waited until terminated), security groups,
 * subnets, key pairs, VPCs.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteKeyPairCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type Filter,
  ImportKeyPairCommand,
  type Instance,
  RunInstancesCommand,
  type TagSpecification,
  TerminateInstancesCommand,
  type _InstanceType,
  waitUntilInstanceRunning,
  waitUntilInstanceTerminated,
  type ResourceType,
} from '@aws-sdk/client-ec2';
import type { Journal } from '../journal.js';
import { mapLimit } from '../concurrency.js';
import { readSecret } from './inventory.js';
import type { CloudSite, SecretRef } from './types.js';

/** The tag every resource of a run carries. */
export const RUN_TAG = 'icbench:run';

/** What the journal keeps of an EC2 API: where it is and how to sign in again (references only). */
export interface Ec2Api {
  endpoint: string;
  region: string;
  credentials: Record<string, SecretRef>;
}

declare module '../journal.js' {
  interface JournalKinds {
    /**
     * A resource of a cloud site's EC2 API, journaled before its create call (`token`: the
     * ClientToken of an instance, the name of a key pair or security group), then again with its id.
     */
    ec2: { site: string; api: Ec2Api; what: 'vpc' | 'subnet' | 'security-group' | 'key-pair' | 'instance'; token: string; id?: string };
  }
}

export function ec2Client(api: Ec2Api): EC2Client {
  // The SDK's notice that its 2027 releases need Node 22 would land in every run's progress lines; the lock file pins this one.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new EC2Client({
    endpoint: api.endpoint,
    region: api.region,
    credentials: async () => ({
      accessKeyId: readSecret(api.credentials.accessKeyId, 'ec2 credentials.accessKeyId'),
      secretAccessKey: readSecret(api.credentials.secretAccessKey, 'ec2 credentials.secretAccessKey'),
    }),
    maxAttempts: 4,
  });
}

export const apiOf = (s: CloudSite): Ec2Api => ({ endpoint: s.endpoint, region: s.region ?? 'us-east-1', credentials: s.credentials });

const tags = (runId: string, site: string, type: ResourceType, name: string): TagSpecification[] => [
  {
    ResourceType: type,
    Tags: [
      { Key: RUN_TAG, Value: runId },
      { Key: 'icbench:site', Value: site },
      { Key: 'Name', Value: name },
    ],
  },
];
const byRun = (runId: string): Filter[] => [{ Name: `tag:${RUN_TAG}`, Values: [runId] }];

export interface Ec2Instance {
  id: string;
  token: string;
  state: string;
  privateIp: string | null;
  publicIp: string | null;
}

export interface Ec2Network {
  vpcId: string;
  subnetId: string;
  groupId: string;
  keyName: string;
}

/** The per-run network of a site: VPC, subnet, a security group opening only SSH from the controller and the overlay's UDP port among the run's own instances, and the controller's key. */
export async function createEc2Network(
  c: EC2Client,
  o: { runId: string; site: CloudSite; journal: Journal; publicKey: string; overlayUdpPort: number },
): Promise<Ec2Network> {
  const { runId, site, journal } = o;
  const api = apiOf(site);
  const base = `icbench-${runId}-${site.name}`;
  const rec = (what: 'vpc' | 'subnet' | 'security-group' | 'key-pair', token: string, id?: string) =>
    journal.record({ kind: 'ec2', site: site.name, api, what, token, ...(id ? { id } : {}) });

  rec('vpc', base);
  const vpc = await c.send(new CreateVpcCommand({ CidrBlock: site.network, TagSpecifications: tags(runId, site.name, 'vpc', base) }));
  const vpcId = vpc.Vpc?.VpcId ?? fail('CreateVpc returned no VpcId');
  rec('vpc', base, vpcId);

  rec('subnet', base);
  const sub = await c.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: site.network, TagSpecifications: tags(runId, site.name, 'subnet', base) }));
  const subnetId = sub.Subnet?.SubnetId ?? fail('CreateSubnet returned no SubnetId');
  rec('subnet', base, subnetId);

  rec('security-group', base);
  const sg = await c.send(
    new CreateSecurityGroupCommand({
      GroupName: base,
      Description: `icbench run ${runId} site ${site.name}: SSH from the controller, the overlay among the run's instances`,
      VpcId: vpcId,
      TagSpecifications: tags(runId, site.name, 'security-group', base),
    }),
  );
  const groupId = sg.GroupId ?? fail('CreateSecurityGroup returned no GroupId');
  rec('security-group', base, groupId);
  await c.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: groupId,
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: site.sshFrom ?? fail('sshFrom is required'), Description: 'the controller' }] },
        {
          IpProtocol: 'udp',
          FromPort: o.overlayUdpPort,
          ToPort: o.overlayUdpPort,
          UserIdGroupPairs: [{ GroupId: groupId, Description: "WireGuard among the run's instances" }],
        },
      ],
    }),
  );

  rec('key-pair', base);
  await c.send(
    new ImportKeyPairCommand({ KeyName: base, PublicKeyMaterial: Buffer.from(o.publicKey), TagSpecifications: tags(runId, site.name, 'key-pair', base) }),
  );
  rec('key-pair', base, base);
  return { vpcId, subnetId, groupId, keyName: base };
}

function fail(m: string): never {
  throw new Error(`ec2: ${m}`);
}

const shape = (i: Instance, token: string): Ec2Instance => ({
  id: i.InstanceId ?? '',
  token,
  state: i.State?.Name ?? 'unknown',
  privateIp: i.PrivateIpAddress ?? null,
  publicIp: i.PublicIpAddress ?? null,
});

/**
 * Launches `count` instances in parallel, one RunInstances call each with its own ClientToken
 * (journaled before the call), tagged with the run id, shutting down = terminating.
 * `userData(k)` gives instance k its boot text (host key, watchdog).
 */
export async function launchEc2Instances(
  c: EC2Client,
  o: { runId: string; site: CloudSite; journal: Journal; net: Ec2Network; userData: (k: number) => string; parallel?: number },
): Promise<Ec2Instance[]> {
  const { runId, site, journal, net } = o;
  const api = apiOf(site);
  const ks = Array.from({ length: site.count }, (_, k) => k);
  return mapLimit(ks, o.parallel ?? 8, async (k) => {
    const token = `icb-${runId}-${site.name}-${k}`;
    journal.record({ kind: 'ec2', site: site.name, api, what: 'instance', token });
    const r = await c.send(
      new RunInstancesCommand({
        ClientToken: token,
        ImageId: site.image,
        InstanceType: site.size as _InstanceType,
        MinCount: 1,
        MaxCount: 1,
        KeyName: net.keyName,
        SubnetId: net.subnetId,
        SecurityGroupIds: [net.groupId],
        InstanceInitiatedShutdownBehavior: 'terminate',
        UserData: Buffer.from(o.userData(k)).toString('base64'),
        TagSpecifications: tags(runId, site.name, 'instance', `${site.name}-${k}`),
      }),
    );
    const i = r.Instances?.[0] ?? fail(`RunInstances (${token}) returned no instance`);
    journal.record({ kind: 'ec2', site: site.name, api, what: 'instance', token, id: i.InstanceId });
    return shape(i, token);
  });
}

/** Waits (bounded) until every instance runs; returns them as described then. */
export async function waitEc2Running(c: EC2Client, ids: string[], maxWaitS = 300): Promise<Ec2Instance[]> {
  if (ids.length === 0) return [];
  await waitUntilInstanceRunning({ client: c, maxWaitTime: maxWaitS, minDelay: 1, maxDelay: 5 }, { InstanceIds: ids });
  return describeEc2(c, { InstanceIds: ids });
}

/** Instances by ids or filters (all pages). */
export async function describeEc2(c: EC2Client, q: { InstanceIds?: string[]; Filters?: Filter[] }): Promise<Ec2Instance[]> {
  const out: Ec2Instance[] = [];
  let NextToken: string | undefined;
  do {
    const r = await c.send(new DescribeInstancesCommand({ ...q, NextToken }));
    for (const res of r.Reservations ?? []) for (const i of res.Instances ?? []) out.push(shape(i, i.ClientToken ?? ''));
    NextToken = r.NextToken;
  } while (NextToken);
  return out;
}

/** The run's instances, by tag. */
export const runInstances = (c: EC2Client, runId: string) => describeEc2(c, { Filters: byRun(runId) });

/** Terminates instances and waits (bounded) until they are. */
export async function terminateEc2(c: EC2Client, ids: string[], maxWaitS = 300): Promise<void> {
  if (ids.length === 0) return;
  for (let i = 0; i < ids.length; i += 500) await c.send(new TerminateInstancesCommand({ InstanceIds: ids.slice(i, i + 500) }));
  await waitUntilInstanceTerminated({ client: c, maxWaitTime: maxWaitS, minDelay: 1, maxDelay: 5 }, { InstanceIds: ids });
}

/** What is left of a run in one EC2 API, found by tag (and the key pair by its name, for APIs that do not tag key pairs). */
export async function ec2Leftovers(
  c: EC2Client,
  runId: string,
): Promise<{ instances: string[]; groups: string[]; subnets: string[]; keyPairs: string[]; vpcs: string[] }> {
  const instances = (await runInstances(c, runId)).filter((i) => i.state !== 'terminated').map((i) => i.id);
  const groups = ((await c.send(new DescribeSecurityGroupsCommand({ Filters: byRun(runId) }))).SecurityGroups ?? []).map((g) => g.GroupId!);
  const subnets = ((await c.send(new DescribeSubnetsCommand({ Filters: byRun(runId) }))).Subnets ?? []).map((s) => s.SubnetId!);
  const vpcs = ((await c.send(new DescribeVpcsCommand({ Filters: byRun(runId) }))).Vpcs ?? []).map((v) => v.VpcId!);
  const kp = (await c.send(new DescribeKeyPairsCommand({}))).KeyPairs ?? [];
  const keyPairs = kp
    .filter((k) => k.KeyName?.startsWith(`icbench-${runId}-`) || k.Tags?.some((t) => t.Key === RUN_TAG && t.Value === runId))
    .map((k) => k.KeyName!);
  return { instances, groups, subnets, keyPairs, vpcs };
}

const gone = (e: unknown) => /NotFound|InvalidGroup\.NotFound|InvalidVpcID|InvalidSubnetID|InvalidKeyPair/.test(String((e as { name?: string }).name ?? e));

async function tolerant(what: string, left: string[], f: () => Promise<unknown>): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (!gone(e)) left.push(`${what}: ${(e as Error).name ?? ''} ${(e as Error).message}`.trim());
  }
}

/**
 * Deletes everything of `runId` in one EC2 API: what the journal names (ids; instances also by
 * client token) and what carries the run's tag. Idempotent; returns what could not be deleted.
 */
export async function cleanEc2Api(c: EC2Client, runId: string, journaled: { what: string; token: string; id?: string }[]): Promise<string[]> {
  const left: string[] = [];
  const ids = (w: string) => [...new Set(journaled.filter((e) => e.what === w && e.id).map((e) => e.id!))];
  // Instances: journaled ids, those whose create may have gone through before its id was written (by token), and by tag.
  const tokens = new Set(journaled.filter((e) => e.what === 'instance').map((e) => e.token));
  const found = await runInstances(c, runId).catch((e) => {
    left.push(`describe instances: ${(e as Error).message}`);
    return [] as Ec2Instance[];
  });
  let byToken: Ec2Instance[] = [];
  if (tokens.size) byToken = await describeEc2(c, { Filters: [{ Name: 'client-token', Values: [...tokens] }] }).catch(() => [] as Ec2Instance[]);
  const known = new Set([...ids('instance'), ...found.map((i) => i.id), ...byToken.map((i) => i.id)]);
  const live = (await describeEc2(c, { Filters: [{ Name: 'instance-id', Values: [...known] }] }).catch(() => [] as Ec2Instance[]))
    .filter((i) => i.state !== 'terminated')
    .map((i) => i.id);
  if (known.size) await tolerant(`terminate ${live.length} instances`, left, () => mapLimit(chunks(live, 200), 2, (x) => terminateEc2(c, x)));
  const tagged = await ec2Leftovers(c, runId).catch(() => ({ instances: [], groups: [], subnets: [], keyPairs: [], vpcs: [] }));
  for (const g of new Set([...ids('security-group'), ...tagged.groups]))
    await tolerant(`security group ${g}`, left, () => c.send(new DeleteSecurityGroupCommand({ GroupId: g })));
  for (const s of new Set([...ids('subnet'), ...tagged.subnets])) await tolerant(`subnet ${s}`, left, () => c.send(new DeleteSubnetCommand({ SubnetId: s })));
  const keys = new Set([...journaled.filter((e) => e.what === 'key-pair').map((e) => e.token), ...tagged.keyPairs]);
  for (const k of keys) await tolerant(`key pair ${k}`, left, () => c.send(new DeleteKeyPairCommand({ KeyName: k })));
  for (const v of new Set([...ids('vpc'), ...tagged.vpcs])) await tolerant(`vpc ${v}`, left, () => c.send(new DeleteVpcCommand({ VpcId: v })));
  return left;
}

function chunks<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}
