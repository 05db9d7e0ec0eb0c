/* Hand-written: the types of what `index.js` adds to the native classes. `npm run build` puts this
   file at the top of the generated `index.d.ts`, before the types napi-rs writes from src/. */
/* eslint-disable */

import type { IncomingMessage, ServerResponse } from 'node:http'

/** The id of the rule of the charter that decided (spec §3). */
export type RuleId = 'undeclared' | 'necessary' | 'third_party' | 'anonymous_statistics' | 'consent'
/** The visitor's state for one purpose. */
export type ConsentStateId = 'granted' | 'denied' | 'unset' | 'expired' | 'stale' | 'gpc_denied'

/** A Google Consent Mode v2 signal, as `gtag` spells it. */
export type ConsentModeSignal =
  | 'ad_storage'
  | 'ad_user_data'
  | 'ad_personalization'
  | 'analytics_storage'
  | 'functionality_storage'
  | 'personalization_storage'
  | 'security_storage'

/** The Google Consent Mode v2 state of the seven signals (`policy.consentMode`). */
export type ConsentModeState = Record<ConsentModeSignal, 'granted' | 'denied'>

/** The options of `gtagConsent`: the command (default `'default'`) and the time (default: now). */
export interface GtagOptions {
  command?: 'default' | 'update'
  now?: number | null
}

/** A vendor set of the canonical JSON of a TC string. */
export interface TcVendorSetJson {
  max_vendor_id: number
  encoding: 'bitfield' | 'range'
  vendors: number[]
}

/** The canonical JSON of a decoded TC string (`tcString.toJSON()`), the same in every language. */
export interface TcStringJson {
  version: number
  created: number
  last_updated: number
  cmp_id: number
  cmp_version: number
  consent_screen: number
  consent_language: string
  vendor_list_version: number
  policy_version: number
  is_service_specific: boolean
  use_non_standard_texts: boolean
  special_feature_opt_ins: number[]
  purpose_consents: number[]
  purpose_legitimate_interests: number[]
  purpose_one_treatment: boolean
  publisher_country_code: string
  vendor_consents: TcVendorSetJson
  vendor_legitimate_interests: TcVendorSetJson
  publisher_restrictions: {
    purpose: number
    restriction_type: 'not_allowed' | 'require_consent' | 'require_legitimate_interest'
    vendors: number[]
  }[]
  disclosed_vendors: TcVendorSetJson | null
  allowed_vendors: TcVendorSetJson | null
  publisher_tc: {
    purpose_consents: number[]
    purpose_legitimate_interests: number[]
    num_custom_purposes: number
    custom_purpose_consents: number[]
    custom_purpose_legitimate_interests: number[]
  } | null
}

/**
 * The error a TC string that does not decode throws: `code` is `'invalid_tc_string'`, `reason`
 * the stable code of the failure (`truncated`, `invalid_base64`, `unsupported_version`...).
 */
export interface TcStringError extends Error {
  code: 'invalid_tc_string'
  reason: string
  /** The index of the `.`-separated segment (0 is the core segment). */
  segment: number
  /** The field being read; `null` when the error is about the whole string (`empty`, `too_large`). */
  field: string | null
  /** The bit offset in the segment where the failing field starts. */
  bit: number
}

/** The decision for one cookie name: `purpose` and `consentState` are `null` only for `undeclared`. */
export interface Decision {
  allowed: boolean
  rule: RuleId
  purpose: string | null
  consentState: ConsentStateId | null
}

/** A `Set-Cookie` value removed by `filterSetCookies`, with the decision that removed it. */
export interface DroppedSetCookie {
  /** The header value, as given. */
  header: string
  /** The cookie name a browser would store; `null` for a nameless or unreadable header. */
  cookie: string | null
  decision: Decision
  /** Why the header gives no named cookie (`control_character`, `too_large`, `empty`, `nameless`). */
  problem: string | null
}

/** What `filterSetCookies` returns: the values to send (in order) and the ones removed. */
export interface FilteredSetCookies {
  kept: string[]
  dropped: DroppedSetCookie[]
}

/** A cookie the visitor holds but does not allow, and the `Set-Cookie` values that delete it. */
export interface PurgedCookie {
  cookie: string
  decision: Decision
  headers: string[]
}

