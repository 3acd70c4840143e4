// The file kubectl edit hands the editor holds the object (a Secret's data too): it is readable by
// its owner alone, as Go's os.CreateTemp makes the real kubectl's, whatever the umask.
import {chmodSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {oneShotCluster} from '../support/one-shot-cluster.js'
import {runShell} from '../support/shell.js'
import {kubemu} from '../support/up-process.js'

describe('kubectl edit', () => {
  const cluster = oneShotCluster()

  it('gives the editor a file only its owner may read', async () => {
    expect((await cluster.kubectl('create secret generic s --from-literal=password=hunter2')).status).toBe(0)
    const editor = join(cluster.home(), 'editor.sh')
    const seen = join(cluster.home(), 'seen')
    writeFileSync(editor, `#!/bin/sh\nstat -c %a "$1" > '${seen}'\ngrep -c password "$1" >> '${seen}'\n`)
    chmodSync(editor, 0o755)
    const edited = await runShell(`umask 022; ${kubemu} kubectl edit secret s`, {cwd: cluster.home(), env: {...cluster.environment(), KUBE_EDITOR: editor}})
    expect(edited.stdout + edited.stderr).toContain('Edit cancelled, no changes made.')
    expect(readFileSync(seen, 'utf8')).toBe('600\n1\n')
  })
})
