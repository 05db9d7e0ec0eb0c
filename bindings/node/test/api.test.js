'use strict'
// The API of spec §8 in camelCase: loading, consents, decisions, filtering, purging, rendering,
// and its errors (codes of the core, TypeError for wrong types, panics caught).

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const url = require('node:url')
const { Policy, Consent, DecisionTable } = require('..')
const { examplePolicy, policyObject, cookie } = require('./helpers')

const NOW = 1_700_000_100
const doc = policyObject({
  purposes: { statistics: { label: 'Statistics' }, marketing: { label: 'Marketing' } },
  cookies: [
    cookie('sessionid', 'necessary', { lifetime: 'session' }),
    cookie('_ga', 'statistics'),
    cookie('_ga_*', 'statistics'),
    cookie('_pk_id.*', 'statistics', { anonymous: true }),
    cookie('_fbp', 'marketing', { domain: '.facebook.com' }),
  ],
})
const policy = Policy.fromJson(JSON.stringify(doc))

function isTypeError(e) {
  return e instanceof TypeError && e.code === 'invalid_argument' && e.message.length > 0
}

test('Policy.fromToml, fromJson and load give the same decisions', () => {
  const text = fs.readFileSync(examplePolicy, 'utf8')
  const a = Policy.fromToml(text)
  const b = Policy.load(examplePolicy)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cookie-charter-'))
  const jsonFile = path.join(dir, 'policy.json')
  fs.writeFileSync(jsonFile, JSON.stringify(doc))
  const c = Policy.load(jsonFile)
  const consent = Consent.fromCookie(null)
  for (const name of ['sessionid', 'csrftoken', 'nope']) {
    assert.deepEqual(a.decide(name, consent, NOW), b.decide(name, consent, NOW))
  }
  assert.deepEqual(c.decide('_ga', consent, NOW), policy.decide('_ga', consent, NOW))
  // The format is told by the name's extension, in any case, for a path or a file URL.
  const upper = path.join(dir, 'POLICY.JSON')
  fs.writeFileSync(upper, JSON.stringify(doc))
  for (const file of [upper, url.pathToFileURL(upper)]) {
    assert.deepEqual(Policy.load(file).decide('_ga', consent, NOW), policy.decide('_ga', consent, NOW))
  }
  assert.deepEqual(b.purposes, a.purposes)
  assert.equal(a.site.consentCookie, 'cookies_preferences')
  assert.throws(() => Policy.load(path.join(dir, 'missing.toml')), { code: 'ENOENT' })
  const latin1 = path.join(dir, 'latin1.toml')
  fs.writeFileSync(latin1, Buffer.concat([Buffer.from(text), Buffer.from('# caf\xe9\n', 'latin1')]))
  assert.throws(() => Policy.load(latin1), { code: 'syntax', message: /is not UTF-8/ })
  const bom = path.join(dir, 'bom.toml')
  fs.writeFileSync(bom, '\ufeff' + text)
  assert.deepEqual(Policy.load(bom).decide('sessionid', consent, NOW), a.decide('sessionid', consent, NOW))
})

test('decide returns plain objects with string ids', () => {
  const granted = new Consent({ statistics: 'granted' }, { revision: 1, at: NOW - 10 })
  assert.deepEqual(policy.decide('_ga_XYZ', granted, NOW), {
    allowed: true,
    rule: 'consent',
    purpose: 'statistics',
    consentState: 'granted',
  })
  assert.deepEqual(policy.decide('_fbp', granted, NOW), {
    allowed: false,
    rule: 'third_party',
    purpose: 'marketing',
    consentState: 'unset',
  })
  assert.deepEqual(policy.decide('_pk_id.1', Consent.fromCookie(null), NOW), {
    allowed: true,
    rule: 'anonymous_statistics',
    purpose: 'statistics',
    consentState: 'unset',
  })
  const d = policy.decide('sessionid', granted)
  assert.equal(Object.getPrototypeOf(d), Object.prototype)
  d.allowed = false // a fresh object each time: mutating it changes nothing else
  assert.equal(policy.decide('sessionid', granted).allowed, true)
})

