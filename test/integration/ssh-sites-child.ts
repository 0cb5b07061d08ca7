/**
 * Brings an isolated ssh-sites fixture up (2 sites x 1 host), prints "UP <lab run id> <fixture id>
 * <dir>" and waits to be killed (the kill -9 + clean test). Argument: the state dir.
 */
import { upSshSites } from '../../fixtures/ssh-sites.js';

const stateDir = process.argv[2];
if (!stateDir) throw new Error('usage: ssh-sites-child <state dir>');
const f = await upSshSites({
  sites: [
    { name: 'A', hosts: 1 },
    { name: 'B', hosts: 1 },
  ],
  wanRtt: '10ms',
  stateDir,
  isolated: true,
});
process.stdout.write(`UP ${f.runId} ${f.id} ${f.dir}\n`);
setTimeout(() => process.exit(3), 120_000);
