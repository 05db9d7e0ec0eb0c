'use strict'
// The middleware's hook on `writeHead`: the filter runs once per response, when the headers are
// written, whatever wrapped the response before or after it; the consent is read lazily, may be
// replaced by a handler, and nothing of one request is reused for another.

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
      site: { url: 'https://localhost', clamp_lifetimes: true },
      purposes: { statistics: { label: 'Statistics' }, marketing: { label: 'Marketing' } },
      cookies: [
        cookie('sessionid', 'necessary', { lifetime: 'session' }),
        cookie('_ga', 'statistics', { lifetime: '1 day' }),
        cookie('_ads', 'marketing'),
      ],
    }),
  ),
)
const statistics = new Consent({ statistics: 'granted', marketing: 'denied' }, { revision: 1, at: NOW })
const marketing = new Consent({ statistics: 'denied', marketing: 'granted' }, { revision: 1, at: NOW })
const THREE = ['sessionid=s1; Path=/', '_ga=g1; Path=/', '_ads=a1; Path=/']

async function listen(server) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${server.address().port}`
}

async function get(base, route, cookieHeader) {
  const response = await fetch(base + route, { headers: cookieHeader ? { cookie: cookieHeader } : {} })
  return { status: response.status, setCookies: response.headers.getSetCookie(), body: await response.text() }
}

const setNames = (list) => list.filter((h) => !/Max-Age=0/.test(h)).map((h) => h.split('=')[0])
const deletions = (list) => list.filter((h) => /Max-Age=0/.test(h))
const deletedNames = (list) => [...new Set(deletions(list).map((h) => h.split('=')[0]))]

/** What `on-headers` (compression, express-session, morgan) does: wraps `res.writeHead` on the
 * response and runs a listener, which may set cookies, just before the headers are written. */
function onHeaders(res, listener) {
  const previous = res.writeHead
  let fired = false
  res.writeHead = function writeHead(...args) {
    if (!fired) {
      fired = true
      listener.call(this)
    }
    return previous.apply(this, args)
  }
}

/** A response that is not a ServerResponse: a plain class with its own header store, whose
 * `writeHead` tells `onWrite(status, setCookies)` what it would send. */
function fakeResponse(onWrite) {
  class Fake {
    constructor() {
      this.headers = new Map()
      this.headersSent = false
    }
    setHeader(name, value) {
      this.headers.set(name.toLowerCase(), value)
    }
    getHeader(name) {
      return this.headers.get(name.toLowerCase())
    }
    removeHeader(name) {
      this.headers.delete(name.toLowerCase())
    }
    writeHead(status) {
      onWrite(status, this.getHeader('set-cookie'))
      this.headersSent = true
    }
  }
  return new Fake()
}

async function withServer(server, body) {
  const base = await listen(server)
  try {
    await body(base)
  } finally {
    server.close()
  }
}

test('responses wrapped before and after the middleware are filtered once, purged once', async () => {
  const dropped = []
  const mw = middleware(policy, { now: () => NOW, onDropped: (d) => dropped.push(d.map((x) => x.cookie)) })
  const app = express()
  // Before the middleware: a session-like cookie set at writeHead time, and a setHeader wrapper.
  app.use((req, res, next) => {
    onHeaders(res, function setSessionCookie() {
      const prev = this.getHeader('Set-Cookie') || []
      this.setHeader('Set-Cookie', [].concat(prev, '_ads=from-listener; Path=/', 'sessionid=late'))
    })
    const setHeader = res.setHeader
    res.setHeader = function setHeaderWrapped(name, value) {
      return setHeader.call(this, name, value)
    }
    next()
  })
  app.use(mw)
  app.use(mw) // mounted twice: the response is still judged (and purged) once
  // After the middleware: another writeHead wrapper.
  app.use((req, res, next) => {
    onHeaders(res, () => {})
    next()
  })
  app.get('/', (req, res) => {
    res.cookie('_ga', 'g1')
    res.cookie('_ads', 'a1')
    res.append('Set-Cookie', 'sessionid=s1; Path=/')
    res.send('ok')
  })
  await withServer(http.createServer(app), async (base) => {
    const r = await get(base, '/', `consent=${statistics.toCookie()}; _ads=held; sessionid=held`)
    assert.deepEqual(setNames(r.setCookies), ['_ga', 'sessionid', 'sessionid'])
    assert.deepEqual(deletedNames(r.setCookies), ['_ads'])
    const once = deletions(r.setCookies).length
    assert.ok(once > 0)
    // The deletions are not repeated by the second middleware or the wrappers.
    assert.equal(new Set(deletions(r.setCookies)).size, once)
    // Each withheld value is told once (as it is set, for onDropped).
    assert.deepEqual(dropped.flat(), ['_ads', '_ads'])
    const none = await get(base, '/')
    assert.deepEqual(setNames(none.setCookies), ['sessionid', 'sessionid'])
  })
})

test('a response class that overrides writeHead, and one whose writeHead was wrapped first', async () => {
  class Response extends http.ServerResponse {
    writeHead(...args) {
      this.setHeader('X-Class', '1')
      return super.writeHead(...args)
    }
  }
  const mw = middleware(policy, { now: () => NOW })
  const server = http.createServer({ ServerResponse: Response }, (req, res) => {
    mw(req, res)
    res.setHeader('Set-Cookie', THREE)
    res.end('ok')
  })
  await withServer(server, async (base) => {
    for (let i = 0; i < 2; i++) {
      const r = await get(base, '/', '_ads=1')
      assert.deepEqual(setNames(r.setCookies), ['sessionid'])
      assert.deepEqual(deletedNames(r.setCookies), ['_ads'])
      assert.equal(new Set(deletions(r.setCookies)).size, deletions(r.setCookies).length)
    }
  })
})

test('express: no property is added to its request or response; replacing res.locals or req.headers loses nothing', async () => {
  const app = express()
  app.use(middleware(policy, { now: () => NOW, locals: true }))
  let own = null
  app.get('/own', (req, res) => {
    // Express gives each request and response a new prototype; V8 then makes a new hidden class
    // for every property added to them, so the middleware adds none.
    own = {
      req: [...Object.getOwnPropertyNames(req), ...Object.getOwnPropertySymbols(req).map(String)],
      res: [...Object.getOwnPropertyNames(res), ...Object.getOwnPropertySymbols(res).map(String)],
    }
    res.set('Set-Cookie', THREE)
    res.send('ok')
  })
  app.get('/locals', (req, res) => {
    res.locals = { title: 'replaced' }
    res.set('Set-Cookie', THREE)
    res.send(String(req.consent instanceof Consent))
  })
  app.get('/headers', (req, res) => {
    // A copy without the symbols (an object spread would keep them).
    req.headers = Object.fromEntries(Object.entries(req.headers))
    res.set('Set-Cookie', THREE)
    res.send(String(req.consent instanceof Consent && res.locals.consent === req.consent))
  })
  app.get('/spread', (req, res) => {
    req.headers = { ...req.headers }
    res.locals = {}
    res.set('Set-Cookie', THREE)
    res.send(String(req.consent instanceof Consent))
  })
  await withServer(http.createServer(app), async (base) => {
    const header = `consent=${statistics.toCookie()}; _ga=1; _ads=1`
    const bare = express()
    let expected = null
    bare.get('/', (req, res) => {
      expected = {
        req: [...Object.getOwnPropertyNames(req), ...Object.getOwnPropertySymbols(req).map(String)],
        res: [...Object.getOwnPropertyNames(res), ...Object.getOwnPropertySymbols(res).map(String)],
      }
      res.send('ok')
    })
    await withServer(http.createServer(bare), (bareBase) => get(bareBase, '/', header))
    const r = await get(base, '/own', header)
    assert.deepEqual(setNames(r.setCookies), ['sessionid', '_ga'])
    assert.deepEqual(own.req.sort(), expected.req.sort())
    assert.deepEqual(own.res.sort(), expected.res.sort())
    for (const route of ['/locals', '/headers', '/spread']) {
      const answer = await get(base, route, header)
      assert.equal(answer.body, 'true', route)
      assert.deepEqual(setNames(answer.setCookies), ['sessionid', '_ga'], route)
      assert.deepEqual(deletedNames(answer.setCookies), ['_ads'], route)
    }
  })
})

test("the request's headers are the ones its class or an earlier middleware gives", async () => {
  const granted = `consent=${marketing.toCookie()}`
  // A request class whose `headers` getter rewrites the Cookie header (as a proxy layer might).
  class Request extends http.IncomingMessage {
    get headers() {
      return { ...super.headers, cookie: granted }
    }
  }
  const mw = middleware(policy, { now: () => NOW })
  const server = http.createServer({ IncomingMessage: Request }, (req, res) => {
    mw(req, res)
    res.setHeader('Set-Cookie', THREE)
    res.end('ok')
  })
  await withServer(server, async (base) => {
    for (let i = 0; i < 2; i++) {
      const r = await get(base, '/', `consent=${statistics.toCookie()}; _ga=1`)
      assert.deepEqual(setNames(r.setCookies), ['sessionid', '_ads'])
      assert.deepEqual(deletedNames(r.setCookies), [])
    }
  })
  // Express, with a middleware before it that gives the request headers of its own.
  const app = express()
  app.use((req, res, next) => {
    Object.defineProperty(req, 'headers', { value: { ...req.headers, cookie: granted }, enumerable: true })
    next()
  })
  app.use(mw)
  app.get('/', (req, res) => {
    res.set('Set-Cookie', THREE)
    res.send(req.consent.toCookie())
  })
  await withServer(http.createServer(app), async (base) => {
    const r = await get(base, '/', `consent=${statistics.toCookie()}; _ga=1`)
    assert.equal(r.body, marketing.toCookie())
    assert.deepEqual(setNames(r.setCookies), ['sessionid', '_ads'])
  })
})

test('writing the headers twice fails as Node does, after one filter', async () => {
  const mw = middleware(policy, { now: () => NOW })
  let error = null
  const server = http.createServer((req, res) => {
    mw(req, res)
    res.setHeader('Set-Cookie', THREE)
    res.writeHead(200)
    try {
      res.writeHead(201, { 'Set-Cookie': '_ads=again' })
    } catch (e) {
      error = e
    }
    res.end('ok')
  })
  await withServer(server, async (base) => {
    const r = await get(base, '/', `consent=${statistics.toCookie()}`)
    assert.equal(r.status, 200)
    assert.deepEqual(setNames(r.setCookies), ['sessionid', '_ga'])
    assert.equal(error?.code, 'ERR_HTTP_HEADERS_SENT')
  })
})

test('a fake response (not a ServerResponse) is filtered through its own writeHead', () => {
  const mw = middleware(policy, { now: () => NOW })
  const written = []
  const res = fakeResponse((status, setCookies) => written.push([status, setCookies]))
  mw({ headers: { cookie: `consent=${marketing.toCookie()}; _ga=1` } }, res)
  res.setHeader('Set-Cookie', THREE)
  res.writeHead(200)
  assert.equal(written.length, 1)
  assert.deepEqual(setNames(written[0][1]), ['sessionid', '_ads'])
  assert.deepEqual(deletedNames(written[0][1]), ['_ga'])
})

test('servers without the middleware are untouched', async () => {
  middleware(policy) // hooks Node's ServerResponse
  const server = http.createServer((req, res) => {
    res.setHeader('Set-Cookie', THREE)
    res.writeHead(200, { 'Set-Cookie': THREE[2] })
    res.end('ok')
  })
  await withServer(server, async (base) => {
    const r = await get(base, '/', '_ads=1')
    assert.deepEqual(r.setCookies, [THREE[2]])
  })
})

test('the consent is read when asked, equal on req and res.locals; a handler may replace it (a value that is not a Consent judges as none)', async () => {
  const app = express()
  app.use(middleware(policy, { now: () => NOW, locals: true }))
  app.get('/read', (req, res) => {
    const consent = req.consent
    res.set('Set-Cookie', THREE)
    res.json({
      isConsent: consent instanceof Consent,
      same: res.locals.consent === consent && req.consent === consent,
      cookie: consent.toCookie(),
      problem: consent.problem,
    })
  })
  app.get('/replace', (req, res) => {
    // A banner's endpoint records a new choice: the response is judged with it.
    req.consent = marketing
    res.cookie('consent', marketing.toCookie())
    res.append('Set-Cookie', THREE)
    res.json({ same: res.locals.consent === marketing })
  })
  app.get('/replace-locals', (req, res) => {
    res.locals.consent = marketing
    res.set('Set-Cookie', THREE)
    res.send(String(req.consent === marketing))
  })
  app.get('/other', (req, res) => {
    // Not a Consent (another library's value): judged as no consent (a mistake fails closed).
    req.consent = { all: true }
    res.set('Set-Cookie', THREE)
    res.send(String(req.consent.all))
  })
  app.get('/unread', (req, res) => {
    res.set('Set-Cookie', THREE)
    res.send('ok')
  })
  await withServer(http.createServer(app), async (base) => {
    const header = `consent=${statistics.toCookie()}; _ga=1; _ads=1`
    const read = await get(base, '/read', header)
    assert.deepEqual(JSON.parse(read.body), {
      isConsent: true,
      same: true,
      cookie: statistics.toCookie(),
      problem: null,
    })
    assert.deepEqual(setNames(read.setCookies), ['sessionid', '_ga'])
    assert.deepEqual(deletedNames(read.setCookies), ['_ads'])

    const replaced = await get(base, '/replace', header)
    assert.deepEqual(JSON.parse(replaced.body), { same: true })
    assert.deepEqual(setNames(replaced.setCookies), ['consent', 'sessionid', '_ads'])
    assert.deepEqual(deletedNames(replaced.setCookies), ['_ga'])

    const locals = await get(base, '/replace-locals', header)
    assert.equal(locals.body, 'true')
    assert.deepEqual(setNames(locals.setCookies), ['sessionid', '_ads'])

    const other = await get(base, '/other', header)
    assert.equal(other.body, 'true')
    assert.deepEqual(setNames(other.setCookies), ['sessionid'])
    assert.deepEqual(deletedNames(other.setCookies), ['_ga', '_ads'])

    const unread = await get(base, '/unread', header)
    assert.deepEqual(setNames(unread.setCookies), ['sessionid', '_ga'])
  })
})

test('by default (locals: false) res.locals is left alone; req.consent still reads and replaces the consent', async () => {
  const app = express()
  app.use(middleware(policy, { now: () => NOW }))
  app.get('/read', (req, res) => {
    res.set('Set-Cookie', THREE)
    res.json({ locals: Object.keys(res.locals), consent: res.locals.consent, cookie: req.consent.toCookie() })
  })
  app.get('/replace', (req, res) => {
    req.consent = marketing
    res.set('Set-Cookie', THREE)
    res.send(String(res.locals.consent))
  })
  await withServer(http.createServer(app), async (base) => {
    const header = `consent=${statistics.toCookie()}; _ga=1; _ads=1`
    const read = await get(base, '/read', header)
    assert.deepEqual(JSON.parse(read.body), { locals: [], cookie: statistics.toCookie() })
    assert.deepEqual(setNames(read.setCookies), ['sessionid', '_ga'])
    assert.deepEqual(deletedNames(read.setCookies), ['_ads'])
    const replaced = await get(base, '/replace', header)
    assert.equal(replaced.body, 'undefined')
    assert.deepEqual(setNames(replaced.setCookies), ['sessionid', '_ads'])
    assert.deepEqual(deletedNames(replaced.setCookies), ['_ga'])
  })
})

test('options purge and locals must be booleans', () => {
  for (const name of ['purge', 'locals']) {
    for (const value of [0, 'false', {}]) {
      assert.throws(
        () => middleware(policy, { [name]: value }),
        (error) => error instanceof TypeError && error.message.startsWith(`\`options.${name}\` must be a boolean, not`),
        `${name}: ${String(value)}`,
      )
    }
    assert.equal(typeof middleware(policy, { [name]: false }), 'function')
  }
})