test('now defaults to the current time', () => {
  const recent = new Consent({ statistics: 'granted' })
  assert.ok(Math.abs(recent.at - Date.now() / 1000) < 5)
  assert.equal(policy.decide('_ga', recent).allowed, true)
  const future = new Consent({ statistics: 'granted' }, { at: Math.floor(Date.now() / 1000) + 3 * 86400 })
  assert.equal(future.problemAt(), 'malformed')
  assert.equal(policy.decide('_ga', future).consentState, 'unset')
})

test('Consent: cookie round trip, problems, choices', () => {
  const c = new Consent({ statistics: 'granted', marketing: 'denied' }, { revision: 3, at: 1700000000 })
  assert.equal(c.toCookie(), 'v=1&rev=3&at=1700000000&marketing=0&statistics=1')
  assert.equal(c.revision, 3)
  assert.equal(c.at, 1700000000)
  assert.deepEqual({ ...c.choices }, { marketing: 'denied', statistics: 'granted' })
  assert.equal(c.problem, null)
  const back = Consent.fromCookie(c.toCookie())
  assert.equal(back.toCookie(), c.toCookie())
  assert.equal(Consent.fromCookie('v=1&rev=1&at=1&x=1&x=0').problem, 'duplicate_key')
  assert.equal(Consent.fromCookie(undefined).problem, 'absent')
  assert.equal(Consent.fromCookie('v=9&rev=1&at=1').problem, 'unknown_version')
  assert.match(Consent.fromCookie('garbage').problemMessage, /malformed/)
  assert.deepEqual(JSON.parse(JSON.stringify(c)), {
    revision: 3,
    at: 1700000000,
    choices: { marketing: 'denied', statistics: 'granted' },
    problem: null,
  })
})

test('decideMany and decisionTable agree with decide', () => {
  const consent = Consent.fromCookie(`v=1&rev=1&at=${NOW}&statistics=1&marketing=0`)
  const names = ['sessionid', '_ga', '_ga_1', '_pk_id.x', '_fbp', 'nope', '']
  const many = policy.decideMany(names, consent, NOW)
  const table = policy.decisionTable(consent, NOW)
  assert.ok(table instanceof DecisionTable)
  assert.equal(table.now, NOW)
  assert.throws(() => {
    'use strict'
    table.now = 0
  }, TypeError)
  assert.equal(policy.decisionTable(consent, NOW), table)
  assert.throws(() => new DecisionTable(), TypeError)
  names.forEach((n, i) => {
    assert.deepEqual(many[i], policy.decide(n, consent, NOW))
    assert.deepEqual(table.decide(n), many[i])
    assert.equal(table.allowed(n), many[i].allowed)
  })
  assert.deepEqual({ ...table.states }, { necessary: 'granted', statistics: 'granted', marketing: 'denied' })
})

test('filterSetCookies, purge, purposesToAsk and consentState', () => {
  const none = Consent.fromCookie(null)
  const { kept, dropped } = policy.filterSetCookies(['sessionid=1; Path=/', '_ga=2', '=x', 'evil\r\nx=1'], none, NOW)
  assert.deepEqual(kept, ['sessionid=1; Path=/'])
  assert.deepEqual(
    dropped.map((d) => [d.cookie, d.decision.rule, d.problem]),
    [
      ['_ga', 'consent', null],
      [null, 'undeclared', 'nameless'],
      [null, 'undeclared', 'control_character'],
    ],
  )
  assert.deepEqual(policy.filterSetCookies('sessionid=1', none, NOW).kept, ['sessionid=1'])
  const purged = policy.purge('sessionid=1; _ga=2; other=3', none, NOW)
  assert.deepEqual(
    purged.map((p) => p.cookie),
    ['_ga', 'other'],
  )
  assert.ok(purged.every((p) => p.headers.length > 0 && p.headers.every((h) => /Max-Age=0/.test(h))))
  assert.deepEqual(policy.purge(null, none, NOW), [])
  assert.deepEqual([...policy.purposesToAsk(none, NOW)].sort(), ['marketing', 'statistics'])
  const all = new Consent({ statistics: 'granted', marketing: 'denied' }, { at: NOW })
  assert.deepEqual(policy.purposesToAsk(all, NOW), [])
  assert.equal(policy.consentState('marketing', all, NOW), 'denied')
  assert.equal(policy.consentState('nope', all, NOW), null)
  const fromHeader = policy.consentFromCookieHeader(`a=1; consent=${all.toCookie()}; b=2`)
  assert.equal(fromHeader.toCookie(), all.toCookie())
  assert.equal(policy.consentFromCookieHeader(undefined).problem, 'absent')
  const twice = policy.consentFromCookieHeader(`consent=${all.toCookie()}; consent=v=1&rev=1&at=1`)
  assert.equal(twice.problem, 'malformed')
  assert.equal(policy.decide('_ga', twice, NOW).consentState, 'unset')
})

