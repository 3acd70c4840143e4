// A ConfigMap changed under a running pod, as the kubelet handles it: the container's environment
// keeps the values it started with (until it restarts), its ConfigMap volume gets the new files at
// the kubelet's next periodic sync of the pod (a new timestamped directory, ..data swapped, a new
// key's link added, a removed key's link gone), a subPath mount keeps the old file, and what the
// container printed before the change stays as it was.
import {describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu} from '../support/up-process.js'

const manifest = `apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {level: one, gone: soon}
---
apiVersion: v1
kind: Pod
metadata: {name: reader}
spec:
  containers:
  - name: app
    image: busybox:1.36
    command: [sh, -c, 'echo "start $LEVEL $(cat /etc/cfg/level)"; while true; do sleep 30; echo "$(cat /etc/cfg/level) $(cat /pinned)"; done']
    env: [{name: LEVEL, valueFrom: {configMapKeyRef: {name: cfg, key: level}}}]
    volumeMounts: [{name: cfg, mountPath: /etc/cfg}, {name: cfg, mountPath: /pinned, subPath: level}]
  volumes: [{name: cfg, configMap: {name: cfg}}]
`

describe('a ConfigMap updated under a running pod, one-shot', {timeout: 120_000}, () => {
  it('keeps the environment, updates the volume at the next sync, and leaves the logs as they were', async () => {
    const home = temporaryFolder()
    // A seeded cluster's clock moves only with time advance, so the pod's sync falls where the test says.
    const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', KUBEMU_SEED: '7'}
    const run = async (command: string, stdin?: string) => {
      const result = await runShell(`${kubemu} ${command}`, {cwd: home, env, ...(stdin === undefined ? {} : {stdin})})
      expect(result.stderr).toBe('')
      return result.stdout
    }
    await run('kubectl apply -f -', manifest)
    await run('time advance 20s')
    expect(await run('kubectl logs reader')).toBe('start one one\n')
    await run(`kubectl patch configmap cfg --type merge -p '{"data":{"level":"two","added":"new","gone":null}}'`)
    await run('time advance 5s')
    // Before the kubelet's sync: the old files; the environment for ever.
    expect(await run("kubectl exec reader -- sh -c 'echo $LEVEL; cat /etc/cfg/level; echo; ls /etc/cfg'")).toBe('one\none\ngone\nlevel\n')
    await run('time advance 90s')
    expect(await run("kubectl exec reader -- sh -c 'echo $LEVEL; cat /etc/cfg/level; echo; cat /pinned; echo; ls /etc/cfg; ls -a /etc/cfg | grep -c ^..20'")).toBe('one\ntwo\none\nadded\nlevel\n1\n')
    const logs = (await run('kubectl logs reader')).split('\n')
    // The lines before the sync read the old file, those after the new one; the subPath file never changes.
    expect(logs[0]).toBe('start one one')
    expect(logs.slice(1, -1).map((line) => line.split(' ')[1])).toEqual(logs.slice(1, -1).map(() => 'one'))
    const levels = logs.slice(1, -1).map((line) => line.split(' ')[0])
    expect(levels).toEqual([...levels].sort((a, b) => (a === b ? 0 : a === 'one' ? -1 : 1)))
    expect(levels).toContain('one')
    expect(levels.at(-1)).toBe('two')
    // A restarted container reads the new values from the start.
    await run('kubectl delete pod reader --wait=false')
    await run('time advance 60s')
    await run('kubectl apply -f -', manifest.split('---\n')[1])
    await run('time advance 20s')
    expect(await run('kubectl logs reader')).toBe('start two two\n')
  })

  it('gives a container restarted after the change the new values, and an optional ConfigMap made later only from then on', async () => {
    const home = temporaryFolder()
    const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', KUBEMU_SEED: '7'}
    const run = async (command: string, stdin?: string) => (await runShell(`${kubemu} ${command}`, {cwd: home, env, ...(stdin === undefined ? {} : {stdin})})).stdout
    await run('kubectl apply -f -', `apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {level: one}
---
apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  containers:
  - name: app
    image: busybox:1.36
    command: [sh, -c, 'echo "start env=$LEVEL file=$(cat /etc/cfg/level) late=[$LATE] $(cat /etc/late/level 2>&1)"; sleep 25; exit 1']
    env: [{name: LEVEL, valueFrom: {configMapKeyRef: {name: cfg, key: level}}}, {name: LATE, valueFrom: {configMapKeyRef: {name: late, key: level, optional: true}}}]
    volumeMounts: [{name: cfg, mountPath: /etc/cfg}, {name: late, mountPath: /etc/late}]
  volumes: [{name: cfg, configMap: {name: cfg}}, {name: late, configMap: {name: late, optional: true}}]
`)
    await run('time advance 10s')
    await run(`kubectl patch configmap cfg --type merge -p '{"data":{"level":"two"}}'`)
    await run('kubectl create configmap late --from-literal=level=new')
    await run('time advance 20s')
    // Restarted at 25 s, before the pod's 60 s sync: the new container reads the objects as they are then; the first one's log stays.
    expect(await run('kubectl logs crash --previous')).toBe("start env=one file=one late=[] cat: can't open '/etc/late/level': No such file or directory\n")
    expect(await run('kubectl logs crash')).toBe('start env=two file=two late=[new] new\n')
  })
})
