// A typed use of the signals API, compiled (not run) by test/signals.test.js with `tsc --noEmit`.
import * as http from 'node:http'
import {
  Policy,
  Consent,
  TcString,
  gpcEnabled,
  SIGNALS,
  type ConsentModeState,
  type ConsentModeSignal,
  type ConsentStateId,
  type TcStringJson,
  type TcStringError,
} from '../../index.js'

const policy: Policy = Policy.fromToml('')
const consent: Consent = new Consent({ statistics: 'granted' }, { revision: 1, at: 1700000000, gpc: true })
const withSignal: Consent = Consent.fromCookie(null).withGpc(true)
const gpc: boolean = withSignal.gpc
const state: ConsentStateId | null = policy.decide('_ga', consent).consentState
const denied: ConsentStateId = 'gpc_denied'
const mode: ConsentModeState = policy.consentMode(consent, 1700000000)
const ad: 'granted' | 'denied' = mode.ad_storage
const signals: readonly ConsentModeSignal[] = SIGNALS
const snippet: string = policy.gtagConsent(consent, { command: 'update', now: 1700000000 })
const byDefault: string = policy.gtagConsent(consent)
http.createServer((req, res) => {
  const fromHeader: boolean = gpcEnabled(req.headers['sec-gpc']) || gpcEnabled(req.headersDistinct['sec-gpc'])
  res.end(String(fromHeader))
})
const tc: TcString = TcString.decode('CQSbk4AQSbk4ANwAAAENAwCgAAAAAAAAAAYgACPAAAAA')
const purposes: number[] = tc.purposeConsents
const updated: number = tc.lastUpdated
const language: string = tc.consentLanguage
const vendor: boolean = tc.vendorConsent(1) && tc.vendorLegitimateInterest(2)
const json: TcStringJson = tc.toJSON()
const restricted: number[] = json.publisher_restrictions.flatMap((r) => r.vendors)
const fromTc: Consent = policy.consentFromTcString(tc.toJSON().version === 2 ? 'CQSbk4AQ' : tc)
try {
  TcString.decode('')
} catch (e) {
  const error = e as TcStringError
  const where: [string, number, string | null, number] = [error.reason, error.segment, error.field, error.bit]
}

// @ts-expect-error: the command is `default` or `update`
policy.gtagConsent(consent, { command: 'replace' })
// @ts-expect-error: gpc is a boolean
consent.withGpc('1')
