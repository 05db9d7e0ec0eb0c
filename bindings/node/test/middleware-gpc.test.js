'use strict'
// Global Privacy Control through the middleware, on a real Express server: the request's
// `Sec-GPC` header reaches the consent handlers see and the decisions of what was dropped.

const test = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const express = require('express')
const { Policy, middleware } = require('..')
const { policyObject, cookie } = require('./helpers')

const NOW = 1_700_000_100
const policy = Policy.fromJson(
  JSON.stringify(
    policyObject({
      site: { url: 'https://localhost' },
      purposes: { statistics: { label: 'Statistics' }, marketing: { label: 'Marketing' } },
      cookies: [cookie('_ga', 'statistics'), cookie('_ads', 'marketing')],
    }),
  ),
)

/** GET / with `headers` (a value may be an array: one header line each). */
function get(port, headers) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', headers }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk) => (body += chunk))
        res.on('end', () => resolve({ body: JSON.parse(body), setCookies: res.headers['set-cookie'] ?? [] }))
      })
      .on('error', reject)
  })
}

test('Sec-GPC reaches req.consent, purposesToAsk and the dropped decisions', async () => {
  const dropped = []
  const app = express()
  app.use(middleware(policy, { now: () => NOW, onDropped: (d) => dropped.push(...d.map((x) => [x.cookie, x.decision.consentState])) }))
  app.get('/', (req, res) => {
    res.cookie('_ads', 'a1')
    res.cookie('_ga', 'g1')
    res.json({ gpc: req.consent.gpc, ask: policy.purposesToAsk(req.consent, NOW) })
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const { port } = server.address()
  try {
    const plain = await get(port, {})
    assert.deepEqual(plain.body, { gpc: false, ask: ['statistics', 'marketing'] })
    assert.deepEqual(dropped.splice(0), [
      ['_ads', 'unset'],
      ['_ga', 'unset'],
    ])

    const signal = await get(port, { 'sec-gpc': '1' })
    assert.deepEqual(signal.body, { gpc: true, ask: ['statistics'] })
    assert.deepEqual(dropped.splice(0), [
      ['_ads', 'gpc_denied'],
      ['_ga', 'unset'],
    ])

    // Two header lines, `0` then `1`: any `1` counts.
    const twice = await get(port, { 'sec-gpc': ['0', '1'] })
    assert.equal(twice.body.gpc, true)
    const other = await get(port, { 'sec-gpc': 'true' })
    assert.equal(other.body.gpc, false)
    dropped.splice(0)

    // An explicit choice wins over the signal: the marketing cookie is kept.
    const chosen = await get(port, {
      'sec-gpc': '1',
      cookie: `consent=v=1&rev=1&at=${NOW}&marketing=1&statistics=0`,
    })
    assert.deepEqual(chosen.body, { gpc: true, ask: [] })
    assert.deepEqual(
      chosen.setCookies.map((h) => h.split('=')[0]),
      ['_ads'],
    )
    assert.deepEqual(dropped.splice(0), [['_ga', 'denied']])
  } finally {
    server.close()
  }
})

test('without onDropped, the one-call path takes the signal too', async () => {
  const server = http.createServer((req, res) => {
    middleware(policy, { now: () => NOW })(req, res, () => {
      res.setHeader('Set-Cookie', ['_ads=a1', '_ga=g1'])
      res.end(JSON.stringify({ state: policy.decide('_ads', req.consent, NOW).consentState }))
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  try {
    const signal = await get(port, { 'sec-gpc': ' 1 ', cookie: '_ads=old' })
    assert.deepEqual(signal.body, { state: 'gpc_denied' })
    // Nothing set without consent; the held marketing cookie is deleted.
    assert.deepEqual(
      signal.setCookies.map((h) => [h.split('=')[0], /Max-Age=0/.test(h)]),
      [['_ads', true]],
    )
  } finally {
    server.close()
  }
})
