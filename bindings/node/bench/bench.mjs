// Benchmark of the Node binding: `node bench/bench.mjs` (after `npm run build:test`: the yardstick
// `__noop` is a test-only export, left out of `npm run build`).
//
// The shape of PERFORMANCE.md: 62 declarations (13 patterns), 10,000 mixed queries (exact names,
// pattern matches, undeclared names). Everything is measured in this one process and run, since
// single figures move by about ±30% from minute to minute on these machines:
// - `__noop(s)`: a napi-rs function taking one string and doing nothing, the yardstick;
// - `policy.decide(name, consent, now)` (the public call), warm and with its caches defeated;
// - the per-request ways: `decisionTable` + `decide`/`allowed`, and `decideMany`;
// - an equivalent pure-JS engine (a `Map` of exact names, a pattern scan, and `if`s).
// Prints a Markdown table; `--json` prints the figures as JSON too.

import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { Policy, Consent } = require('../index.js')
const native = require('../native.cjs')
if (typeof native.__noop !== 'function') {
  throw new Error('the addon has no `__noop`: build it with `npm run build:test` (the test-hooks feature)')
}

const QUERIES = 10_000
const REPEAT = Number(process.env.BENCH_REPEAT ?? 7)
const NOW = 1_700_000_100

// ---- the policy: 49 exact names, 13 patterns, 4 purposes, first and third party ------------
const purposes = ['statistics', 'marketing', 'preferences', 'social']
const cookies = []
const decl = (name, purpose, extra = {}) =>
  cookies.push({ name, provider: 'P', service: 'S', purpose, description: 'D', lifetime: '13 months', ...extra })
for (let i = 0; i < 49; i++) {
  const purpose = i % 5 === 0 ? 'necessary' : purposes[i % 4]
  const extra = {}
  if (i % 7 === 3 && purpose !== 'necessary') extra.party = 'third'
  if (purpose === 'statistics' && i % 3 === 0) extra.anonymous = true
  decl(`cookie_${i}`, purpose, extra)
}
for (let i = 0; i < 13; i++) decl(`pat${i}_*`, i % 4 === 0 ? 'necessary' : purposes[i % 4], i % 5 === 1 ? { party: 'third' } : {})
const doc = {
  site: { name: 'Bench', url: 'https://www.example.com', revision: 1, consent_cookie: 'cookie_0' },
  purposes: Object.fromEntries(purposes.map((p) => [p, { label: p }])),
  cookies,
}
const policy = Policy.fromJson(JSON.stringify(doc))
const crowded = Policy.fromJson(JSON.stringify(doc))

// ---- the queries: deterministic mix -------------------------------------------------------
let seed = 42
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32)
const queries = []
for (let i = 0; i < QUERIES; i++) {
  const r = rand()
  if (r < 0.6) queries.push(`cookie_${Math.floor(rand() * 49)}`)
  else if (r < 0.85) queries.push(`pat${Math.floor(rand() * 13)}_${Math.floor(rand() * 1e6).toString(36)}`)
  else queries.push(`other_${Math.floor(rand() * 50)}`)
}
const consentValue = `v=1&rev=1&at=${NOW - 3600}&statistics=1&marketing=0&preferences=1`
const consent = Consent.fromCookie(consentValue)

