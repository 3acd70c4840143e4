// Admission webhooks as a user meets them under `kubemu up`: a refusal printed by kubemu's kubectl
// and by the real kubectl 1.32 in the same words, a mutating webhook's warning and label, and the
// configurations listed with their webhook counts.
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, UpProcess} from '../support/up-process.js'
import {configuration, WebhookServer} from './webhooks-server.js'

describe('admission webhooks through kubectl', () => {
  const home = temporaryFolder()
  const webhook = new WebhookServer()
  let up: UpProcess

  beforeAll(async () => {
    await webhook.start()
    up = new UpProcess(home)
    await up.until(/Kubernetes API at https:\/\/\S+ /)
  }, 120_000)
  afterAll(async () => {
    await up?.stop()
    await webhook.close()
  })

  const environment = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
  const ours = (line: string, stdin?: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: environment, stdin})
  const real = (line: string, stdin?: string) => runShell(`kubectl --kubeconfig=${join(home, 'default', 'kubeconfig')} ${line}`, {cwd: home, env: process.env, stdin})

  it('prints a validating webhook\'s refusal as kubectl does, from both kubectls', async () => {
    const manifest = JSON.stringify(configuration('ValidatingWebhookConfiguration', 'deny', {clientConfig: {url: webhook.url('/deny'), caBundle: webhook.caBundle}}))
    expect(await ours('apply -f -', manifest)).toMatchObject({status: 0, stdout: 'validatingwebhookconfiguration.admissionregistration.k8s.io/deny created\n'})
    const refusal = 'Error from server: error when creating "STDIN": admission webhook "deny.example.com" denied the request: configmaps named bad are not allowed\n'
    const bad = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad}\ndata: {a: b}\n'
    expect(await ours('create -f -', bad)).toMatchObject({status: 1, stdout: '', stderr: refusal})
    expect(await real('create -f -', bad)).toMatchObject({status: 1, stdout: '', stderr: refusal})
    const applied = await real('apply -f -', bad)
    expect(applied.stderr).toContain('admission webhook "deny.example.com" denied the request: configmaps named bad are not allowed\n')
    expect(await ours('apply -f -', bad)).toEqual(applied)
    for (const kubectl of [ours, real]) {
      const listed = await kubectl('get validatingwebhookconfigurations')
      expect(listed.stdout).toMatch(/^NAME +WEBHOOKS +AGE\ndeny +1 +\d+s\n$/)
    }
    // kubectl describes the configurations with its generic describer.
    const described = await real('describe validatingwebhookconfiguration deny')
    expect(described.stdout).toMatch(/\nWebhooks:\n  Admission Review Versions:\n    v1\n  Client Config:\n    Ca Bundle: +\S+\n    URL: +https:/)
    expect(await ours('describe validatingwebhookconfiguration deny')).toEqual(described)
    expect((await real('delete validatingwebhookconfiguration deny')).stdout).toBe('validatingwebhookconfiguration.admissionregistration.k8s.io "deny" deleted\n')
  })

  it('stores a mutating webhook\'s label and prints its warning', async () => {
    const manifest = JSON.stringify(configuration('MutatingWebhookConfiguration', 'labeler', {clientConfig: {url: webhook.url('/add-label'), caBundle: webhook.caBundle}}))
    expect((await real('apply -f -', manifest)).status).toBe(0)
    for (const [kubectl, name] of [[real, 'from-real'], [ours, 'from-ours']] as const) {
      const manifest = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {a: b}\n`
      expect(await kubectl('create -f -', manifest)).toMatchObject({status: 0, stdout: `configmap/${name} created\n`, stderr: 'Warning: label added by the webhook\n'})
      expect((await kubectl(`get configmap ${name} -o jsonpath={.metadata.labels.mutated}`)).stdout).toBe('yes')
    }
  })

  it('fails a request whose webhook answers what is not JSON with encoding/json\'s words, under failurePolicy Fail', async () => {
    const manifest = JSON.stringify(configuration('ValidatingWebhookConfiguration', 'broken', {clientConfig: {url: webhook.url('/not-json'), caBundle: webhook.caBundle}, failurePolicy: 'Fail'}))
    expect((await real('apply -f -', manifest)).status).toBe(0)
    const expected = 'Error from server (InternalError): error when creating "STDIN": Internal error occurred: failed calling webhook "broken.example.com": failed to call webhook: ' +
      "couldn't get version/kind; json parse error: invalid character 'o' in literal null (expecting 'u')\n"
    const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: unlucky}\ndata: {a: b}\n'
    for (const kubectl of [real, ours]) expect(await kubectl('create -f -', configMap)).toMatchObject({status: 1, stdout: '', stderr: expected})
    expect((await real('delete validatingwebhookconfiguration broken')).status).toBe(0)
  })

  it('refuses a bad configuration with kube-apiserver\'s 422', async () => {
    const manifest = JSON.stringify(configuration('ValidatingWebhookConfiguration', 'plain', {clientConfig: {url: 'http://127.0.0.1/x'}, timeoutSeconds: 0}))
    const expected = 'The ValidatingWebhookConfiguration "plain" is invalid: \n' +
      '* webhooks[0].timeoutSeconds: Invalid value: 0: the timeout value must be between 1 and 30 seconds\n' +
      '* webhooks[0].clientConfig.url: Invalid value: "http": \'https\' is the only allowed URL scheme; desired format: https://host[/path]\n'
    expect(await real('create -f -', manifest)).toMatchObject({status: 1, stderr: expected})
    expect(await ours('create -f -', manifest)).toMatchObject({status: 1, stderr: expected})
  })
})
