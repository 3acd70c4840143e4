// csrcleaner's isIssuedExpired: a request goes for an expired certificate only when it was approved
// and only by the first certificate of its first PEM block.
import {describe, expect, it} from 'vitest'
import {formatTimestamp} from '../../src/core/api/object.js'
import {createCertificateAuthority} from '../../src/core/apiserver/authentication/certificates.js'
import {isRequestDone} from '../../src/core/controllers/certificate-cleaner.js'

const now = Date.UTC(2026, 11, 5, 12, 0, 0)
const yearMilliseconds = 365 * 24 * 60 * 60 * 1000
// Valid for ten years from when it was made.
const expired = createCertificateAuthority(now - 11 * yearMilliseconds).certificate
const valid = createCertificateAuthority(now).certificate

const request = (certificates: string[], conditions: Array<{type: string}>) => ({
  kind: 'CertificateSigningRequest',
  metadata: {name: 'r', creationTimestamp: formatTimestamp(now - 60 * 1000)},
  status: {certificate: Buffer.from(certificates.join('')).toString('base64'), conditions: conditions.map((condition) => ({...condition, lastUpdateTime: formatTimestamp(now - 60 * 1000)}))},
})

describe('csrcleaner', () => {
  it('takes an expired certificate as done only for an approved request, by its first certificate', () => {
    expect(isRequestDone(request([expired], [{type: 'Approved'}]), now)).toBe(true)
    expect(isRequestDone(request([valid, expired], [{type: 'Approved'}]), now)).toBe(false)
    expect(isRequestDone(request([expired], []), now)).toBe(false)
    expect(isRequestDone(request([expired], [{type: 'Failed'}]), now)).toBe(false)
  })
})
