// Number literals in request bodies as kube-apiserver's decoder reads them: an integer field takes
// only an integer literal in its range (strconv.ParseInt on the text), so `1e3` and `1.0` are
// refused although JSON.parse makes integers of them, and Go's error names the literal as
// written; an IntOrString refuses a non-integer with encoding/json's own words; YAML bodies go
// through YAML-to-JSON first, which writes `1e3` as 1000. The reader that keeps the literals
// parses as JSON.parse does otherwise (seeded: a failure prints SEED=… to replay it).
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {hasLiteralsAtRisk, NumberLiteral, parseJsonKeepingLiterals, plainNumbers} from '../../src/core/api/json-literals.js'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {SeededRandom} from '../../src/core/util/random.js'
import {temporaryFolder} from '../support/temp.js'

describe('number literals in request bodies', () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 7, 12, 0, 0))
  const store = new LazyEmbeddedStore(temporaryFolder(), {clock})
  const api = new ApiServer({store, clock})
  let created = 0
  const post = async (path: string, body: string, contentType = 'application/json') => {
    const response = await api.handle({method: 'POST', path, headers: {'content-type': contentType}, user: apiServerUser, body})
    return {status: response.status, body: response.body as {message?: string; spec?: Record<string, unknown>; metadata?: Record<string, unknown>}}
  }
  const deployment = (replicas: string) =>
    `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d${created++}"},"spec":{"replicas":${replicas},"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"nginx:1.25"}]}}}}`
  const pod = (field: string, value: string) => `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p${created++}"},"spec":{"${field}":${value},"containers":[{"name":"c","image":"nginx"}]}}`
  const service = (targetPort: string) => `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s${created++}"},"spec":{"ports":[{"port":80,"targetPort":${targetPort}}]}}`
  const refusal = (kind: string, error: string) => `${kind} in version "v1" cannot be handled as a ${kind}: json: cannot unmarshal ${error}`

  beforeAll(async () => {
    await ensureBootstrapped(api, clock.nowMilliseconds())
  })
  afterAll(async () => {
    await store.close()
  })

  it('refuses a fraction or an exponent in an int32 field, naming the literal as Go does', async () => {
    for (const literal of ['1e3', '1E3', '1.0', '1.5', '-1e0', '10.50', '3000000000', '-2147483649']) {
      expect(await post('/apis/apps/v1/namespaces/default/deployments', deployment(literal)), literal).toEqual({
        status: 400,
        body: expect.objectContaining({reason: 'BadRequest', message: refusal('Deployment', `number ${literal} into Go struct field DeploymentSpec.spec.replicas of type int32`)}),
      })
    }
    for (const literal of ['0', '-0', '2147483647', '7']) {
      const answer = await post('/apis/apps/v1/namespaces/default/deployments', deployment(literal))
      expect({status: answer.status, replicas: answer.body.spec?.replicas}, literal).toEqual({status: 201, replicas: Math.abs(Number(literal))})
    }
  })

  it('refuses int64 literals past its range, and fractions or exponents, by their text', async () => {
    for (const literal of ['9223372036854775808', '-9223372036854775809', '99999999999999999999999', '1e2', '5.0']) {
      expect((await post('/api/v1/namespaces/default/pods', pod('activeDeadlineSeconds', literal))).body.message, literal).toBe(
        refusal('Pod', `number ${literal} into Go struct field PodSpec.spec.activeDeadlineSeconds of type int64`),
      )
    }
    expect((await post('/api/v1/namespaces/default/pods', pod('terminationGracePeriodSeconds', '30'))).status).toBe(201)
  })

  it('refuses a number an IntOrString cannot hold in encoding/json\'s words, with no field named', async () => {
    for (const [literal, shown] of [['1.5', 'number 1.5'], ['1e3', 'number 1e3'], ['3000000000', 'number 3000000000'], ['true', 'bool'], ['{}', 'object']]) {
      expect((await post('/api/v1/namespaces/default/services', service(literal!))).body.message, literal).toBe(refusal('Service', `${shown} into Go value of type int32`))
    }
    expect((await post('/api/v1/namespaces/default/services', service('8080'))).status).toBe(201)
  })

  it('refuses a kept literal where a map or a struct belongs, as any number there', async () => {
    const configMap = (metadata: string, data = '{}') => `{"apiVersion":"v1","kind":"ConfigMap","metadata":${metadata},"data":${data}}`
    expect((await post('/api/v1/namespaces/default/configmaps', configMap(`{"name":"m${created++}","labels":1e3}`))).body.message).toBe(refusal('ConfigMap', 'number into Go struct field ObjectMeta.metadata.labels of type map[string]string'))
    expect((await post('/api/v1/namespaces/default/configmaps', configMap(`{"name":"m${created++}"}`, '1.0'))).body.message).toBe(refusal('ConfigMap', 'number into Go struct field ConfigMap.data of type map[string]string'))
    expect((await post('/api/v1/namespaces/default/pods', `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p${created++}"},"spec":1.0}`)).body.message).toBe(refusal('Pod', 'number into Go struct field Pod.spec of type v1.PodSpec'))
  })

  it('reads YAML bodies as YAML-to-JSON writes them: 1e3 is 1000, a fraction is still refused', async () => {
    const yaml = (replicas: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: y${created++}\nspec:\n  replicas: ${replicas}\n  selector:\n    matchLabels: {a: b}\n  template:\n    metadata:\n      labels: {a: b}\n    spec:\n      containers: [{name: c, image: nginx}]\n`
    expect((await post('/apis/apps/v1/namespaces/default/deployments', yaml('1e3'), 'application/yaml')).body.spec?.replicas).toBe(1000)
    expect((await post('/apis/apps/v1/namespaces/default/deployments', yaml('1.5'), 'application/yaml')).body.message).toBe(refusal('Deployment', 'number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32'))
  })

  // resource.Quantity parses a number's literal as written: `1e3` keeps its exponent form.
  it('keeps the rest of a body read the long way as JSON.parse reads it: quantities from number literals as written, strings that look like numbers', async () => {
    const body = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"q${created++}","annotations":{"note":"{\\"replicas\\":1.5, \\"x\\": [2e3]}"}},"spec":{"containers":[{"name":"c","image":"nginx:1.25","resources":{"limits":{"cpu":1e3,"memory":0.5}}}]}}`
    expect(hasLiteralsAtRisk(body)).toBe(true)
    const answer = await post('/api/v1/namespaces/default/pods', body)
    expect({status: answer.status, message: answer.body.message}).toEqual({status: 201, message: undefined})
    expect(JSON.stringify(answer.body.metadata?.annotations)).toBe('{"note":"{\\"replicas\\":1.5, \\"x\\": [2e3]}"}')
    expect((answer.body.spec as {containers: Array<{resources: unknown}>}).containers[0]!.resources).toEqual({limits: {cpu: '1e3', memory: '500m'}, requests: {cpu: '1e3', memory: '500m'}})
  })
})

