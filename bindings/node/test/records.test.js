'use strict'
// The consent endpoint (lib/records.js) on the middleware, on real servers (Express and plain
// `http`) on 127.0.0.1: accept, refuse, one purpose, withdraw, the signed cookie read back,
// refusals that record nothing, and a store that cannot be written (503, no cookie, pages serve).
// The store is checked with the records crate's verification (`verifyStore`, `storedRecordIds`).

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const http = require('node:http')
const os = require('node:os')
const path = require('node:path')
const express = require('express')
const { Policy, ConsentEndpoint, middleware, loadKeys, verifyStore, storedRecordIds } = require('..')

const SITE = 'https://www.example.com'
const POLICY_TOML = `
[site]
name = "Example"
url = "${SITE}"
consent_cookie = "consent"
require_signed_consent = true

[purposes.statistics]
label = "Statistics"

[purposes.marketing]
label = "Marketing"

[[cookies]]
name = "consent"
provider = "Example"
service = "Consent banner"
purpose = "necessary"
description = "Remembers your choice"
lifetime = "6 months"

[[cookies]]
name = "_ga"
provider = "Google"
service = "Analytics"
purpose = "statistics"
description = "Counts visits"
lifetime = "13 months"

[[cookies]]
name = "ads"
provider = "Example"
service = "Ads"
purpose = "marketing"
description = "Shows ads"
lifetime = "13 months"
`
const FORM = { origin: SITE, 'content-type': 'application/x-www-form-urlencoded' }
const JSON_TYPE = { origin: SITE, 'content-type': 'application/json' }

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-records-'))
test.after(() => fs.rmSync(dir, { recursive: true, force: true }))
const policyFile = path.join(dir, 'policy.toml')
fs.writeFileSync(policyFile, POLICY_TOML)

function newKeys() {
  return `k1:${crypto.randomBytes(32).toString('base64url')}\n`
}

let stores = 0
function openEndpoint(options = {}) {
  const store = options.store ?? `sqlite:${path.join(dir, `consents-${++stores}.sqlite`)}`
  const endpoint = ConsentEndpoint.open(policyFile, store, { retention: '5 years', keys: newKeys(), ...options })
  return { endpoint, store }
}

/** The page: the state of `statistics` the middleware read, and a `_ga` cookie set. */
function page(policy, req, res) {
  res.setHeader('Set-Cookie', '_ga=1; Path=/')
  res.setHeader('Content-Type', 'application/json')
  const consent = req.consent
  res.end(JSON.stringify({ statistics: policy.consentState('statistics', consent), problem: consent.problem }))
}

const SERVERS = {
  express(endpoint) {
    const app = express()
    app.use(middleware(endpoint.policy, { records: endpoint, consentPath: '/consent' }))
    app.get('/', (req, res) => page(endpoint.policy, req, res))
    return http.createServer(app)
  },
  http(endpoint) {
    const mw = middleware(endpoint.policy, { records: endpoint })
    return http.createServer((req, res) => {
      mw(req, res, () => page(endpoint.policy, req, res))
    })
  },
}