// ---- the pure-JS engine: a Map for exact names, a scan of patterns, ifs ---------------------
function jsEngine(doc) {
  const exact = new Map()
  const patterns = []
  for (const c of doc.cookies) {
    const third = c.party === 'third'
    const rule =
      c.purpose === 'necessary' ? 'necessary' : third ? 'third_party' : c.purpose === 'statistics' && c.anonymous ? 'anonymous_statistics' : 'consent'
    const entry = { purpose: c.purpose, rule }
    const star = c.name.indexOf('*')
    if (star < 0) exact.set(c.name, entry)
    else patterns.push({ prefix: c.name.slice(0, star), suffix: c.name.slice(star + 1), entry })
  }
  patterns.sort((a, b) => b.prefix.length + b.suffix.length - (a.prefix.length + a.suffix.length))
  const find = (name) => {
    const e = exact.get(name)
    if (e !== undefined) return e
    for (const p of patterns) {
      if (name.length >= p.prefix.length + p.suffix.length && name.startsWith(p.prefix) && name.endsWith(p.suffix)) return p.entry
    }
    return undefined
  }
  const states = (value) => {
    const m = new Map([['necessary', 'granted']])
    for (const part of value.split('&')) {
      const [k, v] = part.split('=')
      if (k !== 'v' && k !== 'rev' && k !== 'at') m.set(k, v === '1' ? 'granted' : 'denied')
    }
    return m
  }
  const decide = (name, st) => {
    const e = find(name)
    if (e === undefined) return { allowed: false, rule: 'undeclared', purpose: null, consentState: null }
    const state = st.get(e.purpose) ?? 'unset'
    const allowed = e.rule === 'necessary' || e.rule === 'anonymous_statistics' || state === 'granted'
    return { allowed, rule: e.rule, purpose: e.purpose, consentState: state }
  }
  return { decide, states }
}
const js = jsEngine(doc)
const jsStates = js.states(consentValue)

// Both engines agree on the queries (the pure-JS one is a fair stand-in).
for (const q of queries) {
  const a = policy.decide(q, consent, NOW)
  const b = js.decide(q, jsStates)
  if (a.allowed !== b.allowed || a.rule !== b.rule || a.purpose !== b.purpose) {
    throw new Error(`the pure-JS engine disagrees on ${q}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`)
  }
}

// ---- measuring ----------------------------------------------------------------------------
// Every benchmark runs once per round, all of them in turn, so that a change of load on the
// machine hits them all alike; the figure is the median over the rounds.
let sink = 0
const PER_REQUEST = Number(process.env.BENCH_PER_REQUEST ?? 10)
const requests = []
for (let i = 0; i + PER_REQUEST <= QUERIES; i += PER_REQUEST) requests.push(queries.slice(i, i + PER_REQUEST))
const consents = requests.map((_, i) => Consent.fromCookie(`v=1&rev=1&at=${NOW - i}&statistics=1&marketing=0`))
let round = 0
// Fresh names for each round, made before the clock starts (the string building is not measured).
const freshNames = () => Array.from({ length: QUERIES }, (_, i) => `fresh_${round}_${i}`)

const benches = {
  noop: { ops: QUERIES, run: () => { for (const q of queries) sink += native.__noop(q) } },
  noopFresh: { ops: QUERIES, prepare: freshNames, run: (names) => { for (const q of names) sink += native.__noop(q) } },
  decide: { ops: QUERIES, run: () => { for (const q of queries) sink += policy.decide(q, consent, NOW).allowed ? 1 : 0 } },
  decideNewName: {
    ops: QUERIES,
    prepare: freshNames,
    // Every name is new to the JS memory of names: one native call per decision. (Another
    // instance of the policy, so that these names do not crowd the others' memory.)
    run: (names) => { for (const q of names) sink += crowded.decide(q, consent, NOW).allowed ? 1 : 0 },
  },
  decideNewTable: {
    ops: QUERIES,
    // A new `now` every call: nothing is remembered, one call to the core every time.
    run: () => {
      let t = NOW + (round % 2) * 100000
      for (const q of queries) sink += policy.decide(q, consent, t++).allowed ? 1 : 0
    },
  },
  nativeDecide: { ops: QUERIES, run: () => { for (const q of queries) sink += policy._decide(q, consent, NOW) & 1 } },
  decideMany: {
    ops: QUERIES,
    run: () => {
      for (let i = 0; i < requests.length; i++) {
        for (const d of policy.decideMany(requests[i], consents[i], NOW + 3 * round + 2)) sink += d.allowed ? 1 : 0
      }
    },
  },
  tableAllowed: {
    ops: QUERIES,
    // Per request: a consent not seen before at this `now`, so a new table from the core.
    run: () => {
      for (let i = 0; i < requests.length; i++) {
        const table = policy.decisionTable(consents[i], NOW + 3 * round)
        for (const q of requests[i]) sink += table.allowed(q) ? 1 : 0
      }
    },
  },
  tableDecide: {
    ops: QUERIES,
    run: () => {
      for (let i = 0; i < requests.length; i++) {
        const table = policy.decisionTable(consents[i], NOW + 3 * round + 1)
        for (const q of requests[i]) sink += table.decide(q).allowed ? 1 : 0
      }
    },
  },
  pureJs: { ops: QUERIES, run: () => { for (const q of queries) sink += js.decide(q, jsStates).allowed ? 1 : 0 } },
  pureJsPerRequest: {
    ops: QUERIES,
    // The pure-JS engine reading each request's consent too.
    run: () => {
      for (let i = 0; i < requests.length; i++) {
        const st = js.states(`v=1&rev=1&at=${NOW - i}&statistics=1&marketing=0`)
        for (const q of requests[i]) sink += js.decide(q, st).allowed ? 1 : 0
      }
    },
  },
  filter10: {
    ops: requests.length,
    run: () => {
      for (let i = 0; i < requests.length; i++) {
        sink += policy.filterSetCookies(requests[i].map((q) => `${q}=v; Path=/`), consents[i], NOW).kept.length
      }
    },
  },
}

