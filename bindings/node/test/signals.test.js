'use strict'
// Global Privacy Control and Google Consent Mode v2 through the binding: the `gpc_denied` state
// everywhere a decision is reported, what a banner asks, an explicit choice winning over the
// signal, the seven signals and the gtag snippet.

const test = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const fc = require('fast-check')
const { Policy, Consent, STATES, SIGNALS, gpcEnabled } = require('..')
const { policyObject, cookie } = require('./helpers')

const NOW = 1_700_000_100
const policy = Policy.fromJson(
  JSON.stringify(
    policyObject({
      site: { revision: 2, profile: 'cnil' },
      purposes: {
        statistics: { label: 'Statistics' },
        preferences: { label: 'Preferences' },
        marketing: { label: 'Marketing' }, // covered by GPC by default (advertising signals)
        social: { label: 'Social', gpc: true, revision: 2 },
      },
      cookies: [
        cookie('sessionid', 'necessary', { lifetime: 'session' }),
        cookie('_ga', 'statistics'),
        cookie('lang', 'preferences'),
        cookie('_fbp', 'marketing', { domain: '.facebook.com' }),
        cookie('ads_*', 'marketing'),
        cookie('share', 'social'),
      ],
    }),
  ),
)
const NAMES = ['sessionid', '_ga', 'lang', '_fbp', 'ads_1', 'share', 'unknown']

function isTypeError(e) {
  return e instanceof TypeError && e.code === 'invalid_argument'
}

function states(consent) {
  return { ...policy.decisionTable(consent, NOW).states }
}

test('gpc_denied is a consent state id, and SIGNALS lists the seven signals in order', () => {
  assert.deepEqual(STATES, ['granted', 'denied', 'unset', 'expired', 'stale', 'gpc_denied'])
  assert.deepEqual(SIGNALS, [
    'ad_storage',
    'ad_user_data',
    'ad_personalization',
    'analytics_storage',
    'functionality_storage',
    'personalization_storage',
    'security_storage',
  ])
  assert.ok(Object.isFrozen(SIGNALS))
})

test('the gpc option, the gpc getter and withGpc', () => {
  const plain = new Consent({ statistics: 'granted' }, { revision: 2, at: NOW })
  assert.equal(plain.gpc, false)
  const withSignal = plain.withGpc(true)
  assert.ok(withSignal instanceof Consent)
  assert.notEqual(withSignal, plain)
  assert.equal(withSignal.gpc, true)
  assert.equal(plain.gpc, false, 'withGpc leaves the original alone')
  assert.equal(withSignal.withGpc(false).gpc, false)
  assert.equal(new Consent({}, { gpc: true }).gpc, true)
  assert.equal(new Consent({}, { gpc: null }).gpc, false)
  assert.equal(Consent.fromCookie(null).gpc, false)
  // The signal comes with each request: it is not in the cookie.
  assert.equal(withSignal.toCookie(), plain.toCookie())
  assert.equal(Consent.fromCookie(withSignal.toCookie()).gpc, false)
  assert.deepEqual(withSignal.choices, plain.choices)
  assert.throws(() => new Consent({}, { gpc: 1 }), isTypeError)
  assert.throws(() => new Consent({}, { gpc: 'true' }), isTypeError)
  for (const bad of [1, 'true', null, undefined, {}]) {
    assert.throws(() => plain.withGpc(bad), isTypeError, String(bad))
  }
})

