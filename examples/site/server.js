#!/usr/bin/env node
'use strict'
// Starts the demo site: `node server.js [--port N] [--host ADDRESS] [--policy FILE] [--bump PURPOSE]
// [--banner NAME] [--no-guard] [--records FILE]`.
// Prints the site's address on its first line of output, then logs one line per consent saved.

const fs = require('node:fs')
const http = require('node:http')
const os = require('node:os')
const path = require('node:path')
const { ConsentEndpoint, loadKeys } = require('cookie-charter')
const { createApp, loadPolicy, policyText, SiteError, DEFAULT_POLICY, BANNERS } = require('./app.js')

/** Where the consent records go by default (git-ignored). */
const DEFAULT_RECORDS = path.join(__dirname, '.records', 'consents.sqlite')
/** How long the records are kept: the consent's 6 months (the demo has no claims to answer). */
const RETENTION = '6 months'
/** The environment variable that may hold the keys signing the consent cookie (docs/records.md). */
const KEYS_ENV = 'COOKIE_CHARTER_CONSENT_KEYS'

const USAGE = `usage: node server.js [--port N] [--host ADDRESS] [--policy FILE] [--bump PURPOSE] [--banner NAME] [--no-guard] [--records FILE]

  --port N          TCP port, 0 for any free one (default 8080)
  --host ADDRESS    address to listen on (default 127.0.0.1)
  --policy FILE     the cookie policy, TOML or JSON (default: policy.toml beside server.js)
  --bump PURPOSE    serve the policy with PURPOSE's revision bumped (the banner re-asks it only)
  --banner NAME     run behind a real consent banner instead of the site's own: ${Object.keys(BANNERS).join(', ')}
  --no-guard        serve the pages without the browser guard: the unmarked tag then writes its
                    cookie whatever the visitor chose (what the audit must find)
  --records FILE    the SQLite file of the consent records the banner's choices go to (default:
                    .records/consents.sqlite beside server.js); ${KEYS_ENV}, when set,
                    holds the keys that sign the consent cookie
`

function parseArgs(argv) {
  const options = { port: 8080, host: '127.0.0.1', policy: DEFAULT_POLICY, bump: undefined, banner: undefined, guard: true, records: DEFAULT_RECORDS, help: false }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const eq = arg.indexOf('=')
    const key = arg.startsWith('--') && eq !== -1 ? arg.slice(0, eq) : arg
    const inline = arg.startsWith('--') && eq !== -1 ? arg.slice(eq + 1) : undefined
    const value = () => {
      if (inline !== undefined) return inline
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) throw new SiteError(`${key} needs a value`)
      return argv[++i]
    }
    switch (key) {
      case '--help':
      case '-h':
        options.help = true
        break
      case '--port': {
        const text = value()
        if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
          throw new SiteError(`--port must be a number from 0 to 65535, not ${JSON.stringify(text)}`)
        }
        options.port = Number(text)
        break
      }
      case '--host':
        options.host = value()
        if (options.host === '') throw new SiteError('--host must not be empty')
        break
      case '--policy':
        options.policy = path.resolve(value())
        break
      case '--bump':
        options.bump = value()
        break
      case '--banner':
        options.banner = value()
        break
      case '--records':
        options.records = path.resolve(value())
        break
      case '--no-guard':
        if (inline !== undefined) throw new SiteError('--no-guard takes no value')
        options.guard = false
        break
      default:
        throw new SiteError(`unknown argument ${JSON.stringify(arg)}`)
    }
  }
  return options
}

/** The address to print: the policy's own host when it is a *.localhost name, which resolves to loopback. */
function siteAddress(policy, listenHost, port) {
  const host = policy.site.host
  const loopback = listenHost === '127.0.0.1' || listenHost === 'localhost' || listenHost === '0.0.0.0'
  if (loopback && (host === 'localhost' || host.endsWith('.localhost'))) return `http://${host}:${port}/`
  return `http://${listenHost.includes(':') ? `[${listenHost}]` : listenHost}:${port}/`
}

/**
 * Creates `dir` and its missing parents, one `mkdir` each, and throws the first error.
 *
 * Not `fs.mkdirSync(dir, { recursive: true })`: when a directory cannot be created in an existing
 * parent with ENOENT (as under `/proc`), Node's recursive mkdir (20 and 22) makes the parent again
 * (EEXIST), then the directory again, forever, in native code: the process spins at full CPU and
 * no signal handler runs.
 */
