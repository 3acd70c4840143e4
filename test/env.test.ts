// `kubemu env` through the real CLI: eval its lines, and etcdctl is kubemu's, for this cluster.
import {spawnSync} from 'node:child_process'
import {dirname, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {temporaryFolder} from './support/temp.js'

const kubemu = resolve(dirname(fileURLToPath(import.meta.url)), '../bin/kubemu')

function shell(script: string, home: string): {stdout: string; stderr: string; status: number | null} {
  const result = spawnSync('bash', ['-c', script], {env: {...process.env, KUBEMU_HOME: home, KUBEMU_KUBEMU: kubemu}, encoding: 'utf8'})
  return {stdout: result.stdout, stderr: result.stderr, status: result.status}
}

describe('kubemu env', () => {
  it('puts an etcdctl shim for the cluster first on PATH, idempotently, and takes it off again', () => {
    const home = temporaryFolder()
    const result = shell(
      `eval "$("$KUBEMU_KUBEMU" env)"; eval "$("$KUBEMU_KUBEMU" env)"
       command -v etcdctl
       echo "$PATH" | tr : '\\n' | grep -cx "$KUBEMU_HOME/default/shims"
       etcdctl put greeting hello && etcdctl get greeting --print-value-only
       # The shim keeps its cluster even when the caller's variables point elsewhere.
       KUBEMU_HOME=/nonexistent etcdctl get greeting --print-value-only
       eval "$("$KUBEMU_KUBEMU" env --unset)"
       echo "$PATH" | tr : '\\n' | grep -cx "$KUBEMU_HOME/default/shims"`,
      home,
    )
    expect(result.stderr).toBe('')
    expect(result.stdout).toBe(`${home}/default/shims/etcdctl\n1\nOK\nhello\nhello\n0\n`)
  })

  it('gives each cluster its own shims', () => {
    const home = temporaryFolder()
    const result = shell(
      `eval "$("$KUBEMU_KUBEMU" env --cluster other)"; etcdctl put where other >/dev/null
       eval "$("$KUBEMU_KUBEMU" env)"; etcdctl get where --print-value-only; echo "count=$(etcdctl get where -w fields | grep Count)"`,
      home,
    )
    expect(result.stdout).toBe('count="Count" : 0\n')
  })
})
