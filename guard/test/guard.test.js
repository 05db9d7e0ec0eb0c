'use strict'
// What the guard does in Chromium, on the jar the browser really keeps (`context.cookies()`):
// script writes refused or passed, deletions, the Cookie Store API, scripts and frames started
// by purpose, the purge on withdrawal, a Content-Security-Policy nonce, failing closed.

const test = require('node:test')
const assert = require('node:assert/strict')
const { HOST, PARENT, POLICY, answer, cli, consent, now, page, scriptTags, setup, names } = require('./helpers.js')

const env = setup(test)
const STATISTICS_ONLY = 'statistics=1&marketing=0'
const EVERYTHING = 'statistics=1&marketing=1'

/** Collects the guard's refusals in `window.refused`, from the first script after the guard. */
const COLLECT = '<script>window.refused = []; cookieCharterGuard.onRefused = (r) => refused.push(r)</script>'

test('allowed writes pass unchanged; refused and undeclared ones are dropped and reported', async (t) => {
  const { page: tab, jar, errors } = await env.open(t, '/', page({ tags: scriptTags(STATISTICS_ONLY), head: COLLECT }))
  const expires = now() + 3600
  await tab.evaluate((domain) => {
    document.cookie = 'sessionid=s1'
    document.cookie = `_ga=GA1.2.3; Domain=${domain}; Path=/; Max-Age=3600; SameSite=Lax`
    document.cookie = '_ga_ABC=1'
    document.cookie = '_pk_id.1.abcd=1'
    document.cookie = 'app_session=1'
    document.cookie = '_fbp=fb.1'
    document.cookie = 'ad_x_session=1'
    document.cookie = 'unknown=1'
  }, PARENT)
  const cookies = await jar()
  assert.deepEqual(names(cookies), ['_ga', '_ga_ABC', '_pk_id.1.abcd', 'app_session', 'sessionid'])
  const ga = cookies.find((c) => c.name === '_ga')
  assert.equal(ga.domain, `.${PARENT}`, 'the Domain attribute passed unchanged')
  assert.equal(ga.value, 'GA1.2.3')
  assert.equal(ga.sameSite, 'Lax')
  assert.ok(Math.abs(ga.expires - expires) < 60, `Max-Age passed unchanged: ${ga.expires}`)
  assert.deepEqual(await tab.evaluate(() => refused), [
    { name: '_fbp', purpose: 'marketing', via: 'document.cookie' },
    { name: 'ad_x_session', purpose: 'marketing', via: 'document.cookie' },
    { name: 'unknown', purpose: null, via: 'document.cookie' },
  ])
  assert.deepEqual(errors, [])
})

test('deletions always pass, whatever the name; a refused write with a lifetime does not', async (t) => {
  const { page: tab, context, jar } = await env.open(t, '/', page({ tags: scriptTags(STATISTICS_ONLY), head: COLLECT }))
  const held = (name) => ({ name, value: 'x', domain: HOST, path: '/' })
  await context.addCookies([held('_fbp'), held('unknown'), held('ad_x_session'), held('kept')])
  await tab.evaluate(() => {
    document.cookie = '_fbp=; Max-Age=0'
    document.cookie = 'unknown=""; max-age=-1'
    document.cookie = 'ad_x_session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT'
    // Not deletions: a value, or a lifetime still ahead (the last valid Max-Age wins).
    document.cookie = 'kept=x2; Max-Age=0'
    document.cookie = 'kept=; Max-Age=0; Max-Age=60'
    document.cookie = 'kept=; Max-Age=zero; Expires=Fri, 01 Jan 2100 00:00:00 GMT'
  })
  assert.deepEqual(names(await jar()), ['kept'])
  assert.deepEqual(
    (await tab.evaluate(() => refused)).map((r) => r.name),
    ['kept', 'kept', 'kept'],
  )
})

