// Benchmark of the per-request consent read through the Node binding against parsing the same
// plain `Cookie` header in JavaScript: `node bench/cookie-header.mjs` (after `npm run build`;
// BENCH_REPEAT rounds, default 15).
//
// 2,000 distinct headers of ten ordinary cookies (analytics ids, session, CSRF token, language,
// A/B test, cart...), one of them the engine's own consent cookie (`consent`, varied choices and
// dates), about 330 bytes. Each header is read by:
// - a plain split (`header.split('; ')`, then each pair cut at its first `=`);
// - npm `cookie`'s `parse` (the version Express depends on, from node_modules);
// - `policy.consentFromCookieHeader(header)` (a policy with no consent source: its own cookie):
//   one native call over the header that returns a number, and a `Consent` made in JS whose
//   native half is made only when a member needs it (`HeaderConsent` in index.js);
// - the same, then `.choices` (what a handler reads);
// - the same, then `.choices` and one decision (`policy.decide('_ga', consent, now)`: one more
//   call, in which the core reads the header again for the states of the purposes);
// - the native read, `policy._consentFromCookieHeader(header)` (a native `Consent`: what
//   `consentFromCookieHeader` returned before the read above), and the same then `.choices`;
// - `Consent.fromCookie(value)` after the plain split (a native `Consent`);
// - `policy.consentFromCookieHeader('x=1')`: a header with no consent cookie (the call's fixed
//   cost).
// Before anything is timed, every header's consent read this way is checked equal to the native
// read of the same header (`_consentFromCookieHeader`), member by member.
// Each round runs every way over all the headers BENCH_PASSES times (default 5: a timing then
// lasts several milliseconds and holds its share of the garbage collections its own garbage
// causes, instead of one collection falling on whichever way is running), in an order rotated
// from round to round; the table gives the median ns per header over the rounds and the spread
// (min–max). The machine is shared: the load average is printed before and after.

import { createRequire } from 'node:module'
import os from 'node:os'

const require = createRequire(import.meta.url)
const { Policy, Consent } = require('../index.js')
const cookie = require('cookie')

const HEADERS = 2_000
const REPEAT = Number(process.env.BENCH_REPEAT ?? 15)
const PASSES = Number(process.env.BENCH_PASSES ?? 5)

let seed = 11
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32)
const hex = (n) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('')
const int = (n) => Math.floor(rand() * n)
const pick = (list) => list[int(list.length)]

const policy = Policy.fromJson(JSON.stringify({
  site: { name: 'Bench', url: 'https://www.example.com', revision: 1, consent_cookie: 'consent' },
  purposes: { statistics: { label: 'Statistics' }, marketing: { label: 'Marketing' }, preferences: { label: 'Preferences' } },
  cookies: [
    { name: '_ga', provider: 'G', service: 'S', purpose: 'statistics', description: 'D', lifetime: '13 months' },
    { name: '_fbp', provider: 'M', service: 'S', purpose: 'marketing', description: 'D', lifetime: '3 months' },
    { name: 'lang', provider: 'P', service: 'S', purpose: 'preferences', description: 'D', lifetime: '1 year' },
  ],
}))

function header() {
  const now = 1_765_000_000 + int(1e6)
  const choices = ['statistics', 'marketing', 'preferences'].map((p) => `${p}=${int(2)}`).join('&')
  const cookies = [
    `_ga=GA1.2.${int(1e9)}.${now}`,
    `_gid=GA1.2.${int(1e9)}.${now}`,
    `sessionid=${hex(32)}`,
    `csrftoken=${hex(64)}`,
    `lang=${pick(['fr', 'en', 'de', 'es'])}`,
    `ab_test=${pick(['control', 'variant-a', 'variant-b'])}.${int(1e4)}`,
    `cart=${hex(24)}`,
    `_fbp=fb.1.${now}123.${int(1e9)}`,
    `tz=Europe%2F${pick(['Paris', 'Berlin', 'Madrid', 'Rome'])}`,
  ]
  const at = int(cookies.length + 1)
  cookies.splice(at, 0, `consent=v=1&rev=1&at=${now - int(1e5)}&${choices}`)
  return cookies.join('; ')
}
const headers = Array.from({ length: HEADERS }, header)
const bytes = headers.reduce((sum, h) => sum + h.length, 0) / HEADERS

