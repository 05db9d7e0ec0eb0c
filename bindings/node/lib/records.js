'use strict'
// Proof of consent (spec §13): the consent endpoint, served by the middleware at `consentPath`.
//
// `ConsentEndpoint.open(policyFile, store, { retention, keys })` opens the records crate's
// endpoint once; `middleware(endpoint.policy, { records: endpoint, consentPath: '/consent' })`
// answers every request to that path with it: a same-origin `POST` of the visitor's choice (form
// or JSON, at most 4 KiB) is checked against the policy and recorded, and only then does the
// answer set the consent cookie and the deletions of withdrawn cookies. Anything refused is a 4xx
// with a JSON `error` and `message` and nothing recorded; a store that cannot be written gives
// 503 and no cookie, and every other path keeps being served. The logic is the crate's
// (`Endpoint::handle`), run on libuv's thread pool: the event loop never waits for the store.

const fs = require('node:fs')
const native = require('../native.cjs')

/** The largest body the endpoint accepts; one byte more is read, to refuse larger ones (413). */
const MAX_BODY_BYTES = 4096

const { ConsentEndpoint, Policy } = native

function typeError(message) {
  const error = new TypeError(message)
  error.code = 'invalid_argument'
  return error
}

function describe(value) {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'string' ? `the string ${JSON.stringify(value)}` : typeof value
}

function checkString(value, name) {
  if (typeof value !== 'string') throw typeError(`\`${name}\` must be a string, not ${describe(value)}`)
}

/**
 * Opens the endpoint for the policy file `policyFile` (JSON when its name ends in `.json`, TOML
 * otherwise), recording in `store` (`sqlite:PATH` or `postgres://...`) with `options`:
 * `retention` (required, `'5 years'`), `keys` (signing keys' text, see `loadKeys`),
 * `allowedOrigins`, `recordUserAgent`, `recordIpFrom`, `durability` (`flushed` or `committed`).
 */
function open(policyFile, store, options) {
  const file = policyFile instanceof URL ? policyFile : String(policyFile)
  checkString(store, 'store')
  if (options === null || typeof options !== 'object') {
    throw typeError(`\`options\` must be an object such as { retention: '5 years' }, not ${describe(options)}`)
  }
  checkString(options.retention, 'options.retention')
  if (options.keys !== undefined && options.keys !== null) checkString(options.keys, 'options.keys')
  const text = fs.readFileSync(file, 'utf8')
  const format = String(file).toLowerCase().endsWith('.json') ? 'json' : 'toml'
  return ConsentEndpoint._open(text, format, store, {
    retention: options.retention,
    keys: options.keys ?? undefined,
    allowedOrigins: options.allowedOrigins,
    recordUserAgent: options.recordUserAgent,
    recordIpFrom: options.recordIpFrom,
    durability: options.durability,
    now: options.now,
  })
}

/** The policies of the endpoints, made once each. */
const policies = new WeakMap()

const endpointMethods = {
  /**
   * Answers one request: its method, its headers (Node's flat `req.rawHeaders`, or an object),
   * its body (a Buffer or a string, at most 4 KiB read). Resolves to `{ status, headers, body }`
   * (headers flat: name, value...); the record is written on libuv's thread pool.
   */
  handle(method, headers, body, now) {
    checkString(method, 'method')
    const raw = Array.isArray(headers) ? headers.map(String) : flatten(headers)
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body ?? '', 'utf8')
    return this._handle(method, raw, bytes, now ?? undefined)
  },

  /** Answers an `http` request (`req`, `res`) with the endpoint; resolves once the answer is sent. */
  async serve(req, res) {
    const body = await readBody(req)
    const reply = await this.handle(req.method ?? 'GET', req.rawHeaders ?? flatten(req.headers), body)
    const setCookies = []
    for (let i = 0; i + 1 < reply.headers.length; i += 2) {
      const name = reply.headers[i]
      if (name.toLowerCase() === 'set-cookie') setCookies.push(reply.headers[i + 1])
      else res.setHeader(name, reply.headers[i + 1])
    }
    if (setCookies.length > 0) res.setHeader('Set-Cookie', setCookies)
    res.setHeader('Content-Length', String(Buffer.byteLength(reply.body)))
    // A body left unread (too large) is not waited for.
    if (body.length > MAX_BODY_BYTES) res.setHeader('Connection', 'close')
    res.writeHead(reply.status)
    res.end(reply.body)
  },
}

