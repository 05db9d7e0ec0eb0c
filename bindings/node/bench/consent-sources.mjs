// Benchmark of reading a banner's consent from a `Cookie` header through the Node binding:
// `node bench/consent-sources.mjs` (after `npm run build`; BENCH_REPEAT rounds, default 15).
//
// 2,000 distinct ~1 KB `Cookie` headers, each with ten ordinary cookies (analytics ids, session,
// CSRF token, language, A/B test, cart...) of varying values plus the banner's cookie, varied too:
// - vanilla-cookieconsent v3: `cc_cookie`, `encodeURIComponent(JSON.stringify(...))` as the
//   banner writes it (consent id, timestamps, categories and services that vary);
// - OneTrust: `OptanonConsent` (form-encoded, `groups` that vary) and `OptanonAlertBoxClosed`.
// Each header is read by `policy.consentFromCookieHeader(header)` (a policy whose consent source
// is that banner) and by plain JavaScript: split the header, `JSON.parse(decodeURIComponent(v))`
// (OneTrust: `new URLSearchParams(v)`), and the mapping to purposes written by hand, with the same
// "no decision" rules (cookieconsent: a consent id and both timestamps; OneTrust: the banner closed).
// Both answers are checked equal on every header before timing. Prints the median ns per header
// over the rounds, and the spread (min–max); the machine is shared, so medians.

import { createRequire } from 'node:module'
import { randomUUID } from 'node:crypto'

const require = createRequire(import.meta.url)
const { Policy } = require('../index.js')

const HEADERS = 2_000
const REPEAT = Number(process.env.BENCH_REPEAT ?? 15)

let seed = 7
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32)
const hex = (n) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('')
const int = (n) => Math.floor(rand() * n)
const pick = (list) => list[int(list.length)]

// ---- the policies --------------------------------------------------------------------------
const base = (source, cookies) => ({
  site: { name: 'Bench', url: 'https://www.example.com', revision: 1, consent_cookie: 'consent', consent_sources: [source] },
  purposes: { statistics: { label: 'Statistics' }, marketing: { label: 'Marketing' }, preferences: { label: 'Preferences' } },
  cookies: [
    ...cookies.map((name) => ({ name, provider: 'P', service: 'S', purpose: 'necessary', description: 'D', lifetime: '1 year' })),
    { name: '_ga', provider: 'G', service: 'S', purpose: 'statistics', description: 'D', lifetime: '13 months' },
    { name: '_fbp', provider: 'M', service: 'S', purpose: 'marketing', description: 'D', lifetime: '3 months' },
    { name: 'lang', provider: 'P', service: 'S', purpose: 'preferences', description: 'D', lifetime: '1 year' },
  ],
})
const ccPolicy = Policy.fromJson(JSON.stringify(base(
  { format: 'cookieconsent', purposes: { statistics: ['analytics'], marketing: ['ads'], preferences: ['functionality'] } },
  ['cc_cookie'],
)))
const otPolicy = Policy.fromJson(JSON.stringify(base(
  { format: 'onetrust', purposes: { statistics: ['C0002'], preferences: ['C0003'], marketing: ['C0004', 'C0005'] } },
  ['OptanonConsent', 'OptanonAlertBoxClosed'],
)))

// ---- the headers ---------------------------------------------------------------------------
function ordinary() {
  const now = 1_765_000_000 + int(1e6)
  return [
    `_ga=GA1.2.${int(1e9)}.${now}`,
    `_gid=GA1.2.${int(1e9)}.${now}`,
    `sessionid=${hex(32)}`,
    `csrftoken=${hex(64)}`,
    `lang=${pick(['fr', 'en', 'de', 'es'])}`,
    `ab_test=${pick(['control', 'variant-a', 'variant-b'])}.${int(1e4)}`,
    `cart=${hex(24)}`,
    `_fbp=fb.1.${now}123.${int(1e9)}`,
    `recently_viewed=${Array.from({ length: 8 }, () => int(1e6)).join('%2C')}`,
    `tz=Europe%2F${pick(['Paris', 'Berlin', 'Madrid', 'Rome'])}`,
  ]
}
const shuffleIn = (cookies, extra) => {
  const at = int(cookies.length + 1)
  return [...cookies.slice(0, at), ...extra, ...cookies.slice(at)].join('; ')
}
function ccHeader() {
  const categories = ['necessary', ...['analytics', 'ads', 'functionality'].filter(() => rand() < 0.5)]
  const t1 = new Date(Date.UTC(2026, int(12), 1 + int(28), int(24), int(60), int(60), int(1000))).toISOString()
  const t2 = new Date(Date.parse(t1) + int(1e9)).toISOString()
  const value = {
    categories,
    revision: 0,
    data: null,
    consentTimestamp: t1,
    consentId: randomUUID(),
    services: { necessary: [], analytics: categories.includes('analytics') ? ['ga'] : [], ads: [], functionality: [] },
    languageCode: pick(['en', 'fr']),
    lastConsentTimestamp: t2,
    expirationTime: Date.parse(t2) + 182 * 86400000,
  }
  return shuffleIn(ordinary(), [`cc_cookie=${encodeURIComponent(JSON.stringify(value))}`])
}
function otHeader() {
  const groups = ['C0001:1', ...['C0002', 'C0003', 'C0004', 'C0005'].map((g) => `${g}:${rand() < 0.5 ? 1 : 0}`)].join(',')
  const date = new Date(Date.UTC(2026, int(12), 1 + int(28), int(24), int(60), int(60))).toISOString()
  const consent = new URLSearchParams({
    isGpcEnabled: '0',
    datestamp: new Date(date).toString(),
    version: '202409.1.0',
    browserGpcFlag: '0',
    isIABGlobal: 'false',
    hosts: '',
    consentId: randomUUID(),
    interactionCount: String(1 + int(5)),
    isAnonUser: '1',
    landingPath: 'NotLandingPage',
    groups,
    AwaitingReconsent: 'false',
    geolocation: `${pick(['FR', 'DE', 'ES'])};${pick(['IDF', 'BY', 'MD'])}`,
  }).toString()
  return shuffleIn(ordinary(), [`OptanonConsent=${consent}`, `OptanonAlertBoxClosed=${date}`])
}

