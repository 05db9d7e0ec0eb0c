'use strict'
// The public face of the `cookie-charter` package (CommonJS; `index.mjs` re-exports it for ESM).
//
// The classes are the native ones (`native.cjs` loads the addon built from `src/`); this file
// adds what is cheaper on the JS side of Node-API: argument checks that throw `TypeError`,
// decisions turned from small numbers into plain objects with string ids, and a per-consent
// decision table so that a request's cookies are decided without crossing into Rust once per
// cookie. Every decision still comes from the core: JS only remembers and combines its answers.

const fs = require('node:fs')
const native = require('./native.cjs')
const { middleware } = require('./lib/middleware.js')
const records = require('./lib/records.js')

const { Policy, Consent } = native
/** The native members of `Consent.prototype`, before this file adds its own. */
const NATIVE_CONSENT_MEMBERS = Object.getOwnPropertyNames(Consent.prototype).filter((name) => name !== 'constructor')

/** Rule ids, in the order of the core's `Rule::ALL` (the packed numbers index this). */
const RULES = Object.freeze(['undeclared', 'necessary', 'third_party', 'anonymous_statistics', 'consent'])
/** Consent state ids, in the order of the core's `ConsentState::ALL`. */
const STATES = Object.freeze(['granted', 'denied', 'unset', 'expired', 'stale', 'gpc_denied'])
/** Google Consent Mode v2 signal names, in Google's order (bit `i` of `_consentMode` is `SIGNALS[i]`). */
const SIGNALS = Object.freeze(native._signals())
const GRANTED = 0
/** Header problems, in the order of `filter_codes` (src/fast.rs). */
const HEADER_PROBLEMS = Object.freeze(['control_character', 'too_large', 'empty', 'nameless'])
const KEPT = 1 << 30
const REWRITTEN = 1 << 29
const NAMED = 1 << 27
/** Names remembered per policy before the memory is cleared (a bound against hostile names). */
const MAX_REMEMBERED_NAMES = 4096

// Node-API statuses that napi-rs uses when an argument has the wrong type.
const NAPI_TYPE_CODES = new Set([
  'InvalidArg',
  'ObjectExpected',
  'StringExpected',
  'NameExpected',
  'FunctionExpected',
  'NumberExpected',
  'BooleanExpected',
  'ArrayExpected',
  'BigintExpected',
  'DateExpected',
  'ArrayBufferExpected',
])

/**
 * Turns napi-rs's own errors into the package's: wrong types are `TypeError`s, and a panic that
 * `#[napi(catch_unwind)]` caught (napi-rs reports it with status `GenericFailure`) gets code
 * `panic`. Every error the addon makes itself is thrown with its own code where it is made
 * (`src/errors.rs`) and passes through unchanged.
 */
function translate(error) {
  if (error instanceof Error && !(error instanceof TypeError) && typeof error.code === 'string') {
    if (NAPI_TYPE_CODES.has(error.code)) {
      const typeError = new TypeError(`invalid argument: ${error.message}`)
      typeError.code = 'invalid_argument'
      return typeError
    }
    if (error.code === 'GenericFailure') {
      error.code = 'panic'
    }
  }
  return error
}

function typeError(message) {
  const error = new TypeError(message)
  error.code = 'invalid_argument'
  return error
}

function checkString(value, what) {
  if (typeof value !== 'string') {
    throw typeError(`\`${what}\` must be a string, not ${describe(value)}`)
  }
}

function checkConsent(consent) {
  if (!(consent instanceof Consent)) {
    throw typeError(`\`consent\` must be a Consent (from Consent.fromCookie or new Consent), not ${describe(consent)}`)
  }
}

function checkPolicy(policy) {
  if (!(policy instanceof Policy)) {
    throw typeError(`\`policy\` must be a Policy, not ${describe(policy)}`)
  }
}

/** `now` in unix seconds: absent means the current time. */
function nowOf(now) {
  if (now === undefined || now === null) {
    return Math.floor(Date.now() / 1000)
  }
  if (typeof now !== 'number' || !(now >= 0 && now <= Number.MAX_SAFE_INTEGER)) {
    throw typeError(`\`now\` must be a number of unix seconds between 0 and 2^53, not ${describe(now)}`)
  }
  return Math.floor(now)
}

