// Reading manifests as kubectl's YAMLOrJSONDecoder does: a stream that begins with `{` is JSON
// objects one after another (kubectl accepts `{…}{…}` and `{…}\n{…}`); anything else is YAML.
import {describe, expect, it} from 'vitest'
import {parseManifests} from '../../src/core/kubectl/manifests.js'

const configMap = (name: string, data: Record<string, string> = {}) => JSON.stringify({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name}, data})
const names = (text: string) => parseManifests(text, 'test').map((object) => object.metadata.name)

describe('kubectl manifests', () => {
  it('reads JSON objects that follow each other, adjacent or with whitespace between', () => {
    expect(names(`${configMap('a')}${configMap('b')}\n  ${configMap('c')}\n`)).toEqual(['a', 'b', 'c'])
  })

  it('keeps braces and quotes inside JSON strings as text', () => {
    const [object] = parseManifests(configMap('a', {k: 'v}{"[', j: '\\'}), 'test')
    expect((object as unknown as {data: Record<string, string>}).data).toEqual({k: 'v}{"[', j: '\\'})
  })

  it('reads a JSON List and YAML streams as before', () => {
    expect(names(JSON.stringify({apiVersion: 'v1', kind: 'List', items: [JSON.parse(configMap('x')), JSON.parse(configMap('y'))]}))).toEqual(['x', 'y'])
    expect(names('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: q}\n')).toEqual(['p', 'q'])
    // A YAML flow mapping begins with `{` too: kubectl 1.32 reads it as JSON, and refuses it.
    expect(() => names('{apiVersion: v1, kind: ConfigMap, metadata: {name: flow}}\n')).toThrow("error parsing test: json: offset 2: invalid character 'a' looking for beginning of object key string")
  })
})
