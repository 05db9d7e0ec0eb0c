'use strict'
// The middleware on real servers (Express and plain `http`) on 127.0.0.1, with real requests:
// every way Node sets headers is filtered, the consent reaches the handlers, purges are sent.

const test = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const express = require('express')
const { Policy, Consent, middleware } = require('..')
const { policyObject, cookie } = require('./helpers')

const NOW = 1_700_000_100
const policy = Policy.fromJson(
  JSON.stringify(
    policyObject({
      site: { url: 'https://localhost' },
      purposes: { statistics: { label: 'Statistics' }, marketing: { label: 'Marketing' } },
      cookies: [
        cookie('sessionid', 'necessary', { lifetime: 'session' }),
        cookie('_ga', 'statistics'),
        cookie('_ads', 'marketing'),
      ],
    }),
  ),
)
const granted = new Consent({ statistics: 'granted', marketing: 'denied' }, { revision: 1, at: NOW })

async function listen(server) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${server.address().port}`
}

async function get(base, route, cookieHeader) {
  const response = await fetch(base + route, { headers: cookieHeader ? { cookie: cookieHeader } : {} })
  const body = await response.text()
  return { status: response.status, setCookies: response.headers.getSetCookie(), body, headers: response.headers }
}

/** The cookie names of Set-Cookie values that are not deletions. */
function setNames(setCookies) {
  return setCookies.filter((h) => !/Max-Age=0/.test(h)).map((h) => h.split('=')[0])
}

function deletedNames(setCookies) {
  return [...new Set(setCookies.filter((h) => /Max-Age=0/.test(h)).map((h) => h.split('=')[0]))]
}

const THREE = ['sessionid=s1; Path=/', '_ga=g1; Path=/', '_ads=a1; Path=/']

function routes(handler) {
  const dropped = []
  const mw = middleware(policy, {
    now: () => NOW,
    locals: true,
    onDropped: (d) => dropped.push(...d.map((x) => x.cookie)),
  })
  return { mw, dropped, handler }
}

// Handlers shared by the Express app and the plain server: each sets cookies another way.
const ways = {
  '/setHeader': (req, res) => {
    res.setHeader('Set-Cookie', THREE)
    res.end(JSON.stringify({ problem: req.consent.problem, choices: { ...req.consent.choices } }))
  },
  '/setHeader-string': (req, res) => {
    res.setHeader('set-cookie', '_ads=a1')
    res.setHeader('SET-COOKIE', '_ga=g1')
    res.end('ok')
  },
  '/appendHeader': (req, res) => {
    res.appendHeader('Set-Cookie', THREE[0])
    res.appendHeader('Set-Cookie', [THREE[1], THREE[2]])
    res.end('ok')
  },
  '/setHeaders': (req, res) => {
    res.setHeaders(new Map([['Set-Cookie', THREE], ['X-Test', '1']]))
    res.end('ok')
  },
  '/writeHead-object': (req, res) => {
    res.writeHead(201, { 'Set-Cookie': THREE, 'Content-Type': 'text/plain' })
    res.end('ok')
  },
  '/writeHead-reason-object': (req, res) => {
    res.writeHead(202, 'Fine', { 'set-cookie': THREE[2] })
    res.end('ok')
  },
  '/writeHead-array': (req, res) => {
    res.writeHead(200, ['Set-Cookie', THREE[0], 'Set-Cookie', THREE[1], 'Set-Cookie', THREE[2], 'X-A', 'b'])
    res.end('ok')
  },
  '/hostile-keys': (req, res) => {
    res.writeHead(200, JSON.parse('{"__proto__": "x", "constructor": "y", "Set-Cookie": ["sessionid=s1", "__proto__=p"]}'))
    res.end(String({}.x))
  },
  '/mixed': (req, res) => {
    res.setHeader('Set-Cookie', THREE[1])
    res.writeHead(200, { 'Set-Cookie': [THREE[0], THREE[2]] })
    res.end('ok')
  },
}

const EXPECT_NO_CONSENT = {
  '/setHeader': ['sessionid'],
  '/setHeader-string': [],
  '/appendHeader': ['sessionid'],
  '/setHeaders': ['sessionid'],
  '/writeHead-object': ['sessionid'],
  '/writeHead-reason-object': [],
  '/writeHead-array': ['sessionid'],
  '/mixed': ['sessionid'],
  '/hostile-keys': ['sessionid'],
}

function plainServer() {
  const state = routes()
  const server = http.createServer((req, res) => {
    state.mw(req, res)
    const handler = ways[new URL(req.url, 'http://x').pathname]
    if (handler) handler(req, res)
    else {
      res.statusCode = 404
      res.end()
    }
  })
  return { server, state }
}

function expressServer() {
  const state = routes()
  const app = express()
  app.use(state.mw)
  for (const [route, handler] of Object.entries(ways)) app.get(route, handler)
  app.get('/express-cookie', (req, res) => {
    res.cookie('sessionid', 's1')
    res.cookie('_ga', 'g1', { maxAge: 1000 })
    res.cookie('_ads', 'a1')
    res.append('Set-Cookie', '_ga=g2')
    res.json({ consent: req.consent.toCookie(), local: res.locals.consent === req.consent })
  })
  app.get('/express-send', (req, res) => {
    res.set('Set-Cookie', THREE)
    res.status(203).send('sent')
  })
  return { server: http.createServer(app), state }
}

for (const [label, make] of [
  ['plain http', plainServer],
  ['express', expressServer],
]) {
  test(`${label}: every way of setting Set-Cookie is filtered`, async () => {
    const { server, state } = make()
    const base = await listen(server)
    try {
      for (const [route, expected] of Object.entries(EXPECT_NO_CONSENT)) {
        const r = await get(base, route)
        assert.deepEqual(setNames(r.setCookies), expected, `${label} ${route} without consent`)
      }
      const r = await get(base, '/setHeader', `consent=${granted.toCookie()}`)
      assert.deepEqual(setNames(r.setCookies), ['sessionid', '_ga'], `${label} with statistics granted`)
      assert.deepEqual(JSON.parse(r.body), { problem: null, choices: { marketing: 'denied', statistics: 'granted' } })
      const statusAndHeaders = await get(base, '/writeHead-object')
      assert.equal(statusAndHeaders.status, 201)
      assert.equal(statusAndHeaders.headers.get('content-type'), 'text/plain')
      assert.equal((await get(base, '/writeHead-array')).headers.get('x-a'), 'b')
      assert.equal((await get(base, '/setHeaders')).headers.get('x-test'), '1')
      const hostile = await get(base, '/hostile-keys')
      assert.equal(hostile.headers.get('__proto__'), 'x')
      assert.equal(hostile.headers.get('constructor'), 'y')
      assert.equal(hostile.body, 'undefined')
      assert.equal({}.x, undefined)
      assert.ok(state.dropped.includes('_ads') && state.dropped.includes('_ga'))
    } finally {
      server.close()
    }
  })

  test(`${label}: withdrawn cookies are purged, allowed ones kept`, async () => {
    const { server } = make()
    const base = await listen(server)
    try {
      const r = await get(base, '/setHeader', `consent=${granted.toCookie()}; sessionid=s; _ga=g; _ads=a; junk=1`)
      assert.deepEqual(deletedNames(r.setCookies), ['_ads', 'junk'])
      assert.deepEqual(setNames(r.setCookies), ['sessionid', '_ga'])
      const none = await get(base, '/writeHead-array', 'sessionid=s; _ga=g')
      assert.deepEqual(deletedNames(none.setCookies), ['_ga'])
      const clean = await get(base, '/setHeader', 'sessionid=s')
      assert.deepEqual(deletedNames(clean.setCookies), [])
    } finally {
      server.close()
    }
  })
}

test('express: res.cookie, res.append and res.send are filtered; consent on req and res.locals', async () => {
  const { server } = expressServer()
  const base = await listen(server)
  try {
    const r = await get(base, '/express-cookie', `consent=${granted.toCookie()}`)
    assert.deepEqual(setNames(r.setCookies), ['sessionid', '_ga', '_ga'])
    assert.deepEqual(JSON.parse(r.body), { consent: granted.toCookie(), local: true })
    const none = await get(base, '/express-cookie')
    assert.deepEqual(setNames(none.setCookies), ['sessionid'])
    const sent = await get(base, '/express-send')
    assert.equal(sent.status, 203)
    assert.equal(sent.body, 'sent')
    assert.deepEqual(setNames(sent.setCookies), ['sessionid'])
  } finally {
    server.close()
  }
})

test('a hostile Cookie header does not break the middleware', async () => {
  const { server } = plainServer()
  const base = await listen(server)
  try {
    const r = await get(base, '/setHeader', '__proto__=1; constructor=2; consent=v=1&rev=1&at=1&__proto__=1; ;;=; a')
    assert.equal(r.status, 200)
    assert.equal(JSON.parse(r.body).problem, 'malformed')
    assert.deepEqual(deletedNames(r.setCookies).sort(), ['__proto__', 'constructor'])
  } finally {
    server.close()
  }
})

test('middleware arguments are checked', () => {
  assert.throws(() => middleware({}), TypeError)
  assert.throws(() => middleware(policy, 5), TypeError)
  assert.throws(() => middleware(policy, { now: 5 }), TypeError)
  assert.throws(() => middleware(policy)(null, null), TypeError)
})
