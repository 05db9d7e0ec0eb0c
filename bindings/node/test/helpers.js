'use strict'
// Shared by the tests: where the repository's files are, and small policy builders.

const fs = require('node:fs')
const path = require('node:path')

const packageRoot = path.join(__dirname, '..')
const repoRoot = path.join(packageRoot, '..', '..')
const vectorsDir = path.join(repoRoot, 'tests', 'vectors')
const examplePolicy = path.join(repoRoot, 'examples', 'epn-agglo', 'policy.toml')

/** Every `*.json` file below `dir`, at any depth, sorted. */
function jsonFiles(dir) {
  const out = []
  const walk = (d) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.isFile() && entry.name.endsWith('.json')) out.push(full)
    }
  }
  if (fs.existsSync(dir)) walk(dir)
  return out.sort()
}

/** A small valid policy (as a JSON object) with the given purposes and cookies. */
function policyObject({ purposes = {}, cookies = [], site = {} } = {}) {
  return {
    site: {
      name: 'Example',
      url: 'https://www.example.com',
      revision: 1,
      consent_cookie: 'consent',
      ...site,
    },
    purposes,
    cookies: [
      {
        name: 'consent',
        provider: 'Example',
        service: 'Consent banner',
        purpose: 'necessary',
        description: 'Remembers your choice',
        lifetime: '6 months',
      },
      ...cookies,
    ],
  }
}

/** A cookie declaration with the boring fields filled in. */
function cookie(name, purpose, extra = {}) {
  return {
    name,
    provider: 'Example',
    service: `Service of ${name}`,
    purpose,
    description: `What ${name} is for`,
    lifetime: '13 months',
    ...extra,
  }
}

module.exports = { packageRoot, repoRoot, vectorsDir, examplePolicy, jsonFiles, policyObject, cookie }
