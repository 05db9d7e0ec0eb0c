'use strict'
// `middleware(policy, options)`: enforces a policy on every response of an Express/Connect app or
// a plain `http` server.
//
// - The visitor's consent (the core's `Policy::request_consent`: the policy's consent cookie,
//   with the request's Global Privacy Control signal, `Sec-GPC`) is on `req.consent` (and, with
//   `options.locals`, on Express's `res.locals.consent` for templates), read the first time a
//   handler asks for it. A handler may replace it (a banner's endpoint recording a new choice):
//   the response is then judged with the new one; a replacement that is not a `Consent` judges
//   as no consent (the core's `Handled::NotAConsent`: a mistake fails closed).
// - When the headers are written (`writeHead`, called by Node itself on the first `write` or
//   `end`), the response's `Set-Cookie` headers, however they were set (`setHeader`,
//   `appendHeader`, `setHeaders`, `writeHead` with an object or a flat array, Express's
//   `res.cookie`/`res.append`), go through the policy's filter: the ones the visitor has not
//   consented to are removed; then the deletion headers of `purge` are appended for the cookies
//   the visitor holds but no longer allows.
// - With `options.guard` (`{ src, nonce }`), pages get the browser guard's tags (lib/guard.js).
//
// Cost: the hook is `writeHead` alone, patched once on the prototype that gives it (Node's
// `ServerResponse.prototype`, patched when the first middleware is made), not on every response;
// `req.consent` is an accessor on Node's request prototype, so that a request costs no new
// property on Express's objects (see `stateOf`), and no property of theirs is read by name (see
// `LOCALS`). Which consent judges, the filter and the purge are one call into the core per
// response (`Policy::respond`, through `respond` in src/fast.rs): this file only moves header
// values; the native `Consent` is made only when a handler reads it.

const http = require('node:http')
const { checkGuard, guardResponse } = require('./guard.js')
const { checkRecords, isConsentRequest, serveRecords } = require('./records.js')
// Taken once: a test's fake timers, installed later on the global, leave the clock alone.
const { setTimeout: setTimer } = require('node:timers')

/** The state of a request, on its response (and Express's `res.locals`). */
const kState = Symbol('cookie-charter.state')
/** Marks the `writeHead` functions made here. */
const kHook = Symbol('cookie-charter.hook')

const NO_HEADERS = Object.freeze([])
/**
 * Read as `res[LOCALS]`, not `res.locals`: Express gives each response hidden classes of its own,
 * so V8 resolves a read by name in its runtime once per response (about 0.25 µs under load), where
 * a read with a computed key of a data property is resolved by a builtin. See `headersOf` for
 * `req.headers`, an accessor, which the builtin does not resolve.
 */
const LOCALS = 'locals'
/** `respond` codes (src/fast.rs): `1` kept, `2` rewritten, `0` dropped. */
const KEPT = 49
const REWRITTEN = 50
/** `respond` flags (src/fast.rs): purge; the handler stored a value that is not a consent. */
const PURGE = 1
const NOT_A_CONSENT = 2

/**
 * The default clock: unix seconds, read once per second. Reading the system clock costs about
 * 0.25 µs per request under load; like Node's own `Date` header, the second is kept until a timer
 * (unref'd: it never keeps the process alive) forgets it at the next second, so a reading is late
 * by at most the event loop's delay in running that timer.
 */
let cachedSeconds = -1

/** The timer's function: the next reading asks the system clock. */
function forgetSeconds() {
  cachedSeconds = -1
}

function nowSeconds() {
  if (cachedSeconds < 0) {
    const ms = Date.now()
    cachedSeconds = Math.floor(ms / 1000)
    setTimer(forgetSeconds, 1000 - (ms % 1000)).unref()
  }
  return cachedSeconds
}

/** What a middleware knows, shared by its responses. */
class Config {
  constructor(policy, options, helpers) {
    this.policy = policy
    this.Consent = helpers.Consent
    this.requestConsent = helpers.requestConsent
    /** The native `Consent` of a consent (a consent read from a header is made in JS). */
    this.nativeConsent = helpers.nativeConsent
    this.clock = options?.now ?? nowSeconds
    this.onDropped = options?.onDropped
    this.purge = options?.purge ?? true
    /** Whether `res.locals.consent` is defined (see `middleware`). */
    this.locals = options?.locals ?? false
    /** The browser guard's `{ src, nonce }` (`options.guard`, see lib/guard.js), or undefined. */
    this.guard = checkGuard(options?.guard, helpers)
    // Plain native functions over the policy (src/fast.rs).
    this.fast = policy._fast()
    /** The consent endpoint (`options.records`, lib/records.js) and its path, or undefined. */
    const { records, consentPath } = checkRecords(options)
    this.records = records
    this.consentPath = consentPath
  }
}

