/**
 * A process that creates a run's EC2 resources against moto and then waits to be killed (the
 * kill -9 case of test/infra/cloud/ec2.test.ts): journal head, network, 4 instances, then
 * "launched" on stdout. Env: ICBENCH_STATE_DIR, RUN_ID, the site as JSON in SITE.
 */
import { Journal } from '../../infra/journal.js';
import { createEc2Network, ec2Client, launchEc2Instances, apiOf } from '../../infra/cloud/ec2.js';
import type { CloudSite } from '../../infra/cloud/types.js';

const runId = process.env.RUN_ID!;
const site = JSON.parse(process.env.SITE!) as CloudSite;
const j = new Journal(runId);
j.record({ kind: 'run', runId, scenario: 'ec2-kill', resultsDir: '/nonexistent', pid: process.pid, at: new Date().toISOString() });
const c = ec2Client(apiOf(site));
const net = await createEc2Network(c, { runId, site, journal: j, publicKey: process.env.PUBKEY!, overlayUdpPort: 45000 });
await launchEc2Instances(c, { runId, site, journal: j, net, userData: () => '#cloud-config\n' });
process.stdout.write('launched\n');
setInterval(() => {}, 1000);
