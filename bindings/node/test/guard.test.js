'use strict'
// The browser guard's server side: `policy.guard` and `policy.guardScriptTags` give exactly what
// the command line (`cookie-charter guard`, the core's `Policy::guard`) gives for every `decide`
// case of the shared vectors; bad arguments throw typed, clear errors.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { Policy, Consent } = require('..')
const { repoRoot, vectorsDir, jsonFiles, policyObject, cookie } = require('./helpers')

const CLI = path.join(repoRoot, 'target', 'debug', 'cookie-charter')
const NOW = 1_700_000_100
const policy = Policy.fromJson(
  JSON.stringify(
    policyObject({
      purposes: { statistics: { label: 'Statistics' } },
      cookies: [cookie('_ga_*', 'statistics')],
    }),
  ),
)
const refused = new Consent({ statistics: 'denied' }, { revision: 1, at: NOW })
const granted = new Consent({ statistics: 'granted' }, { revision: 1, at: NOW })

/** The command line's output for one case (the policy in `file`), with `extra` arguments. */
function cliGuard(file, c, extra = []) {
  const args = ['guard', file, '--now', String(c.now), ...extra]
  let input = ''
  if (c.tc_string !== undefined) args.push('--tc-string', c.tc_string)
  else if (c.consent !== null && c.consent !== undefined) {
    args.push('--consent-stdin')
    input = c.consent
  }
  if (c.gpc) args.push('--gpc')
  const run = spawnSync(CLI, args, { input, encoding: 'utf8' })
  assert.equal(run.status, 0, run.stderr)
  return run.stdout
}

test('the answer and the tags are the command line\'s for every decide case of the vectors', () => {
  const built = spawnSync('cargo', ['build', '--quiet', '-p', 'cookie-charter-cli'], { cwd: repoRoot, stdio: 'inherit' })
  assert.equal(built.status, 0)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-guard-'))
  let cases = 0
  for (const file of jsonFiles(vectorsDir)) {
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'))
    const decide = (doc.cases || []).filter((c) => c.kind === 'decide' && c.tc_error === undefined)
    if (decide.length === 0) continue
    const text = doc.policy ? JSON.stringify(doc.policy) : doc.policy_toml
    const policyFile = path.join(dir, `${cases}.${doc.policy ? 'json' : 'toml'}`)
    fs.writeFileSync(policyFile, text)
    const p = doc.policy ? Policy.fromJson(text) : Policy.fromToml(text)
    for (const c of decide) {
      cases += 1
      const base = c.tc_string !== undefined ? p.consentFromTcString(c.tc_string) : Consent.fromCookie(c.consent)
      const consent = base.withGpc(c.gpc === true)
      const where = `${path.relative(vectorsDir, file)}: ${c.description}`
      const answer = p.guard(consent, { now: c.now })
      assert.equal(answer + '\n', cliGuard(policyFile, c), where)
      const tags = p.guardScriptTags(consent, { src: '/g.js?a=1&b=<2>', nonce: 'n"1', now: c.now })
      assert.equal(tags, cliGuard(policyFile, c, ['--script-src', '/g.js?a=1&b=<2>', '--nonce', 'n"1']), where)
    }
  }
  assert.ok(cases > 100, `only ${cases} cases`)
})

test('the answer follows the consent, and the tags carry it with the nonce', () => {
  const answer = JSON.parse(policy.guard(refused, { now: NOW }))
  assert.deepEqual(answer.patterns, [['_ga_*', false, 'statistics']])
  assert.deepEqual(JSON.parse(policy.guard(granted, { now: NOW })).patterns, [['_ga_*', true, 'statistics']])
  const tags = policy.guardScriptTags(refused, { src: '/static/guard.min.js', now: NOW })
  assert.equal(
    tags,
    `<script type="application/json" id="cookie-charter-answer">${policy.guard(refused, { now: NOW })}</script>\n` +
      '<script src="/static/guard.min.js"></script>\n',
  )
  const withNonce = policy.guardScriptTags(refused, { src: '/g.js', nonce: 'r4nd0m', now: NOW })
  assert.equal(withNonce.split(' nonce="r4nd0m"').length, 3)
})

test('the default time is now', () => {
  // A consent dated a month from now is not usable yet: unset now, granted at its date.
  const at = Math.floor(Date.now() / 1000) + 30 * 86400
  const later = Consent.fromCookie(`v=1&rev=1&at=${at}&statistics=1`)
  assert.match(policy.guard(later, { now: at }), /"statistics":"granted"/)
  assert.match(policy.guard(later), /"statistics":"unset"/)
  assert.match(policy.guardScriptTags(later, { src: '/g.js' }), /"statistics":"unset"/)
})

test('bad arguments throw typed errors', () => {
  const invalid = (code) => (error) => error.code === code
  assert.throws(() => policy.guard('v=1'), (e) => e instanceof TypeError && /`consent` must be a Consent/.test(e.message))
  assert.throws(() => policy.guard(refused, 5), (e) => e instanceof TypeError && /`options`/.test(e.message))
  assert.throws(() => policy.guard(refused, { now: -1 }), (e) => e instanceof TypeError && /`now`/.test(e.message))
  assert.throws(() => policy.guardScriptTags(refused), (e) => e instanceof TypeError && /`options`/.test(e.message))
  assert.throws(() => policy.guardScriptTags(refused, {}), (e) => e instanceof TypeError && /`src` must be a string/.test(e.message))
  assert.throws(() => policy.guardScriptTags(refused, { src: '/g.js', nonce: 5 }), (e) => e instanceof TypeError && /`nonce`/.test(e.message))
  assert.throws(() => policy.guardScriptTags(refused, { src: '' }), (e) => invalid('invalid_argument')(e) && /`src`/.test(e.message))
  assert.throws(() => policy.guardScriptTags(refused, { src: '/g.js', nonce: '' }), (e) => invalid('invalid_argument')(e) && /`nonce`/.test(e.message))
})