test('the Cookie Store API: refused names dropped, allowed ones and deletions pass, each field read once', async (t) => {
  const { page: tab, context, jar } = await env.open(t, '/', page({ tags: scriptTags(STATISTICS_ONLY), head: COLLECT }))
  await context.addCookies([{ name: '_fbp', value: 'x', domain: HOST, path: '/' }])
  const results = await tab.evaluate(async () => {
    const out = []
    out.push(await cookieStore.set('_ga_X', '1'))
    out.push(await cookieStore.set({ name: 'sessionid', value: 's', sameSite: 'strict' }))
    out.push(await cookieStore.set('unknown', '1'))
    out.push(await cookieStore.set({ name: 'ad_y_session', value: '1' }))
    // A name that changes between two reads: the guard decides on the first and passes that.
    let reads = 0
    await cookieStore.set({
      get name() {
        reads += 1
        return reads > 1 ? 'ad_z_session' : 'app_session'
      },
      value: '1',
    })
    out.push(reads)
    // Names the browser could store otherwise are refused.
    await cookieStore.set(' _ga_Y', '1')
    await cookieStore.set('', 'a=b')
    // A deletion passes (an empty value with a past expiry), and so does delete().
    await cookieStore.set({ name: '_fbp', value: '', expires: Date.now() - 1000 })
    await cookieStore.set({ name: 'ad_q_session', value: '', expires: null })
    await cookieStore.delete('unknown')
    return out
  })
  assert.deepEqual(results, [undefined, undefined, undefined, undefined, 1])
  assert.deepEqual(names(await jar()), ['_ga_X', 'app_session', 'sessionid'])
  assert.equal((await jar()).find((c) => c.name === 'sessionid').sameSite, 'Strict')
  assert.deepEqual(await tab.evaluate(() => refused), [
    { name: 'unknown', purpose: null, via: 'cookieStore' },
    { name: 'ad_y_session', purpose: 'marketing', via: 'cookieStore' },
    { name: ' _ga_Y', purpose: null, via: 'cookieStore' },
    { name: '', purpose: null, via: 'cookieStore' },
    { name: 'ad_q_session', purpose: 'marketing', via: 'cookieStore' },
  ])
})

test('a value that converts to a different string each time is decided and written once', async (t) => {
  const { page: tab, jar } = await env.open(t, '/', page({ tags: scriptTags(STATISTICS_ONLY), head: COLLECT }))
  await tab.evaluate(() => {
    let calls = 0
    document.cookie = {
      toString: () => (calls++ ? '_fbp=1' : 'sessionid=1'),
    }
  })
  assert.deepEqual(names(await jar()), ['sessionid'])
})

const MARKED = `
  <script>window.started = []</script>
  <script type="text/plain" data-purpose="statistics" src="/push.js?external-statistics"></script>
  <script type="text/plain" data-purpose="statistics">started.push('inline-statistics')</script>
  <script type="text/plain" data-purpose="marketing">started.push('inline-marketing')</script>
  <script type="text/plain" data-purpose="statistics marketing">started.push('both')</script>
  <script type="text/plain" data-purpose="videos">started.push('undeclared purpose')</script>
  <script type="text/plain" data-purpose="">started.push('no purpose')</script>
  <script type="text/plain" data-purpose="marketing" data-type="module">started.push('module')</script>
  <iframe data-src="/frame.html" data-purpose="marketing" title="ad"></iframe>`

function pushScript(req, res) {
  res.writeHead(200, { 'content-type': 'text/javascript' })
  res.end(`started.push(${JSON.stringify(new URL(req.url, 'http://x').search.slice(1))})`)
}