/** The state of one response. */
class State {
  constructor(config, req, cookieHeader, gpcHeader, now) {
    this.config = config
    this.req = req
    /** The request's `Cookie` header (Node joins several with `; `), or `''`. */
    this.cookieHeader = cookieHeader
    /** The request's `Sec-GPC` value (Node joins several with `, `), or `''`. */
    this.gpcHeader = gpcHeader
    this.now = now
    /** The consent handlers see: `undefined` until read or replaced. */
    this.consent = undefined
    /** Whether a handler replaced the consent (then its value, not the request's, judges). */
    this.replaced = false
    /** Whether the headers went through the filter. */
    this.done = false
  }

  getConsent() {
    if (this.consent === undefined && !this.replaced) {
      this.consent = this.config.requestConsent(
        this.config.policy,
        this.cookieHeader === '' ? null : this.cookieHeader,
        this.gpcHeader === '' ? null : this.gpcHeader,
      )
    }
    return this.consent
  }

  setConsent(value) {
    this.consent = value
    this.replaced = true
  }
}

/**
 * Where a request's state is kept, chosen for what V8 does with Express's objects: Express gives
 * every request and response a new prototype (`Object.setPrototypeOf`), after which V8 no longer
 * shares their hidden classes, so each property added to one makes a new hidden class (about
 * 2 µs, and every property read of that object then misses V8's caches). The middleware adds
 * none: the state goes on Express's `res.locals` (a dictionary, cheap to add to) and on the
 * request's `headers` object (a plain object Node makes per request, whose hidden classes are
 * shared; an object spread or `Object.assign` of it carries the state along), so that replacing
 * `res.locals` or `req.headers` alone loses nothing. A response without `locals` (Node's own,
 * Connect's, where adding a property is cheap) keeps the state itself too, and so does a request
 * whose headers object cannot take it (frozen, or not an object).
 */
function stateOf(res) {
  // Express's `res.locals` first: one property of the response, where the request's headers
  // are two away.
  const locals = res[LOCALS]
  const state = locals ? locals[kState] : undefined
  if (state !== undefined) return state
  const req = res.req
  if (req !== undefined && req !== null) {
    const headers = req.headers
    const state = headers ? headers[kState] : undefined
    if (state !== undefined) return state
  }
  return res[kState]
}

function requestState(req) {
  const headers = headersOf(req)
  const state = headers ? headers[kState] : undefined
  if (state !== undefined) return state
  if (req[kState] !== undefined) return req[kState]
  const res = req.res
  return res !== undefined && res !== null && typeof res === 'object' && res.req === req ? stateOf(res) : undefined
}

/** Keeps `state` where [`stateOf`] and [`requestState`] find it. */
function keep(state, req, headers, res, locals) {
  const inHeaders = typeof headers === 'object' && Object.isExtensible(headers)
  if (inHeaders) headers[kState] = state
  if (locals) locals[kState] = state
  // Two places at least: Express's objects get `res.locals` and the headers (which the response
  // reaches through `res.req`), any other response the state itself.
  if (!locals || !inHeaders) res[kState] = state
  if (!inHeaders && req.res !== res) req[kState] = state
}

// `req.consent`: an accessor on Node's `IncomingMessage.prototype` (added when the first
// middleware is made), so that a request costs no property; requests of another class, or that
// already hold a `consent` of their own, get the accessor themselves.
const requestAccessor = {
  get() {
    const state = requestState(this)
    return state === undefined ? undefined : state.getConsent()
  },
  set(value) {
    const state = requestState(this)
    if (state !== undefined) state.setConsent(value)
    else Object.defineProperty(this, 'consent', { value, writable: true, enumerable: true, configurable: true })
  },
  enumerable: false,
  configurable: true,
}
let requestsHooked = false

