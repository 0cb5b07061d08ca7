import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpServerArgs, nginxConf, withPidFile, checkSizes } from '../../runners/http-server.js';
import { run } from '../../infra/exec.js';
import { ConfigError } from '../../infra/units.js';

test('nginx.conf keeps pid, logs and temp files in the server dir and listens on the node address only', () => {
  const c = nginxConf({ dir: '/w/nodes/n1/http-nginx', address: '10.77.0.3', port: 8080, workers: 2 });
  assert.match(c, 'daemon off;');
  assert.match(c, 'master_process on;');
  assert.match(c, 'worker_processes 2;');
  assert.match(c, 'listen 10.77.0.3:8080;');
  assert.match(c, 'pid /w/nodes/n1/http-nginx/nginx.pid;');
  assert.match(c, 'access_log off;');
  assert.match(c, 'root /w/nodes/n1/http-nginx/www;');
  for (const t of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) assert.match(c, `${t}_temp_path /w/nodes/n1/http-nginx/tmp/${t};`);
  assert.match(nginxConf({ dir: '/w', address: 'fd00::3', port: 80 }), 'listen [fd00::3]:80;');
  assert.match(nginxConf({ dir: '/w', address: '10.0.0.1', port: 80 }), 'worker_processes 1;');
});

test('argv: nginx with -c/-p/-e; busybox httpd in the foreground on ADDR:PORT; pid recorded without splicing values into the script', () => {
  assert.equal(httpServerArgs('nginx', '/d', '10.0.0.2', 8080), ['nginx', '-c', '/d/nginx.conf', '-p', '/d', '-e', '/d/error.log']);
  assert.equal(httpServerArgs('busybox', '/d', '10.0.0.2', 8080), ['busybox', 'httpd', '-f', '-p', '10.0.0.2:8080', '-h', '/d/www']);
  assert.equal(withPidFile('/d/x.pid', ['a', 'b c']), ['sh', '-c', 'echo $$ > "$0" && exec "$@"', '/d/x.pid', 'a', 'b c']);
});

test('bad input -> ConfigError naming the field', () => {
  const field = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      assert.instance(e, ConfigError);
      return (e as ConfigError).field;
    }
    return 'accepted';
  };
  assert.is(
    field(() => nginxConf({ dir: '/w', address: '10.0.0.1; evil', port: 80 })),
    'http.address',
  );
  assert.is(
    field(() => nginxConf({ dir: '/w x', address: '10.0.0.1', port: 80 })),
    'http.dir',
  );
  assert.is(
    field(() => nginxConf({ dir: '/w', address: '10.0.0.1', port: 80, workers: 0 })),
    'http.workers',
  );
  assert.is(
    field(() => httpServerArgs('busybox', '/d', '10.0.0.2', 70000)),
    'http.port',
  );
  assert.is(
    field(() => httpServerArgs('nginx', '/d', '10.0.0.2', 0)),
    'http.port',
  );
  assert.is(
    field(() => checkSizes([1024, 0], 'http.sizes')),
    'http.sizes[1]',
  );
  assert.is(
    field(() => checkSizes([], 'http.sizes')),
    'http.sizes',
  );
});

test('the real nginx accepts the generated configuration (nginx -t)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'icb-nginx-conf-'));
  try {
    for (const sub of ['www', 'tmp']) mkdirSync(join(dir, sub));
    writeFileSync(join(dir, 'nginx.conf'), nginxConf({ dir, address: '127.0.0.1', port: 18079 }));
    const r = await run(['nginx', '-t', ...httpServerArgs('nginx', dir, '127.0.0.1', 18079).slice(1)], { timeoutMs: 10000 });
    assert.ok(r.ok, r.stderr);
    assert.match(r.stderr, 'test is successful');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
