'use strict'
// Attempts to get around the guard, each with the result it must have. Those marked "LIMIT" get
// through: they are what the guard cannot prevent, listed in docs/browser.md with these tests.

const test = require('node:test')
const assert = require('node:assert/strict')
const { HOST, page, scriptTags, setup, names } = require('./helpers.js')

const env = setup(test)
const STATISTICS_ONLY = 'statistics=1&marketing=0'

/** A page with the guard (marketing refused), then `head`. */
async function guarded(t, head = '', body = '') {
  return env.open(t, '/', page({ tags: scriptTags(STATISTICS_ONLY), head, body }))
}

test('through a same-origin iframe reached by contentDocument or contentWindow: refused', async (t) => {
  const { page: tab, jar } = await guarded(t)
  await tab.evaluate(() => {
    const frame = document.createElement('iframe')
    document.body.append(frame)
    frame.contentDocument.cookie = '_fbp=1'
    const other = document.createElement('iframe')
    document.body.append(other)
    other.contentWindow.document.cookie = 'unknown=1'
    // The frame's own setter, applied to the top document.
    const setter = Object.getOwnPropertyDescriptor(other.contentWindow.Document.prototype, 'cookie').set
    setter.call(document, 'ad_x_session=1')
    other.contentWindow.cookieStore.set('unknown2', '1')
    frame.contentDocument.cookie = 'sessionid=1'
  })
  await jar(0)
  await jar(1)
  assert.deepEqual(names(await jar()), ['sessionid'])
})

test('LIMIT: through a same-origin iframe reached only by window.frames: written', async (t) => {
  const { page: tab, jar } = await guarded(t)
  await tab.evaluate(() => {
    document.body.append(document.createElement('iframe'))
    frames[0].document.cookie = '_fbp=1'
  })
  assert.deepEqual(names(await jar(0)), ['_fbp'])
})

test("through Document.prototype's descriptor taken after the guard: refused", async (t) => {
  const { page: tab, jar } = await guarded(t)
  const outcome = await tab.evaluate(() => {
    const descriptor = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie')
    descriptor.set.call(document, '_fbp=1')
    Reflect.set(Document.prototype, 'cookie', 'unknown=1', document)
    document.__lookupSetter__('cookie').call(document, 'ad_x_session=1')
    let redefined = 'no'
    try {
      Object.defineProperty(Document.prototype, 'cookie', { set() {} })
      redefined = 'yes'
    } catch (e) {
      redefined = e.name
    }
    return { redefined, deleted: delete Document.prototype.cookie, configurable: descriptor.configurable }
  })
  assert.deepEqual(outcome, { redefined: 'TypeError', deleted: false, configurable: false })
  assert.deepEqual(await jar(), [])
})

test("LIMIT: through Document.prototype's descriptor taken before the guard: written", async (t) => {
  const before = `<script>window.nativeSet = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie').set</script>`
  const { page: tab, jar } = await env.open(t, '/', page({ tags: before + scriptTags(STATISTICS_ONLY) }))
  await tab.evaluate(() => nativeSet.call(document, '_fbp=1'))
  assert.deepEqual(names(await jar()), ['_fbp'])
})

test('through HTMLDocument: refused', async (t) => {
  const { page: tab, jar } = await guarded(t)
  const own = await tab.evaluate(() => {
    HTMLDocument.prototype.__lookupSetter__('cookie').call(document, '_fbp=1')
    Object.getPrototypeOf(document).__lookupSetter__('cookie').call(document, 'unknown=1')
    return Object.getOwnPropertyDescriptor(HTMLDocument.prototype, 'cookie') === undefined
  })
  assert.ok(own, 'HTMLDocument inherits the guarded accessor from Document')
  assert.deepEqual(await jar(), [])
})

test('with odd spacing: the name a browser stores is the name decided', async (t) => {
  const { page: tab, jar } = await guarded(t)
  await tab.evaluate(() => {
    document.cookie = '  _fbp \t= 1'
    document.cookie = '\t_fbp=2; Path=/'
    document.cookie = ' ad_x_session =3'
    document.cookie = ' sessionid \t=  s  ; path = / '
    document.cookie = '\u00a0_fbp=4' // not a space to browsers: the name keeps it, and is undeclared
  })
  const cookies = await jar()
  assert.deepEqual(names(cookies), ['sessionid'])
  assert.equal(cookies[0].value, 's')
})

