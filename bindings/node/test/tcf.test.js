'use strict'
// IAB TCF v2.2 TC strings through the binding: `TcString.decode` and its getters, the canonical
// JSON, every error reason with where it happened, and a TC string as a policy's consent. The
// strings are the TCF specification's example and strings written by the small encoder below.

const test = require('node:test')
const assert = require('node:assert/strict')
const fc = require('fast-check')
const { Policy, Consent, TcString } = require('..')
const { policyObject, cookie } = require('./helpers')

/** The example string of the TCF specification: core, disclosed vendors and publisher TC. */
const SPEC_EXAMPLE = 'CQSbk4AQSbk4ANwAAAENAwCgAAAAAAAAAAYgACPAAAAA.IDKQA4AAgAKAGQAygAAA.YAAAAAAAAAAA'
const REASONS = new Set([
  'empty',
  'too_large',
  'invalid_base64',
  'truncated',
  'unsupported_version',
  'invalid_segment',
  'duplicate_segment',
  'invalid_field',
  'invalid_vendor_range',
  'legitimate_interest_not_allowed',
])

// ---- a test-only encoder: fields to bits to base64url ------------------------------------------

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

class Bits {
  constructor() {
    this.bits = []
  }
  int(value, width) {
    for (let i = width - 1; i >= 0; i--) this.bits.push(Math.floor(value / 2 ** i) % 2)
    return this
  }
  flags(ids, width) {
    for (let id = 1; id <= width; id++) this.bits.push(ids.includes(id) ? 1 : 0)
    return this
  }
  letters(text) {
    for (const ch of text) this.int(ch.charCodeAt(0) - 65, 6)
    return this
  }
  vendors({ max = 0, ids = [], ranges = null } = {}) {
    this.int(max, 16)
    if (ranges === null) {
      this.int(0, 1)
      this.flags(ids, max)
    } else {
      this.int(1, 1)
      this.ranges(ranges)
    }
    return this
  }
  ranges(ranges) {
    this.int(ranges.length, 12)
    for (const [start, end] of ranges) {
      this.int(start === end ? 0 : 1, 1).int(start, 16)
      if (start !== end) this.int(end, 16)
    }
    return this
  }
  text() {
    const bits = [...this.bits]
    while (bits.length % 6 !== 0) bits.push(0)
    let out = ''
    for (let i = 0; i < bits.length; i += 6) {
      out += ALPHABET[bits.slice(i, i + 6).reduce((v, b) => v * 2 + b, 0)]
    }
    return out
  }
}

/** A core segment; every field has a default. */
function core(f = {}) {
  const b = new Bits()
    .int(f.version ?? 2, 6)
    .int(f.created ?? 17_000_000_000, 36)
    .int(f.lastUpdated ?? 17_000_000_123, 36)
    .int(f.cmpId ?? 300, 12)
    .int(f.cmpVersion ?? 7, 12)
    .int(f.consentScreen ?? 3, 6)
    .letters(f.consentLanguage ?? 'FR')
    .int(f.vendorListVersion ?? 150, 12)
    .int(f.policyVersion ?? 5, 6)
    .int(f.isServiceSpecific ?? 1, 1)
    .int(f.useNonStandardTexts ?? 0, 1)
    .flags(f.specialFeatures ?? [1], 12)
    .flags(f.purposes ?? [1, 2, 7], 24)
    .flags(f.li ?? [2, 7], 24)
    .int(f.purposeOneTreatment ?? 0, 1)
  if (f.rawCountry !== undefined) b.int(f.rawCountry[0], 6).int(f.rawCountry[1], 6)
  else b.letters(f.country ?? 'DE')
  b.vendors(f.vendorConsents ?? { max: 10, ids: [2, 10] })
  b.vendors(f.vendorLi ?? { max: 3, ids: [3] })
  const restrictions = f.restrictions ?? []
  b.int(restrictions.length, 12)
  for (const r of restrictions) b.int(r.purpose, 6).int(r.type, 2).ranges(r.ranges)
  return b.text()
}

/** A publisher TC segment (type 3). */
function publisherTc({ purposes = [], li = [], custom = 0 } = {}) {
  return new Bits().int(3, 3).flags(purposes, 24).flags(li, 24).int(custom, 6).flags([], custom).flags([], custom).text()
}

