// The kubelet's image manager through the CLI in one-shot mode: imagePullPolicy IfNotPresent
// pulls an image on its first use on a node and finds it present afterwards (each node has its
// own images), the node's status lists what it pulled as a kubelet reports node.status.images,
// and Never on an image the node lacks leaves the container waiting in ErrImageNeverPull with
// kubelet's events. Through up, on a running clock, a pod's first start waits for its pulls.
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubectlsOnUp} from '../support/up-with-real-kubectl.js'

const projectRoot = join(import.meta.dirname, '..', '..')
const kubemu = join(projectRoot, 'bin', 'kubemu')

const pod = (name: string, node: string, image: string, policy: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  nodeName: ${node}
  containers:
  - name: main
    image: ${image}
    imagePullPolicy: ${policy}
`

describe('the images on a node', () => {
  let home: string
  const environment = () => ({...process.env, KUBEMU_HOME: home, KUBECONFIG: ''})
  const kubectl = (line: string, stdin?: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: environment(), stdin})
  const imageEvents = async (name: string) => (await kubectl(`get events --field-selector involvedObject.name=${name} -o jsonpath='{range .items[*]}{.type} {.reason}: {.message}{"\\n"}{end}'`)).stdout.split('\n').filter((line) => /Pull|Failed/.test(line))
  const pulled = /^Normal Pulled: Successfully pulled image "nginx:1\.27" in \S+ \(\S+ including waiting\)\. Image size: (\d+) bytes\.$/

  beforeAll(() => {
    home = temporaryFolder()
  })

  it('pulls an IfNotPresent image on its first use on each node, and finds it present on that node afterwards', async () => {
    expect((await kubectl('apply -f -', pod('first', 'worker-1', 'nginx:1.27', 'IfNotPresent'))).status).toBe(0)
    const first = await imageEvents('first')
    expect(first[0]).toBe('Normal Pulling: Pulling image "nginx:1.27"')
    expect(first[1]).toMatch(pulled)
    const sizeBytes = Number(pulled.exec(first[1]!)![1])
    expect((await kubectl('apply -f -', pod('second', 'worker-1', 'nginx:1.27', 'IfNotPresent'))).status).toBe(0)
    expect(await imageEvents('second')).toEqual(['Normal Pulled: Container image "nginx:1.27" already present on machine'])
    // Another node has its own images: its first pod pulls.
    expect((await kubectl('apply -f -', pod('elsewhere', 'worker-2', 'nginx:1.27', 'IfNotPresent'))).status).toBe(0)
    expect((await imageEvents('elsewhere'))[0]).toBe('Normal Pulling: Pulling image "nginx:1.27"')
    // The node's status lists the image as a kubelet reports it (with its next status sync, within
    // 10 s): digest and tag, its size.
    expect((await runShell(`${kubemu} time advance 10s`, {cwd: home, env: environment()})).status).toBe(0)
    const images = JSON.parse((await kubectl("get node worker-1 -o jsonpath='{.status.images}'")).stdout) as Array<{names: string[]; sizeBytes: number}>
    const nginx = images.find((image) => image.names.includes('docker.io/library/nginx:1.27'))
    expect(nginx).toEqual({names: [expect.stringMatching(/^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/), 'docker.io/library/nginx:1.27'], sizeBytes})
    // The digest is the one the container status reports as its imageID.
    expect((await kubectl("get pod second -o jsonpath='{.status.containerStatuses[0].imageID}'")).stdout).toBe(nginx!.names[0])
    expect((await kubectl("get node worker-3 -o jsonpath='{.status.images}'")).stdout).not.toContain('nginx')
  })

  it("runs a Never container whose image the node has, and leaves one whose image it lacks in ErrImageNeverPull with kubelet's events", async () => {
    expect((await kubectl('apply -f -', pod('never-present', 'worker-1', 'nginx:1.27', 'Never'))).status).toBe(0)
    expect(await imageEvents('never-present')).toEqual(['Normal Pulled: Container image "nginx:1.27" already present on machine'])
    expect((await kubectl('get pod never-present --no-headers')).stdout).toMatch(/^never-present +1\/1 +Running +0 /)
    expect((await kubectl('apply -f -', pod('never-absent', 'worker-3', 'nginx:1.27', 'Never'))).status).toBe(0)
    expect(await imageEvents('never-absent')).toEqual([
      'Warning ErrImageNeverPull: Container image "nginx:1.27" is not present with pull policy of Never',
      'Warning Failed: Error: ErrImageNeverPull',
    ])
    expect((await kubectl('get pod never-absent --no-headers')).stdout).toMatch(/^never-absent +0\/1 +ErrImageNeverPull +0 /)
    const status = JSON.parse((await kubectl("get pod never-absent -o jsonpath='{.status}'")).stdout) as {phase: string; containerStatuses: Array<{state: unknown; ready: boolean}>}
    expect(status.phase).toBe('Pending')
    expect(status.containerStatuses[0]).toMatchObject({state: {waiting: {reason: 'ErrImageNeverPull', message: 'Container image "nginx:1.27" is not present with pull policy of Never'}}, ready: false})
    // Nothing was pulled for it: the node still lacks the image.
    expect((await kubectl("get node worker-3 -o jsonpath='{.status.images}'")).stdout).not.toContain('nginx')
  })

  it("tries a Never pod again on the pod worker's back-off (10-15 s), the events counted as the recorder aggregates them and held back by its spam filter past a burst of 25", async () => {
    const counts = async () => Object.fromEntries((await kubectl("get events --field-selector involvedObject.name=never-absent -o jsonpath='{range .items[*]}{.reason} {.count}{\"\\n\"}{end}'")).stdout.split('\n').filter(Boolean).map((line) => line.split(' ')).map(([reason, count]) => [reason, Number(count)]))
    const advance = async (duration: string) => expect((await runShell(`${kubemu} time advance ${duration}`, {cwd: home, env: environment()})).status).toBe(0)
    await advance('60s')
    // 4 to 6 retries in a minute (a few more seconds pass between the commands), each telling both events again.
    const minute = await counts()
    expect(minute.ErrImageNeverPull).toBeGreaterThanOrEqual(5)
    expect(minute.ErrImageNeverPull).toBeLessThanOrEqual(8)
    expect(minute.Failed).toBe(minute.ErrImageNeverPull)
    expect((await kubectl('get pod never-absent --no-headers')).stdout).toMatch(/^never-absent +0\/1 +ErrImageNeverPull +0 /)
    expect((await kubectl("get pod never-absent -o jsonpath='{.status.phase} {.status.containerStatuses[0].state.waiting.reason}'")).stdout).toBe('Pending ErrImageNeverPull')
    // Ten minutes on, about 48 retries have asked, but client-go lets 25 events about one object
    // through, then one every 5 minutes: 13 ErrImageNeverPull and 12 Failed, then a refill or two.
    await advance('9m')
    const later = await counts()
    expect(later.ErrImageNeverPull).toBeGreaterThanOrEqual(13)
    expect(later.ErrImageNeverPull).toBeLessThanOrEqual(15)
    expect(later.Failed).toBe(12)
    // Another pod pulls the image onto the node: the next retry starts the container.
    expect((await kubectl('apply -f -', pod('puller', 'worker-3', 'nginx:1.27', 'IfNotPresent'))).status).toBe(0)
    await advance('15s')
    expect((await kubectl('get pod never-absent --no-headers')).stdout).toMatch(/^never-absent +1\/1 +Running +0 /)
  })
})

describe('pulls on a running clock, through up with the real kubectl', () => {
  const {real} = kubectlsOnUp()
  const events = async (name: string) =>
    JSON.parse((await real(`get events --field-selector involvedObject.name=${name} -o json`)).stdout).items as Array<{reason: string; message: string; firstTimestamp: string}>

  it('keeps a pod ContainerCreating while its images are pulled, one container after the other, then starts it', async () => {
    const manifest = `apiVersion: v1
kind: Pod
metadata: {name: pulled-late}
spec:
  nodeName: worker-2
  containers:
  - {name: first, image: "redis:7"}
  - {name: second, image: "httpd:2.4"}
`
    expect((await real('apply -f -', manifest)).status).toBe(0)
    expect((await real('get pod pulled-late --no-headers')).stdout).toMatch(/^pulled-late +0\/2 +ContainerCreating /)
    expect((await real('wait --for=condition=Ready pod/pulled-late --timeout=60s')).status).toBe(0)
    const seen = await events('pulled-late')
    const at = (reason: string, text: string) => Date.parse(seen.find((event) => event.reason === reason && event.message.includes(text))!.firstTimestamp) / 1000
    const took = (image: string) => Number(/ in ([\d.]+)s /.exec(seen.find((event) => event.reason === 'Pulled' && event.message.includes(image))!.message)![1])
    // Each Pulled comes its pull's time after its Pulling (whole seconds on the events), the second pull after the first.
    for (const image of ['redis:7', 'httpd:2.4']) {
      expect(at('Pulled', image) - at('Pulling', image)).toBeGreaterThanOrEqual(Math.floor(took(image)))
      expect(at('Pulled', image) - at('Pulling', image)).toBeLessThanOrEqual(Math.ceil(took(image)))
    }
    expect(at('Pulling', 'httpd:2.4')).toBeGreaterThanOrEqual(at('Pulled', 'redis:7'))
    const status = JSON.parse((await real('get pod pulled-late -o json')).stdout).status as {containerStatuses: Array<{state: {running: {startedAt: string}}}>}
    for (const container of status.containerStatuses) expect(Date.parse(container.state.running.startedAt) / 1000).toBeGreaterThanOrEqual(at('Pulled', 'httpd:2.4'))
    // The node has them now: the next pod there starts without a pull.
    expect((await real(`run again --image=redis:7 --overrides='{"spec":{"nodeName":"worker-2"}}'`)).status).toBe(0)
    expect((await real('wait --for=condition=Ready pod/again --timeout=60s')).status).toBe(0)
    expect((await events('again')).filter((event) => event.reason.startsWith('Pull')).map((event) => event.message)).toEqual(['Container image "redis:7" already present on machine'])
  }, 90_000)

  it('pulls an image once for the containers that share it, and a pull planned for a second pod stays its pull when the first brings the image', async () => {
    const pod = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec:\n  nodeName: worker-3\n  containers:\n  - {name: db, image: "mysql:8.4"}\n  - {name: same, image: "mysql:8.4"}\n`
    for (const name of ['shared-a', 'shared-b']) expect((await real('apply -f -', pod(name))).status).toBe(0)
    for (const name of ['shared-a', 'shared-b']) expect((await real(`wait --for=condition=Ready pod/${name} --timeout=60s`)).status).toBe(0)
    for (const name of ['shared-a', 'shared-b']) {
      const pulls = (await events(name)).filter((event) => event.reason.startsWith('Pull')).map((event) => event.message.replace(/ in [\d.]+m?s \([\d.]+m?s including waiting\)\. Image size: \d+ bytes\./, ' in …'))
      expect(pulls.sort()).toEqual(['Container image "mysql:8.4" already present on machine', 'Pulling image "mysql:8.4"', 'Successfully pulled image "mysql:8.4" in …'])
    }
  }, 90_000)
})
