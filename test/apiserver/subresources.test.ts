// The API server's subresource table and the scheme agree: every subresource a kind lists is
// declared once with how it is served, and discovery lists each with kube-apiserver 1.32's verbs.
import {describe, expect, it} from 'vitest'
import {builtinResources, builtinScheme} from '../../src/core/api/resources.js'
import {discovery} from '../../src/core/apiserver/discovery.js'
import {longRunningSubresources, subresourceNames, subresourceOf} from '../../src/core/apiserver/subresources.js'

describe('subresource table', () => {
  it('declares every subresource the built-in kinds list', () => {
    const declared = builtinResources.flatMap((definition) => subresourceNames(definition).map((name) => `${definition.resource}/${name} ${subresourceOf(definition, name)?.serving}`))
    expect(declared).toContain('pods/exec exec')
    expect(declared).toContain('pods/eviction eviction')
    expect(declared).toContain('deployments/scale scale')
    expect(declared).toContain('namespaces/finalize finalize')
    expect(declared).toContain('serviceaccounts/token token')
    expect(declared.filter((line) => line.endsWith(' undefined'))).toEqual([])
  })

  it('has no subresource for a name a kind does not list', () => {
    const scheme = builtinScheme()
    expect(subresourceOf(scheme.resource('', 'v1', 'configmaps')!, 'status')).toBeNull()
    expect(subresourceOf(scheme.resource('', 'v1', 'services')!, 'exec')).toBeNull()
    expect(subresourceOf(scheme.resource('apps', 'v1', 'deployments')!, 'log')).toBeNull()
  })

  it('holds open what kube-apiserver’s long-running check holds open', () => {
    expect([...longRunningSubresources].sort()).toEqual(['attach', 'exec', 'log', 'portforward', 'proxy'])
  })

  it('lists the subresources in discovery with their kinds and verbs', () => {
    const list = discovery(builtinScheme(), '/api/v1') as {resources: Array<{name: string; kind: string; group?: string; version?: string; verbs: string[]}>}
    const byName = new Map(list.resources.map((resource) => [resource.name, resource]))
    expect(byName.get('pods/eviction')).toMatchObject({group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create']})
    expect(byName.get('pods/status')).toMatchObject({kind: 'Pod', verbs: ['get', 'patch', 'update']})
    expect(byName.get('pods/log')).toMatchObject({kind: 'Pod', verbs: ['get']})
    expect(byName.get('replicationcontrollers/scale')).toMatchObject({group: 'autoscaling', version: 'v1', kind: 'Scale'})
    expect(byName.get('serviceaccounts/token')).toMatchObject({group: 'authentication.k8s.io', kind: 'TokenRequest'})
  })
})
