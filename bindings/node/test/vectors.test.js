'use strict'
// Runs every file of the shared corpus (tests/vectors/, found by walking it) through the binding:
// the results must be exactly those the files hold, as for the Rust core and the other bindings.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const http = require('node:http')
const net = require('node:net')
const path = require('node:path')
const { Duplex } = require('node:stream')
const express = require('express')
const { Policy, Consent, TcString, SIGNALS, middleware } = require('..')
const { vectorsDir, jsonFiles } = require('./helpers')

const files = jsonFiles(vectorsDir)
const counts = { files: 0, cases: 0, decisions: 0, loadErrors: 0, tcStrings: 0, responses: 0 }
/** The `respond` cases, with their policy, for the run through the middleware below. */
const respondCases = []

test('the corpus is there', () => {
  assert.ok(files.length > 0, `no vector file found below ${vectorsDir}`)
})

function loadPolicy(doc) {
  const hasJson = doc.policy !== undefined
  const hasToml = doc.policy_toml !== undefined
  // TC-string files (`tc_decode` cases only) have no policy.
  if (!hasJson && !hasToml && doc.cases?.every((c) => c.kind === 'tc_decode')) return null
  assert.ok(hasJson !== hasToml, 'a case file holds exactly one of `policy` and `policy_toml`')
  return hasJson ? Policy.fromJson(JSON.stringify(doc.policy)) : Policy.fromToml(doc.policy_toml)
}

function asExpected(d) {
  return { allowed: d.allowed, rule: d.rule, purpose: d.purpose, consentState: d.consentState }
}

function fromVector(d) {
  return { allowed: d.allowed, rule: d.rule, purpose: d.purpose, consentState: d.consent_state }
}

/** The typed error of a TC string that does not decode, with `reason` when given. */
function isTcError(reason, where) {
  return (e) => {
    assert.ok(e instanceof Error && !(e instanceof TypeError), `${where}: a plain Error`)
    assert.equal(e.code, 'invalid_tc_string', `${where}: ${e.message}`)
    if (reason !== undefined) assert.equal(e.reason, reason, `${where}: ${e.message}`)
    assert.equal(typeof e.segment, 'number', `${where}: segment`)
    assert.equal(typeof e.bit, 'number', `${where}: bit`)
    assert.ok(e.field === null || typeof e.field === 'string', `${where}: field`)
    return true
  }
}

/** `expected` holds a subset of the keys of `got` (recursively in objects), with equal values. */
function assertSubset(got, expected, where) {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    assert.ok(got !== null && typeof got === 'object' && !Array.isArray(got), `${where}: an object`)
    for (const [key, value] of Object.entries(expected)) {
      assert.ok(Object.hasOwn(got, key), `${where}.${key}: missing`)
      assertSubset(got[key], value, `${where}.${key}`)
    }
    return
  }
  assert.deepEqual(got, expected, where)
}

/** The camelCase getters of `TcString` and the snake_case keys of its canonical JSON. */
const TC_GETTERS = {
  version: 'version',
  created: 'created',
  lastUpdated: 'last_updated',
  cmpId: 'cmp_id',
  cmpVersion: 'cmp_version',
  consentScreen: 'consent_screen',
  consentLanguage: 'consent_language',
  vendorListVersion: 'vendor_list_version',
  policyVersion: 'policy_version',
  isServiceSpecific: 'is_service_specific',
  useNonStandardTexts: 'use_non_standard_texts',
  specialFeatureOptIns: 'special_feature_opt_ins',
  purposeConsents: 'purpose_consents',
  purposeLegitimateInterests: 'purpose_legitimate_interests',
  purposeOneTreatment: 'purpose_one_treatment',
  publisherCountryCode: 'publisher_country_code',
}

/** The consent of a `decide` case: a consent cookie, or a TC string; with GPC when `gpc`. */
function consentOf(policy, c, where) {
  let consent
  if (c.tc_string !== undefined) {
    assert.equal(c.consent, undefined, `${where}: a case has a consent cookie or a TC string, not both`)
    if (c.tc_error !== undefined) {
      assert.throws(() => policy.consentFromTcString(c.tc_string), isTcError(undefined, where))
      assert.equal(c.tc_error, 'invalid_tc_string', `${where}: tc_error is the error code`)
      assert.equal(c.decisions, undefined, `${where}: a refused TC string has no decisions`)
      return null
    }
    consent = policy.consentFromTcString(c.tc_string)
    // The same consent from the decoded string.
    assert.equal(policy.consentFromTcString(TcString.decode(c.tc_string)).toCookie(), consent.toCookie(), `${where}: consentFromTcString(TcString)`)
  } else {
    assert.equal(c.tc_error, undefined, `${where}: tc_error comes only with tc_string`)
    consent = Consent.fromCookie(c.consent)
  }
  if (c.gpc !== undefined) assert.equal(typeof c.gpc, 'boolean', `${where}: gpc is a boolean`)
  return c.gpc === true ? consent.withGpc(true) : consent
}

