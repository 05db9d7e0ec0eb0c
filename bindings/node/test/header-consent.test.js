'use strict'
// The consent read from a `Cookie` header (`policy.consentFromCookieHeader`, the middleware's
// `req.consent`): made in JS from one number the core returns, with the native `Consent` made only
// when a member needs it. Everything it answers must be what the native read answers.

const test = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const { Policy, Consent, middleware } = require('..')
const { policyObject, cookie } = require('./helpers')

const NOW = 1_700_000_100
const doc = policyObject({
  purposes: {
    statistics: { label: 'Statistics' },
    marketing: { label: 'Marketing', gpc: true },
    ads: { label: 'Ads' },
  },
  cookies: [cookie('_ga', 'statistics'), cookie('_fbp', 'marketing'), cookie('ad_id', 'ads')],
})
const policy = Policy.fromJson(JSON.stringify(doc))

/** Every member a handler can read, as plain data. */
function view(consent, p = policy) {
  return {
    problem: consent.problem,
    problemMessage: consent.problemMessage,
    problemAt: consent.problemAt(NOW),
    gpc: consent.gpc,
    revision: consent.revision,
    at: consent.at,
    source: consent.source,
    choices: JSON.stringify(consent.choices),
    json: JSON.stringify(consent),
    cookie: consent.toCookie(),
    decisions: ['_ga', '_fbp', 'ad_id', 'other'].map((n) => p.decide(n, consent, NOW)),
    states: JSON.stringify(p.decisionTable(consent, NOW).states),
    toAsk: p.purposesToAsk(consent, NOW),
    mode: p.consentMode(consent, NOW),
  }
}

const HEADERS = [
  null,
  '',
  'a=1',
  `a=1; consent=v=1&rev=1&at=${NOW - 50}&statistics=1&marketing=0; b=2`,
  `consent=v=1&rev=1&at=${NOW}&ads=1&marketing=1&statistics=0`,
  `consent=v=1&rev=1&at=${NOW}&unknown_purpose=1&statistics=1`,
  `consent=v=1&rev=1&at=${NOW}&necessary=1`,
  `consent=v=1&rev=1&at=${NOW + 10 * 86_400}&statistics=1`,
  'consent=v=1&rev=1&at=1&ads=1&ads=0',
  'consent=v=2&rev=1&at=1',
  'consent=garbage',
  `consent=${'v=1&rev=1&at=1&'.repeat(400)}`,
  `consent=v=1&rev=1&at=${NOW}&ads=1; consent=v=1&rev=1&at=${NOW}&ads=0`,
  `consent=v=1&rev=2&at=${NOW}&ads=1`,
]

test('a consent read from a header answers as the native read of the same header', () => {
  for (const header of HEADERS) {
    const lazy = policy.consentFromCookieHeader(header)
    const native = policy._consentFromCookieHeader(header)
    assert.ok(lazy instanceof Consent)
    assert.equal(lazy.constructor, Consent)
    assert.deepEqual(view(lazy), view(native), String(header))
  }
})

test('each problem code comes from the read, without the native consent', () => {
  const codes = HEADERS.map((h) => policy.consentFromCookieHeader(h).problem)
  assert.deepEqual(
    [...new Set(codes)].sort((a, b) => String(a).localeCompare(String(b))),
    ['absent', 'duplicate_key', 'malformed', null, 'oversized', 'unknown_version'].sort((a, b) =>
      String(a).localeCompare(String(b)),
    ),
  )
})

test('choices of more purposes than the read holds come from the native consent', () => {
  const purposes = {}
  for (let i = 0; i < 20; i++) purposes[`p${String(i).padStart(2, '0')}`] = { label: `P${i}` }
  const wide = Policy.fromJson(JSON.stringify(policyObject({ purposes })))
  const choices = Object.keys(purposes).map((id, i) => `${id}=${i % 2}`)
  const header = `consent=v=1&rev=1&at=${NOW}&${choices.join('&')}`
  const lazy = wide.consentFromCookieHeader(header)
  const native = wide._consentFromCookieHeader(header)
  assert.equal(Object.keys(lazy.choices).length, 20)
  assert.equal(JSON.stringify(lazy.choices), JSON.stringify(native.choices))
  // A consent choosing only among the first purposes is answered from the read.
  const few = wide.consentFromCookieHeader(`consent=v=1&rev=1&at=${NOW}&p03=1&p01=0`)
  assert.equal(JSON.stringify(few.choices), '{"p01":"denied","p03":"granted"}')
})

