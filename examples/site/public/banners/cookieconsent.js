'use strict'
// vanilla-cookieconsent v3 (the UMD build from node_modules, served at /vendor/vanilla-cookieconsent/):
// one category per purpose of the policy, named by the policy's consent source (`audience`,
// `advertising`), in cookie mode (`cc_cookie`), revision 1 as in banners/cookieconsent.toml. The banner
// deletes no cookie itself: the server's purge does.
;(function () {
  const { config, onSettings } = window.siteBanner
  const categories = { necessary: { enabled: true, readOnly: true } }
  for (const p of config.purposes) categories[p.key] = {}
  window.CookieConsent.run({
    revision: 1,
    // The demo runs on http://: a `Secure` cookie (the default) would not be kept there.
    cookie: { name: 'cc_cookie', expiresAfterDays: 182, useLocalStorage: false, secure: location.protocol === 'https:' },
    // By default the banner hides from automated browsers (navigator.webdriver), the e2e test's.
    hideFromBots: false,
    guiOptions: { consentModal: { layout: 'box', equalWeightButtons: true }, preferencesModal: { equalWeightButtons: true } },
    categories,
    language: {
      default: 'en',
      translations: {
        en: {
          consentModal: {
            title: 'Cookies on this site',
            description: 'With your consent, we would also use statistics and advertising cookies. Refusing is as easy as accepting.',
            acceptAllBtn: 'Accept all',
            acceptNecessaryBtn: 'Reject all',
            showPreferencesBtn: 'Manage preferences',
          },
          preferencesModal: {
            title: 'Cookie settings',
            acceptAllBtn: 'Accept all',
            acceptNecessaryBtn: 'Reject all',
            savePreferencesBtn: 'Save preferences',
            closeIconLabel: 'Close',
            sections: [
              { title: 'Necessary cookies', description: 'Always on.', linkedCategory: 'necessary' },
              ...config.purposes.map((p) => ({ title: p.label, description: p.description, linkedCategory: p.key })),
            ],
          },
        },
      },
    },
  })
  onSettings(() => window.CookieConsent.showPreferences())
})()
