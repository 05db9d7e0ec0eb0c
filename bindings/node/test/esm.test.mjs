// The ES module entry point gives the same objects as the CommonJS one.
import test from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import cookieCharter, { Policy, Consent, middleware, DecisionTable, RULES, STATES } from '../index.mjs'

const require = createRequire(import.meta.url)

test('ESM and CommonJS export the same classes', () => {
  const cjs = require('..')
  assert.equal(Policy, cjs.Policy)
  assert.equal(Consent, cjs.Consent)
  assert.equal(DecisionTable, cjs.DecisionTable)
  assert.equal(middleware, cjs.middleware)
  assert.deepEqual(RULES, cjs.RULES)
  assert.deepEqual(STATES, cjs.STATES)
  assert.equal(cookieCharter, cjs)
})

test('the package resolves by name in both module systems', async () => {
  const byName = await import('cookie-charter')
  assert.equal(byName.Policy, Policy)
  assert.equal(require('cookie-charter').Consent, Consent)
})
