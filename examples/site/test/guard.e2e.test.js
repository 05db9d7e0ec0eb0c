'use strict'
// The browser guard on the demo site, in Debian's Chromium driven by playwright-core: every page
// loads two tag-like scripts that write cookies from JavaScript (public/tags/): an unmarked
// advertising pixel writing `_fbp` and an analytics tag marked for statistics writing `_ga`. The
// middleware puts the guard first in <head> with the visitor's answer. In each consent state the
// jar holds exactly the script-written cookies the visitor allowed; withdrawing consent through
// the site's banner deletes them. The same site started with --no-guard lets the pixel write
// whatever the visitor chose, which shows the checks can fail.
//
// The scripts' values start with `GA1.1.` and `fb.2.` (the server's own with `GA1.2.` and
// `fb.1.`): the jar tells who wrote each cookie last.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { chromium } = require('playwright-core')
const { Policy, Consent } = require('cookie-charter')
const { startServer, SITE } = require('../test-helpers/site-process.js')
const { CHROMIUM, launchOptions } = require('../test-helpers/chromium.js')

const policy = Policy.load(path.join(SITE, 'policy.toml'))
const HOST = policy.site.host // www.epn.localhost
const PARENT = HOST.split('.').slice(1).join('.') // epn.localhost: where _ga lives
const CONSENT_COOKIE = policy.site.consentCookie

/** The consent states of the audit, as the consent cookie's value (none: no cookie). */
function states() {
  const at = Math.floor(Date.now() / 1000)
  const cookie = (statistics, marketing) => new Consent({ statistics, marketing }, { revision: policy.site.revision, at }).toCookie()
  return [
    { id: 'none', cookie: null, statistics: false, marketing: false },
    { id: 'refuse_all', cookie: cookie('denied', 'denied'), statistics: false, marketing: false },
    { id: 'accept_all', cookie: cookie('granted', 'granted'), statistics: true, marketing: true },
    { id: 'only_statistics', cookie: cookie('granted', 'denied'), statistics: true, marketing: false },
    { id: 'only_marketing', cookie: cookie('denied', 'granted'), statistics: false, marketing: true },
  ]
}

/** The cookies written by the tags' scripts that the jar holds: `name=domain` sorted. */
function scriptCookies(jar) {
  return jar
    .filter((c) => (c.name === '_ga' && c.value.startsWith('GA1.1.')) || (c.name === '_fbp' && c.value.startsWith('fb.2.')))
    .map((c) => `${c.name}=${c.domain}`)
    .sort()
}

/** What the jar must hold in `state`: each tag's cookie when its purpose is granted. */
function allowed(state) {
  return [...(state.statistics ? [`_ga=.${PARENT}`] : []), ...(state.marketing ? [`_fbp=${HOST}`] : [])].sort()
}

/**
 * Records, in each document, the names of the `document.cookie` writes that reach the browser's
 * own setter (`window.cookieWrites`). It runs before the page's scripts, so the guard wraps it:
 * the writes the guard refuses never reach it.
 */
function recordCookieWrites() {
  const own = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie')
  window.cookieWrites = []
  Object.defineProperty(Document.prototype, 'cookie', {
    configurable: true,
    enumerable: own.enumerable,
    get() {
      return own.get.call(this)
    },
    set(value) {
      window.cookieWrites.push(String(value).split(';')[0].split('=')[0].trim())
      own.set.call(this, value)
    },
  })
}

/** The tags' cookie writes that reached the browser in the page's current document, sorted. */
async function tagWrites(page) {
  const writes = await page.evaluate(() => window.cookieWrites)
  return [...new Set(writes.filter((name) => name === '_ga' || name === '_fbp'))].sort()
}

/** Opens `/` in a fresh context holding `state`'s consent cookie; resolves to the context and page once loaded. */
async function visit(browser, base, state) {
  const context = await browser.newContext()
  await context.addInitScript(recordCookieWrites)
  if (state.cookie !== null) {
    await context.addCookies([{ name: CONSENT_COOKIE, value: state.cookie, url: `${base}/` }])
  }
  const page = await context.newPage()
  // `load` waits for the scripts the guard starts while the document loads.
  const response = await page.goto(`${base}/`, { waitUntil: 'load' })
  assert.equal(response.status(), 200)
  return { context, page }
}