test('=name=value and name without a value: nameless cookies, refused', async (t) => {
  const { page: tab, jar } = await guarded(t)
  const seen = await tab.evaluate(() => {
    document.cookie = '=_fbp=1'
    document.cookie = '_fbp'
    document.cookie = '=sessionid=1'
    document.cookie = ' =x'
    return document.cookie
  })
  assert.deepEqual(await jar(), [])
  assert.equal(seen, '', 'the server would read no cookie either')
})

test('upper-case attributes: deletions recognised in any case, and no other write taken for one', async (t) => {
  const { page: tab, context, jar } = await guarded(t)
  await context.addCookies([
    { name: '_fbp', value: 'x', domain: HOST, path: '/' },
    { name: 'unknown', value: 'x', domain: HOST, path: '/' },
  ])
  await tab.evaluate(() => {
    document.cookie = '_fbp=; MAX-AGE=0; PATH=/'
    document.cookie = 'unknown=; EXPIRES=Thu, 01 JAN 1970 00:00:00 GMT'
    document.cookie = 'ad_x_session=; MAX-AGE=0; Max-Age=600'
    document.cookie = 'ad_y_session=; max-age=-1; EXPIRES=Fri, 01 Jan 2100 00:00:00 GMT; MAX-AGE=5'
    document.cookie = '_FBP=1' // names are case-sensitive: undeclared
  })
  assert.deepEqual(await jar(), [])
})

test("a name only a browser's parsing sees: control characters, cut pairs, commas", async (t) => {
  const { page: tab, jar } = await guarded(t)
  await tab.evaluate(() => {
    document.cookie = 'sessionid=1\n_fbp=2' // refused: browsers ignore a write with a control character
    document.cookie = 'sessionid\u0000_fbp=1'
    document.cookie = 'sessionid;_fbp=1' // the pair is `sessionid`, a nameless cookie
    document.cookie = '_fbp=1, sessionid=2' // one cookie, named _fbp
    document.cookie = '"sessionid"=1' // quotes are part of the name
  })
  assert.deepEqual(await jar(), [])
  await tab.evaluate(() => {
    document.cookie = 'sessionid=1; _fbp=2' // `_fbp=2` is an attribute, ignored
  })
  const cookies = await jar()
  assert.deepEqual(names(cookies), ['sessionid'])
  assert.equal(cookies[0].value, '1')
})

test('LIMIT: a script on the page can give the guard an answer of its own', async (t) => {
  const { page: tab, jar } = await guarded(t)
  await tab.evaluate(() => {
    // An answer that allows every name.
    cookieCharterGuard.update({ v: 1, purposes: {}, exact: [], patterns: [['*', true, 'x']], undeclared: false, domains: [] })
    document.cookie = '_fbp=1'
  })
  assert.deepEqual(names(await jar()), ['_fbp'])
})

test("LIMIT: a cookie set by an HTTP response is not the guard's to see (the server's filter is)", async (t) => {
  env.server.route('/set', { body: 'ok', type: 'text/plain', headers: { 'set-cookie': '_fbp=from-http; Path=/' } })
  const { page: tab, jar } = await guarded(t)
  await tab.evaluate(() => fetch('/set').then((r) => r.text()))
  assert.deepEqual(names(await jar()), ['_fbp'])
})

test('LIMIT: a service worker writes through its own Cookie Store API', async (t) => {
  env.server.route('/sw.js', {
    type: 'text/javascript',
    body: `self.addEventListener('message', (e) => {
      e.waitUntil(cookieStore.set('_fbp', 'from-worker').then(() => e.source.postMessage('done')))
    })`,
  })
  const { page: tab, jar } = await guarded(t)
  await tab.evaluate(async () => {
    const registration = await navigator.serviceWorker.register('/sw.js')
    const worker = await navigator.serviceWorker.ready
    const done = new Promise((resolve) => navigator.serviceWorker.addEventListener('message', resolve, { once: true }))
    worker.active.postMessage('set')
    await done
    await registration.unregister()
  })
  assert.deepEqual(names(await jar()), ['_fbp'])
})
