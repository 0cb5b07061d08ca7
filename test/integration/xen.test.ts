/**
 * Xen for real: Debian's Xen 4.17 booted under QEMU (TCG) as a nested "Xen host"
 * (infra/xen/nested-host.ts), reached through the same SSH executor real sites use (SshSession:
 * strict host key against a known_hosts written here, keys only), and the XenHost sequence run
 * against real `xl`: info, create a PV guest on a bridge, wait for it, list (and list -l), a
 * command inside the guest over SSH from dom0, shutdown, destroy, cleanXen by run id (another
 * run's domain untouched). Then: a kill -9 of a process that started a nested host, and
 * `clean`, leave no QEMU process. One boot for the sequence (~40 s idle), one partial boot for
 * the kill. Needs scripts/build-xen-host.sh (setup.sh runs it).
 *
 * ICBENCH_XEN_CAPTURE=<dir> keeps the raw xl output (how test/fixtures/xen/*-4.17.txt were made).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Journal } from '../../infra/journal.js';
import { pidStartTime } from '../../infra/process-owner.js';
import { newRunId } from '../../infra/run-id.js';
import { renderDomainConfig } from '../../infra/xen/domain-config.js';
import { NESTED_GUEST_KERNEL, NESTED_GUEST_RAMDISK, NestedXenHost } from '../../infra/xen/nested-host.js';
import { cleanXen, XenHost, type XenJournalEntry } from '../../infra/xen/xl.js';
import { parseXlInfo, parseXlList, parseXlListLong } from '../../infra/xen/xl-output.js';
import { clean, cleanRun } from '../../session/clean.js';
import { useStateDir } from '../helpers/lab.js';
import { stringify } from 'yaml';
import { tmpdir } from 'node:os';
import { run } from '../../infra/exec.js';
import { silentProgress } from '../../infra/progress.js';
import { runTag } from '../../infra/remote/plan.js';
import { remoteProvider } from '../../infra/remote/provider.js';
import { migrationCapability } from '../../infra/xen/capabilities.js';

const suite = test;
const state = useStateDir(suite);
const runId = newRunId();
const otherRun = runId.slice(0, -4) + (runId.endsWith('ffff') ? '0000' : 'ffff');
/** Pids of processes whose command line names the run (QEMU's -name icb-<run>-xenhost). */
function processesOf(run: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').includes(`icb-${run}-xenhost`);
      } catch {
        return false;
      }
    })
    .map(Number);
}
let nested: NestedXenHost | undefined;
let journal: Journal;
const capture = process.env.ICBENCH_XEN_CAPTURE;
const keep = (name: string, text: string) => {
  if (!capture) return;
  mkdirSync(capture, { recursive: true });
  writeFileSync(join(capture, name), text);
};
const log = (s: string) => process.stdout.write(`  [xen] ${s}\n`);

suite.before(async () => {
  process.env.ICBENCH_STATE_DIR = state;
  // The remote provider's own SshSession to the nested host: sshd's key exchange under TCG is slow.
  process.env.ICBENCH_SSH_HANDSHAKE_TIMEOUT_S ??= '120';
  journal = new Journal(runId, state);
  const t0 = performance.now();
  try {
    // A whole boot is ~40 s on an idle machine; minutes when other work shares the CPU (TCG).
    nested = await NestedXenHost.boot({ runId, journal, bootTimeoutMs: 900_000 });
  } catch (e) {
    console.error('nested Xen host boot failed:', e);
    throw e;
  }
  log(`nested Xen host up in ${((performance.now() - t0) / 1000).toFixed(1)} s (ssh 127.0.0.1:${nested.port})`);
});
suite.after(async () => {
  await nested?.stop();
  await cleanRun(runId);
});

const BR = 'icbxtest0';
const sh = (h: XenHost, cmd: string, timeoutMs = 60_000) => h.run(['sh', '-c', cmd], { timeoutMs });