test('the browser guard keeps the script-written cookies to what the visitor allowed', { timeout: 240000 }, async (t) => {
  assert.ok(fs.existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (apt-get install chromium)`)
  const server = await startServer()
  t.after(() => server.stop())
  const browser = await chromium.launch(launchOptions())
  t.after(() => browser.close())
  const base = `http://${HOST}:${server.port}`

  await t.test('the guard is first in <head>, with the answer for the visitor', async () => {
    const response = await fetch(`http://127.0.0.1:${server.port}/`)
    const html = await response.text()
    const head = html.slice(html.indexOf('<head>') + '<head>'.length).trimStart()
    assert.match(head, /^<script type="application\/json" id="cookie-charter-answer"[^>]*>\{/)
    const answer = JSON.parse(/<script type="application\/json" id="cookie-charter-answer"[^>]*>(.*?)<\/script>/s.exec(html)[1])
    assert.deepEqual(answer, JSON.parse(policy.guard(Consent.fromCookie(null))), 'the answer of a visitor with no consent')
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])
    assert.match(scripts[1], /src="\/static\/cookie-charter-guard\.min\.js"/, 'the guard comes before every other script')
    assert.ok(scripts.findIndex((s) => s.includes('/static/tags/')) > 1)
    const guard = await fetch(`http://127.0.0.1:${server.port}/static/cookie-charter-guard.min.js`)
    assert.equal(guard.status, 200)
    assert.equal(await guard.text(), fs.readFileSync(path.join(SITE, '..', '..', 'guard', 'guard.min.js'), 'utf8'))
  })

  for (const state of states()) {
    await t.test(`${state.id}: exactly the allowed script-written cookies`, async () => {
      const { context, page } = await visit(browser, base, state)
      try {
        const jar = await context.cookies()
        assert.deepEqual(scriptCookies(jar), allowed(state), JSON.stringify(jar.map((c) => `${c.name}=${c.value}; ${c.domain}`)))
        // Refused by the guard, not written and then purged by the server.
        assert.deepEqual(await tagWrites(page), allowed(state).map((c) => c.split('=')[0]).sort())
        // A second page: the tags run again, the guard again refuses what is not allowed.
        await page.goto(`${base}/datasets`, { waitUntil: 'load' })
        assert.deepEqual(scriptCookies(await context.cookies()), allowed(state))
        assert.deepEqual(await tagWrites(page), allowed(state).map((c) => c.split('=')[0]).sort())
        // Nothing the visitor refused reached the jar from the server either.
        const names = new Set((await context.cookies()).map((c) => c.name))
        assert.equal(names.has('_ga'), state.statistics)
        assert.equal(names.has('_fbp'), state.marketing)
      } finally {
        await context.close()
      }
    })
  }

  await t.test('withdrawing consent through the banner deletes the script-written cookies', async () => {
    const accept = states().find((s) => s.id === 'accept_all')
    const { context, page } = await visit(browser, base, accept)
    try {
      assert.deepEqual(scriptCookies(await context.cookies()), allowed(accept))
      await page.goto(`${base}/settings`, { waitUntil: 'load' })
      // The banner writes the consent cookie and loads the page again, whose response purges.
      // Its `load` event, not the response, says the new page is there: reloading between the
      // two interrupts a navigation still in progress.
      await Promise.all([
        page.waitForResponse((r) => r.url() === `${base}/settings` && r.request().isNavigationRequest()),
        page.waitForEvent('load'),
        page.locator('#cookie-banner button[value="refuse"]').click(),
      ])
      // Once more, loaded: the banner's cookie says refused, and the guard refused the tags.
      await page.reload({ waitUntil: 'load' })
      const jar = await context.cookies()
      const consent = Consent.fromCookie(jar.find((c) => c.name === CONSENT_COOKIE).value)
      assert.equal(consent.choices.statistics, 'denied')
      assert.equal(consent.choices.marketing, 'denied')
      assert.deepEqual(jar.filter((c) => c.name === '_ga' || c.name === '_fbp'), [], 'no variant of `_ga` or `_fbp` is left')
    } finally {
      await context.close()
    }
  })

  await t.test('without the guard, the pixel writes `_fbp` whatever the visitor chose', async () => {
    const unguarded = await startServer(['--no-guard'])
    try {
      const html = await (await fetch(`http://127.0.0.1:${unguarded.port}/`)).text()
      assert.doesNotMatch(html, /cookie-charter-answer|cookie-charter-guard/)
      const refuse = states().find((s) => s.id === 'refuse_all')
      const { context, page } = await visit(browser, `http://${HOST}:${unguarded.port}`, refuse)
      try {
        // The marked analytics tag never runs without the guard; the unmarked pixel always does
        // (the server purges its cookie on the next response that carries it).
        assert.deepEqual(await tagWrites(page), ['_fbp'])
      } finally {
        await context.close()
      }
    } finally {
      await unguarded.stop()
    }
  })
})
