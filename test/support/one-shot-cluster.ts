// A one-shot cluster for the control plane's end-to-end tests: a fresh KUBEMU_HOME, kubemu's
// kubectl run in it as a subprocess, and the manifests those tests apply.
import {join} from 'node:path'
import {beforeAll} from 'vitest'
import {runShell, type ShellResult} from './shell.js'
import {temporaryFolder} from './temp.js'

export const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')

export const deploymentManifest = (name: string, replicas: number, image: string, cpu: string, strategy = '') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
${strategy}  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: main
        image: ${image}
        resources: {requests: {cpu: ${cpu}, memory: 64Mi}}
`

export interface OneShotCluster {
  readonly home: () => string
  readonly environment: () => NodeJS.ProcessEnv
  /** `kubemu kubectl LINE` in the cluster's folder. */
  readonly kubectl: (line: string, stdin?: string) => Promise<ShellResult>
  /** `kubemu LINE` (node, etcdctl, why …) in the cluster's folder. */
  readonly kubemu: (line: string) => Promise<ShellResult>
  /** How many pods of a selector run where: `worker-1=Running` → count (`=Pending` when unscheduled). */
  readonly podsByNode: (selector: string) => Promise<Record<string, number>>
}

/** A cluster made in the test file's beforeAll, in a folder of its own. */
export function oneShotCluster(): OneShotCluster {
  let home = ''
  beforeAll(() => {
    home = temporaryFolder()
  })
  const environment = () => ({...process.env, KUBEMU_HOME: home, KUBECONFIG: ''})
  const kubectl = (line: string, stdin?: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: environment(), stdin})
  const podsByNode = async (selector: string) => {
    const listed = await kubectl(`get pods -l ${selector} -o jsonpath='{range .items[*]}{.spec.nodeName}={.status.phase}{"\\n"}{end}'`)
    const counts: Record<string, number> = {}
    for (const line of listed.stdout.split('\n').filter(Boolean)) counts[line] = (counts[line] ?? 0) + 1
    return counts
  }
  return {home: () => home, environment, kubectl, kubemu: (line) => runShell(`${kubemu} ${line}`, {cwd: home, env: environment()}), podsByNode}
}
