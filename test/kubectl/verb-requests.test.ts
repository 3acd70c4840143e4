// What a verb sends, beside the real kubectl 1.32 on one `up`. autoscale finds the scale
// subresource in its discovery (no request of its own). describe reads each object twice (the
// builder, then the describer) and then what its describer reads, in kubectl's order: events
// (their field selector's terms in Go's map order, so compared as a set), pods or replica sets
// by selector in chunks, endpoint slices, a node's lease by name. kubectl wait, rollout status and delete's
// wait follow an object as client-go's UntilWithSync does: the builder's GET, then an informer whose reflector lists the name
// (fieldSelector=metadata.name=…, limit=500, resourceVersion=0) and watches from the list's
// resourceVersion (bookmarks, a random timeoutSeconds). Beside the real kubectl 1.32 on one `up`:
// the same requests in the same order, the reflector's lines (-v=2, -v=3), the same output and
// exit code. Masked: klog's header, ports, durations, resourceVersions and timeoutSeconds. Left
// out: what the real kubectl logs now and then as its informer stops under a watch just started
// (its stream watcher's read of a closed connection, the reflector's "very short watch"
// warning, its "Watch close" and "Failed to watch … context deadline exceeded" when the timeout
// ends the watch before the informer stops it), which comes and goes with timing.
import {existsSync, writeFileSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {join} from 'node:path'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, UpProcess, upProcessesOfSuite} from '../support/up-process.js'
import {realKubectl} from '../support/up-with-real-kubectl.js'

/** A -v log as both kubectls must write it: what runs must differ in masked, the config and feature-gate preamble left out. */
function comparableLog(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.length > 0 && !/loader\.go|envvar\.go|streamwatcher\.go|very short watch|Watch close - |Failed to watch .*context deadline exceeded/.test(line))
    .map((line) =>
      line
        .replace(/^([IWE])\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ /, '$1 ')
        .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
        .replace(/in \d+ milliseconds/, 'in N milliseconds')
        .replace(/resourceVersion=\d+/, 'resourceVersion=RV')
        .replace(/timeoutSeconds=\d+/, 'timeoutSeconds=T')
        .replace(/-(real|ours)\b/g, '-TOOL'),
    )
}

