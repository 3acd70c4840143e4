// generateName: a generated name that is taken is generated again, up to 8 creates in all, as
// kube-apiserver 1.32 does (RetryGenerateName); a name given by the client is never changed.
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {generatedNameCreateAttemptsMax} from '../../src/core/apiserver/registry.js'
import {ApiClient} from '../../src/core/client/client.js'
import {resources} from '../../src/core/client/resources.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {temporaryFolder} from '../support/temp.js'

describe('generateName', () => {
  it('generates again when the name is taken, and gives up after 8 creates', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 24, 12, 0, 0))
    const store = new LazyEmbeddedStore(temporaryFolder(), {clock})
    // Draws: 0 gives the suffix "bbbbb"; a queue of draws decides the suffixes, then 0 forever.
    const draws: number[] = []
    let drawn = 0
    const api = new ApiServer({store, clock, random: () => (drawn++, draws.shift() ?? 0)})
    try {
      await ensureBootstrapped(api, clock.nowMilliseconds())
      const admin = new ApiClient(api, apiServerUser)
      const generated = {kind: 'ConfigMap', apiVersion: 'v1', metadata: {generateName: 'settings-', namespace: 'default'}} as unknown as KubeObject
      expect((await admin.create(resources.configMaps, generated)).metadata.name).toBe('settings-bbbbb')
      // The second draws "bbbbb" again, is refused, and draws "ccccc" (0.04 × 27 letters = 1).
      drawn = 0
      draws.push(0, 0, 0, 0, 0, 0.04, 0.04, 0.04, 0.04, 0.04)
      expect((await admin.create(resources.configMaps, generated)).metadata.name).toBe('settings-ccccc')
      expect(drawn).toBe(10)
      drawn = 0
      await expect(admin.create(resources.configMaps, generated)).rejects.toThrow('configmaps "settings-bbbbb" already exists')
      expect(drawn).toBe(generatedNameCreateAttemptsMax * 5)
      // A name of the client's own is refused at once.
      await expect(admin.create(resources.configMaps, {...generated, metadata: {name: 'settings-bbbbb', generateName: 'settings-', namespace: 'default'}} as KubeObject)).rejects.toThrow('already exists')
    } finally {
      await store.close()
    }
  })
})
