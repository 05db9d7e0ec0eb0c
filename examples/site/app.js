'use strict'
// The demo site: an Express app whose cookies are governed by its cookie charter (policy.toml).
//
// - cookie-charter's middleware reads the visitor's consent (`req.consent`), removes the
//   `Set-Cookie` headers the visitor has not consented to, and deletes the cookies whose consent
//   was withdrawn (every domain variant).
// - The pages set their cookies on the server, unconditionally: the middleware is what keeps the
//   statistics and marketing cookies out of the browser until the visitor agrees.
// - The banner asks only about `policy.purposesToAsk(consent)`, in the policy's words (each
//   purpose's label, description and cookies from `policy.purposes`), and posts the choice to the
//   consent endpoint of the records (`records`, a `ConsentEndpoint`, served by the middleware at
//   CONSENT_PATH): the endpoint records it (docs/records.md) and only then sets the consent cookie
//   (`v=1&rev=<revision>&at=<unix seconds>&<purpose>=1|0&_rid=<record id>`) and the deletions.
//   Without JavaScript the form posts to /consent, which hands the same choice to the endpoint
//   and redirects back.
// - /charter is the charter page generated from the same policy (`renderCharter`).
// - With `banner` (`node server.js --banner cookieconsent|klaro|tarteaucitron`), the site runs
//   behind that real banner instead of its own: served from node_modules, configured with the
//   policy's purposes, and read by the engine through the policy's consent source
//   (banners/<banner>.toml, appended to the policy).
// - Every page also loads two tag-like scripts that write `_ga` and `_fbp` from JavaScript
//   (public/tags/), which the server never sees: the browser guard (guard/guard.min.js), put
//   first in <head> by the middleware's `guard` option with the visitor's answer, refuses their
//   writes and starts the marked one only once its purpose is granted. `guard: false`
//   (`node server.js --no-guard`) serves the same pages without it.

const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')
const express = require('express')
const { Policy, Consent, ConsentEndpoint, middleware } = require('cookie-charter')

const DEFAULT_POLICY = path.join(__dirname, 'policy.toml')
const BANNER_POLICIES = path.join(__dirname, 'banners')
/** The browser guard's committed build, and where the pages load it from. */
const GUARD_FILE = path.join(__dirname, '..', '..', 'guard', 'guard.min.js')
const GUARD_SRC = '/static/cookie-charter-guard.min.js'
/** Where the middleware serves the consent endpoint, to which the site's banner posts. */
const CONSENT_PATH = '/.well-known/cookie-charter/consent'

/**
 * The real banners the site can run behind: the npm package (served at /vendor/<package>/ from
 * its `dir`), its styles and scripts, and whether its configuration must come before it. Each
 * banner's key for a purpose is `BANNER_KEYS[purpose]`, as in banners/<banner>.toml.
 */
const BANNERS = {
  cookieconsent: { package: 'vanilla-cookieconsent', dir: 'dist', styles: ['cookieconsent.css'], scripts: ['cookieconsent.umd.js'], configFirst: false },
  klaro: { package: 'klaro', dir: 'dist', styles: ['klaro.min.css'], scripts: ['klaro-no-css.js'], configFirst: true },
  tarteaucitron: { package: 'tarteaucitronjs', dir: '.', styles: [], scripts: ['tarteaucitron.js'], configFirst: false },
}
/** The banners' key (category or service name) for each purpose of the policy. */
const BANNER_KEYS = { statistics: 'audience', marketing: 'advertising' }
const DAY = 24 * 60 * 60

/** A usage error (bad option, unusable policy): the CLI prints its message, never a stack. */
class SiteError extends Error {
  constructor(message) {
    super(message)
    this.name = 'SiteError'
  }
}

