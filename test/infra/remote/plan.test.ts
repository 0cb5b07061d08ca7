import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../../infra/config.js';
import type { LxcAppArmor } from '../../../infra/virt/lxc-apparmor.js';
import { journalPath, planRemote, remoteCleanScript, remoteNodeDir, runTag, runVni } from '../../../infra/remote/plan.js';

const RUN = '20261130-120000-abcd';
const spec = resolveConfig(
  {
    scenario: 't',
    sites: [
      { name: 'NII', lan: '10Gbit', hosts: 2, nodesPerHost: 2 },
      { name: 'Hokudai', lan: '1Gbit', hosts: 1, nodesPerHost: 1 },
    ],
    wan: { rate: '1Gbit', rtt: '20ms' },
  },
  { lab: false },
);
const places = [
  { name: 'nii1', specHost: 'nii-h1', dataAddress: '192.0.2.1' },
  { name: 'nii2', specHost: 'nii-h2', dataAddress: '192.0.2.2' },
  { name: 'hok1', specHost: 'hokudai-h1', dataAddress: '198.51.100.1' },
];

test('names carry the run: a short tag for interfaces (<= 15 bytes), the run id for namespaces; VNI from the run', () => {
  const tag = runTag(RUN);
  assert.match(tag, /^i[0-9a-f]{6}$/);
  assert.is(runTag(RUN), tag, 'stable');
  assert.is.not(runTag('20261130-120000-abce'), tag);
  const vni = runVni(RUN);
  assert.ok(vni >= 1 && vni < 2 ** 24);
  const p = planRemote(spec, RUN, places);
  for (const h of p.hosts) for (const l of h.up.split('\n')) for (const m of l.matchAll(/\b(i[0-9a-f]{6}[a-z0-9]+)\b/g)) assert.ok(m[1].length <= 15, m[1]);
  assert.equal(p.hosts[0].namespaces, [`icb-${RUN}-nii-h1-n1`, `icb-${RUN}-nii-h1-n2`]);
});

test('each host: unicast VXLAN to every other host, bridge, nodes with their cluster address and the segment MTU', () => {
  const p = planRemote(spec, RUN, places);
  assert.is(p.mtu, 1450);
  const h = p.hosts[0].up;
  assert.match(h, `ip link add ${p.tag}vx type vxlan id ${p.vni} local 192.0.2.1 dstport 4789 ttl 64`);
  assert.match(h, `bridge fdb append 00:00:00:00:00:00 dev ${p.tag}vx dst 192.0.2.2`);
  assert.match(h, `bridge fdb append 00:00:00:00:00:00 dev ${p.tag}vx dst 198.51.100.1`);
  assert.not.match(h, 'dst 192.0.2.1\n', 'no entry for itself');
  assert.match(h, `ip -n icb-${RUN}-nii-h1-n2 addr add ${spec.nodes[1].address}/16 dev eth0`);
  assert.match(p.hosts[2].up, `ip -n icb-${RUN}-hokudai-h1-n1 link set eth0 mtu 1450 up`);
});

test('--tcp-cc: set in each node namespace only (never the host), a failure stops the script; none by default', () => {
  const p = planRemote(spec, RUN, places, { tcpCc: 'cubic' });
  const lines = p.hosts[0].up.split('\n').filter((l) => l.includes('tcp_congestion_control'));
  assert.equal(
    lines,
    p.hosts[0].namespaces.map((ns) => `ip netns exec ${ns} sysctl -q -w 'net.ipv4.tcp_congestion_control=cubic' >/dev/null`),
  );
  assert.not.ok(planRemote(spec, RUN, places).hosts.some((h) => h.up.includes('tcp_congestion_control')));
});

test('every create is preceded by its journal line, synced', () => {
  const lines = planRemote(spec, RUN, places).hosts[0].up.split('\n');
  const creates = lines.map((l, i) => [l, i] as const).filter(([l]) => /^ip (link add|netns add)/.test(l));
  assert.ok(creates.length >= 6);
  for (const [l, i] of creates) {
    const name = /^ip netns add (\S+)/.exec(l)?.[1] ?? /^ip link add (\S+)/.exec(l)![1];
    assert.match(lines[i - 2], `"name":"${name}"`, `journal before ${l}`);
    assert.match(lines[i - 1], /^sync/);
  }
  assert.match(lines.join('\n'), `J='${journalPath(RUN)}'`);
});

