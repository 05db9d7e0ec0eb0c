'use strict'
// Stress check of the consent table's release path with the real garbage collector, outside the
// test suite (it waits for the collector and for finalizers, which no test may do):
//
//   node --expose-gc stress/gc.js        (after `npm run build`)
//
// Makes many short-lived consents, collects them, and checks that the core's table gives their ids
// out again (the `FinalizationRegistry` of index.js called `release`), while a consent kept alive
// keeps its id and its decisions. Exits 1 when the ids are not reused within ROUNDS collections.

const assert = require('node:assert/strict')
const { setTimeout: sleep } = require('node:timers/promises')
const { Policy, Consent } = require('..')

const NOW = 1_700_000_100
const ROUNDS = Number(process.env.ROUNDS ?? 200)
const PER_ROUND = Number(process.env.PER_ROUND ?? 1000)

if (typeof globalThis.gc !== 'function') {
  process.stderr.write('stress/gc.js: run it as `node --expose-gc stress/gc.js`\n')
  process.exit(2)
}

const policy = Policy.fromJson(
  JSON.stringify({
    site: { name: 'x', url: 'https://www.example.com', revision: 1, consent_cookie: 'consent' },
    purposes: { statistics: { label: 'Statistics' } },
    cookies: [
      { name: 'consent', provider: 'x', service: 'x', purpose: 'necessary', description: 'x', lifetime: '6 months' },
      { name: '_ga', provider: 'x', service: 'x', purpose: 'statistics', description: 'x', lifetime: '13 months' },
    ],
  }),
)

function idOf(consent) {
  const [symbol] = Object.getOwnPropertySymbols(consent)
  return consent[symbol].id
}

async function main() {
  const keep = Consent.fromCookie(`v=1&rev=1&at=${NOW}&statistics=1`)
  policy.decide('_ga', keep, NOW)
  const kept = idOf(keep)
  let made = 0
  for (let round = 1; round <= ROUNDS; round++) {
    for (let i = 0; i < PER_ROUND; i++, made++) {
      const c = Consent.fromCookie(`v=1&rev=1&at=${NOW - made}&statistics=${made % 2}`)
      assert.equal(policy.decide('_ga', c, NOW).allowed, made % 2 === 1)
    }
    globalThis.gc()
    await sleep(10)
    const probe = Consent.fromCookie(`v=1&rev=1&at=${NOW}&statistics=0`)
    policy.decide('_ga', probe, NOW)
    if (idOf(probe) < made) {
      assert.equal(idOf(keep), kept)
      assert.equal(policy.decide('_ga', keep, NOW + 1).allowed, true)
      process.stdout.write(`stress/gc.js: ids reused after ${round} collection(s) of ${made} consents\n`)
      return
    }
  }
  process.stderr.write(`stress/gc.js: no id was reused after ${ROUNDS} collections of ${made} consents\n`)
  process.exit(1)
}

main()
