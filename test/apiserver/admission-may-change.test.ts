// A recorded write compares the object (as JSON) only around the admission plugins that say they
// may change it for that request (AdmissionPlugin.mayChange), and takes the word of those that
// report their changes (the webhooks, AdmissionPlugin.reportsChange): a plugin that said no and changed
// the object after all would go missing from `kubemu trace`. Every default plugin is checked
// here against what it really does on writes of the kinds the plugins act on, and of those they
// leave alone.
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {ApiServer, defaultAdmissionPlugins} from '../../src/core/apiserver/apiserver.js'
import type {AdmissionPlugin} from '../../src/core/apiserver/admission/chain.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {ApiClient} from '../../src/core/client/client.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {temporaryFolder} from '../support/temp.js'

interface Observation {
  readonly plugin: string
  readonly request: string
  readonly declared: boolean
  readonly changed: boolean
}

/** The plugin as it is, but each admit reports whether it changed the object and what the plugin declared. */
function observed(plugin: AdmissionPlugin, seen: Observation[]): AdmissionPlugin {
  const admit = plugin.admit?.bind(plugin)
  if (!admit) return plugin
  return {
    name: plugin.name,
    ...(plugin.mayChange ? {mayChange: plugin.mayChange.bind(plugin)} : {}),
    ...(plugin.reportsChange ? {reportsChange: true} : {}),
    ...(plugin.validate ? {validate: plugin.validate.bind(plugin)} : {}),
    admit: async (attributes, object, old) => {
      const before = JSON.stringify(object)
      const reported = await admit(attributes, object, old)
      const {operation, definition, subresource} = attributes
      seen.push({
        plugin: plugin.name,
        request: `${operation} ${definition.resource}${subresource ? `/${subresource}` : ''}`,
        // A plugin that reports its changes declares them as it makes them.
        declared: plugin.reportsChange ? reported === true : (plugin.mayChange?.(attributes) ?? true),
        changed: JSON.stringify(object) !== before,
      })
      return reported
    },
  }
}

describe('admission plugins that may change an object', () => {
  it('say so for every request on which they change it', {timeout: 60_000}, async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 5, 12, 0, 0))
    const seen: Observation[] = []
    const api = new ApiServer({store: new LazyEmbeddedStore(temporaryFolder(), {clock}), clock, admission: (reader) => defaultAdmissionPlugins(reader).map((plugin) => observed(plugin, seen))})
    await ensureBootstrapped(api, clock.nowMilliseconds())
    const admin = new ApiClient(api, apiServerUser)
    const send = async (method: 'POST' | 'PUT', path: string, body: unknown): Promise<KubeObject> => (await admin.request(method, path, {body})).body as KubeObject
    // The bootstrap made the default StorageClass (standard), as kind's does.
    await send('POST', '/apis/networking.k8s.io/v1/ingressclasses', {apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: {name: 'nginx', annotations: {'ingressclass.kubernetes.io/is-default-class': 'true'}}, spec: {controller: 'example.com/ingress'}})
    await send('POST', '/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'apps'}})
    // No controller runs here to give apps its ServiceAccount: the pod goes to default, which has one.
    const pod = await send('POST', '/api/v1/namespaces/default/pods', {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'web'}, spec: {containers: [{name: 'web', image: 'nginx'}]}})
    const running = await send('PUT', '/api/v1/namespaces/default/pods/web/status', {...pod, status: {phase: 'Running'}})
    await send('PUT', '/api/v1/namespaces/default/pods/web', {...running, metadata: {...running.metadata, labels: {app: 'web'}}})
    await send('POST', '/api/v1/namespaces/default/events', {apiVersion: 'v1', kind: 'Event', metadata: {name: 'web.1'}, involvedObject: {kind: 'Pod', namespace: 'default', name: 'web'}, reason: 'Started', message: 'Started container web', type: 'Normal'})
    await send('POST', '/api/v1/namespaces/apps/persistentvolumeclaims', {apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: {name: 'data'}, spec: {accessModes: ['ReadWriteOnce'], resources: {requests: {storage: '1Gi'}}}})
    await send('POST', '/api/v1/persistentvolumes', {apiVersion: 'v1', kind: 'PersistentVolume', metadata: {name: 'disk'}, spec: {capacity: {storage: '1Gi'}, accessModes: ['ReadWriteOnce'], hostPath: {path: '/data'}}})
    await send('POST', '/apis/networking.k8s.io/v1/namespaces/apps/ingresses', {apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: {name: 'web'}, spec: {defaultBackend: {service: {name: 'web', port: {number: 80}}}}})

    const hidden = seen.filter((entry) => entry.changed && !entry.declared)
    expect(hidden).toEqual([])
    // The plugins did change objects on their own requests, so the check above had something to catch.
    const changes = new Set(seen.filter((entry) => entry.changed).map((entry) => `${entry.plugin}: ${entry.request}`))
    for (const expected of ['ServiceAccount: CREATE pods', 'DefaultTolerationSeconds: CREATE pods', 'DefaultStorageClass: CREATE persistentvolumeclaims', 'StorageObjectInUseProtection: CREATE persistentvolumeclaims', 'StorageObjectInUseProtection: CREATE persistentvolumes', 'DefaultIngressClass: CREATE ingresses']) {
      expect(changes).toContain(expected)
    }
    // And most plugins were left out of the comparison on most writes (what the declaration is
    // for): with no webhook configured, none is compared around a status write.
    expect(seen.filter((entry) => entry.request === 'UPDATE pods/status' && entry.declared).map((entry) => entry.plugin)).toEqual([])
  })
})
