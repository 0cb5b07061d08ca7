/**
 * The schedule file: every bad field is refused with the file, the field path and what was
 * expected; cron with node-cron's validator, timezones with Intl; relative paths against the
 * file's directory; a misspelled scenario option fails the start-up check (the scenario's own
 * --dry-run), nothing run.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../../infra/units.js';
import { checkEntryParams } from '../../../session/nightly/check-params.js';
import { parseSchedule, parseScheduleDuration, scenarioArgs } from '../../../session/nightly/schedule.js';
import { fixturePath } from '../../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'icb-sched-'));
const tiny = fixturePath('nightly/tiny.mjs');
test.after(() => rmSync(dir, { recursive: true, force: true }));

const good = (over: Record<string, unknown> = {}) => ({ name: 'n1', cron: '0 2 * * *', timezone: 'Asia/Tokyo', scenario: tiny, deadline: '45m', ...over });
const yaml = (entries: unknown[], top = '') => `${top}entries:\n${entries.map((e) => `  - ${JSON.stringify(e)}`).join('\n')}\n`;

function refused(text: string, message: string | RegExp): void {
  try {
    parseSchedule(text, 'nightly.yaml', dir);
  } catch (e) {
    assert.instance(e, ConfigError);
    if (typeof message === 'string') assert.is((e as Error).message, message);
    else assert.match((e as Error).message, message);
    return;
  }
  assert.unreachable(`accepted: ${text}`);
}

test('a good entry: defaults, relative paths against the file, params as argv with --results last', () => {
  mkdirSync(join(dir, 'sc'), { recursive: true });
  writeFileSync(join(dir, 'sc', 'x.mjs'), '');
  const s = parseSchedule(
    `name: lab\nresults: out\nretention: { raw_days: 30 }\nentries:\n  - name: a\n    cron: "*/10 * * * * *"\n    scenario: sc/x.mjs\n    deadline: 2h\n    params: { benchmarks: [iperf3, ping], duration: 5, '--virt': netns }\n    on_regression: [/bin/echo, hi]\n`,
    'nightly.yaml',
    dir,
  );
  assert.is(s.name, 'lab');
  assert.is(s.results, join(dir, 'out'));
  assert.is(s.stateDir, join(dir, 'out', '.nightly', 'lab'));
  assert.is(s.retention.rawDays, 30);
  const e = s.entries[0];
  assert.is(e.scenario, join(dir, 'sc', 'x.mjs'));
  assert.is(e.deadlineMs, 7_200_000);
  assert.is(e.graceMs, 3_600_000);
  assert.is(e.stopGraceMs, 120_000);
  assert.is(e.missed, 'catch-up');
  assert.is(e.alert, 'confirmed');
  assert.is(e.timezone, Intl.DateTimeFormat().resolvedOptions().timeZone);
  assert.equal(e.onRegression, ['/bin/echo', 'hi']);
  assert.equal(scenarioArgs(e, '/r'), ['--benchmarks', 'iperf3,ping', '--duration', '5', '--virt', 'netns', '--results', '/r']);
});