test('with GPC and no choice, the purposes it covers are gpc_denied, everywhere a decision is reported', () => {
  const consent = Consent.fromCookie(null).withGpc(true)
  assert.deepEqual(states(consent), {
    necessary: 'granted',
    statistics: 'unset',
    preferences: 'unset',
    marketing: 'gpc_denied',
    social: 'gpc_denied',
  })
  const expected = {
    _fbp: { allowed: false, rule: 'third_party', purpose: 'marketing', consentState: 'gpc_denied' },
    ads_1: { allowed: false, rule: 'consent', purpose: 'marketing', consentState: 'gpc_denied' },
    share: { allowed: false, rule: 'consent', purpose: 'social', consentState: 'gpc_denied' },
    _ga: { allowed: false, rule: 'consent', purpose: 'statistics', consentState: 'unset' },
  }
  for (const [name, want] of Object.entries(expected)) {
    assert.deepEqual(policy.decide(name, consent, NOW), want, name)
    assert.deepEqual(policy.decisionTable(consent, NOW).decide(name), want, `${name} (table)`)
    assert.deepEqual(policy.decideMany([name], consent, NOW)[0], want, `${name} (decideMany)`)
    assert.equal(policy.consentState(want.purpose, consent, NOW), want.consentState)
  }
  const filtered = policy.filterSetCookies(['sessionid=1; Path=/', 'ads_1=2', 'share=3'], consent, NOW)
  assert.deepEqual(filtered.kept, ['sessionid=1; Path=/'])
  assert.deepEqual(
    filtered.dropped.map((d) => [d.header, d.cookie, d.decision.consentState, d.problem]),
    [
      ['ads_1=2', 'ads_1', 'gpc_denied', null],
      ['share=3', 'share', 'gpc_denied', null],
    ],
  )
  const purged = policy.purge('ads_1=1; sessionid=2; share=3', consent, NOW)
  assert.deepEqual(
    purged.map((p) => [p.cookie, p.decision.consentState]),
    [
      ['ads_1', 'gpc_denied'],
      ['share', 'gpc_denied'],
    ],
  )
  assert.ok(purged.every((p) => p.headers.length > 0 && p.headers.every((h) => h.includes('Max-Age=0'))))
})

test('an explicit, valid choice wins over GPC; stale, expired and unusable choices do not', () => {
  const granted = Consent.fromCookie(`v=1&rev=2&at=${NOW - 10}&marketing=1&social=1`).withGpc(true)
  assert.deepEqual(policy.decide('ads_1', granted, NOW), { allowed: true, rule: 'consent', purpose: 'marketing', consentState: 'granted' })
  assert.equal(policy.decide('share', granted, NOW).consentState, 'granted')
  const denied = Consent.fromCookie(`v=1&rev=2&at=${NOW - 10}&marketing=0`).withGpc(true)
  assert.equal(policy.decide('ads_1', denied, NOW).consentState, 'denied')
  // The site is at revision 2: a choice for revision 1 is stale, and GPC answers it for the
  // purposes it covers only.
  const stale = Consent.fromCookie(`v=1&rev=1&at=${NOW - 10}&statistics=1&social=1`).withGpc(true)
  assert.equal(policy.decide('share', stale, NOW).consentState, 'gpc_denied')
  assert.equal(policy.decide('share', stale.withGpc(false), NOW).consentState, 'stale')
  assert.equal(policy.decide('_ga', stale, NOW).consentState, 'stale')
  // Profile cnil: consents expire after 180 days.
  const old = Consent.fromCookie(`v=1&rev=2&at=${NOW - 200 * 86400}&marketing=1`).withGpc(true)
  assert.equal(policy.decide('ads_1', old, NOW).consentState, 'gpc_denied')
  assert.equal(policy.decide('ads_1', old.withGpc(false), NOW).consentState, 'expired')
  const broken = Consent.fromCookie('v=1&rev=2').withGpc(true)
  assert.equal(broken.problem, 'malformed')
  assert.equal(policy.decide('ads_1', broken, NOW).consentState, 'gpc_denied')
})

test('purposesToAsk: a purpose GPC answered is not asked', () => {
  const none = Consent.fromCookie(null)
  assert.deepEqual([...policy.purposesToAsk(none, NOW)].sort(), ['marketing', 'preferences', 'social', 'statistics'])
  assert.deepEqual([...policy.purposesToAsk(none.withGpc(true), NOW)].sort(), ['preferences', 'statistics'])
  const some = Consent.fromCookie(`v=1&rev=2&at=${NOW - 10}&statistics=1&marketing=1`).withGpc(true)
  assert.deepEqual([...policy.purposesToAsk(some, NOW)].sort(), ['preferences'])
})