function hookRequests() {
  const proto = http.IncomingMessage.prototype
  const own = Object.getOwnPropertyDescriptor(proto, 'consent')
  if (own === undefined) {
    Object.defineProperty(proto, 'consent', requestAccessor)
    requestsHooked = true
  } else {
    requestsHooked = own.get === requestAccessor.get
  }
}

const instanceAccessor = { ...requestAccessor, enumerable: true }

// Express's `res.locals.consent`: `res.locals` is a fresh object with no prototype.
const localsAccessor = {
  get() {
    return this[kState].getConsent()
  },
  set(value) {
    this[kState].setConsent(value)
  },
  enumerable: true,
  configurable: true,
}

/** Node's `req.headers` getter. */
const nodeHeaders = Object.getOwnPropertyDescriptor(http.IncomingMessage.prototype, 'headers')?.get
/** Request prototypes whose `headers` is `nodeHeaders`, or not (see `headersOf`). */
const headersGetters = new WeakMap()

/**
 * `req.headers`, through Node's getter called directly when the request's prototype chain leads
 * to it: Express gives each request hidden classes of its own, so reading the property by name
 * misses V8's caches once per request (a runtime lookup, about 0.25 µs under load).
 */
function headersOf(req) {
  const proto = Object.getPrototypeOf(req)
  let direct = headersGetters.get(proto)
  if (direct === undefined) {
    let owner = proto
    while (owner !== null && !Object.hasOwn(owner, 'headers')) owner = Object.getPrototypeOf(owner)
    const getter = owner === null ? undefined : Object.getOwnPropertyDescriptor(owner, 'headers')?.get
    direct = getter !== undefined && getter === nodeHeaders
    if (proto !== null) headersGetters.set(proto, direct)
  }
  return direct && !Object.hasOwn(req, 'headers') ? nodeHeaders.call(req) : req.headers
}

/**
 * @param {import('../index').Policy} policy
 * @param {import('../index').MiddlewareOptions} [options]
 */
function middleware(policy, options, helpers) {
  const { typeError } = helpers
  if (options !== undefined && options !== null && typeof options !== 'object') {
    throw typeError(`\`options\` must be an object, not ${helpers.describe(options)}`)
  }
  const config = new Config(policy, options, helpers)
  if (typeof config.clock !== 'function') throw typeError('`options.now` must be a function returning unix seconds')
  if (config.onDropped !== undefined && typeof config.onDropped !== 'function') {
    throw typeError('`options.onDropped` must be a function')
  }
  for (const name of ['purge', 'locals']) {
    if (typeof config[name] !== 'boolean') {
      throw typeError(`\`options.${name}\` must be a boolean, not ${helpers.describe(config[name])}`)
    }
  }
  // Before any request: a wrapper that another middleware puts on a response captures the
  // hooked `writeHead`.
  hookOwner(http.ServerResponse.prototype)
  if (config.onDropped !== undefined) hookSetters(http.OutgoingMessage.prototype)
  if (!requestsHooked) hookRequests()

  return function cookieCharter(req, res, next) {
    if (config.records !== undefined && req && isConsentRequest(req, config.consentPath)) {
      serveRecords(config.records, req, res, next)
      return
    }
    // Node's own response class is checked first: reading a method of an Express response costs
    // more than the class check.
    const headers = req && typeof req === 'object' ? headersOf(req) : undefined
    if (
      !headers ||
      !res ||
      (!(res instanceof http.ServerResponse) &&
        (typeof res.setHeader !== 'function' || typeof res.writeHead !== 'function'))
    ) {
      throw typeError('cookie-charter middleware must be called with (req, res, next) of a Node HTTP server')
    }
    const locals = res[LOCALS]
    const hasLocals = locals !== null && typeof locals === 'object'
    // Where `keep` puts a state (`stateOf` would also look where it does not, at a cost).
    let previous = headers[kState]
    if (previous === undefined) previous = hasLocals ? locals[kState] : res[kState]
    if (previous !== undefined && !previous.done) {
      // Mounted twice on one request: the first one judges it.
      if (typeof next === 'function') next()
      return
    }
    const cookie = headers.cookie
    const gpc = headers['sec-gpc']
    const state = new State(config, req, typeof cookie === 'string' ? cookie : '', typeof gpc === 'string' ? gpc : '', config.clock())
    keep(state, req, headers, res, hasLocals ? locals : undefined)
    if (!requestsHooked || !(req instanceof http.IncomingMessage) || Object.hasOwn(req, 'consent')) {
      Object.defineProperty(req, 'consent', instanceAccessor)
    }
    // An accessor made for each response: about 3% of the throughput of a minimal Express route
    // under load (BENCHMARKS.md), so only when `options.locals` asks for it.
    if (hasLocals && config.locals) Object.defineProperty(locals, 'consent', localsAccessor)
    if (config.guard !== undefined) guardResponse(config.guard, state, req, res)
    const proto = Object.getPrototypeOf(res)
    if (!hookedClasses.has(proto)) {
      if (res.writeHead[kHook] !== true) hookResponse(res)
      if (proto !== null && proto.writeHead === http.ServerResponse.prototype.writeHead) hookedClasses.add(proto)
    }
    if (typeof next === 'function') next()
  }
}

