'use strict'
// The Express application of the load run: one route that sets three cookies (one necessary, one
// statistics, one third-party marketing) and answers `ok`. With LOAD_MIDDLEWARE=1 the binding's
// middleware runs first, with the policy named by LOAD_POLICY (LOAD_MIDDLEWARE=noop: a middleware
// that does nothing, to see what a layer costs). LOAD_LOCALS=1: the middleware with
// `{ locals: true }` (`res.locals.consent` too). Port: LOAD_PORT.
// Run by benches/load/run.sh (NODE_PATH points at the Node binding's node_modules); required by
// inprocess_express.cjs for `application`. CommonJS (.cjs): benches/package.json makes .js files
// ES modules.

const path = require('node:path')
const express = require('express')

/** The application; `layer` is `'1'` (the middleware, with `policy` and `options`), `'noop'` or
 * nothing. */
function application(layer, policy, options) {
  const app = express()
  app.disable('x-powered-by')
  app.disable('etag')
  if (layer === '1') {
    const { middleware } = require(path.join(__dirname, '..', '..', 'bindings', 'node'))
    app.use(middleware(policy, options))
  } else if (layer === 'noop') {
    // For diagnosis only (not in the table): what any middleware layer costs in Express.
    app.use((req, res, next) => next())
  }
  app.get('/', (req, res) => {
    res.append('Set-Cookie', [
      'sessionid=abc; Path=/; HttpOnly',
      '_ga=GA1.2.3; Path=/; Max-Age=3600',
      'ads=xyz; Path=/; Domain=.doubleclick.net',
    ])
    res.type('text/plain').send('ok')
  })
  return app
}

if (require.main === module) {
  const { Policy } = require(path.join(__dirname, '..', '..', 'bindings', 'node'))
  const layer = process.env.LOAD_MIDDLEWARE
  const policy = layer === '1' ? Policy.load(process.env.LOAD_POLICY) : undefined
  const options = { locals: process.env.LOAD_LOCALS === '1' }
  application(layer, policy, options).listen(Number(process.env.LOAD_PORT), '127.0.0.1')
}

module.exports = { application }
