// A stand-in for an analytics tag (as Google Analytics' gtag.js does): writes the `_ga` client id
// from JavaScript, on the site's parent domain, for 13 months. The page loads it marked
// (`type="text/plain" data-purpose="statistics"`): the browser guard starts it only once the
// visitor grants statistics. Its value starts with `GA1.1.` (the server's own `_ga` with `GA1.2.`),
// so that a test can tell who wrote the cookie in the jar.
'use strict'
;(function () {
  var host = window.location.hostname
  var labels = host.split('.')
  var domain = labels.length > 2 && !/^[0-9.]+$/.test(host) ? '; domain=' + labels.slice(1).join('.') : ''
  var id = Math.floor(Math.random() * 1e9) + '.' + Math.floor(Date.now() / 1000)
  document.cookie = '_ga=GA1.1.' + id + domain + '; path=/; max-age=' + 390 * 24 * 60 * 60 + '; SameSite=Lax'
})()
