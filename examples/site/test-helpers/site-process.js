'use strict'
// Shared by the tests: starting the demo site as a child process (as a person would, with
// `node server.js --port 0`) on 127.0.0.1 and a free port, and stopping it.

const { spawn } = require('node:child_process')
const path = require('node:path')

const SITE = path.join(__dirname, '..')
const SERVER = path.join(SITE, 'server.js')

/**
 * Starts `node server.js --port 0 ...args` and resolves once it printed its address:
 * `{ port, address, output, stop() }`. Rejects (with what it printed) if it exits first. No timer
 * of its own: a server that stays silent is stopped by the test's own timeout, however loaded the
 * machine is.
 */
function startServer(args = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SERVER, '--port', '0', '--host', '127.0.0.1', ...args], {
      cwd: SITE,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let settled = false
    function fail(error) {
      if (settled) return
      settled = true
      child.kill('SIGKILL')
      error.message += `\nstdout: ${stdout}\nstderr: ${stderr}`
      reject(error)
    }
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    child.stdout.on('data', (chunk) => {
      stdout += chunk
      const match = /^cookie-charter demo site: (http:\/\/[^\s/]+:(\d+)\/)/m.exec(stdout)
      if (match && !settled) {
        settled = true
        resolve({
          address: match[1],
          port: Number(match[2]),
          output: () => stdout,
          stop: () => stop(child),
        })
      }
    })
    child.on('exit', (code, signal) => fail(new Error(`the server exited (code ${code}, signal ${signal})`)))
    child.on('error', fail)
  })
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

module.exports = { startServer, SITE, SERVER }
