// Replays the transcripts recorded from real etcdctl 3.4.23 against a real etcd 3.4.23 cluster
// (test/golden/etcdctl, see test/golden/README.md) through the kubemu binary, with `etcdctl` on
// PATH resolving to the shim that `kubemu env` writes.
import {readFileSync, readdirSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {writeShims} from '../../src/core/env.js'
import {implementedVerbs} from '../../src/core/etcdctl/etcdctl.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

interface Step {
  cmd: string
  stdin: string | null
  stdout: string
  stderr: string
  code: number
}

const here = dirname(fileURLToPath(import.meta.url))
/** The shared transcripts (etcdctl/) and the project's own, made by record.ts (recorded/). */
const cases = ['etcdctl', 'recorded'].flatMap((folder) =>
  readdirSync(join(here, folder))
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => `${folder}/${name}`),
)

/**
 * A response header's raft_term in `-w protobuf | od -An -tx1` bytes, as N: a fresh cluster on a
 * loaded machine may take a second election (term 3 where the recording had 2), as real etcd may.
 * The header is field 1 of the response (0a LEN), its term field 4 (key 20, a varint).
 */
function withoutHeaderTerm(text: string): string {
  const rows = text.split('\n')
  const hexRows = rows.findIndex((row) => !/^( [0-9a-f]{2})+$/.test(row))
  const bytes = rows.slice(0, hexRows === -1 ? rows.length : hexRows).join('').trim().split(' ')
  if (bytes.length < 2 || bytes[0] !== '0a') return text
  const headerEnd = 2 + parseInt(bytes[1]!, 16)
  for (let index = 2; index < headerEnd && index < bytes.length; ) {
    const key = bytes[index++]!
    const start = index
    while (index < bytes.length && parseInt(bytes[index]!, 16) >= 0x80) index++
    index++
    if (key === '20') for (let term = start; term < index && term < bytes.length; term++) bytes[term] = 'NN'
  }
  const rebuilt = []
  for (let at = 0; at < bytes.length; at += 16) rebuilt.push(` ${bytes.slice(at, at + 16).join(' ')}`)
  return [...rebuilt, ...(hexRows === -1 ? [] : rows.slice(hexRows))].join('\n')
}

function normalize(text: string): string {
  return withoutHeaderTerm(text)
    .replace(/"raft_term":\d+/g, '"raft_term":N')
    .replace(/"RaftTerm" : \d+/g, '"RaftTerm" : N')
    .replace(/took = [^\s,]+/g, 'took = <duration>')
}

function comparableStderr(text: string): string {
  return normalize(
    text
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('{"level"'))
      .join('\n'),
  )
}

/** The etcdctl verbs a step's command line uses. */
function verbsOf(command: string): string[] {
  const verbs: string[] = []
  for (const match of command.matchAll(/\betcdctl((?:\s+-[^\s]+)*)\s+([a-z][a-z-]*)/g)) verbs.push(match[2]!)
  return verbs
}

/** etcdctl 3.4's verbs; a word that is none of them (say, a misspelt one) is for etcdctl to refuse. */
const etcdctlVerbs = new Set(['get', 'put', 'del', 'txn', 'compaction', 'alarm', 'defrag', 'endpoint', 'member', 'snapshot', 'make-mirror', 'migrate', 'lease', 'elect', 'auth', 'user', 'role', 'check', 'version', 'watch', 'lock', 'move-leader'])
const known = new Set(implementedVerbs())
const runnable = cases.filter((file) => {
  const recorded = JSON.parse(readFileSync(join(here, file), 'utf8')) as {steps: Step[]}
  return recorded.steps.every((step) => verbsOf(step.cmd).every((verb) => known.has(verb) || !etcdctlVerbs.has(verb)))
})

describe('golden etcdctl transcripts', () => {
  it('every recorded case uses only verbs kubemu implements, or waits for them', () => {
    // The cases not replayed yet are listed here so that the gap is visible in the test output.
    const waiting = cases.filter((file) => !runnable.includes(file))
    expect(runnable.length + waiting.length).toBe(cases.length)
    console.log(`replayed: ${runnable.length} of ${cases.length}; waiting for verbs: ${waiting.join(', ') || 'none'}`)
  })

  for (const file of runnable) {
    it(file.replace(/\.json$/, ''), async () => {
      const recorded = JSON.parse(readFileSync(join(here, file), 'utf8')) as {case: string; steps: Step[]}
      const home = temporaryFolder('kubemu-golden-')
      // The etcdctl on PATH is the shim `kubemu env` writes for this cluster.
      const shims = writeShims({KUBEMU_HOME: home})
      const work = temporaryFolder('kubemu-golden-work-')
      for (const [index, step] of recorded.steps.entries()) {
        const result = await runShell(step.cmd, {cwd: work, stdin: step.stdin ?? '', env: {...process.env, KUBEMU_HOME: home, PATH: `${shims}:${process.env.PATH}`, ETCDCTL_API: '3'}})
        const label = `${recorded.case} step ${index + 1}: ${step.cmd}`
        expect(normalize(result.stdout), label).toBe(normalize(step.stdout))
        expect(comparableStderr(result.stderr), label).toBe(comparableStderr(step.stderr))
        expect(result.status, label).toBe(step.code)
      }
    })
  }
})
