// The Node side of the comparison benchmark (run by benches/compare.sh).
//
//   node benches/node/bench.mjs DIR [--check]
//
// Reads the shared workload the Rust side wrote to DIR, checks that every engine gives the
// expected answers, then (without --check) times them and writes DIR/node.json. The binding is the package in
// bindings/node (built by benches/compare.sh); Cedar, `cookie`, `set-cookie-parser` and
// `@iabtcf/core` (TC-string decoding, against the IAB TCF conformance strings of
// tests/conformance/iab-tcf) come from benches/node_modules.

import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

import * as cedar from '@cedar-policy/cedar-wasm/nodejs'
import { TCString } from '@iabtcf/core'
import cookie from 'cookie'
import setCookieParser from 'set-cookie-parser'

const require = createRequire(import.meta.url)
const { Policy, Consent, TcString } = require('../../bindings/node/index.js')

const dir = process.argv[2]
const read = (name) => readFileSync(join(dir, name), 'utf8')
const tomlText = read('policy.toml')
const names = read('names.txt').split('\n').filter(Boolean)
const [consentValue, nowText] = read('consent.txt').split('\n')
const NOW = Number(nowText)
const expected = read('expected.tsv').split('\n').filter(Boolean).map((l) => l.split('\t'))
const setCookies = read('set-cookies.txt').split('\n').filter(Boolean)
const cookieHeader = read('cookie-header.txt').replace(/\n$/, '')
const expectedKept = read('expected-kept.txt').split('\n').filter(Boolean)

const ROUND_MS = 20
const ROUNDS = 11
let sink = 0

/** Runs `f` (doing `ops` operations) in calibrated rounds; ns per operation, one per round. */
function perOp(ops, f) {
  let calls = 1
  for (;;) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < calls; i++) sink += f() ? 1 : 0
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    if (ms * 10 >= ROUND_MS) {
      calls = Math.max(1, Math.floor(ROUND_MS / (ms / calls)))
      break
    }
    calls *= 2
  }
  const out = []
  for (let r = 0; r <= ROUNDS; r++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < calls; i++) sink += f() ? 1 : 0
    const ns = Number(process.hrtime.bigint() - t0) / (calls * ops)
    if (r > 0) out.push(ns)
  }
  return out
}

/** As `perOp` for several functions ([ops, f] pairs), one round of each in turn. */
function interleaved(jobs) {
  const calls = jobs.map(([, f]) => {
    let c = 1
    for (;;) {
      const t0 = process.hrtime.bigint()
      for (let i = 0; i < c; i++) sink += f() ? 1 : 0
      const ms = Number(process.hrtime.bigint() - t0) / 1e6
      if (ms * 10 >= ROUND_MS) return Math.max(1, Math.floor(ROUND_MS / (ms / c)))
      c *= 2
    }
  })
  const out = jobs.map(() => [])
  for (let r = 0; r <= ROUNDS; r++) {
    jobs.forEach(([ops, f], j) => {
      const t0 = process.hrtime.bigint()
      for (let i = 0; i < calls[j]; i++) sink += f() ? 1 : 0
      if (r > 0) out[j].push(Number(process.hrtime.bigint() - t0) / (calls[j] * ops))
    })
  }
  return out
}