test('renderCharter renders the example in French and English, HTML escaped', () => {
  const example = Policy.load(examplePolicy)
  const fr = example.renderCharter({ lang: 'fr', format: 'markdown' })
  assert.match(fr, /Nom du prestataire/)
  assert.match(fr, /sessionid/)
  const en = example.renderCharter({ lang: 'en', format: 'html' })
  assert.match(en, /Cookie name/)
  assert.match(en, /<article/)
  assert.equal(example.renderCharter(), example.renderCharter({ lang: 'fr', format: 'markdown' }))
  const sneaky = Policy.fromJson(
    JSON.stringify(policyObject({ cookies: [cookie('x', 'necessary', { provider: '<script>alert(1)</script>' })] })),
  )
  assert.doesNotMatch(sneaky.renderCharter({ format: 'html' }), /<script>/)
  assert.throws(() => example.renderCharter({ format: 'pdf' }), (e) => e.code === 'invalid_argument' && !(e instanceof TypeError))
})

test('load errors carry the core code, field and location', () => {
  assert.throws(
    () => Policy.fromToml('[site]\nname = "x"\nurl = "https://x.example"\nconsent_cookie = "c"\n[[cookies]]\nname = "a"\nprovider = "p"\nservice = "s"\npurpose = "ads"\ndescription = "d"\nlifetime = "1 day"\n'),
    (e) => {
      assert.ok(e instanceof Error)
      assert.equal(e.code, 'unknown_purpose')
      assert.equal(e.field, 'cookies[0].purpose')
      assert.equal(e.line, 9)
      assert.match(e.message, /`ads`/)
      return true
    },
  )
  assert.throws(() => Policy.fromJson('{'), { code: 'syntax' })
  assert.throws(() => new Consent({ Statistics: 'granted' }), { code: 'invalid_purpose_id' })
  assert.throws(() => new Consent({ statistics: 'yes' }), { code: 'invalid_consent' })
})

test('wrong argument types raise TypeError', () => {
  const consent = Consent.fromCookie(null)
  const calls = [
    () => Policy.fromToml(42),
    () => Policy.fromJson({ site: {} }),
    () => Policy.load(null),
    () => policy.decide(42, consent),
    () => policy.decide('x', 'v=1&rev=1&at=1'),
    () => policy.decide('x', policy),
    () => policy.decide('x', {}),
    () => policy.decide('x', consent, 'now'),
    () => policy.decide('x', consent, -1),
    () => policy.decide('x', consent, NaN),
    () => policy.decideMany('x', consent),
    () => policy.decideMany([1], consent),
    () => policy.decisionTable(null),
    () => policy.decisionTable(consent).decide(Symbol('x')),
    () => policy.filterSetCookies([1], consent),
    () => policy.filterSetCookies(null, consent),
    () => policy.purge(42, consent),
    () => policy.purposesToAsk({}),
    () => policy.consentState(1, consent),
    () => policy.consentFromCookieHeader(5),
    () => policy.renderCharter('fr'),
    () => policy.renderCharter({ lang: 5 }),
    () => Consent.fromCookie(12),
    () => new Consent('statistics'),
    () => new Consent({ statistics: true }),
    () => new Consent({}, 5),
    () => new Consent({}, { revision: 'one' }),
    () => new Consent({}, { at: -5 }),
    () => consent.problemAt('soon'),
  ]
  calls.forEach((call, i) => assert.throws(call, isTypeError, `call ${i}: ${call}`))
})

/** The test hooks: only a test build has them (`npm run build:test`, as test.sh builds). */
function testHooks() {
  const hooks = require('..').__testHooks
  assert.equal(typeof hooks?.panic, 'function', 'the addon was built without its test hooks: run `npm run build:test`')
  return hooks
}

