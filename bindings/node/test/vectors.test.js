'use strict'
// Runs every file of the shared corpus (tests/vectors/, found by walking it) through the binding:
// the results must be exactly those the files hold, as for the Rust core and the other bindings.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { Policy, Consent } = require('..')
const { vectorsDir, jsonFiles } = require('./helpers')

const files = jsonFiles(vectorsDir)
const counts = { files: 0, cases: 0, decisions: 0, loadErrors: 0 }

test('the corpus is there', () => {
  assert.ok(files.length > 0, `no vector file found below ${vectorsDir}`)
})

function loadPolicy(doc) {
  const hasJson = doc.policy !== undefined
  const hasToml = doc.policy_toml !== undefined
  assert.ok(hasJson !== hasToml, 'a case file holds exactly one of `policy` and `policy_toml`')
  return hasJson ? Policy.fromJson(JSON.stringify(doc.policy)) : Policy.fromToml(doc.policy_toml)
}

function asExpected(d) {
  return { allowed: d.allowed, rule: d.rule, purpose: d.purpose, consentState: d.consentState }
}

function fromVector(d) {
  return { allowed: d.allowed, rule: d.rule, purpose: d.purpose, consentState: d.consent_state }
}

const runners = {
  decide(policy, c, where) {
    const consent = Consent.fromCookie(c.consent)
    assert.equal(consent.problemAt(c.now), c.problem, `${where}: problem`)
    const names = c.decisions.map((d) => d.cookie)
    const many = policy.decideMany(names, consent, c.now)
    const table = policy.decisionTable(consent, c.now)
    c.decisions.forEach((expected, i) => {
      const want = fromVector(expected)
      const label = `${where}: decide(${JSON.stringify(expected.cookie)})`
      assert.deepEqual(asExpected(policy.decide(expected.cookie, consent, c.now)), want, label)
      assert.deepEqual(asExpected(many[i]), want, `${label} through decideMany`)
      assert.equal(table.allowed(expected.cookie), want.allowed, `${label} through a decision table`)
      counts.decisions++
    })
    if (c.purposes_to_ask !== undefined) {
      const got = policy.purposesToAsk(consent, c.now)
      assert.deepEqual([...got].sort(), [...c.purposes_to_ask].sort(), `${where}: purposesToAsk`)
    }
  },

  filter(policy, c, where) {
    const consent = Consent.fromCookie(c.consent)
    const got = policy.filterSetCookies(c.set_cookies, consent, c.now)
    assert.deepEqual(got.kept, c.kept, `${where}: kept`)
    assert.deepEqual(
      got.dropped.map((d) => ({ header: d.header, cookie: d.cookie, ...d.decision })),
      c.dropped.map((d) => ({ header: d.header, cookie: d.cookie, ...fromVector(d) })),
      `${where}: dropped`,
    )
  },

  purge(policy, c, where) {
    const consent = Consent.fromCookie(c.consent)
    const got = policy.purge(c.cookie_header, consent, c.now)
    assert.deepEqual(
      got.map((p) => ({ cookie: p.cookie, headers: p.headers })),
      c.purged.map((p) => ({ cookie: p.cookie, headers: p.headers })),
      `${where}: purged`,
    )
  },
}

for (const file of files) {
  const name = path.relative(vectorsDir, file)
  test(`vectors: ${name}`, () => {
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'))
    counts.files++
    if (doc.error !== undefined) {
      const text = doc.policy_toml ?? doc.policy_json
      assert.equal(typeof text, 'string', `${name}: a load-error file holds policy_toml or policy_json text`)
      const load = doc.policy_toml !== undefined ? Policy.fromToml : Policy.fromJson
      assert.throws(
        () => load(text),
        (e) => {
          assert.ok(e instanceof Error && !(e instanceof TypeError), `${name}: a plain Error`)
          assert.deepEqual(
            { code: e.code, field: e.field ?? null, line: e.line ?? null, column: e.column ?? null },
            { code: doc.error.code, field: doc.error.field, line: doc.error.line, column: doc.error.column },
            `${name}: ${e.message}`,
          )
          return true
        },
      )
      counts.loadErrors++
      return
    }
    const policy = loadPolicy(doc)
    assert.ok(Array.isArray(doc.cases) && doc.cases.length > 0, `${name}: no cases`)
    doc.cases.forEach((c, i) => {
      const runner = runners[c.kind]
      assert.ok(runner, `${name}: case ${i} has an unknown kind ${JSON.stringify(c.kind)}`)
      runner(policy, c, `${name} case ${i} (${c.description})`)
      counts.cases++
    })
  })
}

test('every file was run', () => {
  assert.equal(counts.files, files.length)
  assert.ok(counts.decisions > 0, 'no decision was checked')
  process.stdout.write(
    `# vectors: ${counts.files} files, ${counts.cases} cases, ${counts.decisions} decisions, ${counts.loadErrors} load errors\n`,
  )
})
