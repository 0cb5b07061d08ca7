import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InventoryError, loadInventory, parseInventory } from '../../../infra/inventory/load.js';
import { ConfigError } from '../../../infra/units.js';

const NO_FILES = { checkFiles: false, home: '/home/op', defaultUser: 'op' };

const GOOD = `
all:
  vars:
    ansible_user: root
    ansible_ssh_private_key_file: ~/.ssh/icbench_ed25519
    icbench_known_hosts: ./known_hosts
    icbench_l2vpn: vxlan
    icbench_cluster_subnet: 10.200.0.0/16
    ansible_python_interpreter: /usr/bin/python3
  children:
    NII:
      vars:
        icbench_virt: lxc
        icbench_nodes_per_host: 2
        icbench_lan: 10Gbit
        icbench_lan_label: 10GbE
        ansible_port: 2200
      hosts:
        nii1:
          ansible_host: 192.0.2.10
          ansible_port: 22
          icbench_data_address: 10.1.0.1
          icbench_jump: bastion.example.org
        nii2:
          ansible_host: 192.0.2.11
          ansible_user: bench
          icbench_nodes_per_host: 4
    Hokudai:
      hosts:
        hokudai1:
          ansible_host: hokudai1.example.org
          icbench_data_address: 198.51.100.20
          ansible_ssh_private_key_file: keys/hokudai
          ansible_connection: ssh
`;

test('a good inventory: sites, hosts, overrides (host > group > all), defaults and resolved paths', () => {
  const inv = parseInventory(GOOD, '/etc/icbench/sites.yaml', NO_FILES);
  assert.is(inv.file, '/etc/icbench/sites.yaml');
  assert.is(inv.l2vpn, 'vxlan');
  assert.is(inv.knownHostsFile, '/etc/icbench/known_hosts');
  assert.is(inv.clusterSubnet, '10.200.0.0/16');
  assert.equal(
    inv.sites.map((s) => s.name),
    ['NII', 'Hokudai'],
  );
  const [nii, hok] = inv.sites;
  assert.is(nii.lanBps, 1e10);
  assert.is(nii.lanLabel, '10GbE');
  assert.is(nii.virt, 'lxc');
  assert.equal(nii.hosts[0], {
    name: 'nii1',
    site: 'NII',
    dataAddress: '10.1.0.1',
    virt: 'lxc',
    nodesPerHost: 2,
    ssh: { name: 'nii1', host: '192.0.2.10', user: 'root', port: 22, identityFile: '/home/op/.ssh/icbench_ed25519', jump: 'bastion.example.org' },
  });
  assert.equal(nii.hosts[1], {
    name: 'nii2',
    site: 'NII',
    dataAddress: '192.0.2.11',
    virt: 'lxc',
    nodesPerHost: 4,
    ssh: { name: 'nii2', host: '192.0.2.11', user: 'bench', port: 2200, identityFile: '/home/op/.ssh/icbench_ed25519', jump: null },
  });
  assert.is(hok.lanBps, null);
  assert.is(hok.lanLabel, '');
  assert.is(hok.virt, 'netns');
  assert.equal(hok.hosts[0].ssh, {
    name: 'hokudai1',
    host: 'hokudai1.example.org',
    user: 'root',
    port: 22,
    identityFile: '/etc/icbench/keys/hokudai',
    jump: null,
  });
  assert.is(hok.hosts[0].nodesPerHost, 1);
});

test('defaults: known_hosts in ~/.ssh, no subnet, the local user, no key, the host name as SSH address', () => {
  const inv = parseInventory('all:\n  vars:\n    icbench_l2vpn: provided\n  children:\n    A:\n      hosts:\n        10.0.0.5:\n', 'inv.yaml', NO_FILES);
  assert.is(inv.knownHostsFile, '/home/op/.ssh/known_hosts');
  assert.is(inv.clusterSubnet, null);
  assert.equal(inv.sites[0].hosts[0].ssh, { name: '10.0.0.5', host: '10.0.0.5', user: 'op', port: 22, identityFile: null, jump: null });
  assert.is(inv.sites[0].hosts[0].dataAddress, '10.0.0.5');
});

/** Parses GOOD with `edit` applied to its text and expects a ConfigError with that field. */
function fails(edit: (t: string) => string, field: string, msg: RegExp, label = field): InventoryError {
  const text = edit(GOOD);
  assert.is.not(text, GOOD, `edit applies: ${label}`);
  try {
    parseInventory(text, 'sites.yaml', NO_FILES);
  } catch (e) {
    assert.instance(e, ConfigError, label);
    assert.instance(e, InventoryError, label);
    const c = e as InventoryError;
    assert.is(c.field, field, label);
    assert.match(c.message, msg, label);
    assert.ok(c.message.startsWith(`${field}: `), `${label}: ${c.message}`);
    return c;
  }
  assert.unreachable(`no error for ${label}`);
  throw new Error('unreachable');
}