function isTcError(reason, where = {}) {
  return (e) => {
    assert.ok(e instanceof Error && !(e instanceof TypeError), `a plain Error: ${e}`)
    assert.equal(e.code, 'invalid_tc_string')
    assert.equal(e.reason, reason, e.message)
    assert.ok(e.message.startsWith(`${reason}: `), e.message)
    for (const [key, value] of Object.entries(where)) assert.equal(e[key], value, `${key}: ${e.message}`)
    return true
  }
}

function isTypeError(e) {
  return e instanceof TypeError && e.code === 'invalid_argument'
}

// ---- decoding ------------------------------------------------------------------------------

test('the specification example: getters in camelCase, raw deciseconds, ids as arrays', () => {
  const tc = TcString.decode(SPEC_EXAMPLE)
  assert.ok(tc instanceof TcString)
  assert.deepEqual(
    {
      version: tc.version,
      created: tc.created,
      lastUpdated: tc.lastUpdated,
      cmpId: tc.cmpId,
      cmpVersion: tc.cmpVersion,
      consentScreen: tc.consentScreen,
      consentLanguage: tc.consentLanguage,
      vendorListVersion: tc.vendorListVersion,
      policyVersion: tc.policyVersion,
      isServiceSpecific: tc.isServiceSpecific,
      useNonStandardTexts: tc.useNonStandardTexts,
      purposeOneTreatment: tc.purposeOneTreatment,
      publisherCountryCode: tc.publisherCountryCode,
      specialFeatureOptIns: tc.specialFeatureOptIns,
      purposeConsents: tc.purposeConsents,
      purposeLegitimateInterests: tc.purposeLegitimateInterests,
    },
    {
      version: 2,
      created: 17_489_088_000,
      lastUpdated: 17_489_088_000,
      cmpId: 880,
      cmpVersion: 0,
      consentScreen: 0,
      consentLanguage: 'EN',
      vendorListVersion: 48,
      policyVersion: 2,
      isServiceSpecific: true,
      useNonStandardTexts: false,
      purposeOneTreatment: false,
      publisherCountryCode: 'DE',
      specialFeatureOptIns: [],
      purposeConsents: [],
      purposeLegitimateInterests: [],
    },
  )
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((id) => tc.vendorConsent(id)), [false, true, true, true, true, false])
  assert.equal(tc.vendorLegitimateInterest(1), false)
  const json = tc.toJSON()
  assert.deepEqual(json.disclosed_vendors, { max_vendor_id: 404, encoding: 'range', vendors: [1, 2, 3, 4, 5, 100, 404] })
  assert.equal(json.allowed_vendors, null)
  assert.equal(json.publisher_tc.num_custom_purposes, 0)
  // toJSON is the core's canonical JSON: keys in a fixed order.
  assert.ok(JSON.stringify(tc).startsWith('{"version":2,"created":17489088000,"last_updated":17489088000,"cmp_id":880,'))
  assert.throws(() => new TcString(), isTypeError)
  assert.deepEqual(Object.keys(json).slice(0, 3), ['version', 'created', 'last_updated'])
})

test('every field the encoder writes is read back, through the getters and toJSON', () => {
  const text = [
    core({
      restrictions: [
        { purpose: 7, type: 1, ranges: [[5, 5]] },
        { purpose: 2, type: 0, ranges: [[1, 3]] },
      ],
      vendorConsents: { max: 200, ranges: [[5, 7], [200, 200]] },
    }),
    publisherTc({ purposes: [1, 7], li: [2], custom: 2 }),
  ].join('.')
  const tc = TcString.decode(text)
  assert.equal(tc.created, 17_000_000_000)
  assert.equal(tc.lastUpdated, 17_000_000_123)
  assert.equal(tc.cmpId, 300)
  assert.equal(tc.cmpVersion, 7)
  assert.equal(tc.consentScreen, 3)
  assert.equal(tc.consentLanguage, 'FR')
  assert.equal(tc.vendorListVersion, 150)
  assert.equal(tc.policyVersion, 5)
  assert.equal(tc.isServiceSpecific, true)
  assert.equal(tc.useNonStandardTexts, false)
  assert.deepEqual(tc.specialFeatureOptIns, [1])
  assert.deepEqual(tc.purposeConsents, [1, 2, 7])
  assert.deepEqual(tc.purposeLegitimateInterests, [2, 7])
  assert.equal(tc.publisherCountryCode, 'DE')
  for (let id = 0; id <= 201; id++) {
    assert.equal(tc.vendorConsent(id), [5, 6, 7, 200].includes(id), `vendor ${id}`)
  }
  assert.equal(tc.vendorLegitimateInterest(3), true)
  assert.equal(tc.vendorLegitimateInterest(2), false)
  const json = tc.toJSON()
  assert.deepEqual(json.vendor_consents, { max_vendor_id: 200, encoding: 'range', vendors: [5, 6, 7, 200] })
  assert.deepEqual(
    json.publisher_restrictions.map((r) => [r.purpose, r.restriction_type, r.vendors]),
    [
      [2, 'not_allowed', [1, 2, 3]],
      [7, 'require_consent', [5]],
    ],
  )
  assert.deepEqual(json.publisher_tc, {
    purpose_consents: [1, 7],
    purpose_legitimate_interests: [2],
    num_custom_purposes: 2,
    custom_purpose_consents: [],
    custom_purpose_legitimate_interests: [],
  })
  // A fresh array each time: changing one changes nothing else.
  tc.purposeConsents.push(99)
  assert.deepEqual(tc.purposeConsents, [1, 2, 7])
})

