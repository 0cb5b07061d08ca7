/**
 * Cloud sites of an inventory (infra/cloud/inventory.ts): validated before anything is created,
 * credentials by reference only (an inline secret is refused without being echoed), count and
 * lifetime capped, the instance-hours a dry run prints, and the registry choosing the cloud
 * provider for an inventory with a cloud site. Also the boot text each instance gets.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { fileHasCloudSites, parseCloudSites } from '../../../infra/cloud/inventory.js';
import { costLines } from '../../../infra/cloud/types.js';
import { cloudInitUserData, watchdogMinutes } from '../../../infra/cloud/user-data.js';
import { handoffInventory, knownHostsText } from '../../../infra/cloud/handoff.js';
import { parseInventory } from '../../../infra/inventory/load.js';
import { chooseProvider } from '../../../infra/providers.js';
import { projectRoot } from '../../helpers/fixtures.js';

const EC2 = `
all:
  vars:
    icbench_l2vpn: vxlan-wireguard
  children:
    NII:
      cloud:
        kind: ec2
        endpoint: http://127.0.0.1:5757
        credentials:
          accessKeyId: { env: AWS_KEY }
          secretAccessKey: { file: ~/secret }
        image: ami-12c6146b
        size: t3.micro
        count: 3
        network: 10.60.0.0/24
        lifetime: 90min
        sshFrom: 198.51.100.7/32
    Hokudai:
      hosts:
        h1: { ansible_host: 192.0.2.10 }
`;
const parseText = (t: string) => parseCloudSites(parse(t), '/inv/clouds.yaml', { home: '/home/op' });
const err = (t: string): Error => {
  try {
    parseText(t);
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
};

test('an ec2 site: typed, credentials as references (relative to home), region defaulted; ssh sites are left to the ssh loader', () => {
  const inv = parseText(EC2);
  assert.is(inv.clouds.length, 1);
  const c = inv.clouds[0];
  assert.equal(c.credentials, { accessKeyId: { env: 'AWS_KEY' }, secretAccessKey: { file: '/home/op/secret' } });
  assert.equal(
    [c.kind, c.region, c.count, c.network, c.lifetimeS, c.user, c.sshFrom],
    ['ec2', 'us-east-1', 3, '10.60.0.0/24', 5400, 'root', '198.51.100.7/32'],
  );
  assert.is(inv.maxInstances, 16);
});

test('an inline secret is refused, naming the field and not showing the value', () => {
  const e = err(EC2.replace('{ file: ~/secret }', 'wJalrXUtnFEMI/K7MDENG'));
  assert.match(e.message, /all\.children\.NII\.cloud\.credentials\.secretAccessKey: an inline secret is refused/);
  assert.not.match(e.message, /wJalr/);
  const e2 = err(EC2.replace('        image:', '        secretKey: hunter22\n        image:'));
  assert.match(e2.message, /cloud\.secretKey: a secret is not a cloud key/);
  assert.not.match(e2.message, /hunter22/);
});

test('bad fields name their path and what was expected, before anything is created', () => {
  assert.match(err(EC2.replace('kind: ec2', 'kind: azure')).message, /cloud\.kind: expected one of libvirt, ec2, cloudstack, got "azure"/);
  assert.match(err(EC2.replace('        lifetime: 90min\n', '')).message, /cloud\.lifetime: expected the instances' longest life/);
  assert.match(err(EC2.replace('lifetime: 90min', 'lifetime: 3d')).message, /cloud\.lifetime: expected a lifetime/);
  assert.match(err(EC2.replace('lifetime: 90min', 'lifetime: 25h')).message, /from 1 min to 24 h/);
  assert.match(err(EC2.replace('count: 3', 'count: 0')).message, /cloud\.count: expected an instance count from 1 to 64/);
  assert.match(err(EC2.replace('network: 10.60.0.0/24', 'network: 10.60.0.0')).message, /cloud\.network: expected/);
  assert.match(err(EC2.replace('        sshFrom: 198.51.100.7/32\n', '')).message, /cloud\.sshFrom: expected the controller's address/);
  assert.match(err(EC2.replace('          accessKeyId: { env: AWS_KEY }\n', '')).message, /credentials\.accessKeyId: expected a reference/);
  assert.match(err(EC2.replace('        count: 3', '        count: 3\n        flavor: big')).message, /cloud\.flavor: expected only kind, endpoint/);
  // The run's cap: all the cloud sites' instances together.
  assert.match(
    err(EC2.replace('icbench_l2vpn: vxlan-wireguard', 'icbench_l2vpn: vxlan-wireguard\n    icbench_cloud_max_instances: 2')).message,
    /icbench_cloud_max_instances: expected at least the instances the cloud sites ask for \(3\)/,
  );
});

test('--dry-run cost: count x lifetime per site and in total', () => {
  const inv = parseCloudSites(parse(EC2.replace('count: 3', 'count: 4').replace('lifetime: 90min', 'lifetime: 2h')), '/inv/c.yaml');
  assert.equal(costLines(inv).slice(1), [
    '  NII (ec2): 4 instances x 2 h lifetime = at most 8 instance-hours',
    '  total: 4 instances (cap 16), at most 8 instance-hours',
  ]);
});

test('the registry picks the cloud provider for an inventory with a cloud site (the example), the ssh provider otherwise', async () => {
  const ex = join(projectRoot(), 'examples/clouds.inventory.yaml');
  assert.ok(fileHasCloudSites(ex));
  assert.not.ok(fileHasCloudSites(join(projectRoot(), 'examples/hokudai-nii.inventory.yaml')));
  const p = await chooseProvider({ inventory: ex });
  assert.is(p.name, 'cloud');
  assert.match(p.planNotes?.().join('\n') ?? '', /total: 4 instances \(cap 8\), at most 6 instance-hours/);
  const dir = mkdtempSync(join(tmpdir(), 'icb-cloudinv-'));
  writeFileSync(join(dir, 'bad.yaml'), EC2.replace('{ env: AWS_KEY }', 'AKIAEXAMPLE'));
  const e = await chooseProvider({ inventory: join(dir, 'bad.yaml') }).catch((x) => x as Error);
  assert.match(String(e), /accessKeyId: an inline secret is refused/);
  assert.not.match(String(e), /AKIAEXAMPLE/);
});

test('hand-off: the created hosts become an SSH inventory the real-sites loader accepts, pinned to their injected host keys', () => {
  const hosts = [
    {
      name: 'NII-0',
      site: 'NII',
      address: '10.60.0.4',
      user: 'admin',
      hostPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKq0GHwTqsBDxr0hsvEapSVqVVlNHAN2qnv6Y8gxYgmU',
    },
  ];
  const text = handoffInventory({
    hosts,
    identityFile: '/run/x/id_ed25519',
    knownHostsFile: '/run/x/known_hosts',
    vars: { icbench_l2vpn: 'vxlan-wireguard', icbench_cloud_max_instances: 4 },
    siteVars: { NII: { icbench_lan: '10Gbit' } },
    sshSites: { Hokudai: { hosts: { h1: { ansible_host: '192.0.2.10' } } } },
  });
  const inv = parseInventory(text, '/run/x/inventory.yml', { checkFiles: false });
  assert.equal(
    inv.sites.map((s) => [s.name, s.lanBps, s.hosts.map((h) => `${h.ssh.user}@${h.ssh.host}`)]),
    [
      ['Hokudai', null, [`${inv.sites[0].hosts[0].ssh.user}@192.0.2.10`]],
      ['NII', 10e9, ['admin@10.60.0.4']],
    ],
  );
  assert.is(inv.knownHostsFile, '/run/x/known_hosts');
  assert.is(knownHostsText(hosts), `10.60.0.4 ${hosts[0].hostPublicKey}\n`);
});

test('user data: the host key made on the controller, the controller key, and a power-off watchdog after the lifetime', () => {
  const ud = cloudInitUserData({
    runId: '20261207-000000-abcd',
    hostKey: { privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n', publicKey: 'ssh-ed25519 AAAAhost' },
    authorizedKey: 'ssh-ed25519 AAAActl icbench',
    user: 'admin',
    lifetimeS: 5400,
  });
  const y = parse(ud);
  assert.ok(ud.startsWith('#cloud-config\n'));
  assert.equal(y.ssh_keys, {
    ed25519_private: '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n',
    ed25519_public: 'ssh-ed25519 AAAAhost',
  });
  assert.is(y.ssh_deletekeys, true);
  assert.equal(y.users[0].ssh_authorized_keys, ['ssh-ed25519 AAAActl icbench']);
  assert.match(y.bootcmd[0][2], /^shutdown -P \+90 /);
  assert.is(watchdogMinutes(61), 2);
  assert.throws(
    () => cloudInitUserData({ runId: 'r', hostKey: { privateKey: 'x', publicKey: 'not a key' }, authorizedKey: 'ssh-ed25519 AAAA', user: 'u', lifetimeS: 60 }),
    /publicKey/,
  );
});

test.run();
