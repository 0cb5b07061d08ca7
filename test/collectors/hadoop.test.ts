/** Hadoop console parsers on real captured output (test/fixtures/hadoop/README.md says where each came from). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  counter,
  JOB_STARTING,
  jobProgress,
  jobProgressText,
  parseDfsadminReport,
  parseJmxNumber,
  parseJobLog,
  parseValidateReport,
  parseRmNodes,
  parseYarnNodeList,
  reruns,
  summarizeJob,
  taskAttempts,
} from '../../collectors/hadoop.js';
import { fixture } from '../helpers/fixtures.js';

test('teragen (CDH 5.10 / Hadoop 2.6): job id, success, all counters, TeraGen checksum in hex', () => {
  const log = parseJobLog(fixture('hadoop/teragen-cdh5.10.log'));
  assert.is(log.jobId, 'job_1489509798627_0005');
  assert.is(log.state, 'succeeded');
  assert.is(log.reason, undefined);
  assert.is(log.counterCount, 31);
  assert.is(
    [...log.counters.values()].reduce((a, g) => a + g.size, 0),
    31,
  ); // every counter Hadoop announced
  assert.equal(
    [...log.counters.keys()],
    [
      'File System Counters',
      'Job Counters',
      'Map-Reduce Framework',
      'org.apache.hadoop.examples.terasort.TeraGen$Counters',
      'File Input Format Counters',
      'File Output Format Counters',
    ],
  );
  assert.is(counter(log, 'Job Counters', 'Total megabyte-seconds taken by all map tasks'), 216725504n);
  assert.is(log.logSeconds, 116); // 13:29:12 Running job -> 13:31:08 completed
  const s = summarizeJob(log);
  assert.is(s.hdfsBytesWritten, 6553600000);
  assert.is(s.mapOutputRecords, 65536000);
  assert.is(s.launchedMaps, 2);
  assert.is(s.launchedReduces, undefined); // teragen has no reducers: absent, not 0
  assert.is(s.reduceShuffleBytes, undefined);
  assert.is(s.teragenChecksum, 140750829423462787n.toString(16));
});

test('terasort (CDH 5.10): shuffle bytes, reduce counts, counters "Shuffled Maps =3136" with a space', () => {
  const log = parseJobLog(fixture('hadoop/terasort-cdh5.10.log'));
  assert.is(log.jobId, 'job_1489509798627_0007');
  assert.is(log.state, 'succeeded');
  assert.is(log.counterCount, 49);
  assert.is(
    [...log.counters.values()].reduce((a, g) => a + g.size, 0),
    49,
  );
  assert.is(counter(log, 'Map-Reduce Framework', 'Shuffled Maps'), 3136n);
  assert.is(counter(log, 'Shuffle Errors', 'WRONG_REDUCE'), 0n);
  const s = summarizeJob(log);
  assert.is(s.reduceShuffleBytes, 2843137011);
  assert.is(s.launchedReduces, 8);
  assert.is(s.reduceOutputRecords, 65536000);
  assert.is(s.cpuMs, 1484830);
  assert.is(s.teragenChecksum, undefined);
  assert.is(log.logSeconds, 465); // 13:44:13 -> 13:51:58
});

test('Hadoop 3.2.1 counters (tab-indented, erasure-coded and peak-memory counters)', () => {
  const log = parseJobLog(fixture('hadoop/teragen-counters-h3.2.1.log'));
  assert.is(log.state, 'unknown'); // the capture holds only the counters block
  assert.is(log.counterCount, 34);
  assert.is(
    [...log.counters.values()].reduce((a, g) => a + g.size, 0),
    34,
  );
  assert.is(counter(log, 'File System Counters', 'HDFS: Number of bytes read erasure-coded'), 0n);
  assert.is(counter(log, 'Map-Reduce Framework', 'Peak Map Virtual memory (bytes)'), 2672865280n);
  assert.is(summarizeJob(log).hdfsBytesWritten, 1000000000);
  assert.is(summarizeJob(log).teragenChecksum, 21472776955442690n.toString(16));
});

test('failed job (Hadoop 3.1.2): state, reason with the line that follows, counters of a failed job', () => {
  const log = parseJobLog(fixture('hadoop/job-failed-h3.1.2.log'));
  assert.is(log.jobId, 'job_1567394951806_0001');
  assert.is(log.state, 'failed');
  assert.is(log.reason, 'Task failed task_1567394951806_0001_m_000000 Job failed as tasks failed. failedMaps:1 failedReduces:0 killedMaps:0 killedReduces: 0');
  assert.is(log.counterCount, 12);
  const s = summarizeJob(log);
  assert.is(s.failedMaps, 4);
  assert.is(s.launchedMaps, 4);
  assert.is(s.hdfsBytesWritten, undefined);
  assert.is(log.logSeconds, undefined); // no "Running job" line in the capture
});

test('teravalidate job (blog capture, each line indented by the author): success and 1 report record', () => {
  const log = parseJobLog(fixture('hadoop/teravalidate-cdh5.2.log'));
  assert.is(log.jobId, 'job_1420542591388_0107');
  assert.is(log.state, 'succeeded');
  assert.is(log.counterCount, 50);
  assert.is(summarizeJob(log).reduceOutputRecords, 1);
  assert.is(summarizeJob(log).hdfsBytesWritten, 25); // "checksum\t2fafbaf537afd49\n" is 25 bytes
});

test('the TeraGen counter and the TeraValidate checksum of the same 1e8-row run agree', () => {
  const gen = summarizeJob(parseJobLog(fixture('hadoop/teragen-cdh5.2.log')));
  const rep = parseValidateReport(fixture('hadoop/teravalidate-report-ok.txt'));
  assert.is(gen.mapOutputRecords, 100000000);
  assert.is(rep.valid, true);
  assert.is(rep.checksum, '2fafbaf537afd49');
  assert.is(gen.teragenChecksum, rep.checksum);
  assert.equal(rep.errors, []);
});

test('validate report: misorder lines (0.20 format) make it invalid, with the reason', () => {
  const rep = parseValidateReport(fixture('hadoop/teravalidate-report-misorder-0.20.txt'));
  assert.is(rep.valid, false);
  assert.is(rep.checksum, undefined);
  assert.is(rep.errors.length, 3);
  assert.is(rep.errors[0], "misorder in part-00000 last: '7HSifVqk)-' current: '7HL.k5qzBZ'");
  assert.match(rep.reason ?? '', /^misorder in part-00000 .*; misordered keys last: part-00000:end/);
});

test('validate report: error lines next to a checksum (2.x/3.x format) and an empty report are invalid', () => {
  const ok = fixture('hadoop/teravalidate-report-ok.txt');
  const mixed = parseValidateReport(ok + 'error\tmisorder in part-r-00000 between 0a0b and 0a0a\n');
  assert.is(mixed.valid, false);
  assert.is(mixed.checksum, '2fafbaf537afd49');
  assert.equal(mixed.errors, ['misorder in part-r-00000 between 0a0b and 0a0a']);
  const empty = parseValidateReport('');
  assert.is(empty.valid, false);
  assert.is(empty.reason, 'the TeraValidate report has no checksum line');
});

test('hdfs dfsadmin -report (Hadoop 3.2.0): 2 live DataNodes with addresses', () => {
  const r = parseDfsadminReport(fixture('hadoop/dfsadmin-report-h3.2.0.txt'));
  assert.is(r.live, 2);
  assert.is(r.dead, undefined);
  assert.equal(r.datanodes, [
    { address: '172.17.0.3:9866', hostname: 'worker-1' },
    { address: '172.17.0.4:9866', hostname: 'worker-2' },
  ]);
  assert.is(parseDfsadminReport('report: Access denied for user x\n').live, undefined);
});

test('yarn node -list (Hadoop 3.2.0): 2 RUNNING NodeManagers and their containers', () => {
  const r = parseYarnNodeList(fixture('hadoop/yarn-node-list-h3.2.0.txt'));
  assert.is(r.total, 2);
  assert.is(r.running, 2);
  assert.equal(
    r.nodes.map((n) => [n.id, n.state, n.containers]),
    [
      ['worker-1:41987', 'RUNNING', 1],
      ['worker-2:35023', 'RUNNING', 2],
    ],
  );
  const lost = fixture('hadoop/yarn-node-list-h3.2.0.txt').replace(/ RUNNING\t {4}worker-2/, '    LOST\t    worker-2');
  assert.is(parseYarnNodeList(lost).running, 1);
});

test('task attempts from Job Counters: absent failed/killed counters are 0 in a printed group; no group, no attempts', () => {
  // A clean terasort here (Hadoop 3.5.0): 4 + 4 launched, nothing failed or killed (no such lines in the group).
  const clean = taskAttempts(parseJobLog(fixture('hadoop/terasort-h3.5.0-lab.log')))!;
  assert.equal(clean, { mapsLaunched: 4, mapsFailed: 0, mapsKilled: 0, reducesLaunched: 4, reducesFailed: 0, reducesKilled: 0 });
  assert.is(reruns(clean), 0);
  // TeraGen here before speculation was switched off: a speculative copy killed (map-only: no reduce lines).
  const gen = taskAttempts(parseJobLog(fixture('hadoop/teragen-h3.5.0-lab.log')))!;
  assert.equal(gen, { mapsLaunched: 5, mapsFailed: 0, mapsKilled: 1, reducesLaunched: 0, reducesFailed: 0, reducesKilled: 0 });
  assert.is(reruns(gen), 1);
  // A failed job (Hadoop 3.1.2): its counters as the client printed them.
  const bad = taskAttempts(parseJobLog(fixture('hadoop/job-failed-h3.1.2.log')))!;
  assert.equal(bad, { mapsLaunched: 4, mapsFailed: 4, mapsKilled: 0, reducesLaunched: 0, reducesFailed: 0, reducesKilled: 1 });
  assert.is(summarizeJob(parseJobLog(fixture('hadoop/job-failed-h3.1.2.log'))).killedReduces, 1);
  // Only the counters block of 3.2.1 was published: it has its Job Counters group.
  assert.ok(taskAttempts(parseJobLog(fixture('hadoop/teragen-counters-h3.2.1.log'))));
  assert.is(taskAttempts(parseJobLog('Exception in thread "main" java.io.IOException: no\n')), undefined);
});

test('terasort with a worker killed mid-job (Hadoop 3.5.0 in the lab, engine test): the job completed, 1 map and 1 reduce attempt killed and re-run', () => {
  const log = parseJobLog(fixture('hadoop/terasort-lost-worker-h3.5.0-lab.log'));
  assert.is(log.state, 'succeeded');
  assert.is(log.jobId, 'job_1796615679007_0002');
  const a = taskAttempts(log)!;
  assert.equal(a, { mapsLaunched: 5, mapsFailed: 0, mapsKilled: 1, reducesLaunched: 5, reducesFailed: 0, reducesKilled: 1 });
  assert.is(reruns(a), 2);
  assert.is(summarizeJob(log).reduceOutputRecords, 100000);
});

test('LOST NodeManagers (Hadoop 3.5.0 in the lab): REST list and `yarn node -list -states LOST`, with one and with none', () => {
  assert.equal(parseRmNodes(fixture('hadoop/rm-nodes-lost-h3.5.0-lab.json')), [{ id: '10.200.0.2:35159', host: '10.200.0.2', state: 'LOST' }]);
  assert.equal(parseRmNodes(fixture('hadoop/rm-nodes-lost-none-h3.5.0-lab.json')), []); // {"nodes":{}}
  assert.equal(parseRmNodes('{"nodes":null}'), []);
  const lost = parseYarnNodeList(fixture('hadoop/yarn-node-list-lost-h3.5.0-lab.txt'));
  assert.is(lost.total, 1);
  assert.equal(lost.nodes, [{ id: '10.200.0.2:35159', state: 'LOST', httpAddress: '10.200.0.2:8042', containers: 0 }]);
  assert.is(lost.running, 0);
  const none = parseYarnNodeList(fixture('hadoop/yarn-node-list-lost-none-h3.5.0-lab.txt'));
  assert.is(none.total, 0);
  assert.equal(none.nodes, []);
});

test('ResourceManager REST node list: not that document gives nothing', () => {
  assert.is(parseRmNodes('<html>Error 404</html>'), undefined);
  assert.is(parseRmNodes('{"apps":null}'), undefined);
  assert.is(parseRmNodes(''), undefined);
});

test('output that is not a job log: unknown state, the exception kept as an error, no counters', () => {
  const log = parseJobLog('Exception in thread "main" org.apache.hadoop.mapred.FileAlreadyExistsException: Output directory hdfs://m:9000/x already exists\n');
  assert.is(log.state, 'unknown');
  assert.is(log.counters.size, 0);
  assert.match(log.errors[0], /FileAlreadyExistsException/);
});

test('teragen (Hadoop 3.5.0 installed by setup, on this lab: 2 sites x 2 netns nodes): ISO timestamps, counters, checksum', () => {
  const log = parseJobLog(fixture('hadoop/teragen-h3.5.0-lab.log'));
  assert.is(log.jobId, 'job_1796092752784_0001');
  assert.is(log.state, 'succeeded');
  assert.is(log.counterCount, 35);
  assert.is(
    [...log.counters.values()].reduce((a, g) => a + g.size, 0),
    35,
  );
  assert.is(log.logSeconds, 230.652); // 02:40:04,902 Running job -> 02:43:55,554 completed (a heavily loaded machine)
  assert.equal(log.errors, []);
  const s = summarizeJob(log);
  assert.is(s.mapOutputRecords, 100000);
  assert.is(s.hdfsBytesWritten, 10000000);
  assert.is(s.spilledRecords, 0); // TeraGen is map-only: nothing spilled
  // 4 maps asked for, 5 launched: one speculative copy, killed (why the engine now turns speculation off).
  assert.is(s.launchedMaps, 5);
  assert.is(counter(log, 'Job Counters', 'Killed map tasks'), 1n);
  assert.is(s.teragenChecksum, 214574985129000n.toString(16));
});

test('terasort (Hadoop 3.5.0 in the lab, engine test, spanning 2 x 2 nodes): counters the engine turns into rows', () => {
  const log = parseJobLog(fixture('hadoop/terasort-h3.5.0-lab.log'));
  assert.is(log.jobId, 'job_1796096479221_0002');
  assert.is(log.state, 'succeeded');
  const s = summarizeJob(log);
  assert.is(s.launchedMaps, 4);
  assert.is(s.launchedReduces, 4);
  assert.is(s.reduceShuffleBytes, 10400096); // 100,000 records of 100 B plus 4 B of framing each
  assert.is(s.spilledRecords, 200000); // each record spilled once by its map and once by its reduce
  assert.is(s.reduceOutputRecords, 100000);
});

test('JMX over HTTP (Hadoop 3.5.0 in the lab): live DataNodes and active NodeManagers; a bean not registered yet or an error page gives nothing', () => {
  assert.is(parseJmxNumber(fixture('hadoop/jmx-namenode-state-h3.5.0-lab.json'), 'NumLiveDataNodes'), 4);
  assert.is(parseJmxNumber(fixture('hadoop/jmx-rm-cluster-metrics-h3.5.0-lab.json'), 'NumActiveNMs'), 4);
  assert.is(parseJmxNumber(fixture('hadoop/jmx-rm-cluster-metrics-h3.5.0-lab.json'), 'NumLiveDataNodes'), undefined);
  // What the NameNode answered while still starting (captured the same way, a minute earlier).
  assert.is(parseJmxNumber('{\n  "beans" : [ ]\n}', 'NumLiveDataNodes'), undefined);
  assert.is(parseJmxNumber('<html>Error 500</html>', 'NumLiveDataNodes'), undefined);
});

test('job progress folded line by line as the client log streams (terasort, Hadoop 3.5.0 here): each change once, in order', () => {
  let state = JOB_STARTING;
  const texts = [jobProgressText(state)];
  for (const line of fixture('hadoop/terasort-h3.5.0-lab.log').split('\n')) {
    const next = jobProgress(state, line);
    if (next !== state) texts.push(jobProgressText((state = next)));
  }
  assert.equal(texts, [
    'preparing the job (client JVM, input splits)',
    'preparing the job: 4 input splits',
    'job_1796096479221_0002 submitted, waiting for YARN to start its ApplicationMaster',
    'job_1796096479221_0002 map 0% reduce 0%', // "running in uber mode : false"
    'job_1796096479221_0002 map 0% reduce 0%',
    'job_1796096479221_0002 map 25% reduce 0%',
    'job_1796096479221_0002 map 75% reduce 0%',
    'job_1796096479221_0002 map 100% reduce 0%',
    'job_1796096479221_0002 map 100% reduce 33%',
    'job_1796096479221_0002 map 100% reduce 42%',
    'job_1796096479221_0002 map 100% reduce 50%',
    'job_1796096479221_0002 map 100% reduce 75%',
    'job_1796096479221_0002 map 100% reduce 100%',
    'job_1796096479221_0002 completed, client printing its counters',
  ]);
  // The 2.x client (CDH 5.10) and a failed 3.1.2 job end the same way.
  const last = (name: string) => fixture(name).split('\n').reduce(jobProgress, JOB_STARTING);
  assert.equal(last('hadoop/teragen-cdh5.10.log').step, 'succeeded');
  assert.is(jobProgressText(last('hadoop/job-failed-h3.1.2.log')), 'job_1567394951806_0001 failed');
  assert.is(jobProgress(state, 'not a log line'), state);
});

test.run();
