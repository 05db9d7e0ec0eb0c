// The consent banner: posts the visitor's choice to the site's consent endpoint (`data-endpoint`,
// docs/records.md), which records it and only then answers with the consent cookie (carrying the
// record's id, `_rid`) and the deletions of the cookies withdrawn; then reloads the page, whose
// response carries only the cookies the visitor allowed, and the browser guard its new answer.
// Without JavaScript the same form posts to /consent, which hands the choice to the endpoint.
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

  function showError(text) {
    var note = document.getElementById('consent-error')
    if (!note) {
      note = document.createElement('p')
      note.id = 'consent-error'
      note.setAttribute('role', 'alert')
      form.appendChild(note)
    }
    note.textContent = text
  }

  form.addEventListener('submit', function (event) {
    var button = event.submitter
    var choice = button && button.value
    if (choice !== 'accept' && choice !== 'refuse' && choice !== 'custom') return // let the form post
    event.preventDefault()
    // Every purpose chosen before is sent again, so that only what was asked changes.
    var body = new URLSearchParams()
    Object.keys(previous).forEach(function (purpose) {
      if (asked.indexOf(purpose) === -1) body.set(purpose, previous[purpose] === 'granted' ? '1' : '0')
    })
    asked.forEach(function (purpose) {
      var box = document.getElementById('purpose-' + purpose)
      var granted = choice === 'accept' || (choice === 'custom' && box !== null && box.checked)
      body.set(purpose, granted ? '1' : '0')
    })
    body.set('method', form.dataset.method || 'banner')
    body.set('lang', form.dataset.lang || document.documentElement.lang)
    var back = form.elements.back ? form.elements.back.value : window.location.pathname
    fetch(form.dataset.endpoint, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    })
      .then(function (response) {
        return response.json().then(function (answer) {
          if (!response.ok) throw new Error(answer.message || 'status ' + response.status)
          window.location.assign(back)
        })
      })
      .catch(function (error) {
        showError('Your choice could not be saved, please try again: ' + error.message)
      })
  })
})()