suite('the nested host is reached only through SshSession with a strict host key, on loopback', async () => {
  const h = nested!;
  assert.is(h.target.host, '127.0.0.1');
  assert.match(readFileSync(h.knownHostsFile, 'utf8'), new RegExp(`^\\[127\\.0\\.0\\.1\\]:${h.port} ssh-ed25519 `));
  const cfg = readFileSync(h.ssh.configFile, 'utf8');
  assert.match(cfg, /StrictHostKeyChecking yes/);
  assert.match(cfg, /PasswordAuthentication no/);
  // QEMU's only way in is the 127.0.0.1 forward; restrict=on cuts the VM off from the outside.
  const argv = readFileSync(`/proc/${h.pid}/cmdline`, 'utf8').split('\0');
  const netdev = argv[argv.indexOf('-netdev') + 1];
  assert.match(netdev, /restrict=on/);
  assert.match(netdev, new RegExp(`hostfwd=tcp:127\\.0\\.0\\.1:${h.port}-:22$`));
});

suite('XenHost against real xl: info, create a PV guest, wait, list, command in the guest, shutdown, destroy', async () => {
  const entries: XenJournalEntry[] = [];
  const host = new XenHost({ exec: nested!.exec, journal: (e) => entries.push(e) });
  const infoRaw = (await host.run(['xl', 'info'])).stdout;
  keep('xl-info-4.17-tcg.txt', infoRaw);
  const info = await host.info();
  assert.match(info.xenVersion, /^4\.17\./);
  assert.ok(info.freeMemoryMiB >= 192, `free memory ${info.freeMemoryMiB} MiB`);
  assert.equal(parseXlInfo(infoRaw).fields.xen_caps.includes('xen-3.0-x86_64'), true);

  // The guest's segment: a bridge on dom0 with an address, as the dom0 of a real site has its cluster bridge.
  const br = await sh(host, `ip link add ${BR} type bridge && ip link set ${BR} up && ip addr add 10.99.0.1/24 dev ${BR}`);
  assert.ok(br.ok, br.stderr);
  const cfg = renderDomainConfig({
    runId,
    node: 'g1',
    type: 'pv',
    vcpus: 1,
    memoryMiB: 192,
    kernel: NESTED_GUEST_KERNEL,
    ramdisk: NESTED_GUEST_RAMDISK,
    extra: 'console=hvc0',
    vifs: [{ bridge: BR }],
    guest: { address: '10.99.0.2', prefix: 24 },
  });
  const t0 = performance.now();
  await host.create(cfg, 600_000);
  log(`xl create of a 192 MB PV guest: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  assert.equal(entries[0], { kind: 'xen-domain', host: nested!.exec.where, name: cfg.name }, 'journaled before the create');
  assert.equal(entries[1]?.kind, 'xen-file');

  const row = await host.waitRunning(cfg.name, 300_000);
  assert.is(row.memMiB, 192);
  assert.is(row.vcpus, 1);
  const listRaw = (await host.run(['xl', 'list'])).stdout;
  keep('xl-list-4.17.txt', listRaw);
  const rows = parseXlList(listRaw);
  assert.ok(
    rows.some((r) => r.name === 'Domain-0' && r.id === 0),
    'Domain-0 listed',
  );
  assert.ok(
    rows.some((r) => r.name === cfg.name && r.id > 0),
    `${cfg.name} listed`,
  );
  const longRaw = (await host.run(['xl', 'list', '-l'])).stdout;
  keep('xl-list-l-4.17.json', longRaw);
  const long = parseXlListLong(longRaw).find((d) => d.name === cfg.name);
  assert.is(long?.type, 'pv');

  // The guest answers on its segment; a command runs inside it over ssh from dom0.
  const tries = await host.waitAddress(cfg.address!, 180);
  log(`guest answered ping after ${tries} probe(s)`);
  const guest = host.guestExecutor(cfg.address!, { identity: '/root/.ssh/id_ed25519', connectTimeoutS: 120 });
  let cmd = await run(guest.wrap(['cat', '/proc/cmdline']), { timeoutMs: 180_000 });
  for (let i = 0; i < 20 && !cmd.ok; i++) {
    await new Promise((r) => setTimeout(r, 3000));
    cmd = await run(guest.wrap(['cat', '/proc/cmdline']), { timeoutMs: 180_000 });
  }
  assert.ok(cmd.ok, cmd.stderr);
  assert.match(cmd.stdout, /ip=10\.99\.0\.2::/);
  assert.match(cmd.stdout, new RegExp(`:${cfg.name}:eth0:off`));
  const mac = await run(guest.wrap(['cat', '/sys/class/net/eth0/address']), { timeoutMs: 120_000 });
  assert.is(mac.stdout.trim(), cfg.macs[0]);
  log('commands inside the guest over ssh from dom0: ok');

  const t1 = performance.now();
  const down = await host.shutdown(cfg.name, 300_000);
  log(`xl shutdown -w: ${((performance.now() - t1) / 1000).toFixed(1)} s (${down.graceful ? 'graceful' : down.reason})`);
  assert.equal(down, { graceful: true });
  assert.not.ok(
    (await host.list()).some((r) => r.name === cfg.name),
    'gone after shutdown',
  );
  // destroy of a domain that is gone: idempotent (xl says "invalid domain identifier").
  const missing = await host.run(['xl', 'destroy', cfg.name]);
  keep('xl-destroy-missing-4.17.txt', `${missing.stdout}${missing.stderr}`);
  assert.not.ok(missing.ok);
  await host.destroy(cfg.name);
});

suite('cleanXen destroys the run’s domains and only those', async () => {
  const host = new XenHost({ exec: nested!.exec });
  const mine = renderDomainConfig({ runId, node: 'g2', type: 'pv', vcpus: 1, memoryMiB: 160, kernel: NESTED_GUEST_KERNEL, ramdisk: NESTED_GUEST_RAMDISK });
  const theirs = renderDomainConfig({
    runId: otherRun,
    node: 'g3',
    type: 'pv',
    vcpus: 1,
    memoryMiB: 160,
    kernel: NESTED_GUEST_KERNEL,
    ramdisk: NESTED_GUEST_RAMDISK,
  });
  await host.create(mine, 600_000);
  await host.create(theirs, 600_000);
  const gone = await cleanXen(nested!.exec, runId);
  assert.equal(gone, [mine.name]);
  const names = (await host.list()).map((r) => r.name);
  assert.not.ok(names.includes(mine.name));
  assert.ok(names.includes(theirs.name), 'the other run’s domain is untouched');
  await host.destroy(theirs.name);
  assert.not.ok((await host.list()).some((r) => r.name === theirs.name));
});

suite('real sites: xen nodes on the nested host through the remote provider (journaled, xl list, a command path, down, clean)', async () => {
  const h = nested!;
  const runB = `${runId.slice(0, -4)}${runId.endsWith('beef') ? 'bee0' : 'beef'}`;
  const dir = mkdtempSync(join(tmpdir(), 'icb-xen-inv-'));
  const inventory = join(dir, 'xen.inventory.yaml');
  writeFileSync(
    inventory,
    stringify({
      all: {
        vars: {
          icbench_known_hosts: h.knownHostsFile,
          icbench_l2vpn: 'vxlan',
          ansible_user: 'root',
          ansible_ssh_private_key_file: h.image.clientKey,
          icbench_virt: 'xen',
          icbench_xen_kernel: NESTED_GUEST_KERNEL,
          icbench_xen_ramdisk: NESTED_GUEST_RAMDISK,
          icbench_xen_memory: 160,
          icbench_xen_guest_key: '/root/.ssh/id_ed25519',
        },
        children: {
          X: {
            vars: { icbench_nodes_per_host: 2 },
            hosts: { xenhost: { ansible_host: '127.0.0.1', ansible_port: h.port, icbench_data_address: '10.0.2.15' } },
          },
        },
      },
    }),
  );
  const provider = remoteProvider({ inventory });
  const spec = provider.resolve({ scenario: 'xen-remote', sites: [{ name: 'X', lan: '1Gbit', hosts: 1, nodesPerHost: 2, virt: 'xen' }] });
  const jB = new Journal(runB, state);
  jB.record({ kind: 'run', runId: runB, scenario: 'xen-remote', resultsDir: dir, pid: process.pid, at: new Date().toISOString() });
  const t0 = performance.now();
  const tb = await provider.up(spec, { runId: runB, journal: jB, workDir: dir, progress: silentProgress });
  try {
    log(
      `remote provider: 2 xen nodes up in ${((performance.now() - t0) / 1000).toFixed(1)} s (${Object.entries(tb.nodeStartMs)
        .map(([n, ms]) => `${n} ${(ms / 1000).toFixed(1)} s`)
        .join(', ')})`,
    );
    assert.ok(
      jB.entries().some((e) => e.kind === 'remote'),
      "the controller's journal lists the host",
    );
    const host = new XenHost({ exec: h.exec });
    const names = (await host.list()).map((r) => r.name);
    for (const n of tb.nodes) assert.ok(names.includes(`icb-${runB}-${n.name}`), `${n.name} in xl list`);
    const hostJournal = await host.run(['cat', `/run/icbench-remote/${runB}.journal`]);
    for (const n of tb.nodes) assert.match(hostJournal.stdout, `{"kind":"xen","name":"icb-${runB}-${n.name}"}`);
    // The command path: inside node 0 (ssh from dom0 over the run's bridge), ping node 1's cluster address.
    const [a, b] = tb.nodes;
    const ping = await run(a.exec.wrap(['ping', '-n', '-c', '3', '-i', '0.5', '-W', '5', b.address]), { timeoutMs: 300_000 });
    assert.ok(ping.ok, `${a.name} -> ${b.name}: ${ping.stdout}${ping.stderr}`);
    assert.match(ping.stdout, /3 packets transmitted, 3 (packets )?received/);
    const addr = await run(b.exec.wrap(['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']), { timeoutMs: 300_000 });
    assert.match(addr.stdout, `${b.address}/${spec.prefix}`);
    assert.is(tb.facts().hosts?.[0]?.tools && (tb.facts().hosts![0].tools as Record<string, string>).xen?.startsWith('4.17'), true);
  } catch (e) {
    await tb.down();
    throw e;
  }
  // The controller "dies" here: no down(); clean removes the run from the host by its journal.
  const left = await cleanRun(runB);
  assert.equal(left, []);
  const after = await new XenHost({ exec: h.exec }).list();
  assert.not.ok(
    after.some((r) => r.name.startsWith(`icb-${runB}-`)),
    'no domain of the run after clean',
  );
  const links = await sh(new XenHost({ exec: h.exec }), `ip -o link | grep -c ${runTag(runB)} || true`);
  assert.is(links.stdout.trim(), '0', 'no link of the run after clean');
  const j = await new XenHost({ exec: h.exec }).run(['ls', `/run/icbench-remote/${runB}.journal`]);
  assert.not.ok(j.ok, 'the host journal is gone');
  rmSync(dir, { recursive: true, force: true });
});

suite('real sites: a scenario that migrates Xen guests is refused on this host (no shadow paging, no HAP)', async () => {
  const info = await new XenHost({ exec: nested!.exec }).info();
  const cap = migrationCapability(info, 'pv');
  assert.is(cap.ok, false);
  assert.match(cap.reason, /shadow paging/);
});

suite('stop() leaves no QEMU process of the run', async () => {
  const { pid } = nested!;
  await nested!.stop();
  assert.is(pidStartTime(pid), null);
  assert.is(nested!.running(), false);
  assert.equal(processesOf(runId), [], 'no process names the run');
});

suite('kill -9 of the process that started a nested host, then clean: no QEMU left', async () => {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'xen-child.js')], {
    env: { ...process.env, ICBENCH_STATE_DIR: state },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const started = await new Promise<RegExpExecArray>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`child did not start QEMU: ${out}`)), 120_000);
    const poll = setInterval(() => {
      const m = /STARTED (\S+) (\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        clearInterval(poll);
        resolve(m);
      }
    }, 100);
  });
  const [, killedRun, qemuPid] = started;
  // Let the boot get going (QEMU and its pidfile), then kill the owner without warning.
  await new Promise((r) => setTimeout(r, 3000));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.ok(pidStartTime(Number(qemuPid)) !== null, 'QEMU outlives its killed parent (what clean is for)');
  const r = await clean(killedRun);
  assert.equal(r.cleaned, [killedRun]);
  assert.is(pidStartTime(Number(qemuPid)), null, 'clean killed the journaled QEMU');
  assert.equal(processesOf(killedRun), []);
});

suite.run();