// ---- the plain JavaScript engine: a Map of exact names, a scan of patterns, ifs -------------
function plainEngine(toml) {
  // The inventory's TOML is flat: read each [[cookies]] table's keys.
  const exact = new Map()
  const patterns = []
  for (const block of toml.split('[[cookies]]').slice(1)) {
    const get = (k) => (block.match(new RegExp(`^${k} = "?([^"\\n]*)"?$`, 'm')) ?? [])[1]
    const name = get('name')
    const entry = { purpose: get('purpose'), third: get('domain') !== undefined, anonymous: get('anonymous') === 'true' }
    const star = name.indexOf('*')
    if (star < 0) exact.set(name, entry)
    else patterns.push({ prefix: name.slice(0, star), suffix: name.slice(star + 1), entry })
  }
  patterns.sort((a, b) => b.prefix.length + b.suffix.length - (a.prefix.length + a.suffix.length))
  const granted = (value) => {
    const m = new Map()
    for (const part of value.split('&')) {
      const eq = part.indexOf('=')
      const k = part.slice(0, eq)
      if (k !== 'v' && k !== 'rev' && k !== 'at') m.set(k, part.slice(eq + 1) === '1')
    }
    return m
  }
  const decide = (name, g) => {
    let e = exact.get(name)
    if (e === undefined) {
      for (const p of patterns) {
        if (name.length >= p.prefix.length + p.suffix.length && name.startsWith(p.prefix) && name.endsWith(p.suffix)) {
          e = p.entry
          break
        }
      }
      if (e === undefined) return false
    }
    if (e.purpose === 'necessary') return true
    if (e.third) return g.get(e.purpose) === true
    if (e.purpose === 'statistics' && e.anonymous) return true
    return g.get(e.purpose) === true
  }
  return { granted, decide }
}

const policy = Policy.fromToml(tomlText)
const consent = Consent.fromCookie(consentValue)
const plain = plainEngine(tomlText)
const granted = plain.granted(consentValue)
const grantedList = [...granted].filter(([, g]) => g).map(([p]) => p)
const cedarSet = cedar.preparsePolicySet('charter', { staticPolicies: read('charter.cedar') })
if (cedarSet.type !== 'success') throw new Error(`Cedar policies: ${JSON.stringify(cedarSet)}`)
const cedarDecide = (name) => {
  const answer = cedar.statefulIsAuthorized({
    principal: { type: 'Visitor', id: 'v' },
    action: { type: 'Action', id: 'set' },
    resource: { type: 'Cookie', id: 'c' },
    context: { name, granted: grantedList },
    preparsedPolicySetId: 'charter',
    entities: [],
  })
  if (answer.type !== 'success') throw new Error(`Cedar: ${JSON.stringify(answer.errors)}`)
  return answer.response.decision === 'allow'
}

// Requests of 10 cookies, each with its own consent cookie value (so nothing is reused from one
// request to the next), names taken in turn from the workload.
const PER_REQUEST = 10
const REQUESTS = 1000
const requests = []
for (let i = 0; i < REQUESTS; i++) {
  const req = []
  for (let k = 0; k < PER_REQUEST; k++) req.push(names[(i * PER_REQUEST + k) % names.length])
  requests.push({ names: req, value: consentValue.replace('at=1700000000', `at=${1700000000 - i}`) })
}
const requestConsents = requests.map((r) => Consent.fromCookie(r.value))
// Each request's raw 10-cookie `Cookie` header: the workload's header with the request's own
// consent cookie in place of the workload's (the policy's consent cookie, `cookies_preferences`).
const consentCookieName = tomlText.match(/^consent_cookie = "([^"]*)"$/m)[1]
const requestHeaders = requests.map((r) => {
  const pairs = cookieHeader.split('; ')
  const at = pairs.findIndex((p) => p.startsWith(`${consentCookieName}=`))
  if (at < 0) throw new Error(`the workload's Cookie header has no ${consentCookieName} cookie`)
  pairs[at] = `${consentCookieName}=${r.value}`
  return pairs.join('; ')
})
const allowedOf = new Map(expected.map(([n, a]) => [n, a === '1']))

