'use strict'
// The generated files (`index.d.ts`, `native.cjs`) are committed: they must be exactly what
// `napi build` writes from the Rust source and `dts-header.d.ts`, and they must describe what
// the package really exports.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { packageRoot } = require('./helpers')

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: packageRoot, encoding: 'utf8', ...options })
  assert.equal(result.error, undefined, String(result.error))
  return result
}

test('index.d.ts and native.cjs have not drifted from what the build generates', { timeout: 600_000 }, () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cookie-charter-gen-'))
  const cli = path.join(path.dirname(require.resolve('@napi-rs/cli/package.json', { paths: [packageRoot] })), 'dist', 'cli.js')
  // The same build as `npm run build` (so cargo finds it up to date), written elsewhere.
  const built = run(process.execPath, [cli, 'build', '--platform', '--release', '--output-dir', out, '--js', 'native.cjs', '--dts', 'index.d.ts'])
  assert.equal(built.status, 0, `napi build failed:\n${built.stdout}\n${built.stderr}`)
  for (const file of ['index.d.ts', 'native.cjs']) {
    const committed = fs.readFileSync(path.join(packageRoot, file), 'utf8')
    const generated = fs.readFileSync(path.join(out, file), 'utf8')
    assert.ok(committed === generated, `${file} differs from what \`npm run build\` generates: run it and commit the result`)
  }
  // The default build (what `npm install` makes) has no test hooks: its exports, listed by a
  // process of its own that loads it.
  const addon = fs.readdirSync(out).find((f) => f.endsWith('.node'))
  assert.ok(addon, `no addon in ${fs.readdirSync(out)}`)
  const listed = run(process.execPath, [
    '-e',
    'const m = { exports: {} }; process.dlopen(m, process.argv[1]); console.log(JSON.stringify(Object.keys(m.exports)))',
    path.join(out, addon),
  ])
  assert.equal(listed.status, 0, listed.stderr)
  const exported = JSON.parse(listed.stdout)
  assert.ok(exported.includes('Policy') && exported.includes('_gpcEnabled'), `${exported}`)
  assert.deepEqual(exported.filter((name) => name.startsWith('__')), [], 'test hooks in the default build')
  fs.rmSync(out, { recursive: true, force: true })
})

test('the public types hold no internal type, and the native Policy no dead method', () => {
  const dts = fs.readFileSync(path.join(packageRoot, 'index.d.ts'), 'utf8')
  assert.doesNotMatch(dts, /\bRaw[A-Z]\w*/)
  const { Policy } = require('..')
  assert.equal(Policy.prototype._lookup, undefined)
  const header = fs.readFileSync(path.join(packageRoot, 'dts-header.d.ts'), 'utf8')
  assert.doesNotMatch(header.split('\n')[0], /generated/, 'dts-header.d.ts is written by hand')
})

test('index.d.ts declares what index.js exports, and TypeScript accepts a typed use of it', () => {
  const dts = fs.readFileSync(path.join(packageRoot, 'index.d.ts'), 'utf8')
  const pkg = require('..')
  for (const name of Object.keys(pkg)) {
    assert.match(dts, new RegExp(`export (declare )?(class|function|const|namespace|interface) ${name}\\b`), `${name} is not declared`)
  }
  const declaredMethods = {
    Policy: ['decide', 'decideMany', 'decisionTable', 'filterSetCookies', 'purge', 'respond', 'purposesToAsk', 'consentState', 'renderCharter', 'consentFromCookieHeader', 'guard', 'guardScriptTags'],
    Consent: ['toCookie', 'problemAt'],
  }
  for (const [cls, methods] of Object.entries(declaredMethods)) {
    for (const m of methods) {
      assert.equal(typeof pkg[cls].prototype[m], 'function', `${cls}.prototype.${m}`)
      assert.match(dts, new RegExp(`\\b${m}\\(`), `${cls}.${m} is not declared`)
    }
  }
  for (const s of ['fromToml', 'fromJson', 'load']) assert.equal(typeof pkg.Policy[s], 'function')
  const tsc = path.join(path.dirname(require.resolve('typescript/package.json', { paths: [packageRoot] })), 'bin', 'tsc')
  const checked = run(process.execPath, [tsc, '--noEmit', '--strict', '--types', 'node', '--module', 'nodenext', '--moduleResolution', 'nodenext', path.join('test', 'types', 'usage.ts')])
  assert.equal(checked.status, 0, `tsc rejected the typed use:\n${checked.stdout}${checked.stderr}`)
})
