'use strict'
// The guard's cost in Chromium (Debian's, through playwright-core), printed as Markdown tables:
//
// 1. a `document.cookie` write with and without the guard (target: a guarded write costs at most
//    twice an unguarded one), for a name allowed exactly, one allowed by a pattern, one refused
//    and one undeclared, with the test policy (11 declarations) and a large one (411: 200 more
//    exact names and 200 more patterns, so that an undeclared name is tried against every
//    pattern). In one guarded page, batches of 50 writes through the browser's own setter (taken
//    before the guard) and through the guard's alternate (ABBA, 20 × rounds batches each way),
//    on the same jar;
// 2. what the guard adds to a page's load (target: under 1 ms): the time its tags take in <head>
//    (reading the answer and running guard.min.js, fetched from the HTTP cache after a first
//    visit, or with the cache disabled), and its work at DOMContentLoaded (starting what the
//    answer grants, watching for marked elements), each against the same markers in the same
//    page without the guard, pages alternating.
//
// Pages are cross-origin isolated, so that performance.now() counts in microseconds; medians are
// reported: the machine may be shared. Usage: node bench/bench.js [--rounds N] (from guard/, after
// npm ci and `cargo build -p cookie-charter-cli`).

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { POLICY, cli, consent, launch, now, page, serve } = require('../test/helpers.js')

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 20
/** Writes per batch: small batches, many of them, so that a pause of the machine spoils few. */
const WRITES = 50
const CONSENT = 'statistics=1&marketing=0'

