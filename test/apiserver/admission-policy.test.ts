// ValidatingAdmissionPolicy through the API server: CEL validations deny, warn or only audit as
// their binding says, with kube-apiserver's words; params come from a ConfigMap; matchConditions,
// variables, selectors and excluded rules pick the requests; a bad expression is refused when the
// policy is created, with the field path and the compiler's message.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {temporaryFolder} from '../support/temp.js'

const group = '/apis/admissionregistration.k8s.io/v1'
const configMap = (name: string, data: Record<string, string> = {}, labels: Record<string, string> = {}, namespace = 'default') =>
  ({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name, namespace, labels}, data})

export function policy(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: {name},
    spec: {matchConstraints: {resourceRules: [{apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['configmaps']}]}, ...spec},
  }
}

export function binding(name: string, policyName: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: {name}, spec: {policyName, validationActions: ['Deny'], ...spec}}
}

describe('ValidatingAdmissionPolicy', () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 3, 12, 0, 0))
  let store: LazyEmbeddedStore
  let api: ApiServer

  beforeAll(async () => {
    store = new LazyEmbeddedStore(temporaryFolder(), {clock})
    api = new ApiServer({store, clock})
    await ensureBootstrapped(api, clock.nowMilliseconds())
  })
  afterAll(async () => {
    await store.close()
  })

  const post = (path: string, body: unknown) => api.handle({method: 'POST', path, headers: {'content-type': 'application/json'}, user: apiServerUser, body: JSON.stringify(body)})
  const remove = (path: string) => api.handle({method: 'DELETE', path, headers: {}, user: apiServerUser})
  const message = (response: {body: unknown}) => (response.body as {message: string}).message
  const createConfigMap = (body: unknown, namespace = 'default') => post(`/api/v1/namespaces/${namespace}/configmaps`, body)
  async function install(policyBody: Record<string, unknown>, bindingBody: Record<string, unknown>): Promise<() => Promise<void>> {
    expect((await post(`${group}/validatingadmissionpolicies`, policyBody)).status).toBe(201)
    expect((await post(`${group}/validatingadmissionpolicybindings`, bindingBody)).status).toBe(201)
    return async () => {
      await remove(`${group}/validatingadmissionpolicybindings/${(bindingBody.metadata as {name: string}).name}`)
      await remove(`${group}/validatingadmissionpolicies/${(policyBody.metadata as {name: string}).name}`)
    }
  }

  it('denies with kube-apiserver\'s status: 422 Invalid, the policy, the binding and the failed expression', async () => {
    const created = await post(`${group}/validatingadmissionpolicies`, policy('small', {validations: [{expression: 'size(object.data) <= 1'}]}))
    expect(created.status).toBe(201)
    // v1's defaults.
    expect((created.body as {spec: Record<string, unknown>}).spec).toMatchObject({
      failurePolicy: 'Fail',
      matchConstraints: {matchPolicy: 'Equivalent', namespaceSelector: {}, objectSelector: {}, resourceRules: [{scope: '*'}]},
    })
    expect((await post(`${group}/validatingadmissionpolicybindings`, binding('small-binding', 'small'))).status).toBe(201)
    const refused = await createConfigMap(configMap('two', {a: '1', b: '2'}))
    const text = "ValidatingAdmissionPolicy 'small' with binding 'small-binding' denied request: failed expression: size(object.data) <= 1"
    expect(refused.status).toBe(422)
    expect(refused.body).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: `configmaps "two" is forbidden: ${text}`,
      reason: 'Invalid',
      details: {name: 'two', kind: 'configmaps', causes: [{message: text}]},
      code: 422,
    })
    expect((await createConfigMap(configMap('one', {a: '1'}))).status).toBe(201)
    // Policies never judge admission configuration itself.
    expect((await post(`${group}/validatingadmissionpolicies`, policy('other', {validations: [{expression: 'true'}]}))).status).toBe(201)
    await remove(`${group}/validatingadmissionpolicies/other`)
    await remove(`${group}/validatingadmissionpolicybindings/small-binding`)
    expect((await createConfigMap(configMap('three', {a: '1', b: '2', c: '3'}))).status).toBe(201)
    await remove(`${group}/validatingadmissionpolicies/small`)
  })

  it('words the refusal with messageExpression, else message, and answers with the validation\'s reason', async () => {
    const uninstall = await install(policy('named', {
      validations: [
        {expression: "object.metadata.name.startsWith('app-')", messageExpression: "'name ' + object.metadata.name + ' lacks the app- prefix'", reason: 'Forbidden'},
        {expression: "!('secret' in object.data)", message: 'no secrets in config maps'},
      ],
    }), binding('named-binding', 'named'))
    const refused = await createConfigMap(configMap('web'))
    expect(refused.status).toBe(403)
    expect(message(refused)).toBe("configmaps \"web\" is forbidden: ValidatingAdmissionPolicy 'named' with binding 'named-binding' denied request: name web lacks the app- prefix")
    const second = await createConfigMap(configMap('app-web', {secret: 'x'}))
    expect(second.status).toBe(422)
    expect(message(second)).toContain('denied request: no secrets in config maps')
    await uninstall()
  })

  it('warns under Warn and lets the request through under Audit', async () => {
    const uninstall = await install(policy('labelled', {validations: [{expression: "has(object.metadata.labels) && 'team' in object.metadata.labels", message: 'a team label is required'}]}),
      binding('labelled-binding', 'labelled', {validationActions: ['Warn', 'Audit']}))
    const response = await createConfigMap(configMap('unlabelled'))
    expect(response.status).toBe(201)
    expect(response.warnings).toEqual(["Validation failed for ValidatingAdmissionPolicy 'labelled' with binding 'labelled-binding': a team label is required"])
    await uninstall()
  })

  it('reads its limits from the ConfigMap the binding names, and denies when it is missing under Deny', async () => {
    expect((await createConfigMap(configMap('limits', {max: '2'}))).status).toBe(201)
    const uninstall = await install(policy('limited', {
      paramKind: {apiVersion: 'v1', kind: 'ConfigMap'},
      variables: [{name: 'count', expression: 'size(object.data)'}],
      validations: [{expression: 'variables.count <= int(params.data.max)', messageExpression: "'at most ' + params.data.max + ' keys, not ' + string(variables.count)"}],
    }), binding('limited-binding', 'limited', {paramRef: {name: 'limits', parameterNotFoundAction: 'Deny'}}))
    const refused = await createConfigMap(configMap('many', {a: '1', b: '2', c: '3'}))
    expect(message(refused)).toBe("configmaps \"many\" is forbidden: ValidatingAdmissionPolicy 'limited' with binding 'limited-binding' denied request: at most 2 keys, not 3")
    expect((await createConfigMap(configMap('few', {a: '1'}))).status).toBe(201)
    // Another namespace has no "limits" ConfigMap: the binding cannot be configured.
    expect((await post('/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'elsewhere'}})).status).toBe(201)
    const missing = await createConfigMap(configMap('few', {a: '1'}, {}, 'elsewhere'), 'elsewhere')
    expect(missing.status).toBe(422)
    expect(message(missing)).toBe("configmaps \"few\" is forbidden: ValidatingAdmissionPolicy 'limited' with binding 'limited-binding' denied request: failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction")
    await uninstall()
  })

  it('applies only where matchConditions, selectors and excluded rules let it', async () => {
    const uninstall = await install(policy('picky', {
      matchConstraints: {
        resourceRules: [{apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps']}],
        excludeResourceRules: [{apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'], resourceNames: ['exempt']}],
        objectSelector: {matchLabels: {checked: 'yes'}},
      },
      matchConditions: [{name: 'not-system', expression: "!request.userInfo.username.startsWith('system:node:')"}, {name: 'labelled-namespace', expression: "namespaceObject.metadata.name == 'default'"}],
      validations: [{expression: 'false', message: 'refused'}],
    }), binding('picky-binding', 'picky'))
    expect((await createConfigMap(configMap('checked', {}, {checked: 'yes'}))).status).toBe(422)
    expect((await createConfigMap(configMap('unchecked', {}, {checked: 'no'}))).status).toBe(201)
    expect((await createConfigMap(configMap('exempt', {}, {checked: 'yes'}))).status).toBe(201)
    expect((await createConfigMap(configMap('checked', {}, {checked: 'yes'}, 'elsewhere'), 'elsewhere')).status).toBe(201)
    await uninstall()
  })

  it('fails closed on an expression error under Fail and passes it over under Ignore', async () => {
    const failing = policy('strict', {validations: [{expression: "object.data.missing == 'x'"}]})
    let uninstall = await install(failing, binding('strict-binding', 'strict'))
    const refused = await createConfigMap(configMap('plain', {a: '1'}))
    expect(message(refused)).toBe("configmaps \"plain\" is forbidden: ValidatingAdmissionPolicy 'strict' with binding 'strict-binding' denied request: expression 'object.data.missing == 'x'' resulted in error: no such key: missing")
    await uninstall()
    uninstall = await install(policy('lenient', {failurePolicy: 'Ignore', validations: [{expression: "object.data.missing == 'x'"}]}), binding('lenient-binding', 'lenient'))
    expect((await createConfigMap(configMap('plain2', {a: '1'}))).status).toBe(201)
    await uninstall()
  })

  it('refuses bad policies and bindings with kube-apiserver\'s field errors, compile errors included', async () => {
    const bad = await post(`${group}/validatingadmissionpolicies`, policy('bad', {failurePolicy: 'Sometimes', validations: [{expression: 'object.data.size() > '}, {expression: 'params.max > 1'}, {expression: 'true', reason: 'Other'}]}))
    expect(bad.status).toBe(422)
    const text = message(bad)
    expect(text).toContain('spec.failurePolicy: Unsupported value: "Sometimes": supported values: "Fail", "Ignore"')
    expect(text).toContain('spec.validations[0].expression: Invalid value: "object.data.size() > ": compilation failed: ERROR: <input>:1:')
    expect(text).toContain('spec.validations[1].expression: Invalid value: "params.max > 1": compilation failed: ERROR: <input>:1:1: undeclared reference to \'params\' (in container \'\')\n | params.max > 1\n | ^')
    expect(text).toContain('spec.validations[2].reason: Unsupported value: "Other": supported values: "Forbidden", "Invalid", "RequestEntityTooLarge", "Unauthorized"')
    const huge = `object.metadata.name == '${'x'.repeat(70 * 1024)}'`
    const tooLong = await post(`${group}/validatingadmissionpolicies`, policy('huge', {validations: [{expression: huge}]}))
    expect(tooLong.status).toBe(422)
    expect(message(tooLong)).toContain('spec.validations[0].expression: Invalid value: ')
    expect(message(tooLong)).toContain(': compilation failed: the expression is longer than the 65536 bytes kubemu compiles')
    const empty = await post(`${group}/validatingadmissionpolicies`, {apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: {name: 'empty'}, spec: {}})
    expect(message(empty)).toBe('ValidatingAdmissionPolicy.admissionregistration.k8s.io "empty" is invalid: [spec.matchConstraints: Required value, ' +
      'spec.validations: Required value: validations or auditAnnotations must contain at least one item, spec.auditAnnotations: Required value: validations or auditAnnotations must contain at least one item]')
    const badBinding = await post(`${group}/validatingadmissionpolicybindings`, binding('bad-binding', '', {validationActions: ['Deny', 'Warn'], paramRef: {name: 'x', selector: {}}}))
    expect(message(badBinding)).toBe('ValidatingAdmissionPolicyBinding.admissionregistration.k8s.io "bad-binding" is invalid: [spec.policyName: Required value, ' +
      'spec.paramRef.name: Forbidden: name and selector are mutually exclusive, spec.paramRef.selector: Forbidden: name and selector are mutually exclusive, ' +
      'spec.paramRef.parameterNotFoundAction: Required value, ' +
      'spec.validationActions: Invalid value: []admissionregistration.ValidationAction{"Deny", "Warn"}: must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)]')
  })

  it('lists policies and bindings with kubectl\'s columns', async () => {
    const uninstall = await install(policy('columns', {paramKind: {apiVersion: 'v1', kind: 'ConfigMap'}, validations: [{expression: 'true'}, {expression: 'true'}]}),
      binding('columns-binding', 'columns', {paramRef: {name: 'limits', namespace: 'default', parameterNotFoundAction: 'Allow'}}))
    const table = async (resource: string) => (await api.handle({method: 'GET', path: `${group}/${resource}`, headers: {accept: 'application/json;as=Table;v=v1;g=meta.k8s.io'}, user: apiServerUser})).body as {columnDefinitions: Array<{name: string}>; rows: Array<{cells: unknown[]}>}
    const policies = await table('validatingadmissionpolicies')
    expect(policies.columnDefinitions.map((column) => column.name)).toEqual(['Name', 'Validations', 'ParamKind', 'Age'])
    expect(policies.rows[0]!.cells.slice(0, 3)).toEqual(['columns', 2, 'v1/ConfigMap'])
    const bindings = await table('validatingadmissionpolicybindings')
    expect(bindings.columnDefinitions.map((column) => column.name)).toEqual(['Name', 'PolicyName', 'ParamRef', 'Age'])
    expect(bindings.rows[0]!.cells.slice(0, 3)).toEqual(['columns-binding', 'columns', 'default/limits'])
    await uninstall()
  })
})
