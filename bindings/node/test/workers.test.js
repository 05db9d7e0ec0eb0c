'use strict'
// The addon in the main thread and in 4 worker threads at once: each loads its own instance,
// and every thread gets the same decisions.

const test = require('node:test')
const assert = require('node:assert/strict')
const { Worker } = require('node:worker_threads')
const path = require('node:path')
const { examplePolicy } = require('./helpers')

const NAMES = ['sessionid', 'csrftoken', 'django_language', 'cookies_preferences', '_ga', 'nope', '__proto__']
const CONSENTS = [null, 'v=1&rev=1&at=1700000000', 'garbage']

function work(policyFile, names, consents, rounds) {
  // Runs in the main thread and in each worker (as source text).
  const { Policy, Consent } = require(process.env.COOKIE_CHARTER_PACKAGE)
  const policy = Policy.load(policyFile)
  const out = []
  for (let r = 0; r < rounds; r++) {
    for (const value of consents) {
      const consent = Consent.fromCookie(value)
      for (const name of names) {
        const d = policy.decide(name, consent, 1700000100)
        if (r === 0) out.push(`${value}|${name}|${d.allowed}|${d.rule}|${d.purpose}|${d.consentState}`)
      }
      policy.filterSetCookies(names.map((n) => `${n}=1`), consent, 1700000100)
    }
  }
  return out
}

test('4 worker threads and the main thread decide at once, identically', async () => {
  process.env.COOKIE_CHARTER_PACKAGE = path.join(__dirname, '..')
  const source = `
    const { parentPort, workerData } = require('node:worker_threads')
    const work = ${work.toString()}
    parentPort.postMessage(work(workerData.file, workerData.names, workerData.consents, workerData.rounds))
  `
  const workers = Array.from({ length: 4 }, () => {
    const worker = new Worker(source, {
      eval: true,
      workerData: { file: examplePolicy, names: NAMES, consents: CONSENTS, rounds: 2000 },
      env: { ...process.env },
    })
    return new Promise((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
      worker.once('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)))
    })
  })
  const mine = work(examplePolicy, NAMES, CONSENTS, 2000)
  const theirs = await Promise.all(workers)
  assert.equal(mine.length, NAMES.length * CONSENTS.length)
  assert.ok(mine.some((line) => line.includes('|true|')) && mine.some((line) => line.includes('|false|')))
  for (const result of theirs) assert.deepEqual(result, mine)
})