test('nothing is reused from one request to the next: each Cookie header is judged on its own', async () => {
  const app = express()
  app.use(middleware(policy, { now: () => NOW }))
  app.get('/', (req, res) => {
    res.set('Set-Cookie', THREE)
    res.send('ok')
  })
  const cases = [
    [`consent=${statistics.toCookie()}; _ga=1; _ads=1`, ['sessionid', '_ga'], ['_ads']],
    [`consent=${statistics.toCookie()}; _ga=1`, ['sessionid', '_ga'], []],
    [`consent=${statistics.toCookie()}; _ga=1; _ads=1; junk=2`, ['sessionid', '_ga'], ['_ads', 'junk']],
    [`consent=${marketing.toCookie()}; _ga=1; _ads=1`, ['sessionid', '_ads'], ['_ga']],
    ['_ga=1; _ads=1', ['sessionid'], ['_ga', '_ads']],
    [null, ['sessionid'], []],
    // Two consent cookies that disagree give no consent.
    [`consent=${statistics.toCookie()}; consent=${marketing.toCookie()}; _ga=1`, ['sessionid'], ['_ga']],
  ]
  await withServer(http.createServer(app), async (base) => {
    for (let round = 0; round < 3; round++) {
      for (const [header, kept, deleted] of cases) {
        const r = await get(base, '/', header)
        assert.deepEqual(setNames(r.setCookies), kept, `${header}: kept`)
        assert.deepEqual(deletedNames(r.setCookies), deleted, `${header}: deleted`)
      }
    }
    // At once, interleaved on several connections.
    const all = await Promise.all(Array.from({ length: 40 }, (_, i) => get(base, '/', cases[i % cases.length][0])))
    all.forEach((r, i) => {
      assert.deepEqual(setNames(r.setCookies), cases[i % cases.length][1])
      assert.deepEqual(deletedNames(r.setCookies), cases[i % cases.length][2])
    })
  })
})