test('vendor ids that name no vendor are false; ids that are not numbers are TypeErrors', () => {
  const tc = TcString.decode(core({ vendorConsents: { max: 65535, ranges: [[1, 65535]] } }))
  assert.equal(tc.vendorConsent(65535), true)
  for (const id of [0, -1, 1.5, 65536, 2 ** 53, Infinity, NaN]) {
    assert.equal(tc.vendorConsent(id), false, String(id))
    assert.equal(tc.vendorLegitimateInterest(id), false, String(id))
  }
  for (const id of ['1', null, undefined, 1n, {}]) {
    assert.throws(() => tc.vendorConsent(id), isTypeError)
    assert.throws(() => tc.vendorLegitimateInterest(id), isTypeError)
  }
  for (const text of [1, null, undefined, {}, ['C']]) {
    assert.throws(() => TcString.decode(text), isTypeError)
  }
})

test('every error reason, with its segment, field and bit', () => {
  const valid = core()
  const cases = [
    ['', 'empty', { segment: 0, field: null, bit: 0 }],
    ['A'.repeat(65_537), 'too_large', { segment: 0, field: null }],
    ['CO+zTO5O', 'invalid_base64', { segment: 0, field: null, bit: 12 }],
    [`${valid}.IDK=`, 'invalid_base64', { segment: 1, field: null }],
    ['CA', 'truncated', { segment: 0, field: 'created', bit: 6 }],
    [valid.slice(0, 37), 'truncated', { segment: 0, field: 'vendor_consents' }],
    [`${valid}.`, 'truncated', { segment: 1, field: 'segment_type', bit: 0 }],
    [core({ version: 1 }), 'unsupported_version', { segment: 0, field: 'version', bit: 0 }],
    [core({ version: 3 }), 'unsupported_version', { field: 'version' }],
    [`${valid}.AAAA`, 'invalid_segment', { segment: 1, field: 'segment_type', bit: 0 }],
    [`${valid}.gAAA`, 'invalid_segment', { segment: 1, field: 'segment_type' }],
    [`${valid}.${publisherTc()}.${publisherTc()}`, 'duplicate_segment', { segment: 2, field: 'publisher_tc', bit: 0 }],
    [core({ consentLanguage: 'F[' }), 'invalid_field', { segment: 0, field: 'consent_language', bit: 108 }],
    [core({ rawCountry: [3, 40] }), 'invalid_field', { field: 'publisher_country_code', bit: 201 }],
    [core({ restrictions: [{ purpose: 1, type: 3, ranges: [] }] }), 'invalid_field', { field: 'publisher_restrictions' }],
    [core({ vendorConsents: { max: 10, ranges: [[0, 0]] } }), 'invalid_vendor_range', { field: 'vendor_consents', bit: 242 }],
    [core({ vendorConsents: { max: 10, ranges: [[5, 3]] } }), 'invalid_vendor_range', { field: 'vendor_consents', bit: 242 }],
    [core({ vendorConsents: { max: 10, ranges: [[5, 11]] } }), 'invalid_vendor_range', { field: 'vendor_consents' }],
    [core({ policyVersion: 4, li: [3] }), 'legitimate_interest_not_allowed', { field: 'purpose_legitimate_interests', bit: 178 }],
    [core({ policyVersion: 5, li: [2, 6] }), 'legitimate_interest_not_allowed', { bit: 181 }],
  ]
  const seen = new Set()
  for (const [text, reason, where] of cases) {
    assert.throws(() => TcString.decode(text), isTcError(reason, where), `${reason}: ${text.slice(0, 60)}`)
    seen.add(reason)
  }
  assert.deepEqual([...seen].sort(), [...REASONS].sort(), 'every reason is covered')
  // Before TCF v2.2 (policy version 2), legitimate interest for purposes 3 to 6 was allowed.
  assert.deepEqual(TcString.decode(core({ policyVersion: 2, li: [3, 6] })).purposeLegitimateInterests, [3, 6])
})