const runners = {
  decide(policy, c, where) {
    const consent = consentOf(policy, c, where)
    if (consent === null) return
    assert.equal(consent.problemAt(c.now), c.problem, `${where}: problem`)
    const names = c.decisions.map((d) => d.cookie)
    const many = policy.decideMany(names, consent, c.now)
    const table = policy.decisionTable(consent, c.now)
    c.decisions.forEach((expected, i) => {
      const want = fromVector(expected)
      const label = `${where}: decide(${JSON.stringify(expected.cookie)})`
      assert.deepEqual(asExpected(policy.decide(expected.cookie, consent, c.now)), want, label)
      assert.deepEqual(asExpected(many[i]), want, `${label} through decideMany`)
      assert.equal(table.allowed(expected.cookie), want.allowed, `${label} through a decision table`)
      counts.decisions++
    })
    if (c.purposes_to_ask !== undefined) {
      const got = policy.purposesToAsk(consent, c.now)
      assert.deepEqual([...got].sort(), [...c.purposes_to_ask].sort(), `${where}: purposesToAsk`)
    }
    if (c.consent_mode !== undefined) {
      const got = policy.consentMode(consent, c.now)
      assert.deepEqual(got, c.consent_mode, `${where}: consentMode`)
      assert.deepEqual(Object.keys(got), [...SIGNALS], `${where}: consentMode in Google's order`)
    }
  },

  tc_decode(policy, c, where) {
    const label = `${where} (${c.name})`
    assert.equal(typeof c.tc_string, 'string', `${label}: tc_string`)
    assert.ok((c.expected === undefined) !== (c.error === undefined), `${label}: exactly one of expected and error`)
    counts.tcStrings++
    if (c.error !== undefined) {
      assert.throws(() => TcString.decode(c.tc_string), isTcError(c.error, label))
      return
    }
    const tc = TcString.decode(c.tc_string)
    const json = tc.toJSON()
    assertSubset(json, c.expected, label)
    for (const [getter, key] of Object.entries(TC_GETTERS)) {
      assert.deepEqual(tc[getter], json[key], `${label}: ${getter}`)
    }
    const vendors = new Set(json.vendor_consents.vendors)
    const li = new Set(json.vendor_legitimate_interests.vendors)
    const top = Math.max(json.vendor_consents.max_vendor_id, json.vendor_legitimate_interests.max_vendor_id) + 2
    for (let id = 0; id <= top; id++) {
      assert.equal(tc.vendorConsent(id), vendors.has(id), `${label}: vendorConsent(${id})`)
      assert.equal(tc.vendorLegitimateInterest(id), li.has(id), `${label}: vendorLegitimateInterest(${id})`)
    }
  },

  filter(policy, c, where) {
    const consent = Consent.fromCookie(c.consent)
    const got = policy.filterSetCookies(c.set_cookies, consent, c.now)
    assert.deepEqual(got.kept, c.kept, `${where}: kept`)
    assert.deepEqual(
      got.dropped.map((d) => ({ header: d.header, cookie: d.cookie, ...d.decision })),
      c.dropped.map((d) => ({ header: d.header, cookie: d.cookie, ...fromVector(d) })),
      `${where}: dropped`,
    )
  },

  respond(policy, c, where) {
    const got = policy.respond({
      cookie: c.cookie,
      secGpc: c.sec_gpc,
      handled: handledOf(c, where),
      setCookies: c.set_cookies,
      purge: c.purge,
      now: c.now,
    })
    assert.ok(got.consent instanceof Consent, `${where}: consent`)
    assert.equal(got.consent.problemAt(c.now), c.consent_problem, `${where}: consent_problem`)
    assert.equal(got.consent.gpc, c.gpc, `${where}: gpc`)
    if ('consent_source' in c) assert.deepEqual(got.consent.source, c.consent_source, `${where}: consent_source`)
    assert.deepEqual(got.setCookies, c.send, `${where}: send`)
    assert.deepEqual(droppedOf(got.dropped), expectedDropped(c), `${where}: dropped`)
    // The purged cookies' deletions are the ones sent after the kept values.
    const deletions = got.purged.flatMap((p) => p.headers)
    assert.deepEqual(deletions, c.send.slice(c.send.length - deletions.length), `${where}: purged`)
    respondCases.push({ policy, c, where })
    counts.responses++
  },

  purge(policy, c, where) {
    const consent = Consent.fromCookie(c.consent)
    const got = policy.purge(c.cookie_header, consent, c.now)
    assert.deepEqual(
      got.map((p) => ({ cookie: p.cookie, headers: p.headers })),
      c.purged.map((p) => ({ cookie: p.cookie, headers: p.headers })),
      `${where}: purged`,
    )
  },
}