Object.defineProperty(ConsentEndpoint, 'open', { value: open, writable: true, configurable: true })
for (const [name, value] of Object.entries(endpointMethods)) {
  Object.defineProperty(ConsentEndpoint.prototype, name, { value, writable: true, configurable: true })
}
Object.defineProperty(ConsentEndpoint.prototype, 'policy', {
  /** The policy the endpoint enforces, with its keys: give it to the middleware. */
  get() {
    let policy = policies.get(this)
    if (policy === undefined) {
      policy = this._policy()
      policies.set(this, policy)
    }
    return policy
  },
  configurable: true,
})
Object.defineProperty(Policy.prototype, 'withConsentKeys', {
  /** The same policy with the keys that verify signed consent cookies (a key file's text). */
  value: function withConsentKeys(keys) {
    checkString(keys, 'keys')
    return this._withConsentKeys(keys)
  },
  writable: true,
  configurable: true,
})

/** Headers as an object (`req.headers`) to a flat list. */
function flatten(headers) {
  const out = []
  if (headers === null || typeof headers !== 'object') return out
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    for (const v of Array.isArray(value) ? value : [value]) out.push(name, String(v))
  }
  return out
}

/** At most one byte more than the endpoint accepts; then stops reading. */
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = []
    let size = 0
    let done = false
    const finish = () => {
      if (done) return
      done = true
      req.off('data', onData)
      req.off('end', finish)
      req.off('error', onError)
      resolve(Buffer.concat(chunks, Math.min(size, MAX_BODY_BYTES + 1)))
    }
    const onData = (chunk) => {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        req.pause()
        finish()
      }
    }
    const onError = (error) => {
      if (done) return
      done = true
      reject(error)
    }
    req.on('data', onData)
    req.on('end', finish)
    req.on('error', onError)
  })
}

/**
 * The signing keys' text, from a key file (`{ file }`: one `<key id>:<base64url secret>` per
 * line, the signing key first) or an environment variable (`{ env }`: entries separated by
 * newlines or commas).
 */
function loadKeys(options) {
  const { file, env } = options ?? {}
  if ((file === undefined) === (env === undefined)) throw typeError('name exactly one of `file` and `env`')
  if (env !== undefined) {
    const text = process.env[env]
    if (text === undefined) throw typeError(`the environment variable \`${env}\` is not set`)
    return text
  }
  return fs.readFileSync(file, 'utf8')
}

/** Verifies the store at `address`: `{ records, problems }` (problems empty when it verifies). */
function verifyStore(address) {
  checkString(address, 'address')
  return native._verifyStore(address)
}

/** The ids of the records in the store at `address`, in chain order. */
function storedRecordIds(address) {
  checkString(address, 'address')
  return native._storedRecordIds(address)
}

/** The middleware's `records` and `consentPath` options, checked. */
function checkRecords(options) {
  const records = options?.records
  const consentPath = options?.consentPath ?? '/consent'
  if (records !== undefined && !(records instanceof ConsentEndpoint)) {
    throw typeError(`\`options.records\` must be a ConsentEndpoint, not ${describe(records)}`)
  }
  if (typeof consentPath !== 'string' || !consentPath.startsWith('/')) {
    throw typeError(`\`options.consentPath\` must be a path starting with \`/\`, not ${describe(consentPath)}`)
  }
  return { records, consentPath }
}

/** Whether `req` is for the consent endpoint at `path`. */
function isConsentRequest(req, path) {
  const url = req.url
  if (typeof url !== 'string' || !url.startsWith(path)) return false
  const rest = url.length === path.length ? '' : url[path.length]
  return rest === '' || rest === '?'
}

/** Serves the endpoint for `req`; an error goes to `next` when given. */
function serveRecords(records, req, res, next) {
  records.serve(req, res).catch((error) => {
    if (typeof next === 'function') next(error)
    else if (!res.headersSent) {
      res.writeHead(500, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ error: 'internal', message: String(error?.message ?? error) }))
    }
  })
}

module.exports = {
  ConsentEndpoint,
  MAX_BODY_BYTES,
  loadKeys,
  verifyStore,
  storedRecordIds,
  checkRecords,
  isConsentRequest,
  serveRecords,
}
