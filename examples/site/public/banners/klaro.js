'use strict'
// Klaro's configuration, read by Klaro (klaro-no-css.js from node_modules, served at
// /vendor/klaro/) when it loads: one service per purpose of the policy, named by the policy's
// consent source (`audience`, `advertising`), in cookie mode (the `klaro` cookie). The services list no
// cookies: the banner deletes none itself, the server's purge does.
;(function () {
  const { config, onSettings } = window.siteBanner
  const translations = { zz: { privacyPolicyUrl: '/charter?lang=en' }, en: { purposes: {} } }
  for (const p of config.purposes) {
    translations.en.purposes[p.id] = { title: p.label, description: p.description }
    translations.en[p.key] = { title: p.label, description: p.description }
  }
  window.klaroConfig = {
    version: 1,
    elementID: 'klaro',
    storageMethod: 'cookie',
    storageName: 'klaro',
    cookieExpiresAfterDays: 182,
    default: false,
    mustConsent: false,
    acceptAll: true,
    hideDeclineAll: false,
    hideLearnMore: false,
    noticeAsModal: false,
    lang: 'en',
    translations,
    services: config.purposes.map((p) => ({ name: p.key, title: p.label, purposes: [p.id], default: false })),
  }
  window.addEventListener('DOMContentLoaded', () => onSettings(() => window.klaro.show(undefined, true)))
})()
