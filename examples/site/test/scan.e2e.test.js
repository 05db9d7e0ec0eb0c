'use strict'
// The audit on the demo site: `cookie-charter scan` drives Debian's Chromium through the site in
// every consent state (none, refuse_all, accept_all, one only_<purpose> per purpose, withdraw)
// and judges every cookie it saw against policy.toml. The site, behind the middleware, must scan
// with no finding (exit status 0), and the scan must have seen what the site really sets, so that
// a scan that saw nothing cannot pass. The pages' tag-like scripts write `_ga` and `_fbp` from
// JavaScript: with the browser guard, no finding; the same site started with --no-guard shows the
// advertising pixel's `_fbp` as `without_consent` findings, exactly.
//
// The command is `COOKIE_CHARTER_BIN`, else the workspace's debug build (test.sh builds it).

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { startServer, SITE } = require('../test-helpers/site-process.js')
const { CHROMIUM } = require('../test-helpers/chromium.js')

const ROOT = path.join(SITE, '..', '..')
const BIN = process.env.COOKIE_CHARTER_BIN || path.join(ROOT, 'target', 'debug', 'cookie-charter')
const POLICY = path.join(SITE, 'policy.toml')

/** Runs `cookie-charter ...args`: `{ code, stdout, stderr }`. */
function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

/**
 * Scans the site at `address` (all scenarios, every page the site links to) and returns the
 * command's result with its JSON report (`report`) and Markdown report (`markdown`).
 */
async function scan(address, extra = []) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cookie-charter-scan-'))
  try {
    const json = path.join(dir, 'report.json')
    const markdown = path.join(dir, 'report.md')
    const result = await run(['scan', POLICY, address, '--pages', '10', '--chromium', CHROMIUM, '--json', json, '--markdown', markdown, ...extra])
    const report = fs.existsSync(json) ? JSON.parse(fs.readFileSync(json, 'utf8')) : null
    const text = fs.existsSync(markdown) ? fs.readFileSync(markdown, 'utf8') : null
    return { ...result, report, markdown: text }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** `scenario[/after]` -> the sorted names of the cookies observed in it. */
function cookiesSeen(report) {
  const seen = {}
  for (const o of report.observations) {
    if (o.subject.kind !== 'cookie') continue
    const key = o.after_withdrawal ? `${o.scenario}/after` : o.scenario
    seen[key] = [...new Set([...(seen[key] ?? []), o.subject.name])].sort()
  }
  return seen
}

test('the demo site behind the middleware scans with no finding', { timeout: 300000 }, async (t) => {
  assert.ok(fs.existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (apt-get install chromium)`)
  assert.ok(fs.existsSync(BIN), `the cookie-charter command is needed at ${BIN} (cargo build -p cookie-charter-cli)`)
  const server = await startServer()
  t.after(() => server.stop())

  const result = await scan(server.address)
  assert.equal(result.code, 0, `exit status 0 expected\nstdout: ${result.stdout}\nstderr: ${result.stderr}`)
  assert.match(result.stdout, /^0 findings \(0 high, 0 medium, 0 low\), 0 accepted: passed$/m)
  const { report } = result
  assert.ok(report, 'the JSON report was written')
  assert.equal(report.complete, true)
  assert.deepEqual(report.findings, [])
  assert.deepEqual(report.summary, { findings: 0, accepted: 0, high: 0, medium: 0, low: 0, failed: false })

  // Every scenario, each on every page of the site.
  assert.deepEqual(
    report.scenarios.map((s) => s.id),
    ['none', 'refuse_all', 'accept_all', 'only_statistics', 'only_marketing', 'withdraw'],
  )
  const base = server.address.replace(/\/$/, '')
  const pages = ['/', '/charter', '/charter?lang=en', '/datasets', '/settings'].map((p) => `${base}${p}`)
  for (const scenario of report.scenarios) assert.deepEqual(scenario.pages, pages, `pages of ${scenario.id}`)

  // What the browser held: the middleware let each cookie through only with its consent, and
  // purged the statistics and marketing cookies (`_ga` on the parent domain too) on withdrawal.
  const necessary = ['csrftoken', 'sessionid']
  const withConsent = (...names) => [...names, 'cookies_preferences', ...necessary].sort()
  assert.deepEqual(cookiesSeen(report), {
    none: necessary,
    refuse_all: withConsent(),
    accept_all: withConsent('_fbp', '_ga'),
    only_statistics: withConsent('_ga'),
    only_marketing: withConsent('_fbp'),
    withdraw: withConsent('_fbp', '_ga'),
    'withdraw/after': withConsent(),
  })
  const ga = report.observations.find((o) => o.scenario === 'accept_all' && o.subject.name === '_ga')
  assert.equal(ga.subject.domain, server.address.match(/^http:\/\/www\.([^:/]+)/)[1], '_ga lives on the parent domain')
  assert.match(result.markdown, /^- Findings: 0 \(0 high, 0 medium, 0 low\), 0 accepted; fails on: low; result: passed$/m)

  // The tags ran and wrote their cookies from JavaScript where the visitor allowed them; each
  // write is the tag's, not the guard's, whose setter wraps the browser's on the stack.
  const tags = (scenario, name) => [...new Set(report.observations
    .filter((o) => o.scenario === scenario && o.subject.name === name && o.subject.write?.by === 'script')
    .map((o) => new URL(o.subject.write.url).pathname))]
  assert.deepEqual(tags('accept_all', '_ga'), ['/static/tags/analytics.js'])
  assert.deepEqual(tags('accept_all', '_fbp'), ['/static/tags/pixel.js'])
  assert.deepEqual(tags('only_statistics', '_fbp'), [])
  assert.deepEqual(tags('only_marketing', '_ga'), [])
})

test('the demo site without the browser guard: the pixel cookie is found without consent', { timeout: 300000 }, async (t) => {
  assert.ok(fs.existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (apt-get install chromium)`)
  assert.ok(fs.existsSync(BIN), `the cookie-charter command is needed at ${BIN} (cargo build -p cookie-charter-cli)`)
  const server = await startServer(['--no-guard'])
  t.after(() => server.stop())

  const result = await scan(server.address)
  assert.equal(result.code, 1, `exit status 1 expected\nstdout: ${result.stdout}\nstderr: ${result.stderr}`)
  const { report } = result
  const found = report.findings.map((f) => `${f.scenario}${f.after_withdrawal ? '/after' : ''} ${f.name} ${f.code}`)
  // The unmarked pixel writes `_fbp` in every scenario that does not grant marketing; the marked
  // analytics tag never runs without the guard to start it.
  assert.deepEqual(found, [
    'none _fbp without_consent',
    'refuse_all _fbp without_consent',
    'only_statistics _fbp without_consent',
    'withdraw/after _fbp without_consent',
  ])
  for (const finding of report.findings) {
    assert.equal(finding.severity, 'high')
    assert.equal(finding.purpose, 'marketing')
    // Usually on each of the five pages: the tags come last in the page, but the server purges
    // `_fbp` on any later response that carries it (a favicon's...), before the scanner reads.
    assert.ok(finding.occurrences >= 1 && finding.occurrences <= 5, `${finding.scenario}: ${finding.occurrences} pages`)
    const write = finding.evidence.subject.write
    assert.equal(write.by, 'script')
    assert.equal(new URL(write.url).pathname, '/static/tags/pixel.js')
    assert.match(write.line, /^_fbp=fb\.2\./)
  }
  assert.deepEqual(report.summary, { findings: 4, accepted: 0, high: 4, medium: 0, low: 0, failed: true })
})