describe('parseJsonKeepingLiterals', () => {
  it('keeps only the literals JSON.parse would change, and otherwise reads as JSON.parse does', () => {
    const kept = parseJsonKeepingLiterals('{"a":[1e3,1.0,9007199254740993,9007199254740991,-12,0.5,"1.5",10.50,-0],"b":{"__proto__":{"c":null}}, "d" : true }') as Record<string, unknown[]>
    expect(kept.a!.map((value) => (value instanceof NumberLiteral ? `literal ${value.text}` : value))).toEqual(['literal 1e3', 'literal 1.0', 'literal 9007199254740993', 9007199254740991, -12, 0.5, '1.5', 'literal 10.50', 'literal -0'])
    expect(Object.getPrototypeOf(kept.b)).toBe(Object.prototype)
    expect(Object.keys(kept.b!)).toEqual(['__proto__'])
  })

  it('gives what JSON.parse gives once the literals are made numbers, on random JSON', () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000)
    const random = new SeededRandom(seed)
    const numbers = ['0', '-0', '12', '1e3', '-1.25E-2', '3.0', '9007199254740993', '123456789012345678901234567890', '0.1']
    const strings = ['', 'a', 'é€😀', '\\"q\\"', '\\\\', '\\u0041\\n', ':1.5', ',2e3', '__proto__']
    const value = (depth: number): string => {
      const choice = random.nextInt(depth > 3 ? 4 : 6)
      const space = () => random.pick(['', ' ', '\n\t '])
      if (choice === 0) return random.pick(numbers)
      if (choice === 1) return `"${random.pick(strings)}"`
      if (choice === 2) return random.pick(['true', 'false', 'null'])
      if (choice === 3) return `${space()}${random.pick(numbers)}${space()}`
      if (choice === 4) return `[${space()}${Array.from({length: random.nextInt(4)}, () => value(depth + 1)).join(`${space()},${space()}`)}${space()}]`
      return `{${space()}${Array.from({length: random.nextInt(4)}, () => `"${random.pick(strings)}"${space()}:${space()}${value(depth + 1)}`).join(`${space()},`)}${space()}}`
    }
    try {
      for (let round = 0; round < 2000; round++) {
        const text = value(0)
        expect(plainNumbers(parseJsonKeepingLiterals(text)), text).toEqual(JSON.parse(text))
      }
    } catch (error) {
      console.error(`parseJsonKeepingLiterals randomized test failed: replay with SEED=${seed}`)
      throw error
    }
  })
})
