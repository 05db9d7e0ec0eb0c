'use strict'
// Shared by the end-to-end tests: Debian's Chromium (playwright-core never downloads a browser of
// its own) and its options, with *.localhost mapped to the loopback address.

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP *.localhost 127.0.0.1',
]

/** The options of `chromium.launch` / `launchPersistentContext`, plus `extra`. */
function launchOptions(extra = {}) {
  return { executablePath: CHROMIUM, headless: true, args: ARGS, ...extra }
}

module.exports = { CHROMIUM, ARGS, launchOptions }
