'use strict'
// `npm install` hook: builds the native addon from source when it is missing (a fresh clone, or
// an install from a git checkout). Needs a Rust toolchain (cargo). Set COOKIE_CHARTER_REBUILD=1 to
// build even when an addon is present, COOKIE_CHARTER_SKIP_BUILD=1 to never build.

const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const root = path.join(__dirname, '..')

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' })
  if (result.error) throw result.error
  if (result.status !== 0) {
    process.stderr.write(`cookie-charter: \`${command} ${args.join(' ')}\` failed (exit ${result.status})\n`)
    process.exit(result.status ?? 1)
  }
}

function main() {
  if (process.env.COOKIE_CHARTER_SKIP_BUILD) return
  const present = fs.readdirSync(root).some((f) => f.startsWith('cookie-charter.') && f.endsWith('.node'))
  if (present && !process.env.COOKIE_CHARTER_REBUILD) {
    process.stdout.write('cookie-charter: native addon present, not rebuilding\n')
    return
  }
  let cli = null
  try {
    cli = require.resolve('@napi-rs/cli/package.json', { paths: [root] })
  } catch {
    cli = null
  }
  if (cli === null) {
    process.stderr.write('cookie-charter: @napi-rs/cli is needed to build the addon: run `npm install` in bindings/node\n')
    process.exit(1)
  }
  const bin = path.join(path.dirname(cli), 'dist', 'cli.js')
  run(process.execPath, [bin, 'build', '--platform', '--release', '--js', 'native.cjs', '--dts', 'index.d.ts'])
}

main()
