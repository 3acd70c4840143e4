// kube-apiserver's CEL libraries in ValidatingAdmissionPolicy, through the API server: a policy
// per library (quantity, URLs, IP/CIDR, sets, lists, regex, optionals, authorizer, format) lets one ConfigMap in and
// denies another with kube's words; a run-time failure (a bad quantity, a bad IP) is kube's
// "expression … resulted in error"; a function kube 1.32 does not have (semver, base64) is refused
// when the policy is created, as cel-go's undeclared reference.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import type {UserInfo} from '../../src/core/api/wire.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {temporaryFolder} from '../support/temp.js'

const group = '/apis/admissionregistration.k8s.io/v1'

const policy = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicy',
  metadata: {name},
  spec: {matchConstraints: {resourceRules: [{apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['configmaps']}]}, ...spec},
})
const binding = (name: string, policyName: string) =>
  ({apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: {name}, spec: {policyName, validationActions: ['Deny']}})

describe('ValidatingAdmissionPolicy with Kubernetes CEL libraries', () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 4, 12, 0, 0))
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
  let configMaps = 0
  /** Creates a ConfigMap with this data; its status and message. */
  async function create(data: Record<string, string>): Promise<{status: number; message: string; name: string}> {
    const name = `cm-${++configMaps}`
    const response = await post('/api/v1/namespaces/default/configmaps', {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name, namespace: 'default'}, data})
    return {status: response.status, message: response.status === 201 ? '' : message(response), name}
  }
  /** Installs a policy with these validations and its binding; runs the body; removes both. */
  async function withPolicy(name: string, validations: Array<Record<string, unknown>>, body: () => Promise<void>): Promise<void> {
    expect(message(await post(`${group}/validatingadmissionpolicies`, policy(name, {validations}))) ?? '').toBe('')
    expect((await post(`${group}/validatingadmissionpolicybindings`, binding(`${name}-binding`, name))).status).toBe(201)
    try {
      await body()
    } finally {
      await remove(`${group}/validatingadmissionpolicybindings/${name}-binding`)
      await remove(`${group}/validatingadmissionpolicies/${name}`)
    }
  }
  const denial = (name: string, policyName: string, text: string) =>
    `configmaps "${name}" is forbidden: ValidatingAdmissionPolicy '${policyName}' with binding '${policyName}-binding' denied request: ${text}`

  it('quantity: compares, adds and converts resource quantities; a bad one is an evaluation error', async () => {
    const expression = "quantity(object.data.memory).add(quantity('512Mi')).isLessThan(quantity('1Gi')) && quantity(object.data.cpu).compareTo(quantity('1')) <= 0"
    await withPolicy('quantity', [{expression, messageExpression: "'memory plus 512Mi must stay under 1Gi, cpu at most 1 (was ' + string(quantity(object.data.cpu).asApproximateFloat()) + ')'"}], async () => {
      expect((await create({memory: '256Mi', cpu: '1000m'})).status).toBe(201)
      const big = await create({memory: '512Mi', cpu: '500m'})
      expect(big.status).toBe(422)
      expect(big.message).toBe(denial(big.name, 'quantity', 'memory plus 512Mi must stay under 1Gi, cpu at most 1 (was 0.5)'))
      const bad = await create({memory: 'lots', cpu: '1'})
      expect(bad.message).toBe(denial(bad.name, 'quantity', `expression '${expression}' resulted in error: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`))
    })
    await withPolicy('quantity-int', [{expression: "isQuantity(object.data.replicas) && quantity(object.data.replicas).isInteger() && quantity(object.data.replicas).asInteger() < 10 && sign(quantity(object.data.replicas)) == 1 && quantity('1Ki') == quantity('1024')"}], async () => {
      expect((await create({replicas: '3'})).status).toBe(201)
      const fractional = await create({replicas: '2500m'})
      expect(fractional.message).toBe(denial(fractional.name, 'quantity-int', "failed expression: isQuantity(object.data.replicas) && quantity(object.data.replicas).isInteger() && quantity(object.data.replicas).asInteger() < 10 && sign(quantity(object.data.replicas)) == 1 && quantity('1Ki') == quantity('1024')"))
    })
  })

  it('url: scheme, host, port, path and query of a URL; a relative one is Go\'s parse error', async () => {
    const expression = "url(object.data.endpoint).getScheme() == 'https' && url(object.data.endpoint).getHostname().endsWith('.example.com') && url(object.data.endpoint).getQuery()['tenant'] == ['blue']"
    await withPolicy('url', [{expression, messageExpression: "'endpoint must be https on example.com, not ' + url(object.data.endpoint).getHost() + url(object.data.endpoint).getEscapedPath()"}], async () => {
      expect((await create({endpoint: 'https://api.example.com:8443/v1?tenant=blue#top'})).status).toBe(201)
      const plain = await create({endpoint: 'http://api.example.org:80/v2/x?tenant=blue'})
      expect(plain.message).toBe(denial(plain.name, 'url', 'endpoint must be https on example.com, not api.example.org:80/v2/x'))
      const relative = await create({endpoint: 'example.com/v1'})
      expect(relative.message).toBe(denial(relative.name, 'url', `expression '${expression}' resulted in error: URL parse error during conversion from string: parse "example.com/v1": invalid URI for request`))
    })
    await withPolicy('is-url', [{expression: "isURL(object.data.endpoint) && url(object.data.endpoint).getPort() == ''", message: 'endpoint must be a URL without a port'}], async () => {
      expect((await create({endpoint: 'https://example.com/'})).status).toBe(201)
      const withPort = await create({endpoint: 'https://example.com:8080/'})
      expect(withPort.message).toBe(denial(withPort.name, 'is-url', 'endpoint must be a URL without a port'))
    })
  })

  it('ip and cidr: families, ranges and predicates with Go\'s netip rules', async () => {
    const expression = "cidr('10.0.0.0/8').containsIP(object.data.address) && !ip(object.data.address).isLoopback() && cidr(object.data.range).prefixLength() >= 16"
    await withPolicy('network', [{expression, messageExpression: "'address ' + string(ip(object.data.address)) + ' must be in 10.0.0.0/8 and range ' + string(cidr(object.data.range).masked()) + ' at least a /16'"}], async () => {
      expect((await create({address: '10.1.2.3', range: '10.1.0.0/16'})).status).toBe(201)
      const outside = await create({address: '192.168.0.1', range: '10.1.2.3/12'})
      expect(outside.message).toBe(denial(outside.name, 'network', 'address 192.168.0.1 must be in 10.0.0.0/8 and range 10.0.0.0/12 at least a /16'))
      const leadingZero = await create({address: '10.01.2.3', range: '10.1.0.0/16'})
      expect(leadingZero.message).toBe(denial(leadingZero.name, 'network',
        `expression '${expression}' resulted in error: IP Address "10.01.2.3" parse error during conversion from string: ParseAddr("10.01.2.3"): IPv4 field has octet with leading zero`))
    })
    await withPolicy('ipv6', [{expression: "isIP(object.data.address) && ip(object.data.address).family() == 6 && ip.isCanonical(object.data.address) && cidr('2001:db8::/32').containsCIDR(object.data.address + '/64')", message: 'a canonical IPv6 address in 2001:db8::/32'}], async () => {
      expect((await create({address: '2001:db8::1'})).status).toBe(201)
      const longForm = await create({address: '2001:db8:0:0:0:0:0:1'})
      expect(longForm.message).toBe(denial(longForm.name, 'ipv6', 'a canonical IPv6 address in 2001:db8::/32'))
    })
  })

  it('sets, lists and regex', async () => {
    const validations = [
      {expression: "sets.contains(['red', 'green', 'blue'], object.data.colors.split(','))", message: 'colors must be red, green or blue'},
      {expression: "!sets.intersects(object.data.colors.split(','), ['green']) || sets.equivalent(object.data.colors.split(','), ['green', 'red'])", message: 'green goes with red only'},
      {expression: "object.data.ports.split(',').map(p, int(p)).isSorted() && object.data.ports.split(',').map(p, int(p)).sum() < 20000", messageExpression: "'ports must be sorted and sum under 20000; the largest is ' + string(object.data.ports.split(',').map(p, int(p)).max()) + ' at ' + string(object.data.ports.split(',').map(p, int(p)).indexOf(object.data.ports.split(',').map(p, int(p)).max()))"},
      {expression: "object.data.token.find('v[0-9]+') == 'v2'", messageExpression: "'token must name v2, found ' + object.data.token.findAll('v[0-9]+').join(', ')"},
    ]
    await withPolicy('collections', validations, async () => {
      const token = (text: string) => text
      expect((await create({colors: 'red,blue', ports: '80,443,8080', token: token('api-v2')})).status).toBe(201)
      expect((await create({colors: 'red,green', ports: '80', token: token('v2')})).status).toBe(201)
      const unknownColor = await create({colors: 'red,pink', ports: '80', token: token('v2')})
      expect(unknownColor.message).toBe(denial(unknownColor.name, 'collections', 'colors must be red, green or blue'))
      const greenBlue = await create({colors: 'green,blue', ports: '80', token: token('v2')})
      expect(greenBlue.message).toBe(denial(greenBlue.name, 'collections', 'green goes with red only'))
      const unsorted = await create({colors: 'red', ports: '9000,80,12000', token: token('v2')})
      expect(unsorted.message).toBe(denial(unsorted.name, 'collections', 'ports must be sorted and sum under 20000; the largest is 12000 at 2'))
      const oldToken = await create({colors: 'red', ports: '80', token: token('v1 and v3')})
      expect(oldToken.message).toBe(denial(oldToken.name, 'collections', 'token must name v2, found v1, v3'))
    })
  })

  it('optional types: a.?b, a[?k], orValue, hasValue and optional.of as cel-go has them', async () => {
    const validations = [
      {expression: "object.metadata.?labels[?'team'].orValue('') != ''", messageExpression: "'every ConfigMap needs a team label; labels: ' + string(object.metadata.?labels.orValue({}).size())"},
      {expression: "!object.?data.?tier.hasValue() || optional.of(object.data.tier).value() in ['gold', 'silver']", message: 'tier is gold or silver when set'},
      {expression: "object.?data.?limits.orValue('0').size() <= 3 && optional.none().or(optional.ofNonZeroValue(object.metadata.name)).hasValue()"},
    ]
    await withPolicy('optionals', validations, async () => {
      const post = (labels: Record<string, string> | undefined, data: Record<string, string>) => api.handle({method: 'POST', path: '/api/v1/namespaces/default/configmaps', headers: {'content-type': 'application/json'}, user: apiServerUser,
        body: JSON.stringify({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: `opt-${++configMaps}`, namespace: 'default', ...(labels ? {labels} : {})}, data})})
      expect((await post({team: 'web'}, {})).status).toBe(201)
      expect((await post({team: 'web'}, {tier: 'gold'})).status).toBe(201)
      const unlabeled = await post(undefined, {})
      expect(message(unlabeled)).toBe(denial(`opt-${configMaps}`, 'optionals', 'every ConfigMap needs a team label; labels: 0'))
      const otherLabel = await post({app: 'x'}, {})
      expect(message(otherLabel)).toBe(denial(`opt-${configMaps}`, 'optionals', 'every ConfigMap needs a team label; labels: 1'))
      const bronze = await post({team: 'web'}, {tier: 'bronze'})
      expect(message(bronze)).toBe(denial(`opt-${configMaps}`, 'optionals', 'tier is gold or silver when set'))
      const longLimit = await post({team: 'web'}, {limits: '1000'})
      expect(message(longLimit)).toBe(denial(`opt-${configMaps}`, 'optionals', "failed expression: object.?data.?limits.orValue('0').size() <= 3 && optional.none().or(optional.ofNonZeroValue(object.metadata.name)).hasValue()"))
    })
  })

  it('authorizer: checks (field and label selectors too) run as the requesting user, or as a service account, through RBAC', async () => {
    const rbac = '/apis/rbac.authorization.k8s.io/v1/namespaces/default'
    expect((await post(`${rbac}/roles`, {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: {name: 'writer', namespace: 'default'},
      rules: [{apiGroups: [''], resources: ['configmaps'], verbs: ['create']}]})).status).toBe(201)
    for (const subject of [{kind: 'User', name: 'jane'}, {kind: 'ServiceAccount', name: 'builder', namespace: 'default'}]) {
      expect((await post(`${rbac}/rolebindings`, {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: {name: `writer-${subject.name}`, namespace: 'default'},
        roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'writer'}, subjects: [subject]})).status).toBe(201)
    }
    const validations = [
      {expression: "object.metadata.name.startsWith('public-') || authorizer.group('').resource('secrets').namespace(object.metadata.namespace).fieldSelector('type=Opaque').labelSelector('app in (web)').check('list').allowed()", message: 'only those who may list secrets create private ConfigMaps'},
      {expression: "authorizer.requestResource.check('create').allowed() && authorizer.serviceAccount('default', 'builder').group('').resource('configmaps').namespace('default').check('create').allowed() && !authorizer.serviceAccount('default', 'builder').path('/metrics').check('get').allowed()", message: 'the builder may create ConfigMaps'},
    ]
    const jane: UserInfo = {name: 'jane', groups: ['system:authenticated']}
    const createAs = (user: UserInfo, name: string) => api.handle({method: 'POST', path: '/api/v1/namespaces/default/configmaps', headers: {'content-type': 'application/json'}, user,
      body: JSON.stringify({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name, namespace: 'default'}})})
    await withPolicy('authz', validations, async () => {
      expect((await createAs(jane, 'public-notes')).status).toBe(201)
      const denied = await createAs(jane, 'private-notes')
      expect(denied.status).toBe(422)
      expect(message(denied)).toBe(denial('private-notes', 'authz', 'only those who may list secrets create private ConfigMaps'))
      expect((await createAs(apiServerUser, 'private-notes')).status).toBe(201)
    })
    await withPolicy('authz-errors', [{expression: "authorizer.path(' ').check('get').allowed()"}], async () => {
      const failed = await createAs(jane, 'any')
      expect(message(failed)).toBe(denial('any', 'authz-errors', "expression 'authorizer.path(' ').check('get').allowed()' resulted in error: path must not be empty"))
    })
  })

  it('optionals: optMap and optFlatMap, optional entries of list and map literals, has() on an optional chain', async () => {
    const validations = [
      {expression: "object.?data.?tier.optMap(t, t.upperAscii()).orValue('GOLD') in ['GOLD', 'SILVER']", message: 'tier is gold or silver'},
      {expression: "object.?data.?replicas.optFlatMap(r, r.matches('^[0-9]+$') ? optional.of(int(r)) : optional.none()).orValue(1) <= 5", message: 'at most 5 replicas'},
      {expression: "size([?object.?data.?primary, ?object.?data.?secondary]) <= 1", message: 'primary or secondary, not both'},
      {expression: "!has(object.?metadata.labels.frozen) || size({?'tier': object.?data.?tier, 'name': object.metadata.name}) == 1", message: 'a frozen ConfigMap has no tier'},
    ]
    await withPolicy('optional-macros', validations, async () => {
      expect((await create({})).status).toBe(201)
      expect((await create({tier: 'silver', replicas: '3', primary: 'a'})).status).toBe(201)
      const bronze = await create({tier: 'bronze'})
      expect(bronze.message).toBe(denial(bronze.name, 'optional-macros', 'tier is gold or silver'))
      const many = await create({replicas: '9'})
      expect(many.message).toBe(denial(many.name, 'optional-macros', 'at most 5 replicas'))
      expect((await create({replicas: 'many'})).status).toBe(201)
      const both = await create({primary: 'a', secondary: 'b'})
      expect(both.message).toBe(denial(both.name, 'optional-macros', 'primary or secondary, not both'))
      const frozen = (data: Record<string, string>) => post('/api/v1/namespaces/default/configmaps', {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: `frozen-${++configMaps}`, namespace: 'default', labels: {frozen: 'yes'}}, data})
      expect((await frozen({})).status).toBe(201)
      expect(message(await frozen({tier: 'gold'}))).toContain('a frozen ConfigMap has no tier')
    })
  })

  it('transformMapEntry (kube 1.32): a map from each entry\'s map; a key made twice is cel-go\'s insert failure', async () => {
    const expression = "object.data.transformMapEntry(k, v, k.startsWith('x-'), {v: k}).size() <= 1"
    await withPolicy('entries', [{expression, message: 'one x- key at most'}], async () => {
      expect((await create({'x-a': '1', b: '2'})).status).toBe(201)
      const two = await create({'x-a': '1', 'x-b': '2'})
      expect(two.message).toBe(denial(two.name, 'entries', 'one x- key at most'))
      const same = await create({'x-a': '1', 'x-b': '1'})
      expect(same.message).toBe(denial(same.name, 'entries', `expression '${expression}' resulted in error: insert failed: key 1 already exists`))
    })
  })

  it('format: named formats validate with apimachinery\'s messages; format.named is an optional', async () => {
    const validations = [
      {expression: "!format.dns1123Label().validate(object.data.host).hasValue()", messageExpression: "'host: ' + format.dns1123Label().validate(object.data.host).value().join('; ')"},
      {expression: "format.named(object.data.format).hasValue() && !format.named(object.data.format).value().validate(object.data.value).hasValue()", messageExpression: "object.data.format + ': ' + format.named(object.data.format).orValue(format.uuid()).validate(object.data.value).orValue(['unknown format']).join('; ')"},
    ]
    await withPolicy('formats', validations, async () => {
      expect((await create({host: 'web-1', format: 'uuid', value: '123e4567-e89b-12d3-a456-426614174000'})).status).toBe(201)
      expect((await create({host: 'db', format: 'date', value: '2024-02-29'})).status).toBe(201)
      const upper = await create({host: 'Web_1', format: 'uuid', value: '123e4567-e89b-12d3-a456-426614174000'})
      expect(upper.message).toBe(denial(upper.name, 'formats',
        "host: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"))
      const badDate = await create({host: 'db', format: 'date', value: '2023-02-29'})
      expect(badDate.message).toBe(denial(badDate.name, 'formats', 'date: invalid date'))
      const unknown = await create({host: 'db', format: 'email', value: 'a@b'})
      expect(unknown.message).toBe(denial(unknown.name, 'formats', 'email: does not match the UUID format'))
    })
  })

  it('two-variable comprehensions (kube 1.32): all, exists, existsOne, transformList and transformMap over indexes or keys', async () => {
    const validations = [
      {expression: "object.data.ports.split(',').all(i, p, i == 0 || int(p) > int(object.data.ports.split(',')[i - 1]))", message: 'ports must increase'},
      {expression: "!object.data.exists(key, value, key.startsWith('secret') && value != '')", messageExpression: "'no secrets in ConfigMaps: ' + object.data.transformMap(key, value, key.startsWith('secret'), size(value)).transformList(key, length, key + ' (' + string(length) + ' bytes)').join(', ')"},
      {expression: "size(object.data) < 3 || object.data.existsOne(key, value, value == '80')", message: 'one value 80 in a large ConfigMap'},
    ]
    await withPolicy('two-variables', validations, async () => {
      expect((await create({ports: '80,443,8080'})).status).toBe(201)
      const unsorted = await create({ports: '443,80'})
      expect(unsorted.message).toBe(denial(unsorted.name, 'two-variables', 'ports must increase'))
      // One secret: a map's order in CEL is Go's, which nobody may rely on.
      const secret = await create({ports: '80', secretToken: 'abc', other: 'x'})
      expect(secret.message).toBe(denial(secret.name, 'two-variables', 'no secrets in ConfigMaps: secretToken (3 bytes)'))
      expect((await create({ports: '80', other: 'x', more: '81'})).status).toBe(201)
      const twice = await create({ports: '80', other: 'x', more: '80'})
      expect(twice.message).toBe(denial(twice.name, 'two-variables', 'one value 80 in a large ConfigMap'))
    })
  })

  it('cost: an evaluation past the per-call cost limit ends with cel-go\'s "actual cost limit exceeded"', async () => {
    const expression = "object.data.items.split(',').all(x, object.data.items.split(',').all(y, x != '' && y != ''))"
    await withPolicy('costly', [{expression}], async () => {
      expect((await create({items: Array.from({length: 100}, (_, index) => String(index)).join(',')})).status).toBe(201)
      const many = await create({items: Array.from({length: 1000}, (_, index) => String(index)).join(',')})
      expect(many.status).toBe(422)
      expect(many.message).toBe(denial(many.name, 'costly', `expression '${expression}' resulted in error: operation cancelled: actual cost limit exceeded`))
    })
  })

  it('cost budget: a policy\'s expressions share 10,000,000 per request; past it kube denies with no further rule run', async () => {
    const expression = "object.data.items.split(',').all(x, object.data.items.split(',').all(y, x != '' && y != ''))"
    // Each validation stays under the per-call limit; fifteen of them together do not fit the budget.
    await withPolicy('budget', Array.from({length: 15}, () => ({expression})), async () => {
      expect((await create({items: Array.from({length: 100}, (_, index) => String(index)).join(',')})).status).toBe(201)
      const many = await create({items: Array.from({length: 300}, (_, index) => String(index)).join(',')})
      expect(many.status).toBe(422)
      expect(many.message).toBe(denial(many.name, 'budget', 'validation failed due to running out of cost budget, no further validation rules will be run'))
    })
  })

  it('type check at create: operators and functions on the wrong types, and fields request lacks, refused with cel-go\'s words; dyn passes', async () => {
    const refused = await post(`${group}/validatingadmissionpolicies`, policy('mistyped', {validations: [
      {expression: 'size(1) > 0'}, {expression: "request.operation == 1 || 1 + 'a' == 'b'"}, {expression: 'request.userName == "x"'}, {expression: "object.spec.replicas + 'a' == 'b'"},
      {expression: 'size(object.data)', messageExpression: "size(object.data) > 1"}, {expression: '1 in request.userInfo.groups'},
    ]}))
    expect(refused.status).toBe(422)
    const text = message(refused)
    expect(text).toContain("spec.validations[0].expression: Invalid value: \"size(1) > 0\": compilation failed: ERROR: <input>:1:5: found no matching overload for 'size' applied to '(int)'\n | size(1) > 0\n | ....^")
    expect(text).toContain("ERROR: <input>:1:19: found no matching overload for '_==_' applied to '(string, int)'\n | request.operation == 1 || 1 + 'a' == 'b'\n | ..................^\n" +
      "ERROR: <input>:1:29: found no matching overload for '_+_' applied to '(int, string)'")
    expect(text).toContain("ERROR: <input>:1:8: undefined field 'userName'\n | request.userName == \"x\"\n | .......^")
    // The object is dyn when the policy is created (kube does not know its schema there): this one fails at evaluation instead.
    expect(text).not.toContain('validations[3]')
    // What the place wants: a validation a bool, a message a string (kube's compiler checks the output type).
    expect(text).toContain('spec.validations[4].expression: Invalid value: "size(object.data)": must evaluate to bool')
    expect(text).toContain("spec.validations[5].expression: Invalid value: \"1 in request.userInfo.groups\": compilation failed: ERROR: <input>:1:3: found no matching overload for '@in' applied to '(int, list(string))'")
    expect(text).toContain('spec.validations[4].messageExpression: Invalid value: "size(object.data) > 1": must evaluate to string')
    await withPolicy('dynamic', [{expression: "string(object.data.count) + 'a' == '1a'"}, {expression: "request.userInfo.groups.exists(g, g.startsWith('system:')) ? size(object.data) > 0 : true"}], async () => {
      expect((await create({count: '1'})).status).toBe(201)
    })
  })

  it('refuses, when the policy is created, a function kube 1.32 does not have, as cel-go\'s undeclared reference', async () => {
    const refused = await post(`${group}/validatingadmissionpolicies`, policy('missing', {validations: [{expression: "object.data.name.matches('^a') && semver(object.data.version).isLessThan(semver('2.0.0'))"}, {expression: "base64.decode(object.data.token).size() > 0"}]}))
    expect(refused.status).toBe(422)
    const text = message(refused)
    const first = "object.data.name.matches('^a') && semver(object.data.version).isLessThan(semver('2.0.0'))"
    const line = (column: number) => ` | ${first}\n | ${'.'.repeat(column - 1)}^`
    expect(text).toContain(`compilation failed: ERROR: <input>:1:41: undeclared reference to 'semver' (in container '')\n${line(41)}\n` +
      `ERROR: <input>:1:80: undeclared reference to 'semver' (in container '')\n${line(80)},`)
    expect(text).toContain("compilation failed: ERROR: <input>:1:1: undeclared reference to 'base64' (in container '')\n | base64.decode(object.data.token).size() > 0\n | ^\n" +
      "ERROR: <input>:1:14: undeclared reference to 'decode' (in container '')\n | base64.decode(object.data.token).size() > 0\n | .............^]")
  })
})