test('GPC on a policy that covers nothing by it changes no answer (the direct path equals the fast one)', () => {
  const bare = Policy.fromJson(
    JSON.stringify(
      policyObject({
        purposes: { statistics: { label: 'Statistics' }, social: { label: 'Social' } },
        cookies: [cookie('_ga', 'statistics'), cookie('share', 'social', { domain: '.social.example' })],
      }),
    ),
  )
  const headers = ['_ga=1; Max-Age=99999999', 'share=2', '=nameless', 'consent=3', 'undeclared=4', '\u0001bad=5']
  for (const value of [null, `v=1&rev=1&at=${NOW}&statistics=1`, `v=1&rev=1&at=${NOW}&social=0`, 'v=2']) {
    const without = Consent.fromCookie(value)
    const withSignal = without.withGpc(true)
    for (const name of ['_ga', 'share', 'consent', 'nope', '']) {
      assert.deepEqual(bare.decide(name, withSignal, NOW), bare.decide(name, without, NOW), `${value} ${name}`)
    }
    assert.deepEqual(bare.filterSetCookies(headers, withSignal, NOW), bare.filterSetCookies(headers, without, NOW))
    assert.deepEqual(bare.purge('_ga=1; share=2; consent=3', withSignal, NOW), bare.purge('_ga=1; share=2; consent=3', without, NOW))
    assert.deepEqual(bare.purposesToAsk(withSignal, NOW), bare.purposesToAsk(without, NOW))
    assert.deepEqual(bare.consentMode(withSignal, NOW), bare.consentMode(without, NOW))
  }
})

test('gpcEnabled reads Sec-GPC values as Node gives them', () => {
  for (const yes of ['1', ' 1', '1\t', ['1'], ['0', ' 1 '], ['', '1'], '0, 1', '1, 1']) {
    assert.equal(gpcEnabled(yes), true, JSON.stringify(yes))
  }
  for (const no of [undefined, null, '', '0', 'true', '0, 0', '1 1', '1;', '01', [], ['0'], ['true', 'yes']]) {
    assert.equal(gpcEnabled(no), false, JSON.stringify(no))
  }
  for (const bad of [1, true, {}, [1], ['1', null]]) {
    assert.throws(() => gpcEnabled(bad), isTypeError, JSON.stringify(bad))
  }
})

test('gpcEnabled on a real request: req.headers and req.headersDistinct', async () => {
  const seen = []
  const server = http.createServer((req, res) => {
    seen.push([gpcEnabled(req.headers['sec-gpc']), gpcEnabled(req.headersDistinct['sec-gpc'])])
    res.end()
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  const get = (headers) =>
    new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, headers }, (res) => res.resume().on('end', resolve)).on('error', reject)
    })
  try {
    await get({})
    await get({ 'Sec-GPC': '1' })
    await get({ 'Sec-GPC': '0' })
    await get({ 'Sec-GPC': ['0', '1'] })
  } finally {
    server.close()
  }
  // Node joins repeated headers with ', ' in `req.headers`; each element of the joined value
  // counts as a header of its own, so both read the same.
  assert.deepEqual(seen, [
    [false, false],
    [true, true],
    [false, false],
    [true, true],
  ])
})

test('consentMode: the seven signals in Google\'s order, granted only when every purpose mapped to them is', () => {
  const none = policy.consentMode(Consent.fromCookie(null), NOW)
  assert.deepEqual(Object.keys(none), [...SIGNALS])
  assert.equal(Object.getPrototypeOf(none), Object.prototype)
  assert.deepEqual(none, {
    ad_storage: 'denied',
    ad_user_data: 'denied',
    ad_personalization: 'denied',
    analytics_storage: 'denied',
    functionality_storage: 'denied',
    personalization_storage: 'denied',
    security_storage: 'granted',
  })
  const all = Consent.fromCookie(`v=1&rev=2&at=${NOW - 10}&statistics=1&preferences=1&marketing=1&social=1`)
  assert.ok(Object.values(policy.consentMode(all, NOW)).every((v) => v === 'granted'))
  const some = Consent.fromCookie(`v=1&rev=2&at=${NOW - 10}&statistics=1&marketing=1`)
  assert.deepEqual(policy.consentMode(some, NOW), {
    ...none,
    ad_storage: 'granted',
    ad_user_data: 'granted',
    ad_personalization: 'granted',
    analytics_storage: 'granted',
  })
  // GPC refuses marketing when the visitor has not chosen: the ad signals stay denied.
  const statsOnly = Consent.fromCookie(`v=1&rev=2&at=${NOW - 10}&statistics=1`).withGpc(true)
  assert.deepEqual(policy.consentMode(statsOnly, NOW), { ...none, analytics_storage: 'granted' })
  assert.throws(() => policy.consentMode('v=1', NOW), isTypeError)
  assert.throws(() => policy.consentMode(some, -1), isTypeError)
})