async function listen(server) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${server.address().port}`
}

function request(base, method, route, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(base + route, { method, headers }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString()
        resolve({
          status: res.statusCode,
          setCookies: res.headers['set-cookie'] ?? [],
          headers: res.headers,
          text,
          json: () => JSON.parse(text),
        })
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

function consentValue(answer) {
  const values = answer.setCookies.filter((c) => c.startsWith('consent='))
  assert.equal(values.length, 1, answer.text)
  return values[0].split(';')[0].slice('consent='.length)
}

for (const [name, makeServer] of Object.entries(SERVERS)) {
  test(`the consent endpoint on ${name}`, async (t) => {
    const { endpoint, store } = openEndpoint()
    const server = makeServer(endpoint)
    const base = await listen(server)
    t.after(() => server.close())
    const count = () => storedRecordIds(store).length
    const post = (body, headers) => request(base, 'POST', '/consent', headers, body)

    await t.test('accept all: recorded, then a signed cookie', async () => {
      const before = count()
      const r = await post('all=1', FORM)
      assert.equal(r.status, 200, r.text)
      const value = consentValue(r)
      assert.equal(value, r.json().consent)
      assert.match(value, /statistics=1/)
      assert.match(value, /marketing=1/)
      assert.match(value, /&_rid=[0-9a-f]{32}&_kid=k1&_sig=/)
      assert.equal(count(), before + 1)
      assert.equal(storedRecordIds(store).at(-1), r.json().record_id)
      assert.deepEqual(verifyStore(store), { records: before + 1, problems: [] })
    })

    await t.test('refuse all deletes the cookies held', async () => {
      const before = count()
      const r = await post('all=0', { ...FORM, cookie: '_ga=GA1.2; ads=1' })
      assert.equal(r.status, 200, r.text)
      assert.match(consentValue(r), /marketing=0&statistics=0|statistics=0/)
      assert.ok(r.setCookies.includes('_ga=; Max-Age=0; Path=/'))
      assert.ok(r.setCookies.includes('ads=; Max-Age=0; Path=/'))
      assert.equal(count(), before + 1)
    })

    await t.test('one purpose, in JSON', async () => {
      const r = await post(JSON.stringify({ choices: { statistics: true }, method: 'settings' }), JSON_TYPE)
      assert.equal(r.status, 200, r.text)
      assert.deepEqual(r.json().choices, { statistics: 'granted' })
      assert.doesNotMatch(consentValue(r), /marketing/)
    })

    await t.test('the signed cookie grants on the next request; unsigned or forged ones do not', async () => {
      const value = consentValue(await post('statistics=1', FORM))
      const ok = await request(base, 'GET', '/', { cookie: `consent=${value}` })
      assert.deepEqual(ok.json(), { statistics: 'granted', problem: null })
      assert.ok(ok.setCookies.some((c) => c.startsWith('_ga=1')))
      for (const bad of [value.split('&_kid=')[0], value.replace('statistics=1', 'statistics=1&marketing=1')]) {
        const r = await request(base, 'GET', '/', { cookie: `consent=${bad}` })
        assert.deepEqual(r.json(), { statistics: 'unset', problem: 'malformed' })
        assert.ok(!r.setCookies.some((c) => c.startsWith('_ga=1')))
      }
    })

    await t.test('a withdrawal is recorded and deletes the cookie', async () => {
      const granted = consentValue(await post('statistics=1', FORM))
      const before = count()
      const r = await post('statistics=0', { ...FORM, cookie: `consent=${granted}; _ga=GA1.2` })
      assert.equal(r.status, 200, r.text)
      assert.match(consentValue(r), /statistics=0/)
      assert.ok(r.setCookies.includes('_ga=; Max-Age=0; Path=/'))
      assert.equal(count(), before + 1)
    })

    const refusals = [
      ['POST', 'all=1', { ...FORM, origin: 'https://evil.example' }, 403, 'cross_origin'],
      ['POST', 'all=1', { 'content-type': FORM['content-type'] }, 403, 'cross_origin'],
      ['POST', 'all=1', { 'content-type': FORM['content-type'], 'sec-fetch-site': 'cross-site' }, 403, 'cross_origin'],
      ['POST', '{not json', JSON_TYPE, 400, 'malformed_body'],
      ['POST', 'tracking=1', FORM, 400, 'unknown_purpose'],
      ['POST', JSON.stringify({ choices: { tracking: true } }), JSON_TYPE, 400, 'unknown_purpose'],
      ['POST', 'statistics=maybe', FORM, 400, 'invalid_choice'],
      ['POST', `statistics=1&${'x'.repeat(5000)}`, FORM, 413, 'body_too_large'],
      ['POST', 'all=1', { ...FORM, 'content-type': 'text/plain' }, 415, 'unsupported_media_type'],
      ['GET', undefined, { origin: SITE }, 405, 'method_not_allowed'],
      ['PUT', 'all=1', FORM, 405, 'method_not_allowed'],
    ]
    for (const [method, body, headers, status, error] of refusals) {
      await t.test(`${method} ${error} (${status}) records nothing`, async () => {
        const before = count()
        const r = await request(base, method, '/consent?x=1', headers, body)
        assert.equal(r.status, status, r.text)
        assert.equal(r.json().error, error)
        assert.ok(r.json().message)
        assert.deepEqual(r.setCookies, [])
        assert.equal(count(), before)
        assert.deepEqual(verifyStore(store).problems, [])
      })
    }

    await t.test('other paths go to the application', async () => {
      const before = count()
      const r = await request(base, 'POST', '/consentx', FORM, 'all=1')
      assert.equal(r.setCookies.filter((c) => c.startsWith('consent=')).length, 0)
      assert.equal(count(), before)
    })
  })
}

test('a store that cannot be written: 503 and no cookie, while pages serve', async (t) => {
  // A file where the store's directory should be: no user, not even root, can create it.
  const blocker = path.join(dir, 'not-a-directory')
  fs.writeFileSync(blocker, '')
  const { endpoint } = openEndpoint({ store: `sqlite:${path.join(blocker, 'consents.sqlite')}` })
  for (const makeServer of Object.values(SERVERS)) {
    const server = makeServer(endpoint)
    const base = await listen(server)
    t.after(() => server.close())
    const r = await request(base, 'POST', '/consent', FORM, 'all=1')
    assert.equal(r.status, 503, r.text)
    assert.ok(r.json().error)
    assert.deepEqual(r.setCookies, [])
    const home = await request(base, 'GET', '/', {})
    assert.equal(home.status, 200)
    assert.equal(home.json().statistics, 'unset')
  }
})

test('setup errors and options are checked', () => {
  const store = `sqlite:${path.join(dir, 'setup.sqlite')}`
  assert.throws(() => ConsentEndpoint.open(policyFile, store, { retention: '5 years' }), /requires signed consents/)
  assert.throws(
    () => ConsentEndpoint.open(policyFile, store, { retention: '5 years', keys: newKeys(), durability: 'fast' }),
    /durability `fast`/,
  )
  assert.throws(
    () => ConsentEndpoint.open(policyFile, 'postgres://localhost/x', { retention: '5 years', keys: newKeys() }),
    /PostgreSQL/,
  )
  assert.throws(() => ConsentEndpoint.open(policyFile, 'mysql://x', { retention: '5 years', keys: newKeys() }), /is not `sqlite:PATH`/)
  assert.throws(() => ConsentEndpoint.open(policyFile, store, {}), TypeError)
  const policy = Policy.load(policyFile)
  assert.throws(() => middleware(policy, { records: 'sqlite:x' }), /ConsentEndpoint/)
  assert.throws(() => middleware(policy, { consentPath: 'consent' }), /starting with/)
})

test('withConsentKeys and loadKeys: a policy loaded from its file reads the signed cookie', async () => {
  const keys = newKeys()
  fs.writeFileSync(path.join(dir, 'keys'), keys)
  assert.equal(loadKeys({ file: path.join(dir, 'keys') }), keys)
  process.env.RECORDS_TEST_KEYS = keys
  assert.equal(loadKeys({ env: 'RECORDS_TEST_KEYS' }), keys)
  assert.throws(() => loadKeys({}), /exactly one/)
  const { endpoint } = openEndpoint({ keys })
  const reply = await endpoint.handle('POST', ['Origin', SITE, 'Content-Type', FORM['content-type']], 'statistics=1')
  assert.equal(reply.status, 200)
  const cookie = `consent=${JSON.parse(reply.body).consent}`
  const plain = Policy.load(policyFile)
  const consentOf = (p) => p.consentFromCookieHeader(cookie)
  assert.equal(plain.consentState('statistics', consentOf(plain)), 'unset')
  const keyed = plain.withConsentKeys(loadKeys({ env: 'RECORDS_TEST_KEYS' }))
  assert.equal(keyed.consentState('statistics', consentOf(keyed)), 'granted')
  assert.equal(consentOf(plain.withConsentKeys(newKeys())).problem, 'malformed')
  assert.throws(() => plain.withConsentKeys('k1:short'))
})
