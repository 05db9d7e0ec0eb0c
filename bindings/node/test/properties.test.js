'use strict'
// spec §3's invariants, property-tested through the binding with fast-check: random policies,
// consents and names, every invariant checked on the decisions the package returns.

const test = require('node:test')
const assert = require('node:assert/strict')
const fc = require('fast-check')
const { Policy, Consent, RULES, STATES } = require('..')
const { policyObject, cookie } = require('./helpers')

const RUNS = Number(process.env.COOKIE_CHARTER_PROP_RUNS ?? 150)
const NOW = 1_700_000_000

const purposeIds = ['statistics', 'marketing', 'preferences', 'social', 'constructor']

/** A random policy: its JSON object, and what the generator knows of each declaration. */
const arbPolicy = fc
  .record({
    profile: fc.constantFrom('charter', 'cnil'),
    siteRevision: fc.integer({ min: 1, max: 3 }),
    extra: fc.subarray(purposeIds.slice(1), { minLength: 0 }),
    purposeRevision: fc.dictionary(fc.constantFrom(...purposeIds), fc.integer({ min: 1, max: 3 })),
    cookies: fc.array(
      fc.record({
        purpose: fc.constantFrom('necessary', ...purposeIds),
        third: fc.boolean(),
        anonymous: fc.boolean(),
        pattern: fc.boolean(),
        lifetime: fc.constantFrom('session', '30 days', '13 months', '2 years'),
      }),
      { minLength: 1, maxLength: 12 },
    ),
  })
  .map(({ profile, siteRevision, extra, purposeRevision, cookies }) => {
    const declared = new Set(['statistics', ...extra])
    const purposes = {}
    for (const id of declared) {
      const rev = purposeRevision[id]
      purposes[id] = rev === undefined || rev > siteRevision ? { label: id } : { label: id, revision: rev }
    }
    const decls = cookies.map((c, i) => {
      const purpose = c.purpose === 'necessary' || declared.has(c.purpose) ? c.purpose : 'statistics'
      const name = c.pattern ? `p${i}_*` : `c${i}`
      const extraFields = { lifetime: c.lifetime }
      if (c.third) extraFields.party = 'third'
      if (c.anonymous && purpose === 'statistics') extraFields.anonymous = true
      return { decl: cookie(name, purpose, extraFields), name, purpose, third: c.third }
    })
    const doc = policyObject({ purposes, cookies: decls.map((d) => d.decl), site: { profile, revision: siteRevision } })
    return { doc, decls, purposes: ['necessary', ...declared] }
  })

/** A random consent over the policy's purposes (and some it does not declare). */
const arbChoices = fc.dictionary(
  fc.constantFrom(...purposeIds, 'unknown'),
  fc.constantFrom('granted', 'denied'),
)
const arbConsent = fc.record({
  choices: arbChoices,
  revision: fc.integer({ min: 0, max: 4 }),
  age: fc.integer({ min: -3 * 86400, max: 400 * 86400 }),
  broken: fc.boolean(),
})

function makeConsent({ choices, revision, age, broken }) {
  if (broken) return Consent.fromCookie('v=1&rev=x')
  return new Consent(choices, { revision, at: Math.max(0, NOW - age) })
}

/** Names to decide: declared ones, pattern matches, and undeclared or hostile ones. */
function namesOf(decls) {
  const names = ['', 'undeclared', '__proto__', 'constructor', 'c', 'p_x']
  for (const d of decls) names.push(d.name.endsWith('*') ? `${d.name.slice(0, -1)}xyz` : d.name)
  return names
}

const arbCase = fc.tuple(arbPolicy, arbConsent)

