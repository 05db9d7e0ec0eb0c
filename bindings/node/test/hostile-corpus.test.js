'use strict'
// The hostile-input corpus of `tests/hostile/` (see its README) through the Node binding: every
// case gives the outcome `cases.json` states, and nothing crashes the process.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { Policy, Consent } = require('..')

const HOSTILE = path.join(__dirname, '..', '..', '..', 'tests', 'hostile')
const DATA = JSON.parse(fs.readFileSync(path.join(HOSTILE, 'cases.json'), 'utf8'))
const NOW = DATA.now

/** The bytes of a case: `input`, `input_hex` or `generate`. */
function raw(c) {
  if ('input' in c) return Buffer.from(c.input, 'utf8')
  if ('input_hex' in c) return Buffer.from(c.input_hex, 'hex')
  const parts = []
  for (const [piece, times] of c.generate) {
    if (piece.includes('{i}')) {
      for (let i = 0; i < times; i++) parts.push(piece.replaceAll('{i}', String(i)))
    } else {
      parts.push(piece.repeat(times))
    }
  }
  return Buffer.from(parts.join(''), 'utf8')
}

/** Text as Node decodes it: invalid UTF-8 replaced by U+FFFD. */
const text = (c) => raw(c).toString('utf8')

const policy = Policy.load(path.join(HOSTILE, DATA.policy))
const consent = Consent.fromCookie(DATA.consent)

test('Set-Cookie values are kept or dropped as the corpus says', () => {
  for (const c of DATA.set_cookie) {
    const header = text(c)
    const filtered = policy.filterSetCookies([header], consent, NOW)
    assert.equal(filtered.kept.length + filtered.dropped.length, 1, c.id)
    if (c.kept) {
      assert.deepEqual(filtered.kept, ['kept_as' in c ? c.kept_as : header], c.id)
    } else {
      assert.deepEqual(filtered.kept, [], c.id)
      const d = filtered.dropped[0]
      assert.equal(d.decision.allowed, false, c.id)
      assert.equal(d.header, header, c.id)
      if ('cookie' in c) assert.equal(d.cookie, c.cookie, c.id)
      if ('problem' in c) assert.equal(d.problem, c.problem, c.id)
      if ('rule' in c) assert.equal(d.decision.rule, c.rule, c.id)
    }
  }
})

test('thousands of Set-Cookie headers keep their order', () => {
  for (const batch of DATA.set_cookie_batches) {
    const headers = Array.from({ length: batch.count }, (_, i) =>
      batch.template[i % batch.template.length].replaceAll('{i}', String(i)))
    const filtered = policy.filterSetCookies(headers, consent, NOW)
    assert.equal(filtered.kept.length, batch.kept, batch.id)
    assert.equal(filtered.dropped.length, batch.dropped, batch.id)
    const position = new Map(headers.map((h, i) => [h, i]))
    const kept = filtered.kept.map((h) => position.get(h))
    assert.deepEqual(kept, [...kept].sort((a, b) => a - b), batch.id)
  }
})

test('Cookie headers give the consent and purge the corpus says', () => {
  for (const c of DATA.cookie_header) {
    const header = text(c)
    const fromHeader = policy.consentFromCookieHeader(header)
    assert.equal(fromHeader.problem, c.consent_problem, c.id)
    if ('consent_usable' in c) assert.equal(fromHeader.problemAt(NOW) === null, c.consent_usable, c.id)
    const purged = policy.purge(header, fromHeader, NOW)
    const names = purged.map((p) => p.cookie)
    if ('purged' in c) assert.deepEqual(names, c.purged, c.id)
    if ('purged_count' in c) assert.equal(names.length, c.purged_count, c.id)
    for (const name of c.not_purged ?? []) assert.ok(!names.includes(name), c.id)
    for (const p of purged) {
      assert.equal(p.decision.allowed, false, c.id)
      for (const h of p.headers) {
        assert.ok(!/[\r\n\0]/.test(h), `${c.id}: ${JSON.stringify(h)}`)
        assert.ok(h.startsWith(`${p.cookie}=; Max-Age=0`), c.id)
      }
    }
  }
})

test('consent values give the problem the corpus says', () => {
  for (const c of DATA.consent_cookie) {
    const value = Consent.fromCookie(text(c))
    assert.equal(value.problem, c.problem, c.id)
    const usable = 'usable' in c ? c.usable : c.problem === null
    assert.equal(value.problemAt(NOW) === null, usable, c.id)
    if (!usable) assert.equal(policy.decide('_ga', value, NOW).allowed, false, c.id)
    // A hostile key never becomes a property of the choices object's prototype.
    assert.equal(Object.getPrototypeOf(value.choices) === Object.prototype || Object.getPrototypeOf(value.choices) === null, true, c.id)
  }
  assert.equal({}.constructor, Object)
})

test('hostile policy files load or fail with the corpus error', () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cookie-charter-hostile-'))
  try {
    for (const c of DATA.policies) {
      let file
      if ('file' in c) {
        file = path.join(HOSTILE, c.file)
      } else {
        file = path.join(scratch, `${c.id}.${c.format ?? 'toml'}`)
        fs.writeFileSync(file, raw(c))
      }
      if (c.utf8 === false) {
        // Not UTF-8: refused with a `syntax` error at the first bad byte, as in every other
        // language; never a crash.
        assert.throws(
          () => Policy.load(file),
          (e) => {
            assert.equal(e.code, 'syntax', c.id)
            assert.match(e.message, /is not UTF-8 \(byte 0x[0-9a-f]{2} at offset \d+\)/, c.id)
            assert.equal(typeof e.line, 'number', c.id)
            assert.equal(typeof e.column, 'number', c.id)
            return true
          },
          c.id,
        )
        continue
      }
      if (c.ok) {
        assert.doesNotThrow(() => Policy.load(file), c.id)
        continue
      }
      assert.throws(() => Policy.load(file), (e) => {
        assert.equal(e.code, c.error, `${c.id}: ${e.message}`)
        assert.equal(typeof e.line, 'number', c.id)
        assert.equal(typeof e.column, 'number', c.id)
        if ('field' in c) assert.equal(e.field, c.field, c.id)
        return true
      })
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true })
  }
})

test('lone surrogates and non-strings are refused or replaced, never a crash', () => {
  const lone = '\uD800sessionid=1'
  // JavaScript strings may hold lone surrogates; the binding converts them to UTF-8 (U+FFFD).
  const filtered = policy.filterSetCookies([lone], consent, NOW)
  assert.equal(filtered.kept.length, 0)
  assert.equal(policy.decide('\uDC00', consent, NOW).rule, 'undeclared')
  for (const bad of [null, undefined, 42, {}, ['x']]) {
    try {
      policy.decide(bad, consent, NOW)
    } catch (e) {
      assert.ok(e instanceof Error)
    }
  }
  assert.equal(policy.decide('sessionid', consent, NOW).allowed, true)
})
