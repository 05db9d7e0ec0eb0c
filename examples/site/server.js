#!/usr/bin/env node
'use strict'
// Starts the demo site: `node server.js [--port N] [--host ADDRESS] [--policy FILE] [--bump PURPOSE]
// [--banner NAME]`.
// Prints the site's address on its first line of output, then logs one line per consent saved.

const path = require('node:path')
const { createApp, loadPolicy, SiteError, DEFAULT_POLICY, BANNERS } = require('./app.js')

const USAGE = `usage: node server.js [--port N] [--host ADDRESS] [--policy FILE] [--bump PURPOSE] [--banner NAME]

  --port N          TCP port, 0 for any free one (default 8080)
  --host ADDRESS    address to listen on (default 127.0.0.1)
  --policy FILE     the cookie policy, TOML or JSON (default: policy.toml beside server.js)
  --bump PURPOSE    serve the policy with PURPOSE's revision bumped (the banner re-asks it only)
  --banner NAME     run behind a real consent banner instead of the site's own: ${Object.keys(BANNERS).join(', ')}
`

function parseArgs(argv) {
  const options = { port: 8080, host: '127.0.0.1', policy: DEFAULT_POLICY, bump: undefined, banner: undefined, help: false }
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
  const app = createApp(policy, { banner: options.banner, log: (line) => process.stdout.write(`${line}\n`) })
  const server = app.listen(options.port, options.host)
  server.on('listening', () => {
    const { port } = server.address()
    const revision = options.bump ? ` (policy revision ${policy.site.revision}: ${options.bump} bumped)` : ''
    const behind = options.banner ? ` (behind the ${options.banner} banner)` : ''
    process.stdout.write(`cookie-charter demo site: ${siteAddress(policy, options.host, port)}${revision}${behind}\n`)
    process.stdout.write(`  also at http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/ (cookies are then host-only); the charter is at /charter\n`)
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