test('necessary ⇒ allowed; undeclared ⇒ denied; third party without `granted` ⇒ denied', () => {
  fc.assert(
    fc.property(arbCase, ([p, c]) => {
      const policy = Policy.fromJson(JSON.stringify(p.doc))
      const consent = makeConsent(c)
      for (const name of namesOf(p.decls)) {
        const d = policy.decide(name, consent, NOW)
        if (d.purpose === 'necessary') assert.equal(d.allowed, true, name)
        if (d.rule === 'undeclared') {
          assert.equal(d.allowed, false, name)
          assert.equal(d.purpose, null)
          assert.equal(d.consentState, null)
        }
        const decl = p.decls.find((x) => x.name === name || (x.name.endsWith('*') && name === `${x.name.slice(0, -1)}xyz`))
        if (decl && decl.third && decl.purpose !== 'necessary' && d.consentState !== 'granted') {
          assert.equal(d.allowed, false, `${name}: third party without consent`)
          assert.equal(d.rule, 'third_party')
        }
        if (decl === undefined) assert.equal(d.rule, 'undeclared', name)
      }
    }),
    { numRuns: RUNS },
  )
})

test('exactly one rule decides, the same way every time and through every entry point', () => {
  const native = require('../native.cjs')
  assert.ok(native.Policy.prototype._decide, 'the native decide is there')
  fc.assert(
    fc.property(arbCase, ([p, c]) => {
      const policy = Policy.fromJson(JSON.stringify(p.doc))
      const consent = makeConsent(c)
      const names = namesOf(p.decls)
      const many = policy.decideMany(names, consent, NOW)
      const table = policy.decisionTable(consent, NOW)
      names.forEach((name, i) => {
        const d = policy.decide(name, consent, NOW)
        assert.ok(RULES.includes(d.rule))
        assert.ok(d.consentState === null || STATES.includes(d.consentState))
        assert.deepEqual(policy.decide(name, consent, NOW), d)
        // A consent not seen before: the first decision goes to the core in one call.
        assert.deepEqual(policy.decide(name, makeConsent(c), NOW), d)
        assert.deepEqual(many[i], d)
        assert.deepEqual(table.decide(name), d)
        assert.equal(table.allowed(name), d.allowed)
        // The core's own decide, one call per name, packed: the JS tables must agree with it.
        const packed = policy._decide(name, consent, NOW)
        assert.equal((packed & 1) === 1, d.allowed, `${name}: allowed as the core says`)
        assert.equal(RULES[(packed >> 1) & 7], d.rule, `${name}: rule as the core says`)
        if (d.consentState !== null) {
          assert.equal(policy.consentState(d.purpose, consent, NOW), d.consentState)
        }
      })
    }),
    { numRuns: RUNS },
  )
})

test('monotonic: granting a purpose never turns an allowed cookie into a denied one', () => {
  fc.assert(
    fc.property(arbCase, fc.constantFrom(...purposeIds), ([p, c], purpose) => {
      const policy = Policy.fromJson(JSON.stringify(p.doc))
      const before = makeConsent({ ...c, broken: false })
      const after = makeConsent({ ...c, broken: false, choices: { ...c.choices, [purpose]: 'granted' } })
      for (const name of namesOf(p.decls)) {
        if (policy.decide(name, before, NOW).allowed) {
          assert.equal(policy.decide(name, after, NOW).allowed, true, name)
        }
      }
    }),
    { numRuns: RUNS },
  )
})

test('locality: a decision depends on the consent for its own purpose only', () => {
  fc.assert(
    fc.property(
      arbCase,
      fc.constantFrom(...purposeIds),
      fc.constantFrom('granted', 'denied', undefined),
      ([p, c], other, choice) => {
        const policy = Policy.fromJson(JSON.stringify(p.doc))
        const base = makeConsent({ ...c, broken: false })
        const changed = { ...c.choices }
        if (choice === undefined) delete changed[other]
        else changed[other] = choice
        const varied = makeConsent({ ...c, broken: false, choices: changed })
        for (const name of namesOf(p.decls)) {
          const d = policy.decide(name, base, NOW)
          if (d.purpose !== other) assert.deepEqual(policy.decide(name, varied, NOW), d, name)
        }
      },
    ),
    { numRuns: RUNS },
  )
})

