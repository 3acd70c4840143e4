// The api layer on its own: quantities, names, selectors, decoding, strategic merge.
import {describe, expect, it} from 'vitest'
import {decodeObject, DecodeError} from '../../src/core/api/decode.js'
import {aggregateText, fieldError} from '../../src/core/api/field-errors.js'
import {isDns1123Label, isQualifiedName} from '../../src/core/api/names.js'
import {canonicalQuantity, QuantityError} from '../../src/core/api/quantity.js'
import {formatLabelSelector, labelSelectorFromObject, matchesLabels, parseLabelSelector, SelectorError} from '../../src/core/api/selectors.js'
import {pod} from '../../src/core/api/types/core.js'
import {deployment} from '../../src/core/api/types/apps.js'
import {applyStrategicMergePatch} from '../../src/core/api/patch.js'

describe('quantities', () => {
  it('canonicalizes as resource.Quantity does', () => {
    const cases: Array<[string | number, string]> = [
      ['1000m', '1'], ['500m', '500m'], ['0.5', '500m'], ['1024Mi', '1Gi'], ['1536Mi', '1536Mi'], ['1000', '1k'], ['100', '100'],
      [2, '2'], ['1e3', '1e3'], ['0.1', '100m'], ['128974848', '128974848'], ['129e6', '129e6'], ['129M', '129M'], ['123Mi', '123Mi'],
    ]
    for (const [input, expected] of cases) expect(canonicalQuantity(input), String(input)).toBe(expected)
    expect(() => canonicalQuantity('12 cores')).toThrow(QuantityError)
  })
})

describe('names and messages', () => {
  it('words field errors as field.Error does', () => {
    expect(aggregateText([fieldError.invalid('spec.replicas', -1, 'must be greater than or equal to 0')])).toBe('spec.replicas: Invalid value: -1: must be greater than or equal to 0')
    expect(aggregateText([fieldError.required('spec.containers'), fieldError.notSupported('spec.restartPolicy', 'x', ['Always', 'Never'])])).toBe(
      '[spec.containers: Required value, spec.restartPolicy: Unsupported value: "x": supported values: "Always", "Never"]',
    )
  })

  it('checks DNS labels and qualified names with apimachinery messages', () => {
    expect(isDns1123Label('web-1')).toEqual([])
    expect(isDns1123Label('Web')[0]).toMatch(/^a lowercase RFC 1123 label must consist of/)
    expect(isQualifiedName('example.com/role')).toEqual([])
    expect(isQualifiedName('a/b/c')[0]).toMatch(/^a qualified name must consist of/)
  })
})

describe('label selectors', () => {
  it('parses and matches equality- and set-based requirements', () => {
    const selector = parseLabelSelector('app=web, tier in (front,back),!legacy,release,env!=prod')
    expect(matchesLabels(selector, {app: 'web', tier: 'front', release: '1'})).toBe(true)
    expect(matchesLabels(selector, {app: 'web', tier: 'front', release: '1', legacy: 'y'})).toBe(false)
    expect(matchesLabels(selector, {app: 'web', tier: 'db', release: '1'})).toBe(false)
    expect(formatLabelSelector(labelSelectorFromObject({matchLabels: {b: '2', a: '1'}}))).toBe('a=1,b=2')
    expect(() => parseLabelSelector('a=b c')).toThrow(SelectorError)
  })

  it('parses with apimachinery\'s grammar: empty values, sorted value sets, its words for each error', () => {
    expect(parseLabelSelector('x in (), y in (b,,a), !z, w')).toEqual([
      {key: 'x', operator: 'in', values: ['']},
      {key: 'y', operator: 'in', values: ['', 'a', 'b']},
      {key: 'z', operator: '!', values: []},
      {key: 'w', operator: 'exists', values: []},
    ])
    expect(matchesLabels(parseLabelSelector('x in ()'), {x: ''})).toBe(true)
    expect(parseLabelSelector('notin in (in,notin)')).toEqual([{key: 'notin', operator: 'in', values: ['in', 'notin']}])
    const refusals: Array<[string, string]> = [
      ['tier in (a', "unable to parse requirement: found '', expected: ',' or ')'"],
      ['tier(a', "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"],
      ['a,', "found '', expected: identifier after ','"],
      ['!a=b', "found '=', expected: ',' or 'end of string'"],
      ['a in b', "unable to parse requirement: found 'b' expected: '('"],
      ['a<x', 'unable to parse requirement: values[0]: Invalid value: "x": for \'Gt\', \'Lt\' operators, the value must be an integer'],
      ['=a', "found '=', expected: !, identifier, or 'end of string'"],
    ]
    for (const [text, message] of refusals) expect(() => parseLabelSelector(text), text).toThrow(new SelectorError(message))
  })
})