/** The text of a policy file, with `banner`'s consent source appended and `bump`'s purpose bumped. */
function policyText(file = DEFAULT_POLICY, { bump, banner } = {}) {
  let text
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw new SiteError(`cannot read the policy file ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`)
  }
  if (banner !== undefined) {
    if (!Object.hasOwn(BANNERS, banner)) {
      throw new SiteError(`--banner must be one of ${Object.keys(BANNERS).join(', ')}, not ${JSON.stringify(banner)}`)
    }
    if (file.endsWith('.json')) throw new SiteError('--banner works on TOML policy files only')
    // The banner's consent source and its cookie, appended: `[[site.consent_sources]]` and
    // `[[cookies]]` may follow the other tables.
    text = `${text}\n${fs.readFileSync(path.join(BANNER_POLICIES, `${banner}.toml`), 'utf8')}`
  }
  if (bump !== undefined) text = bumpPurposeRevision(text, bump, file)
  return text
}

/** Reads and checks a policy file; with `bump`, the policy with that purpose's revision bumped. */
function loadPolicy(file = DEFAULT_POLICY, { bump, banner } = {}) {
  const text = policyText(file, { bump, banner })
  try {
    return file.endsWith('.json') ? Policy.fromJson(text) : Policy.fromToml(text)
  } catch (error) {
    const where = error.line ? `:${error.line}:${error.column ?? 1}` : ''
    throw new SiteError(`invalid policy ${file}${where}: ${error.message}`)
  }
}

const TABLE = /^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]\s*(#.*)?$/
const REVISION = /^(\s*revision\s*=\s*)(\d+)(\s*(#.*)?)$/

/**
 * The TOML text of a policy whose purpose `purpose` changed: the site revision goes from N to
 * N + 1, `purpose` gets revision N + 1, and every other `[purposes.*]` table without a revision
 * keeps N, so that consents given for N stay valid for them (spec §5: staleness per purpose).
 * Checked afterwards: a consent granted for everything at N must be asked about `purpose` only.
 */
function bumpPurposeRevision(text, purpose, file = 'the policy') {
  if (typeof purpose !== 'string' || !/^[a-z][a-z0-9_-]{0,31}$/.test(purpose)) {
    throw new SiteError(`--bump needs a purpose id such as "marketing", not ${JSON.stringify(purpose)}`)
  }
  if (purpose === 'necessary') throw new SiteError('--bump: the necessary purpose is never asked about')
  if (file.endsWith('.json')) throw new SiteError('--bump works on TOML policy files only')
  const lines = text.split('\n')
  const tables = [] // { name, line } for each [table] header
  lines.forEach((line, i) => {
    const m = TABLE.exec(line)
    if (m) tables.push({ name: m[1], line: i })
  })
  const body = (table) => {
    const next = tables.find((t) => t.line > table.line)
    return { from: table.line + 1, to: next ? next.line : lines.length }
  }
  const revisionLine = (table) => {
    const { from, to } = body(table)
    for (let i = from; i < to; i++) if (REVISION.test(lines[i])) return i
    return -1
  }
  const site = tables.find((t) => t.name === 'site')
  if (!site) throw new SiteError(`--bump: ${file} has no [site] table`)
  const target = tables.find((t) => t.name === `purposes.${purpose}`)
  if (!target) throw new SiteError(`--bump: ${file} has no [purposes.${purpose}] table`)

  const siteLine = revisionLine(site)
  const old = siteLine === -1 ? 1 : Number(REVISION.exec(lines[siteLine])[2])
  const bumped = old + 1
  // Edits from the bottom up, so that the line numbers found above stay right.
  const edits = [] // [line, replace?, text]
  if (siteLine === -1) edits.push([site.line + 1, false, `revision = ${bumped}`])
  else edits.push([siteLine, true, lines[siteLine].replace(REVISION, `$1${bumped}$3`)])
  for (const table of tables) {
    if (!table.name.startsWith('purposes.') || table.name === 'purposes.necessary') continue
    const at = revisionLine(table)
    if (table === target) {
      if (at === -1) edits.push([table.line + 1, false, `revision = ${bumped}`])
      else edits.push([at, true, lines[at].replace(REVISION, `$1${bumped}$3`)])
    } else if (at === -1) {
      edits.push([table.line + 1, false, `revision = ${old}`])
    }
  }
  edits.sort((a, b) => b[0] - a[0])
  for (const [line, replace, newText] of edits) lines.splice(line, replace ? 1 : 0, newText)
  const result = lines.join('\n')

  // The check: which purposes would a visitor who granted everything at `old` be asked about?
  let policy
  try {
    policy = Policy.fromToml(result)
  } catch (error) {
    const where = error.line ? ` (line ${error.line} of the bumped text)` : ''
    throw new SiteError(`--bump ${purpose}: the bumped policy is invalid${where}: ${error.message}`)
  }
  const everything = {}
  for (const { id } of policy.purposes) if (id !== 'necessary') everything[id] = 'granted'
  const asked = policy.purposesToAsk(new Consent(everything, { revision: old }))
  if (asked.length !== 1 || asked[0] !== purpose) {
    const detail = asked.length === 0
      ? `${purpose} has no cookie that needs consent`
      : `the banner would ask about ${asked.join(', ')}`
    throw new SiteError(`--bump ${purpose}: cannot re-ask ${purpose} alone: ${detail}`)
  }
  return result
}

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c])
}