test('headers the core rewrites keep their place; streaming responses are filtered at the first write', async () => {
  const mw = middleware(policy, { now: () => NOW })
  const server = http.createServer((req, res) => {
    mw(req, res)
    res.setHeader('Set-Cookie', ['sessionid=s; Max-Age=999999', '_ga=g; Max-Age=999999', 'x-not-declared=1'])
    res.setHeader('X-After', 'a')
    res.write('part 1, ')
    assert.throws(() => res.setHeader('Set-Cookie', '_ads=late'), { code: 'ERR_HTTP_HEADERS_SENT' })
    res.end('part 2')
  })
  await withServer(server, async (base) => {
    const r = await get(base, '/', `consent=${statistics.toCookie()}`)
    assert.equal(r.body, 'part 1, part 2')
    // A session cookie loses its lifetime, `_ga` is clamped to one day, in the order given.
    assert.deepEqual(r.setCookies, ['sessionid=s', '_ga=g; Max-Age=86400'])
  })
})

test('purge: false sends no deletions; an empty filter result removes the header', async () => {
  const mw = middleware(policy, { now: () => NOW, purge: false })
  const server = http.createServer((req, res) => {
    mw(req, res)
    res.setHeader('Set-Cookie', ['_ads=1', '_ga=2'])
    res.end('ok')
  })
  await withServer(server, async (base) => {
    const r = await get(base, '/', '_ads=1; _ga=1')
    assert.deepEqual(r.setCookies, [])
  })
})