// ---- a TC string as the consent --------------------------------------------------------------

const policy = Policy.fromJson(
  JSON.stringify(
    policyObject({
      site: { revision: 3 },
      purposes: {
        statistics: { label: 'Statistics', tcf_purposes: [1, 7] },
        marketing: { label: 'Marketing', tcf_purposes: [1, 2, 3, 4] },
        videos: { label: 'Videos' },
      },
      cookies: [cookie('_ga', 'statistics'), cookie('ads', 'marketing'), cookie('player', 'videos')],
    }),
  ),
)
const NOW = 1_800_000_000

test('consentFromTcString: purposes granted when every TCF purpose they map to has consent', () => {
  const consent = policy.consentFromTcString(core({ purposes: [1, 2, 7], lastUpdated: 17_000_000_129 }))
  assert.ok(consent instanceof Consent)
  assert.equal(consent.problem, null)
  assert.equal(consent.revision, 3, 'for the policy\'s current revision')
  assert.equal(consent.at, 1_700_000_012, 'dated by LastUpdated, in whole seconds')
  assert.equal(consent.gpc, false)
  assert.deepEqual({ ...consent.choices }, { marketing: 'denied', statistics: 'granted' })
  assert.deepEqual(policy.decide('_ga', consent, NOW), { allowed: true, rule: 'consent', purpose: 'statistics', consentState: 'granted' })
  assert.deepEqual(policy.decide('ads', consent, NOW), { allowed: false, rule: 'consent', purpose: 'marketing', consentState: 'denied' })
  assert.equal(policy.decide('player', consent, NOW).consentState, 'unset', 'a purpose without tcf_purposes stays unset')
  assert.deepEqual(policy.purposesToAsk(consent, NOW), ['videos'])
  // The same consent from a decoded string; its cookie reads back to the same decisions.
  const tc = TcString.decode(core({ purposes: [1, 2, 7], lastUpdated: 17_000_000_129 }))
  assert.equal(policy.consentFromTcString(tc).toCookie(), consent.toCookie())
  assert.deepEqual(policy.decideMany(['_ga', 'ads', 'player'], Consent.fromCookie(consent.toCookie()), NOW), policy.decideMany(['_ga', 'ads', 'player'], consent, NOW))
  // Legitimate interest never counts as consent.
  const li = policy.consentFromTcString(core({ purposes: [1], li: [2, 7] }))
  assert.deepEqual({ ...li.choices }, { marketing: 'denied', statistics: 'denied' })
  const all = policy.consentFromTcString(core({ purposes: [1, 2, 3, 4, 7], li: [] }))
  assert.deepEqual({ ...all.choices }, { marketing: 'granted', statistics: 'granted' })
  assert.equal(policy.consentMode(all, NOW).ad_storage, 'granted')
})

test('consentFromTcString: a publisher TC segment must agree too', () => {
  const base = core({ purposes: [1, 2, 3, 4, 7], li: [] })
  const agreeing = policy.consentFromTcString(`${base}.${publisherTc({ purposes: [1, 2, 3, 4, 7] })}`)
  assert.deepEqual({ ...agreeing.choices }, { marketing: 'granted', statistics: 'granted' })
  const partial = policy.consentFromTcString(`${base}.${publisherTc({ purposes: [1, 7] })}`)
  assert.deepEqual({ ...partial.choices }, { marketing: 'denied', statistics: 'granted' })
})