/** A purpose of the policy (`policy.purposes`), in the core's order: `necessary` first. */
export interface Purpose {
  /** Its id, such as `statistics`. */
  id: string
  /** Its title in each language of the policy that gives one, in the policy's order. */
  label: Record<string, string>
  /** Its longer explanation in each language, in the policy's order; `null` when absent. */
  description: Record<string, string> | null
  /** The site revision at which its cookies last changed. */
  revision: number
  /** Whether a banner asks about it: at least one of its cookies needs consent. */
  needsConsent: boolean
  /** The names and patterns of its cookies, in the file's order. */
  cookies: string[]
}

/**
 * What `policy.respond` answers for: the request (its `Cookie` fields and `Sec-GPC` values, each
 * one string or several), what the request's handler did with the consent, and the response's
 * `Set-Cookie` values.
 */
export interface RespondOptions {
  /** The request's `Cookie` header field(s); absent or `null`: no `Cookie` header. */
  cookie?: string | readonly string[] | null
  /** The request's `Sec-GPC` value(s); absent or `null`: none. */
  secGpc?: string | readonly string[] | null
  /**
   * What the handler did with the consent it was given: left it (`'unchanged'`, the default),
   * replaced it with a `Consent` (which then judges the response and the purge), or stored a value
   * that is not a consent (`'not_a_consent'`: judged as no consent).
   */
  handled?: 'unchanged' | 'not_a_consent' | Consent
  /** The response's `Set-Cookie` values. */
  setCookies?: string | readonly string[] | null
  /** Whether to delete the cookies the request holds but the consent does not allow (default `true`). */
  purge?: boolean
  /** Unix seconds (default: now). */
  now?: number | null
}

/** The answer of `policy.respond`. */
export interface RespondAnswer {
  /** The consent that judged the response. */
  consent: Consent
  /** The `Set-Cookie` values to send: the kept ones in order, then the deletions. */
  setCookies: string[]
  /** The dropped values, in order, each with the decision that dropped it. */
  dropped: DroppedSetCookie[]
  /** The cookies the request holds that the consent does not allow, with their deletions. */
  purged: PurgedCookie[]
}

/** The options of `renderCharter`: a language of the policy (default: its first) and a format. */
export interface RenderOptions {
  lang?: string
  format?: 'markdown' | 'html'
}

/** The decisions of one policy for one consent at one time (`policy.decisionTable`). */
export declare class DecisionTable {
  private constructor()
  /** The policy it decides with. */
  readonly policy: Policy
  /** The unix time the table decides at. */
  readonly now: number
  /** The consent it decides for. */
  readonly consent: Consent
  /** The decision for the cookie `name`. */
  decide(name: string): Decision
  /** The decisions for every name of `names`. */
  decideAll(names: string[]): Decision[]
  /** Whether the cookie `name` is allowed, without building a decision object. */
  allowed(name: string): boolean
  /** The state of every purpose of the policy. */
  readonly states: Record<string, ConsentStateId>
}

/** The options of `guard`: the time (default: now). */
export interface GuardOptions {
  now?: number | null
}

/** The options of `guardScriptTags`: the guard's URL, the page's CSP nonce, the time (default: now). */
export interface GuardScriptTagsOptions {
  src: string
  nonce?: string | null
  now?: number | null
}

// Methods that `index.js` adds to the native classes (declaration merging).
export interface Policy {
  /** Decides whether the cookie `name` is allowed for `consent` at `now` (unix seconds, default: now). */
  decide(name: string, consent: Consent, now?: number | null): Decision
  /** Decides every name of `names`. */
  decideMany(names: string[], consent: Consent, now?: number | null): Decision[]
  /** The decisions for `consent` at `now`: the fastest way to decide many cookies of one request. */
  decisionTable(consent: Consent, now?: number | null): DecisionTable
  /** Splits `Set-Cookie` values (one cookie each) into kept and dropped. */
  filterSetCookies(headers: string | string[], consent: Consent, now?: number | null): FilteredSetCookies
  /** The cookies of a `Cookie` request header that `consent` does not allow, with their deletion headers. */
  purge(cookieHeader: string | null | undefined, consent: Consent, now?: number | null): PurgedCookie[]
  /** The answer to a response, as the middleware gives it: which consent judges, what to send, what was dropped and purged. */
  respond(options: RespondOptions): RespondAnswer
  /** The charter page. */
  renderCharter(options?: RenderOptions | null): string
  /** The browser guard's answer for `consent`, as compact JSON text (what a consent endpoint sends the guard). */
  guard(consent: Consent, options?: GuardOptions | null): string
  /** The `<script>` tags that put the guard first in a page's `<head>`; an empty `src` or `nonce` throws (`invalid_argument`). */
  guardScriptTags(consent: Consent, options: GuardScriptTagsOptions): string
}