test('values that cannot cross in one string (line breaks, from a fake request or response) are still judged', () => {
  const mw = middleware(policy, { now: () => NOW })
  const written = []
  const res = fakeResponse((status, setCookies) => written.push(setCookies))
  mw({ headers: { cookie: `consent=${statistics.toCookie()}; _ads=1\nx=2` } }, res)
  res.setHeader('Set-Cookie', ['_ga=1', '_ads=2\nsessionid=3', 'sessionid=4'])
  res.writeHead(200)
  // `_ads=2\nsessionid=3` is one value for the _ads cookie (the core refuses its control character).
  assert.deepEqual(setNames(written[0]), ['_ga', 'sessionid'])
  assert.deepEqual(deletedNames(written[0]), ['_ads'])
})

test('req.consent on requests the middleware did not see: undefined, and assignable', async () => {
  middleware(policy)
  const server = http.createServer((req, res) => {
    const before = req.consent
    req.consent = 'mine'
    res.end(JSON.stringify([before === undefined, req.consent]))
  })
  await withServer(server, async (base) => {
    assert.equal((await get(base, '/')).body, '[true,"mine"]')
  })
})

test('with onDropped, a handler learns what was withheld as it sets cookies, before it writes its page', async () => {
  const app = express()
  app.use(
    middleware(policy, {
      now: () => NOW,
      onDropped(dropped, req) {
        req.withheld = (req.withheld ?? []).concat(dropped.map((d) => d.cookie))
      },
    }),
  )
  app.get('/', (req, res) => {
    res.cookie('sessionid', 's1')
    res.cookie('_ga', 'g1')
    res.cookie('_ads', 'a1')
    const seen = [...(req.withheld ?? [])]
    res.append('Set-Cookie', ['_ads=again', 'tracker=1'])
    res.writeHead(200, { 'Set-Cookie': ['_ga=late'], 'Content-Type': 'application/json' })
    res.end(JSON.stringify({ seen, all: req.withheld, header: res.getHeader('set-cookie') }))
  })
  await withServer(http.createServer(app), async (base) => {
    const r = await get(base, '/', `consent=${statistics.toCookie()}; _ads=held`)
    const body = JSON.parse(r.body)
    assert.deepEqual(body.seen, ['_ads'])
    assert.deepEqual(body.all, ['_ads', '_ads', 'tracker'])
    assert.deepEqual(setNames(r.setCookies), ['_ga'])
    assert.deepEqual(deletedNames(r.setCookies), ['_ads'])
    const none = await get(base, '/')
    assert.deepEqual(JSON.parse(none.body).seen, ['_ga', '_ads'])
    assert.deepEqual(setNames(none.setCookies), [])
  })
})

