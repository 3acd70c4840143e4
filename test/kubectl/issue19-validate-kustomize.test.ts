// Issue 19 beside the real kubectl 1.32 through `up`: --validate=warn on a List (a kind no API path
// takes fieldValidation for) logs kubectl's schema.go:145 warning that it skips it, once per such
// document, whatever follows; describe, expose and the rollout verbs take -k as kubectl 1.32 does
// (describe and rollout print a kustomization that fails to build bare, as their builders gather it).
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {realKubectlFound} from '../support/real-kubectl.js'
import {kubectlsOnUp} from '../support/up-with-real-kubectl.js'

describe.runIf(realKubectlFound !== undefined)('issue 19: --validate=warn on Lists, and -k on describe, expose and rollout, beside the real kubectl through up', () => {
  const {real, home, sameAsReal} = kubectlsOnUp()

  const file = (path: string, text: string) => {
    mkdirSync(join(home(), path, '..'), {recursive: true})
    writeFileSync(join(home(), path), text)
  }

  it('logs that --validate=warn skips a List, once per List document', async () => {
    const item = (name: string, extra = '') => `- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: ${name}}\n${extra}`
    file('list.yaml', `apiVersion: v1\nkind: List\nitems:\n${item('l1', '  data: {a: b}\n')}`)
    file('empty-list.yaml', 'apiVersion: v1\nkind: List\nitems: []\n')
    file('bad-list.yaml', `apiVersion: v1\nkind: List\nitems:\n${item('l2', '  bogus: 1\n')}`)
    file('cm-list.yaml', `apiVersion: v1\nkind: ConfigMapList\nitems:\n${item('l3')}`)
    file('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\n')
    for (const line of [
      'create -f list.yaml --validate=warn --dry-run=server',
      'create -f empty-list.yaml --validate=warn',
      'create -f bad-list.yaml --validate=warn --dry-run=server',
      'create -f cm-list.yaml --validate=warn --dry-run=server',
      'create -f list.yaml -f empty-list.yaml -f cm.yaml --validate=warn --dry-run=server',
      'apply -f list.yaml --validate=warn --dry-run=server',
      'apply -f list.yaml --validate=warn --dry-run=client',
      'replace -f list.yaml --validate=warn',
      'create -f list.yaml --validate=strict --dry-run=server',
      'create -f cm.yaml --validate=warn --dry-run=server',
    ]) {
      await sameAsReal(line)
    }
    expect((await real('create -f list.yaml --validate=warn --dry-run=server')).stderr).toContain('schema.go:145] cannot perform warn validation')
  }, 60_000)

  it('takes -k in describe, expose and the rollout verbs', async () => {
    file('kc/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n')
    file('kc/kustomization.yaml', 'resources:\n- cm.yaml\nnamePrefix: k-\n')
    file('kd/d.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec: {containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]}\n')
    file('kd/kustomization.yaml', 'resources:\n- d.yaml\nnamePrefix: k-\n')
    file('broken/kustomization.yaml', 'resources:\n- nothere.yaml\n')
    for (const folder of ['kc', 'kd']) expect((await real(`apply -k ${folder}`)).status).toBe(0)
    expect((await real('rollout status -k kd')).status).toBe(0)
    for (const line of [
      'describe -k kc',
      'describe -k nothere',
      'describe -k broken',
      'describe -k kc -f kc/cm.yaml',
      'describe -k kc cm',
      'expose -k kd --port=80 --dry-run=client -o yaml',
      'expose -k kd --port=8080 --target-port=80 --name=s --dry-run=server -o name',
      'expose -k nothere --port=80',
      'expose -k kd -f kd/d.yaml --port=80',
      'expose -k kd deploy/k-d --port=80',
      'rollout status -k kd',
      'rollout history -k kd',
      'rollout restart -k nothere',
      'rollout undo -k kd --dry-run=server',
      'rollout status -k kd deploy/k-d',
    ]) {
      await sameAsReal(line)
    }
  }, 60_000)
})
