// certificates.k8s.io/v1: CertificateSigningRequests, which signers answer with certificates.
import {arrayOf, bytesField, dateTime, int32, mapOf, object, string} from '../schema.js'
import {kind} from './meta.js'

export const certificateSigningRequest = kind('v1.CertificateSigningRequest', {
  spec: object('v1.CertificateSigningRequestSpec', {
    request: bytesField,
    signerName: string,
    expirationSeconds: int32,
    usages: arrayOf(string),
    username: string,
    uid: string,
    groups: arrayOf(string),
    extra: mapOf(arrayOf(string)),
  }),
  status: object('v1.CertificateSigningRequestStatus', {
    conditions: arrayOf(object('v1.CertificateSigningRequestCondition', {
      type: string, status: string, reason: string, message: string, lastUpdateTime: dateTime, lastTransitionTime: dateTime,
    })),
    certificate: bytesField,
  }),
})