export declare namespace Policy {
  /** Loads a policy from TOML text; throws an `Error` with the core's `code` (and `field`, `line`, `column`) when it is invalid. */
  function fromToml(text: string): Policy
  /** Loads a policy from JSON text of the same structure as the TOML. */
  function fromJson(text: string): Policy
  /** Loads a policy file: JSON when its name ends in `.json`, TOML otherwise. */
  function load(path: string | URL): Policy
}

export interface Policy {
  /** The visitor's state for the purpose `purpose`; `null` if the policy does not declare it. */
  consentState(purpose: string, consent: Consent, now?: number | null): ConsentStateId | null
  /** The purposes a banner must ask about; empty: no banner. */
  purposesToAsk(consent: Consent, now?: number | null): string[]
  /** The consent carried by a `Cookie` request header (the policy's `consent_cookie`). */
  consentFromCookieHeader(cookieHeader?: string | null): Consent
  /** The Google Consent Mode v2 state for `consent`: the seven signals in Google's order. */
  consentMode(consent: Consent, now?: number | null): ConsentModeState
  /** The `gtag('consent', …)` snippet for `consent`; an unknown command throws (`invalid_argument`). */
  gtagConsent(consent: Consent, options?: GtagOptions | null): string
  /** The consent a TC string gives; throws a `TcStringError` when it does not decode. */
  consentFromTcString(text: string | TcString): Consent
}

export declare namespace Consent {
  /** Reads a consent cookie value; never fails: an absent or unusable value gives every purpose `unset` and a `problem`. */
  function fromCookie(value?: string | null): Consent
}

export interface Consent {
  /** The same consent with the request's Global Privacy Control signal (`Sec-GPC: 1`) set to `gpc`. */
  withGpc(gpc: boolean): Consent
  /** `problem`, also counting a consent dated more than one day after `now` as `malformed`. */
  problemAt(now?: number | null): string | null
  /** The choices, as an object with no prototype. */
  readonly choices: Record<string, 'granted' | 'denied'>
  toJSON(): { revision: number; at: number; choices: Record<string, 'granted' | 'denied'>; problem: string | null }
}

/**
 * A decoded IAB TCF v2.2 TC string (`TcString.decode(text)`): the decoded value stays native and
 * each getter converts one field when it is read. Times are the string's raw deciseconds since
 * the Unix epoch; id sets are ascending arrays of numbers.
 */
export declare class TcString {
  private constructor()
  /** Decodes a TC string strictly; throws a `TcStringError` when it does not decode. */
  static decode(text: string): TcString
  /** The format version: always 2. */
  readonly version: number
  /** When the string was created, in deciseconds since the Unix epoch (as stored). */
  readonly created: number
  /** When the string was last updated, in deciseconds since the Unix epoch (as stored). */
  readonly lastUpdated: number
  /** The id of the consent management platform. */
  readonly cmpId: number
  /** The version of the consent management platform. */
  readonly cmpVersion: number
  /** The screen of the CMP on which consent was given. */
  readonly consentScreen: number
  /** The two-letter language of the CMP's texts (`EN`, `FR`...). */
  readonly consentLanguage: string
  /** The version of the Global Vendor List. */
  readonly vendorListVersion: number
  /** The TCF policy version (4 and later are TCF v2.2). */
  readonly policyVersion: number
  /** Whether the choices apply to this service only. */
  readonly isServiceSpecific: boolean
  /** Whether the CMP used non-standard texts. */
  readonly useNonStandardTexts: boolean
  /** Whether purpose 1 was not disclosed (the publisher's country's rules apply). */
  readonly purposeOneTreatment: boolean
  /** The publisher's two-letter country code (`FR`...). */
  readonly publisherCountryCode: string
  /** The ids of the special features opted in (1 to 12), ascending. */
  readonly specialFeatureOptIns: number[]
  /** The ids of the purposes with consent (1 to 24), ascending. */
  readonly purposeConsents: number[]
  /** The ids of the purposes under legitimate interest (1 to 24), ascending. */
  readonly purposeLegitimateInterests: number[]
  /** Whether vendor `id` has consent in the core segment (`false` for an id that names no vendor). */
  vendorConsent(id: number): boolean
  /** Whether vendor `id` is under legitimate interest in the core segment (`false` for an id that names no vendor). */
  vendorLegitimateInterest(id: number): boolean
  /** The canonical JSON object of the decoded string. */
  toJSON(): TcStringJson
}

/**
 * Whether a request's `Sec-GPC` header asks for Global Privacy Control: pass
 * `req.headers['sec-gpc']` (a string or `undefined`) or an array of values.
 */