/** A policy of 400 declarations: 200 exact names, 200 patterns of various lengths. */
function largePolicy(dir) {
  let text = fs.readFileSync(POLICY, 'utf8')
  for (let i = 0; i < 200; i++) {
    const purpose = i % 3 === 0 ? 'necessary' : i % 3 === 1 ? 'statistics' : 'marketing'
    for (const name of [`exact_${i}`, `pat_${i}_${'x'.repeat(i % 7)}*_end${i}`]) {
      text += `\n[[cookies]]\nname = "${name}"\nprovider = "p"\nservice = "s"\npurpose = "${purpose}"\ndescription = "d"\nlifetime = "1 day"\n`
    }
  }
  const file = path.join(dir, 'large.toml')
  fs.writeFileSync(file, text)
  return file
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

function tags(policy) {
  const args = ['guard', policy, '--now', String(now()), '--consent', consent(CONSENT), '--script-src', '/guard.min.js']
  return cli(args)
}

/** Pages served cross-origin isolated: performance.now() is then precise to microseconds. */
const ISOLATED = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' }

/**
 * In the page: `reps` batches of `batch` writes of `name=<i>` through the browser's own setter
 * (`nativeSet`, taken before the guard) and as many through the guard's, alternating; the
 * microseconds per write of each batch, both ways.
 */
function interleaved([name, batch, reps]) {
  const guardedSet = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie').set
  const without = []
  const withGuard = []
  for (let r = 0; r < reps; r++) {
    const order = r % 2 ? [[guardedSet, withGuard], [nativeSet, without]] : [[nativeSet, without], [guardedSet, withGuard]]
    for (const [set, out] of order) {
      const start = performance.now()
      for (let i = 0; i < batch; i++) set.call(document, `${name}=${i}`)
      out.push(((performance.now() - start) * 1000) / batch)
    }
  }
  return [without, withGuard]
}

async function writes(browser, server, label, policy) {
  const names = [
    ['allowed, exact name', 'sessionid'],
    ['allowed, by a pattern', 'app_session'],
    ['refused, exact name', '_fbp'],
    ['undeclared', 'unknown_name'],
  ]
  const capture = "<script>window.nativeSet = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie').set</script>"
  server.route('/writes.html', { body: page({ tags: capture + tags(policy) }), headers: ISOLATED })
  const context = await browser.newContext()
  const tab = await context.newPage()
  await tab.goto(`${server.origin}/writes.html`)
  const rows = []
  for (const [what, name] of names) {
    await tab.evaluate(interleaved, [name, WRITES, 2]) // warm-up
    const [without, withGuard] = await tab.evaluate(interleaved, [name, WRITES, rounds * 20])
    const a = median(without)
    const b = median(withGuard)
    rows.push(`| ${label} | ${what} (\`${name}\`) | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(b / a).toFixed(2)} |`)
  }
  await context.close()
  return rows
}

/** A page of some weight: 200 paragraphs, 5 marked scripts and 2 marked frames not granted. */
function content() {
  let body = ''
  for (let i = 0; i < 200; i++) body += `<p class="p${i % 7}">Paragraph ${i} <a href="#a${i}">link</a> <em>text</em></p>\n`
  for (let i = 0; i < 5; i++) body += `<script type="text/plain" data-purpose="marketing">window.x${i} = 1</script>\n`
  for (let i = 0; i < 2; i++) body += `<iframe data-src="/frame${i}.html" data-purpose="marketing"></iframe>\n`
  return body
}

async function load(browser, server, policy, cached) {
  // Markers before and after the guard's tags, each also listening for DOMContentLoaded: the
  // listeners run in order, the guard's own between them.
  const mark = (n) =>
    `<script>window.t${n} = performance.now(); document.addEventListener('DOMContentLoaded', () => (window.d${n} = performance.now()))</script>`
  const body = content()
  server.route('/load-bare.html', { body: page({ head: mark(0) + mark(1), body }), headers: ISOLATED })
  server.route('/load-guarded.html', { body: page({ head: mark(0) + tags(policy) + mark(1), body }), headers: ISOLATED })
  const context = await browser.newContext()
  const tab = await context.newPage()
  if (!cached) {
    const session = await context.newCDPSession(tab)
    await session.send('Network.setCacheDisabled', { cacheDisabled: true })
  }
  const measure = async (which) => {
    await tab.goto(`${server.origin}/load-${which}.html`, { waitUntil: 'load' })
    return tab.evaluate(() => ({ head: t1 - t0, ready: d1 - d0 }))
  }
  const bare = []
  const guarded = []
  await measure('bare')
  await measure('guarded')
  for (let r = 0; r < rounds * 2; r++) {
    const order = r % 2 ? ['guarded', 'bare'] : ['bare', 'guarded']
    for (const which of order) (which === 'bare' ? bare : guarded).push(await measure(which))
  }
  await context.close()
  const m = (list, key) => median(list.map((x) => x[key]))
  return { head: [m(bare, 'head'), m(guarded, 'head')], ready: [m(bare, 'ready'), m(guarded, 'ready')] }
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guard-bench-'))
  const large = largePolicy(dir)
  const browser = await launch()
  const server = await serve({
    '/frame0.html': page(),
    '/frame1.html': page(),
  })
  server.route('/guard.min.js', (req, res) => {
    res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'max-age=3600' })
    res.end(fs.readFileSync(path.join(__dirname, '..', 'guard.min.js')))
  })
  try {
    console.log(`rounds: ${rounds}; ${WRITES} writes per measure; Chromium ${browser.version()}; ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`)
    console.log('| policy | write | without the guard (µs) | with it (µs) | ratio |')
    console.log('|---|---|---|---|---|')
    for (const row of await writes(browser, server, 'test policy, 11 declarations', POLICY)) console.log(row)
    for (const row of await writes(browser, server, 'large policy, 411 declarations', large)) console.log(row)
    console.log('\n| policy | visit | the tags in <head>, without / with (ms) | at DOMContentLoaded, without / with (ms) | added (ms) |')
    console.log('|---|---|---|---|---|')
    for (const [label, policy] of [['test policy', POLICY], ['large policy', large]]) {
      for (const cached of [true, false]) {
        const r = await load(browser, server, policy, cached)
        const f = (pair) => `${pair[0].toFixed(3)} / ${pair[1].toFixed(3)}`
        const added = r.head[1] - r.head[0] + r.ready[1] - r.ready[0]
        console.log(`| ${label} | ${cached ? 'guard.min.js from the HTTP cache' : 'cache disabled'} | ${f(r.head)} | ${f(r.ready)} | ${added.toFixed(3)} |`)
      }
    }
  } finally {
    await browser.close()
    await server.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
