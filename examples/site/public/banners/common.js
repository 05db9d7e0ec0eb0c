'use strict'
// Shared by the banners' configurations: what the page tells them (the policy's purposes, in its
// own words, and the banner's key for each), and the "Cookie settings" buttons of the page.
window.siteBanner = {
  /** `{ purposes: [{ id, label, description, cookies, key }] }`, from the page's JSON block. */
  config: JSON.parse(document.getElementById('banner-config').textContent),
  /** Calls `open` when a `[data-open-cookie-settings]` button of the page is clicked. */
  onSettings(open) {
    for (const button of document.querySelectorAll('[data-open-cookie-settings]')) {
      button.hidden = false
      button.addEventListener('click', (event) => {
        event.preventDefault()
        open()
      })
    }
  },
}
