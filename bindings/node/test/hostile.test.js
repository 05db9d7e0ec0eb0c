'use strict'
// Hostile names (`__proto__`, `constructor`, ...) as cookie names, purpose ids and keys: decided
// like any other name, and never a way to pollute a prototype.

const test = require('node:test')
const assert = require('node:assert/strict')
const { Policy, Consent } = require('..')
const { policyObject, cookie } = require('./helpers')

const NOW = 1_700_000_100
const HOSTILE = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']

function prototypeSnapshot() {
  return {
    object: Object.getOwnPropertyNames(Object.prototype).sort(),
    array: Object.getOwnPropertyNames(Array.prototype).sort(),
    fn: Object.getOwnPropertyNames(Function.prototype).sort(),
  }
}

const doc = policyObject({
  purposes: { constructor: { label: 'Constructor' }, statistics: { label: 'Statistics' } },
  cookies: [
    cookie('__proto__', 'constructor'),
    cookie('constructor', 'statistics'),
    cookie('toString', 'necessary'),
  ],
})

test('hostile cookie names and purpose ids are decided like any other', () => {
  const before = prototypeSnapshot()
  const policy = Policy.fromJson(JSON.stringify(doc))
  const consent = Consent.fromCookie(`v=1&rev=1&at=${NOW}&constructor=1&statistics=0`)
  assert.deepEqual({ ...consent.choices }, { constructor: 'granted', statistics: 'denied' })
  assert.deepEqual(policy.decide('__proto__', consent, NOW), {
    allowed: true,
    rule: 'consent',
    purpose: 'constructor',
    consentState: 'granted',
  })
  assert.deepEqual(policy.decide('constructor', consent, NOW), {
    allowed: false,
    rule: 'consent',
    purpose: 'statistics',
    consentState: 'denied',
  })
  assert.equal(policy.decide('toString', consent, NOW).rule, 'necessary')
  for (const name of ['prototype', 'hasOwnProperty', 'valueOf', '__defineGetter__']) {
    assert.equal(policy.decide(name, consent, NOW).rule, 'undeclared', name)
  }
  const table = policy.decisionTable(consent, NOW)
  assert.equal(Object.getPrototypeOf(table.states), null)
  assert.equal(table.states.constructor, 'granted')
  assert.equal(Object.getPrototypeOf(consent.choices), null)
  const many = policy.decideMany(HOSTILE, consent, NOW)
  assert.deepEqual(
    many.map((d) => d.allowed),
    [true, false, false, true, false, false, false],
  )
  assert.deepEqual(prototypeSnapshot(), before)
  assert.equal({}.polluted, undefined)
})

test('hostile keys in consent mappings are refused or read as own data, never as prototypes', () => {
  const before = prototypeSnapshot()
  // JSON.parse makes `__proto__` an own key: it is not a purpose id, so it is refused loudly.
  assert.throws(() => new Consent(JSON.parse('{"__proto__": "granted"}')), { code: 'invalid_purpose_id' })
  assert.throws(() => new Consent(JSON.parse('{"statistics": "granted", "__proto__": {"polluted": 1}}')), TypeError)
  // A literal `__proto__:` sets the prototype: inherited keys are not read.
  const inherited = new Consent({ __proto__: { statistics: 'granted' } }, { at: NOW })
  assert.deepEqual({ ...inherited.choices }, {})
  // `constructor` is a valid purpose id, and only ever data.
  const c = new Consent({ constructor: 'granted' }, { at: NOW })
  assert.equal(c.toCookie(), `v=1&rev=1&at=${NOW}&constructor=1`)
  assert.equal(c.choices.constructor, 'granted')
  // Consent cookies naming hostile keys are malformed or plain purposes.
  assert.equal(Consent.fromCookie('v=1&rev=1&at=1&__proto__=1').problem, 'malformed')
  assert.equal(Consent.fromCookie('v=1&rev=1&at=1&constructor=1&constructor=0').problem, 'duplicate_key')
  assert.deepEqual(prototypeSnapshot(), before)
  assert.equal({}.statistics, undefined)
})

test('hostile names in Set-Cookie and Cookie headers', () => {
  const before = prototypeSnapshot()
  const policy = Policy.fromJson(JSON.stringify(doc))
  const none = Consent.fromCookie(null)
  const { kept, dropped } = policy.filterSetCookies(
    ['__proto__=x; Path=/', 'constructor=y', 'toString=z', 'hasOwnProperty=1'],
    none,
    NOW,
  )
  assert.deepEqual(kept, ['toString=z'])
  assert.deepEqual(
    dropped.map((d) => d.cookie),
    ['__proto__', 'constructor', 'hasOwnProperty'],
  )
  const purged = policy.purge('__proto__=1; constructor=2; toString=3; valueOf=4', none, NOW)
  assert.deepEqual(
    purged.map((p) => p.cookie),
    ['__proto__', 'constructor', 'valueOf'],
  )
  const fromHeader = policy.consentFromCookieHeader('__proto__=1; consent=v=1&rev=1&at=5&constructor=1')
  assert.equal(fromHeader.choices.constructor, 'granted')
  assert.deepEqual(prototypeSnapshot(), before)
})

test('many distinct hostile-looking names do not grow memory without bound', () => {
  const policy = Policy.fromJson(JSON.stringify(doc))
  const consent = Consent.fromCookie(null)
  const table = policy.decisionTable(consent, NOW)
  for (let i = 0; i < 20000; i++) {
    assert.equal(table.allowed(`__proto__${i}`), false)
  }
  assert.equal(table.allowed('toString'), true)
})
