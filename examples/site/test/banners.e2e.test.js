'use strict'
// End to end, behind each real consent banner from npm (vanilla-cookieconsent v3, Klaro,
// tarteaucitron.js): Debian's Chromium driven by playwright-core clicks the banner's own buttons,
// reloads, and checks in the browser's cookie jar (`context.cookies()`) that the cookies the
// server sets on every page (`_ga` for statistics, `_fbp` for marketing) follow the choice made
// in that banner: present only when granted, deleted by the middleware's purge once withdrawn.
// The engine reads each banner's own cookie through the policy's consent source
// (banners/<banner>.toml). No step waits for a timer: each waits for the banner's cookie to
// change (`waitForFunction`), for selectors and for the reloaded page's response.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { chromium } = require('playwright-core')
const { loadPolicy, BANNER_KEYS } = require('../app.js')
const { startServer, SITE } = require('../test-helpers/site-process.js')
const { CHROMIUM, launchOptions } = require('../test-helpers/chromium.js')

const ARTIFACTS = path.join(SITE, 'test-artifacts', 'banners')
const STATISTICS_COOKIE = '_ga'
const MARKETING_COOKIE = '_fbp'

/**
 * Each banner: its cookie, and its own buttons for each choice. `onlyStatistics` grants the
 * statistics purpose alone from the first screen; `withdrawMarketing` runs in the banner's
 * settings, opened from the site's "Cookie settings" page. `unanswered`: the state of marketing
 * after `onlyStatistics` (tarteaucitron leaves a service the visitor did not touch at `wait`).
 */
const BANNERS = {
  cookieconsent: {
    cookie: 'cc_cookie',
    visible: '#cc-main .cm',
    acceptAll: (page) => page.locator('#cc-main .cm').getByRole('button', { name: 'Accept all', exact: true }).click(),
    refuseAll: (page) => page.locator('#cc-main .cm').getByRole('button', { name: 'Reject all', exact: true }).click(),
    async onlyStatistics(page) {
      await page.locator('#cc-main .cm').getByRole('button', { name: 'Manage preferences', exact: true }).click()
      await page.locator(`#cc-main .pm input[value="${BANNER_KEYS.statistics}"]`).check()
      await page.locator('#cc-main .pm').getByRole('button', { name: 'Save preferences', exact: true }).click()
    },
    async withdrawMarketing(page) {
      await page.locator(`#cc-main .pm input[value="${BANNER_KEYS.marketing}"]`).uncheck()
      await page.locator('#cc-main .pm').getByRole('button', { name: 'Save preferences', exact: true }).click()
    },
    settings: '#cc-main .pm',
    unanswered: 'denied',
  },
  klaro: {
    cookie: 'klaro',
    visible: '#klaro .cookie-notice',
    acceptAll: (page) => page.locator('#klaro .cookie-notice').getByRole('button', { name: "That's ok", exact: true }).click(),
    refuseAll: (page) => page.locator('#klaro .cookie-notice').getByRole('button', { name: 'I decline', exact: true }).click(),
    async onlyStatistics(page) {
      await page.locator('#klaro .cookie-notice .cn-learn-more').click()
      await page.locator('#klaro label[for="purpose-item-statistics"]').click()
      await page.locator('#klaro .cm-modal').getByRole('button', { name: 'Accept selected', exact: true }).click()
    },
    async withdrawMarketing(page) {
      await page.locator('#klaro label[for="purpose-item-marketing"]').click()
      // Once a choice is recorded, the modal's one button is "Save".
      await page.locator('#klaro .cm-modal').getByRole('button', { name: 'Save', exact: true }).click()
    },
    settings: '#klaro .cm-modal',
    unanswered: 'denied',
  },
  tarteaucitron: {
    cookie: 'tarteaucitron',
    visible: '#tarteaucitronAlertBig',
    acceptAll: (page) => page.locator('#tarteaucitronPersonalize2').click(),
    refuseAll: (page) => page.locator('#tarteaucitronAllDenied2').click(),
    async onlyStatistics(page) {
      await page.locator('#tarteaucitronCloseAlert').click()
      await page.locator(`#${BANNER_KEYS.statistics}Allowed`).click()
    },
    async withdrawMarketing(page) {
      await page.locator(`#${BANNER_KEYS.marketing}Denied`).click()
    },
    settings: '#tarteaucitronServices',
    unanswered: 'unset',
    // The alert shows before tarteaucitron listens to its buttons (it adds its listeners half a
    // second later, then runs its `load` event, which the site's configuration marks on the page),
    // and before its services are added (each is then in the cookie, `wait` until answered).
    async ready(page) {
      await page.locator('html[data-banner-ready="true"]').waitFor({ state: 'attached' })
      await page.waitForFunction((keys) => keys.every((key) => document.cookie.includes(`!${key}=`)), Object.values(BANNER_KEYS))
    },
  },
}

