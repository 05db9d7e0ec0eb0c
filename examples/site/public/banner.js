// The consent banner: writes the consent cookie (`v=1&rev=<revision>&at=<unix seconds>&<purpose>=1|0`)
// and reloads the page, whose response then carries only the cookies the visitor allowed (and the
// deletions of those withdrawn). Without JavaScript the same form posts to /consent instead.
'use strict'
;(function () {
  var form = document.getElementById('consent-form')
  if (!form) return
  var asked = form.dataset.purposes.split(' ').filter(Boolean)
  var previous = {}
  try {
    previous = JSON.parse(form.dataset.choices || '{}')
  } catch (e) {
    previous = {}
  }

  form.addEventListener('submit', function (event) {
    var button = event.submitter
    var choice = button && button.value
    if (choice !== 'accept' && choice !== 'refuse' && choice !== 'custom') return // let the form post
    event.preventDefault()
    var choices = {}
    Object.keys(previous).forEach(function (purpose) {
      choices[purpose] = previous[purpose] === 'granted' ? '1' : '0'
    })
    asked.forEach(function (purpose) {
      var box = document.getElementById('purpose-' + purpose)
      var granted = choice === 'accept' || (choice === 'custom' && box !== null && box.checked)
      choices[purpose] = granted ? '1' : '0'
    })
    var value = 'v=1&rev=' + form.dataset.revision + '&at=' + Math.floor(Date.now() / 1000)
    Object.keys(choices).forEach(function (purpose) {
      value += '&' + purpose + '=' + choices[purpose]
    })
    document.cookie = form.dataset.cookie + '=' + value + '; Path=/; Max-Age=' + form.dataset.maxAge + '; SameSite=Lax'
    var back = form.elements.back ? form.elements.back.value : window.location.pathname
    window.location.assign(back)
  })
})()
