// kubectl describe of CertificateSigningRequests (describeCertificateSigningRequest): who asked,
// which signer, the status as the CONDITION column words it, and the request's subject and
// alternative names read from its PKCS #10.
import {formatLabels} from '../../api/field-text.js'
import type {KubeObject} from '../../api/object.js'
import {certificateRequestCondition} from '../../apiserver/tables/certificates.js'
import {humanDuration} from '../../util/go-duration.js'
import {parseCertificateRequestPem} from '../../util/x509.js'
import {KubectlError} from '../errors.js'
import type {DescribeContext} from './context.js'
import {eventsFor} from './context.js'
import {describeEvents} from './pods.js'
import {DescribeWriter, record, rfc1123z, text} from './writer.js'

function printList(writer: DescribeWriter, name: string, values: readonly string[]): void {
  if (values.length === 0) return
  writer.write(0, `\t${name}:\t${values.join('\n\t\t')}\n`)
}

export async function describeCertificateSigningRequest(object: KubeObject, context: DescribeContext): Promise<string> {
  const spec = record(object.spec)
  let request
  try {
    request = parseCertificateRequestPem(Buffer.from(text(spec.request), 'base64').toString('latin1'))
  } catch (error) {
    throw new KubectlError(`Error parsing CSR: ${error instanceof Error ? error.message : String(error)}`)
  }
  const writer = new DescribeWriter()
  writer.write(0, `Name:\t${object.metadata.name ?? ''}\n`)
  writer.write(0, `Labels:\t${formatLabels(object.metadata.labels)}\n`)
  writer.write(0, `Annotations:\t${formatLabels(object.metadata.annotations)}\n`)
  writer.write(0, `CreationTimestamp:\t${rfc1123z(object.metadata.creationTimestamp)}\n`)
  writer.write(0, `Requesting User:\t${text(spec.username)}\n`)
  if (text(spec.signerName).length > 0) writer.write(0, `Signer:\t${text(spec.signerName)}\n`)
  if (typeof spec.expirationSeconds === 'number') writer.write(0, `Requested Duration:\t${humanDuration(spec.expirationSeconds * 1000)}\n`)
  writer.write(0, `Status:\t${certificateRequestCondition(object)}\n`)
  const subject = request.subject
  writer.write(0, 'Subject:\n')
  writer.write(0, `\tCommon Name:\t${subject.commonName}\n`)
  writer.write(0, `\tSerial Number:\t${subject.serialNumber}\n`)
  printList(writer, 'Organization', subject.organizations)
  printList(writer, 'Organizational Unit', subject.organizationalUnits)
  printList(writer, 'Country', subject.countries)
  printList(writer, 'Locality', subject.localities)
  printList(writer, 'Province', subject.provinces)
  printList(writer, 'StreetAddress', subject.streetAddresses)
  printList(writer, 'PostalCode', subject.postalCodes)
  if (request.dnsNames.length + request.emailAddresses.length + request.ipAddresses.length + request.uris.length > 0) {
    writer.write(0, 'Subject Alternative Names:\n')
    printList(writer, 'DNS Names', request.dnsNames)
    printList(writer, 'Email Addresses', request.emailAddresses)
    printList(writer, 'URIs', request.uris)
    printList(writer, 'IP Addresses', request.ipAddresses)
  }
  describeEvents(writer, await eventsFor(context, object), context.nowMilliseconds)
  return writer.toString()
}
