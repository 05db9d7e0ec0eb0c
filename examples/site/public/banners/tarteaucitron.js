'use strict'
// tarteaucitron.js (from node_modules, served at /vendor/tarteaucitronjs/, which loads its
// language file, styles and services list from there): one service per purpose of the policy,
// named by the policy's consent source (`audience`, `advertising`), in cookie mode (the `tarteaucitron`
// cookie). The names are none of tarteaucitron.services.js's own (its `analytics` is Google
// Analytics). The services list no cookies and load nothing: the banner deletes no cookie
// itself, the server's purge does.
;(function () {
  const { config, onSettings } = window.siteBanner
  const types = { statistics: 'analytic', marketing: 'ads' }
  window.tarteaucitronForceLanguage = 'en'
  window.tarteaucitron.init({
    privacyUrl: '/charter?lang=en',
    cookieName: 'tarteaucitron',
    orientation: 'bottom',
    highPrivacy: true,
    DenyAllCta: true,
    AcceptAllCta: true,
    showAlertSmall: false,
    showIcon: false,
    removeCredit: true,
    moreInfoLink: false,
    mandatory: true,
    googleConsentMode: false,
    bingConsentMode: false,
    pianoConsentMode: false,
    useExternalCss: false,
  })
  for (const p of config.purposes) {
    window.tarteaucitron.services[p.key] = {
      key: p.key,
      type: types[p.id] ?? 'other',
      name: p.label,
      uri: '/charter?lang=en',
      needConsent: true,
      cookies: [],
      js() {},
      fallback() {},
    }
    ;(window.tarteaucitron.job = window.tarteaucitron.job || []).push(p.key)
  }
  // Its buttons answer clicks only once its `load` event ran (half a second after it shows): the
  // page says so, for the end-to-end test to wait on.
  window.tarteaucitron.events = window.tarteaucitron.events || {}
  window.tarteaucitron.events.load = () => {
    document.documentElement.dataset.bannerReady = 'true'
  }
  onSettings(() => window.tarteaucitron.userInterface.openPanel())
})()