test('denied, unset, expired and stale all deny a cookie that needs consent', () => {
  let seen = 0
  fc.assert(
    fc.property(arbCase, ([p, c]) => {
      const policy = Policy.fromJson(JSON.stringify(p.doc))
      const consent = makeConsent(c)
      for (const name of namesOf(p.decls)) {
        const d = policy.decide(name, consent, NOW)
        if (d.rule === 'consent' || d.rule === 'third_party') {
          assert.equal(d.allowed, d.consentState === 'granted', name)
          if (d.consentState !== 'granted') seen++
        }
      }
    }),
    { numRuns: RUNS },
  )
  assert.ok(seen > 0, 'the generator produced refused cookies')
})

test('consent cookies round-trip: parse(format(c)) == c', () => {
  fc.assert(
    fc.property(arbConsent, (c) => {
      const consent = makeConsent({ ...c, broken: false })
      const text = consent.toCookie()
      assert.match(text, /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/, 'only cookie-octets')
      const back = Consent.fromCookie(text)
      assert.equal(back.problem, null)
      assert.equal(back.toCookie(), text)
      assert.deepEqual({ ...back.choices }, { ...consent.choices })
    }),
    { numRuns: RUNS },
  )
})

test('filterSetCookies (numbers across Node-API) says exactly what the core says', () => {
  const doc = policyObject({
    purposes: { statistics: { label: 'S' } },
    cookies: [cookie('e_id', 'statistics'), cookie('sid', 'necessary'), cookie('_ga_*', 'statistics', { party: 'third' })],
    site: { clamp_lifetimes: true },
  })
  const policy = Policy.fromJson(JSON.stringify(doc))
  const piece = fc.constantFrom('sid', 'e_id', 'é_id', '_ga_1', 'x', ' ', '\t', '=', ';', 'Max-Age=99999999', 'Path=/', '\u0001', '😀', '', 'é')
  const header = fc.oneof(
    fc.array(piece, { maxLength: 8 }).map((parts) => parts.join('')),
    fc
      .tuple(fc.constantFrom('sid', 'e_id', '_ga_1'), fc.integer({ min: 0, max: 1e9 }))
      .map(([name, age]) => `${name}=v; Max-Age=${age}; Path=/`),
  )
  const seen = { rewritten: 0, kept: 0, unicodeName: 0 }
  fc.assert(
    fc.property(fc.array(header, { maxLength: 6 }), arbConsent, (headers, c) => {
      const consent = makeConsent(c)
      const got = policy.filterSetCookies(headers, consent, NOW)
      const raw = policy._filterSetCookies(headers, consent, NOW)
      assert.deepEqual(got.kept, raw.kept)
      assert.deepEqual(
        got.dropped.map((d) => [d.header, d.cookie, d.problem, (d.decision.allowed ? 1 : 0) | (RULES.indexOf(d.decision.rule) << 1)]),
        raw.dropped.map((d) => [d.header, d.cookie ?? null, d.problem ?? null, d.code & 15]),
      )
      assert.equal(got.kept.length + got.dropped.length, headers.length)
      seen.kept += got.kept.length
      seen.rewritten += got.kept.filter((k) => !headers.includes(k)).length
      seen.unicodeName += got.dropped.filter((d) => d.cookie !== null && /[^\x00-\x7f]/.test(d.cookie)).length
    }),
    { numRuns: RUNS * 4 },
  )
  assert.ok(seen.kept > 0 && seen.rewritten > 0 && seen.unicodeName > 0, JSON.stringify(seen))
})

test('purge (strings across Node-API) says exactly what the core says', () => {
  const doc = policyObject({
    purposes: { statistics: { label: 'S' }, marketing: { label: 'M' } },
    cookies: [cookie('sid', 'necessary', { path: '/app' }), cookie('_ga', 'statistics'), cookie('ad_*', 'marketing')],
    site: { url: 'https://www.shop.example.co.uk' },
  })
  const policy = Policy.fromJson(JSON.stringify(doc))
  const name = fc.constantFrom('sid', '_ga', 'ad_1', 'x', '__Host-x', '__Secure-y', 'é', 'a;b', ' sp ', '', 'consent')
  const pair = fc.tuple(name, fc.constantFrom('1', '', 'v=1', 'é')).map(([n, v]) => `${n}=${v}`)
  const cookieHeader = fc.array(pair, { maxLength: 8 }).map((pairs) => pairs.join('; '))
  let purgedSeen = 0
  fc.assert(
    fc.property(cookieHeader, arbConsent, (header, c) => {
      const consent = makeConsent(c)
      const got = policy.purge(header, consent, NOW)
      const raw = policy._purge(header, consent, NOW)
      assert.deepEqual(
        got.map((p) => [p.cookie, p.headers, (p.decision.allowed ? 1 : 0) | (RULES.indexOf(p.decision.rule) << 1)]),
        raw.map((p) => [p.cookie, p.headers, p.code & 15]),
      )
      for (const p of got) {
        assert.equal(p.decision.allowed, false)
        assert.ok(p.headers.every((h) => !/[\r\n]/.test(h)))
      }
      purgedSeen += got.length
    }),
    { numRuns: RUNS * 2 },
  )
  assert.ok(purgedSeen > 0)
})

