'use strict'
// Every ```js snippet of README.md runs as written: each in a process of its own, in a folder
// where `require('cookie-charter')` is this package and `policy.toml` is test/fixtures/policy.toml.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { packageRoot } = require('./helpers')

const readme = fs.readFileSync(path.join(packageRoot, 'README.md'), 'utf8')
const snippets = [...readme.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1])

/** A folder with `node_modules/cookie-charter` (this package) and the fixture `policy.toml`. */
function workspace() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cookie-charter-readme-'))
  fs.mkdirSync(path.join(dir, 'node_modules'))
  fs.symlinkSync(packageRoot, path.join(dir, 'node_modules', 'cookie-charter'), 'dir')
  fs.copyFileSync(path.join(__dirname, 'fixtures', 'policy.toml'), path.join(dir, 'policy.toml'))
  return dir
}

test('the README has js snippets', () => {
  assert.ok(snippets.length >= 3, `${snippets.length} snippets`)
})

snippets.forEach((code, i) => {
  const first = code.split('\n').find((line) => line.trim() !== '') ?? ''
  test(`README snippet ${i + 1} runs as written (${first.slice(0, 60)})`, () => {
    const dir = workspace()
    try {
      const file = path.join(dir, `snippet-${i + 1}.js`)
      fs.writeFileSync(file, code)
      const run = spawnSync(process.execPath, [file], {
        cwd: dir,
        encoding: 'utf8',
        // Express and the package's other dependencies, as an application would have them.
        env: { ...process.env, NODE_PATH: path.join(packageRoot, 'node_modules') },
      })
      assert.equal(run.error, undefined, String(run.error))
      assert.equal(run.status, 0, `snippet ${i + 1} failed:\n${code}\n${run.stderr}`)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
