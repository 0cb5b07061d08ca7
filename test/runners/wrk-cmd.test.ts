import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { wrkArgs, wrkDeadlineS } from '../../runners/wrk-cmd.js';
import { ConfigError } from '../../infra/units.js';

const base = { url: 'http://127.0.0.1:18080/file-1024.bin', threads: 1, connections: 4, durationS: 2 };

test('the fixture capture commands (test/fixtures/wrk)', () => {
  assert.is(wrkArgs(base).join(' '), 'wrk -t 1 -c 4 -d 2s --timeout 2s --latency http://127.0.0.1:18080/file-1024.bin');
  assert.is(
    wrkArgs({ ...base, url: 'http://127.0.0.1:18083/', durationS: 2, timeoutS: 1 }).join(' '),
    'wrk -t 1 -c 4 -d 2s --timeout 1s --latency http://127.0.0.1:18083/',
  );
  assert.equal(wrkArgs({ ...base, threads: 2, connections: 8, latency: false }), [
    'wrk',
    '-t',
    '2',
    '-c',
    '8',
    '-d',
    '2s',
    '--timeout',
    '2s',
    'http://127.0.0.1:18080/file-1024.bin',
  ]);
  assert.is(wrkArgs({ ...base, url: 'http://[fd00::2]:80/x' }).at(-1), 'http://[fd00::2]:80/x');
});

const rejects = (o: object, field: string, expected: RegExp) => {
  try {
    wrkArgs({ ...base, ...o });
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.is((e as ConfigError).field, field);
    assert.match((e as Error).message, expected);
    return;
  }
  assert.unreachable(`accepted ${JSON.stringify(o)}`);
};

test('bad options -> ConfigError naming the field and what was expected', () => {
  rejects({ threads: 4, connections: 2 }, 'wrk.connections', /at least as many connections as threads \(4\), got 2/);
  rejects({ threads: 0 }, 'wrk.threads', /whole number from 1/);
  rejects({ connections: 1.5 }, 'wrk.connections', /got 1.5/);
  rejects({ durationS: 0.5 }, 'wrk.durationS', /seconds, a whole number from 1/);
  rejects({ timeoutS: 0 }, 'wrk.timeoutS', /seconds/);
  rejects({ url: 'http://a b/' }, 'wrk.url', /http:\/\/ URL/);
  rejects({ url: '-c 9 http://x/' }, 'wrk.url', /http:\/\/ URL/);
  rejects({ url: 'ftp://x/' }, 'wrk.url', /http:\/\/ URL/);
  rejects({ url: 'http://user:pw@x/' }, 'wrk.url', /http:\/\/ URL/);
});

test('deadline covers duration + timeout + margin', () => {
  assert.is(wrkDeadlineS({ durationS: 2, timeoutS: 1 }), 13);
  assert.ok(wrkDeadlineS({ durationS: 30 }) > 32);
});

test.run();
