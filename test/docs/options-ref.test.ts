/**
 * docs/options.md is generated from the scenarios' --help (scripts/gen-options.mjs): it must match
 * what the generator would write now, and the generator's parser must survive small changes of
 * wording in the help lines.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from './md-links.js';

const root = projectRoot();
const script = join(root, 'scripts/gen-options.mjs');
const gen = await import(pathToFileURL(script).href);

test('docs/options.md is up to date with the scenarios (gen-options --check)', () => {
  const r = spawnSync(process.execPath, [script, '--check'], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  assert.is(r.error, undefined, `gen-options could not run: ${r.error}`);
  if (r.status !== 0) assert.unreachable(`${r.stderr.trim() || r.stdout.trim()} (exit ${r.status ?? r.signal})`);
  assert.match(r.stdout, /up to date \(\d+ scenarios\)/);
});

test('--check names the scenario whose section is stale, missing or orphaned', () => {
  const wanted = {
    sections: new Map([
      ['a.mjs', '## a.mjs\n\nA.\n\n| option | default | what it does / choices |\n|---|---|---|\n| `--x` | `1` | x |\n'],
      ['b.mjs', '## b.mjs\n\nB.\n'],
    ]),
    text: '',
  };
  wanted.text = `# head\n\n${[...wanted.sections.values()].join('\n')}`;
  assert.equal(gen.staleness(wanted.text, wanted), []);
  const changed = wanted.text.replace('| `1` |', '| `2` |');
  assert.equal(gen.staleness(changed, wanted), ["section 'a.mjs' is stale (the scenario's --help changed)"]);
  const extra = `${wanted.text}\n## c.mjs\n\nC.\n`;
  assert.equal(gen.staleness(extra, wanted), ["section 'c.mjs' has no scenario (scenarios/c.mjs is gone)"]);
  const missing = wanted.text.slice(0, wanted.text.indexOf('## b.mjs'));
  assert.equal(gen.staleness(missing, wanted), ["section 'b.mjs' is missing"]);
});

test('the --help parser: description, defaults, choices, parentheses in the help, continuation lines', () => {
  const out = [
    'Demo: one line of what it does.',
    '',
    'Usage: npx zx scenarios/demo.mjs [options]',
    '',
    'Options:',
    '  --virt          node type (the report used LXC; see README) (default: lxc; one of lxc, docker, netns)',
    '  --resume        continue here (default: )',
    '  --wan-rate      L2VPN rate [default: 1Gbit]',
    '  --sizes=<list>  sizes to sweep (defaults to 3,6; choices: 3, 6, 12)',
    '  --long          a help text that goes on',
    '                  on the next line (default: 5)',
    '  --dry-run       print the plan and create nothing',
    '',
  ].join('\n');
  const p = gen.parseHelp(out);
  assert.is(p.description, 'Demo: one line of what it does.');
  assert.equal(p.options, [
    { name: 'virt', help: 'node type (the report used LXC; see README)', default: 'lxc', choices: ['lxc', 'docker', 'netns'] },
    { name: 'resume', help: 'continue here', default: '', choices: null },
    { name: 'wan-rate', help: 'L2VPN rate', default: '1Gbit', choices: null },
    { name: 'sizes', help: 'sizes to sweep', default: '3,6', choices: ['3', '6', '12'] },
    { name: 'long', help: 'a help text that goes on on the next line', default: '5', choices: null },
    { name: 'dry-run', help: 'print the plan and create nothing', default: null, choices: null },
  ]);
  const md = gen.section('demo.mjs', p);
  assert.match(md, /^## demo\.mjs\n\nDemo: one line of what it does\.\n/);
  assert.match(md, /\| `--virt` \| `lxc` \| node type \(the report used LXC; see README\)\. Choices: `lxc`, `docker`, `netns` \|/);
  assert.match(md, /\| `--resume` \| \(empty\) \| continue here \|/);
});

test.run();
