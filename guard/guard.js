/*! cookie-charter guard (spec §15) | MIT OR Apache-2.0 */
// Refuses the cookie writes of scripts that the visitor has not allowed, deletes the cookies a
// withdrawal refuses, and starts the scripts and frames marked with a purpose once it is granted.
//
// It holds no rule of its own: the server computes the answer (`Policy::guard`, `cookie-charter
// guard`) and embeds it in the page as <script type="application/json"
// id="cookie-charter-answer">; a name is matched against it exactly as the core matches names:
// the exact names first, then the first pattern that matches, in the order given. Load it as the
// first script of <head>, without async or defer.
;(function (win) {
  'use strict'
  if (win.cookieCharterGuard) return

  var doc = win.document
  var define = Object.defineProperty
  var own = Object.getOwnPropertyDescriptor
  var apply = Reflect.apply
  var CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/
  var SPACES = /^[ \t]+|[ \t]+$/g
  var DELIMITER = /[\x09\x20-\x2f\x3b-\x40\x5b-\x60\x7b-\x7e]/
  var MONTHS = 'janfebmaraprmayjunjulaugsepoctnovdec'

  // The answer in effect. Without a valid one every write is refused (deletions aside) and
  // nothing is started: the guard fails closed.
  var exact = new Map()
  var patterns = []
  var states = new Map()
  var domains = []
  var undeclared = false
  // The top document's own `cookie` accessors, kept for the guard's deletions.
  var nativeGet, nativeSet

  function load(answer) {
    exact = new Map()
    patterns = []
    states = new Map()
    domains = []
    undeclared = false
    var a = typeof answer === 'string' ? JSON.parse(answer) : answer
    if (!a || a.v !== 1) throw new TypeError('cookie-charter guard: not an answer of version 1')
    var e = new Map()
    var p = a.patterns.map(function (entry) {
      var name = entry[0]
      var star = name.indexOf('*')
      return [name.slice(0, star), name.slice(star + 1), entry]
    })
    var s = new Map(Object.entries(a.purposes))
    a.exact.forEach(function (entry) {
      e.set(entry[0], entry)
    })
    exact = e
    patterns = p
    states = s
    domains = a.domains.slice()
    undeclared = a.undeclared === true
  }

  // The declaration `name` matches: the exact name, else the first pattern whose prefix starts
  // the name and whose suffix ends the rest.
  function match(name) {
    var entry = exact.get(name)
    if (entry) return entry
    for (var i = 0; i < patterns.length; i++) {
      var p = patterns[i]
      if (name.length >= p[0].length + p[1].length && name.startsWith(p[0]) && name.endsWith(p[1])) {
        return p[2]
      }
    }
  }

  function decide(name) {
    var entry = match(name)
    return entry ? { allowed: entry[1] === true, purpose: entry[2] } : { allowed: undeclared, purpose: null }
  }

  function trim(text) {
    return text.replace(SPACES, '')
  }

  // RFC 6265 §5.1.1, as browsers read `Expires` (and as the core's `parse_cookie_date` does):
  // unix seconds, or undefined for a date to ignore.
  function cookieDate(text) {
    var time, day, month, year
    text.split(DELIMITER).forEach(function (token) {
      var m
      if (!token) return
      if (!time && (m = /^(\d\d?):(\d\d?):(\d\d?)(?!\d)/.exec(token))) time = m
      else if (day == null && (m = /^\d\d?(?!\d)/.exec(token))) day = +m[0]
      else if (month == null && token.length > 2 && (m = MONTHS.indexOf(token.slice(0, 3).toLowerCase())) % 3 == 0) month = m / 3
      else if (year == null && (m = /^\d{2,4}(?!\d)/.exec(token))) year = +m[0]
    })
    if (!time || day == null || month == null || year == null) return
    year += year < 70 ? 2000 : year < 100 ? 1900 : 0
    var at = Date.UTC(year, month, day, time[1], time[2], time[3])
    if (day > 0 && year > 1600 && time[1] < 24 && time[2] < 60 && time[3] < 60 && new Date(at).getUTCDate() == day) {
      return at / 1000
    }
  }

  // A `document.cookie` write whose value is empty (or "") and whose lifetime, read as browsers
  // read it (the last valid Max-Age, else the last valid Expires), is zero or less stores
  // nothing: it needs no consent, as in the server's filter.
  function isDeletion(value, attributes) {
    if (value !== '' && value !== '""') return false
    var maxAge, expires
    attributes.forEach(function (attribute) {
      var eq = attribute.indexOf('=')
      var key = trim(eq < 0 ? attribute : attribute.slice(0, eq)).toLowerCase()
      var v = eq < 0 ? '' : trim(attribute.slice(eq + 1))
      if (key == 'max-age' && /^-?\d+$/.test(v) && v.length <= 1024) maxAge = +v
      // A date with anything but ASCII is not taken for a deletion (fail closed).
      if (key == 'expires' && /^[\x20-\x7e\t]{0,1024}$/.test(v) && (v = cookieDate(v)) != null) expires = v
    })
    return maxAge != null ? maxAge <= 0 : expires != null && expires <= Math.floor(Date.now() / 1000)
  }

  // What a browser would store for `text`, written to `document.cookie` (RFC 6265bis §5.6), and
  // whether it may: null when the write passes, else the name refused ('' for a nameless cookie,
  // or for a write with a control character, which browsers ignore).
  function judge(text) {
    if (CONTROL.test(text)) return ''
    var parts = text.split(';')
    var pair = parts.shift()
    var eq = pair.indexOf('=')
    var name = eq < 0 ? '' : trim(pair.slice(0, eq))
    if (name && (decide(name).allowed || isDeletion(trim(pair.slice(eq + 1)), parts))) return null
    return name
  }

  function refuse(name, via) {
    var report = guard.onRefused
    if (typeof report == 'function') {
      try {
        report({ name: name, purpose: decide(name).purpose, via: via })
      } catch (e) {}
    }
  }

  // The deletions of a refused cookie: the same domain and path variants as the server's purge.
  function deletions(name) {
    var entry = match(name)
    var paths = entry && entry[3] ? [entry[3], '/'] : ['/']
    var prefix = name.slice(0, 9).toLowerCase()
    var secure = prefix == '__secure-' ? '; Secure' : ''
    var out = []
    if (prefix.slice(0, 7) == '__host-') return [name + '=; Max-Age=0; Path=/; Secure']
    ;[''].concat(domains).forEach(function (domain) {
      paths.forEach(function (path) {
        out.push(name + '=; Max-Age=0; Path=' + path + (domain && '; Domain=' + domain) + secure)
      })
    })
    return out
  }

  // Deletes the script-visible cookies the answer refuses.
  function purge() {
    var done = new Set()
    apply(nativeGet, doc, []).split(';').forEach(function (piece) {
      var eq = piece.indexOf('=')
      var name = trim(piece.slice(0, eq))
      if (eq < 0 || !name || done.has(name) || decide(name).allowed) return
      done.add(name)
      deletions(name).forEach(function (deletion) {
        apply(nativeSet, doc, [deletion])
      })
    })
  }

  function granted(purposes) {
    var ids = (purposes || '').split(/[ \t\n\f\r]+/).filter(Boolean)
    return (
      ids.length > 0 &&
      ids.every(function (id) {
        return states.get(id) === 'granted'
      })
    )
  }

  // The marked scripts to start, in document order, and whether one is loading: a script after
  // an external one waits for it, so that they run in the order written, as the parser runs them.
  var queue = []
  var queued = new WeakSet()
  var loading = false

  // Starts the scripts (type="text/plain") and frames (data-src) whose every purpose, in
  // data-purpose, is granted.
  function start() {
    var marked = doc.querySelectorAll('script[type="text/plain"][data-purpose],iframe[data-src][data-purpose]')
    for (var i = 0; i < marked.length; i++) {
      var old = marked[i]
      if (queued.has(old) || !granted(old.getAttribute('data-purpose'))) continue
      if (old.localName == 'iframe') {
        var src = old.getAttribute('data-src')
        old.removeAttribute('data-src')
        old.src = src
      } else {
        queued.add(old)
        queue.push(old)
      }
    }
    run()
  }

  function run() {
    while (!loading && queue.length) {
      var old = queue.shift()
      var script = doc.createElement('script')
      for (var j = 0; j < old.attributes.length; j++) {
        var attribute = old.attributes[j]
        if (attribute.name != 'type') script.setAttribute(attribute.name, attribute.value)
      }
      var type = old.getAttribute('data-type')
      if (type) script.type = type
      script.nonce = old.nonce
      script.text = old.text
      if (script.src && !old.hasAttribute('async')) {
        loading = true
        script.async = false
        script.addEventListener('load', next)
        script.addEventListener('error', next)
      }
      old.replaceWith(script)
    }
  }

  function next() {
    loading = false
    run()
  }

  function lock(target, key, descriptor) {
    descriptor.configurable = false
    define(target, key, descriptor)
  }

  var guarded = new WeakSet()

  // Wraps the cookie writers of the window `w` (this page, then each same-origin frame when a
  // script reaches it through contentWindow or contentDocument).
  function protect(w) {
    var proto
    try {
      proto = w.Document.prototype
    } catch (e) {
      return
    }
    if (guarded.has(proto)) return
    guarded.add(proto)
    // `cookie` is Document's (HTMLDocument inherits it).
    var d = own(proto, 'cookie')
    var set = d.set
    if (w === win) {
      nativeGet = d.get
      nativeSet = set
    }
    lock(proto, 'cookie', {
      enumerable: d.enumerable,
      get: d.get,
      set: function (value) {
        value = `${value}`
        var name = judge(value)
        if (name === null) apply(set, this, [value])
        else refuse(name, 'document.cookie')
      },
    })
    var store = w.CookieStore && w.CookieStore.prototype
    var storeSet = store && store.set
    if (storeSet) {
      lock(store, 'set', {
        value: function set(first, value) {
          // Each field read once, and the values decided on are the values passed on.
          var options = first === Object(first) && arguments.length < 2
          var name = `${options ? first.name : first}`
          if (options) {
            var init = {}
            ;['domain', 'expires', 'partitioned', 'path', 'sameSite', 'value'].forEach(function (key) {
              var v = first[key]
              if (v !== undefined) init[key] = v
            })
            value = init.value
            if (init.expires != null) init.expires = +init.expires
            init.name = name
          }
          value = `${value}`
          var deletion = options && value === '' && init.expires != null && init.expires <= Date.now()
          // A name the browser might store otherwise (trimmed, or cut) is refused.
          if (/^$|^[ \t]|[ \t]$|[\x00-\x1f\x7f;=]/.test(name) || !(decide(name).allowed || deletion)) {
            refuse(name, 'cookieStore')
            return Promise.resolve()
          }
          if (options) init.value = value
          // One argument that is not an object: the browser rejects it, as it should.
          return apply(storeSet, this, options ? [init] : arguments.length < 2 ? [name] : [name, value])
        },
      })
    }
    ;['contentWindow', 'contentDocument'].forEach(function (key) {
      ;[w.HTMLIFrameElement, w.HTMLObjectElement].forEach(function (type) {
        var d = type && own(type.prototype, key)
        if (!d || !d.get) return
        var get = d.get
        lock(type.prototype, key, {
          enumerable: d.enumerable,
          get: function () {
            var found = apply(get, this, [])
            if (found) protect(key == 'contentWindow' ? found : found.defaultView)
            return found
          },
        })
      })
    })
  }

  var guard = {
    onRefused: null,
    // Takes a new answer (an object, or its JSON), deletes the cookies it refuses and starts what
    // it grants. An answer that is not one refuses every write until the next, and throws.
    update: function (answer) {
      load(answer)
      purge()
      if (doc.readyState != 'loading') start()
    },
    // Whether the answer allows the cookie `name`, and its purpose (null when undeclared).
    decide: function (name) {
      return decide(`${name}`)
    },
    // The `document.cookie` writes the guard deletes `name` with.
    deletions: function (name) {
      return deletions(`${name}`)
    },
  }
  ;['update', 'decide', 'deletions'].forEach(function (key) {
    define(guard, key, { writable: false, configurable: false })
  })
  define(win, 'cookieCharterGuard', { value: guard, enumerable: true })

  try {
    protect(win)
  } catch (e) {
    console.error('cookie-charter guard: cannot wrap the cookie writers', e)
  }
  var element = doc.getElementById('cookie-charter-answer')
  try {
    load(element && element.textContent)
  } catch (e) {
    console.error('cookie-charter guard: no valid answer; every cookie write is refused', e)
  }

  function ready() {
    start()
    new MutationObserver(start).observe(doc, { childList: true, subtree: true })
  }
  if (doc.readyState == 'loading') doc.addEventListener('DOMContentLoaded', ready)
  else ready()
})(window)
