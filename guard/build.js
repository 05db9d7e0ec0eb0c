'use strict'
// Writes guard.min.js, the file a site serves, from guard.js with terser. The tests check that
// the committed guard.min.js is what this gives, and its compressed size.
const fs = require('node:fs')
const path = require('node:path')
const { minify } = require('terser')

const SOURCE = path.join(__dirname, 'guard.js')
const MINIFIED = path.join(__dirname, 'guard.min.js')

/** guard.js minified: the licence comment kept, names mangled, ES2017 syntax at most. */
async function build() {
  const result = await minify(fs.readFileSync(SOURCE, 'utf8'), {
    ecma: 2017,
    compress: { passes: 2 },
    mangle: true,
    format: { comments: /^!/ },
  })
  return `${result.code}\n`
}

module.exports = { build, SOURCE, MINIFIED }

if (require.main === module) {
  build().then((code) => {
    fs.writeFileSync(MINIFIED, code)
    console.log(`guard.min.js: ${code.length} bytes`)
  })
}
