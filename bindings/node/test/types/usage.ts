// A typed use of the package, compiled (not run) by test/generated.test.js with `tsc --noEmit`.
import * as http from 'node:http'
import { Policy, Consent, middleware, type Decision, type DecisionTable, type Purpose, type RespondAnswer } from '../../index.js'

const policy: Policy = Policy.fromToml('')
const other: Policy = Policy.load('policy.json')
const consent: Consent = new Consent({ statistics: 'granted' }, { revision: 1, at: 1700000000 })
const fromCookie: Consent = Consent.fromCookie('v=1&rev=1&at=1')
const d: Decision = policy.decide('_ga', consent, 1700000000)
const allowed: boolean = d.allowed
const rule: 'undeclared' | 'necessary' | 'third_party' | 'anonymous_statistics' | 'consent' = d.rule
const purpose: string | null = d.purpose
const many: Decision[] = policy.decideMany(['a', 'b'], fromCookie)
const table: DecisionTable = policy.decisionTable(consent)
const flag: boolean = table.allowed('_ga')
const { kept, dropped } = policy.filterSetCookies(['a=1'], consent)
const keptList: string[] = kept
const dropCookie: string | null = dropped[0].cookie
const purged: string[] = policy.purge('a=1', consent).flatMap((p) => p.headers)
const ask: string[] = policy.purposesToAsk(consent)
const page: string = policy.renderCharter({ lang: 'fr', format: 'html' })
const problem: string | null = fromCookie.problem
const cookie: string = consent.toCookie()
const purposes: Purpose[] = policy.purposes
const label: string | undefined = purposes[0].label.en
const description: Record<string, string> | null = purposes[0].description
const asks: boolean = purposes[0].needsConsent
const declared: string[] = purposes[0].cookies
const answer: RespondAnswer = policy.respond({ cookie: ['a=1', 'b=2'], secGpc: '1', handled: consent, setCookies: ['a=1'], now: 1 })
const sent: string[] = answer.setCookies
const judged: Consent = policy.respond({ handled: 'not_a_consent' }).consent
const mw = middleware(other, { now: () => 1, onDropped: (list) => list.length })
http.createServer((req, res) => mw(req, res, () => res.end()))
const guardAnswer: string = policy.guard(consent, { now: 1 })
const guardTags: string = policy.guardScriptTags(consent, { src: '/g.js', nonce: 'n' })
middleware(other, { guard: { src: '/g.js', nonce: (req, res) => (res.getHeader('x') === undefined ? req.url : null) } })

// @ts-expect-error: the format is `markdown` or `html`
policy.renderCharter({ format: 'pdf' })
// @ts-expect-error: a choice is `granted` or `denied`
new Consent({ statistics: true })
// @ts-expect-error: handled is 'unchanged', 'not_a_consent' or a Consent
policy.respond({ handled: 'replaced' })
// @ts-expect-error: the guard's tags need its URL
policy.guardScriptTags(consent, { nonce: 'n' })

export { allowed, rule, purpose, many, flag, keptList, dropCookie, purged, ask, page, problem, cookie, label, description, asks, declared, sent, judged, guardAnswer, guardTags }