test('consentFromTcString: refused strings throw the typed error; wrong types are TypeErrors', () => {
  assert.throws(() => policy.consentFromTcString('CA'), isTcError('truncated', { field: 'created' }))
  assert.throws(() => policy.consentFromTcString(''), isTcError('empty'))
  assert.throws(() => policy.consentFromTcString(core({ policyVersion: 4, li: [5] })), isTcError('legitimate_interest_not_allowed'))
  for (const bad of [null, undefined, 42, {}, Consent.fromCookie(null)]) {
    assert.throws(() => policy.consentFromTcString(bad), isTypeError)
  }
})

test('a consent from a TC string takes the GPC signal like any other', () => {
  const gpcPolicy = Policy.fromJson(
    JSON.stringify(
      policyObject({
        purposes: { marketing: { label: 'Marketing', tcf_purposes: [1] }, social: { label: 'Social', gpc: true } },
        cookies: [cookie('ads', 'marketing'), cookie('share', 'social')],
      }),
    ),
  )
  const consent = gpcPolicy.consentFromTcString(core({ purposes: [1] })).withGpc(true)
  assert.equal(gpcPolicy.decide('ads', consent, NOW).consentState, 'granted', 'the TC string chose')
  assert.equal(gpcPolicy.decide('share', consent, NOW).consentState, 'gpc_denied', 'the TC string said nothing')
})

// ---- properties ------------------------------------------------------------------------------

/** Decodes `text`: a TcString whose getters and JSON work, or the typed error; nothing else. */
function decodeOrTypedError(text) {
  let tc
  try {
    tc = TcString.decode(text)
  } catch (e) {
    assert.ok(e instanceof Error && !(e instanceof TypeError), `not a plain Error: ${e}`)
    assert.equal(e.code, 'invalid_tc_string', e.message)
    assert.ok(REASONS.has(e.reason), e.reason)
    assert.ok(Number.isInteger(e.segment) && Number.isInteger(e.bit))
    assert.ok(e.field === null || typeof e.field === 'string')
    return null
  }
  assert.equal(tc.version, 2)
  const json = JSON.parse(JSON.stringify(tc))
  assert.deepEqual(tc.purposeConsents, json.purpose_consents)
  assert.equal(tc.consentLanguage, json.consent_language)
  return tc
}

test('property: decoding any string gives a TcString or the typed error, never anything else', () => {
  const base64url = fc.constantFrom(...`${ALPHABET}.`)
  fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => decodeOrTypedError(s) !== undefined), { numRuns: 1000 })
  fc.assert(fc.property(fc.string({ unit: base64url, maxLength: 400 }), (s) => decodeOrTypedError(s) !== undefined), { numRuns: 2000 })
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 100 }), (s) => decodeOrTypedError(`C${s}`) !== undefined),
    { numRuns: 500 },
  )
})

test('property: encoded strings decode to what was encoded, cut or changed ones to the typed error', () => {
  const ids = (width) => fc.uniqueArray(fc.integer({ min: 1, max: width }), { maxLength: width })
  fc.assert(
    fc.property(
      fc.record({
        purposes: ids(24),
        specialFeatures: ids(12),
        cmpId: fc.integer({ min: 0, max: 4095 }),
        lastUpdated: fc.integer({ min: 0, max: 2 ** 36 - 1 }),
        vendors: ids(300),
      }),
      fc.nat(),
      fc.nat(),
      (f, cut, flip) => {
        const text = core({ ...f, li: [], vendorConsents: { max: 300, ids: f.vendors } })
        const tc = decodeOrTypedError(text)
        assert.ok(tc !== null)
        assert.deepEqual(tc.purposeConsents, [...f.purposes].sort((a, b) => a - b))
        assert.deepEqual(tc.specialFeatureOptIns, [...f.specialFeatures].sort((a, b) => a - b))
        assert.equal(tc.cmpId, f.cmpId)
        assert.equal(tc.lastUpdated, f.lastUpdated)
        for (const id of f.vendors) assert.equal(tc.vendorConsent(id), true)
        decodeOrTypedError(text.slice(0, cut % text.length))
        const at = flip % text.length
        decodeOrTypedError(text.slice(0, at) + ALPHABET[(ALPHABET.indexOf(text[at]) + 1 + (flip % 63)) % 64] + text.slice(at + 1))
      },
    ),
    { numRuns: 300 },
  )
})
