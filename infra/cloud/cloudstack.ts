/**
 * A client of the Apache CloudStack API: signed GET requests (parameters sorted by name, URL-encoded,
 * the whole query lower-cased, HMAC-SHA1 with the secret key, base64), asynchronous jobs polled
 * through queryAsyncJobResult (bounded), and the VM life cycle the cloud provider needs:
 * deployVirtualMachine, createTags, listVirtualMachines (by tag), destroyVirtualMachine (expunged).
 * No CloudStack server could be had on this machine: the client is tested on signing vectors
 * (one published, others computed with openssl) and against a small local HTTP server in the test
 * that checks every signature (docs/clouds.md).
 */
import { createHmac } from 'node:crypto';
import type { Journal } from '../journal.js';
import { readSecret } from './inventory.js';
import type { SecretRef } from './types.js';

export interface CloudStackApi {
  endpoint: string;
  credentials: Record<string, SecretRef>;
}

declare module '../journal.js' {
  interface JournalKinds {
    /** A CloudStack VM, journaled before deployVirtualMachine (its name carries the run id), then with its id. */
    cloudstack: { site: string; api: CloudStackApi; what: 'vm'; name: string; id?: string };
  }
}

/** Percent-encoding as CloudStack's reference clients do (RFC 3986: space as %20, never +). */
const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);

/** The query to send (sorted, encoded) and its signature over the lower-cased query. */
export function signQuery(params: Record<string, string>, secret: string): { query: string; signature: string } {
  const query = Object.keys(params)
    .sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0))
    .map((k) => `${enc(k)}=${enc(params[k])}`)
    .join('&');
  const signature = createHmac('sha1', secret).update(query.toLowerCase()).digest('base64');
  return { query, signature };
}

export class CloudStackError extends Error {
  constructor(
    readonly command: string,
    readonly errorCode: number | null,
    text: string,
  ) {
    super(`cloudstack ${command}: ${errorCode === null ? '' : `error ${errorCode}: `}${text}`);
    this.name = 'CloudStackError';
  }
}

type Json = Record<string, unknown>;

export interface CloudStackVm {
  id: string;
  name: string;
  state: string;
  ip: string | null;
}

const vmOf = (v: Json): CloudStackVm => {
  const nics = (v.nic as Json[] | undefined) ?? [];
  return { id: String(v.id), name: String(v.name ?? ''), state: String(v.state ?? ''), ip: nics.length ? String(nics[0].ipaddress ?? '') || null : null };
};

export class CloudStackClient {
  constructor(
    readonly api: CloudStackApi,
    private o: { pollMs?: number; jobTimeoutMs?: number; fetch?: typeof fetch } = {},
  ) {}

  /** One signed API call; returns the `<command>response` object. */
  async call(command: string, params: Record<string, string> = {}): Promise<Json> {
    const apiKey = readSecret(this.api.credentials.apiKey, 'cloudstack credentials.apiKey');
    const secret = readSecret(this.api.credentials.secretKey, 'cloudstack credentials.secretKey');
    const { query, signature } = signQuery({ ...params, command, apiKey, response: 'json' }, secret);
    const url = `${this.api.endpoint}?${query}&signature=${enc(signature)}`;
    const res = await (this.o.fetch ?? fetch)(url, { signal: AbortSignal.timeout(60_000) });
    const text = await res.text();
    let body: Json;
    try {
      body = JSON.parse(text) as Json;
    } catch {
      throw new CloudStackError(command, res.status, `not JSON (HTTP ${res.status}): ${text.slice(0, 200)}`);
    }
    const r = (body[`${command.toLowerCase()}response`] ?? body.errorresponse ?? Object.values(body)[0]) as Json | undefined;
    if (!r) throw new CloudStackError(command, res.status, 'empty response');
    if (!res.ok || r.errorcode !== undefined)
      throw new CloudStackError(command, Number(r.errorcode ?? res.status), String(r.errortext ?? `HTTP ${res.status}`));
    return r;
  }

  /** An asynchronous command: its job polled until it ends (bounded); returns the job's result. */
  async callAsync(command: string, params: Record<string, string> = {}): Promise<Json> {
    const r = await this.call(command, params);
    const jobid = r.jobid;
    if (typeof jobid !== 'string') throw new CloudStackError(command, null, 'no jobid in the response of an asynchronous command');
    return this.waitJob(command, jobid);
  }

  async waitJob(command: string, jobid: string): Promise<Json> {
    const t0 = Date.now();
    const timeout = this.o.jobTimeoutMs ?? 600_000;
    for (;;) {
      const j = await this.call('queryAsyncJobResult', { jobid });
      const status = Number(j.jobstatus);
      if (status === 1) return (j.jobresult as Json) ?? {};
      if (status === 2) {
        const jr = (j.jobresult as Json) ?? {};
        throw new CloudStackError(command, Number(jr.errorcode ?? j.jobresultcode ?? 0), `job ${jobid} failed: ${String(jr.errortext ?? 'no text')}`);
      }
      if (Date.now() - t0 > timeout) throw new CloudStackError(command, null, `job ${jobid} still pending after ${Math.round(timeout / 1000)} s`);
      await new Promise((res) => setTimeout(res, this.o.pollMs ?? 2000));
    }
  }

  /** Deploys one VM named `name` (journaled first), then tags it with the run id. */
  async deployVm(o: {
    journal: Journal;
    site: string;
    runId: string;
    name: string;
    zoneId: string;
    templateId: string;
    serviceOfferingId: string;
    userData: string;
  }): Promise<CloudStackVm> {
    o.journal.record({ kind: 'cloudstack', site: o.site, api: this.api, what: 'vm', name: o.name });
    const jr = await this.callAsync('deployVirtualMachine', {
      zoneid: o.zoneId,
      templateid: o.templateId,
      serviceofferingid: o.serviceOfferingId,
      name: o.name,
      displayname: o.name,
      userdata: Buffer.from(o.userData).toString('base64'),
    });
    const vm = vmOf((jr.virtualmachine as Json) ?? {});
    o.journal.record({ kind: 'cloudstack', site: o.site, api: this.api, what: 'vm', name: o.name, id: vm.id });
    await this.callAsync('createTags', {
      resourcetype: 'UserVm',
      'resourceids': vm.id,
      'tags[0].key': 'icbench:run',
      'tags[0].value': o.runId,
      'tags[1].key': 'icbench:site',
      'tags[1].value': o.site,
    });
    return vm;
  }

  /** VMs carrying the run's tag (all pages). */
  async listRunVms(runId: string): Promise<CloudStackVm[]> {
    const out: CloudStackVm[] = [];
    for (let page = 1; ; page++) {
      const r = await this.call('listVirtualMachines', {
        'tags[0].key': 'icbench:run',
        'tags[0].value': runId,
        listall: 'true',
        page: String(page),
        pagesize: '500',
      });
      const vms = ((r.virtualmachine as Json[] | undefined) ?? []).map(vmOf);
      out.push(...vms);
      if (vms.length < 500) return out;
    }
  }

  /** Destroys and expunges a VM; a VM already gone counts as done. */
  async destroyVm(id: string): Promise<void> {
    try {
      await this.callAsync('destroyVirtualMachine', { id, expunge: 'true' });
    } catch (e) {
      if (e instanceof CloudStackError && e.errorCode === 431 && /does not exist|unable to find|not found/i.test(e.message)) return;
      throw e;
    }
  }
}