/** The parent domain of the site host on which analytics put their cookies (as GA does). */
function sharedCookieDomain(host) {
  const labels = host.split('.')
  if (labels.length < 3 || /^[0-9.]+$/.test(host) || host.includes(':')) return null
  return labels.slice(1).join('.')
}

/** Whether the request's host is `domain` or below it (a cookie for `domain` would be stored). */
function hostWithin(req, domain) {
  const host = String(req.hostname || '').toLowerCase()
  return host === domain || host.endsWith(`.${domain}`)
}

/**
 * The Express app. `policy`: a loaded Policy. Options: `now` (unix-seconds clock for the
 * middleware), `log` (a function for one-line logs, default none), `name` (the site's name),
 * `banner` (a real banner's name), `guard` (default true: the browser guard first in every page),
 * `records` (the `ConsentEndpoint` the site's own banner posts to; required without `banner`).
 */
function createApp(policy, options = {}) {
  if (!(policy instanceof Policy)) throw new SiteError('createApp needs a Policy (from loadPolicy)')
  const log = options.log ?? (() => {})
  const name = options.name ?? 'EPN Agglo — open data (demo)'
  const site = policy.site
  const cookieDomain = sharedCookieDomain(site.host)
  const askable = policy.purposesToAsk(Consent.fromCookie(null)) // purposes a banner can ask
  const lang = 'en' // the pages' language
  // The banner's words come from the policy: each purpose's label and description in the pages'
  // language (or the policy's first), and the cookies it declares.
  const purposeTexts = new Map(
    policy.purposes.map((p) => [
      p.id,
      {
        label: p.label[lang] ?? p.label[site.languages[0]] ?? p.id,
        help: p.description?.[lang] ?? p.description?.[site.languages[0]] ?? '',
        cookies: p.cookies,
      },
    ]),
  )
  const banner = options.banner === undefined ? null : BANNERS[options.banner]
  if (options.banner !== undefined && !banner) throw new SiteError(`unknown banner ${JSON.stringify(options.banner)}`)
  const vendor = banner && `/vendor/${banner.package}`
  // What the real banner's configuration reads: the policy's purposes, in its words, with the
  // banner's key for each.
  const bannerConfig = banner && {
    purposes: askable.map((id) => ({ id, label: purposeTexts.get(id).label, description: purposeTexts.get(id).help, cookies: purposeTexts.get(id).cookies, key: BANNER_KEYS[id] })),
  }

  const records = banner ? undefined : options.records
  if (!banner && !(records instanceof ConsentEndpoint)) {
    throw new SiteError('createApp needs `records` (a ConsentEndpoint) for the site\'s own banner')
  }
  const guard = options.guard ?? true
  const app = express()
  app.disable('x-powered-by')
  // One log line per choice posted to the endpoint (the middleware answers it: the app never sees it).
  if (records) app.use((req, res, next) => {
    if (req.path === CONSENT_PATH) res.on('finish', () => log(`consent ${req.method} ${res.statusCode}`))
    next()
  })
  app.use(
    middleware(policy, {
      ...(options.now ? { now: options.now } : {}),
      // The guard's answer for the visitor and the guard's tag, right after <head> in every page.
      ...(guard ? { guard: { src: GUARD_SRC } } : {}),
      // The site's banner posts the visitor's choice here: recorded, then answered with the cookie.
      ...(records ? { records, consentPath: CONSENT_PATH } : {}),
      onDropped(dropped, req) {
        req.withheld = (req.withheld ?? []).concat(dropped.map((d) => d.cookie ?? '(unnamed)'))
      },
    }),
  )
  app.use((req, res, next) => {
    // The real banners write inline styles (style attributes and elements): allowed for them only.
    const styles = banner ? "'self' 'unsafe-inline'" : "'self'"
    res.setHeader('Content-Security-Policy', `default-src 'self'; script-src 'self'; style-src ${styles}; base-uri 'none'; form-action 'self'`)
    res.setHeader('X-Content-Type-Options', 'nosniff')
    res.setHeader('Cache-Control', 'no-store')
    next()
  })
  if (guard) app.get(GUARD_SRC, (req, res) => res.type('js').sendFile(GUARD_FILE))
  app.use('/static', express.static(path.join(__dirname, 'public'), { index: false }))
  if (banner) {
    // The banner's own files, from node_modules: no CDN.
    const root = path.join(path.dirname(require.resolve(`${banner.package}/package.json`)), banner.dir)
    app.use(vendor, express.static(root, { index: false }))
  }

  /** What every page sets on the server: necessary cookies, and the analytics and ad cookies. */
  function setPageCookies(req, res) {
    const held = cookieNames(req.headers.cookie)
    if (!held.has('sessionid')) {
      res.cookie('sessionid', crypto.randomBytes(16).toString('hex'), { httpOnly: true, sameSite: 'lax', path: '/', maxAge: 14 * DAY * 1000 })
    }
    if (!held.has('csrftoken')) {
      res.cookie('csrftoken', crypto.randomBytes(16).toString('hex'), { sameSite: 'lax', path: '/', maxAge: 365 * DAY * 1000 })
    }
    // Statistics: set on the parent domain, as Google Analytics does; the middleware drops it
    // unless the visitor consented to statistics.
    const gaValue = `GA1.2.${crypto.randomInt(1e9)}.${Math.floor(Date.now() / 1000)}`
    const shared = cookieDomain && hostWithin(req, cookieDomain) ? { domain: cookieDomain } : {}
    res.cookie('_ga', gaValue, { path: '/', sameSite: 'lax', maxAge: 390 * DAY * 1000, ...shared })
    // Marketing: a first-party pixel cookie; dropped unless the visitor consented to marketing.
    res.cookie('_fbp', `fb.1.${Date.now()}.${crypto.randomInt(1e9)}`, { path: '/', sameSite: 'lax', maxAge: 90 * DAY * 1000 })
  }

  /** The real banner's scripts: the shared glue, its configuration and the banner, in order. */
  function realBannerScripts() {
    if (!banner) return ''
    const json = JSON.stringify(bannerConfig).replace(/</g, '\\u003c')
    const own = `<script src="/static/banners/${options.banner}.js"></script>`
    const lib = banner.scripts.map((f) => `<script src="${vendor}/${f}"></script>`).join('\n')
    return `<script type="application/json" id="banner-config">${json}</script>
<script src="/static/banners/common.js"></script>
${banner.configFirst ? `${own}\n${lib}` : `${lib}\n${own}`}`
  }

  function page(req, res, { title, main, banner: ownBanner }) {
    const consent = req.consent
    res.type('html').send(`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — ${escapeHtml(name)}</title>
<link rel="stylesheet" href="/static/site.css">
${banner ? banner.styles.map((f) => `<link rel="stylesheet" href="${vendor}/${f}">`).join('\n') : ''}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
${ownBanner ?? ''}
<header><p class="brand"><a href="/">${escapeHtml(name)}</a></p></header>
<main id="main">
${main}
</main>
<footer>
<nav aria-label="Cookies">
<a href="/charter">Charte cookies (français)</a> · <a href="/charter?lang=en">Cookie charter (English)</a> · <a href="/settings">Cookie settings</a>
</nav>
<p class="consent-status" data-revision="${consent.revision}">Your consent: ${escapeHtml(describeConsent(policy, consent))}</p>
</footer>
${ownBanner ? '<script src="/static/banner.js"></script>' : realBannerScripts()}
<script type="text/plain" data-purpose="statistics" src="/static/tags/analytics.js"></script>
<script src="/static/tags/pixel.js"></script>
</body>
</html>`)
  }

  /** The banner (or the settings form) for `purposes`; `prefill`: check the granted ones. */
  function bannerHtml(req, purposes, { settings = false } = {}) {
    const choices = req.consent.choices
    const items = purposes
      .map((p) => {
        const text = purposeTexts.get(p) ?? { label: p, help: '', cookies: [] }
        const checked = settings && choices[p] === 'granted' ? ' checked' : ''
        const cookies = text.cookies.length === 0 ? '' : ` <span class="cookies">Cookies: ${text.cookies.map((c) => `<code>${escapeHtml(c)}</code>`).join(', ')}.</span>`
        return `<li>
<input type="checkbox" id="purpose-${escapeHtml(p)}" name="purpose" value="${escapeHtml(p)}"${checked} aria-describedby="purpose-${escapeHtml(p)}-help">
<label for="purpose-${escapeHtml(p)}">${escapeHtml(text.label)}</label>
<p id="purpose-${escapeHtml(p)}-help" class="help"><span class="description">${escapeHtml(text.help)}</span>${cookies}</p>
</li>`
      })
      .join('\n')
    const heading = settings ? 'Cookie settings' : 'Cookies on this site'
    const intro = settings
      ? 'Change your choices at any time. Withdrawing consent deletes the cookies concerned.'
      : 'Cookies that the site needs to work are always on. With your consent, we would also use the cookies below. Refusing is as easy as accepting, and you can change your mind at any time under “Cookie settings”.'
    return `<section id="cookie-banner" class="banner${settings ? ' settings' : ''}" aria-labelledby="cookie-banner-title">
<form id="consent-form" method="post" action="/consent"
 data-endpoint="${CONSENT_PATH}" data-method="${settings ? 'settings' : 'banner'}" data-lang="${lang}"
 data-purposes="${escapeHtml(purposes.join(' '))}" data-choices="${escapeHtml(JSON.stringify(choices))}">
<h2 id="cookie-banner-title">${heading}</h2>
<p>${intro} <a href="/charter">Read our cookie charter</a>.</p>
<input type="hidden" name="asked" value="${escapeHtml(purposes.join(' '))}">
<input type="hidden" name="back" value="${settings ? '/settings' : escapeHtml(req.path)}">
<fieldset>
<legend>Choose per purpose</legend>
<ul class="purposes">
${items}
</ul>
</fieldset>
<div class="actions">
<button type="submit" name="choice" value="accept">Accept all</button>
<button type="submit" name="choice" value="refuse">Refuse all</button>
<button type="submit" name="choice" value="custom">Save my choices</button>
</div>
</form>
</section>`
  }

  function withheldHtml(req) {
    const withheld = [...new Set(req.withheld ?? [])]
    // What the middleware deletes on this response (it calls the same `purge` when it sends it).
    const purged = policy.purge(req.headers.cookie ?? null, req.consent).map((p) => p.cookie)
    const deleted = purged.length === 0
      ? ''
      : `\n<p id="purged">Deleted from your browser, consent withdrawn or never given: ${purged.map((n) => `<code>${escapeHtml(n)}</code>`).join(', ')}.</p>`
    return (withheld.length === 0
      ? '<p id="withheld">This page set all its cookies: you consented to each of them, or they are necessary.</p>'
      : `<p id="withheld">This page tried to set ${withheld.map((n) => `<code>${escapeHtml(n)}</code>`).join(', ')}; cookie-charter withheld ${withheld.length === 1 ? 'it' : 'them'} because you have not consented.</p>`) + deleted
  }

  function renderPage(req, res, title, intro) {
    setPageCookies(req, res)
    const ask = banner ? [] : policy.purposesToAsk(req.consent) // a real banner asks by itself
    page(req, res, {
      title,
      banner: ask.length > 0 ? bannerHtml(req, ask) : '',
      main: `<h1>${escapeHtml(title)}</h1>
${intro}
${withheldHtml(req)}`,
    })
  }

  app.get('/', (req, res) => {
    renderPage(req, res, 'Open data of EPN Agglo', `<p>A demonstration portal: its cookie charter is <a href="/charter">executable</a>. Every page sets a session cookie, a CSRF token, a statistics cookie and an advertising cookie on the server; the cookie-charter middleware lets through only what you allowed.</p>
<p><a href="/datasets">Browse the datasets</a></p>`)
  })

  app.get('/datasets', (req, res) => {
    renderPage(req, res, 'Datasets', '<ul><li>Bus stops</li><li>Cycle paths</li><li>Library opening hours</li></ul>')
  })

  app.get('/settings', (req, res) => {
    setPageCookies(req, res)
    page(req, res, {
      title: 'Cookie settings',
      banner: banner ? '' : bannerHtml(req, askable, { settings: true }),
      main: banner
        ? `<h1>Cookie settings</h1>
<p>Necessary cookies cannot be turned off. Your choices for the other purposes are kept by the consent banner.</p>
<p><button type="button" id="open-cookie-settings" data-open-cookie-settings hidden>Change my choices</button></p>
${withheldHtml(req)}`
        : `<h1>Cookie settings</h1>
<p>Necessary cookies cannot be turned off. The other purposes are listed in the form above.</p>
${withheldHtml(req)}`,
    })
  })

  // The site's own banner's form without JavaScript: the same choice as the script's, handed to
  // the consent endpoint (recorded, then the cookie and the deletions), then back to the page.
  // Behind a real banner, the banner writes its own cookie.
  if (records) app.post('/consent', express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 50 }), async (req, res, next) => {
    const body = req.body ?? {}
    const choice = typeof body.choice === 'string' ? body.choice : ''
    if (!['accept', 'refuse', 'custom'].includes(choice)) {
      return res.status(400).type('text').send('Bad request: choice must be accept, refuse or custom\n')
    }
    const asked = typeof body.asked === 'string' ? body.asked.split(' ').filter(Boolean) : []
    const unknown = asked.filter((p) => !askable.includes(p))
    if (asked.length === 0 || unknown.length > 0) {
      return res.status(400).type('text').send(`Bad request: asked must list purposes among ${askable.join(', ')}\n`)
    }
    const ticked = [].concat(body.purpose ?? []).filter((p) => typeof p === 'string')
    const back = typeof body.back === 'string' && /^\/[A-Za-z0-9/_-]*$/.test(body.back) ? body.back : '/'
    // The earlier choices are sent again, so that only what was asked changes.
    const form = new URLSearchParams()
    for (const [p, state] of Object.entries(req.consent.choices)) {
      if (askable.includes(p) && !asked.includes(p)) form.set(p, state === 'granted' ? '1' : '0')
    }
    for (const p of asked) form.set(p, choice === 'accept' || (choice === 'custom' && ticked.includes(p)) ? '1' : '0')
    form.set('method', back === '/settings' ? 'settings' : 'banner')
    form.set('lang', lang)
    // The request's own headers (its `Origin`, `Sec-Fetch-Site` and consent cookie), with the body's type.
    const headers = []
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      if (!/^content-(type|length)$/i.test(req.rawHeaders[i])) headers.push(req.rawHeaders[i], req.rawHeaders[i + 1])
    }
    headers.push('Content-Type', 'application/x-www-form-urlencoded')
    let reply
    try {
      reply = await records.handle('POST', headers, form.toString())
    } catch (error) {
      return next(error)
    }
    const answer = JSON.parse(reply.body)
    if (reply.status !== 200) {
      return res.status(reply.status).type('text').send(`Your choice was not saved (${answer.error}): ${answer.message}\n`)
    }
    // The consent cookie, from the endpoint's answer; the deletions are the middleware's, which
    // judges this response with the new consent (the same as the endpoint's).
    const prefix = `${site.consentCookie}=`
    for (let i = 0; i + 1 < reply.headers.length; i += 2) {
      if (reply.headers[i].toLowerCase() === 'set-cookie' && reply.headers[i + 1].startsWith(prefix)) res.append('Set-Cookie', reply.headers[i + 1])
    }
    req.consent = Consent.fromCookie(answer.consent)
    log(`consent ${answer.consent}`)
    res.redirect(303, back)
  })

  app.get('/charter', (req, res) => {
    const lang = typeof req.query.lang === 'string' ? req.query.lang : site.languages[0]
    if (!site.languages.includes(lang)) {
      return res.status(400).type('text').send(`Unknown language ${JSON.stringify(lang)}: this charter exists in ${site.languages.join(', ')}\n`)
    }
    const charter = policy.renderCharter({ lang, format: 'html' })
    page(req, res, { title: lang === 'fr' ? 'Charte cookies' : 'Cookie charter', main: charter })
  })

  app.use((req, res) => {
    res.status(404).type('text').send('Not found\n')
  })
  // Errors (a malformed request body...) answer 400/500 with a short text, never a stack trace.
  app.use((error, req, res, _next) => {
    const status = Number.isInteger(error.status) && error.status >= 400 && error.status < 600 ? error.status : 500
    if (status >= 500) log(`error ${req.method} ${req.path}: ${error.message}`)
    res.status(status).type('text').send(status >= 500 ? 'Internal error\n' : `Bad request: ${error.message}\n`)
  })
  return app
}


function describeConsent(policy, consent) {
  const choices = consent.choices
  const parts = policy.purposes
    .filter((p) => p.id !== 'necessary')
    .map((p) => `${p.id} ${policy.consentState(p.id, consent) ?? 'unset'}`)
  return consent.problem && consent.problem !== 'absent'
    ? `none (the consent cookie was unusable: ${consent.problem})`
    : Object.keys(choices).length === 0 && consent.problem === 'absent'
      ? 'not given yet'
      : `given for revision ${consent.revision}: ${parts.join(', ')}`
}

/** The cookie names of a `Cookie` request header (for "already has a session"). */
function cookieNames(header) {
  const names = new Set()
  if (typeof header !== 'string') return names
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=')
    const name = (eq === -1 ? '' : pair.slice(0, eq)).trim()
    if (name) names.add(name)
  }
  return names
}

module.exports = { createApp, loadPolicy, policyText, bumpPurposeRevision, SiteError, DEFAULT_POLICY, BANNERS, BANNER_KEYS, GUARD_SRC, CONSENT_PATH }
