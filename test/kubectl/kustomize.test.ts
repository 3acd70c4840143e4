// `kubemu kubectl kustomize` against the real kubectl 1.32 (which builds kustomizations with its
// embedded kustomize v5.5 and needs no server) on the fixtures: the same bytes on stdout, the
// same stderr and the same exit code.
import {readdirSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {temporaryFolder} from '../support/temp.js'
import {compareKustomize as compare, realKubectlMissing} from './kustomize-real.js'

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'kustomize')

describe.skipIf(realKubectlMissing !== undefined)('kubemu kubectl kustomize', () => {
  for (const fixture of ['base', 'overlay', 'legacy', 'workloads', 'app', 'edge', 'folding', 'layers/base', 'layers/mid', 'layers/top', 'patching/mixed', 'patching/order', 'patching/lists']) {
    it(`builds the ${fixture} fixture byte for byte as kubectl kustomize does`, async () => {
      const theirs = await compare(`kustomize ${fixture}`, fixtures)
      expect(theirs.status).toBe(0)
      expect(theirs.stdout).toMatch(/^apiVersion: /)
    })
  }

  it('builds the current folder when no folder is given, and writes to a file with -o', async () => {
    await compare('kustomize', join(fixtures, 'base'))
    const folder = temporaryFolder()
    await compare(`kustomize ${join(fixtures, 'overlay')} -o ${join(folder, 'out.yaml')}`, fixtures)
    await compare(`kustomize a b`, fixtures)
  })

  const errorCases = readdirSync(join(fixtures, 'errors')).sort()
  it.each(errorCases)('fails on errors/%s with kustomize\'s message and exit code', async (errorCase) => {
    const theirs = await compare(`kustomize errors/${errorCase}`, fixtures)
    expect(theirs.status).toBe(1)
    expect(theirs.stdout).toBe('')
  })

  it('lets files outside the kustomization in with --load-restrictor=LoadRestrictionsNone only', async () => {
    await compare('kustomize errors/outside-root --load-restrictor=LoadRestrictionsNone', fixtures)
    await compare('kustomize errors/outside-root --load-restrictor LoadRestrictionsRootOnly', fixtures)
    await compare('kustomize errors/outside-root --load-restrictor=none', fixtures)
  })

  it('fails on a folder that does not exist or is a file', async () => {
    await compare('kustomize nowhere', fixtures)
    await compare('kustomize base/kustomization.yaml', fixtures)
  })
})
