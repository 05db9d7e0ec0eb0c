// A stand-in for an advertising pixel (as Meta's fbevents.js does): writes the `_fbp` browser id
// from JavaScript, host-only, for 90 days. The page loads it unmarked, as the snippet is often
// pasted in a page: it runs for every visitor, and only the browser guard refuses its write when
// the visitor has not granted marketing. Its value starts with `fb.2.` (the server's own `_fbp`
// with `fb.1.`), so that a test can tell who wrote the cookie in the jar.
'use strict'
;(function () {
  var id = Date.now() + '.' + Math.floor(Math.random() * 1e9)
  document.cookie = '_fbp=fb.2.' + id + '; path=/; max-age=' + 90 * 24 * 60 * 60 + '; SameSite=Lax'
})()