/** What a `respond` case's handler did, as `policy.respond` takes it. */
function handledOf(c, where) {
  if (c.handled === 'unchanged' || c.handled === 'not_a_consent') return c.handled
  assert.equal(typeof c.handled?.replaced, 'string', `${where}: handled is unchanged, not_a_consent or {replaced}`)
  return Consent.fromCookie(c.handled.replaced)
}

function droppedOf(dropped) {
  return dropped.map((d) => ({ header: d.header, cookie: d.cookie, ...d.decision }))
}

function expectedDropped(c) {
  return c.dropped.map((d) => ({ header: d.header, cookie: d.cookie, ...fromVector(d) }))
}

for (const file of files) {
  const name = path.relative(vectorsDir, file)
  test(`vectors: ${name}`, () => {
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'))
    counts.files++
    if (doc.error !== undefined) {
      const text = doc.policy_toml ?? doc.policy_json
      assert.equal(typeof text, 'string', `${name}: a load-error file holds policy_toml or policy_json text`)
      const load = doc.policy_toml !== undefined ? Policy.fromToml : Policy.fromJson
      assert.throws(
        () => load(text),
        (e) => {
          assert.ok(e instanceof Error && !(e instanceof TypeError), `${name}: a plain Error`)
          assert.deepEqual(
            { code: e.code, field: e.field ?? null, line: e.line ?? null, column: e.column ?? null },
            { code: doc.error.code, field: doc.error.field, line: doc.error.line, column: doc.error.column },
            `${name}: ${e.message}`,
          )
          return true
        },
      )
      counts.loadErrors++
      return
    }
    const policy = loadPolicy(doc)
    assert.ok(Array.isArray(doc.cases) && doc.cases.length > 0, `${name}: no cases`)
    doc.cases.forEach((c, i) => {
      const runner = runners[c.kind]
      assert.ok(runner, `${name}: case ${i} has an unknown kind ${JSON.stringify(c.kind)}`)
      runner(policy, c, `${name} case ${i} (${c.description})`)
      counts.cases++
    })
  })
}

/**
 * The handler of a `respond` case: does what the case's handler did with the consent, then sets
 * the case's `Set-Cookie` values (in that order, so that `onDropped`, told as they are set, hears
 * of the values the judging consent drops), and answers what it saw of the consent.
 */
function handle(c, req, res) {
  const seen = { problem: req.consent.problemAt(c.now), gpc: req.consent.gpc }
  if (c.handled === 'not_a_consent') req.consent = 'not a consent'
  else if (c.handled !== 'unchanged') req.consent = Consent.fromCookie(c.handled.replaced)
  if (c.set_cookies.length > 0) res.setHeader('Set-Cookie', c.set_cookies)
  res.setHeader('Content-Type', 'application/json')
  res.seen = seen // for a request made in process (below)
  res.end(JSON.stringify(seen))
}

/** The middlewares of every case: `plain` (the one-call path) and `told` (with `onDropped`). */
function middlewaresOf(cases) {
  return cases.map(({ policy, c }) => {
    const told = []
    const options = { now: () => c.now, purge: c.purge }
    return {
      plain: middleware(policy, options),
      told: middleware(policy, { ...options, onDropped: (dropped) => told.push(...dropped) }),
      dropped: told,
    }
  })
}

/**
 * GET `/` with the case's `Cookie` fields and `Sec-GPC` values, each its own header line (written
 * on the socket: Node's client would join them), and reads the `Set-Cookie` lines and the body.
 */
