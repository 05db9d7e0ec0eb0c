'use strict'
// The Express application of the load run: one route that sets three cookies (one necessary, one
// statistics, one third-party marketing) and answers `ok`. With LOAD_MIDDLEWARE=1 the binding's
// middleware runs first, with the policy named by LOAD_POLICY (LOAD_MIDDLEWARE=noop: a middleware
// that does nothing, to see what a layer costs). LOAD_LOCALS=1: the middleware with
// `{ locals: true }` (`res.locals.consent` too). LOAD_PAGE=1: the route renders the realistic page
// instead (`page/page.ejs` with `page/context.json`, about 20 KB, through Express's view engine and
// ejs from benches/node_modules), with the same cookies. Port: LOAD_PORT.
// Run by benches/load/run.sh (NODE_PATH points at the Node binding's node_modules); required by
// inprocess_express.cjs for `application`. CommonJS (.cjs): benches/package.json makes .js files
// ES modules.

const path = require('node:path')
const express = require('express')

/** The application; `layer` is `'1'` (the middleware, with `policy` and `options`), `'noop'` or
 * nothing. */
function application(layer, policy, options, page = false) {
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
  const cookies = ['sessionid=abc; Path=/; HttpOnly', '_ga=GA1.2.3; Path=/; Max-Age=3600', 'ads=xyz; Path=/; Domain=.doubleclick.net']
  if (page) {
    const here = path.join(__dirname, 'page')
    app.engine('ejs', require(require.resolve('ejs', { paths: [path.join(__dirname, '..')] })).__express)
    app.set('view engine', 'ejs')
    app.set('views', here)
    // Templates compiled once, as in production.
    app.enable('view cache')
    const context = require(path.join(here, 'context.json'))
    app.get('/', (req, res) => {
      res.append('Set-Cookie', cookies)
      res.render('page', context)
    })
  } else {
    app.get('/', (req, res) => {
      res.append('Set-Cookie', cookies)
      res.type('text/plain').send('ok')
    })
  }
  return app
}

if (require.main === module) {
  const { Policy } = require(path.join(__dirname, '..', '..', 'bindings', 'node'))
  const layer = process.env.LOAD_MIDDLEWARE
  const policy = layer === '1' ? Policy.load(process.env.LOAD_POLICY) : undefined
  const options = { locals: process.env.LOAD_LOCALS === '1' }
  application(layer, policy, options, process.env.LOAD_PAGE === '1').listen(Number(process.env.LOAD_PORT), '127.0.0.1')
}

module.exports = { application }