describe.runIf(existsSync(realKubectl))('verbs send the real kubectl’s requests', {timeout: 120_000}, () => {
  const processes = upProcessesOfSuite()
  // Not seeded: ages are the wall clock's, for both kubectls.
  const home = temporaryFolder()
  const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
  const cluster = {real: (line: string) => runShell(`timeout 60 ${realKubectl} --kubeconfig=${join(home, 'default', 'kubeconfig')} ${line}`, {cwd: home, env})}
  const ours = (line: string) => runShell(`timeout 60 ${kubemu} kubectl ${line}`, {cwd: home, env})

  beforeAll(async () => {
    const up = new UpProcess(home)
    processes.push(up)
    await up.until(/leads kube-controller-manager/)
    for (const line of ['create deployment web --image=nginx', 'create configmap c1 --from-literal=a=1']) expect((await ours(line)).status).toBe(0)
    expect((await ours('rollout status deploy/web --timeout=60s')).status).toBe(0)
    // Both kubectls' discovery caches warm: the logs compare from the command's own requests.
    expect((await cluster.real('get ns')).status).toBe(0)
  })
  afterAll(async () => {
    for (const up of processes) await up.stop()
  })

  /** Runs `line` (TOOL standing for each one's own objects) with both kubectls; returns each one's view. */
  const both = async (line: string) => {
    const view = (result: Awaited<ReturnType<typeof ours>>) => ({status: result.status, stdout: result.stdout.replace(/-(real|ours)\b/g, '-TOOL'), log: comparableLog(result.stderr)})
    return {real: view(await cluster.real(line.replaceAll('TOOL', 'real'))), ours: view(await ours(line.replaceAll('TOOL', 'ours')))}
  }

  for (const line of [
    'rollout status deploy/web -v=6',
    'rollout status deploy/web --watch=false -v=3',
    'wait deploy/web --for=condition=Available -v=6',
    'wait deploy/web --for=condition=Available -v=2',
    // Not met: the informer waits until the timeout, then stops.
    'wait cm/c1 --for=jsonpath={.data.x}=1 --timeout=1s -v=6',
    'wait cm/c1 --for=delete --timeout=1s -v=6',
    // A second GET for --for=delete, and checks once with --timeout=0.
    'wait cm/c1 --for=delete --timeout=0 -v=6',
    'wait cm/c1 --for=jsonpath={.data.x}=1 --timeout=0 -v=6',
    // The builder goes on past a name not found; each server error logged (-v=4) before the lines.
    'wait cm/nope cm/c1 --for=jsonpath={.data.a}=1 -v=6',
  ]) {
    it(`logs the same requests for: kubectl ${line}`, async () => {
      const {real, ours: mine} = await both(line)
      // (The comparison is not of empty logs: the real one has the informer's lines, or the checks once of --timeout=0.)
      expect(real.log.some((entry) => /reflector\.go|configmaps\/c1 200/.test(entry))).toBe(true)
      expect(mine).toEqual(real)
    })
  }

  it('asks for a watch of 5 to 10 minutes, as client-go’s reflector does', async () => {
    const result = await ours('wait cm/c1 --for=jsonpath={.data.a}=1 -v=6')
    const seconds = Number(/timeoutSeconds=(\d+)/.exec(result.stderr)?.[1])
    expect(seconds).toBeGreaterThanOrEqual(300)
    expect(seconds).toBeLessThan(600)
  })

  it('deletes and waits the same: the GET, then the informer until the deletion (here a finalizer holds it past the timeout)', async () => {
    for (const tool of ['real', 'ours']) expect((await ours(`create configmap held-${tool} --from-literal=a=1`)).status).toBe(0)
    for (const tool of ['real', 'ours']) expect((await ours(`patch cm held-${tool} -p '{"metadata":{"finalizers":["example.com/hold"]}}'`)).status).toBe(0)
    const {real, ours: mine} = await both('delete cm held-TOOL --timeout=1s -v=6')
    expect(real.log.some((entry) => entry.includes('Starting reflector'))).toBe(true)
    expect(mine).toEqual(real)
    for (const tool of ['real', 'ours']) expect((await ours(`patch cm held-${tool} --type=json -p '[{"op":"remove","path":"/metadata/finalizers"}]'`)).status).toBe(0)
  })

  it('autoscales with the same requests: the GET of the target, then the POST', async () => {
    for (const tool of ['real', 'ours']) expect((await ours(`create deployment scaled-${tool} --image=nginx`)).status).toBe(0)
    const {real, ours: mine} = await both('autoscale deploy scaled-TOOL --max=3 -v=6')
    expect(real.log.filter((entry) => entry.includes('round_trippers')).map((entry) => entry.split(' ')[2])).toEqual(['GET', 'POST'])
    expect(mine).toEqual(real)
  })

  it('describes with the same requests in the same order, and prints the same', async () => {
    expect((await ours('expose deploy web --port=80')).status).toBe(0)
    expect((await ours('create ingress front --rule=example.com/=web:80')).status).toBe(0)
    const named = async (selection: string) => (await ours(`get ${selection} -l app=web -o name`)).stdout.trim().split('\n')[0]!
    const requests = (log: readonly string[]) =>
      log
        .filter((entry) => entry.includes('round_trippers.go:560'))
        .map((entry) => entry.replace(/^.*\] /, '').replace(/fieldSelector=([^&\s]*)/, (_, terms: string) => `fieldSelector=${terms.split('%2C').sort().join('%2C')}`))
    for (const target of ['deploy/web', await named('rs'), await named('pods'), 'svc/web', 'cm/c1', 'sa/default', 'node/worker-1', 'ns/default', 'ingress/front']) {
      const {real, ours: mine} = await both(`describe ${target} -v=6`)
      // The kubelet renews its lease and heartbeats while the two commands run: times masked (in
      // their RFC 1123 form, so a format that differs still shows).
      const withoutAges = (text: string) => text.replace(/\b\d+(m\d+)?s\b/g, 'AGE').replace(/\b[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}\b/g, 'TIME')
      expect(requests(real.log).filter((entry) => entry.startsWith('GET https://127.0.0.1:PORT/api') && entry.includes(target.split('/')[1]!)).length).toBeGreaterThanOrEqual(2)
      expect({target, requests: requests(mine.log), stdout: withoutAges(mine.stdout)}).toEqual({target, requests: requests(real.log), stdout: withoutAges(real.stdout)})
    }
  })

  it('describes a namespace’s limit ranges, a pod template’s priority class and tolerations as the real kubectl prints them', async () => {
    writeFileSync(join(home, 'limits.yaml'), 'apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: limits\nspec:\n  limits:\n  - type: Container\n    default:\n      cpu: 100m\n')
    expect((await ours(`apply -f ${join(home, 'limits.yaml')}`)).status).toBe(0)
    const withoutAges = (text: string) => text.replace(/\b\d+(m\d+)?s\b/g, 'AGE')
    // The kube-proxy pods' tolerations come in the DaemonSet controller's order; kubectl sorts them by key.
    for (const line of ['describe ns default', 'describe ds kube-proxy -n kube-system', 'describe pods -n kube-system -l k8s-app=kube-proxy']) {
      const [theirs, mine] = [await cluster.real(line), await ours(line)]
      expect(theirs.status).toBe(0)
      expect({line, stdout: withoutAges(mine.stdout)}).toEqual({line, stdout: withoutAges(theirs.stdout)})
    }
  })

  it('describes endpoints, endpoint slices, disruption budgets and priority classes with kubectl’s describers', async () => {
    expect((await ours('create pdb budget --selector=app=web --min-available=1')).status).toBe(0)
    expect((await ours('create priorityclass high --value=1000 --description=important')).status).toBe(0)
    for (const line of ['describe endpoints kubernetes', 'describe endpointslices kubernetes', 'describe pdb budget', 'describe priorityclass high']) {
      const [theirs, mine] = [await cluster.real(line), await ours(line)]
      expect(theirs.status).toBe(0)
      expect(theirs.stdout).not.toMatch(/^API Version:/m)
      expect({line, stdout: mine.stdout}).toEqual({line, stdout: theirs.stdout})
    }
  })
})
