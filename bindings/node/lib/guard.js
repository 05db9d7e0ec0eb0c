'use strict'
// The middleware's `guard` option: `{ guard: { src, nonce } }` puts the browser guard's tags
// (`policy.guardScriptTags`) right after the `<head>` start tag of every `text/html` page, for the
// consent that judges the response (the handler's, when it replaced the request's), with the
// response's Content-Security-Policy nonce: `nonce(req, res)` when given, else
// `res.locals.cspNonce` when it is a string (never one made up here).
//
// A page is a body given whole to `res.end` (Express's `res.send` and `res.render` give it so):
// a response that called `res.write` first is streamed, and goes as it is; so does a compressed
// one (`Content-Encoding`), and one whose `Content-Length` was already sent (`writeHead` with a
// length, before `end`). When the headers are still to be sent, `Content-Length` is set to the
// new length and `ETag` removed (it was computed without the tags, which vary by visitor). A page
// without a `<head>` start tag (before its `<body>` or first `<script>`) goes as it is. The splice
// is the core's (`guard_insertion_point`); this file only moves bytes.

const native = require('../native.cjs')

/** The `guard` option checked: `undefined`, or `{ src, nonce }` with a non-empty `src`. */
function checkGuard(guard, helpers) {
  const { typeError, describe } = helpers
  if (guard === undefined || guard === null || guard === false) return undefined
  if (typeof guard !== 'object') {
    throw typeError(`\`options.guard\` must be an object such as { src: '/static/cookie-charter-guard.min.js' }, not ${describe(guard)}`)
  }
  for (const key of Object.keys(guard)) {
    if (key !== 'src' && key !== 'nonce') throw typeError(`\`options.guard\` has an unknown key \`${key}\` (known: \`src\`, \`nonce\`)`)
  }
  if (typeof guard.src !== 'string' || guard.src === '') {
    throw typeError(`\`options.guard.src\` must be the guard's URL, a non-empty string, not ${guard.src === '' ? 'an empty string' : describe(guard.src)}`)
  }
  if (guard.nonce !== undefined && guard.nonce !== null && typeof guard.nonce !== 'function') {
    throw typeError(`\`options.guard.nonce\` must be a function (req, res) giving the response's nonce, not ${describe(guard.nonce)}`)
  }
  return { src: guard.src, nonce: guard.nonce ?? undefined }
}

/** Whether the response's headers make it a page the tags go in. */
function injectable(res) {
  const type = res.getHeader('content-type')
  if (typeof type !== 'string' || type.split(';', 1)[0].trim().toLowerCase() !== 'text/html') return false
  const encoding = res.getHeader('content-encoding')
  if (encoding !== undefined && String(encoding).trim().toLowerCase() !== 'identity' && String(encoding).trim() !== '') return false
  const status = res.statusCode
  return status !== 204 && status !== 304 && res.req?.method !== 'HEAD'
}

/** The consent that judges the response, as `policy.respond` tells it. */
function judgingConsent(state) {
  if (!state.replaced) return state.getConsent()
  const { policy, Consent } = state.config
  return policy.respond({
    cookie: state.cookieHeader === '' ? null : state.cookieHeader,
    secGpc: state.gpcHeader === '' ? null : state.gpcHeader,
    handled: state.consent instanceof Consent ? state.consent : 'not_a_consent',
    setCookies: [],
    purge: false,
    now: state.now,
  }).consent
}

/** The response's nonce: the option's function, else `res.locals.cspNonce`. */
function nonceOf(guard, req, res) {
  const nonce = guard.nonce !== undefined ? guard.nonce(req, res) : res.locals?.cspNonce
  if (nonce === undefined || nonce === null) return null
  if (typeof nonce !== 'string') {
    throw new TypeError(`the guard's nonce must be a string, not a ${typeof nonce}`)
  }
  return nonce
}

/** Puts the guard in `res`'s page, if it is one (its own `write` and `end`). */
function guardResponse(guard, state, req, res) {
  const write = res.write
  const end = res.end
  let streamed = false
  res.write = function guardedWrite() {
    streamed = true
    return write.apply(this, arguments)
  }
  res.end = function guardedEnd(chunk, encoding, callback) {
    if (streamed || chunk === undefined || chunk === null || typeof chunk === 'function' || !injectable(this)) {
      return end.apply(this, arguments)
    }
    if (this.headersSent && this.getHeader('content-length') !== undefined) return end.apply(this, arguments)
    if (typeof encoding === 'function') {
      callback = encoding
      encoding = undefined
    }
    const body = typeof chunk === 'string' ? Buffer.from(chunk, encoding ?? 'utf8') : chunk
    if (!(body instanceof Uint8Array)) return end.apply(this, arguments)
    const tags = state.config.policy.guardScriptTags(judgingConsent(state), {
      src: guard.src,
      nonce: nonceOf(guard, req, this),
      now: state.now,
    })
    const page = native._guardInject(Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength), tags)
    if (page === null) return end.call(this, body, callback)
    if (!this.headersSent) {
      if (this.getHeader('content-length') !== undefined) this.setHeader('Content-Length', page.length)
      this.removeHeader('ETag')
    }
    return end.call(this, page, callback)
  }
}

module.exports = { checkGuard, guardResponse }
