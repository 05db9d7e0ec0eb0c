'use strict'
// The demo site without a browser: its command line, the revision bump, bad requests, and the
// consent endpoint's records.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { Policy, Consent, storedRecordIds, verifyStore } = require('cookie-charter')
const { bumpPurposeRevision, SiteError, CONSENT_PATH } = require('../app.js')
const { startServer, SERVER, SITE } = require('../test-helpers/site-process.js')

const POLICY_TEXT = fs.readFileSync(path.join(SITE, 'policy.toml'), 'utf8')

function run(args) {
  // SIGKILL: a server spinning in native code never runs its SIGTERM handler.
  return spawnSync(process.execPath, [SERVER, ...args], { cwd: SITE, encoding: 'utf8', timeout: 20000, killSignal: 'SIGKILL' })
}

test('bad command lines give a clear error and exit 2, never a stack trace', () => {
  const cases = [
    [['--port', 'abc'], /--port must be a number from 0 to 65535/],
    [['--port', '70000'], /--port must be a number/],
    [['--port'], /--port needs a value/],
    [['--frobnicate'], /unknown argument "--frobnicate"/],
    [['--policy', 'no-such-policy.toml'], /cannot read the policy file .*no-such-policy\.toml: no such file/],
    [['--bump', 'nosuch'], /has no \[purposes\.nosuch\] table/],
    [['--bump', 'Not An Id'], /--bump needs a purpose id/],
    [['--bump', 'necessary'], /necessary purpose is never asked/],
    [['--no-guard=yes'], /--no-guard takes no value/],
    [['--records'], /--records needs a value/],
    [['--port', '0', '--records', path.join(SERVER, 'consents.sqlite')], /cannot open the consent records .*server\.js/],
    [['--port', '0', '--records', path.join(SERVER, 'sub', 'consents.sqlite')], /cannot open the consent records .*server\.js.*not a directory/],
  ]
  // A directory that cannot be made in an existing one (ENOENT under /proc): Node's recursive
  // mkdir spun forever there; the server must say so and exit.
  if (fs.existsSync('/proc/self')) {
    cases.push([['--port', '0', '--records', '/proc/nope/x.sqlite'], /cannot open the consent records \/proc\/nope\/x\.sqlite: ENOENT: .*mkdir '\/proc\/nope'/])
  }
  for (const [args, message] of cases) {
    const result = run(args)
    assert.equal(result.status, 2, `${args.join(' ')}: exit 2 (stderr: ${result.stderr})`)
    assert.match(result.stderr, /^error: /, args.join(' '))
    assert.match(result.stderr, message, args.join(' '))
    assert.doesNotMatch(result.stderr, /\n\s+at /, `${args.join(' ')}: no stack trace`)
  }
})