function send(port, c, index, mode) {
  const lines = ['GET / HTTP/1.1', 'Host: 127.0.0.1', `X-Case: ${index}`, `X-Mode: ${mode}`, 'Connection: close']
  for (const field of c.cookie) lines.push(`Cookie: ${field}`)
  for (const value of c.sec_gpc) lines.push(`Sec-GPC: ${value}`)
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(`${lines.join('\r\n')}\r\n\r\n`))
    let text = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk) => (text += chunk))
    socket.on('error', reject)
    socket.on('end', () => {
      const at = text.indexOf('\r\n\r\n')
      const [status, ...headers] = text.slice(0, at).split('\r\n')
      if (!/^HTTP\/1\.1 200 /.test(status)) return reject(new Error(`the server answered ${status}`))
      const setCookies = headers.filter((h) => /^set-cookie:/i.test(h)).map((h) => h.slice(h.indexOf(':') + 1).trim())
      resolve({ setCookies, seen: JSON.parse(text.slice(at + 4)) })
    })
  })
}

/**
 * Whether the case's request can cross a real socket: Node's HTTP parser refuses a header value
 * with a control character (a NUL...), as a browser never sends one.
 */
function onTheWire(c) {
  return [...c.cookie, ...c.sec_gpc].every((v) => /^[\t\x20-\x7e]*$/.test(v))
}

class Discard extends Duplex {
  _read() {}
  _write(chunk, encoding, callback) {
    callback()
  }
}

/**
 * The same request made in process (Node's own request and response objects, no socket): its
 * `Cookie` fields joined with `; ` and `Sec-GPC` values with `, `, as Node's parser joins them.
 */
function sendInProcess(handler, c, index, mode) {
  const req = new http.IncomingMessage(new Discard())
  Object.assign(req, { method: 'GET', url: '/', httpVersionMajor: 1, httpVersionMinor: 1, httpVersion: '1.1' })
  req.headers = { host: '127.0.0.1', 'x-case': String(index), 'x-mode': mode }
  if (c.cookie.length > 0) req.headers.cookie = c.cookie.join('; ')
  if (c.sec_gpc.length > 0) req.headers['sec-gpc'] = c.sec_gpc.join(', ')
  const res = new http.ServerResponse(req)
  handler(req, res)
  assert.ok(res.writableEnded, 'the handler answered')
  const sent = res.getHeader('set-cookie')
  return { setCookies: sent === undefined ? [] : [].concat(sent), seen: res.seen }
}

async function listen(server) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return server.address().port
}

test('the respond vectors through the middleware, on a plain http server and on Express', async () => {
  assert.ok(respondCases.length > 0, 'no respond case was run')
  const mws = middlewaresOf(respondCases)
  const route = (req, res, next) => {
    const i = Number(req.headers['x-case'])
    mws[i][req.headers['x-mode']](req, res, next ?? (() => handle(respondCases[i].c, req, res)))
  }
  const app = express()
  app.use(route)
  app.use((req, res) => handle(respondCases[Number(req.headers['x-case'])].c, req, res))
  const handlers = { http: (req, res) => route(req, res), express: app }
  const servers = { http: http.createServer(handlers.http), express: http.createServer(handlers.express) }
  let inProcess = 0
  try {
    for (const [kind, server] of Object.entries(servers)) {
      const port = await listen(server)
      for (const [i, { c, where }] of respondCases.entries()) {
        for (const mode of ['plain', 'told']) {
          const wire = onTheWire(c)
          const label = `${where} through the middleware (${kind}, ${mode}${wire ? '' : ', in process'})`
          mws[i].dropped.length = 0
          if (!wire) inProcess++
          const { setCookies, seen } = wire ? await send(port, c, i, mode) : sendInProcess(handlers[kind], c, i, mode)
          assert.deepEqual(setCookies, c.send, `${label}: send`)
          if (mode === 'told') assert.deepEqual(droppedOf(mws[i].dropped), expectedDropped(c), `${label}: dropped`)
          // What the handler was given: the request's consent.
          const request = respondCases[i].policy.respond({ cookie: c.cookie, secGpc: c.sec_gpc, setCookies: [], now: c.now })
          assert.deepEqual(seen, { problem: request.consent.problemAt(c.now), gpc: request.consent.gpc }, `${label}: req.consent`)
          if (c.handled === 'unchanged') assert.deepEqual(seen, { problem: c.consent_problem, gpc: c.gpc }, `${label}: req.consent`)
        }
      }
    }
  } finally {
    for (const server of Object.values(servers)) server.close()
  }
  assert.ok(inProcess < respondCases.length * 4, 'most cases cross a real socket')
})

test('every file was run', () => {
  assert.equal(counts.files, files.length)
  assert.ok(counts.decisions > 0, 'no decision was checked')
  process.stdout.write(
    `# vectors: ${counts.files} files, ${counts.cases} cases, ${counts.decisions} decisions, ${counts.loadErrors} load errors, ${counts.tcStrings} TC strings, ${counts.responses} responses\n`,
  )
})
