'use strict'
// The middleware's `guard` option on real servers (Express and plain `http`) on 127.0.0.1: each
// page gets the browser guard's tags exactly once, right after `<head>`, for the consent that
// judges the response (the request's, or the one the handler recorded), with the response's nonce
// when there is one, and a `Content-Length` that fits; JSON, streamed and compressed responses go
// as they are.

const test = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const zlib = require('node:zlib')
const express = require('express')
const { Policy, Consent, middleware } = require('..')
const { policyObject, cookie } = require('./helpers')

const NOW = 1_700_000_100
const SRC = '/static/cookie-charter-guard.min.js'
const HEAD = "<!doctype html><html lang=en><HEAD data-x='>'>"
const PAGE = `${HEAD}<title>Page</title><script src=/app.js></script></head><body>Hello</body></html>`
const policy = Policy.fromJson(
  JSON.stringify(
    policyObject({
      site: { url: 'https://localhost' },
      purposes: { statistics: { label: 'Statistics' } },
      cookies: [cookie('_ga', 'statistics')],
    }),
  ),
)
const granted = new Consent({ statistics: 'granted' }, { revision: 1, at: NOW })
const none = Consent.fromCookie(null)

async function listen(server) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${server.address().port}`
}

async function get(base, route, headers = {}) {
  const response = await fetch(base + route, { headers: { 'accept-encoding': 'identity', ...headers } })
  const bytes = Buffer.from(await response.arrayBuffer())
  return { status: response.status, headers: response.headers, bytes, body: bytes.toString('utf8') }
}

function tags(consent, nonce) {
  return policy.guardScriptTags(consent, { src: SRC, nonce, now: NOW })
}

function checkPage(response, consent, nonce) {
  assert.equal(response.status, 200)
  assert.equal(response.body.split('id="cookie-charter-answer"').length, 2)
  assert.equal(response.body, HEAD + tags(consent, nonce) + PAGE.slice(HEAD.length))
  const length = response.headers.get('content-length')
  if (length !== null) assert.equal(Number(length), response.bytes.length)
}

/** The routes, on Express (`express`) or a plain `http` handler. */
function routes(app, send) {
  app('/', (req, res) => send(res, PAGE))
  app('/choose', (req, res) => {
    req.consent = granted
    send(res, PAGE)
  })
  app('/json', (req, res) => {
    res.setHeader('Content-Type', 'application/json')
    res.end('{"head":"<head>"}')
  })
  app('/stream', (req, res) => {
    res.setHeader('Content-Type', 'text/html')
    res.write(HEAD)
    res.end('<title>s</title>')
  })
  app('/gz', (req, res) => {
    res.setHeader('Content-Type', 'text/html')
    res.setHeader('Content-Encoding', 'gzip')
    res.end(zlib.gzipSync(PAGE))
  })
  app('/written-head', (req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
    res.end(PAGE)
  })
  app('/no-head', (req, res) => send(res, '<p>hi</p>'))
}

async function expressServer() {
  const app = express()
  app.use((req, res, next) => {
    res.locals.cspNonce = req.get('x-nonce')
    next()
  })
  app.use(middleware(policy, { now: () => NOW, guard: { src: SRC } }))
  routes((route, handler) => app.get(route, handler), (res, html) => res.send(html))
  const server = http.createServer(app)
  return { server, base: await listen(server) }
}

async function httpServer() {
  const mw = middleware(policy, { now: () => NOW, guard: { src: SRC, nonce: (req) => req.headers['x-nonce'] } })
  const handlers = new Map()
  routes(
    (route, handler) => handlers.set(route, handler),
    (res, html) => {
      res.setHeader('Content-Type', 'text/html; charset=utf-8')
      res.setHeader('Content-Length', Buffer.byteLength(html))
      res.end(html)
    },
  )
  const server = http.createServer((req, res) => {
    mw(req, res)
    handlers.get(req.url)(req, res)
  })
  return { server, base: await listen(server) }
}

for (const [name, make] of [['express', expressServer], ['http', httpServer]]) {
  test(`${name}: pages get the guard's tags for the consent that judges them`, async (t) => {
    const { server, base } = await make()
    t.after(() => server.close())
    const refused = await get(base, '/')
    checkPage(refused, none)
    assert.match(refused.body, /\["_ga",false,"statistics"\]/)
    const cookieValue = `consent=${granted.toCookie()}`
    const allowed = await get(base, '/', { cookie: cookieValue })
    checkPage(allowed, granted)
    assert.match(allowed.body, /\["_ga",true,"statistics"\]/)
    const chosen = await get(base, '/choose')
    checkPage(chosen, granted)
    assert.equal(refused.headers.get('etag'), null)
  })

  test(`${name}: the nonce is the response's`, async (t) => {
    const { server, base } = await make()
    t.after(() => server.close())
    checkPage(await get(base, '/', { 'x-nonce': 'r4nd0m' }), none, 'r4nd0m')
    const written = await get(base, '/written-head', { 'x-nonce': 'n2' })
    checkPage(written, none, 'n2')
  })

  test(`${name}: JSON, streamed, compressed pages and pages without <head> go as they are`, async (t) => {
    const { server, base } = await make()
    t.after(() => server.close())
    assert.equal((await get(base, '/json')).body, '{"head":"<head>"}')
    assert.equal((await get(base, '/stream')).body, `${HEAD}<title>s</title>`)
    const gz = await get(base, '/gz')
    // fetch decompresses: the page is the handler's, without the tags.
    assert.equal(gz.body, PAGE)
    assert.equal((await get(base, '/no-head')).body, '<p>hi</p>')
  })
}

test('without the option, pages go as they are', async (t) => {
  const mw = middleware(policy, { now: () => NOW })
  const server = http.createServer((req, res) => {
    mw(req, res)
    res.setHeader('Content-Type', 'text/html')
    res.end(PAGE)
  })
  t.after(() => server.close())
  assert.equal((await get(await listen(server), '/')).body, PAGE)
})

test('bad guard options throw typed errors', () => {
  const bad = [
    ['/g.js', /`options.guard` must be an object/],
    [{}, /`options.guard.src` must be the guard's URL/],
    [{ src: '' }, /not an empty string/],
    [{ src: '/g.js', nonce: 'abc' }, /`options.guard.nonce` must be a function/],
    [{ src: '/g.js', nonces: 1 }, /unknown key `nonces`/],
  ]
  for (const [guard, message] of bad) {
    assert.throws(() => middleware(policy, { guard }), (e) => e instanceof TypeError && e.code === 'invalid_argument' && message.test(e.message))
  }
})
