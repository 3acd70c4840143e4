// What kube-apiserver says of a value in etcd it cannot decode: its storage decoder's error
// (encoding/json's for values that begin with `{`, else encoding/base64's), 500 without a reason.
import {describe, expect, it} from 'vitest'
import {decodeStoredValue, goJsonSyntaxError, undecodableReason} from '../../src/core/apiserver/stored-decode.js'

const bytes = (text: string) => new TextEncoder().encode(text)

describe('undecodable stored values', () => {
  it('give base64\'s error for text that is not a JSON object', () => {
    expect(undecodableReason(bytes('garbage'))).toBe('illegal base64 data at input byte 4')
    expect(undecodableReason(bytes('hello world'))).toBe('illegal base64 data at input byte 5')
    expect(undecodableReason(bytes('123'))).toBe('illegal base64 data at input byte 0')
    expect(undecodableReason(bytes('ab=c'))).toBe('illegal base64 data at input byte 2')
    expect(undecodableReason(bytes('abc='))).toMatch(/^couldn't get version\/kind; json parse error: json: cannot unmarshal string/)
    // base64 of a JSON object without a kind: decoded, then JSON's turn.
    expect(undecodableReason(bytes(Buffer.from('{"a":1}').toString('base64')))).toBe(`Object 'Kind' is missing in '{"a":1}'`)
  })

  it('give encoding/json\'s syntax errors for broken JSON objects', () => {
    expect(undecodableReason(bytes('{"kind":"ConfigMap",'))).toBe("couldn't get version/kind; json parse error: unexpected end of JSON input")
    expect(goJsonSyntaxError(bytes('{bad}'))).toBe("invalid character 'b' looking for beginning of object key string")
    expect(goJsonSyntaxError(bytes('{"a" 1}'))).toBe("invalid character '1' after object key")
    expect(goJsonSyntaxError(bytes('{"a":1 "b":2}'))).toBe(`invalid character '"' after object key:value pair`)
    expect(goJsonSyntaxError(bytes('{"a":[1 2]}'))).toBe("invalid character '2' after array element")
    expect(goJsonSyntaxError(bytes('{"a":tru}'))).toBe("invalid character '}' in literal true (expecting 'e')")
    expect(goJsonSyntaxError(bytes('{"a":-x}'))).toBe("invalid character 'x' in numeric literal")
    expect(goJsonSyntaxError(bytes('{"a":1.}'))).toBe("invalid character '}' after decimal point in numeric literal")
    expect(goJsonSyntaxError(bytes('{"a":"\\q"}'))).toBe("invalid character 'q' in string escape code")
    expect(goJsonSyntaxError(bytes('{"a":"\n"}'))).toBe("invalid character '\\n' in string literal")
    expect(goJsonSyntaxError(bytes('{} x'))).toBe("invalid character 'x' after top-level value")
    expect(goJsonSyntaxError(bytes(`{"a":${'['.repeat(10_001)}`))).toBe("invalid character '[' exceeded max depth")
    expect(goJsonSyntaxError(bytes('{"a":[1,{"b":null}],"c":"\\u00e9"}'))).toBeNull()
  })

  it('decode a whole object, and refuse one without a kind or apiVersion with a 500 without a reason', () => {
    expect(decodeStoredValue(bytes('{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"x"}}')).metadata.name).toBe('x')
    expect(() => decodeStoredValue(bytes('{"kind":"Namespace","metadata":{}}'))).toThrow(expect.objectContaining({code: 500, reason: '', message: `Object 'apiVersion' is missing in '{"kind":"Namespace","metadata":{}}'`}))
    expect(() => decodeStoredValue(bytes('garbage'))).toThrow(expect.objectContaining({code: 500, reason: '', message: 'illegal base64 data at input byte 4'}))
  })

  it('refuse what JavaScript parses but encoding/json does not, on the quick path too', () => {
    const nested = `{"kind":"ConfigMap","apiVersion":"v1","data":${'['.repeat(10_001)}${']'.repeat(10_001)}}`
    expect(() => decodeStoredValue(bytes(nested))).toThrow(expect.objectContaining({code: 500, message: "couldn't get version/kind; json parse error: invalid character '[' exceeded max depth"}))
    expect(() => decodeStoredValue(bytes('{"kind":"","apiVersion":"v1"}'))).toThrow(expect.objectContaining({code: 500, message: `Object 'Kind' is missing in '{"kind":"","apiVersion":"v1"}'`}))
    expect(decodeStoredValue(bytes(' {"kind":"Namespace","apiVersion":"v1","metadata":{"name":"spaced"}}')).metadata.name).toBe('spaced')
  })

  it('decode a missing metadata as Go\'s zero ObjectMeta, refuse one that is not an object, and unwrap base64', () => {
    expect(decodeStoredValue(bytes('{"kind":"Namespace","apiVersion":"v1"}')).metadata).toEqual({})
    expect(() => decodeStoredValue(bytes('{"kind":"Namespace","apiVersion":"v1","metadata":5}'))).toThrow(expect.objectContaining({code: 500, reason: '', message: 'json: cannot unmarshal number into Go struct field Namespace.metadata of type v1.ObjectMeta'}))
    const wrapped = Buffer.from('{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"wrapped"}}').toString('base64')
    expect(decodeStoredValue(bytes(wrapped)).metadata.name).toBe('wrapped')
  })
})
