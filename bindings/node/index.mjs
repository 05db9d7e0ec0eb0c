// ES module entry point: the same objects as the CommonJS one (`index.js`).
import cjs from './index.js'

export const { Policy, Consent, TcString, gpcEnabled, DecisionTable, middleware, RULES, STATES, SIGNALS } = cjs
export const { ConsentEndpoint, loadKeys, verifyStore, storedRecordIds } = cjs
export default cjs