function describe(value) {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'no prototype'})`
  return `a ${typeof value}`
}

// ---------------------------------------------------------------------------------------------
// What JS remembers about a policy: its purpose ids and the consent-independent half of the
// decision for every name seen (packed as the hot path's `lookup` returns it, src/fast.rs).

const kInfo = Symbol('cookie-charter.info')
const kShadow = Symbol('cookie-charter.consent')
const tableToken = Symbol('cookie-charter.table')

function infoOf(policy) {
  let info = policy[kInfo]
  if (info === undefined) {
    info = {
      purposes: Object.freeze(policy._purposeIds()),
      names: new Map(),
      // Plain native functions closing over the policy, cheaper to call than methods
      // (`src/fast.rs`): lookup, intern, release, decide, states.
      fast: policy._fast(),
    }
    Object.defineProperty(policy, kInfo, { value: info })
  }
  return info
}

function lookup(info, name) {
  let packed = info.names.get(name)
  if (packed === undefined) {
    try {
      packed = info.fast.lookup(name)
    } catch (error) {
      throw translate(error)
    }
    if (info.names.size >= MAX_REMEMBERED_NAMES) {
      info.names.clear()
    }
    info.names.set(name, packed)
  }
  return packed
}

/**
 * What JS remembers about a consent (which never changes): the consent cookie value that gives
 * it (`Consent.fromCookie` knows it; for others the core formats it once, and reads it back to
 * the same consent: `parse(format(c)) == c`), the number the core gave it for the last policy
 * it was used with, and its last decision table.
 */
function shadowOf(consent) {
  // A consent read from a header has its own, with no text: the core reads it again from the
  // header (`tableOf`, `consentId`), GPC included.
  let shadow = consent[kShadow]
  if (shadow === undefined) {
    shadow = newShadow(consent.toCookie())
    // The GPC signal is not in the cookie text the fast path reads the consent back from: such
    // a consent is passed to the core as it is (`direct`).
    shadow.direct = consent.gpc
    Object.defineProperty(consent, kShadow, { value: shadow })
  }
  return shadow
}

function newShadow(text) {
  return { text, info: null, id: -1, others: null, table: null, now: -1, direct: false }
}

// Forgets the core's copy of a consent once the JS consent is collected.
const released = new FinalizationRegistry(({ fast, id }) => {
  try {
    fast.release(id)
  } catch {
    // Nothing to do: the slot stays taken.
  }
})

/** The number naming `consent` in the core's table of `info`'s policy. */
function consentId(info, consent, shadow) {
  if (shadow.info === info) return shadow.id
  let id = shadow.others?.get(info)
  if (id !== undefined) return id
  try {
    id = shadow.text === null ? internHeaderConsent(info, consent) : info.fast.intern(shadow.text)
  } catch (error) {
    throw translate(error)
  }
  released.register(consent, { fast: info.fast, id })
  if (shadow.info === null) {
    shadow.info = info
    shadow.id = id
  } else {
    if (shadow.others === null) shadow.others = new Map()
    shadow.others.set(info, id)
  }
  return id
}

/** A dropped `Set-Cookie` value of the addon (`{ header, cookie, code, problem }`) for JS. */
function droppedOf(info, d) {
  return { header: d.header, cookie: d.cookie ?? null, decision: unpack(info, d.code), problem: d.problem ?? null }
}

/** A purged cookie of the addon (`{ cookie, code, headers }`) for JS. */
function purgedOf(info, p) {
  return { cookie: p.cookie, decision: unpack(info, p.code), headers: p.headers }
}

/** Header field values as an array: one string, an array of strings, or none (`undefined`/`null`). */
function fieldsOf(value, what) {
  if (value === undefined || value === null) return []
  if (typeof value === 'string') return [value]
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw typeError(`\`${what}\` must be a string or an array of strings, not ${describe(value)}`)
  }
  return value
}

/** A packed decision (see `src/codes.rs`) as a plain object with string ids. */
function unpack(info, packed) {
  const state = (packed >> 4) & 7
  const purpose = packed >>> 8
  return {
    allowed: (packed & 1) === 1,
    rule: RULES[(packed >> 1) & 7],
    purpose: purpose === 0 ? null : info.purposes[purpose - 1],
    consentState: state === 0 ? null : STATES[state - 1],
  }
}

function undeclared() {
  return { allowed: false, rule: 'undeclared', purpose: null, consentState: null }
}

/**
 * The decisions of one policy for one consent at one time: the core computes the state of every
 * purpose once; each name then costs a JS `Map` lookup (the core is asked once per new name).
 */
class DecisionTable {
  #info
  #states
  #policy
  #consent
  #now

  constructor(token, policy, info, consent, now, states) {
    if (token !== tableToken) throw typeError('a DecisionTable comes from policy.decisionTable(consent, now)')
    this.#info = info
    this.#states = states
    this.#policy = policy
    this.#consent = consent
    this.#now = now
  }

  /** The policy it decides with. */
  get policy() {
    return this.#policy
  }

