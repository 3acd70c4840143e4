// The root CA publisher through kubemu's kubectl, one-shot: every namespace holds the
// kube-root-ca.crt ConfigMap with the cluster's CA (the one the kubeconfig trusts), a new
// namespace gets it, and a deleted or edited one is put back, as kube-controller-manager does.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu} from '../support/up-process.js'

describe('the root CA publisher, one-shot', () => {
  it('puts the cluster CA in every namespace and puts it back when deleted or edited', async () => {
    const home = temporaryFolder()
    const kubectl = (line: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}})
    const listed = await kubectl("get cm -A --field-selector=metadata.name=kube-root-ca.crt -o jsonpath='{range .items[*]}{.metadata.namespace} {end}'")
    expect(listed.stdout.trim().split(' ').sort()).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system'])

    const kubeconfig = readFileSync(join(home, 'default', 'kubeconfig'), 'utf8')
    const trusted = Buffer.from(/certificate-authority-data: (\S+)/.exec(kubeconfig)![1]!, 'base64').toString('utf8')
    const published = JSON.parse((await kubectl('get cm kube-root-ca.crt -o json')).stdout)
    expect(published.data).toEqual({'ca.crt': trusted})
    expect(published.metadata.annotations['kubernetes.io/description']).toMatch(/^Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints/)

    expect((await kubectl('create namespace fresh')).status).toBe(0)
    expect((await kubectl('get cm -n fresh --no-headers')).stdout).toMatch(/^kube-root-ca\.crt +1 +/)

    // kubectl's delete waits for this uid to go; the publisher's new copy has another.
    expect(await kubectl('delete cm kube-root-ca.crt -n fresh')).toMatchObject({status: 0, stdout: 'configmap "kube-root-ca.crt" deleted\n'})
    const again = JSON.parse((await kubectl('get cm kube-root-ca.crt -n fresh -o json')).stdout)
    expect(again.metadata.uid).not.toBe(published.metadata.uid)
    expect(again.data).toEqual({'ca.crt': trusted})

    expect((await kubectl(`patch cm kube-root-ca.crt -n fresh --type=merge -p '{"data":{"ca.crt":"forged"}}'`)).status).toBe(0)
    expect(JSON.parse((await kubectl('get cm kube-root-ca.crt -n fresh -o json')).stdout).data).toEqual({'ca.crt': trusted})
  }, 120_000)
})
