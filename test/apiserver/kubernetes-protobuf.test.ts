// Request bodies in application/vnd.kubernetes.protobuf. The fixtures are what the real kubectl 1.32
// sent to kubemu's front door (`kubectl create configmap|secret|deployment|job|cronjob|service|
// clusterrole|rolebinding|quota|pdb|priorityclass|namespace|serviceaccount|token`, `auth can-i`),
// and, beside most, what the same kubectl printed for the same command with --dry-run=client -o json:
// the same Go object marshalled to JSON.
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {goDuration, messageNestingDepthMax, ProtobufBodyError, protobufBodyToObject} from '../../src/core/server/kubernetes-protobuf.js'
import {startHttpApi} from '../../src/core/server/http-api.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {temporaryFolder} from '../support/temp.js'

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'kubernetes-protobuf')
const fixture = (name: string) => readFileSync(join(fixtures, name))

/**
 * Go's encoding/json writes fields that are not pointers even when zero (`creationTimestamp: null`,
 * `resources: {}`, `status: {}`); they decode to the zero value they stand for, as absent fields do.
 */
function withoutGoZeroValues(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutGoZeroValues)
  if (value === null || typeof value !== 'object') return value
  const result: Record<string, unknown> = {}
  for (const [key, entry] of Object.entries(value)) {
    const cleaned = withoutGoZeroValues(entry)
    if (cleaned === null || (typeof cleaned === 'object' && !Array.isArray(cleaned) && Object.keys(cleaned).length === 0)) continue
    result[key] = cleaned
  }
  return result
}

// Protocol buffer encoding for hand-made bodies: a field is its key (number << 3 | wire type) and payload.
function varint(value: bigint): number[] {
  const bytes: number[] = []
  let rest = BigInt.asUintN(64, value)
  do {
    bytes.push(Number(rest & 0x7fn) | (rest >= 0x80n ? 0x80 : 0))
    rest >>= 7n
  } while (rest > 0n)
  return bytes
}
const numberField = (number: number, value: bigint | number) => [...varint(BigInt(number << 3)), ...varint(BigInt(value))]
const bytesField = (number: number, payload: number[] | string) => {
  const bytes = typeof payload === 'string' ? [...Buffer.from(payload)] : payload
  return [...varint(BigInt((number << 3) | 2)), ...varint(BigInt(bytes.length)), ...bytes]
}
/** The "k8s\0" envelope (runtime.Unknown) around a message of the given type. */
const envelope = (apiVersion: string, kind: string, raw: number[]) =>
  new Uint8Array([0x6b, 0x38, 0x73, 0x00, ...bytesField(1, [...bytesField(1, apiVersion), ...bytesField(2, kind)]), ...bytesField(2, raw)])