describe('decoding', () => {
  it('reports Go type errors, collects unknown fields and drops empty maps', () => {
    expect(() => decodeObject(deployment, {kind: 'Deployment', spec: {replicas: 1.5}})).toThrow(
      new DecodeError('json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32'),
    )
    const decoded = decodeObject(pod, {apiVersion: 'v1', kind: 'Pod', metadata: {labels: {}}, spec: {containers: [{name: 'a', bogus: 1, resources: {limits: {cpu: '1000m'}}}]}})
    expect(decoded.unknownFields).toEqual(['spec.containers[0].bogus'])
    expect(decoded.value).toEqual({kind: 'Pod', apiVersion: 'v1', metadata: {creationTimestamp: null}, spec: {containers: [{name: 'a', resources: {limits: {cpu: '1'}}}]}})
  })
})

describe('strategic merge patch', () => {
  it('merges lists by their merge key and honours directives', () => {
    const original = {spec: {containers: [{name: 'a', image: 'x', env: [{name: 'A', value: '1'}]}, {name: 'b', image: 'y'}], nodeSelector: {zone: 'z'}}}
    const patched = applyStrategicMergePatch(
      original,
      {spec: {containers: [{name: 'a', env: [{name: 'B', value: '2'}]}, {name: 'c', image: 'z'}], nodeSelector: {zone: null}}},
      pod,
    )
    expect(patched).toEqual({
      // As strategicpatch orders a merged list: a new item goes before the original's own.
      spec: {containers: [{name: 'a', image: 'x', env: [{name: 'B', value: '2'}, {name: 'A', value: '1'}]}, {name: 'c', image: 'z'}, {name: 'b', image: 'y'}], nodeSelector: {}},
    })
    const replaced = applyStrategicMergePatch(original, {spec: {containers: [{name: 'only', image: 'q'}, {$patch: 'replace'}]}}, pod) as {spec: {containers: unknown[]}}
    expect(replaced.spec.containers).toEqual([{name: 'only', image: 'q'}])
  })
})

describe('server-side printing', () => {
  it('formats ages as duration.HumanDuration does', async () => {
    const {humanDuration} = await import('../../src/core/util/go-duration.js')
    const second = 1000
    const cases: Array<[number, string]> = [
      [-5 * second, '<invalid>'],
      [-1 * second, '0s'],
      [119 * second, '119s'],
      [125 * second, '2m5s'],
      [180 * second, '3m'],
      [600 * second, '10m'],
      [179 * 60 * second, '179m'],
      [3 * 3600 * second, '3h'],
      [(7 * 3600 + 59 * 60) * second, '7h59m'],
      [(8 * 3600 + 10 * 60) * second, '8h'],
      [(2 * 24 + 3) * 3600 * second, '2d3h'],
      [10 * 24 * 3600 * second, '10d'],
      [800 * 24 * 3600 * second, '2y70d'],
      [3000 * 24 * 3600 * second, '8y'],
    ]
    for (const [milliseconds, text] of cases) expect(humanDuration(milliseconds)).toBe(text)
  })
})