test('gtagConsent writes the default and update snippets of the same state', () => {
  const consent = Consent.fromCookie(`v=1&rev=2&at=${NOW - 10}&statistics=1`)
  const json = JSON.stringify(policy.consentMode(consent, NOW))
  const update = policy.gtagConsent(consent, { command: 'update', now: NOW })
  assert.equal(update, `gtag('consent', 'update', ${json});\n`)
  const byDefault = policy.gtagConsent(consent, { now: NOW })
  assert.equal(
    byDefault,
    `window.dataLayer = window.dataLayer || [];\nfunction gtag(){dataLayer.push(arguments);}\ngtag('consent', 'default', ${json});\n`,
  )
  assert.equal(policy.gtagConsent(consent, { command: 'default', now: NOW }), byDefault)
  assert.match(policy.gtagConsent(consent), /^window\.dataLayer/)
  assert.match(policy.gtagConsent(consent, null), /'default'/)
  for (const command of ['Default', 'consent', '', 'update ']) {
    assert.throws(
      () => policy.gtagConsent(consent, { command }),
      (e) => e instanceof Error && !(e instanceof TypeError) && e.code === 'invalid_argument' && /not `default` or `update`/.test(e.message),
      command,
    )
  }
  assert.throws(() => policy.gtagConsent(consent, { command: 1 }), isTypeError)
  assert.throws(() => policy.gtagConsent(consent, 'update'), isTypeError)
  assert.throws(() => policy.gtagConsent(null), isTypeError)
})

test('property: GPC never turns a denied cookie into an allowed one, and never changes a valid choice', () => {
  const purposes = ['statistics', 'preferences', 'marketing', 'social']
  const choice = fc.constantFrom(undefined, '0', '1')
  fc.assert(
    fc.property(
      fc.array(choice, { minLength: 4, maxLength: 4 }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 0, max: 400 * 86400 }),
      fc.constantFrom(...NAMES),
      (choices, revision, age, name) => {
        const pairs = purposes.flatMap((p, i) => (choices[i] === undefined ? [] : [`${p}=${choices[i]}`]))
        const value = [`v=1&rev=${revision}&at=${NOW - age}`, ...pairs].join('&')
        const without = Consent.fromCookie(value)
        const withSignal = without.withGpc(true)
        const a = policy.decide(name, without, NOW)
        const b = policy.decide(name, withSignal, NOW)
        if (b.allowed) assert.ok(a.allowed, `${value} ${name}`)
        assert.equal(b.rule, a.rule)
        assert.equal(b.purpose, a.purpose)
        if (a.consentState === 'granted' || a.consentState === 'denied') assert.equal(b.consentState, a.consentState)
        else if (b.consentState !== a.consentState) assert.equal(b.consentState, 'gpc_denied')
        assert.ok(policy.purposesToAsk(withSignal, NOW).every((p) => policy.purposesToAsk(without, NOW).includes(p)))
        const modeWith = policy.consentMode(withSignal, NOW)
        const modeWithout = policy.consentMode(without, NOW)
        for (const signal of SIGNALS) if (modeWith[signal] === 'granted') assert.equal(modeWithout[signal], 'granted')
      },
    ),
    { numRuns: 500 },
  )
})

test('the ES module entry point exports the signals API too', async () => {
  const esm = await import('../index.mjs')
  const cjs = require('..')
  assert.equal(esm.gpcEnabled, cjs.gpcEnabled)
  assert.equal(esm.TcString, cjs.TcString)
  assert.equal(esm.SIGNALS, cjs.SIGNALS)
  assert.equal(esm.STATES, cjs.STATES)
})

test('TypeScript accepts a typed use of the signals API', () => {
  const fs = require('node:fs')
  const path = require('node:path')
  const { spawnSync } = require('node:child_process')
  const { packageRoot } = require('./helpers')
  const tsc = path.join(path.dirname(require.resolve('typescript/package.json', { paths: [packageRoot] })), 'bin', 'tsc')
  const file = path.join('test', 'types', 'signals.ts')
  assert.ok(fs.existsSync(path.join(packageRoot, file)))
  const checked = spawnSync(
    process.execPath,
    [tsc, '--noEmit', '--strict', '--types', 'node', '--module', 'nodenext', '--moduleResolution', 'nodenext', file],
    { cwd: packageRoot, encoding: 'utf8' },
  )
  assert.equal(checked.error, undefined, String(checked.error))
  assert.equal(checked.status, 0, `tsc rejected the typed use:\n${checked.stdout}${checked.stderr}`)
})
