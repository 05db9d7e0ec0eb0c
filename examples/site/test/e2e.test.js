'use strict'
// End to end, as a visitor sees the demo site: Debian's Chromium driven by playwright-core,
// every check made on the browser's real cookie jar (`context.cookies()`).
//
// The site is served on 127.0.0.1 and a free port, and visited as http://www.epn.localhost:PORT
// (Chromium maps *.localhost to 127.0.0.1), so that cookies can live on the parent domain
// `.epn.localhost` as analytics cookies do, and the purge has domain variants to remove.
// The banner posts each choice to the site's consent endpoint: after each one, the record with
// that choice is in the store (read back with `cookie-charter records export`), the chain
// verifies, and the consent cookie in the jar carries the record's id (`_rid`).
// Screenshots of every step go to test-artifacts/ (gitignored).

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { chromium } = require('playwright-core')
const { Policy, Consent, storedRecordIds, verifyStore } = require('cookie-charter')
const { startServer, SITE } = require('../test-helpers/site-process.js')
const { CONSENT_PATH } = require('../app.js')

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const ARTIFACTS = path.join(SITE, 'test-artifacts')
const SEED = path.join(SITE, '..', '..', 'crates', 'cookie-charter', 'tests', 'seed', 'charte-cookies.txt')
const policy = Policy.load(path.join(SITE, 'policy.toml'))
const HOST = policy.site.host // www.epn.localhost
const PARENT = HOST.split('.').slice(1).join('.') // epn.localhost: where _ga lives
const STATISTICS_COOKIE = '_ga'
const MARKETING_COOKIE = '_fbp'
const NO_CONSENT = Consent.fromCookie(null)
/** The command that exports records (test.sh builds it). */
const BIN = process.env.COOKIE_CHARTER_BIN || path.join(SITE, '..', '..', 'target', 'debug', 'cookie-charter')
/** A purpose's label on the (English) banner: the policy's own. */
const labelOf = (id) => policy.purposes.find((p) => p.id === id).label.en

/** The seed's table rows: the tab-separated lines after the "Nom du prestataire" header. */
function seedRows() {
  const lines = fs.readFileSync(SEED, 'utf8').split(/\r?\n/)
  const header = lines.findIndex((l) => l.startsWith('Nom du prestataire\t'))
  assert.notEqual(header, -1, 'the seed has its table header')
  return lines
    .slice(header + 1)
    .filter((l) => l.includes('\t'))
    .map((l) => l.split('\t').map((cell) => cell.trim()))
}