test('the scripts are valid POSIX sh; clean touches only journaled names of this run', () => {
  const p = planRemote(spec, RUN, places);
  execFileSync('sh', ['-n'], { input: p.hosts[0].up });
  const clean = remoteCleanScript(RUN);
  execFileSync('sh', ['-n'], { input: clean });
  assert.match(clean, `icb-${RUN}-`);
  assert.match(clean, runTag(RUN));
  assert.match(clean, 'rm -f "$J"');
});

test('vxlan-wireguard: VXLAN between WireGuard addresses, MTUs that do not fragment, keys never in the scripts', async () => {
  const { wgAddress, wgKeyScript, wgPort } = await import('../../../infra/remote/plan.js');
  const pubkeys = new Map(places.map((p, i) => [p.name, `${String.fromCharCode(65 + i).repeat(43)}=`]));
  const p = planRemote(spec, RUN, places, { wireguard: { pubkeys } });
  assert.equal(p.wireguard, { port: wgPort(RUN), mtu: 1420 });
  assert.is(p.mtu, 1370);
  const h = p.hosts[0].up;
  assert.match(h, `local ${wgAddress(RUN, 0)} dstport 4789`);
  assert.match(h, `dst ${wgAddress(RUN, 2)}`);
  assert.match(h, `peer ${'C'.repeat(43)}= allowed-ips ${wgAddress(RUN, 2)}/32 endpoint 198.51.100.1:${wgPort(RUN)}`);
  assert.match(h, 'private-key /run/icbench-remote/');
  assert.not.match(h, 'A'.repeat(43), 'own public key is not a peer');
  const keys = wgKeyScript(RUN, 0);
  execFileSync('sh', ['-n'], { input: keys });
  assert.match(keys, 'umask 077');
  assert.match(keys, /echo "pubkey=\$\(wg pubkey/);
  assert.not.match(keys, /cat .*key/);
  assert.throws(() => planRemote(spec, RUN, places, { wireguard: { pubkeys: new Map() } }), /no valid public key from host/);
});

const lxcSpec = resolveConfig(
  {
    scenario: 't',
    sites: [
      { name: 'NII', lan: '10Gbit', hosts: 2, nodesPerHost: 2, virt: 'lxc' },
      { name: 'Hokudai', lan: '1Gbit', hosts: 1, nodesPerHost: 1, virt: 'lxc' },
    ],
    wan: { rate: '1Gbit', rtt: '20ms' },
  },
  { lab: false },
);
// Each host's AppArmor choice from its preflight probe (infra/virt/lxc-apparmor.ts): one confined, two without AppArmor.
const GENERATED: LxcAppArmor = { profile: 'generated', allow_incomplete: false, allow_nesting: false, reason: 'r' };
const UNCONFINED: LxcAppArmor = { profile: 'unconfined', allow_incomplete: false, allow_nesting: false, reason: 'r' };
const lxcApparmor = new Map<string, LxcAppArmor>([
  ['nii1', GENERATED],
  ['nii2', UNCONFINED],
  ['hok1', UNCONFINED],
]);

test("netns hosts too: the run's dir (the nodes' scratch dirs) is journaled before it is made, private to the run; no cache root", () => {
  const p = planRemote(spec, RUN, places);
  const lines = p.hosts[0].up.split('\n');
  const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
  const rec = at(new RegExp(`"kind":"dir","path":"/var/lib/icbench-remote/${RUN}/nii1"`));
  const made = at(new RegExp(`^mkdir -p '/var/lib/icbench-remote/${RUN}/nii1/nodes'$`));
  assert.ok(rec >= 0 && rec < made, 'journaled, then made');
  assert.is(lines[made + 1], `chmod 0700 '/var/lib/icbench-remote/${RUN}'`);
  assert.is(lines.filter((l) => l.includes('"kind":"dir"')).length, 1);
  assert.not.match(p.hosts[0].up, '/var/cache/icbench-remote', 'netns nodes see the host path; nothing is made for them');
  assert.is(remoteNodeDir(RUN, 'nii1', 'nii-h1-n1'), `/var/lib/icbench-remote/${RUN}/nii1/nodes/nii-h1-n1`);
});

test("lxc: a container per node under the host's per-run lxcpath, journaled before it starts, its netns named and wired like a netns node", () => {
  const p = planRemote(lxcSpec, RUN, places, { lxcApparmor });
  const h = p.hosts[0];
  const lxcpath = `/var/lib/icbench-remote/${RUN}/nii1/lxc`;
  const name = `icb-${RUN}-nii-h1-n1`;
  assert.equal(h.nodes[0], { node: 'nii-h1-n1', ns: name, lxc: { name, lxcpath } });
  execFileSync('sh', ['-n'], { input: h.up });
  const lines = h.up.split('\n');
  const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
  const dir = at(/"kind":"dir"/);
  const rec = at(new RegExp(`"kind":"lxc","name":"${name}","lxcpath":"${lxcpath}"`));
  const start = at(new RegExp(`^pid=\\$\\(lxc_up '${lxcpath}' ${name}\\)`));
  const attach = at(new RegExp(`^ip netns attach ${name} "\\$pid"`));
  assert.ok(dir >= 0 && dir < at(/^mkdir -p '\/var\/lib\/icbench-remote/), 'run dir journaled before it is made');
  assert.ok(rec > 0 && rec < start && start < attach, 'journal, start, attach');
  assert.match(lines[at(/"kind":"netns"/)], name);
  assert.ok(at(/"kind":"netns"/) < attach);
  assert.match(h.up, `ip link add ${p.tag}n0 mtu 1450 type veth peer name eth0 netns ${name}`);
  assert.match(h.up, `ip -n ${name} addr add ${lxcSpec.nodes[0].address}/16 dev eth0`);
  assert.not.match(h.up, /ip netns add/);
  // The lab's container config: no network of its own, LXC's init, the host's /usr and /etc read-only.
  assert.match(h.up, 'lxc.net.0.type = empty');
  assert.match(h.up, `lxc.rootfs.path = dir:${lxcpath}/${name}/rootfs`);
  assert.match(h.up, `lxc.init.cmd = /usr/sbin/init.lxc --name ${name}`);
  assert.match(h.up, 'lxc.mount.entry = /usr usr none ro,bind,create=dir 0 0');
  // Not /etc whole: the allowed entries that exist on the host, listed by its shell (infra/virt/etc-allow.ts).
  assert.not.match(h.up, 'lxc.mount.entry = /etc etc ');
  assert.match(h.up, /^icb_etc_lxc \| grep -v '\^lxc.mount.entry = \/etc\/hosts ' >> '\/var\/lib\/icbench-remote\/.*\/config'$/m);
  // Its own /etc/hosts: the host's without its 127.0.1.1 line, plus the node's name there.
  assert.match(h.up, /printf '127\.0\.1\.1\\t%s\\n' '?nii-h1-n1'?; \} > '\/var\/lib\/icbench-remote\/[^']*\/hosts'$/m);
  assert.match(h.up, /^echo 'lxc\.mount\.entry = \/var\/lib\/icbench-remote\/\S*\/hosts etc\/hosts none ro,bind,create=file 0 0' >> /m);
  // The shipped cache (infra/remote/ship.ts), read-only at the host's path; its root is made before the containers start.
  assert.match(h.up, 'lxc.mount.entry = /var/cache/icbench-remote var/cache/icbench-remote none ro,bind,create=dir 0 0');
  assert.ok(lines.indexOf('mkdir -p /var/cache/icbench-remote') >= 0 && lines.indexOf('mkdir -p /var/cache/icbench-remote') < at(/^pid=\$\(lxc_up/));
  assert.match(h.up, 'lxc.uts.name = nii-h1-n1');
});

test("lxc: each host's containers get that host's AppArmor choice; a host without one is refused before anything is planned", () => {
  const p = planRemote(lxcSpec, RUN, places, { lxcApparmor });
  const profiles = (up: string) => up.split('\n').filter((l) => l.startsWith('lxc.apparmor.'));
  assert.equal(profiles(p.hosts[0].up), [
    ...['lxc.apparmor.profile = generated', 'lxc.apparmor.allow_nesting = 0', 'lxc.apparmor.allow_incomplete = 0'],
    ...['lxc.apparmor.profile = generated', 'lxc.apparmor.allow_nesting = 0', 'lxc.apparmor.allow_incomplete = 0'],
  ]);
  assert.equal(profiles(p.hosts[2].up), ['lxc.apparmor.profile = unconfined', 'lxc.apparmor.allow_nesting = 0']);
  assert.throws(() => planRemote(lxcSpec, RUN, places, { lxcApparmor: new Map([['nii1', GENERATED]]) }), /no AppArmor choice for the lxc nodes of host nii2/);
  assert.throws(() => planRemote(lxcSpec, RUN, places), /no AppArmor choice for the lxc nodes of host nii1/);
});

test('lxc: the skeleton root and the start helper work in a shell (stubbed lxc)', () => {
  const d = mkdtempSync(join(tmpdir(), 'icb-lxc-plan-'));
  try {
    const fns = planRemote(lxcSpec, RUN, places, { lxcApparmor }).hosts[0].up.split('\n');
    const body = fns.slice(fns.indexOf('lxc_rootfs() {'), fns.lastIndexOf('}') + 1).join('\n');
    writeFileSync(join(d, 'lxc-start'), '#!/bin/sh\necho "start $*" >> "$LOG"\n');
    writeFileSync(join(d, 'lxc-info'), '#!/bin/sh\ncase "$*" in *-s*) echo RUNNING ;; *-p*) echo 4242 ;; esac\n');
    for (const f of ['lxc-start', 'lxc-info']) chmodSync(join(d, f), 0o755);
    const out = execFileSync('sh', ['-c', `set -e\n${body}\nlxc_rootfs "$R"\nlxc_up /lp icb-x`], {
      env: { PATH: `${d}:/usr/bin:/bin`, LOG: join(d, 'log'), R: join(d, 'root') },
    }).toString();
    assert.is(out.trim(), '4242');
    assert.match(readFileSync(join(d, 'log'), 'utf8'), 'start -P /lp -n icb-x -d -o /lp/icb-x.log -l ERROR');
    for (const x of ['usr', 'etc', 'proc', 'dev', 'tmp', 'run', 'var/tmp'])
      assert.ok(
        execFileSync('sh', ['-c', `[ -d "${d}/root/${x}" ] && echo y`])
          .toString()
          .trim() === 'y',
        x,
      );
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('lxc clean: journaled containers are stopped and destroyed before namespaces and links go, then the run dir', () => {
  const d = mkdtempSync(join(tmpdir(), 'icb-lxc-clean-'));
  try {
    const j = join(d, 'journal');
    const lp = `/var/lib/icbench-remote/${RUN}/nii1/lxc`;
    const name = `icb-${RUN}-nii-h1-n1`;
    const entries = [
      { kind: 'dir', path: `/var/lib/icbench-remote/${RUN}/nii1` },
      { kind: 'lxc', name, lxcpath: lp },
      { kind: 'lxc', name: 'icb-other-run-x', lxcpath: lp }, // not of this run: untouched
      { kind: 'netns', name },
    ];
    writeFileSync(j, `${entries.map((e) => JSON.stringify(e)).join('\n')}\n`);
    for (const f of ['lxc-stop', 'lxc-destroy', 'lxc-info', 'ip', 'rm', 'rmdir']) {
      writeFileSync(join(d, f), `#!/bin/sh\necho "${f} $*" >> "$LOG"\n${f === 'ip' ? 'exit 0' : ''}\n`);
      chmodSync(join(d, f), 0o755);
    }
    // Stub: every container dir "exists", /run/netns/<ns> too (test -e/-d of the real fs is avoided by a wrapper).
    const script = remoteCleanScript(RUN)
      .replace(/^J=.*$/m, `J='${j}'`)
      .replaceAll('[ -d "$lp/$c" ] || continue', 'true')
      .replace('[ -e "/run/netns/$ns" ] || continue', 'true');
    execFileSync('sh', ['-c', script], { env: { PATH: `${d}:/usr/bin:/bin`, LOG: join(d, 'log') } });
    const log = readFileSync(join(d, 'log'), 'utf8').split('\n');
    const i = (re: RegExp) => log.findIndex((l) => re.test(l));
    assert.ok(i(new RegExp(`^lxc-stop -P ${lp} -n ${name} -k`)) >= 0, log.join('\n'));
    assert.ok(i(/^lxc-stop/) < i(/^lxc-destroy/) && i(new RegExp(`^lxc-destroy -P ${lp} -n ${name}`)) < i(/^ip netns del/), log.join('\n'));
    assert.not.ok(log.some((l) => l.includes('icb-other-run-x')));
    assert.ok(i(new RegExp(`^rm -rf --one-file-system /var/lib/icbench-remote/${RUN}/nii1$`)) > i(/^ip netns del/), log.join('\n'));
    assert.ok(i(new RegExp(`^rmdir /var/lib/icbench-remote/${RUN}$`)) >= 0);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test.run();
