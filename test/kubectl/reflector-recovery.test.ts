// kubectl wait's informer when the server ends its watch with an error, beside the real kubectl
// 1.32 on one `up`: a value in etcd that no one can decode (put there by hand) ends the watch with
// an ERROR event (500), and the lists that follow fail as long as it is there. client-go's
// reflector warns, backs off and lists again from the last resourceVersion it saw (not 0), logging
// each failed list, and never gives up before the timeout: once the value is gone its list
// succeeds, it watches again, and the wait ends when the condition holds. Both kubectls wait
// side by side on the same object; compared: stdout, exit code, and the log's lines in the order
// they first appear (how often a failed list repeats follows the backoff's random waits), masked
// as the log of two runs must be.
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {OutputProcess} from '../support/output-process.js'
import {comparableKlog} from '../support/reference-kubectl.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, UpProcess, upProcessesOfSuite} from '../support/up-process.js'
import {realKubectl} from '../support/up-with-real-kubectl.js'

/** Each line once, in the order it first came, with what differs from run to run masked. */
function firstAppearances(stderr: string): string[] {
  const lines = comparableKlog(stderr)
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) =>
      line
        .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
        .replace(/resourceVersion=\d+/, 'resourceVersion=RV')
        .replace(/timeoutSeconds=\d+/, 'timeoutSeconds=T'),
    )
  return [...new Set(lines)]
}

describe.runIf(existsSync(realKubectl))('kubectl wait through a watch the server ends with an error', {timeout: 180_000}, () => {
  const processes = upProcessesOfSuite()
  const home = temporaryFolder()
  const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
  const ours = (line: string) => runShell(`timeout 60 ${kubemu} ${line}`, {cwd: home, env})
  const waiting: OutputProcess[] = []
  afterAll(async () => {
    for (const process of waiting) await process.stop()
  })

  it('backs off, lists again from the last resourceVersion and waits on, as the real kubectl does', async () => {
      const up = new UpProcess(home)
      processes.push(up)
      await up.until(/leads kube-controller-manager/)
      const namespace = 'recovery'
      expect((await ours(`kubectl create namespace ${namespace}`)).status).toBe(0)
      expect((await ours(`kubectl create configmap c1 -n ${namespace} --from-literal=a=1`)).status).toBe(0)
      const line = ['wait', 'cm/c1', '-n', namespace, '--for=jsonpath={.data.z}=1', '--timeout=60s', '-v=6']
      const real = new OutputProcess(realKubectl, [`--kubeconfig=${join(home, 'default', 'kubeconfig')}`, ...line], env)
      const mine = new OutputProcess(kubemu, ['kubectl', ...line], env)
      waiting.push(real, mine)
      for (const kubectl of [real, mine]) await kubectl.untilErrorOutput((text) => text.includes('watch=true'))
      expect((await ours(`etcdctl put /registry/configmaps/${namespace}/undecodable garbage`)).status).toBe(0)
      // Each has failed to list at least once since, and waits on.
      for (const kubectl of [real, mine]) await kubectl.untilErrorOutput((text) => text.includes('Failed to watch'))
      expect((await ours(`etcdctl del /registry/configmaps/${namespace}/undecodable`)).status).toBe(0)
      expect((await ours(`kubectl patch cm c1 -n ${namespace} -p '{"data":{"z":"1"}}'`)).status).toBe(0)
      const [realStatus, ourStatus] = [await real.exitCode(), await mine.exitCode()]
      const theirs = {status: realStatus, stdout: real.output, log: firstAppearances(real.errorOutput)}
      expect(theirs.status).toBe(0)
      expect(theirs.log.some((entry) => entry.includes('ended with: Internal error occurred'))).toBe(true)
      expect({status: ourStatus, stdout: mine.output, log: firstAppearances(mine.errorOutput)}).toEqual(theirs)
  })
})