/**
 * The prototypes of responses whose `writeHead` is Node's own, hooked when the first middleware
 * was made, before any request (Express's `app.response`, `ServerResponse.prototype`), so that a
 * response of one of them is not checked again: a `writeHead` of its own, put by another
 * middleware (`on-headers`), wraps the hooked one it found on the prototype. A response of a
 * class with a `writeHead` of its own is checked every time (`hookResponse`).
 */
const hookedClasses = new WeakSet()

/** Makes sure `res.writeHead` reaches a hook (responses of another class than Node's own). */
function hookResponse(res) {
  let owner = Object.getPrototypeOf(res)
  while (owner !== null && !Object.hasOwn(owner, 'writeHead')) owner = Object.getPrototypeOf(owner)
  const known = owner !== null && owner.writeHead[kHook] === true
  if (owner !== null && !known) hookOwner(owner)
  if (Object.hasOwn(res, 'writeHead') && (owner === null || !known)) {
    // A wrapper put on this response before its class was hooked may hold the unhooked
    // function: hook the response itself too (the state makes the filter run once).
    res.writeHead = hooked(res.writeHead)
  }
}

function hookOwner(owner) {
  if (typeof owner.writeHead === 'function' && owner.writeHead[kHook] !== true) {
    Object.defineProperty(owner, 'writeHead', {
      value: hooked(owner.writeHead),
      writable: true,
      configurable: true,
      enumerable: Object.getOwnPropertyDescriptor(owner, 'writeHead')?.enumerable ?? false,
    })
  }
}

/**
 * With `onDropped`, `Set-Cookie` values are also filtered as they are set (`setHeader`,
 * `appendHeader`, which Express's `res.cookie` and `res.append` use), so that a handler learns
 * what was withheld before it writes its page (the demo site lists them); `writeHead` then only
 * adds the deletions. Hooked once, on `OutgoingMessage.prototype`, when the first middleware
 * with `onDropped` is made.
 */
function hookSetters(proto) {
  for (const method of ['setHeader', 'appendHeader']) {
    const original = proto[method]
    if (typeof original !== 'function' || original[kHook] === true) continue
    const filtering = {
      [method](name, value) {
        if (typeof name !== 'string' || name.length !== 10 || name.toLowerCase() !== 'set-cookie') {
          return original.call(this, name, value)
        }
        const state = stateOf(this)
        if (state === undefined || state.done || state.config.onDropped === undefined) {
          return original.call(this, name, value)
        }
        const list = strings(value)
        const kept = filterNow(state, list)
        if (kept.length > 0) return original.call(this, name, kept)
        if (method === 'setHeader') this.removeHeader(name)
        return this
      },
    }[method]
    Object.defineProperty(filtering, kHook, { value: true })
    const enumerable = Object.getOwnPropertyDescriptor(proto, method)?.enumerable ?? false
    Object.defineProperty(proto, method, { value: filtering, writable: true, configurable: true, enumerable })
  }
}

/** The values of `list` the visitor allows (no deletions), `onDropped` told of the others. */
function filterNow(state, list) {
  return respond(state, list, false)
}

