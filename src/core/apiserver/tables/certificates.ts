// The printer of CertificateSigningRequests (kube's printCertificateSigningRequest).
import {isJsonObject, type KubeObject} from '../../api/object.js'
import {objects, str} from '../../api/strategies/json-fields.js'
import {humanDuration} from '../../util/go-duration.js'
import {age, ageColumn, column, nameColumn, type Printer} from './table.js'

/** The CONDITION column: Denied, else Approved, else Pending; then ,Failed and ,Issued. */
export function certificateRequestCondition(object: KubeObject): string {
  const status = isJsonObject(object.status) ? object.status : {}
  const types = new Set(objects(status.conditions).map((condition) => str(condition.type)))
  let text = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending'
  if (types.has('Failed')) text += ',Failed'
  if (str(status.certificate).length > 0) text += ',Issued'
  return text
}

export const certificateSigningRequestPrinter: Printer = {
  columns: [
    nameColumn,
    ageColumn,
    column('SignerName', 'string', 0, 'Requested signer for the request. It is a qualified name in the form: `scope-hostname.io/name`.'),
    column('Requestor', 'string', 0, 'Base64-encoded PKCS#10 CSR data'),
    column('RequestedDuration', 'string', 0, 'expirationSeconds is the requested duration of validity of the issued certificate.'),
    column('Condition', 'string', 0, 'Conditions applied to the request, such as approval or denial.'),
  ],
  row: (object, now) => {
    const spec = isJsonObject(object.spec) ? object.spec : {}
    const expiration = typeof spec.expirationSeconds === 'number' ? humanDuration(spec.expirationSeconds * 1000) : '<none>'
    return [object.metadata.name ?? '', age(object, now), str(spec.signerName) || '<none>', str(spec.username), expiration, certificateRequestCondition(object)]
  },
}