test('the example field error reads exactly as documented, with its line', () => {
  const e = fails((t) => t.replace('10.1.0.1', '10.1.0'), 'sites.yaml: all.children.NII.hosts.nii1.icbench_data_address', /./);
  assert.is(e.message, 'sites.yaml: all.children.NII.hosts.nii1.icbench_data_address: expected an IPv4 address, got "10.1.0" (line 22)');
  assert.is(e.line, 22);
});

test('each value error names its exact path', () => {
  const H = 'sites.yaml: all.children.NII.hosts.nii1';
  fails((t) => t.replace('ansible_host: 192.0.2.10', 'ansible_host: "bad host"'), `${H}.ansible_host`, /expected a host name or an IPv4 address/);
  fails((t) => t.replace('ansible_host: 192.0.2.10', 'ansible_host: 192.0.2'), `${H}.ansible_host`, /got "192.0.2"/);
  fails((t) => t.replace('ansible_port: 22\n', 'ansible_port: 70000\n'), `${H}.ansible_port`, /a port number from 1 to 65535/);
  fails((t) => t.replace('icbench_jump: bastion.example.org', 'icbench_jump: "a b"'), `${H}.icbench_jump`, /a jump host/);
  fails((t) => t.replace('ansible_user: root', 'ansible_user: "ro ot"'), 'sites.yaml: all.vars.ansible_user', /a user name/);
  fails(
    (t) => t.replace('icbench_l2vpn: vxlan', 'icbench_l2vpn: gre'),
    'sites.yaml: all.vars.icbench_l2vpn',
    /one of provided, vxlan, vxlan-wireguard, got "gre"/,
  );
  fails(
    (t) => t.replace('    icbench_l2vpn: vxlan\n', ''),
    'sites.yaml: all.vars.icbench_l2vpn',
    /expected one of provided, vxlan, vxlan-wireguard, got nothing/,
  );
  fails((t) => t.replace('10.200.0.0/16', '10.200.0.1/16'), 'sites.yaml: all.vars.icbench_cluster_subnet', /a network address/);
  fails((t) => t.replace('icbench_virt: lxc', 'icbench_virt: kvm'), 'sites.yaml: all.children.NII.vars.icbench_virt', /one of netns, lxc, docker, xen/);
  fails(
    (t) => t.replace('icbench_nodes_per_host: 2', 'icbench_nodes_per_host: 0'),
    'sites.yaml: all.children.NII.vars.icbench_nodes_per_host',
    /a whole number from 1 to 1000/,
  );
  fails((t) => t.replace('icbench_lan: 10Gbit', 'icbench_lan: fast'), 'sites.yaml: all.children.NII.vars.icbench_lan', /a rate such as/);
  fails(
    (t) => t.replace('ansible_user: bench', "ansible_user: \"{{ lookup('env', 'USER') }}\""),
    'sites.yaml: all.children.NII.hosts.nii2.ansible_user',
    /Jinja templates are not evaluated/,
  );
  fails((t) => t.replace('icbench_known_hosts: ./known_hosts', 'icbench_known_hosts: ~alice/kh'), 'sites.yaml: all.vars.icbench_known_hosts', /~\//);
});

test('structure errors: sites, hosts, names, scopes, unknown icbench_ keys', () => {
  fails((t) => t.replace('icbench_lan_label', 'icbench_lan_lable'), 'sites.yaml: all.children.NII.vars.icbench_lan_lable', /expected a known icbench_ key/);
  fails((t) => t.replace('    Hokudai:', '    Hokudai_2:'), 'sites.yaml: all.children.Hokudai_2', /a site name of 1-12 letters or digits/);
  fails((t) => t.replace('    Hokudai:', '    nii:'), 'sites.yaml: all.children.nii', /a site name not already used \(NII\)/);
  fails((t) => t.replace('        hokudai1:', '        nii2:'), 'sites.yaml: all.children.Hokudai.hosts.nii2', /a host name not already used in the file/);
  fails(
    (t) => t.replace('198.51.100.20', '10.1.0.1'),
    'sites.yaml: all.children.Hokudai.hosts.hokudai1.icbench_data_address',
    /a data address not already used \(host nii1 has it\)/,
  );
  fails(
    (t) => t.replace('ansible_host: hokudai1.example.org', 'ansible_host: 192.0.2.11\n          ansible_port: 2200'),
    'sites.yaml: all.children.Hokudai.hosts.hokudai1.ansible_host',
    /an SSH address and port not already used/,
  );
  fails(
    (t) => t.replace(/ {4}Hokudai:\n[\s\S]*$/, '    Hokudai:\n      vars:\n        icbench_virt: netns\n'),
    'sites.yaml: all.children.Hokudai.hosts',
    /at least one host/,
  );
  fails((t) => t.replace(/ {2}children:\n[\s\S]*$/, '  children: {}\n'), 'sites.yaml: all.children', /at least one site group/);
  fails(
    (t) => t.replace('          icbench_data_address: 198.51.100.20\n', ''),
    'sites.yaml: all.children.Hokudai.hosts.hokudai1.icbench_data_address',
    /required: ansible_host "hokudai1.example.org" is not an IPv4 address/,
  );
  fails(
    (t) => t.replace('    icbench_cluster_subnet', '    icbench_data_address: 10.9.9.9\n    icbench_cluster_subnet'),
    'sites.yaml: all.vars.icbench_data_address',
    /belongs in a host's vars, not in all.vars/,
  );
  fails(
    (t) => t.replace('        icbench_lan: 10Gbit', '        icbench_l2vpn: vxlan'),
    'sites.yaml: all.children.NII.vars.icbench_l2vpn',
    /belongs in all.vars/,
  );
  fails(
    (t) => t.replace('          ansible_port: 22\n', '          ansible_port: 22\n          ansible_ssh_port: 22\n'),
    'sites.yaml: all.children.NII.hosts.nii1.ansible_ssh_port',
    /only one of ansible_port and ansible_ssh_port/,
  );
  fails((t) => t.replace('  children:', '  hosts:\n    x1:\n  children:'), 'sites.yaml: all.hosts', /hosts belong in a site group/);
  fails((t) => `${t}extra:\n  hosts: {}\n`, 'sites.yaml: extra', /only all here/);
  fails(
    (t) => t.replace('    Hokudai:\n', '    Hokudai:\n      children:\n        sub:\n'),
    'sites.yaml: all.children.Hokudai.children',
    /nested groups are not supported/,
  );
});

test('YAML syntax errors carry the line; duplicate keys are errors', () => {
  const e = fails(
    (t) => t.replace('        icbench_lan: 10Gbit\n', '        icbench_lan: 10Gbit\n        icbench_lan: 1Gbit\n'),
    'sites.yaml',
    /not valid YAML: Map keys must be unique/,
  );
  assert.is(e.line, 16);
  assert.throws(() => parseInventory('', 'e.yaml', NO_FILES), /e.yaml: \(top\): expected a mapping with `all`/);
});

test('a password key is refused and its value never appears', () => {
  for (const k of ['ansible_password', 'ansible_ssh_pass', 'ansible_become_pass', 'ansible_become_password']) {
    const e = fails(
      (t) => t.replace('          ansible_user: bench', `          ${k}: hunter2-secret`),
      `sites.yaml: all.children.NII.hosts.nii2.${k}`,
      /passwords are not supported: use a key \(ansible_ssh_private_key_file\)/,
      k,
    );
    assert.not.match(e.message, 'hunter2');
    assert.not.match(JSON.stringify({ ...e, message: e.message, stack: e.stack }), 'hunter2');
  }
});

test('ansible_ssh_* spellings are read; other Ansible keys are ignored', () => {
  const inv = parseInventory(GOOD.replace('ansible_host: 192.0.2.11', 'ansible_ssh_host: 192.0.2.12\n          ansible_become: true'), 's.yaml', NO_FILES);
  assert.is(inv.sites[0].hosts[1].ssh.host, '192.0.2.12');
});

test('identity file: must exist, mode 0600 or stricter (named with its mode); loadInventory reads the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'icbinv-'));
  try {
    const key = join(dir, 'keys', 'hokudai');
    const inv = join(dir, 'sites.yaml');
    writeFileSync(inv, GOOD.replace('~/.ssh/icbench_ed25519', './id'));
    writeFileSync(join(dir, 'id'), 'k', { mode: 0o600 });
    const field = `${inv}: all.children.Hokudai.hosts.hokudai1.ansible_ssh_private_key_file`;
    assert.throws(
      () => loadInventory(inv),
      (e: Error) => e instanceof ConfigError && e.field === field && e.message.startsWith(`${field}: private key file ${key} cannot be read (ENOENT)`),
    );
    mkdirSync(dirname(key));
    writeFileSync(key, 'k');
    chmodSync(key, 0o644);
    assert.throws(
      () => loadInventory(inv),
      (e: Error) => e instanceof ConfigError && e.field === field && e.message.includes(`private key file ${key} has mode 0644: make it 0600 or stricter`),
    );
    chmodSync(key, 0o400);
    const ok = loadInventory(inv);
    assert.is(ok.sites[1].hosts[0].ssh.identityFile, key);
    assert.is(ok.knownHostsFile, join(dir, 'known_hosts'));
    assert.is(ok.file, inv);
    assert.throws(() => loadInventory(join(dir, 'nope.yaml')), /cannot read the inventory \(ENOENT\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the shipped example loads', () => {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
  const text = readFileSync(join(root, 'examples', 'hokudai-nii.inventory.yaml'), 'utf8');
  const inv = parseInventory(text, join(root, 'examples', 'hokudai-nii.inventory.yaml'), NO_FILES);
  assert.equal(
    inv.sites.map((s) => [s.name, s.hosts.map((h) => h.name)]),
    [
      ['NII', ['nii1', 'nii2']],
      ['Hokudai', ['hokudai1', 'hokudai2']],
    ],
  );
  assert.is(inv.sites[1].hosts[0].ssh.jump, 'root@198.51.100.1:22');
  assert.ok(text.split('\n').filter((l) => /^\s+\w+:\s*\S/.test(l)).length >= 20);
});

test.run();