function makeDirectory(dir) {
  const missing = []
  let current = path.resolve(dir)
  for (;;) {
    let stat
    try {
      stat = fs.statSync(current)
    } catch (error) {
      const parent = path.dirname(current)
      if (error.code !== 'ENOENT' || parent === current) throw error
      missing.push(current)
      current = parent
      continue
    }
    if (!stat.isDirectory()) throw new Error(`${current} is not a directory`)
    break
  }
  for (const each of missing.reverse()) {
    try {
      fs.mkdirSync(each)
    } catch (error) {
      if (error.code !== 'EEXIST') throw error
    }
  }
}

/**
 * The consent endpoint of the site's own banner: the policy as served (bumped or not), the
 * records in the SQLite file `options.records`, the site's origins on `port` allowed to post.
 */
function openRecords(options, policy, port) {
  try {
    makeDirectory(path.dirname(options.records))
  } catch (error) {
    throw new SiteError(`cannot open the consent records ${options.records}: ${error.message}`)
  }
  const host = (h) => (h.includes(':') ? `[${h}]` : h)
  const origins = [...new Set([policy.site.host, options.host, 'localhost', '127.0.0.1'])].map((h) => `http://${host(h)}:${port}`)
  const keys = process.env[KEYS_ENV] ? loadKeys({ env: KEYS_ENV }) : undefined
  // The endpoint reads the policy from a file: the text served, written aside.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cookie-charter-site-'))
  try {
    const file = path.join(dir, options.policy.endsWith('.json') ? 'policy.json' : 'policy.toml')
    fs.writeFileSync(file, policyText(options.policy, { bump: options.bump }))
    return ConsentEndpoint.open(file, `sqlite:${options.records}`, { retention: RETENTION, keys, allowedOrigins: origins })
  } catch (error) {
    throw new SiteError(`cannot open the consent records ${options.records}: ${error.message}`)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

function main() {
  // A closed standard output (`node server.js | head -1`) must not crash the server.
  process.stdout.on('error', () => {})
  let options
  let policy
  try {
    options = parseArgs(process.argv.slice(2))
    if (options.help) {
      process.stdout.write(USAGE)
      return
    }
    policy = loadPolicy(options.policy, { bump: options.bump, banner: options.banner })
  } catch (error) {
    if (!(error instanceof SiteError)) throw error
    process.stderr.write(`error: ${error.message}\n\n${USAGE}`)
    process.exitCode = 2
    return
  }
  // The site listens first: the consent endpoint accepts posts from the site's origins, whose
  // port is known only then.
  const server = http.createServer()
  server.listen(options.port, options.host)
  server.on('listening', () => {
    const { port } = server.address()
    let app
    try {
      const records = options.banner === undefined ? openRecords(options, policy, port) : undefined
      app = createApp(records ? records.policy : policy, { banner: options.banner, guard: options.guard, records, log: (line) => process.stdout.write(`${line}\n`) })
    } catch (error) {
      process.stderr.write(`error: ${error.message}\n`)
      process.exitCode = 2
      server.close()
      return
    }
    server.on('request', app)
    const revision = options.bump ? ` (policy revision ${policy.site.revision}: ${options.bump} bumped)` : ''
    const behind = options.banner ? ` (behind the ${options.banner} banner)` : ''
    const unguarded = options.guard ? '' : ' (without the browser guard)'
    process.stdout.write(`cookie-charter demo site: ${siteAddress(policy, options.host, port)}${revision}${behind}${unguarded}\n`)
    process.stdout.write(`  also at http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/ (cookies are then host-only); the charter is at /charter\n`)
    if (options.banner === undefined) process.stdout.write(`  consent records in sqlite:${options.records}\n`)
  })
  server.on('error', (error) => {
    process.stderr.write(`error: cannot listen on ${options.host}:${options.port}: ${error.code ?? error.message}\n`)
    process.exitCode = 1
  })
  const stop = () => {
    server.close(() => process.exit(0))
    server.closeAllConnections() // keep-alive connections of browsers would hold the close
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

main()
