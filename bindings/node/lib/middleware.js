'use strict'
// `middleware(policy, options)`: enforces a policy on every response of an Express/Connect app or
// a plain `http` server.
//
// - The visitor's consent (read from the policy's consent cookie) is put on `req.consent`.
// - Every `Set-Cookie` header, however it is set (`setHeader`, `appendHeader`, `setHeaders`,
//   `writeHead` with an object or a flat array, Express's `res.cookie`/`res.append`), goes
//   through `policy.filterSetCookies`: the ones the visitor has not consented to are removed.
// - When the headers are sent, the deletion headers of `policy.purge` are appended for the
//   cookies the visitor holds but no longer allows.

const kPatched = Symbol('cookie-charter.patched')

function isSetCookie(name) {
  return typeof name === 'string' && name.length === 10 && name.toLowerCase() === 'set-cookie'
}

function nowSeconds() {
  return Math.floor(Date.now() / 1000)
}

/**
 * @param {import('../index').Policy} policy
 * @param {import('../index').MiddlewareOptions} [options]
 */
function middleware(policy, options, helpers) {
  const { typeError, describe } = helpers
  if (options !== undefined && options !== null && typeof options !== 'object') {
    throw typeError(`\`options\` must be an object, not ${describe(options)}`)
  }
  const clock = options?.now ?? nowSeconds
  const onDropped = options?.onDropped
  const purge = options?.purge ?? true
  if (typeof clock !== 'function') throw typeError('`options.now` must be a function returning unix seconds')
  if (onDropped !== undefined && typeof onDropped !== 'function') {
    throw typeError('`options.onDropped` must be a function')
  }

  return function cookieCharter(req, res, next) {
    if (!req || typeof req !== 'object' || !req.headers || !res || typeof res.setHeader !== 'function') {
      throw typeError('cookie-charter middleware must be called with (req, res, next) of a Node HTTP server')
    }
    const now = clock()
    const cookieHeader = typeof req.headers.cookie === 'string' ? req.headers.cookie : null
    const consent = policy.consentFromCookieHeader(cookieHeader)
    req.consent = consent
    if (res.locals && typeof res.locals === 'object') res.locals.consent = consent
    if (!res[kPatched]) {
      Object.defineProperty(res, kPatched, { value: true })
      patch(req, res, { policy, consent, now, cookieHeader, onDropped, purge })
    }
    if (typeof next === 'function') next()
  }
}

function patch(req, res, { policy, consent, now, cookieHeader, onDropped, purge }) {
  const setHeader = res.setHeader
  const appendHeader = res.appendHeader
  const writeHead = res.writeHead

  /** The values of a Set-Cookie header that the visitor allows. */
  const filter = (value) => {
    const list = Array.isArray(value) ? value.map(String) : [String(value)]
    const { kept, dropped } = policy.filterSetCookies(list, consent, now)
    if (dropped.length > 0 && onDropped) onDropped(dropped, req)
    return kept
  }

  res.setHeader = function setHeaderFiltered(name, value) {
    if (!isSetCookie(name)) return setHeader.call(this, name, value)
    const kept = filter(value)
    if (kept.length === 0) {
      this.removeHeader(name)
      return this
    }
    return setHeader.call(this, name, kept)
  }

  if (typeof appendHeader === 'function') {
    res.appendHeader = function appendHeaderFiltered(name, value) {
      if (!isSetCookie(name)) return appendHeader.call(this, name, value)
      const kept = filter(value)
      return kept.length === 0 ? this : appendHeader.call(this, name, kept)
    }
  }

  res.writeHead = function writeHeadFiltered(statusCode, reason, headers) {
    if (headers === undefined && typeof reason === 'object' && reason !== null) {
      headers = reason
      reason = undefined
    }
    if (!this.headersSent) {
      // Headers given here go through the progressive API (as Node itself does once any header
      // was set), so that they are filtered like the others.
      if (Array.isArray(headers)) {
        applyArray(this, headers)
      } else if (headers && typeof headers === 'object') {
        for (const key of Object.keys(headers)) {
          if (headers[key] !== undefined) this.setHeader(key, headers[key])
        }
      }
      if (purge && cookieHeader) appendDeletions(this, setHeader)
    }
    return reason === undefined ? writeHead.call(this, statusCode) : writeHead.call(this, statusCode, reason)
  }

  function appendDeletions(response, rawSetHeader) {
    const deletions = []
    for (const purged of policy.purge(cookieHeader, consent, now)) deletions.push(...purged.headers)
    if (deletions.length === 0) return
    const existing = response.getHeader('set-cookie')
    const current = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)]
    // The deletions bypass the filter: they remove cookies, which never needs consent.
    rawSetHeader.call(response, 'Set-Cookie', current.concat(deletions))
  }
}

/** `writeHead(status, [k1, v1, k2, v2...])` or `[[k, v], ...]`: repeated keys are all kept. */
function applyArray(res, headers) {
  const pairs = []
  if (headers.length > 0 && Array.isArray(headers[0])) {
    for (const pair of headers) pairs.push([pair[0], pair[1]])
  } else {
    for (let i = 0; i + 1 < headers.length; i += 2) pairs.push([headers[i], headers[i + 1]])
  }
  const grouped = new Map()
  for (const [key, value] of pairs) {
    const k = String(key)
    const lower = k.toLowerCase()
    const entry = grouped.get(lower)
    if (entry) entry.values.push(...(Array.isArray(value) ? value : [value]))
    else grouped.set(lower, { name: k, values: Array.isArray(value) ? [...value] : [value] })
  }
  for (const { name, values } of grouped.values()) {
    res.setHeader(name, values.length === 1 && !isSetCookie(name) ? values[0] : values)
  }
}

module.exports = { middleware }
