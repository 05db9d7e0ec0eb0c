'use strict'
// The guard reads a `document.cookie` write as Chromium does, on the corpora the core is checked
// against (tests/conformance/): the name it decides on is the name Chromium stores, and the
// writes it lets through as deletions are the ones the core's filter keeps as deletions.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { ROOT, POLICY, cli, consent, now, page, scriptTags, setup } = require('./helpers.js')

const env = setup(test)
const CONFORMANCE = path.join(ROOT, 'tests', 'conformance')
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/

/** Every Set-Cookie value of the WPT cookie tables, and the writes the bypass tests try. */
function writes() {
  const wpt = JSON.parse(fs.readFileSync(path.join(CONFORMANCE, 'wpt-cookies', 'cases.json'), 'utf8'))
  const values = wpt.cases.flatMap((c) => c.set_cookie)
  assert.ok(values.length >= 90, `${values.length} WPT values`)
  return [
    ...new Set([
      ...values,
      '=_fbp=1',
      '_fbp',
      ' =x',
      'sessionid;_fbp=1',
      '_fbp=1, sessionid=2',
      '"sessionid"=1',
      '\u00a0_fbp=1',
      '\t_fbp\t=\t1',
      'a\u2028b=1',
      '_fbp=\u0000x',
      'sessionid=1; _fbp=2',
      '_fbp=; MAX-AGE=0',
      '_fbp=""; max-age=-1',
    ]),
  ]
}

/** A policy that declares no cookie: the guard refuses every name, and reports the one it read. */
function emptyPolicy(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guard-conformance-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'empty.toml')
  fs.writeFileSync(file, '[site]\nname = "x"\nurl = "http://www.guard.localhost"\nconsent_cookie = "consent"\n')
  return file
}

test('the name the guard decides on is the name Chromium stores (WPT cookie tables)', async (t) => {
  const all = writes()
  // The guard's reading: each write refused (with the name read) or passed as a deletion.
  const guarded = await env.open(t, '/', page({ tags: scriptTags(undefined, { policy: emptyPolicy(t) }) }))
  const read = await guarded.page.evaluate((list) => {
    return list.map((value) => {
      let refused = null
      cookieCharterGuard.onRefused = (r) => (refused = r.name)
      document.cookie = value
      return refused
    })
  }, all)
  // Chromium's reading: each write alone, without the guard, into an empty jar.
  const bare = await env.open(t, '/bare', page())
  let named = 0
  for (const [i, value] of all.entries()) {
    await bare.context.clearCookies()
    await bare.page.evaluate((v) => {
      document.cookie = v
    }, value)
    const stored = (await bare.jar()).map((c) => c.name)
    const what = `${JSON.stringify(value)}: the guard read ${JSON.stringify(read[i])}, Chromium stored ${JSON.stringify(stored)}`
    if (read[i] === null) {
      assert.deepEqual(stored, [], `a deletion stores nothing: ${what}`)
      continue
    }
    assert.ok(stored.length <= 1, what)
    if (stored.length === 1) {
      if (read[i] === '' && CONTROL.test(value)) continue // refused whatever its name
      assert.equal(read[i], stored[0], what)
      if (stored[0] !== '') named += 1
    } else {
      // Nothing stored: the guard may read a name or none; it refuses it either way here.
      assert.equal(typeof read[i], 'string', what)
    }
  }
  assert.ok(named > 40, `${named} writes stored a named cookie`)
})

test('a refused name: the guard passes a write as a deletion exactly when the core keeps it as one', async (t) => {
  const dates = ['bsd-examples.json', 'examples.json'].flatMap((file) =>
    JSON.parse(fs.readFileSync(path.join(CONFORMANCE, 'rfc6265-http-state', 'dates', file), 'utf8')).map((d) => d.test),
  )
  // Around now, both ways, and the edges of the date ranges.
  const date = (seconds) => new Date(seconds * 1000).toUTCString()
  dates.push(date(now() - 3600), date(now() + 3600), 'Sat, 31 Dec 1600 23:59:59 GMT', 'Mon, 01 Jan 1601 00:00:00 GMT', '31 Feb 2000 00:00:00', '29 Feb 2000 00:00:00', '29 Feb 1900 00:00:00', '1 Jan 69 0:0:0', '1 Jan 70 0:0:0', '1 Jan 99999 0:0:0', '24:00:00 1 Jan 2000', '1 Jan 2000 23:59:60')
  const PAST = 'Thu, 01 Jan 1970 00:00:00 GMT'
  const FUTURE = 'Fri, 01 Jan 2100 00:00:00 GMT'
  const values = [
    ...dates.map((d) => `_fbp=; Expires=${d}`),
    // Max-Age as RFC 6265bis reads it: an optional `-` and digits, the last valid one winning.
    ...['0', '-0', '+0', ' 0 ', '0x', '00', '-1', '1', '-99999999999999999999999', '99999999999999999999999', '', '0.0', '0'.repeat(1025)].map((v) => `_fbp=; Max-Age=${v}`),
    `_fbp=; Max-Age=1x; Expires=${PAST}`,
    `_fbp=; Max-Age=1; Expires=${PAST}`,
    `_fbp=; Expires=${PAST}; Max-Age=1; Max-Age=0`,
    `_fbp=; Max-Age=0; Max-Age=1`,
    `_fbp=; Expires=${PAST}; Expires=${FUTURE}`,
    `_fbp=; Expires=${FUTURE}; Expires=garbage; Expires=${PAST}`,
    `_fbp=; Expires=${PAST}; Expires=garbage`,
    `_fbp=; Expires=${PAST} ${'x'.repeat(1000)}`,
    `_fbp=; Expires=${PAST} ${'x'.repeat(1020)}`,
    `_fbp=; Expires=${PAST}; Max-Age=`,
    `_fbp=; Max-Age; Expires=${FUTURE}`,
    `_fbp=; =Max-Age=0`,
    // The value: empty or "", nothing else.
    ...['""', ' "" ', '" "', 'x', '\t', '""x', "''"].map((v) => `_fbp=${v}; Max-Age=0`),
    '_fbp=;Max-Age=0',
    '_fbp; Max-Age=0',
    '=; Max-Age=0',
  ]
  const withdrawn = 'statistics=0&marketing=0'
  const filtered = cli(['filter', POLICY, '--consent', consent(withdrawn), '--now', String(now())], values.join('\n') + '\n')
  const kept = new Set(filtered.split('\n').filter(Boolean))
  const { page: tab } = await env.open(t, '/', page({ tags: scriptTags(withdrawn) }))
  const passed = await tab.evaluate((list) => {
    return list.map((value) => {
      let refused = false
      cookieCharterGuard.onRefused = () => (refused = true)
      document.cookie = value
      return !refused
    })
  }, values)
  let deletions = 0
  values.forEach((value, i) => {
    assert.equal(passed[i], kept.has(value), `${JSON.stringify(value)}: the core ${kept.has(value) ? 'keeps' : 'drops'} it`)
    if (passed[i]) deletions += 1
  })
  assert.ok(deletions > 40 && deletions < values.length - 20, `${deletions} of ${values.length} were deletions`)
})