/** `writeHead` that filters the headers of the responses the middleware handles first. */
function hooked(writeHead) {
  const filtering = function writeHeadFiltered(statusCode, reason, headers) {
    const state = stateOf(this)
    if (state === undefined || state.done) return writeHead.apply(this, arguments)
    state.done = true
    if (headers === undefined && typeof reason === 'object' && reason !== null) {
      headers = reason
      reason = undefined
    }
    // Headers given here go through the progressive API (as Node itself does once any header
    // was set), so that they are filtered with the others.
    if (Array.isArray(headers)) {
      applyArray(this, headers)
    } else if (headers && typeof headers === 'object') {
      for (const key of Object.keys(headers)) {
        if (headers[key] !== undefined) this.setHeader(key, headers[key])
      }
    }
    filterHeaders(this, state)
    return reason === undefined ? writeHead.call(this, statusCode) : writeHead.call(this, statusCode, reason)
  }
  Object.defineProperty(filtering, kHook, { value: true })
  return filtering
}

/** Replaces the response's `Set-Cookie` headers by the ones the core sends (kept, then deletions). */
function filterHeaders(res, state) {
  const purge = state.config.purge
  const existing = res.getHeader('set-cookie')
  const list = existing === undefined ? NO_HEADERS : strings(existing)
  // Nothing to judge and no deletions asked for: nothing to send.
  if (list.length === 0 && !purge) return
  const values = respond(state, list, purge)
  if (values === list) return
  if (values.length > 0) res.setHeader('Set-Cookie', values)
  else if (existing !== undefined) res.removeHeader('set-cookie')
}

/**
 * The `Set-Cookie` values to send (the core's `Policy::respond`): one call with one string each
 * way (`respond` in src/fast.rs), `list` itself when the core keeps it as it is. `onDropped` is
 * told of the dropped values, which the core details in a second call (`policy.respond`) only
 * when there are some.
 */
function respond(state, list, purge) {
  const config = state.config
  const { fast, onDropped } = config
  let flags = purge ? PURGE : 0
  let replaced = null
  if (state.replaced) {
    if (state.consent instanceof config.Consent) replaced = state.consent
    else flags |= NOT_A_CONSENT
  }
  let lines = state.cookieHeader
  if (lines.includes('\n')) return respondInDetail(state, list, purge, replaced, flags)
  for (let i = 0; i < list.length; i++) {
    const value = list[i]
    // Node refuses header values with a line break; one set another way goes the detailed way.
    if (value.includes('\n')) return respondInDetail(state, list, purge, replaced, flags)
    lines += '\n' + value
  }
  const answer =
    replaced === null
      ? fast.respond(lines, state.now, flags, state.gpcHeader)
      : fast.respondReplaced(lines, state.now, flags, state.gpcHeader, config.nativeConsent(replaced))
  const count = list.length
  let values = list
  let texts = null
  let textAt = 0
  let dropped = false
  for (let i = 0; i < count; i++) {
    const code = answer.charCodeAt(i)
    if (code === KEPT && values === list) continue
    if (values === list) values = list.slice(0, i)
    if (code === KEPT) values.push(list[i])
    else if (code === REWRITTEN) {
      if (texts === null) texts = answer.slice(count + 1).split('\n')
      values.push(texts[textAt++])
    } else dropped = true
  }
  if (answer.length > count) {
    if (texts === null) texts = answer.slice(count + 1).split('\n')
    if (textAt < texts.length) {
      if (values === list) values = list.slice()
      for (let i = textAt; i < texts.length; i++) values.push(texts[i])
    }
  }
  if (dropped && onDropped !== undefined) return respondInDetail(state, list, purge, replaced, flags)
  return values
}

/** `respond` through `policy.respond`, which details the dropped values for `onDropped`. */
function respondInDetail(state, list, purge, replaced, flags) {
  const { policy, onDropped } = state.config
  const answer = policy.respond({
    cookie: state.cookieHeader === '' ? null : state.cookieHeader,
    secGpc: state.gpcHeader === '' ? null : state.gpcHeader,
    handled: replaced ?? ((flags & NOT_A_CONSENT) !== 0 ? 'not_a_consent' : 'unchanged'),
    setCookies: list,
    purge,
    now: state.now,
  })
  if (answer.dropped.length > 0 && onDropped !== undefined) onDropped(answer.dropped, state.req)
  return answer.setCookies
}

/** A header value as an array of strings. */
function strings(value) {
  if (!Array.isArray(value)) return [String(value)]
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string') return value.map(String)
  }
  return value
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
    res.setHeader(name, values.length === 1 && name.toLowerCase() !== 'set-cookie' ? values[0] : values)
  }
}


module.exports = { middleware, nowSeconds, forgetSeconds }