export declare function gpcEnabled(value: string | readonly string[] | undefined | null): boolean

/** The options of `middleware`. */
export interface MiddlewareOptions {
  /** The clock, in unix seconds (default: the system clock, read once per second). */
  now?: () => number
  /** Called with the `Set-Cookie` values removed from a response. */
  onDropped?: (dropped: DroppedSetCookie[], req: IncomingMessage) => void
  /** Whether to append the deletion headers of `purge` (default `true`). */
  purge?: boolean
  /**
   * Whether Express's `res.locals.consent` is defined too, for templates (default `false`: an
   * accessor made for each response costs about 3% of a minimal route's throughput). Handlers
   * have `req.consent` either way.
   */
  locals?: boolean
  /**
   * Puts the browser guard's `<script>` tags right after the `<head>` start tag of every
   * `text/html` page given whole to `res.end` (not streamed, not compressed), for the consent
   * that judges the response (default: off). The nonce is `nonce(req, res)`, else
   * `res.locals.cspNonce` when it is a string.
   */
  guard?: GuardMiddlewareOptions
}

/** The middleware's `guard` option: the guard's URL, and where the response's CSP nonce comes from. */
export interface GuardMiddlewareOptions {
  src: string
  nonce?: ((req: IncomingMessage, res: ServerResponse) => string | null | undefined) | null
}

/**
 * Express/Connect middleware, also usable in a plain `http` handler as `mw(req, res)`: puts the
 * visitor's consent on `req.consent`, removes the `Set-Cookie` headers they did not consent to,
 * and deletes the cookies they hold but no longer allow (`policy.respond`, once per response). A
 * handler may replace `req.consent` with another `Consent`, which then judges the response; a
 * value that is not a `Consent` judges it as no consent.
 */
export declare function middleware(
  policy: Policy,
  options?: MiddlewareOptions,
): (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void

/** The rule ids, in the order of the core. */
export declare const RULES: readonly RuleId[]
/** The consent state ids, in the order of the core. */
export declare const STATES: readonly ConsentStateId[]
/** The Google Consent Mode v2 signal names, in Google's order. */
export declare const SIGNALS: readonly ConsentModeSignal[]

// Proof of consent (lib/records.js): the consent endpoint, its store, signed consent cookies.
export interface MiddlewareOptions {
  /**
   * The consent endpoint (`ConsentEndpoint.open`): requests to `consentPath` are answered by it
   * alone (the choice recorded, then the consent cookie set), never by the application.
   */
  records?: ConsentEndpoint
  /** Where the consent endpoint is served (default `'/consent'`). */
  consentPath?: string
}

export interface ConsentEndpoint {
  /** The policy the endpoint enforces, with its keys: give it to the middleware. */
  readonly policy: Policy
  /**
   * Answers one request (its method, its headers as Node's flat `rawHeaders` or an object, its
   * body), the record written off the main thread: `{ status, headers (flat), body }`.
   */
  handle(
    method: string,
    headers: readonly string[] | Record<string, string | string[] | undefined>,
    body: Buffer | string,
    now?: number | null,
  ): Promise<EndpointReply>
  /** Answers an `http` request with the endpoint; resolves once the answer is sent. */
  serve(req: IncomingMessage, res: ServerResponse): Promise<void>
}

/** The options of `ConsentEndpoint.open`, as in `EndpointOptions` (retention required). */
export interface ConsentEndpointOptions {
  retention: string
  keys?: string | null
  allowedOrigins?: string[]
  recordUserAgent?: boolean
  recordIpFrom?: string
  durability?: 'flushed' | 'committed'
  now?: number
}

export declare namespace ConsentEndpoint {
  /**
   * Opens the endpoint for a policy file (JSON when its name ends in `.json`, TOML otherwise),
   * recording in `store` (`sqlite:PATH` or `postgres://...`).
   */
  function open(policyFile: string | URL, store: string, options: ConsentEndpointOptions): ConsentEndpoint
}

export interface Policy {
  /** The same policy with the keys that verify signed consent cookies (a key file's text). */
  withConsentKeys(keys: string): Policy
}

/** The signing keys' text, from a key file or an environment variable (name exactly one). */
export declare function loadKeys(options: { file: string | URL } | { env: string }): string
/** Verifies the store at `address`: `problems` is empty when the chain and the notices verify. */
export declare function verifyStore(address: string): StoreVerification
/** The ids of the records in the store at `address`, in chain order. */
export declare function storedRecordIds(address: string): string[]

