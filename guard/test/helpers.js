'use strict'
// Shared by the guard's tests: the answers from the command line (`cookie-charter guard`), a
// server on 127.0.0.1 that each test gives its pages, and Debian's Chromium driven by
// playwright-core. Pages are visited as http://www.guard.localhost:PORT (Chromium maps
// *.localhost to 127.0.0.1 and counts it as a secure context), so that the purge has parent
// domains to delete on and the Cookie Store API exists.

const assert = require('node:assert/strict')
const fs = require('node:fs')
const http = require('node:http')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { chromium } = require('playwright-core')

const GUARD = path.join(__dirname, '..')
const ROOT = path.join(GUARD, '..')
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const CLI = process.env.COOKIE_CHARTER_BIN || path.join(ROOT, 'target', 'debug', 'cookie-charter')
const POLICY = path.join(__dirname, 'fixtures', 'policy.toml')
const HOST = 'www.guard.localhost'
const PARENT = 'guard.localhost'
/** The file a site serves (the tests run what ships); GUARD_FILE=guard.js runs the source. */
const GUARD_FILE = process.env.GUARD_FILE || 'guard.min.js'

/** Runs the command line; its standard output, or a thrown error with its standard error. */
function cli(args, input) {
  assert.ok(fs.existsSync(CLI), `the command line is needed at ${CLI} (cargo build -p cookie-charter-cli)`)
  const run = spawnSync(CLI, args, { input: input ?? '', encoding: 'utf8', maxBuffer: 64 << 20 })
  if (run.status !== 0) throw new Error(`cookie-charter ${args.join(' ')}: exit ${run.status}: ${run.stderr}`)
  return run.stdout
}

/** The time, in unix seconds. */
function now() {
  return Math.floor(Date.now() / 1000)
}

/** A consent cookie value of this moment: `consent('statistics=1&marketing=0')`. */
function consent(choices) {
  return `v=1&rev=1&at=${now()}${choices ? `&${choices}` : ''}`
}

/** The guard's answer for a consent value (or none), parsed. */
function answer(choices, policy = POLICY) {
  const args = ['guard', policy, '--now', String(now())]
  if (choices !== undefined) args.push('--consent', consent(choices))
  return JSON.parse(cli(args))
}

/** The <script> tags `cookie-charter guard --script-src` writes for a consent. */
function scriptTags(choices, { nonce, policy = POLICY } = {}) {
  const args = ['guard', policy, '--now', String(now()), '--script-src', `/${GUARD_FILE}`]
  if (choices !== undefined) args.push('--consent', consent(choices))
  if (nonce) args.push('--nonce', nonce)
  return cli(args)
}

/** A page: the guard's tags (or none), then `head`, then `body`. */
function page({ tags = '', head = '', body = '' } = {}) {
  return `<!doctype html><html><head><meta charset="utf-8">${tags}${head}</head><body>${body}</body></html>`
}

/**
 * A server on 127.0.0.1 and a free port. `routes` maps a path to a response: a string (HTML), or
 * `{ body, type, headers }`, or a function `(req, res)`. The guard's files are served unless a
 * route says otherwise.
 */
async function serve(routes = {}) {
  const table = new Map(Object.entries(routes))
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x')
    let route = table.get(url.pathname)
    if (route === undefined && (url.pathname === '/guard.js' || url.pathname === '/guard.min.js')) {
      res.writeHead(200, { 'content-type': 'text/javascript' })
      return res.end(fs.readFileSync(path.join(GUARD, url.pathname)))
    }
    if (route === undefined) {
      res.writeHead(404)
      return res.end()
    }
    if (typeof route === 'function') return route(req, res)
    if (typeof route === 'string') route = { body: route }
    res.writeHead(200, { 'content-type': route.type || 'text/html; charset=utf-8', ...route.headers })
    res.end(route.body)
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = server.address().port
  return {
    origin: `http://${HOST}:${port}`,
    route(pathname, response) {
      table.set(pathname, response)
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(resolve)
      }),
  }
}

/** Debian's Chromium, headless, with *.localhost mapped to 127.0.0.1. */
function launch() {
  assert.ok(fs.existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (apt-get install chromium)`)
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--host-resolver-rules=MAP *.localhost 127.0.0.1',
    ],
  })
}

/**
 * Per test file: one browser and one server; `fresh()` gives a new context (an empty cookie jar)
 * and its page, closed after the test.
 */
function setup(test) {
  const env = {}
  test.before(async () => {
    env.browser = await launch()
    env.server = await serve()
  })
  test.after(async () => {
    await env.browser?.close()
    await env.server?.close()
  })
  env.fresh = async (t) => {
    const context = await env.browser.newContext()
    t.after(() => context.close())
    const tab = await context.newPage()
    const errors = []
    tab.on('pageerror', (error) => errors.push(error))
    /**
     * The jar, once every `document.cookie` write made so far through the top document (or,
     * given `frame`, through `frames[frame].document`) is in it. Chromium hands such a write to
     * its network service without waiting, so a check made at once could miss it: a `barrier`
     * cookie (necessary, so the guard passes it) is written last through the same document, and
     * the jar is read until it shows. The barrier is left out of the jar returned.
     */
    const jar = async (frame) => {
      const mark = String((env.barriers = (env.barriers || 0) + 1))
      await tab.evaluate(
        ([index, value]) => {
          const target = index === null ? document : frames[index].document
          target.cookie = `barrier=${value}`
        },
        [frame ?? null, mark],
      )
      for (;;) {
        const cookies = await context.cookies()
        if (cookies.some((c) => c.name === 'barrier' && c.value === mark)) return cookies.filter((c) => c.name !== 'barrier')
      }
    }
    return { context, page: tab, errors, jar }
  }
  /** Serves `html` at `pathname` and opens it in a fresh context. */
  env.open = async (t, pathname, html, headers) => {
    env.server.route(pathname, { body: html, headers })
    const opened = await env.fresh(t)
    await opened.page.goto(env.server.origin + pathname)
    return opened
  }
  return env
}

/** The names in a jar, sorted. */
function names(cookies) {
  return cookies.map((c) => c.name).sort()
}

module.exports = {
  GUARD,
  ROOT,
  POLICY,
  HOST,
  PARENT,
  GUARD_FILE,
  cli,
  now,
  consent,
  answer,
  scriptTags,
  page,
  serve,
  launch,
  setup,
  names,
}