test('marked scripts and frames start once their purposes are granted, also when the consent changes', async (t) => {
  env.server.route('/push.js', pushScript)
  env.server.route('/frame.html', page({ body: '<script>parent.started.push("frame")</script>' }))
  const { page: tab, errors } = await env.open(t, '/', page({ tags: scriptTags(STATISTICS_ONLY), body: MARKED }))
  // Started in the order written: the external script runs before the inline one after it.
  await tab.waitForFunction(() => started.length === 2)
  assert.deepEqual(await tab.evaluate(() => started), ['external-statistics', 'inline-statistics'])
  assert.equal(await tab.locator('iframe').getAttribute('src'), null)

  const granted = answer(EVERYTHING)
  await tab.evaluate((a) => cookieCharterGuard.update(a), granted)
  await tab.waitForFunction(() => started.includes('frame') && started.includes('module'))
  assert.deepEqual((await tab.evaluate(() => started)).sort(), [
    'both',
    'external-statistics',
    'frame',
    'inline-marketing',
    'inline-statistics',
    'module',
  ])
  assert.equal(await tab.locator('iframe').getAttribute('src'), '/frame.html')
  assert.equal(await tab.locator('script[type="module"][data-purpose="marketing"]').count(), 1)

  // An update that grants nothing new starts nothing twice; one added later starts as it comes.
  await tab.evaluate((a) => cookieCharterGuard.update(a), granted)
  await tab.evaluate(() => {
    const late = document.createElement('script')
    late.type = 'text/plain'
    late.dataset.purpose = 'marketing'
    late.text = "started.push('late')"
    document.body.append(late)
  })
  await tab.waitForFunction(() => started.includes('late'))
  assert.equal((await tab.evaluate(() => started)).length, 7)
  assert.deepEqual(errors, [])
})

test('LIMIT: a withdrawal stops nothing already started: scripts keep running, frames stay', async (t) => {
  env.server.route('/frame.html', page({ body: '<script>parent.started.push("frame")</script>' }))
  const body = `<script>window.started = []; window.ticks = 0</script>
    <script type="text/plain" data-purpose="marketing">
      document.addEventListener('tick', () => (ticks += 1)); started.push('listener')</script>
    <iframe data-src="/frame.html" data-purpose="marketing"></iframe>`
  const { page: tab } = await env.open(t, '/', page({ tags: scriptTags(EVERYTHING), body }))
  await tab.waitForFunction(() => started.includes('frame') && started.includes('listener'))
  await tab.evaluate((a) => cookieCharterGuard.update(a), answer('statistics=0&marketing=0'))
  // The frame is still there, and the listener the started script added still runs.
  assert.equal(await tab.locator('iframe').getAttribute('src'), '/frame.html')
  assert.equal(await tab.evaluate(() => document.dispatchEvent(new Event('tick')) && ticks), 1)
})

test('a withdrawal deletes the script-visible cookies no longer allowed, on every domain and path of the purge', async (t) => {
  const shop = '/shop/page.html'
  env.server.route(shop, page({ tags: scriptTags(EVERYTHING) }))
  const { page: tab, context, jar } = await env.fresh(t)
  const at = (name, domain, path = '/', more = {}) => ({ name, value: 'v', domain, path, ...more })
  await context.addCookies([
    at('_ga', HOST),
    at('_ga', `.${PARENT}`),
    at('_ga', `.${HOST}`),
    at('_fbp', HOST, '/shop'),
    at('_fbp', `.${PARENT}`, '/shop'),
    at('_fbp', `.${PARENT}`),
    at('__Secure-ad', `.${PARENT}`, '/', { secure: true }),
    at('__Host-ad', HOST, '/', { secure: true }),
    at('unknown', `.${HOST}`),
    at('sessionid', HOST),
    at('consent', HOST),
    // Out of any script's reach: the guard cannot delete it (the server's purge does).
    at('_ga_http', HOST, '/', { httpOnly: true }),
  ])
  await tab.goto(env.server.origin + shop)
  await tab.evaluate((a) => cookieCharterGuard.update(a), answer('statistics=0&marketing=0'))
  const left = (await jar()).map((c) => `${c.name} ${c.domain} ${c.path}`).sort()
  assert.deepEqual(left, [`_ga_http ${HOST} /`, `consent ${HOST} /`, `sessionid ${HOST} /`])
})