test('a panic in Rust becomes an Error with code panic, and the process goes on', () => {
  const hooks = testHooks()
  for (let i = 0; i < 3; i++) {
    // In an export of `#[napi(catch_unwind)]`, through the package's error translation.
    assert.throws(() => hooks.panic(), (e) => e instanceof Error && e.code === 'panic' && /deliberate panic/.test(e.message))
    // In the hot path's plain functions (src/fast.rs `guarded`): thrown with its code by the addon.
    const native = require('../native.cjs')
    assert.throws(() => native.__guardedPanicForTests(), (e) => e instanceof Error && e.code === 'panic' && /panic was caught/.test(e.message))
  }
  // A wrong object where the addon expects a Consent is refused, not reinterpreted.
  assert.throws(() => policy._decide('x', policy, 0), /Consent/)
  assert.equal(policy.decide('sessionid', Consent.fromCookie(null), NOW).allowed, true)
})

test('errors that are not panics carry their own code, from the core or the binding', () => {
  const notPanic = (code) => (e) => {
    assert.ok(e instanceof Error, String(e))
    assert.equal(e.code, code, `${e.message}`)
    return true
  }
  // The core's codes.
  assert.throws(() => Policy.fromToml('[site'), notPanic('syntax'))
  assert.throws(() => Policy.fromJson('{}'), notPanic('missing_field'))
  assert.throws(() => new Consent({ Statistics: 'granted' }), notPanic('invalid_purpose_id'))
  // The binding's: a value of the right type that is not accepted, and unknown consent ids of
  // the hot path's functions (made in Rust, src/fast.rs).
  assert.throws(() => policy.renderCharter({ format: 'pdf' }), notPanic('invalid_argument'))
  assert.throws(() => policy.gtagConsent(Consent.fromCookie(null), { command: 'set' }), notPanic('invalid_argument'))
  const fast = policy._fast()
  for (const call of [() => fast.decide('x', 12345, NOW), () => fast.states(12345, NOW), () => fast.filter(['a=1'], 12345, NOW), () => fast.purge('a=1', 12345, NOW)]) {
    assert.throws(call, notPanic('invalid_argument'))
  }
  // Wrong types are TypeErrors.
  assert.throws(() => policy.respond({ handled: 'replaced' }), isTypeError)
})

test('a consent id is given back to the core when the FinalizationRegistry releases it', () => {
  // The registry calls `fast.release(id)` once the JS consent is collected; here it is called
  // directly (no test waits for the collector: `node stress/gc.js` runs the collector itself).
  const idOf = (consent) => {
    const [symbol] = Object.getOwnPropertySymbols(consent)
    return consent[symbol].id
  }
  const fresh = Policy.fromJson(JSON.stringify(doc))
  const keep = Consent.fromCookie(`v=1&rev=1&at=${NOW}&statistics=1`)
  assert.equal(fresh.decide('_ga', keep, NOW).allowed, true)
  const gone = Consent.fromCookie(`v=1&rev=1&at=${NOW}&statistics=0`)
  assert.equal(fresh.decide('_ga', gone, NOW).allowed, false)
  const [kInfo] = Object.getOwnPropertySymbols(fresh)
  const { fast } = fresh[kInfo]
  const id = idOf(gone)
  assert.notEqual(id, idOf(keep))
  fast.release(id)
  assert.throws(() => fast.decide('_ga', id, NOW), { code: 'invalid_argument' }, 'a released id names no consent')
  fast.release(id) // a second release changes nothing
  const next = Consent.fromCookie(`v=1&rev=1&at=${NOW}&marketing=1`)
  assert.equal(fresh.decide('_ga', next, NOW).allowed, false)
  assert.equal(idOf(next), id, 'the freed id is reused')
  const after = Consent.fromCookie(`v=1&rev=1&at=${NOW}&statistics=1&marketing=1`)
  fresh.decide('_ga', after, NOW)
  assert.notEqual(idOf(after), id, 'an id is given out once')
  // The consents still alive decide as before.
  assert.equal(fresh.decide('_ga', keep, NOW + 1).allowed, true)
  assert.equal(fresh.decide('_fbp', next, NOW + 1).allowed, true)
})

