// The validity kube's PermissiveSigningPolicy gives an issued certificate.
import {describe, expect, it} from 'vitest'
import {extendedKeyUsageOidsOf, signingValidity} from '../../src/core/controllers/certificate-signing.js'

const now = Date.UTC(2026, 11, 5, 12, 0, 0, 700)
const minute = 60 * 1000
const hour = 60 * minute
const authorityNotAfter = now + 400 * 24 * hour

describe('csrsigning validity', () => {
  it('starts five minutes back; ends a long certificate five minutes early and a short one on time; whole seconds', () => {
    const second = (milliseconds: number) => Math.floor(milliseconds / 1000) * 1000
    expect(signingValidity(now, hour, authorityNotAfter)).toEqual({notBeforeMilliseconds: second(now - 5 * minute), notAfterMilliseconds: second(now + hour)})
    expect(signingValidity(now, 8 * hour - 1, authorityNotAfter)?.notAfterMilliseconds).toBe(second(now + 8 * hour - 1))
    expect(signingValidity(now, 8 * hour, authorityNotAfter)?.notAfterMilliseconds).toBe(second(now + 8 * hour - 5 * minute))
    expect(signingValidity(now, 365 * 24 * hour, authorityNotAfter)?.notAfterMilliseconds).toBe(second(now + 365 * 24 * hour - 5 * minute))
  })

  it('never outlives the CA, and signs nothing once the CA has expired', () => {
    expect(signingValidity(now, 365 * 24 * hour, now + hour)?.notAfterMilliseconds).toBe(Math.floor((now + hour) / 1000) * 1000)
    expect(signingValidity(now, hour, now)).toBeNull()
    expect(signingValidity(now, hour, now - 1)).toBeNull()
  })
})

describe('csrsigning extended key usages', () => {
  it('lists them once each in Go\'s enum order, as kube\'s signer sorts them', () => {
    expect(extendedKeyUsageOidsOf(['client auth', 'digital signature', 's/mime', 'server auth', 'email protection', 'any', 'client auth']))
      .toEqual(['2.5.29.37.0', '1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.4'])
  })
})
