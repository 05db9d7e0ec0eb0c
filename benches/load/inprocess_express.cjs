'use strict'
// What the Node middleware costs per request inside Express, without sockets: the application of
// the load run (app_express.cjs: one route setting three cookies) driven through `app.handle`
// with Node's own request and response objects over a socket that discards what it is given,
// bare, with a layer that only calls `next()` (what any middleware costs) and with the
// middleware (by default, and with `{ locals: true }`), rounds in turn; median of 15 rounds,
// quartiles beside, and each one's difference from bare.
//
//   NODE_PATH=bindings/node/node_modules node benches/load/inprocess_express.cjs
//
// Steadier than the load run on a shared machine (no wrk, no kernel), but it leaves out what a
// server adds around each request (parsing, the socket writes), so read it as the middleware's own
// cost, not as a share of a real server's.

const path = require('node:path')
const http = require('node:http')
const { Duplex } = require('node:stream')
const { Policy } = require(path.join(__dirname, '..', '..', 'bindings', 'node'))
const { application } = require('./app_express.cjs')

const policy = Policy.load(path.join(__dirname, '..', '..', 'tests', 'hostile', 'policy.toml'))
const now = Math.floor(Date.now() / 1000)
const cookie = `consent=v=1&rev=1&at=${now - 60}&statistics=1&marketing=0; _ga=GA1.2.3`

class Discard extends Duplex {
  _read() {}
  _write(chunk, encoding, callback) {
    callback()
  }
}

function request(app) {
  const req = new http.IncomingMessage(new Discard())
  req.method = 'GET'
  req.url = '/'
  req.httpVersionMajor = 1
  req.httpVersionMinor = 1
  req.httpVersion = '1.1'
  req.headers = { host: '127.0.0.1', cookie, 'user-agent': 'wrk' }
  const res = new http.ServerResponse(req)
  app.handle(req, res, (error) => {
    throw error ?? new Error('not found')
  })
  return res
}

const apps = {
  bare: application(undefined),
  noop: application('noop'),
  middleware: application('1', policy),
  'middleware, locals: true': application('1', policy, { locals: true }),
}
const sent = request(apps.middleware).getHeader('set-cookie')
if (!Array.isArray(sent) || sent.length !== 2) throw new Error(`the middleware did not run: ${sent}`)

const N = Number(process.env.N ?? 20000)
const times = Object.fromEntries(Object.keys(apps).map((name) => [name, []]))
for (let round = 0; round < 15; round++) {
  for (const [name, app] of Object.entries(apps)) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < N; i++) request(app)
    times[name].push(Number(process.hrtime.bigint() - start) / N / 1000)
  }
}
const quartiles = (list) => {
  const sorted = [...list].sort((a, b) => a - b)
  return [sorted[3], sorted[7], sorted[11]].map((t) => t.toFixed(2))
}
const difference = (name) => [`${name} − bare`, times.bare.map((t, i) => times[name][i] - t)]
for (const [name, list] of [...Object.entries(times), ...Object.keys(apps).slice(1).map(difference)]) {
  const [low, median, high] = quartiles(list)
  console.log(`${name}: ${median} µs per request (${low}–${high})`)
}