// ---- answers first: every engine agrees before anything is timed -----------------------------
for (const [name, allowed, rule, purpose, state] of expected) {
  const d = policy.decide(name, consent, NOW)
  const got = [d.allowed ? '1' : '0', d.rule, d.purpose ?? '-', d.consentState ?? '-'].join('\t')
  if (got !== [allowed, rule, purpose, state].join('\t')) throw new Error(`cookie-charter: ${name}: ${got}`)
  if (plain.decide(name, granted) !== (allowed === '1')) throw new Error(`plain JS: ${name}`)
  if (cedarDecide(name) !== (allowed === '1')) throw new Error(`cedar-wasm: ${name}`)
}
requests.forEach((r, i) => {
  const table = policy.decisionTable(requestConsents[i], NOW)
  const g = plain.granted(r.value)
  for (const n of r.names) {
    if (table.allowed(n) !== allowedOf.get(n) || plain.decide(n, g) !== allowedOf.get(n)) throw new Error(`per request: ${n}`)
  }
})
const kept = policy.filterSetCookies(setCookies, consent, NOW).kept
if (JSON.stringify(kept) !== JSON.stringify(expectedKept)) throw new Error(`filterSetCookies: ${kept}`)
const decisions = new Map(setCookies.map((h) => {
  const n = h.slice(0, h.indexOf('=')).trim()
  return [n, policy.decide(n, consent, NOW).allowed]
}))
const parserFilter = (headers) => headers.filter((h) => decisions.get(setCookieParser.parseString(h).name) === true)
if (JSON.stringify(parserFilter(setCookies)) !== JSON.stringify(expectedKept)) throw new Error('set-cookie-parser filter')
const parsed = cookie.parse(cookieHeader)
if (Object.keys(parsed).length !== cookieHeader.split(';').length) throw new Error('npm cookie reads every cookie')
const plainSplit = (h) => {
  const out = []
  for (const piece of h.split(';')) {
    const eq = piece.indexOf('=')
    if (eq >= 0) out.push([piece.slice(0, eq).trim(), piece.slice(eq + 1).trim()])
  }
  return out
}
/** The value of the consent cookie in a `Cookie` header, by the plain split (or undefined). */
const plainConsentValue = (h) => {
  for (const [k, v] of plainSplit(h)) if (k === consentCookieName) return v
  return undefined
}
// The per-request reads of the requests' headers: the binding's consent (no problem, the same
// choices and time as the native consent of the cookie's value), npm `cookie` and the plain
// split (all 10 cookies, the consent cookie's value), and the decisions made from the header's
// consent and from the plain engine reading the header.
requests.forEach((r, i) => {
  const h = requestHeaders[i]
  const read = policy.consentFromCookieHeader(h)
  const own = requestConsents[i]
  if (read.problem !== null || JSON.stringify(read.choices) !== JSON.stringify(own.choices) || read.at !== own.at || read.gpc) {
    throw new Error(`consentFromCookieHeader: ${h}`)
  }
  const theirs = cookie.parse(h)
  if (Object.keys(theirs).length !== PER_REQUEST || theirs[consentCookieName] !== r.value) throw new Error(`npm cookie: ${h}`)
  if (plainSplit(h).length !== PER_REQUEST || plainConsentValue(h) !== r.value) throw new Error(`plain split: ${h}`)
  const table = policy.decisionTable(read, NOW)
  const g = plain.granted(plainConsentValue(h))
  for (const n of r.names) {
    if (table.allowed(n) !== allowedOf.get(n) || plain.decide(n, g) !== allowedOf.get(n)) throw new Error(`per request, from the header: ${n}`)
  }
})
// TC strings: the valid iabconsent strings and gguridi's a to c (d is truncated, refused by the
// core), decoded by both; both must read the same purpose consents and vendor consents.
const tcfDir = new URL('../../tests/conformance/iab-tcf/', import.meta.url)
const tcStrings = [
  ...JSON.parse(readFileSync(new URL('v2.2/iabconsent.json', tcfDir), 'utf8')).valid.map((v) => v.consent),
  ...['a', 'b', 'c'].map((n) => JSON.parse(readFileSync(new URL(`v2/consent_${n}.json`, tcfDir), 'utf8')).consent),
]
// The vendor each timed decode reads: the string's largest vendor id with consent (or 1).
const tcVendors = tcStrings.map((text) => {
  const ours = TcString.decode(text)
  const theirs = TCString.decode(text)
  const theirPurposes = [...theirs.purposeConsents.values()].sort((a, b) => a - b)
  if (JSON.stringify(ours.purposeConsents) !== JSON.stringify(theirPurposes)) {
    throw new Error(`TC string purpose consents differ: ${text.slice(0, 40)}…: ${ours.purposeConsents} vs ${theirPurposes}`)
  }
  const max = Math.max(ours.toJSON().vendor_consents.max_vendor_id, theirs.vendorConsents.maxId)
  let last = 1
  for (let id = 0; id <= max + 1; id++) {
    if (ours.vendorConsent(id) !== theirs.vendorConsents.has(id)) {
      throw new Error(`TC string vendor consent ${id} differs: ${text.slice(0, 40)}…`)
    }
    if (ours.vendorConsent(id)) last = id
  }
  return last
})
const tcOurs = () => {
  let s = 0
  for (let i = 0; i < tcStrings.length; i++) {
    const tc = TcString.decode(tcStrings[i])
    s += tc.purposeConsents.length + (tc.vendorConsent(tcVendors[i]) ? 1 : 0)
  }
  return s
}
const tcTheirs = () => {
  let s = 0
  for (let i = 0; i < tcStrings.length; i++) {
    const tc = TCString.decode(tcStrings[i])
    s += Array.from(tc.purposeConsents.values()).length + (tc.vendorConsents.has(tcVendors[i]) ? 1 : 0)
  }
  return s
}
if (tcOurs() !== tcTheirs()) throw new Error('TC strings: the timed reads differ')
console.error('node: answers agree')
if (process.argv.includes('--check')) process.exit(0)