  /** The unix time the table decides at. */
  get now() {
    return this.#now
  }

  /** The consent it decides for. */
  get consent() {
    return this.#consent
  }

  /** The decision for the cookie `name`. */
  decide(name) {
    if (typeof name !== 'string') checkString(name, 'name')
    const packed = lookup(this.#info, name)
    const rule = (packed >> 1) & 7
    if (rule === 0) return undeclared()
    const purpose = (packed >>> 8) - 1
    const state = this.#states.charCodeAt(purpose) - 48
    return {
      allowed: (packed & 1) === 1 || state === GRANTED,
      rule: RULES[rule],
      purpose: this.#info.purposes[purpose],
      consentState: STATES[state],
    }
  }

  /** The decisions for every name of `names` (an array, checked by the caller). */
  decideAll(names) {
    const info = this.#info
    const states = this.#states
    const purposes = info.purposes
    const out = []
    for (let i = 0; i < names.length; i++) {
      const name = names[i]
      if (typeof name !== 'string') checkString(name, `names[${i}]`)
      const packed = lookup(info, name)
      const rule = (packed >> 1) & 7
      if (rule === 0) {
        out.push(undeclared())
        continue
      }
      const purpose = (packed >>> 8) - 1
      const state = states.charCodeAt(purpose) - 48
      out.push({
        allowed: (packed & 1) === 1 || state === GRANTED,
        rule: RULES[rule],
        purpose: purposes[purpose],
        consentState: STATES[state],
      })
    }
    return out
  }

  /** Whether the cookie `name` is allowed (the same as `decide(name).allowed`, without the object). */
  allowed(name) {
    if (typeof name !== 'string') checkString(name, 'name')
    const packed = lookup(this.#info, name)
    if ((packed & 1) === 1) return true
    if (((packed >> 1) & 7) === 0) return false
    return this.#states.charCodeAt((packed >>> 8) - 1) - 48 === GRANTED
  }

  /** The visitor's state of every purpose of the policy, as an object with no prototype. */
  get states() {
    const out = Object.create(null)
    this.#info.purposes.forEach((id, i) => {
      out[id] = STATES[this.#states.charCodeAt(i) - 48]
    })
    return out
  }
}

/** The table for (policy, consent, now), remembered on the consent. */
function tableOf(policy, consent, now) {
  const shadow = shadowOf(consent)
  const cached = shadow.table
  if (cached !== null && cached.now === now && cached.policy === policy) {
    return cached
  }
  const info = infoOf(policy)
  let states
  try {
    if (shadow.direct) states = policy._states(nativeOf(consent), now)
    else {
      // A consent read from a header: its states from the header, with nothing interned.
      if (shadow.text === null) states = headerStates(info, consent, now)
      states ??= info.fast.states(consentId(info, consent, shadow), now)
    }
  } catch (error) {
    throw translate(error)
  }
  const table = new DecisionTable(tableToken, policy, info, consent, now, states)
  shadow.table = table
  return table
}

// ---------------------------------------------------------------------------------------------
// Policy

function callNative(target, method, args) {
  try {
    return method.apply(target, args)
  } catch (error) {
    throw translate(error)
  }
}

const policyStatics = {
  fromToml(text) {
    checkString(text, 'text')
    return callNative(Policy, Policy._fromToml, [text])
  },

  fromJson(text) {
    checkString(text, 'text')
    return callNative(Policy, Policy._fromJson, [text])
  },

  /** Loads a policy file: JSON when its name ends in `.json`, TOML otherwise. */
  load(file) {
    if (typeof file !== 'string' && !(file instanceof URL)) {
      throw typeError(`\`path\` must be a string or a file URL, not ${describe(file)}`)
    }
    const name = file instanceof URL ? file.pathname : file
    // The core reads the bytes and tells the format by the name: a file that is not UTF-8 is a
    // `syntax` error at its first bad byte, as in every other language, never read with
    // replacement characters.
    return callNative(Policy, Policy._fromFile, [fs.readFileSync(file), name])
  },
}

for (const [name, value] of Object.entries(policyStatics)) {
  Object.defineProperty(Policy, name, { value, writable: true, configurable: true })
}

const policyMethods = {
  decide(name, consent, now) {
    if (typeof name !== 'string') checkString(name, 'name')
    checkConsent(consent)
    const at = nowOf(now)
    const shadow = shadowOf(consent)
    const table = shadow.table
    if (table !== null && table.now === at && table.policy === this) return table.decide(name)
    const info = infoOf(this)
    // A consent read from a header makes its table at once: one call, and nothing interned.
    if (shadow.direct || shadow.text === null || (shadow.info === info && shadow.now === at)) {
      return tableOf(this, consent, at).decide(name)
    }
    // The first decision for this consent at this time: one call to the core. A second one
    // builds the consent's decision table, and the ones after it stay on the JS side.
    const id = consentId(info, consent, shadow)
    if (shadow.info === info) shadow.now = at
    let packed
    try {
      packed = info.fast.decide(name, id, at)
    } catch (error) {
      throw translate(error)
    }
    return unpack(info, packed)
  },

  decideMany(names, consent, now) {
    if (!Array.isArray(names)) {
      throw typeError(`\`names\` must be an array of strings, not ${describe(names)}`)
    }
    checkConsent(consent)
    return tableOf(this, consent, nowOf(now)).decideAll(names)
  },

  decisionTable(consent, now) {
    checkConsent(consent)
    return tableOf(this, consent, nowOf(now))
  },

  filterSetCookies(headers, consent, now) {
    const list = typeof headers === 'string' ? [headers] : headers
    if (!Array.isArray(list) || !list.every((h) => typeof h === 'string')) {
      throw typeError(`\`headers\` must be a string or an array of strings, not ${describe(headers)}`)
    }
    checkConsent(consent)
    const at = nowOf(now)
    const info = infoOf(this)
    const shadow = shadowOf(consent)
    if (shadow.direct) {
      const raw = callNative(this, this._filterSetCookies, [list, nativeOf(consent), at])
      return { kept: raw.kept, dropped: raw.dropped.map((d) => droppedOf(info, d)) }
    }
    const id = consentId(info, consent, shadow)
    let codes
    let rewritten = null
    try {
      codes = info.fast.filter(list, id, at)
    } catch (error) {
      throw translate(error)
    }
    // See `filter_codes` in src/fast.rs for the layout of `codes`.
    const kept = []
    const dropped = []
    let next = 0
    for (let i = 0; i < list.length; i++) {
      const code = codes[next++]
      if (code & KEPT) {
        if (code & REWRITTEN) {
          if (rewritten === null) rewritten = info.fast.rewritten()
          kept.push(rewritten.shift())
        } else {
          kept.push(list[i])
        }
        continue
      }
      let cookie = null
      if (code & NAMED) {
        const start = codes[next++]
        cookie = list[i].slice(start, start + codes[next++])
      }
      const problem = (code >> 24) & 7
      dropped.push({
        header: list[i],
        cookie,
        decision: unpack(info, code & 0xffffff),
        problem: problem === 0 ? null : HEADER_PROBLEMS[problem - 1],
      })
    }
    return { kept, dropped }
  },

  purge(cookieHeader, consent, now) {
    if (cookieHeader === undefined || cookieHeader === null) cookieHeader = ''
    checkString(cookieHeader, 'cookieHeader')
    checkConsent(consent)
    const at = nowOf(now)
    if (cookieHeader === '') return []
    const info = infoOf(this)
    const shadow = shadowOf(consent)
    if (shadow.direct) {
      return callNative(this, this._purge, [cookieHeader, nativeOf(consent), at]).map((p) => purgedOf(info, p))
    }
    const id = consentId(info, consent, shadow)
    let flat
    try {
      flat = info.fast.purge(cookieHeader, id, at)
    } catch (error) {
      throw translate(error)
    }
    // See `purge_strings` in src/fast.rs for the layout of `flat`.
    const out = []
    for (let i = 0; i < flat.length; ) {
      const cookie = flat[i]
      const decision = unpack(info, Number(flat[i + 1]))
      const count = Number(flat[i + 2])
      out.push({ cookie, decision, headers: flat.slice(i + 3, i + 3 + count) })
      i += 3 + count
    }
    return out
  },

  /**
   * The answer to a response, as every middleware gives it (the core's `Policy::respond`): the
   * consent that judges it, the `Set-Cookie` values to send (kept ones in order, then the
   * deletions), the dropped ones with their decisions, and the purged cookies.
   */
  respond(options) {
    if (options === null || typeof options !== 'object') {
      throw typeError(`\`options\` must be an object such as { cookie, secGpc, handled, setCookies, purge, now }, not ${describe(options)}`)
    }
    const cookie = fieldsOf(options.cookie, 'cookie')
    const secGpc = fieldsOf(options.secGpc, 'secGpc')
    const setCookies = fieldsOf(options.setCookies, 'setCookies')
    const handled = options.handled ?? 'unchanged'
    const replaced = handled instanceof Consent ? nativeOf(handled) : null
    if (replaced === null && handled !== 'unchanged' && handled !== 'not_a_consent') {
      throw typeError(`\`handled\` must be 'unchanged', 'not_a_consent' or a Consent, not ${describe(handled)}`)
    }
    const purge = options.purge ?? true
    if (typeof purge !== 'boolean') throw typeError(`\`purge\` must be a boolean, not ${describe(purge)}`)
    const at = nowOf(options.now)
    const raw = callNative(this, this._respond, [cookie, secGpc, handled === 'not_a_consent', replaced, setCookies, purge, at])
    const info = infoOf(this)
    return {
      consent: raw.consent,
      setCookies: raw.setCookies,
      dropped: raw.dropped.map((d) => droppedOf(info, d)),
      purged: raw.purged.map((p) => purgedOf(info, p)),
    }
  },

  purposesToAsk(consent, now) {
    checkConsent(consent)
    return callNative(this, this._purposesToAsk, [nativeOf(consent), nowOf(now)])
  },

  consentState(purpose, consent, now) {
    checkString(purpose, 'purpose')
    checkConsent(consent)
    return callNative(this, this._consentState, [purpose, nativeOf(consent), nowOf(now)])
  },

  consentFromCookieHeader(cookieHeader) {
    if (cookieHeader === undefined || cookieHeader === null) cookieHeader = ''
    else if (typeof cookieHeader !== 'string') checkString(cookieHeader, 'cookieHeader')
    return readHeaderConsent(this, cookieHeader, null)
  },

  /** The Google Consent Mode v2 state: `{ad_storage: 'granted' | 'denied', ...}`, the seven signals in Google's order. */
  consentMode(consent, now) {
    checkConsent(consent)
    const bits = callNative(this, this._consentMode, [nativeOf(consent), nowOf(now)])
    const out = {}
    for (let i = 0; i < SIGNALS.length; i++) out[SIGNALS[i]] = (bits >>> i) & 1 ? 'granted' : 'denied'
    return out
  },

  /** The `gtag('consent', 'default' | 'update', {...});` snippet for `consent`. */
  gtagConsent(consent, options) {
    checkConsent(consent)
    if (options !== undefined && options !== null && typeof options !== 'object') {
      throw typeError(`\`options\` must be an object such as { command: 'update', now }, not ${describe(options)}`)
    }
    const command = options?.command ?? 'default'
    checkString(command, 'command')
    return callNative(this, this._gtag, [nativeOf(consent), command, nowOf(options?.now)])
  },

  /**
   * The browser guard's answer for `consent` (the core's `Policy::guard`), as compact JSON text:
   * what a consent endpoint sends the page's guard as it is (`cookieCharterGuard.update` takes
   * the text), with no parse and no second serialization; `JSON.parse` it to read it.
   */
  guard(consent, options) {
    checkConsent(consent)
    if (options !== undefined && options !== null && typeof options !== 'object') {
      throw typeError(`\`options\` must be an object such as { now }, not ${describe(options)}`)
    }
    return callNative(this, this._guard, [nativeOf(consent), nowOf(options?.now)])
  },

  /**
   * The `<script>` tags that put the guard first in a page's `<head>`: the answer for `consent`,
   * then the guard from `src`, both with the Content-Security-Policy `nonce` when given.
   */
  guardScriptTags(consent, options) {
    checkConsent(consent)
    if (options === null || typeof options !== 'object') {
      throw typeError(`\`options\` must be an object such as { src: '/static/cookie-charter-guard.min.js', nonce }, not ${describe(options)}`)
    }
    checkString(options.src, 'src')
    const nonce = options.nonce ?? null
    if (nonce !== null) checkString(nonce, 'nonce')
    return callNative(this, this._guardScriptTags, [nativeOf(consent), options.src, nonce, nowOf(options.now)])
  },

  /** The consent a TC string (text or a decoded `TcString`) gives; throws `invalid_tc_string` when it does not decode. */
  consentFromTcString(text) {
    if (text instanceof TcString) return callNative(this, this._consentFromTcf, [tcOf(text)])
    checkString(text, 'text')
    return callNative(this, this._consentFromTcString, [text])
  },

  renderCharter(options) {
    if (options !== undefined && options !== null && typeof options !== 'object') {
      throw typeError(`\`options\` must be an object such as { lang: 'fr', format: 'html' }, not ${describe(options)}`)
    }
    const lang = options?.lang ?? this.site.languages[0] ?? 'en'
    const format = options?.format ?? 'markdown'
    checkString(lang, 'lang')
    checkString(format, 'format')
    try {
      return this._renderCharter(lang, format)
    } catch (error) {
      throw translate(error)
    }
  },
}

for (const [name, value] of Object.entries(policyMethods)) {
  Object.defineProperty(Policy.prototype, name, { value, writable: true, configurable: true })
}

// ---------------------------------------------------------------------------------------------
// Consent

Object.defineProperty(Consent, 'fromCookie', {
  value: function fromCookie(value) {
    if (value !== undefined && value !== null) checkString(value, 'value')
    const consent = callNative(Consent, Consent._fromCookie, [value ?? null])
    Object.defineProperty(consent, kShadow, { value: newShadow(value ?? '') })
    return consent
  },
  writable: true,
  configurable: true,
})

Object.defineProperties(Consent.prototype, {
  withGpc: {
    /** The same consent with the request's Global Privacy Control signal set to `gpc`. */
    value: function withGpc(gpc) {
      if (typeof gpc !== 'boolean') throw typeError(`\`gpc\` must be a boolean, not ${describe(gpc)}`)
      return callNative(this, this._withGpc, [gpc])
    },
    writable: true,
    configurable: true,
  },
  problemAt: {
    value: function problemAt(now) {
      return callNative(this, this._problemAt, [nowOf(now)])
    },
    writable: true,
    configurable: true,
  },
  choices: {
    /** The choices as `{purpose: 'granted' | 'denied'}`, an object with no prototype. */
    get() {
      const out = Object.create(null)
      for (const pair of this._choicePairs()) {
        const at = pair.indexOf('=')
        out[pair.slice(0, at)] = pair.slice(at + 1)
      }
      return out
    },
    configurable: true,
  },
  toJSON: {
    value: function toJSON() {
      return { revision: this.revision, at: this.at, choices: { ...this.choices }, problem: this.problem }
    },
    writable: true,
    configurable: true,
  },
})

// ---------------------------------------------------------------------------------------------
// The consent of a request's `Cookie` header, read in one call that returns a number
//
// `policy.consentFromCookieHeader(header)` and the middleware's `req.consent` are read once per
// request. A native `Consent` (a class instance that Node-API wraps, with a finalizer) costs
// several times the reading itself, so these give a `Consent` made in JS: the core reads the
// header and answers one number (`read_code` in src/fast.rs: the problem, GPC, and two bits per
// purpose for the choices); `problem`, `gpc` and `choices` come from it, and everything else from
// the native `Consent`, made from the same header the first time something needs it (the header
// is a string and the policy never changes: it reads to the same consent). Decisions take the
// states of its purposes from the header (`headerStates`, the consent's decision table at once),
// and the calls that need the consent in the core's table intern it from the header
// (`internRequest`), without making the native one either.

/** `read` codes (src/fast.rs). */
const READ_PROBLEMS = Object.freeze([null, 'absent', 'oversized', 'malformed', 'duplicate_key', 'unknown_version'])
const READ_GPC = 1 << 3
const READ_CHOICES = 1 << 4
const READ_CHOICES_SHIFT = 5
const READ_PURPOSES = 13
const headerToken = Symbol('cookie-charter.header-consent')

/** The native `Consent` of a consent (itself unless it was read from a header). */
let nativeOf
/** Interns a header's consent in `info`'s table (see `consentId`). */
let internHeaderConsent
/** The states of a header's consent for `info`'s policy (see `tableOf`); `null` for another policy's. */
let headerStates

/** A `Consent` read from a header (see above); `instanceof Consent`, with the same members. */
class HeaderConsent {
  #policy
  #info
  #header
  /** The `Sec-GPC` value (`''`: none) for the middleware's consent; `null` for `consentFromCookieHeader`. */
  #secGpc
  #code
  #native = null
  #shadow = null