describe('protobuf request bodies', () => {
  it('decode to the JSON the real kubectl prints for the same object', () => {
    const compared = readdirSync(fixtures).filter((name) => name.endsWith('.json'))
    expect(compared.length).toBeGreaterThanOrEqual(12)
    for (const name of compared) {
      const decoded = protobufBodyToObject(fixture(name.replace(/\.json$/, '.pb')))
      const printed = JSON.parse(fixture(name).toString('utf8')) as Record<string, unknown>
      // status is not sent on create (its zero value here); the rest must be the same object.
      const {status: _status, ...expected} = printed
      expect(decoded, name).toEqual(withoutGoZeroValues(expected))
    }
  })

  it('keep what Go pointers hold even when zero, and IntOrString, bytes and maps as JSON has them', () => {
    const deployment = protobufBodyToObject(fixture('deployment.pb')) as {spec: {replicas: number}}
    expect(deployment.spec.replicas).toBe(0) // --replicas=0: a *int32 that is set
    const services = ['service-clusterip.pb', 'service-nodeport.pb'].map((name) => (protobufBodyToObject(fixture(name)) as {spec: {ports: Array<{targetPort: unknown}>}}).spec.ports[0]!.targetPort)
    expect(services).toEqual([8080, 'http'])
    expect(protobufBodyToObject(fixture('configmap.pb'))).toMatchObject({binaryData: {blob: Buffer.from([0, 1, 2, ...Buffer.from('binary'), 0xff]).toString('base64')}})
    expect(protobufBodyToObject(fixture('tokenrequest.pb'))).toEqual({apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {audiences: ['example'], expirationSeconds: 3600}})
    expect(protobufBodyToObject(fixture('selfsubjectaccessreview.pb'))).toEqual({
      apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview',
      spec: {resourceAttributes: {namespace: 'proto2', verb: 'get', resource: 'pods', subresource: 'log'}},
    })
    expect(protobufBodyToObject(fixture('namespace.pb'))).toEqual({apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'proto2'}})
  })

  it('inline embedded structs, write times, durations and named slices as Go does', () => {
    // Volume{name, volumeSource{configMap{localObjectReference{name}, items, defaultMode}}} in a Pod.
    const configMapSource = [...bytesField(1, bytesField(1, 'settings')), ...numberField(3, 420)]
    const volume = [...bytesField(1, 'config'), ...bytesField(2, bytesField(19, configMapSource))]
    const pod = [
      ...bytesField(1, [...bytesField(1, 'p'), ...bytesField(8, numberField(1, 1_700_000_000))]),
      ...bytesField(2, bytesField(1, volume)),
    ]
    expect(protobufBodyToObject(envelope('v1', 'Pod', pod))).toEqual({
      apiVersion: 'v1', kind: 'Pod',
      metadata: {name: 'p', creationTimestamp: '2023-11-14T22:13:20Z'},
      spec: {volumes: [{name: 'config', configMap: {name: 'settings', defaultMode: 420}}]},
    })
    // A SubjectAccessReview's extra is a map of ExtraValue, a []string in Go.
    const extra = bytesField(5, [...bytesField(1, 'scopes'), ...bytesField(2, [...bytesField(1, 'a'), ...bytesField(1, 'b')])])
    expect(protobufBodyToObject(envelope('authorization.k8s.io/v1', 'SubjectAccessReview', bytesField(2, [...extra, ...bytesField(3, 'alice')])))).toEqual({
      apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: {extra: {scopes: ['a', 'b']}, user: 'alice'},
    })
    // DeleteOptions are meta/v1's under any group version; gracePeriodSeconds 0 is a set pointer.
    expect(protobufBodyToObject(envelope('v1', 'DeleteOptions', [...numberField(1, 0), ...bytesField(4, 'Foreground')]))).toEqual({
      apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, propagationPolicy: 'Foreground',
    })
    // An Event's MicroTime keeps microseconds; a negative int32 is ten bytes on the wire.
    const event = [...bytesField(1, bytesField(1, 'e')), ...bytesField(2, [...numberField(1, 1_700_000_000), ...numberField(2, 123_456_789)]), ...numberField(15, -5)]
    expect(protobufBodyToObject(envelope('events.k8s.io/v1', 'Event', event))).toMatchObject({eventTime: '2023-11-14T22:13:20.123456Z', metadata: {name: 'e'}, deprecatedCount: -5})
    expect(goDuration(0)).toBe('0s')
    expect([goDuration(3_600_000_000_000), goDuration(90_500_000_000), goDuration(1_500_000), goDuration(-2_000), goDuration(999)]).toEqual(['1h0m0s', '1m30.5s', '1.5ms', '-2µs', '999ns'])
  })

  it('refuse what is not a Kubernetes protobuf message with kube-apiserver\'s words', () => {
    expect(() => protobufBodyToObject(Buffer.from('{"kind":"ConfigMap"}'))).toThrow(new ProtobufBodyError('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]'))
    expect(() => protobufBodyToObject(envelope('v1', 'Gadget', []))).toThrow('no kind "Gadget" is registered for version "v1"')
    expect(() => protobufBodyToObject(new Uint8Array([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x05, 0x01]))).toThrow(/unable to decode the protobuf body: a length-delimited field longer than its message/)
    // Nesting is bounded: ControllerRevisions in one another's data (a RawExtension) end in an error, not a stack overflow.
    let nested = envelope('apps/v1', 'ControllerRevision', bytesField(1, bytesField(1, 'deep')))
    const depthOf = (object: unknown): number => (object && typeof object === 'object' && 'data' in object ? 1 + depthOf(object.data) : 0)
    for (let depth = 0; depth < 10; depth++) nested = envelope('apps/v1', 'ControllerRevision', bytesField(2, bytesField(1, [...nested])))
    expect(depthOf(protobufBodyToObject(nested))).toBe(10)
    for (let depth = 0; depth < messageNestingDepthMax; depth++) nested = envelope('apps/v1', 'ControllerRevision', bytesField(2, bytesField(1, [...nested])))
    expect(() => protobufBodyToObject(nested)).toThrow(new ProtobufBodyError(`messages nested more than ${messageNestingDepthMax} deep`))
  })
})

describe('the HTTP front door', () => {
  const folder = temporaryFolder()
  const store = new LazyEmbeddedStore(folder)
  const api = new ApiServer({store})
  afterAll(() => store.close())

  it('creates objects from protobuf bodies and answers JSON; a broken body is a 400', async () => {
    await ensureBootstrapped(api, Date.now())
    const server = await startHttpApi(api)
    try {
      const headers = {authorization: `Bearer ${api.credentials.adminToken()}`, 'content-type': 'application/vnd.kubernetes.protobuf', accept: 'application/vnd.kubernetes.protobuf, */*'}
      const created = await fetch(`${server.url}/api/v1/namespaces?fieldManager=kubectl-create`, {method: 'POST', headers, body: fixture('namespace.pb')})
      expect(created.status).toBe(201)
      expect(created.headers.get('content-type')).toBe('application/json')
      expect(await created.json()).toMatchObject({kind: 'Namespace', metadata: {name: 'proto2'}, status: {phase: 'Active'}})
      const secret = await fetch(`${server.url}/api/v1/namespaces/proto2/secrets`, {method: 'POST', headers, body: fixture('secret.pb')})
      expect(await secret.json()).toMatchObject({kind: 'Secret', metadata: {name: 's1', namespace: 'proto2'}, data: {password: Buffer.from('hunter2').toString('base64')}, type: 'Opaque'})
      const review = await fetch(`${server.url}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`, {method: 'POST', headers, body: fixture('selfsubjectaccessreview.pb')})
      expect(await review.json()).toMatchObject({status: {allowed: true}})
      const broken = await fetch(`${server.url}/api/v1/namespaces/proto2/configmaps`, {method: 'POST', headers, body: Buffer.from('not protobuf')})
      expect(broken.status).toBe(400)
      expect(await broken.json()).toMatchObject({kind: 'Status', reason: 'BadRequest', message: 'provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]'})
    } finally {
      await server.close()
    }
  })
})