// ---- plain JavaScript ------------------------------------------------------------------------
/** The value of cookie `name` in a `Cookie` header (the first), or undefined. */
function cookieValue(header, name) {
  const prefix = `${name}=`
  for (const pair of header.split('; ')) if (pair.startsWith(prefix)) return pair.slice(prefix.length)
  return undefined
}
const CC_MAP = { statistics: ['analytics'], marketing: ['ads'], preferences: ['functionality'] }
function jsCookieconsent(header) {
  const raw = cookieValue(header, 'cc_cookie')
  if (raw === undefined) return {}
  let value
  try {
    value = JSON.parse(decodeURIComponent(raw))
  } catch {
    return {}
  }
  if (!value || !value.consentId || !value.consentTimestamp || !value.lastConsentTimestamp || !Array.isArray(value.categories)) return {}
  const choices = {}
  for (const [purpose, keys] of Object.entries(CC_MAP)) {
    choices[purpose] = keys.every((k) => value.categories.includes(k)) ? 'granted' : 'denied'
  }
  return choices
}
const OT_MAP = { statistics: ['C0002'], preferences: ['C0003'], marketing: ['C0004', 'C0005'] }
function jsOnetrust(header) {
  const raw = cookieValue(header, 'OptanonConsent')
  if (raw === undefined || cookieValue(header, 'OptanonAlertBoxClosed') === undefined) return {}
  const params = new URLSearchParams(raw)
  if (params.get('AwaitingReconsent') === 'true') return {}
  const groups = new Map()
  for (const pair of (params.get('groups') ?? '').split(',')) {
    const [id, state] = pair.split(':')
    groups.set(id, state)
  }
  const choices = {}
  for (const [purpose, keys] of Object.entries(OT_MAP)) {
    const states = keys.map((k) => groups.get(k))
    if (states.some((s) => s === '0')) choices[purpose] = 'denied'
    else if (states.every((s) => s === '1')) choices[purpose] = 'granted'
  }
  return choices
}

// ---- checks and timing ---------------------------------------------------------------------
const cases = [
  { name: 'vanilla-cookieconsent v3 (`cc_cookie`)', policy: ccPolicy, js: jsCookieconsent, headers: Array.from({ length: HEADERS }, ccHeader) },
  { name: 'OneTrust (`OptanonConsent` + `OptanonAlertBoxClosed`)', policy: otPolicy, js: jsOnetrust, headers: Array.from({ length: HEADERS }, otHeader) },
]
const sameChoices = (a, b) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort())
for (const c of cases) {
  for (const header of c.headers) {
    const consent = c.policy.consentFromCookieHeader(header)
    if (consent.problem !== null) throw new Error(`the binding read no consent (${consent.problem}) from ${header}`)
    const binding = { ...consent.choices }
    if (!sameChoices(binding, c.js(header))) {
      throw new Error(`the binding and the plain JavaScript differ on ${header}: ${JSON.stringify(binding)} against ${JSON.stringify(c.js(header))}`)
    }
  }
  c.bytes = c.headers.reduce((sum, h) => sum + h.length, 0) / c.headers.length
}

let sink = 0
function time(fn, headers) {
  const start = process.hrtime.bigint()
  for (const header of headers) sink ^= fn(header) ? 1 : 0
  return Number(process.hrtime.bigint() - start) / headers.length
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const rows = []
for (const c of cases) {
  const ways = {
    binding: (h) => c.policy.consentFromCookieHeader(h).choices,
    js: (h) => c.js(h),
  }
  for (const fn of Object.values(ways)) time(fn, c.headers) // warm-up
  const figures = { binding: [], js: [] }
  for (let r = 0; r < REPEAT; r++) {
    // Alternate the order of the two ways from round to round.
    const order = r % 2 ? ['js', 'binding'] : ['binding', 'js']
    for (const way of order) figures[way].push(time(ways[way], c.headers))
  }
  rows.push({ name: c.name, bytes: c.bytes, figures })
}
if (sink === -1) console.log(sink)

const f = (x) => x.toFixed(0)
const spread = (xs) => `${f(Math.min(...xs))}–${f(Math.max(...xs))}`
console.log(`${HEADERS} distinct headers per case, ${REPEAT} rounds, ns per header: median (min–max)\n`)
console.log('| header (mean length) | binding `consentFromCookieHeader` | plain JavaScript | binding against JS |')
console.log('|---|---|---|---|')
for (const { name, bytes, figures } of rows) {
  const b = median(figures.binding)
  const j = median(figures.js)
  const ratio = b / j
  console.log(`| ${name} (${f(bytes)} bytes) | ${f(b)} (${spread(figures.binding)}) | ${f(j)} (${spread(figures.js)}) | ${ratio < 1 ? `${(1 / ratio).toFixed(2)}× faster` : `${ratio.toFixed(2)}× slower`} |`)
}