const samples = Object.fromEntries(Object.keys(benches).map((k) => [k, []]))
for (round = 0; round < REPEAT + 2; round++) {
  for (const [name, b] of Object.entries(benches)) {
    const data = b.prepare ? b.prepare() : undefined
    const t0 = process.hrtime.bigint()
    b.run(data)
    const ns = Number(process.hrtime.bigint() - t0) / b.ops
    if (round >= 2) samples[name].push(ns) // two warm-up rounds
  }
}
const results = Object.fromEntries(
  Object.entries(samples).map(([k, v]) => [k, v.sort((a, b) => a - b)[Math.floor(v.length / 2)]]),
)

const f = (ns) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`)
const rows = [
  ['`__noop(s)`: napi-rs function, one string (yardstick)', results.noop],
  ['`__noop(s)`, a new string each call', results.noopFresh],
  ['`policy.decide(name, consent, now)`, warm (the usual case)', results.decide],
  ['`policy.decide`, every name new (one native call per decision)', results.decideNewName],
  ['`policy.decide`, new `now` every call (one call to the core each time)', results.decideNewTable],
  ['`policy._decide` (internal: the core\'s decide, one napi call, packed result)', results.nativeDecide],
  [`per request of ${PER_REQUEST}: \`decisionTable(consent)\` + \`table.allowed(name)\`, per cookie`, results.tableAllowed],
  [`per request of ${PER_REQUEST}: \`decisionTable(consent)\` + \`table.decide(name)\`, per cookie`, results.tableDecide],
  [`per request of ${PER_REQUEST}: \`decideMany(names, consent)\`, per cookie`, results.decideMany],
  ['pure-JS engine (Map + pattern scan + ifs), consent already read, per cookie', results.pureJs],
  [`pure-JS engine, reading each request's consent, per cookie (requests of ${PER_REQUEST})`, results.pureJsPerRequest],
  [`\`filterSetCookies\` of ${PER_REQUEST} headers, per call`, results.filter10],
]
console.log(`cookie-charter Node bench: node ${process.version}, ${QUERIES} queries, median of ${REPEAT} rounds\n`)
console.log('| what | cost |\n|---|---|')
for (const [what, ns] of rows) console.log(`| ${what} | ${f(ns)} |`)
const ratio = results.decide / results.noop
const worst = Math.max(results.decideNewName / results.noopFresh, results.decideNewTable / results.noop)
console.log(`\ndecide / noop: ${ratio.toFixed(2)} warm, ${worst.toFixed(2)} at worst (a new name or a new time every call) (target ≤ 2)`)
console.log(
  `per-request table / pure JS: ${(results.tableDecide / results.pureJs).toFixed(2)} (decide objects), ${(results.tableAllowed / results.pureJs).toFixed(2)} (allowed flags) (target < 1)`,
)
if (process.argv.includes('--json')) console.log(JSON.stringify(results))
if (sink === -1) console.log('')
