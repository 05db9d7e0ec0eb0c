'use strict'
// The guard a site serves: guard.min.js is guard.js minified by build.js (terser), committed as
// built, and weighs at most 3 KB once gzip-compressed.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const zlib = require('node:zlib')
const { build, SOURCE, MINIFIED } = require('../build.js')

const LIMIT = 3 * 1024

test('the committed guard.min.js is what build.js makes of guard.js', async () => {
  assert.equal(fs.readFileSync(MINIFIED, 'utf8'), await build(), 'run `npm run build` in guard/ and commit guard.min.js')
})

test('guard.min.js is at most 3 KB gzip-compressed', () => {
  const minified = fs.readFileSync(MINIFIED)
  const gzipped = zlib.gzipSync(minified, { level: 9 }).length
  const plain = zlib.gzipSync(fs.readFileSync(SOURCE), { level: 9 }).length
  console.log(`guard.min.js: ${minified.length} bytes, ${gzipped} gzip-compressed (guard.js: ${plain})`)
  assert.ok(gzipped <= LIMIT, `${gzipped} bytes gzip-compressed, over ${LIMIT}`)
})

test('guard.js has no dependency: no import, no require', () => {
  const source = fs.readFileSync(SOURCE, 'utf8')
  assert.doesNotMatch(source, /\brequire\s*\(|^\s*import\b|\bimport\s*\(/m)
})
