// Two HorizontalPodAutoscalers over the same pods, through the real CLI: kube-controller-manager
// refuses to act on either, with AmbiguousSelector on ScalingActive and its events naming both.
import {describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu} from '../support/up-process.js'
import {webDeploymentRequestingCpu} from '../support/autoscaling.js'

const deployment = webDeploymentRequestingCpu

describe('HorizontalPodAutoscaler ambiguous selector', () => {
  it('marks both HPAs of one Deployment AmbiguousSelector and scales nothing until one goes', async () => {
    const home = temporaryFolder()
    const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', NO_COLOR: '1'}
    const run = (line: string, stdin?: string) => runShell(`${kubemu} ${line}`, {cwd: home, env, ...(stdin === undefined ? {} : {stdin})})
    const kubectl = (line: string, stdin?: string) => run(`kubectl ${line}`, stdin)
    expect((await kubectl('apply -f -', deployment)).status).toBe(0)
    expect((await kubectl('autoscale deployment web --name=first --cpu-percent=50 --min=1 --max=5')).status).toBe(0)
    expect((await kubectl('autoscale deployment web --name=second --cpu-percent=80 --min=1 --max=3')).status).toBe(0)
    expect((await run('load deployment/web 400m')).status).toBe(0)
    expect((await run('time advance 45s')).status).toBe(0)
    const message = 'pods by selector app=web are controlled by multiple HPAs: [default/first default/second]'
    for (const name of ['first', 'second']) {
      const active = JSON.parse((await kubectl(`get hpa ${name} -o jsonpath='{.status.conditions[?(@.type=="ScalingActive")]}'`)).stdout) as Record<string, string>
      expect(active).toMatchObject({status: 'False', reason: 'AmbiguousSelector', message})
    }
    const events = (await kubectl(`get events --field-selector involvedObject.name=first -o jsonpath='{range .items[*]}{.type} {.reason}: {.message}{"\\n"}{end}'`)).stdout
    expect(events).toContain(`Warning AmbiguousSelector: ${message}\n`)
    expect(events).toContain(`Warning FailedComputeMetricsReplicas: ${message}\n`)
    // Neither scales, though the load asks for more, and each command's controller (a new
    // process) knows the other HPA's selector from the start.
    const replicas = (await kubectl("get deployment web -o jsonpath='{.spec.replicas}'")).stdout
    expect(replicas).toBe('1')
    expect((await run('time advance 45s')).status).toBe(0)
    expect((await kubectl("get deployment web -o jsonpath='{.spec.replicas}'")).stdout).toBe(replicas)

    expect((await kubectl('delete hpa second')).status).toBe(0)
    expect((await run('time advance 45s')).status).toBe(0)
    const active = JSON.parse((await kubectl(`get hpa first -o jsonpath='{.status.conditions[?(@.type=="ScalingActive")]}'`)).stdout) as Record<string, string>
    expect(active).toMatchObject({status: 'True', reason: 'ValidMetricFound'})
    expect(Number((await kubectl("get deployment web -o jsonpath='{.spec.replicas}'")).stdout)).toBeGreaterThan(Number(replicas))
  }, 240_000)
})