test('policy.purposes: plain objects in the core order, with their texts, revision, needsConsent and cookies', () => {
  const bilingual = Policy.fromToml(`
[site]
name = "x"
url = "https://www.example.com"
revision = 3
consent_cookie = "consent"
languages = ["fr", "en"]

[purposes.marketing]
label = { fr = "Publicité", en = "Advertising" }
description = { fr = "Mesure des campagnes.", en = "Measuring campaigns." }
revision = 2

[purposes.statistics]
label = { en = "Statistics", fr = "Statistiques" }

[[cookies]]
name = "consent"
provider = "x"
service = "x"
purpose = "necessary"
description = "x"
lifetime = "6 months"

[[cookies]]
name = "_pk_id.*"
provider = "x"
service = "x"
purpose = "statistics"
description = "x"
lifetime = "13 months"
anonymous = true

[[cookies]]
name = "_fbp"
provider = "x"
service = "x"
purpose = "marketing"
description = "x"
lifetime = "3 months"

[[cookies]]
name = "ad_*"
provider = "x"
service = "x"
purpose = "marketing"
description = "x"
lifetime = "3 months"
`)
  const purposes = bilingual.purposes
  assert.deepEqual(purposes.map((p) => p.id), ['necessary', 'marketing', 'statistics'])
  const [necessary, marketing, statistics] = purposes
  for (const p of purposes) assert.equal(Object.getPrototypeOf(p), Object.prototype)
  assert.deepEqual(marketing, {
    id: 'marketing',
    label: { fr: 'Publicité', en: 'Advertising' },
    description: { fr: 'Mesure des campagnes.', en: 'Measuring campaigns.' },
    revision: 2,
    needsConsent: true,
    cookies: ['_fbp', 'ad_*'],
  })
  // The texts in the policy's order: as its file gives them.
  assert.deepEqual(Object.keys(statistics.label), ['en', 'fr'])
  assert.equal(statistics.description, null)
  assert.equal(statistics.revision, 3)
  // Anonymous statistics need no consent; nor does `necessary`.
  assert.equal(statistics.needsConsent, false)
  assert.deepEqual(statistics.cookies, ['_pk_id.*'])
  assert.equal(necessary.needsConsent, false)
  assert.deepEqual(necessary.cookies, ['consent'])
  assert.deepEqual(purposes.filter((p) => p.needsConsent).map((p) => p.id), bilingual.purposesToAsk(Consent.fromCookie(null), NOW))
  // A fresh array each time: changing it changes nothing else.
  purposes[1].label.fr = 'changed'
  assert.equal(bilingual.purposes[1].label.fr, 'Publicité')
})

test('policy.respond: the one response path, its options checked', () => {
  const header = `consent=v=1&rev=1&at=${NOW}&statistics=1; _ga=1; _fbp=1`
  const answer = policy.respond({ cookie: header, setCookies: ['_ga=2', '_fbp=2; Domain=.facebook.com', 'x=1'], now: NOW })
  assert.deepEqual(Object.keys(answer), ['consent', 'setCookies', 'dropped', 'purged'])
  assert.ok(answer.consent instanceof Consent)
  assert.equal(answer.consent.choices.statistics, 'granted')
  assert.equal(answer.setCookies[0], '_ga=2')
  assert.deepEqual(answer.dropped.map((d) => [d.cookie, d.decision.rule]), [['_fbp', 'third_party'], ['x', 'undeclared']])
  assert.deepEqual(answer.purged.map((p) => p.cookie), ['_fbp'])
  assert.deepEqual(answer.setCookies.slice(1), answer.purged[0].headers)
  // A replaced consent judges, with the request's GPC; a value that is not a consent judges as none.
  const withdrawn = new Consent({ statistics: 'denied' }, { revision: 1, at: NOW })
  const replaced = policy.respond({ cookie: [header], secGpc: ['0', '1'], handled: withdrawn, setCookies: '_ga=2', purge: false, now: NOW })
  assert.deepEqual(replaced.setCookies, [])
  assert.equal(replaced.consent.gpc, true)
  assert.equal(replaced.consent.toCookie(), withdrawn.toCookie())
  const none = policy.respond({ cookie: header, handled: 'not_a_consent', now: NOW })
  assert.equal(none.consent.problem, 'malformed')
  assert.deepEqual(none.purged.map((p) => p.cookie), ['_ga', '_fbp'])
  assert.deepEqual(policy.respond({}).setCookies, [])
  for (const options of [undefined, null, 'x', { cookie: 5 }, { secGpc: [1] }, { setCookies: {} }, { handled: {} }, { handled: 'none' }, { purge: 'yes' }, { now: -1 }]) {
    assert.throws(() => policy.respond(options), isTypeError, JSON.stringify(options))
  }
})
