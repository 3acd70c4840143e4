// Commands that follow the cluster, run by the real kubectl 1.32 and by kubemu's kubectl side by
// side on one `kubemu up`, watching the same objects while the test changes them: `rollout
// status` prints the status of every event its watch sees (the same message again included), and
// `kubectl events -w` prints what exists (in the server's key order) and then each event as it
// comes, rows keeping the widths of those before them, a message's newline breaking the table as
// Go's tabwriter does, terminal escapes shown, in every printer.
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {OutputProcess} from '../support/output-process.js'
import {realKubectl} from '../support/real-kubectl.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, UpProcess, upProcessesOfSuite} from '../support/up-process.js'

type Tool = 'real' | 'ours'

const stuckDeployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: stuck}
spec:
  replicas: 2
  selector: {matchLabels: {app: stuck}}
  template:
    metadata: {labels: {app: stuck}}
    spec:
      nodeSelector: {no-node: has-this}
      containers: [{name: c, image: nginx}]
`

/** An Event of pod `involved` in namespace ev, as a JSON manifest (so its message may hold any character). */
const event = (name: string, involved: string, fields: Record<string, unknown>) =>
  JSON.stringify({apiVersion: 'v1', kind: 'Event', metadata: {name, namespace: 'ev'}, involvedObject: {kind: 'Pod', apiVersion: 'v1', name: involved, namespace: 'ev'}, ...fields})

const earlierEvents = [
  event('zz.1', 'zz', {reason: 'Started', message: 'started zz', type: 'Normal', count: 1, firstTimestamp: '2026-01-01T00:00:00Z', lastTimestamp: '2026-01-01T00:00:00Z'}),
  event('aa.1', 'aa', {reason: 'Pulled', message: 'pulled\nline two', type: 'Warning', count: 3, firstTimestamp: '2026-01-01T00:00:00Z', lastTimestamp: '2026-02-01T00:00:00Z'}),
  event('aa.2', 'aa', {reason: 'Series', message: 'series \u001b[31mred\r carriage', type: 'Warning', eventTime: '2026-01-01T00:00:00.000000Z', series: {count: 4, lastObservedTime: '2026-03-01T00:00:00.000000Z'}, action: 'Do', reportingComponent: 'x', reportingInstance: 'x-1'}),
]
const laterEvent = event('aa.late', 'aa', {reason: 'ArrivedMuchLaterThanTheOthers', message: 'came later', type: 'Warning', count: 1, firstTimestamp: '2026-04-01T00:00:00Z', lastTimestamp: '2026-04-01T00:00:00Z'})

describe.runIf(existsSync(realKubectl))('kubectl followers as the real kubectl, through up', {timeout: 180_000}, () => {
  const processes = upProcessesOfSuite()
  const home = temporaryFolder()
  const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
  const kubeconfig = join(home, 'default', 'kubeconfig')
  /** One line of the real kubectl (bounded by 60 s), expected to succeed. */
  const real = async (line: string) => {
    const result = await runShell(`timeout 60 ${realKubectl} --kubeconfig=${kubeconfig} ${line}`, {cwd: home, env})
    expect(result.status, `${line}: ${result.stderr}`).toBe(0)
  }
  const follow = (tool: Tool, args: readonly string[]) => (tool === 'real' ? new OutputProcess(realKubectl, [`--kubeconfig=${kubeconfig}`, ...args], env) : new OutputProcess(kubemu, ['kubectl', ...args], env))
  const lineCount = (text: string) => text.split('\n').length - 1
  /** Polls `done` every 50 ms, at most 1200 times. */
  const pollUntil = async (done: () => boolean) => {
    for (let attempt = 0; attempt < 1200 && !done(); attempt++) await new Promise((resolve) => setTimeout(resolve, 50))
    expect(done()).toBe(true)
  }
  /** Ages move while the test runs (days here): compared masked. */
  const withoutAges = (text: string) => text.replace(/\b\d+d\b/g, 'AGE')

  beforeAll(async () => {
    const up = new UpProcess(home)
    processes.push(up)
    await up.until(/leads kube-controller-manager/)
  })

  it('rollout status prints the status of every event its watch sees, the same message again included', async () => {
    const manifest = join(home, 'stuck.yaml')
    writeFileSync(manifest, stuckDeployment)
    await real('create ns roll')
    await real(`apply -f ${manifest} -n roll`)
    // Its pods fit no node: the rollout waits for them until the test scales it to 0.
    await real('wait --for=jsonpath={.status.unavailableReplicas}=2 deploy/stuck -n roll --timeout=60s')
    // The controller's status writes are over (both pods made, none available): from here on only
    // the test changes the Deployment, so both followers see the same events whenever they start.
    await real('wait --for=jsonpath={.status.updatedReplicas}=2 deploy/stuck -n roll --timeout=60s')
    const followers = (['real', 'ours'] as const).map((tool) => follow(tool, ['rollout', 'status', 'deploy/stuck', '-n', 'roll']))
    try {
      for (const follower of followers) await follower.until((output) => lineCount(output) >= 1)
      // Each annotation is an event whose status message is the one printed before. Only the real
      // kubectl is waited on: kubemu's sees the same events, and prints what it saw before it ends.
      for (const [index, key] of ['a', 'b'].entries()) {
        await real(`annotate deploy stuck -n roll ${key}=1`)
        await followers[0]!.until((output) => lineCount(output) >= index + 2)
      }
      await real('scale deploy stuck -n roll --replicas=0')
      expect(await Promise.all(followers.map((follower) => follower.exitCode()))).toEqual([0, 0])
      const [theirs, mine] = followers.map((follower) => follower.output)
      // The status of the first look, then the same message once for each annotation.
      const [first, ...again] = theirs!.split('\n').slice(0, 3)
      expect(first).toMatch(/^Waiting for deployment "stuck" rollout to finish: /)
      expect(again).toEqual([first, first])
      expect(theirs!.endsWith('deployment "stuck" successfully rolled out\n')).toBe(true)
      expect(mine).toBe(theirs)
    } finally {
      for (const follower of followers) await follower.stop()
    }
  })

  it('get -w whose first list is empty prints the header with the first event', async () => {
    await real('create ns quiet')
    const watches = [['-w'], ['-w', '--output-watch-events'], ['-w', '-o', 'wide'], ['--watch-only']]
    // -v=6 logs each request once answered: the watch's tells that it has started.
    const followers = watches.flatMap((args) => (['real', 'ours'] as const).map((tool) => follow(tool, ['get', 'cm', '-n', 'quiet', '-l', 'watched=yes', '-v=6', ...args])))
    try {
      for (const follower of followers) await pollUntil(() => /watch=true.* 200 OK/.test(follower.errorOutput))
      await real('create cm late -n quiet --from-literal=a=b')
      await real('label cm late -n quiet watched=yes')
      for (const follower of followers) await follower.until((output) => output.includes('late'))
      for (const follower of followers) await follower.stop()
      for (const [index, args] of watches.entries()) {
        const [theirs, mine] = [followers[index * 2]!, followers[index * 2 + 1]!]
        const ageless = (text: string) => text.replace(/\b\d+s\b/g, 'AGE')
        expect({args, stdout: ageless(mine.output)}).toEqual({args, stdout: ageless(theirs.output)})
        expect(theirs.output).toMatch(/^(EVENT +)?NAME +DATA +AGE\n/)
      }
    } finally {
      for (const follower of followers) await follower.stop()
    }
  })

  // Each: the arguments after `events -n ev -w`, and what it prints last of the events there before it started.
  const eventsWatches: ReadonlyArray<readonly [readonly string[], string]> = [
    [[], 'started zz'],
    [['--types=warning'], 'carriage'],
    [['--no-headers'], 'started zz'],
    [['-A', '--for', 'pod/aa'], 'carriage'],
    [['-o', 'yaml'], 'started zz'],
    [['-o', 'json'], 'started zz'],
    [['-o', 'name'], 'event/zz.1'],
    [['-o', 'jsonpath={.reason} '], 'Started'],
  ]

  it('events -w prints what exists in the server key order, then each event as it comes, as kubectl 1.32 prints them', async () => {
    const manifest = join(home, 'events.json')
    writeFileSync(manifest, earlierEvents.join('\n'))
    await real('create ns ev')
    await real(`create -f ${manifest}`)
    const followers = eventsWatches.flatMap(([args]) => (['real', 'ours'] as const).map((tool) => follow(tool, ['events', '-n', 'ev', '-w', ...args])))
    try {
      for (const [index, follower] of followers.entries()) await follower.until((output) => output.includes(eventsWatches[Math.floor(index / 2)]![1]))
      writeFileSync(manifest, laterEvent)
      await real(`create -f ${manifest}`)
      for (const follower of followers) await follower.until((output) => /aa\.late|ArrivedMuchLater/.test(output))
      for (const follower of followers) await follower.stop()
      for (const [index, [args]] of eventsWatches.entries()) {
        const [theirs, mine] = [followers[index * 2]!, followers[index * 2 + 1]!]
        expect({args, stdout: withoutAges(mine.output), stderr: mine.errorOutput}).toEqual({args, stdout: withoutAges(theirs.output), stderr: theirs.errorOutput})
      }
      // What the comparison covers: the events there before come in the server's key order, the later one after them.
      expect(withoutAges(followers[0]!.output)).toBe(
        [
          'LAST SEEN             TYPE      REASON   OBJECT   MESSAGE',
          'AGE (x3 over AGE)   Warning   Pulled   Pod/aa   pulled',
          'line two',
          'AGE (x4 over AGE)   Warning   Series   Pod/aa   series ^[[31mred\\r carriage',
          'AGE                  Normal    Started   Pod/zz   started zz',
          'AGE                  Warning   ArrivedMuchLaterThanTheOthers   Pod/aa   came later',
          '',
        ].join('\n'),
      )
    } finally {
      for (const follower of followers) await follower.stop()
    }
  })
})
