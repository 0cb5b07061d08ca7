/**
 * The CloudStack client (infra/cloud/cloudstack.ts). No CloudStack server could be had here: the
 * signing is checked on a published vector and on vectors computed with `openssl dgst -sha1 -hmac
 * <secret> -binary | base64` over the lower-cased sorted query; the life cycle (deploy with async
 * job polling, tags, list by tag, destroy, clean after a lost controller) runs against a small
 * HTTP server in this test that accepts only correctly signed requests and keeps VMs in memory.
 * It checks the client's side of the documented interface, not CloudStack's behaviour.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudStackClient, CloudStackError, signQuery } from '../../../infra/cloud/cloudstack.js';
import { cleanCloudStack } from '../../../infra/cloud/cloudstack-clean.js';
import { Journal } from '../../../infra/journal.js';
import { newRunId } from '../../../infra/run-id.js';
import { useStateDir } from '../../helpers/lab.js';

useStateDir(test);

test('signature: the published vector (apikey=foo&command=listzones, secret bar)', () => {
  assert.is(signQuery({ command: 'listZones', apikey: 'foo' }, 'bar').signature, 'vRCL4rttwUS7s3a3m53Py1iHaAw=');
});

test('signature: vectors computed with openssl (sorted, encoded, lower-cased; brackets and spaces encoded)', () => {
  // printf %s 'apikey=mykey&command=deployvirtualmachine&response=json&serviceofferingid=so-1&templateid=tpl%201&zoneid=z1' | openssl dgst -sha1 -hmac s3cr3t -binary | base64
  const a = signQuery(
    { command: 'deployVirtualMachine', zoneid: 'z1', templateid: 'tpl 1', serviceofferingid: 'so-1', apikey: 'mykey', response: 'json' },
    's3cr3t',
  );
  assert.is(a.query, 'apikey=mykey&command=deployVirtualMachine&response=json&serviceofferingid=so-1&templateid=tpl%201&zoneid=z1');
  assert.is(a.signature, 'zvFTOFevukMd9DouHd0fnRB5dNc=');
  // printf %s 'apikey=k&command=listvirtualmachines&response=json&tags%5b0%5d.key=icbench%3arun&tags%5b0%5d.value=20261207-000000-abcd' | openssl dgst -sha1 -hmac sec -binary | base64
  const b = signQuery(
    { 'tags[0].value': '20261207-000000-abcd', 'tags[0].key': 'icbench:run', command: 'listVirtualMachines', response: 'json', apikey: 'k' },
    'sec',
  );
  assert.is(b.signature, 'Tb3RkRvUo68+kHHhe7l2CybrFSc=');
  assert.is.not(signQuery({ command: 'listZones', apikey: 'foo' }, 'baz').signature, 'vRCL4rttwUS7s3a3m53Py1iHaAw=');
});

/** A CloudStack-shaped API: checks each signature the way the server does, async jobs finish after two polls. */
function fakeCloudStack(
  secret: string,
): Promise<{ server: Server; url: string; vms: Map<string, { name: string; tags: Record<string, string>; state: string }>; badSignatures: number }> {
  const vms = new Map<string, { name: string; tags: Record<string, string>; state: string }>();
  const jobs = new Map<string, { polls: number; result: Record<string, unknown> }>();
  const st = { badSignatures: 0 };
  let n = 0;
  const server = createServer((req, res) => {
    const u = new URL(req.url!, 'http://x');
    const sig = u.searchParams.get('signature');
    const params = [...u.searchParams.entries()].filter(([k]) => k !== 'signature');
    const q = params
      .map(([k, v]) => [k, v] as const)
      .sort(([a], [b]) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1))
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&')
      .toLowerCase();
    const p = Object.fromEntries(params);
    const cmd = String(p.command).toLowerCase();
    const send = (code: number, body: Record<string, unknown>) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ [`${cmd}response`]: body }));
    };
    if (createHmac('sha1', secret).update(q).digest('base64') !== sig) {
      st.badSignatures++;
      return send(401, { errorcode: 401, errortext: 'unable to verify user credentials and/or request signature' });
    }
    const job = (result: Record<string, unknown>) => {
      const id = `job-${++n}`;
      jobs.set(id, { polls: 0, result });
      return send(200, { jobid: id });
    };
    switch (cmd) {
      case 'deployvirtualmachine': {
        const id = `vm-${++n}`;
        vms.set(id, { name: p.name, tags: {}, state: 'Running' });
        return job({ virtualmachine: { id, name: p.name, state: 'Running', nic: [{ ipaddress: `10.1.1.${n}` }] } });
      }
      case 'createtags': {
        const vm = vms.get(p.resourceids);
        for (let i = 0; p[`tags[${i}].key`]; i++) vm!.tags[p[`tags[${i}].key`]] = p[`tags[${i}].value`];
        return job({ success: true });
      }
      case 'listvirtualmachines': {
        const list = [...vms.entries()]
          .filter(([, v]) => v.tags[p['tags[0].key']] === p['tags[0].value'])
          .map(([id, v]) => ({ id, name: v.name, state: v.state }));
        return send(200, list.length ? { count: list.length, virtualmachine: list } : {});
      }
      case 'destroyvirtualmachine': {
        if (!vms.has(p.id)) return send(431, { errorcode: 431, cserrorcode: 4350, errortext: `Unable to find virtual machine with id ${p.id}` });
        vms.delete(p.id);
        return job({ virtualmachine: { id: p.id, state: 'Destroyed' } });
      }
      case 'queryasyncjobresult': {
        const j = jobs.get(p.jobid)!;
        j.polls++;
        return send(200, j.polls < 2 ? { jobid: p.jobid, jobstatus: 0 } : { jobid: p.jobid, jobstatus: 1, jobresultcode: 0, jobresult: j.result });
      }
    }
    send(431, { errorcode: 431, errortext: `unknown command ${cmd}` });
  });
  return new Promise((res) =>
    server.listen(0, '127.0.0.1', () =>
      res({
        server,
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/client/api`,
        vms,
        get badSignatures() {
          return st.badSignatures;
        },
      }),
    ),
  );
}

test('deploy (journaled first, async job polled), tagged with the run, listed by tag, destroyed; clean after a lost controller finds the rest by tag', async () => {
  process.env.ICBENCH_TEST_CS_KEY = 'the-api-key';
  process.env.ICBENCH_TEST_CS_SECRET = 'the-secret';
  const cs = await fakeCloudStack('the-secret');
  try {
    const api = { endpoint: cs.url, credentials: { apiKey: { env: 'ICBENCH_TEST_CS_KEY' }, secretKey: { env: 'ICBENCH_TEST_CS_SECRET' } } };
    const c = new CloudStackClient(api, { pollMs: 10 });
    const runId = newRunId();
    const j = new Journal(runId);
    const common = { journal: j, site: 'cs', runId, zoneId: 'z1', templateId: 'tpl', serviceOfferingId: 'small', userData: '#cloud-config\n' };
    const a = await c.deployVm({ ...common, name: `icb-${runId}-cs-0` });
    const b = await c.deployVm({ ...common, name: `icb-${runId}-cs-1` });
    assert.equal(
      j.entries().map((e) => (e.kind === 'cloudstack' ? `${e.name}${e.id ? `=${e.id}` : ''}` : e.kind)),
      [`icb-${runId}-cs-0`, `icb-${runId}-cs-0=${a.id}`, `icb-${runId}-cs-1`, `icb-${runId}-cs-1=${b.id}`],
    );
    assert.equal(cs.vms.get(a.id)!.tags, { 'icbench:run': runId, 'icbench:site': 'cs' });
    assert.equal((await c.listRunVms(runId)).map((v) => v.id).sort(), [a.id, b.id].sort());
    assert.equal(await c.listRunVms('20000101-000000-0000'), []);
    await c.destroyVm(a.id);
    await c.destroyVm(a.id); // already gone: done, not an error
    assert.equal(
      (await c.listRunVms(runId)).map((v) => v.id),
      [b.id],
    );
    // The controller is lost: clean destroys what the journal and the tag name.
    assert.equal(await cleanCloudStack(runId, j.entries()), []);
    assert.is(cs.vms.size, 0);
    assert.is(cs.badSignatures, 0);
    // A wrong secret is refused by the server, and the error says so.
    process.env.ICBENCH_TEST_CS_SECRET = 'wrong';
    const err = await c.listRunVms(runId).catch((e) => e);
    assert.instance(err, CloudStackError);
    assert.match(err.message, /error 401: unable to verify/);
    assert.is(cs.badSignatures, 1);
  } finally {
    cs.server.closeAllConnections();
    cs.server.close();
  }
});

test.run();