test('bad fields name the file, the path and what was expected', () => {
  refused(
    yaml([good(), good({ name: 'n2', cron: '0 25 * * *' })]),
    /^nightly\.yaml: entries\[1\]\.cron: expected a cron expression .*hour.*, got "0 25 \* \* \*"$/,
  );
  refused(yaml([good({ cron: 'every night' })]), /^nightly\.yaml: entries\[0\]\.cron: expected a cron expression/);
  refused(
    yaml([good({ timezone: 'Mars/Olympus' })]),
    `nightly.yaml: entries[0].timezone: expected an IANA timezone such as 'UTC' or 'Asia/Tokyo', got "Mars/Olympus"`,
  );
  refused(
    yaml([good({ deadline: '45 minutes' })]),
    `nightly.yaml: entries[0].deadline: expected a duration such as '90s', '45m', '2h' or '1d', got "45 minutes"`,
  );
  refused(yaml([{ ...good(), deadline: undefined }]), /^nightly\.yaml: entries\[0\]\.deadline: expected a duration .*the hard limit of one run, got nothing$/);
  refused(yaml([good({ grace: -1 })]), /^nightly\.yaml: entries\[0\]\.grace: expected a duration/);
  refused(yaml([good({ missed: 'run-all' })]), `nightly.yaml: entries[0].missed: expected catch-up or skip, got "run-all"`);
  refused(yaml([good({ alert: 'always' })]), `nightly.yaml: entries[0].alert: expected confirmed or suspect, got "always"`);
  refused(yaml([good(), good()]), `nightly.yaml: entries[1].name: expected a name no other entry has, got "n1"`);
  refused(yaml([good({ name: 'a b' })]), /^nightly\.yaml: entries\[0\]\.name: expected a name of letters/);
  refused(yaml([good({ scenario: 'nope.mjs' })]), /^nightly\.yaml: entries\[0\]\.scenario: expected a readable scenario script, got "nope\.mjs \(ENOENT\)"$/);
  refused(
    yaml([good({ params: { results: '/tmp' } })]),
    /^nightly\.yaml: entries\[0\]\.params\.results: expected not this option \(the results directory is the schedule's top-level "results"\)/,
  );
  refused(yaml([good({ params: { duration: { a: 1 } } })]), /^nightly\.yaml: entries\[0\]\.params\.duration: expected a string, a number/);
  refused(
    yaml([good({ on_regression: 'notify --all' })]).replace('"notify --all"', '[]'),
    /^nightly\.yaml: entries\[0\]\.on_regression: expected a command as a list of arguments/,
  );
  refused(yaml([good({ deadlne: '1h' })]), /^nightly\.yaml: entries\[0\]\.deadlne: expected no such field \(fields: name, cron/);
  refused(yaml([good()], 'retention: { raw_days: 0 }\n'), `nightly.yaml: retention.raw_days: expected a whole number of days, 1 or more, got 0`);
  refused('entries: []\n', 'nightly.yaml: entries: expected a list of one or more entries, got []');
  refused('entries: [\n', /^nightly\.yaml: expected a YAML document/);
  refused('schedule: 1\n', /^nightly\.yaml: schedule: expected no such field/);
});

test('durations', () => {
  assert.is(parseScheduleDuration('90s', 'x'), 90_000);
  assert.is(parseScheduleDuration('1.5h', 'x'), 5_400_000);
  assert.is(parseScheduleDuration('1d', 'x'), 86_400_000);
  assert.throws(() => parseScheduleDuration('0s', 'x'), /expected a duration/);
  assert.throws(() => parseScheduleDuration(5, 'x'), /expected a duration/);
});

test('start-up parameter check: the scenario itself refuses a misspelled option and a bad value (--dry-run, nothing made)', async () => {
  const results = join(dir, 'results-not-made');
  const s = (params: Record<string, unknown>) => parseSchedule(yaml([good({ scenario: tiny, params })], `results: ${results}\n`), 'nightly.yaml', dir);
  await checkEntryParams(s({ 'ping-count': 2 }), () => {}); // accepted
  try {
    await checkEntryParams(s({ 'ping-cuont': 2 }), () => {});
    assert.unreachable('typo accepted');
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.match((e as Error).message, /^nightly\.yaml: entries\[0\]\.params \(entry n1\): refused by the scenario: .*ping-cuont/);
  }
  try {
    await checkEntryParams(s({ 'ping-count': 'many' }), () => {});
    assert.unreachable('bad value accepted');
  } catch (e) {
    assert.match(
      (e as Error).message,
      /^nightly\.yaml: entries\[0\]\.params \(entry n1\): refused by the scenario: --ping-count: expected a whole number, 1 or more, got "many"/,
    );
  }
  assert.not.ok((await import('node:fs')).existsSync(results), 'the dry run created the results dir');
});

test.run();
