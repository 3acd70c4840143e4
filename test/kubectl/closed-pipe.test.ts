// A script that reads only the start of a command's output (`| head -1`): kubectl and etcdctl
// die of SIGPIPE, quietly, with status 141 in the shell; so do kubemu's.
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')

describe('a closed pipe', () => {
  it('ends kubectl and etcdctl quietly with status 141, as SIGPIPE ends the real ones', async () => {
    const home = temporaryFolder()
    const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
    // Enough output that the reader is gone before the writer is done.
    for (const line of ['kubectl get clusterroles -o json', 'etcdctl get "" --prefix']) {
      const result = await runShell(`${kubemu} ${line} | head -1; echo "status \${PIPESTATUS[0]}"`, {cwd: home, env})
      expect(result.stderr).toBe('')
      expect(result.stdout).toMatch(/^.+\nstatus 141\n$/)
    }
  })
})
