'use strict'
// The shared decision vectors (tests/vectors/**, kind `decide`) in Chromium: for each case, the
// answer `cookie-charter guard` gives for the file's policy and the case's consent, time, signal
// or TC string, then every name of the case through the guard's matching in the page
// (`cookieCharterGuard.decide`): `allowed` and `purpose` must be the core's. Names a script can
// write as they are are also written through `document.cookie`, and must be in the jar exactly
// when allowed.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { ROOT, cli, page, scriptTags, setup } = require('./helpers.js')

const env = setup(test)
const VECTORS = path.join(ROOT, 'tests', 'vectors')
/** Names written as they are: RFC 6265 tokens, without the prefixes browsers restrict. */
const WRITABLE = /^(?!__(host|secure)-)[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/i

function vectorFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return vectorFiles(full)
    return entry.name.endsWith('.json') ? [full] : []
  })
}

/** The guard's answer for one case, from the command line, with the file's policy. */
function caseAnswer(policyFile, c) {
  const args = ['guard', policyFile, '--now', String(c.now)]
  let input
  if (c.tc_string !== undefined) args.push('--tc-string', c.tc_string)
  else if (c.consent !== null && c.consent !== undefined) {
    // Standard input holds any value, NUL bytes included.
    args.push('--consent-stdin')
    input = c.consent
  }
  if (c.gpc) args.push('--gpc')
  return JSON.parse(cli(args, input))
}

/** Every `decide` case of the corpus with its answer (computed once for the file's tests). */
let loaded
function loadCases() {
  if (loaded) return loaded
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guard-vectors-'))
  const cases = []
  let files = 0
  for (const file of vectorFiles(VECTORS)) {
    const data = JSON.parse(fs.readFileSync(file, 'utf8'))
    const decide = (data.cases || []).filter((c) => c.kind === 'decide' && !c.tc_error)
    if (decide.length === 0) continue
    files += 1
    const policyFile = path.join(dir, `${files}.${data.policy ? 'json' : 'toml'}`)
    fs.writeFileSync(policyFile, data.policy ? JSON.stringify(data.policy) : data.policy_toml)
    for (const c of decide) {
      cases.push({ where: `${path.relative(VECTORS, file)}: ${c.description}`, answer: caseAnswer(policyFile, c), decisions: c.decisions })
    }
  }
  fs.rmSync(dir, { recursive: true, force: true })
  loaded = { files, cases }
  return loaded
}

test('the shared decide vectors: the guard matches names as the core decides them', async (t) => {
  const { files, cases } = loadCases()
  assert.ok(files >= 10 && cases.length >= 300, `found ${files} files and ${cases.length} cases`)
  // The page's own answer allows nothing; each case brings its own through update().
  const { page: tab, errors } = await env.open(t, '/', page({ tags: scriptTags('') }))
  const results = await tab.evaluate((all) => {
    return all.map((c) => {
      cookieCharterGuard.update(c.answer)
      return c.decisions.map((d) => cookieCharterGuard.decide(d.cookie))
    })
  }, cases)
  let decisions = 0
  cases.forEach((c, i) => {
    c.decisions.forEach((d, j) => {
      const got = results[i][j]
      assert.deepEqual(got, { allowed: d.allowed, purpose: d.purpose }, `${c.where}: ${JSON.stringify(d.cookie)}`)
      decisions += 1
    })
  })
  console.log(`vectors: ${files} files, ${cases.length} cases, ${decisions} decisions matched in Chromium`)
  assert.deepEqual(errors, [])
})

test('the shared decide vectors: names written through document.cookie are in the jar exactly when allowed', async (t) => {
  const { cases } = loadCases()
  const { page: tab, context } = await env.open(t, '/', page({ tags: scriptTags('') }))
  const writes = []
  cases.forEach((c, i) => {
    const names = [...new Set(c.decisions.filter((d) => WRITABLE.test(d.cookie)).map((d) => d.cookie))]
    if (names.length > 0) writes.push({ index: i, names })
  })
  assert.ok(writes.length > 100, `${writes.length} cases with writable names`)
  let checked = 0
  for (const { index, names } of writes) {
    const c = cases[index]
    await context.clearCookies()
    // Each case: its answer, each name written, then a last write (`document.cookie` reads and
    // writes are ordered): what the page sees then is what the browser stored.
    const seen = await tab.evaluate(
      ([answer, list]) => {
        cookieCharterGuard.update(answer)
        for (const name of list) document.cookie = `${name}=1; Path=/`
        return document.cookie
      },
      [c.answer, names],
    )
    const stored = new Set(
      seen
        .split('; ')
        .filter(Boolean)
        .map((pair) => pair.slice(0, pair.indexOf('='))),
    )
    for (const name of names) {
      const expected = c.decisions.find((d) => d.cookie === name).allowed
      assert.equal(stored.has(name), expected, `${c.where}: ${name} written: ${stored.has(name)}`)
      checked += 1
    }
  }
  console.log(`vectors: ${checked} names written through document.cookie`)
})
