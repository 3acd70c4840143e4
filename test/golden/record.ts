// Records etcdctl transcripts from the real tools, in the format of test/golden/README.md:
// every case runs against a fresh real 3-member etcd 3.4 (Procfile layout) with the real
// etcdctl. Usage: npx vite-node test/golden/record.ts [case-name ...]
// Reads test/golden/cases.json, writes test/golden/recorded/<case>.json.
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {RealEtcdCluster} from '../support/real-etcd.js'

interface CaseDefinition {
  case: string
  steps: Array<{cmd: string; stdin?: string | null}>
}

const here = dirname(fileURLToPath(import.meta.url))
const definitions = JSON.parse(readFileSync(join(here, 'cases.json'), 'utf8')) as CaseDefinition[]
const only = new Set(process.argv.slice(2))

for (const definition of definitions) {
  if (only.size > 0 && !only.has(definition.case)) continue
  const etcd = await RealEtcdCluster.start()
  const work = mkdtempSync(join(tmpdir(), 'kubemu-record-'))
  try {
    const steps = definition.steps.map((step) => {
      const result = spawnSync('bash', ['-c', step.cmd], {cwd: work, input: step.stdin ?? '', env: {...process.env, ETCDCTL_API: '3'}, encoding: 'utf8'})
      return {cmd: step.cmd, stdin: step.stdin ?? null, stdout: result.stdout, stderr: result.stderr, code: result.status ?? -1}
    })
    writeFileSync(join(here, 'recorded', `${definition.case}.json`), `${JSON.stringify({case: definition.case, steps}, null, 1)}\n`)
    console.log(`recorded ${definition.case} (${steps.length} steps)`)
  } finally {
    await etcd.stop()
    rmSync(work, {recursive: true, force: true})
  }
}