test('an invalid policy file is reported with its location', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cookie-charter-site-'))
  try {
    const file = path.join(dir, 'broken.toml')
    fs.writeFileSync(file, POLICY_TEXT.replace('purpose = "marketing"', 'purpose = "advertising"'))
    const result = run(['--policy', file])
    assert.equal(result.status, 2, result.stderr)
    assert.match(result.stderr, /invalid policy .*broken\.toml:\d+:\d+: .*advertising/)
    assert.doesNotMatch(result.stderr, /\n\s+at /)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('--help prints the usage and exits 0', () => {
  const result = run(['--help'])
  assert.equal(result.status, 0)
  assert.match(result.stdout, /^usage: node server\.js/)
})

test('bumping one purpose makes a consent of the old revision stale for that purpose only', () => {
  const original = Policy.fromToml(POLICY_TEXT)
  for (const purpose of ['marketing', 'statistics']) {
    const bumped = Policy.fromToml(bumpPurposeRevision(POLICY_TEXT, purpose))
    assert.equal(bumped.site.revision, original.site.revision + 1)
    const old = new Consent({ statistics: 'granted', marketing: 'denied' }, { revision: original.site.revision })
    assert.deepEqual(original.purposesToAsk(old), [])
    assert.deepEqual(bumped.purposesToAsk(old), [purpose])
    const others = bumped.purposes.map((p) => p.id).filter((id) => id !== 'necessary' && id !== purpose)
    for (const other of others) assert.notEqual(bumped.consentState(other, old), 'stale', other)
    assert.equal(bumped.consentState(purpose, old), 'stale')
  }
  // Bumping twice goes on from the bumped revision.
  const twice = Policy.fromToml(bumpPurposeRevision(bumpPurposeRevision(POLICY_TEXT, 'marketing'), 'statistics'))
  assert.equal(twice.site.revision, original.site.revision + 2)
})

test('a bump that would re-ask other purposes too is refused', () => {
  // Without a [purposes.statistics] table, statistics follows the site revision: bumping
  // marketing would make it stale as well.
  const text = POLICY_TEXT.replace(/\[purposes\.statistics\][^[]*/, '')
  assert.ok(Policy.fromToml(text), 'still a valid policy')
  assert.throws(() => bumpPurposeRevision(text, 'marketing'), (error) => {
    assert.ok(error instanceof SiteError)
    assert.match(error.message, /cannot re-ask marketing alone: the banner would ask about statistics, marketing/)
    return true
  })
})

test('bad requests get a 4xx answer with a reason, and the server keeps serving', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cookie-charter-site-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const store = `sqlite:${path.join(dir, 'consents.sqlite')}`
  const server = await startServer(['--records', store.slice('sqlite:'.length)])
  t.after(() => server.stop())
  const base = `http://127.0.0.1:${server.port}`
  const post = (body, origin = base) =>
    fetch(`${base}/consent`, { method: 'POST', redirect: 'manual', headers: { origin, 'content-type': 'application/x-www-form-urlencoded' }, body })

  let response = await post('choice=maybe&asked=statistics')
  assert.equal(response.status, 400)
  assert.match(await response.text(), /choice must be accept, refuse or custom/)
  response = await post('choice=accept&asked=necessary')
  assert.equal(response.status, 400)
  assert.match(await response.text(), /asked must list purposes among statistics, marketing/)
  response = await post(`choice=accept&asked=statistics&filler=${'x'.repeat(10000)}`)
  assert.equal(response.status, 413)
  response = await fetch(`${base}/charter?lang=de`)
  assert.equal(response.status, 400)
  assert.match(await response.text(), /Unknown language "de": this charter exists in fr, en/)
  response = await fetch(`${base}/no-such-page`)
  assert.equal(response.status, 404)

  // A consent from the form (the banner without JavaScript): only what was asked changes.
  response = await post('choice=custom&asked=statistics+marketing&purpose=statistics&back=/datasets')
  assert.equal(response.status, 303)
  assert.equal(response.headers.get('location'), '/datasets')
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('cookies_preferences='))
  assert.ok(cookie, 'the consent cookie is written')
  const value = cookie.slice('cookies_preferences='.length).split(';')[0]
  const consent = Consent.fromCookie(value)
  assert.equal(consent.problem, null, value)
  assert.deepEqual({ ...consent.choices }, { statistics: 'granted', marketing: 'denied' })
  // It went through the consent endpoint: recorded, and the cookie carries the record's id.
  assert.deepEqual(storedRecordIds(store), [new URLSearchParams(value).get('_rid')])

  // From another site, the form's choice is refused by the endpoint and nothing is recorded.
  response = await post('choice=accept&asked=statistics+marketing&back=/', 'http://evil.example')
  assert.equal(response.status, 403)
  assert.match(await response.text(), /not saved \(cross_origin\)/)
  assert.ok(!response.headers.getSetCookie().some((c) => c.startsWith('cookies_preferences=')), 'no consent cookie')

  // The banner's script posts to the endpoint itself, which answers with JSON.
  response = await fetch(`${base}${CONSENT_PATH}`, {
    method: 'POST',
    headers: { origin: `http://www.epn.localhost:${server.port}`, 'content-type': 'application/json' },
    body: JSON.stringify({ choices: { statistics: false, marketing: true }, method: 'banner', lang: 'en' }),
  })
  assert.equal(response.status, 200)
  const answer = await response.json()
  assert.deepEqual(answer.choices, { marketing: 'granted', statistics: 'denied' })
  assert.deepEqual(storedRecordIds(store), [new URLSearchParams(value).get('_rid'), answer.record_id])
  assert.deepEqual(verifyStore(store).problems, [])

  // With a garbled consent cookie the visitor is simply asked again.
  response = await fetch(`${base}/`, { headers: { cookie: 'cookies_preferences=v=9&garbage' } })
  assert.equal(response.status, 200)
  const html = await response.text()
  assert.match(html, /id="cookie-banner"/)
  assert.match(html, /the consent cookie was unusable: (malformed|unknown_version)/)
  assert.ok(!response.headers.getSetCookie().some((c) => c.startsWith('_ga=') && !c.includes('Max-Age=0')), 'no _ga without consent')
})
