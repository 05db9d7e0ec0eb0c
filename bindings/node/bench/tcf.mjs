// A quick benchmark of TC-string decoding through the binding:
//
//   node bench/tcf.mjs
//
// The strings are the valid IAB TCF conformance strings of tests/conformance/iab-tcf (the five of
// iabconsent and gguridi's a to c). The rows are timed in turn, round after round (11 rounds
// of about 20 ms each), so that the machine's load hits them alike; each shows the median round
// and the fastest, per string. When the comparison benchmark's packages are installed (`npm ci` in benches/), the same
// work is timed with `@iabtcf/core` beside it; the full comparison is `bash benches/compare.sh`.

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { Policy, TcString } = require('../index.js')

const data = new URL('../../../tests/conformance/iab-tcf/', import.meta.url)
const strings = [
  ...JSON.parse(readFileSync(new URL('v2.2/iabconsent.json', data), 'utf8')).valid.map((v) => v.consent),
  ...['a', 'b', 'c'].map((n) => JSON.parse(readFileSync(new URL(`v2/consent_${n}.json`, data), 'utf8')).consent),
]

let iabtcf = null
try {
  iabtcf = require(require.resolve('@iabtcf/core', { paths: [new URL('../../../benches/', import.meta.url).pathname] }))
} catch {
  console.log('(@iabtcf/core is not installed in benches/node_modules: `npm ci` there to compare)')
}

const policy = Policy.fromJson(
  JSON.stringify({
    site: { name: 'Example', url: 'https://www.example.com', consent_cookie: 'consent' },
    purposes: {
      statistics: { label: 'Statistics', tcf_purposes: [1, 7] },
      marketing: { label: 'Marketing', tcf_purposes: [1, 2, 3, 4] },
    },
    cookies: [
      { name: 'consent', provider: 'Example', service: 'Banner', purpose: 'necessary', description: 'Choice', lifetime: '6 months' },
    ],
  }),
)

// The vendor each decode reads: the string's largest vendor id with consent.
const vendors = strings.map((s) => Math.max(1, ...TcString.decode(s).toJSON().vendor_consents.vendors))

const ROUND_MS = 20
const ROUNDS = 11
let sink = 0

/** How many calls of `f` (which handles every string once) take about one round. */
function calibrate(f) {
  for (let calls = 1; ; calls *= 2) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < calls; i++) sink += f()
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    if (ms * 10 >= ROUND_MS) return Math.max(1, Math.floor(ROUND_MS / (ms / calls)))
  }
}

/** For each function, the median and fastest ns per string, the rounds of all taken in turn. */
function interleaved(fs) {
  const calls = fs.map(calibrate)
  const samples = fs.map(() => [])
  for (let r = 0; r < ROUNDS; r++) {
    fs.forEach((f, j) => {
      const t0 = process.hrtime.bigint()
      for (let i = 0; i < calls[j]; i++) sink += f()
      samples[j].push(Number(process.hrtime.bigint() - t0) / (calls[j] * strings.length))
    })
  }
  return samples.map((s) => s.sort((a, b) => a - b)).map((s) => ({ median: s[ROUNDS >> 1], fastest: s[0] }))
}

const each = (g) => () => {
  let s = 0
  for (let i = 0; i < strings.length; i++) s += g(strings[i], vendors[i])
  return s
}

const rows = [
  ['TcString.decode', each((s) => TcString.decode(s).version)],
  ['TcString.decode + purposeConsents + vendorConsent(id)', each((s, v) => {
    const tc = TcString.decode(s)
    return tc.purposeConsents.length + (tc.vendorConsent(v) ? 1 : 0)
  })],
  ['TcString.decode + toJSON()', each((s) => TcString.decode(s).toJSON().version)],
  ['policy.consentFromTcString', each((s) => policy.consentFromTcString(s).revision)],
]
if (iabtcf !== null) {
  const { TCString } = iabtcf
  rows.push(['@iabtcf/core TCString.decode', each((s) => TCString.decode(s).version)])
  rows.push(['@iabtcf/core TCString.decode + purposeConsents ids + vendorConsents.has(id)', each((s, v) => {
    const tc = TCString.decode(s)
    return Array.from(tc.purposeConsents.values()).length + (tc.vendorConsents.has(v) ? 1 : 0)
  })])
}

const lengths = strings.map((s) => s.length)
console.log(`${strings.length} TC strings of ${Math.min(...lengths)} to ${Math.max(...lengths)} characters; Node ${process.version}`)
const times = interleaved(rows.map(([, f]) => f))
const width = Math.max(...rows.map(([label]) => label.length))
const us = (ns) => `${(ns / 1000).toFixed(2).padStart(7)} µs`
console.log(`${''.padEnd(width)}  per string (median, fastest round)`)
rows.forEach(([label], j) => {
  console.log(`${label.padEnd(width)}  ${us(times[j].median)}  ${us(times[j].fastest)}`)
})
if (iabtcf !== null) {
  const ours = times[1]
  const theirs = times[times.length - 1]
  console.log(
    `decode + reads: cookie-charter ${(theirs.median / ours.median).toFixed(1)}× faster than @iabtcf/core` +
      ` (medians; fastest rounds ${(theirs.fastest / ours.fastest).toFixed(1)}×)`,
  )
}
if (sink === 0) console.log('')