/** The plain split: every pair, cut at its first `=`. */
function split(h) {
  const out = {}
  for (const pair of h.split('; ')) {
    const at = pair.indexOf('=')
    if (at > 0 && out[pair.slice(0, at)] === undefined) out[pair.slice(0, at)] = pair.slice(at + 1)
  }
  return out
}

// The ways give the same consent: checked on every header first.
for (const h of headers) {
  const a = policy.consentFromCookieHeader(h)
  const b = Consent.fromCookie(split(h).consent)
  if (a.problem !== null || JSON.stringify(a.choices) !== JSON.stringify(b.choices) || a.at !== b.at) {
    throw new Error(`the binding and Consent.fromCookie differ on ${h}`)
  }
  if (cookie.parse(h).consent !== split(h).consent) throw new Error(`npm cookie and the split differ on ${h}`)
  const native = policy._consentFromCookieHeader(h)
  if (JSON.stringify(a) !== JSON.stringify(native) || a.gpc !== native.gpc || a.toCookie() !== native.toCookie()) {
    throw new Error(`the read and the native read differ on ${h}`)
  }
}
const NOW = 1_766_000_000

const ways = {
  'plain split': (h) => split(h),
  'npm `cookie` `parse`': (h) => cookie.parse(h),
  '`policy.consentFromCookieHeader(header)`': (h) => policy.consentFromCookieHeader(h),
  '`policy.consentFromCookieHeader(header).choices`': (h) => policy.consentFromCookieHeader(h).choices,
  'the same, then `.choices` and `policy.decide(\'_ga\', consent, now)`': (h) => {
    const consent = policy.consentFromCookieHeader(h)
    return consent.choices && policy.decide('_ga', consent, NOW).allowed
  },
  'the native read, `policy._consentFromCookieHeader(header)`': (h) => policy._consentFromCookieHeader(h),
  'the native read, then `.choices`': (h) => policy._consentFromCookieHeader(h).choices,
  'plain split, then `Consent.fromCookie(value)`': (h) => Consent.fromCookie(split(h).consent),
  '`policy.consentFromCookieHeader(\'x=1\')` (no consent cookie)': () => policy.consentFromCookieHeader('x=1'),
}

let sink = 0
function time(fn) {
  const start = process.hrtime.bigint()
  for (let pass = 0; pass < PASSES; pass++) {
    for (const h of headers) sink ^= fn(h) ? 1 : 0
  }
  return Number(process.hrtime.bigint() - start) / (PASSES * headers.length)
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const loadBefore = os.loadavg()[0]
const names = Object.keys(ways)
for (const name of names) time(ways[name]) // warm-up
const figures = Object.fromEntries(names.map((n) => [n, []]))
for (let r = 0; r < REPEAT; r++) {
  for (let i = 0; i < names.length; i++) {
    const name = names[(i + r) % names.length]
    figures[name].push(time(ways[name]))
  }
}
const loadAfter = os.loadavg()[0]
if (sink === -1) console.log(sink)

const f = (x) => x.toFixed(0)
const base = median(figures['npm `cookie` `parse`'])
console.log(`${HEADERS} distinct headers (mean ${f(bytes)} bytes), ${REPEAT} rounds of ${PASSES} passes, ns per header: median (min–max); load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after\n`)
console.log('| way | ns per header | against npm `cookie` |')
console.log('|---|---|---|')
for (const name of names) {
  const m = median(figures[name])
  console.log(`| ${name} | ${f(m)} (${f(Math.min(...figures[name]))}–${f(Math.max(...figures[name]))}) | ${(m / base).toFixed(2)}× |`)
}
