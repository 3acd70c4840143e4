// Components and replacements in `kubemu kubectl kustomize`, against the real kubectl 1.32 on the
// same fixtures: components applied in order to what their kustomization accumulated (with their
// own resources, generators, patches, replacements and nested components), replacements inline
// and from files with list selectors, wildcards, delimiters, create and reject. Their failures
// are among the errors/ fixtures kustomize.test.ts compares. The fidelity fixture mixes generator
// options, prefix and suffix with references, commonLabels and labels, images, replicas and namespace.
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {compareKustomize, realKubectlMissing} from './kustomize-real.js'

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'kustomize')

describe.skipIf(realKubectlMissing !== undefined)('kubemu kubectl kustomize: components and replacements', () => {
  it.each(['components/overlay', 'replacements/basic', 'replacements/files', 'fidelity'])('builds %s byte for byte as kubectl kustomize does', async (fixture) => {
    const theirs = await compareKustomize(`kustomize ${fixture}`, fixtures)
    expect(theirs.status).toBe(0)
    expect(theirs.stdout).toMatch(/^apiVersion: /)
  })

  it('applies a component after its kustomization\'s generators and before its transformers', async () => {
    const theirs = await compareKustomize('kustomize components/overlay', fixtures)
    // The component's prefix-free names got the including kustomization's prefix and namespace,
    // its merge into the base's generated ConfigMap landed, and its replacement wrote the port.
    expect(theirs.stdout).toContain('name: prod-metrics\n  namespace: prod\n')
    expect(theirs.stdout).toContain('TLS: "on"')
    expect(theirs.stdout).toContain('- containerPort: 9113')
  })

  it('builds a component on its own as kustomize does: on nothing accumulated, so its patches and merges find no target', async () => {
    for (const component of ['components/monitoring', 'components/tls']) {
      const theirs = await compareKustomize(`kustomize ${component}`, fixtures)
      expect(theirs.status).toBe(1)
    }
  })
})