let browser
test.before(async () => {
  assert.ok(fs.existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (apt-get install chromium)`)
  fs.rmSync(ARTIFACTS, { recursive: true, force: true })
  fs.mkdirSync(ARTIFACTS, { recursive: true })
  browser = await chromium.launch(launchOptions())
})
test.after(async () => {
  await browser?.close()
})

for (const [name, banner] of Object.entries(BANNERS)) {
  test(`behind the real ${name} banner, the server's cookies follow the choice made in it`, { timeout: 180000 }, async (t) => {
    const policy = loadPolicy(undefined, { banner: name })
    const host = policy.site.host // www.epn.localhost
    const server = await startServer(['--banner', name])
    t.after(() => server.stop())
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } })
    t.after(() => context.close())
    const page = await context.newPage()
    const errors = []
    page.on('pageerror', (error) => errors.push(error.message))
    const base = `http://${host}:${server.port}`
    let shot = 0
    const screenshot = async (step) => {
      shot += 1
      await page.screenshot({ path: path.join(ARTIFACTS, `${name}-${String(shot).padStart(2, '0')}-${step}.png`), fullPage: true })
    }
    const jar = () => context.cookies()
    const named = (cookies, cookie) => cookies.filter((c) => c.name === cookie)
    const bannerValue = async () => named(await jar(), banner.cookie)[0]?.value ?? null

    /** Runs a choice in the banner, waits until the banner's cookie changed, and reloads. */
    const choose = async (action) => {
      const before = await bannerValue()
      await action(page)
      await page.waitForFunction(
        ([cookie, old]) => {
          const pair = document.cookie.split('; ').find((p) => p.startsWith(`${cookie}=`))
          return pair !== undefined && pair.slice(cookie.length + 1) !== old
        },
        [banner.cookie, before],
      )
      const response = await page.reload()
      assert.equal(response.status(), 200)
      return response
    }

    /** The jar after a choice: the consent the engine reads from it, and the server's cookies. */
    const expectJar = async (expected, step) => {
      const cookies = await jar()
      const header = cookies.map((c) => `${c.name}=${c.value}`).join('; ')
      const consent = policy.consentFromCookieHeader(header)
      const raw = await bannerValue()
      assert.equal(consent.problem, null, `the engine reads the ${banner.cookie} cookie the banner wrote: ${raw}`)
      for (const purpose of ['statistics', 'marketing']) {
        assert.equal(consent.choices[purpose] ?? 'unset', expected[purpose], `${purpose} in ${banner.cookie}=${raw}`)
      }
      const granted = (purpose) => expected[purpose] === 'granted'
      assert.equal(named(cookies, STATISTICS_COOKIE).length, granted('statistics') ? 1 : 0, `${STATISTICS_COOKIE} after ${step}: ${header}`)
      assert.equal(named(cookies, MARKETING_COOKIE).length, granted('marketing') ? 1 : 0, `${MARKETING_COOKIE} after ${step}: ${header}`)
      assert.ok(named(cookies, 'sessionid').length === 1, 'the session cookie is kept')
      // The page says what the server read.
      const status = await page.locator('.consent-status').innerText()
      for (const purpose of ['statistics', 'marketing']) {
        assert.match(status, new RegExp(`${purpose} ${expected[purpose]}`), status)
      }
      await screenshot(step)
    }

    /** A fresh visitor: an empty jar, the home page, and the banner on it. */
    const freshVisit = async () => {
      await context.clearCookies()
      const response = await page.goto(`${base}/`)
      assert.equal(response.status(), 200)
      await page.locator(banner.visible).waitFor({ state: 'visible' })
      await banner.ready?.(page)
      const cookies = await jar()
      assert.deepEqual(named(cookies, STATISTICS_COOKIE), [])
      assert.deepEqual(named(cookies, MARKETING_COOKIE), [])
    }

    await t.test('refuse all: neither cookie', async () => {
      await freshVisit()
      await screenshot('banner')
      await choose(banner.refuseAll)
      await expectJar({ statistics: 'denied', marketing: 'denied' }, 'refused')
      await page.goto(`${base}/datasets`)
      await expectJar({ statistics: 'denied', marketing: 'denied' }, 'refused-next-page')
    })

    await t.test('accept all: both cookies', async () => {
      await freshVisit()
      await choose(banner.acceptAll)
      await expectJar({ statistics: 'granted', marketing: 'granted' }, 'accepted')
    })

    await t.test("withdraw marketing in the banner's settings: the purge deletes its cookie", async () => {
      const response = await page.goto(`${base}/settings`)
      assert.equal(response.status(), 200)
      await page.locator('#open-cookie-settings').click()
      await page.locator(banner.settings).waitFor({ state: 'visible' })
      await banner.ready?.(page)
      await screenshot('settings')
      const reloaded = await choose(banner.withdrawMarketing)
      const deletions = (await reloaded.headersArray())
        .filter((h) => h.name.toLowerCase() === 'set-cookie' && h.value.startsWith(`${MARKETING_COOKIE}=;`))
      assert.ok(deletions.length > 0, `the response after the withdrawal deletes ${MARKETING_COOKIE}`)
      await expectJar({ statistics: 'granted', marketing: 'denied' }, 'marketing-withdrawn')
    })

    await t.test('one purpose only (statistics): its cookie alone', async () => {
      await freshVisit()
      await choose(banner.onlyStatistics)
      await expectJar({ statistics: 'granted', marketing: banner.unanswered }, 'statistics-only')
    })

    assert.deepEqual(errors, [], 'no script error on the pages')
  })
}