  constructor(token, policy, info, header, secGpc, code) {
    if (token !== headerToken) throw typeError('a Consent comes from Consent.fromCookie, new Consent or a policy')
    this.#policy = policy
    this.#info = info
    this.#header = header
    this.#secGpc = secGpc
    this.#code = code
  }

  get problem() {
    return READ_PROBLEMS[this.#code & 7]
  }

  get gpc() {
    return (this.#code & READ_GPC) !== 0
  }

  get choices() {
    const code = this.#code
    if ((code & READ_CHOICES) === 0) return choicesGetter.call(this.#materialize())
    const out = Object.create(null)
    const purposes = this.#info.purposes
    for (const i of readOrderOf(this.#info)) {
      const bits = (code >>> (READ_CHOICES_SHIFT + 2 * i)) & 3
      if (bits !== 0) out[purposes[i]] = bits === 1 ? 'granted' : 'denied'
    }
    return out
  }

  /** What JS remembers about it (see `shadowOf`), in a field rather than a property added later. */
  get [kShadow]() {
    return (this.#shadow ??= newShadow(null))
  }

  #materialize() {
    let consent = this.#native
    if (consent === null) {
      const policy = this.#policy
      const header = this.#header === '' ? null : this.#header
      consent =
        this.#secGpc === null
          ? callNative(policy, policy._consentFromCookieHeader, [header])
          : callNative(policy, policy._requestConsent, [header, this.#secGpc === '' ? null : this.#secGpc])
      this.#native = consent
    }
    return consent
  }

  static {
    nativeOf = (consent) => (#native in consent ? consent.#materialize() : consent)
    internHeaderConsent = (info, consent) =>
      info === consent.#info
        ? info.fast.internRequest(consent.#header, consent.#secGpc ?? '')
        : info.fast.adopt(consent.#materialize())
    headerStates = (info, consent, now) =>
      info === consent.#info ? info.fast.headerStates(consent.#header, consent.#secGpc ?? '', now) : null
  }
}

const choicesGetter = Object.getOwnPropertyDescriptor(Consent.prototype, 'choices').get

/** The indices of the purposes the `read` bits hold, in the order of their ids (as `choices`). */
function readOrderOf(info) {
  let order = info.readOrder
  if (order === undefined) {
    const purposes = info.purposes
    order = purposes.slice(0, READ_PURPOSES).map((_, i) => i)
    order.sort((a, b) => (purposes[a] < purposes[b] ? -1 : purposes[a] > purposes[b] ? 1 : 0))
    info.readOrder = Object.freeze(order)
  }
  return order
}

// Every other member is the native `Consent`'s, on the one made from the header.
for (const name of NATIVE_CONSENT_MEMBERS) {
  if (Object.hasOwn(HeaderConsent.prototype, name)) continue
  const member = Object.getOwnPropertyDescriptor(Consent.prototype, name)
  const { get, value } = member
  if (get !== undefined) {
    Object.defineProperty(HeaderConsent.prototype, name, {
      get() {
        return get.call(nativeOf(this))
      },
      configurable: true,
    })
  } else if (typeof value === 'function') {
    Object.defineProperty(HeaderConsent.prototype, name, {
      value: function (...args) {
        return value.apply(nativeOf(this), args)
      },
      writable: true,
      configurable: true,
    })
  }
}
Object.defineProperty(HeaderConsent.prototype, 'constructor', { value: Consent, writable: true, configurable: true })
Object.setPrototypeOf(HeaderConsent.prototype, Consent.prototype)

/** The consent of `header` (`secGpc`: see `HeaderConsent`), read by one native call. */
function readHeaderConsent(policy, header, secGpc) {
  const info = infoOf(policy)
  let code
  try {
    code = secGpc === null ? info.fast.read(header) : info.fast.readRequest(header, secGpc)
  } catch (error) {
    throw translate(error)
  }
  return new HeaderConsent(headerToken, policy, info, header, secGpc, code)
}

// ---------------------------------------------------------------------------------------------
// Signals: Global Privacy Control and IAB TCF strings

/**
 * Whether a request's `Sec-GPC` header value(s) ask for Global Privacy Control: `undefined`
 * (no header), one value, or an array of values (`req.headersDistinct['sec-gpc']`).
 */
function gpcEnabled(value) {
  if (value === undefined || value === null) return false
  if (typeof value === 'string') return callNative(native, native._gpcEnabled, [[value]])
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw typeError(`\`value\` must be a string, an array of strings or undefined, not ${describe(value)}`)
  }
  return callNative(native, native._gpcEnabled, [value])
}

const tcToken = Symbol('cookie-charter.tc')
/** The native decoded value of a `TcString`, for `policy.consentFromTcString`. */
let tcOf

/** Calls a native function of `src/tcf.rs` on a decoded string. */
function tcCall(f, tc, arg) {
  try {
    return f(tc, arg)
  } catch (error) {
    throw translate(error)
  }
}

/**
 * A decoded IAB TCF v2.2 TC string (`TcString.decode(text)`). It holds the core's decoded value
 * (a native external); each getter converts one field when it is read. Times are the string's
 * raw deciseconds since the Unix epoch; id sets are ascending arrays of numbers.
 */
class TcString {
  #tc

  constructor(token, tc) {
    if (token !== tcToken) throw typeError('a TcString comes from TcString.decode(text)')
    this.#tc = tc
  }

  /** Decodes a TC string; throws an `Error` with code `invalid_tc_string` and its `reason`, `segment`, `field`, `bit`. */
  static decode(text) {
    if (typeof text !== 'string') checkString(text, 'text')
    let tc
    try {
      tc = native._tcDecode(text)
    } catch (error) {
      throw translate(error)
    }
    return new TcString(tcToken, tc)
  }

  /** The format version: always 2. */
  get version() {
    return tcCall(native._tcVersion, this.#tc)
  }

  /** When the string was created, in deciseconds since the Unix epoch (as stored). */
  get created() {
    return tcCall(native._tcCreated, this.#tc)
  }

  /** When the string was last updated, in deciseconds since the Unix epoch (as stored). */
  get lastUpdated() {
    return tcCall(native._tcLastUpdated, this.#tc)
  }

  /** The id of the consent management platform. */
  get cmpId() {
    return tcCall(native._tcCmpId, this.#tc)
  }

  /** The version of the consent management platform. */
  get cmpVersion() {
    return tcCall(native._tcCmpVersion, this.#tc)
  }

  /** The screen of the CMP on which consent was given. */
  get consentScreen() {
    return tcCall(native._tcConsentScreen, this.#tc)
  }

  /** The two-letter language of the CMP's texts (`EN`, `FR`...). */
  get consentLanguage() {
    return tcCall(native._tcConsentLanguage, this.#tc)
  }

  /** The version of the Global Vendor List. */
  get vendorListVersion() {
    return tcCall(native._tcVendorListVersion, this.#tc)
  }

  /** The TCF policy version (4 and later are TCF v2.2). */
  get policyVersion() {
    return tcCall(native._tcPolicyVersion, this.#tc)
  }

  /** Whether the choices apply to this service only. */
  get isServiceSpecific() {
    return tcCall(native._tcIsServiceSpecific, this.#tc)
  }

  /** Whether the CMP used non-standard texts. */
  get useNonStandardTexts() {
    return tcCall(native._tcUseNonStandardTexts, this.#tc)
  }

  /** Whether purpose 1 was not disclosed (the publisher's country's rules apply). */
  get purposeOneTreatment() {
    return tcCall(native._tcPurposeOneTreatment, this.#tc)
  }

  /** The publisher's two-letter country code (`FR`...). */
  get publisherCountryCode() {
    return tcCall(native._tcPublisherCountryCode, this.#tc)
  }

  /** The ids of the special features opted in (1 to 12), ascending. */
  get specialFeatureOptIns() {
    return tcCall(native._tcSpecialFeatureOptIns, this.#tc)
  }

  /** The ids of the purposes with consent (1 to 24), ascending. */
  get purposeConsents() {
    return tcCall(native._tcPurposeConsents, this.#tc)
  }

  /** The ids of the purposes under legitimate interest (1 to 24), ascending. */
  get purposeLegitimateInterests() {
    return tcCall(native._tcPurposeLegitimateInterests, this.#tc)
  }

  /** Whether vendor `id` has consent in the core segment (`false` for an id that names no vendor). */
  vendorConsent(id) {
    if (typeof id !== 'number') throw typeError(`\`id\` must be a number, not ${describe(id)}`)
    return tcCall(native._tcVendorConsent, this.#tc, id)
  }

  /** Whether vendor `id` is under legitimate interest in the core segment. */
  vendorLegitimateInterest(id) {
    if (typeof id !== 'number') throw typeError(`\`id\` must be a number, not ${describe(id)}`)
    return tcCall(native._tcVendorLegitimateInterest, this.#tc, id)
  }

  /** The canonical JSON object of the decoded string (snake_case keys, as in every language). */
  toJSON() {
    return JSON.parse(tcCall(native._tcJson, this.#tc))
  }

  static {
    tcOf = (tc) => tc.#tc
  }
}

/** The consent a middleware gives a request's handlers (the core's `Policy::request_consent`). */
function requestConsent(policy, cookieHeader, secGpc) {
  return readHeaderConsent(policy, cookieHeader ?? '', secGpc ?? '')
}

module.exports = {
  Policy,
  Consent,
  TcString,
  gpcEnabled,
  DecisionTable,
  middleware: (policy, options) => {
    checkPolicy(policy)
    return middleware(policy, options, { Consent, typeError, describe, requestConsent, nativeConsent: nativeOf })
  },
  RULES,
  STATES,
  SIGNALS,
  ConsentEndpoint: records.ConsentEndpoint,
  loadKeys: records.loadKeys,
  verifyStore: records.verifyStore,
  storedRecordIds: records.storedRecordIds,
}

// The test build's hooks (`npm run build:test`, the `test-hooks` feature), through the package's
// error translation as every native call; a default build has none, so neither has this.
if (typeof native.__panicForTests === 'function') {
  Object.defineProperty(module.exports, '__testHooks', {
    value: Object.freeze({ panic: () => callNative(native, native.__panicForTests, []) }),
  })
}