test("respond (the middleware's one call, lines across Node-API) says what filterSetCookies, purge and policy.respond say", () => {
  const doc = policyObject({
    purposes: { statistics: { label: 'S' }, marketing: { label: 'M', gpc: true } },
    cookies: [
      cookie('sid', 'necessary'),
      cookie('_ga', 'statistics', { lifetime: '1 day' }),
      cookie('ad_*', 'marketing'),
    ],
    site: { clamp_lifetimes: true },
  })
  const policy = Policy.fromJson(JSON.stringify(doc))
  const fast = policy._fast()
  const piece = fc.constantFrom('sid', '_ga', 'ad_1', 'x', ' ', '=', ';', 'Max-Age=99999999', 'Path=/', '\r', '\u0001', 'é', '😀', '')
  const setCookie = fc.oneof(
    fc.array(piece, { maxLength: 6 }).map((parts) => parts.join('')),
    fc
      .tuple(fc.constantFrom('sid', '_ga', 'ad_1'), fc.integer({ min: 0, max: 1e9 }))
      .map(([name, age]) => `${name}=v; Max-Age=${age}; Path=/`),
  )
  const pair = fc.oneof(
    fc.tuple(fc.constantFrom('sid', '_ga', 'ad_1', 'x', 'é', ''), fc.constantFrom('1', '', 'é')).map(([n, v]) => `${n}=${v}`),
    arbConsent.map((c) => `consent=${makeConsent(c).toCookie()}`),
  )
  const cookieHeader = fc.array(pair, { maxLength: 5 }).map((pairs) => pairs.join('; '))
  const seen = { codes: new Set(), purged: 0 }
  fc.assert(
    fc.property(cookieHeader, fc.array(setCookie, { maxLength: 5 }), fc.boolean(), fc.constantFrom('', '1'), (header, list, purge, gpc) => {
      const answer = fast.respond([header, ...list].join('\n'), NOW, purge ? 1 : 0, gpc)
      let consent = policy.consentFromCookieHeader(header)
      if (gpc === '1') consent = consent.withGpc(true)
      const { kept } = policy.filterSetCookies(list, consent, NOW)
      let codes = ''
      const texts = []
      let k = 0
      for (const value of list) {
        if (kept[k] === value) {
          codes += '1'
          k++
        } else if (k < kept.length && policy.filterSetCookies([value], consent, NOW).kept[0] === kept[k]) {
          codes += '2'
          texts.push(kept[k++])
        } else codes += '0'
      }
      if (purge && header !== '') {
        for (const p of policy.purge(header, consent, NOW)) texts.push(...p.headers)
        seen.purged += texts.length
      }
      assert.equal(answer, codes + texts.map((t) => `\n${t}`).join(''))
      for (const c of codes) seen.codes.add(c)
      // The public call gives the same values to send.
      const sent = policy.respond({ cookie: header, secGpc: gpc, setCookies: list, purge, now: NOW }).setCookies
      assert.deepEqual(sent, [...kept, ...texts.slice(codes.split('').filter((c) => c === '2').length)])
    }),
    { numRuns: RUNS * 4 },
  )
  assert.deepEqual([...seen.codes].sort(), ['0', '1', '2'])
  assert.ok(seen.purged > 0)
})
