/**
 * Every relative link in README.md, docs/**\/*.md and infra/**\/README.md points at a file that
 * exists, and every #anchor into a markdown file names one of its headings (GitHub's slugs).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { anchorsOf, checkLinks, projectDocs, projectRoot, slug } from './md-links.js';

const root = projectRoot();

test('every relative link of the project docs resolves (file and heading anchor)', () => {
  const docs = projectDocs(root);
  assert.ok(docs.includes('README.md') && docs.some((d) => d.startsWith('docs/')), `docs found: ${docs.join(', ')}`);
  const problems = docs.flatMap((f) => checkLinks(root, f, readFileSync(join(root, f), 'utf8')));
  assert.equal(problems.map((p) => `${p.file}:${p.line}: ${p.target}: ${p.problem}`).join('\n'), '');
});

test('the checker reports a missing file, a missing anchor and a bad in-page anchor in a fake document', () => {
  const fake = [
    '# A page',
    '',
    'Good: [readme](../README.md), [self](#a-page), [web](https://example.org/x.md), `[code](nope.md)`.',
    'Broken file: [gone](no-such-page.md).',
    'Broken anchor: [readme](../README.md#no-such-heading-here).',
    'Broken in-page anchor: [here](#not-on-this-page).',
    '```',
    '[in a fence](fenced-away.md)',
    '```',
    '[ref]: ./missing-too.md',
  ].join('\n');
  const problems = checkLinks(root, 'docs/fake-page.md', fake);
  assert.equal(
    problems.map((p) => [p.line, p.target]),
    [
      [4, 'no-such-page.md'],
      [5, '../README.md#no-such-heading-here'],
      [6, '#not-on-this-page'],
      [10, './missing-too.md'],
    ],
  );
  assert.match(problems[0].problem, /docs\/no-such-page\.md does not exist/);
  assert.match(problems[1].problem, /no heading of README\.md makes the anchor #no-such-heading-here/);
});

test('slugs follow GitHub: lowercase, punctuation dropped except - and _, spaces to -, duplicates numbered', () => {
  assert.is(slug('Faults, durability and privacy'), 'faults-durability-and-privacy');
  assert.is(slug('Hokudai <-> NII (`scenarios/hokudai-nii.mjs`)'), 'hokudai---nii-scenarioshokudai-niimjs');
  assert.is(slug('hokudai_nii.mjs'), 'hokudai_niimjs');
  assert.is(slug('See [the lab](lab.md) here'), 'see-the-lab-here');
  assert.equal([...anchorsOf('# Notes\n## Notes\n```\n# not a heading\n```\n### Notes ##')], ['notes', 'notes-1', 'notes-2']);
});

test('the README and docs/experiments.md name every scenario in scenarios/', () => {
  const scenarios = readdirSync(join(root, 'scenarios')).filter((f) => f.endsWith('.mjs'));
  assert.ok(scenarios.length > 0, 'no scenarios found');
  for (const doc of ['README.md', 'docs/experiments.md']) {
    const text = readFileSync(join(root, doc), 'utf8');
    const missing = scenarios.filter((f) => !text.includes(f));
    assert.equal(missing, [], `${doc} does not mention ${missing.join(', ')}`);
  }
});

test.run();