test('the default clock: the current second, read again once its timer forgets it', () => {
  // The timer's own function (`forgetSeconds`) is called here, with `Date.now` set: no test waits
  // for the second to pass.
  const { nowSeconds, forgetSeconds } = require('../lib/middleware.js')
  const realNow = Date.now
  const realSetTimeout = globalThis.setTimeout
  let faked = 0
  globalThis.setTimeout = (...args) => {
    faked += 1
    return realSetTimeout(...args)
  }
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
  const active = timers()
  try {
    forgetSeconds()
    Date.now = () => 1_700_000_000_250
    assert.equal(nowSeconds(), 1_700_000_000)
    // Within the second (and after it, until the timer runs) the reading is kept.
    Date.now = () => 1_700_000_001_100
    assert.equal(nowSeconds(), 1_700_000_000)
    forgetSeconds()
    assert.equal(nowSeconds(), 1_700_000_001)
  } finally {
    Date.now = realNow
    globalThis.setTimeout = realSetTimeout
    forgetSeconds()
  }
  assert.equal(faked, 0, 'the clock used the global setTimeout (fake timers would stop it)')
  assert.equal(timers(), active, 'the clock keeps the process alive')
  const now = nowSeconds()
  assert.ok(Math.abs(now - realNow() / 1000) < 2, `${now} is not the current second`)
})

test('the default clock judges responses: a clamped Expires counts from the current second', async () => {
  const app = express()
  app.use(middleware(policy))
  app.get('/', (req, res) => {
    res.append('Set-Cookie', '_ga=g1; Path=/; Expires=Fri, 01 Jan 2100 00:00:00 GMT')
    res.send('ok')
  })
  await withServer(http.createServer(app), async (base) => {
    const before = Math.floor(Date.now() / 1000)
    const given = new Consent({ statistics: 'granted' }, { revision: 1, at: before })
    const { setCookies } = await get(base, '/', `consent=${given.toCookie()}`)
    const after = Math.floor(Date.now() / 1000)
    assert.equal(setCookies.length, 1)
    const expires = Date.parse(/Expires=([^;]+)/.exec(setCookies[0])[1]) / 1000
    // The day of lifetime counts from the request, not from when the consent was given.
    assert.ok(expires >= before + 86_400 && expires <= after + 86_400, `${setCookies[0]} is not a day from now`)
  })
})