test('a consent read with one policy decides with another one as the native consent does', () => {
  const other = Policy.fromJson(
    JSON.stringify(
      policyObject({
        purposes: { ads: { label: 'Ads' }, statistics: { label: 'Statistics' } },
        cookies: [cookie('_ga', 'statistics'), cookie('ad_id', 'ads')],
        site: { consent_cookie: 'other_consent' },
      }),
    ),
  )
  const header = `consent=v=1&rev=1&at=${NOW}&ads=1&statistics=0; other_consent=v=1&rev=1&at=${NOW}&ads=0`
  const lazy = policy.consentFromCookieHeader(header)
  const native = policy._consentFromCookieHeader(header)
  assert.deepEqual(view(lazy, other), view(native, other))
  assert.equal(other.decide('ad_id', lazy, NOW).allowed, true)
})

test('a consent read from a header goes wherever a Consent goes', () => {
  const header = `consent=v=1&rev=1&at=${NOW}&statistics=1&marketing=0`
  const lazy = policy.consentFromCookieHeader(header)
  const native = policy._consentFromCookieHeader(header)
  const setCookies = ['_ga=1; Path=/', '_fbp=2; Path=/', 'ad_id=3; Max-Age=99999999']
  assert.deepEqual(policy.filterSetCookies(setCookies, lazy, NOW), policy.filterSetCookies(setCookies, native, NOW))
  assert.deepEqual(policy.purge('_ga=1; _fbp=2', lazy, NOW), policy.purge('_ga=1; _fbp=2', native, NOW))
  assert.deepEqual(
    policy.respond({ cookie: '_fbp=2', handled: lazy, setCookies, now: NOW }).setCookies,
    policy.respond({ cookie: '_fbp=2', handled: native, setCookies, now: NOW }).setCookies,
  )
  assert.equal(policy.consentState('statistics', lazy, NOW), 'granted')
  assert.equal(policy.gtagConsent(lazy, { now: NOW }), policy.gtagConsent(native, { now: NOW }))
  assert.equal(policy.guard(lazy, { now: NOW }), policy.guard(native, { now: NOW }))
  assert.deepEqual(policy.decideMany(['_ga', '_fbp'], lazy, NOW), policy.decideMany(['_ga', '_fbp'], native, NOW))
  assert.equal(lazy.withGpc(true).gpc, true)
  assert.equal(lazy.withGpc(true).problem, null)
})

test("the middleware's req.consent is read from the request, GPC included", async () => {
  // The middleware judges at the current time.
  const now = Math.floor(Date.now() / 1000)
  const header = `consent=v=1&rev=1&at=${now - 50}&statistics=1`
  const seen = []
  const guard = middleware(policy)
  const server = http.createServer((req, res) => {
    guard(req, res, () => {
      const consent = req.consent
      seen.push({
        instance: consent instanceof Consent,
        problem: consent.problem,
        gpc: consent.gpc,
        choices: JSON.stringify(consent.choices),
        marketing: policy.decide('_fbp', consent, now),
        statistics: policy.decide('_ga', consent, now).allowed,
        at: consent.at,
      })
      res.setHeader('Set-Cookie', ['_ga=1', '_fbp=2'])
      res.end('ok')
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  const get = (headers) =>
    new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/', headers }, (res) => {
          res.resume()
          res.on('end', () => resolve(res.headers['set-cookie'] ?? []))
        })
        .on('error', reject)
    })
  try {
    const plain = await get({ cookie: header })
    const gpc = await get({ cookie: header, 'sec-gpc': '1' })
    const none = await get({})
    assert.deepEqual(plain, ['_ga=1'])
    assert.deepEqual(gpc, ['_ga=1'])
    assert.deepEqual(none, [])
  } finally {
    server.close()
  }
  assert.equal(seen.length, 3)
  assert.deepEqual(seen[0], {
    instance: true,
    problem: null,
    gpc: false,
    choices: '{"statistics":"granted"}',
    marketing: { allowed: false, rule: 'consent', purpose: 'marketing', consentState: 'unset' },
    statistics: true,
    at: now - 50,
  })
  assert.equal(seen[1].gpc, true)
  assert.equal(seen[1].marketing.consentState, 'gpc_denied')
  assert.equal(seen[1].statistics, true)
  assert.equal(seen[2].problem, 'absent')
  assert.equal(seen[2].statistics, false)
})

test('a handler that stores a consent read from a header has it judge the response', async () => {
  const now = Math.floor(Date.now() / 1000)
  const granted = policy.consentFromCookieHeader(`consent=v=1&rev=1&at=${now}&marketing=1`)
  const guard = middleware(policy)
  const server = http.createServer((req, res) => {
    guard(req, res, () => {
      req.consent = granted
      res.setHeader('Set-Cookie', ['_ga=1', '_fbp=2'])
      res.end('ok')
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  try {
    const setCookies = await new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/' }, (res) => {
          res.resume()
          res.on('end', () => resolve(res.headers['set-cookie'] ?? []))
        })
        .on('error', reject)
    })
    assert.deepEqual(setCookies, ['_fbp=2'])
  } finally {
    server.close()
  }
})
