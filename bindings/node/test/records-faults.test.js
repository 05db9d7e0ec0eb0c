'use strict'
// The consent endpoint killed with SIGKILL in the middle of 10,000 choices: every choice whose
// response set the consent cookie is in the store, and the chain verifies (no consent without its
// record). The server runs in its own process (this file, run with `--records-server POLICY STORE
// KEYS_FILE`); four clients post choices until the test has counted enough answers, then the
// server is killed while requests are in flight (no timer decides when).

if (process.argv[2] === '--records-server') {
  const http = require('node:http')
  const { ConsentEndpoint, loadKeys, middleware } = require('..')
  const [policyFile, store, keysFile] = process.argv.slice(3)
  const endpoint = ConsentEndpoint.open(policyFile, store, { retention: '5 years', keys: loadKeys({ file: keysFile }) })
  const mw = middleware(endpoint.policy, { records: endpoint })
  const server = http.createServer((req, res) => mw(req, res, () => res.end('ok')))
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`))
  return
}

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const crypto = require('node:crypto')
const fs = require('node:fs')
const http = require('node:http')
const os = require('node:os')
const path = require('node:path')
const { verifyStore, storedRecordIds } = require('..')

const CHOICES = 10_000
const KILL_AFTER = 5_000
const CLIENTS = 4
const BODIES = ['all=1', 'all=0', 'statistics=1', 'statistics=0&marketing=1']
const SITE = 'https://www.example.com'
const POLICY_TOML = fs
  .readFileSync(path.join(__dirname, 'records.test.js'), 'utf8')
  .split('const POLICY_TOML = `')[1]
  .split('`')[0]
  .replace('${SITE}', SITE)

test('a killed server loses no recorded consent', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-faults-'))
  try {
    const policyFile = path.join(dir, 'policy.toml')
    fs.writeFileSync(policyFile, POLICY_TOML)
    const keysFile = path.join(dir, 'keys')
    fs.writeFileSync(keysFile, `k1:${crypto.randomBytes(32).toString('base64url')}\n`)
    const store = `sqlite:${path.join(dir, 'consents.sqlite')}`
    const server = spawn(process.execPath, [__filename, '--records-server', policyFile, store, keysFile], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const exited = new Promise((resolve) => server.on('exit', (code, signal) => resolve(signal)))
    try {
      const port = await new Promise((resolve, reject) => {
        let out = ''
        server.stdout.on('data', (d) => {
          out += d
          if (out.includes('\n')) resolve(Number(out.trim()))
        })
        server.on('exit', () => reject(new Error('the server stopped')))
      })
      const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS })
      const answered = []
      let sent = 0
      let killed = false
      const post = (body) =>
        new Promise((resolve) => {
          const req = http.request(
            { host: '127.0.0.1', port, method: 'POST', path: '/consent', agent, headers: { origin: SITE, 'content-type': 'application/x-www-form-urlencoded' } },
            (res) => {
              res.resume()
              res.on('end', () => resolve({ status: res.statusCode, cookies: res.headers['set-cookie'] ?? [] }))
              res.on('error', () => resolve(null))
            },
          )
          req.on('error', () => resolve(null))
          req.end(body)
        })
      const client = async () => {
        while (sent < CHOICES && !killed) {
          const answer = await post(BODIES[sent++ % BODIES.length])
          if (answer === null) return // the server is gone
          const consent = answer.cookies.filter((c) => c.startsWith('consent='))
          if (answer.status !== 200) {
            assert.deepEqual(consent, [])
            continue
          }
          assert.equal(consent.length, 1)
          answered.push(consent[0].split('&_rid=')[1].split('&')[0])
          if (answered.length === KILL_AFTER) {
            server.kill('SIGKILL')
            killed = true
          }
        }
      }
      await Promise.all(Array.from({ length: CLIENTS }, client))
      agent.destroy()
      assert.ok(killed, `the server was not killed (${answered.length} answers)`)
      assert.equal(await exited, 'SIGKILL')
      const stored = new Set(storedRecordIds(store))
      assert.deepEqual(answered.filter((id) => !stored.has(id)), [])
      const verification = verifyStore(store)
      assert.deepEqual(verification.problems, [])
      assert.ok(verification.records >= answered.length)
    } finally {
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL')
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
