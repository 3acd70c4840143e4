// kube-apiserver's admission plugins for CertificateSigningRequests: CertificateApproval (who
// approves or denies must be allowed to `approve` for the request's signer), CertificateSigning
// (who writes status.certificate must be allowed to `sign` for it) and
// CertificateSubjectRestriction (no system:masters client certificates from the cluster's signer).
import {isJsonObject, type KubeObject} from '../../api/object.js'
import {requestPem} from '../../api/strategies/certificates.js'
import type {UserInfo} from '../../api/wire.js'
import {parseCertificateRequestPem} from '../../util/x509.js'
import {apiErrors} from '../api-errors.js'
import type {Attributes} from '../authorization/rbac.js'
import type {AdmissionAttributes, AdmissionPlugin} from './chain.js'
import type {AdmissionReader} from './context.js'

export const kubeApiserverClientSignerName = 'kubernetes.io/kube-apiserver-client'
const mastersGroup = 'system:masters'

const isRequest = (attributes: AdmissionAttributes) => attributes.definition.group === 'certificates.k8s.io' && attributes.definition.resource === 'certificatesigningrequests'
const signerNameOf = (object: KubeObject | null) => String((isJsonObject(object?.spec) ? object.spec.signerName : '') ?? '')
const certificateOf = (object: KubeObject | null) => String((isJsonObject(object?.status) ? object.status.certificate : '') ?? '')

/** IsAuthorizedForSignerName: `verb` on signers/<signerName>, else on signers/<domain>/*. */
async function authorizedForSigner(reader: AdmissionReader, user: UserInfo, verb: string, signerName: string): Promise<boolean> {
  if (!reader.authorize) return false
  const check = (name: string): Attributes => ({
    user, verb, isResourceRequest: true, path: '', apiGroup: 'certificates.k8s.io', apiVersion: '*', namespace: '', resource: 'signers', subresource: '', name,
  })
  if ((await reader.authorize(check(signerName))).allowed) return true
  const slash = signerName.indexOf('/')
  return slash > 0 && (await reader.authorize(check(`${signerName.slice(0, slash)}/*`))).allowed
}

function forbidden(attributes: AdmissionAttributes, cause: string) {
  return apiErrors.forbidden({group: attributes.definition.group, resource: attributes.definition.resource}, attributes.name, cause)
}

export class CertificateApproval implements AdmissionPlugin {
  readonly name = 'CertificateApproval'
  constructor(private readonly reader: AdmissionReader) {}

  async validate(attributes: AdmissionAttributes, object: KubeObject | null): Promise<void> {
    if (!isRequest(attributes) || attributes.subresource !== 'approval' || !object) return
    const signerName = signerNameOf(object)
    if (!(await authorizedForSigner(this.reader, attributes.user, 'approve', signerName))) {
      throw forbidden(attributes, `user not permitted to approve requests with signerName ${JSON.stringify(signerName)}`)
    }
  }
}

export class CertificateSigning implements AdmissionPlugin {
  readonly name = 'CertificateSigning'
  constructor(private readonly reader: AdmissionReader) {}

  async validate(attributes: AdmissionAttributes, object: KubeObject | null, old: KubeObject | null): Promise<void> {
    if (!isRequest(attributes) || attributes.subresource !== 'status' || !object || !old) return
    if (certificateOf(object) === certificateOf(old)) return
    const signerName = signerNameOf(old)
    if (!(await authorizedForSigner(this.reader, attributes.user, 'sign', signerName))) {
      throw forbidden(attributes, `user not permitted to sign requests with signerName ${JSON.stringify(signerName)}`)
    }
  }
}

export class CertificateSubjectRestriction implements AdmissionPlugin {
  readonly name = 'CertificateSubjectRestriction'

  async validate(attributes: AdmissionAttributes, object: KubeObject | null): Promise<void> {
    if (!isRequest(attributes) || attributes.operation !== 'CREATE' || attributes.subresource !== '' || !object) return
    if (signerNameOf(object) !== kubeApiserverClientSignerName) return
    // Validation has parsed the request by now; one that does not parse was refused there.
    const request = parseCertificateRequestPem(requestPem(object))
    if (request.subject.organizations.includes(mastersGroup)) {
      throw forbidden(attributes, `use of ${kubeApiserverClientSignerName} signer with ${mastersGroup} group is not allowed`)
    }
  }
}
