// ES module entry point: the same objects as the CommonJS one (`index.js`).
import cjs from './index.js'

export const { Policy, Consent, DecisionTable, middleware, RULES, STATES } = cjs
export default cjs