test("the guard's deletions are the server's purge, name for name", async (t) => {
  const { page: tab } = await env.open(t, '/', page({ tags: scriptTags('statistics=0&marketing=0') }))
  const cases = ['_ga', '_ga_X', '_fbp', '__Secure-ad', '__Host-ad', '__host-x', 'unknown', 'ad_q_session']
  for (const name of cases) {
    const purge = cli(['purge', POLICY, '--consent', consent('statistics=0&marketing=0'), '--now', String(now()), `${name}=1`])
    const server = purge.split('\n').filter(Boolean)
    assert.ok(server.length > 0, name)
    assert.deepEqual(await tab.evaluate((n) => cookieCharterGuard.deletions(n), name), server, name)
  }
})

test('with a Content-Security-Policy nonce, the guard and the scripts it starts run, and nothing is blocked', async (t) => {
  env.server.route('/push.js', pushScript)
  const nonce = 'c2VjcmV0LW5vbmNl'
  const body = `
    <script nonce="${nonce}">window.started = []; window.violations = []
      document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective))</script>
    <script type="text/plain" data-purpose="statistics" nonce="${nonce}" src="/push.js?external"></script>
    <script type="text/plain" data-purpose="marketing" nonce="${nonce}">started.push('inline')</script>
    <script>started.push('no nonce: blocked by the policy, not by the guard')</script>`
  const { page: tab } = await env.open(t, '/', page({ tags: scriptTags(STATISTICS_ONLY, { nonce }), body }), {
    'content-security-policy': `script-src 'nonce-${nonce}' 'strict-dynamic'; object-src 'none'; base-uri 'none'`,
  })
  await tab.waitForFunction(() => started.length === 1)
  await tab.evaluate((a) => cookieCharterGuard.update(a), answer(EVERYTHING))
  await tab.waitForFunction(() => started.length === 2)
  assert.deepEqual(await tab.evaluate(() => started), ['external', 'inline'])
  assert.deepEqual(await tab.evaluate(() => violations), ['script-src-elem'], 'only the script without a nonce')
  assert.equal(await tab.evaluate(() => typeof cookieCharterGuard.update), 'function')
})

test('without a valid answer every write but deletions is refused and nothing starts', async (t) => {
  const body = `<script>window.started = []</script>
    <script type="text/plain" data-purpose="necessary">started.push('necessary')</script>`
  const { page: tab, context, jar } = await env.open(t, '/', page({ tags: '<script src="/guard.min.js"></script>', head: COLLECT, body }))
  await context.addCookies([{ name: 'unknown', value: 'x', domain: HOST, path: '/' }])
  await tab.evaluate(() => {
    document.cookie = 'sessionid=1'
    document.cookie = 'unknown=; Max-Age=0'
  })
  // The deletion passes; once it shows, the write before it would show too had it passed. (No
  // barrier cookie here: without an answer the guard refuses it as well.)
  while ((await context.cookies()).length > 0);
  assert.deepEqual(await tab.evaluate(() => started), [])
  // A valid answer lifts it; an invalid one throws and fails closed again.
  await tab.evaluate((a) => cookieCharterGuard.update(JSON.stringify(a)), answer(''))
  await tab.waitForFunction(() => started.length === 1)
  const thrown = await tab.evaluate(() => {
    try {
      cookieCharterGuard.update({ v: 2 })
    } catch (e) {
      document.cookie = 'sessionid=2'
      return e.name
    }
  })
  assert.equal(thrown, 'TypeError')
  assert.deepEqual(await tab.evaluate(() => refused.map((r) => r.name)), ['sessionid', 'sessionid'])
  await tab.evaluate((a) => cookieCharterGuard.update(a), answer(''))
  assert.deepEqual(await jar(), [])
})

test('loaded twice, the guard installs once', async (t) => {
  const tags = scriptTags(STATISTICS_ONLY)
  const { page: tab, jar, errors } = await env.open(t, '/', page({ tags: tags + tags, head: COLLECT }))
  await tab.evaluate(() => {
    document.cookie = 'sessionid=1'
    document.cookie = '_fbp=1'
  })
  assert.deepEqual(names(await jar()), ['sessionid'])
  assert.equal(await tab.evaluate(() => refused.length), 1)
  assert.deepEqual(errors, [])
})
