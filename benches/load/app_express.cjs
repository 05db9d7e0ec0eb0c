'use strict'
// The Express application of the load run: one route that sets three cookies (one necessary, one
// statistics, one third-party marketing) and answers `ok`. With LOAD_MIDDLEWARE=1 the binding's
// middleware runs first, with the policy named by LOAD_POLICY (LOAD_MIDDLEWARE=noop: a middleware
// that does nothing, to see what a layer costs). Port: LOAD_PORT.
// Run by benches/load/run.sh (NODE_PATH points at the Node binding's node_modules). CommonJS
// (.cjs): benches/package.json makes .js files ES modules.

const path = require('node:path')
const express = require('express')

const app = express()
app.disable('x-powered-by')
app.disable('etag')
if (process.env.LOAD_MIDDLEWARE === '1') {
  const { Policy, middleware } = require(path.join(__dirname, '..', '..', 'bindings', 'node'))
  app.use(middleware(Policy.load(process.env.LOAD_POLICY)))
} else if (process.env.LOAD_MIDDLEWARE === 'noop') {
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
app.listen(Number(process.env.LOAD_PORT), '127.0.0.1')