// ---- timing ----------------------------------------------------------------------------------
const rows = []
const row = (table, id, label, samples) => rows.push({ table, id, label, samples })
let tick = 0
// The rows compared with one another are timed in turn, round after round.
const decideRows = [
  ['node/cookie-charter', 'Node: cookie-charter `policy.decide`, one call per name', names.length, () => {
    let s = 0
    for (const q of names) s += policy.decide(q, consent, NOW).allowed ? 1 : 0
    return s
  }],
  ['node/table', 'Node: per request of 10, `policy.decisionTable(consent)` + `table.allowed(name)`, per cookie', REQUESTS * PER_REQUEST, () => {
    let s = 0
    const now = NOW + (tick++ % 80000)
    for (let i = 0; i < REQUESTS; i++) {
      const table = policy.decisionTable(requestConsents[i], now)
      for (const q of requests[i].names) s += table.allowed(q) ? 1 : 0
    }
    return s
  }],
  ['node/table-from-header', 'Node: the same, the consent read from the request\'s 10-cookie `Cookie` header each request (`policy.consentFromCookieHeader`, the middleware\'s read)', REQUESTS * PER_REQUEST, () => {
    let s = 0
    for (let i = 0; i < REQUESTS; i++) {
      const table = policy.decisionTable(policy.consentFromCookieHeader(requestHeaders[i]), NOW)
      for (const q of requests[i].names) s += table.allowed(q) ? 1 : 0
    }
    return s
  }],
  ['node/table-from-cookie', 'Node: the same, a native `Consent` made from the consent cookie\'s value each request (`Consent.fromCookie`, the value already cut from the header)', REQUESTS * PER_REQUEST, () => {
    let s = 0
    for (let i = 0; i < REQUESTS; i++) {
      const table = policy.decisionTable(Consent.fromCookie(requests[i].value), NOW)
      for (const q of requests[i].names) s += table.allowed(q) ? 1 : 0
    }
    return s
  }],
  ['node/plain', 'Node: hand-written `Map` + pattern scan + ifs, per request of 10 reading its consent, per cookie', REQUESTS * PER_REQUEST, () => {
    let s = 0
    for (let i = 0; i < REQUESTS; i++) {
      const g = plain.granted(requests[i].value)
      for (const q of requests[i].names) s += plain.decide(q, g) ? 1 : 0
    }
    return s
  }],
  ['node/plain-from-header', 'Node: the same hand-written engine, the consent cookie cut from the request\'s `Cookie` header by the plain split, per cookie', REQUESTS * PER_REQUEST, () => {
    let s = 0
    for (let i = 0; i < REQUESTS; i++) {
      const g = plain.granted(plainConsentValue(requestHeaders[i]))
      for (const q of requests[i].names) s += plain.decide(q, g) ? 1 : 0
    }
    return s
  }],
  ['node/plain-warm', 'Node: the same hand-written engine, consent already read, per cookie', names.length, () => {
    let s = 0
    for (const q of names) s += plain.decide(q, granted) ? 1 : 0
    return s
  }],
]
interleaved(decideRows.map(([, , ops, f]) => [ops, f])).forEach((samples, j) => {
  row('decide', decideRows[j][0], decideRows[j][1], samples)
})
row('decide', 'node/cedar-wasm', 'Node: the charter as Cedar, `@cedar-policy/cedar-wasm` (pre-parsed policies)', perOp(names.length, () => {
  let s = 0
  for (const q of names) s += cedarDecide(q) ? 1 : 0
  return s
}))
row('filter', 'node/cookie-charter', 'Node: cookie-charter `policy.filterSetCookies`', perOp(1, () => policy.filterSetCookies(setCookies, consent, NOW).kept.length))
row('filter', 'node/set-cookie-parser', 'Node: `set-cookie-parser` each + decisions from a `Map`', perOp(1, () => parserFilter(setCookies).length))
// The per-request consent read from the raw header beside JavaScript's parses of the same
// headers, in turn round after round: 1,000 distinct 10-cookie headers (one per request, each
// with its own consent cookie), time per header.
const headerRows = [
  ['node/cookie-charter', 'Node: cookie-charter `policy.consentFromCookieHeader(header)`, the per-request consent read (one native call over the raw header returning a number; the middleware\'s `req.consent`)', () => {
    let s = 0
    for (let i = 0; i < REQUESTS; i++) s += policy.consentFromCookieHeader(requestHeaders[i]).problem === null ? 1 : 0
    return s
  }],
  ['node/cookie-charter-choices', 'Node: the same, then `.choices` (an object of the purposes chosen)', () => {
    let s = 0
    for (let i = 0; i < REQUESTS; i++) s += policy.consentFromCookieHeader(requestHeaders[i]).choices.statistics === 'granted' ? 1 : 0
    return s
  }],
  ['node/cookie', 'Node: npm `cookie` `parse` (an object of the 10 cookies)', () => {
    let s = 0
    for (let i = 0; i < REQUESTS; i++) s += cookie.parse(requestHeaders[i])[consentCookieName] !== undefined ? 1 : 0
    return s
  }],
  ['node/split', 'Node: hand-written split on `;` then `=` (an array of the 10 pairs)', () => {
    let s = 0
    for (let i = 0; i < REQUESTS; i++) s += plainSplit(requestHeaders[i]).length
    return s
  }],
]
interleaved(headerRows.map(([, , f]) => [REQUESTS, f])).forEach((samples, j) => {
  row('cookie-header', headerRows[j][0], headerRows[j][1], samples)
})
interleaved([[tcStrings.length, tcOurs], [tcStrings.length, tcTheirs]]).forEach((samples, j) => {
  row('tc-decode', ['node/cookie-charter', 'node/iabtcf-core'][j], [
    'Node: cookie-charter `TcString.decode` + `purposeConsents` + one `vendorConsent(id)`',
    'Node: `@iabtcf/core` `TCString.decode` + `purposeConsents` ids + one `vendorConsents.has(id)`',
  ][j], samples)
})

const pkg = (name) => JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')).version
writeFileSync(join(dir, 'node.json'), JSON.stringify({
  language: 'node',
  versions: { node: process.version, '@cedar-policy/cedar-wasm': pkg('@cedar-policy/cedar-wasm'), cookie: pkg('cookie'), 'set-cookie-parser': pkg('set-cookie-parser'), '@iabtcf/core': pkg('@iabtcf/core') },
  tc_strings: { count: tcStrings.length, bytes: tcStrings.map((t) => t.length) },
  rows,
  sink,
}, null, 1))