test('a visitor on the demo site: banner, consent, purge, revision bump and charter', { timeout: 180000 }, async (t) => {
  assert.ok(fs.existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (apt-get install chromium)`)
  // Only this test's screenshots: banners.e2e.test.js, run at the same time, writes in a subdirectory.
  fs.mkdirSync(ARTIFACTS, { recursive: true })
  for (const file of fs.readdirSync(ARTIFACTS)) if (file.endsWith('.png')) fs.rmSync(path.join(ARTIFACTS, file))
  assert.ok(fs.existsSync(BIN), `the cookie-charter command is needed at ${BIN} (cargo build -p cookie-charter-cli)`)
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cookie-charter-e2e-'))
  const recordsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cookie-charter-e2e-records-'))
  t.after(() => fs.rmSync(recordsDir, { recursive: true, force: true }))
  const store = `sqlite:${path.join(recordsDir, 'consents.sqlite')}`
  let server = await startServer(['--records', store.slice('sqlite:'.length)])
  t.after(async () => {
    await server.stop()
  })
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--host-resolver-rules=MAP *.localhost 127.0.0.1',
    ],
    viewport: { width: 1100, height: 900 },
  })
  t.after(async () => {
    await context.close()
    fs.rmSync(profile, { recursive: true, force: true })
  })
  const page = context.pages()[0] ?? (await context.newPage())
  let base = `http://${HOST}:${server.port}`
  let shot = 0
  const screenshot = async (name) => {
    shot += 1
    const file = path.join(ARTIFACTS, `${String(shot).padStart(2, '0')}-${name}.png`)
    await page.screenshot({ path: file, fullPage: true })
    assert.ok(fs.statSync(file).size > 1000, `screenshot ${file} was written`)
  }
  const jar = () => context.cookies()
  const named = (cookies, name) => cookies.filter((c) => c.name === name)
  /** Every cookie of the jar is one the policy lets through without any consent (rule necessary). */
  const assertOnlyNecessary = (cookies) => {
    assert.ok(cookies.length > 0, 'the site set its necessary cookies')
    for (const cookie of cookies) {
      const decision = policy.decide(cookie.name, NO_CONSENT)
      assert.equal(decision.rule, 'necessary', `${cookie.name} (${cookie.domain}) is in the jar but is not necessary`)
    }
  }
  const askedPurposes = async () => {
    if (!(await page.locator('#cookie-banner').isVisible())) return []
    return page.locator('#cookie-banner input[name="purpose"]').evaluateAll((boxes) => boxes.map((b) => b.value))
  }
  /**
   * Clicks a banner button and waits for the endpoint's answer to the banner's post, then for the
   * page the banner's script loads; resolves to the endpoint's answer.
   */
  const submit = async (buttonName) => {
    const posted = page.waitForResponse((r) => new URL(r.url()).pathname === CONSENT_PATH && r.request().method() === 'POST')
    const response = page.waitForResponse((r) => r.request().isNavigationRequest() && r.request().method() === 'GET')
    // The new page's `load` event: `waitForLoadState` could still see the old page, loaded.
    const loaded = page.waitForEvent('load')
    await page.getByRole('button', { name: buttonName, exact: true }).click()
    const answer = await posted
    assert.equal(answer.status(), 200, `the endpoint refused the choice (${answer.status()})`)
    await response
    await loaded
    return answer
  }
  let recordCount = 0
  /**
   * The choice just made is the store's newest record, one more than before, with `choices`,
   * `method` and revision `rev`; the chain verifies; the consent cookie in the jar carries its id.
   */
  const assertRecorded = async ({ choices, method, rev }) => {
    const ids = storedRecordIds(store)
    assert.equal(ids.length, recordCount + 1, 'one record per choice')
    recordCount = ids.length
    const id = ids[ids.length - 1]
    assert.deepEqual(verifyStore(store).problems, [], 'the chain verifies')
    const exported = execFileSync(BIN, ['records', 'export', '--store', store, '--id', id], { encoding: 'utf8' })
    const lines = exported.split('\n').filter(Boolean)
    assert.equal(lines.length, 1, `one record exported for ${id}`)
    const body = JSON.parse(JSON.parse(lines[0]).record.integrity.body)
    assert.equal(body.id, id)
    assert.deepEqual(body.choices, choices)
    assert.equal(body.method, method)
    assert.equal(body.rev, rev)
    assert.equal(body.lang, 'en')
    const { raw } = await consentInJar()
    assert.equal(new URLSearchParams(raw).get('_rid'), id, `the consent cookie carries the record id: ${raw}`)
  }
  const consentInJar = async () => {
    const cookies = named(await jar(), policy.site.consentCookie)
    assert.equal(cookies.length, 1, 'exactly one consent cookie')
    const consent = Consent.fromCookie(cookies[0].value)
    assert.equal(consent.problem, null, `the banner wrote a valid consent cookie: ${cookies[0].value}`)
    return { consent, raw: cookies[0].value }
  }

  await t.test('first visit: only necessary cookies, and a banner asking about every optional purpose', async () => {
    const response = await page.goto(`${base}/`)
    assert.equal(response.status(), 200)
    const cookies = await jar()
    assertOnlyNecessary(cookies)
    assert.ok(named(cookies, 'sessionid').length === 1, 'the session cookie is set')
    assert.deepEqual(named(cookies, STATISTICS_COOKIE), [])
    assert.deepEqual(named(cookies, MARKETING_COOKIE), [])
    assert.deepEqual(await askedPurposes(), policy.purposesToAsk(NO_CONSENT))
    assert.deepEqual((await askedPurposes()).sort(), ['marketing', 'statistics'])
    // Refusing is exactly as easy as accepting: same size, colours and font, side by side.
    const look = (name) =>
      page.getByRole('button', { name, exact: true }).evaluate((b) => {
        const s = getComputedStyle(b)
        const r = b.getBoundingClientRect()
        return { w: Math.round(r.width), h: Math.round(r.height), top: Math.round(r.top), bg: s.backgroundColor, fg: s.color, font: s.font }
      })
    assert.deepEqual(await look('Refuse all'), await look('Accept all'))
    // The banner's words are the policy's: each purpose's label and description, in English.
    for (const purpose of policy.purposes.filter((p) => p.needsConsent)) {
      assert.equal(await page.locator(`label[for="purpose-${purpose.id}"]`).textContent(), purpose.label.en)
      assert.equal(await page.locator(`#purpose-${purpose.id}-help .description`).textContent(), purpose.description.en)
    }
    assert.equal(await page.locator('label[for="purpose-statistics"]').textContent(), 'Statistics cookies')
    // Nothing is pre-ticked.
    assert.deepEqual(await page.locator('#cookie-banner input[name="purpose"]:checked').count(), 0)
    await screenshot('first-visit')
  })

  await t.test('refuse all: still only necessary cookies, on every page', async () => {
    await submit('Refuse all')
    const { consent, raw } = await consentInJar()
    assert.match(raw, /^v=1&rev=1&at=\d+&/)
    assert.equal(consent.revision, policy.site.revision)
    assert.deepEqual({ ...consent.choices }, { statistics: 'denied', marketing: 'denied' })
    await assertRecorded({ choices: { marketing: 'denied', statistics: 'denied' }, method: 'banner', rev: 1 })
    assert.deepEqual(await askedPurposes(), [], 'no banner once the visitor chose')
    assertOnlyNecessary(await jar())
    await page.goto(`${base}/datasets`)
    assertOnlyNecessary(await jar())
    await screenshot('refused')
  })

  await t.test('accept statistics only: the statistics cookie appears, the marketing one does not', async () => {
    await page.goto(`${base}/settings`)
    await page.getByLabel(labelOf('statistics'), { exact: true }).check()
    assert.equal(await page.getByLabel(labelOf('marketing'), { exact: true }).isChecked(), false)
    await submit('Save my choices')
    const { consent } = await consentInJar()
    assert.deepEqual({ ...consent.choices }, { statistics: 'granted', marketing: 'denied' })
    await assertRecorded({ choices: { marketing: 'denied', statistics: 'granted' }, method: 'settings', rev: 1 })
    const cookies = await jar()
    const stats = named(cookies, STATISTICS_COOKIE)
    assert.equal(stats.length, 1, `one ${STATISTICS_COOKIE} cookie: ${JSON.stringify(stats)}`)
    assert.equal(stats[0].domain, `.${PARENT}`, 'set for the parent domain, as analytics do')
    assert.deepEqual(named(cookies, MARKETING_COOKIE), [])
    assert.match(await page.locator('#withheld').innerText(), new RegExp(MARKETING_COOKIE))
    await screenshot('statistics-accepted')
  })

  await t.test('withdraw statistics: the purge removes the cookie from the jar, every domain variant', async () => {
    // A host-only copy of the same cookie, as an earlier version of the site would have left.
    await context.addCookies([{ name: STATISTICS_COOKIE, value: 'GA1.1.left-by-an-older-version', url: `${base}/` }])
    const before = named(await jar(), STATISTICS_COOKIE)
    assert.deepEqual(before.map((c) => c.domain).sort(), [`.${PARENT}`, HOST].sort(), 'two variants before the purge')
    await page.goto(`${base}/settings`)
    assert.equal(await page.getByLabel(labelOf('statistics'), { exact: true }).isChecked(), true, 'the settings show the current choice')
    await page.getByLabel(labelOf('statistics'), { exact: true }).uncheck()
    // The endpoint's answer sets the new consent cookie and deletes the withdrawn cookies.
    const response = await submit('Save my choices')
    const deletions = (await response.headersArray())
      .filter((h) => h.name.toLowerCase() === 'set-cookie' && h.value.startsWith(`${STATISTICS_COOKIE}=;`))
      .map((h) => h.value)
    assert.ok(deletions.some((d) => /Max-Age=0/.test(d) && !/Domain=/.test(d)), `a host-only deletion in ${deletions}`)
    assert.ok(deletions.some((d) => d.includes(`Domain=${PARENT}`)), `a deletion for ${PARENT} in ${deletions}`)
    const cookies = await jar()
    assert.deepEqual(named(cookies, STATISTICS_COOKIE), [], 'no variant of the statistics cookie is left')
    assertOnlyNecessary(cookies)
    const { consent } = await consentInJar()
    assert.deepEqual({ ...consent.choices }, { statistics: 'denied', marketing: 'denied' })
    await assertRecorded({ choices: { marketing: 'denied', statistics: 'denied' }, method: 'settings', rev: 1 })
    await screenshot('statistics-withdrawn')
  })

  await t.test('after a revision bump of marketing, the banner asks about marketing only', async () => {
    await server.stop()
    server = await startServer(['--bump', 'marketing', '--records', store.slice('sqlite:'.length)])
    base = `http://${HOST}:${server.port}` // cookies do not depend on the port: same jar
    await page.goto(`${base}/`)
    const { consent } = await consentInJar()
    assert.equal(consent.revision, 1, 'the visitor consented at revision 1')
    assert.deepEqual(await askedPurposes(), ['marketing'])
    assert.equal(await page.locator('#cookie-banner-title').isVisible(), true)
    assertOnlyNecessary(await jar())
    await screenshot('revision-bump-banner')
    await submit('Accept all')
    const after = await consentInJar()
    assert.equal(after.consent.revision, 2)
    assert.deepEqual({ ...after.consent.choices }, { statistics: 'denied', marketing: 'granted' }, 'the statistics choice was kept')
    await assertRecorded({ choices: { marketing: 'granted', statistics: 'denied' }, method: 'banner', rev: 2 })
    assert.deepEqual(await askedPurposes(), [])
    const cookies = await jar()
    assert.equal(named(cookies, MARKETING_COOKIE).length, 1, 'the marketing cookie is set once accepted')
    assert.deepEqual(named(cookies, STATISTICS_COOKIE), [], 'statistics are still refused')
    await screenshot('marketing-accepted')
  })

  await t.test("the charter page shows the seed's table", async () => {
    const response = await page.goto(`${base}/charter`)
    assert.equal(response.status(), 200)
    const expected = seedRows()
    assert.equal(expected.length, 4, 'the seed has four rows')
    const table = page.locator('table', { has: page.locator('th', { hasText: 'Nom du prestataire' }) }).first()
    const header = await table.locator('thead th').allInnerTexts()
    assert.deepEqual(header.map((h) => h.trim()), ['Nom du prestataire', 'Service et emplacement', 'Nom du cookies', 'Finalités'])
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent.trim())))
    assert.deepEqual(rows, expected)
    assert.equal(await page.getByRole('heading', { level: 1 }).first().innerText(), 'Charte cookies')
    await screenshot('charter-fr')
    await page.goto(`${base}/charter?lang=en`)
    assert.ok(await page.locator('th', { hasText: 'Cookie name' }).first().isVisible())
    await screenshot('charter-en')
  })
})
