// The certificates of etcd's client ports under `kubemu up --etcd-tls`, as kubeadm lays them out
// in pki/etcd: the etcd CA, the members' serving certificate, and client certificates whose CN is
// the etcd user they act as under --client-cert-auth (root, and kubeadm's health check and API
// server clients).
import {X509Certificate} from 'node:crypto'
import {rmSync} from 'node:fs'
import {isIP} from 'node:net'
import {etcdClientCertificates, etcdClientFiles, etcdPkiFolder} from '../../etcd/pki-files.js'
import {createCertificateAuthority, issueCertificate, type KeyAndCertificate, readKeyAndCertificate, writeCertificateFolderOnce} from './certificates.js'

/** The hosts the serving certificate always covers, besides those the front door binds. */
const loopbackHosts = ['localhost', '127.0.0.1', '::1']

export interface EtcdCertificates {
  readonly folder: string
  readonly authority: KeyAndCertificate
  readonly server: KeyAndCertificate
}

const covers = (certificate: string, host: string) => {
  const parsed = new X509Certificate(certificate)
  return isIP(host) ? parsed.checkIP(host) !== undefined : parsed.checkHost(host) !== undefined
}

/** The etcd CA, server and client certificates, made on first use; made again when the server's does not cover `hosts`. */
export function etcdCertificates(clusterFolder: string, hosts: readonly string[], nowMilliseconds: number): EtcdCertificates {
  const folder = etcdPkiFolder(clusterFolder)
  const wanted = [...new Set([...loopbackHosts, ...hosts])]
  for (let attempt = 0; attempt < 2; attempt++) {
    writeCertificateFolderOnce(folder, () => {
      const authority = createCertificateAuthority(nowMilliseconds, 'etcd-ca')
      const clients = Object.entries(etcdClientCertificates).map(([file, subject]) => [file, issueCertificate(authority, {...subject, usages: ['clientAuth']}, nowMilliseconds)] as const)
      // kubeadm's server.crt serves and is a client too (etcd dials its own client URL with it).
      const server = issueCertificate(authority, {commonName: 'localhost', hosts: wanted, usages: ['serverAuth', 'clientAuth']}, nowMilliseconds)
      return {ca: authority, server, ...Object.fromEntries(clients)}
    })
    const server = readKeyAndCertificate(folder, 'server')
    if (wanted.every((host) => covers(server.certificate, host))) return {folder, authority: readKeyAndCertificate(folder, 'ca'), server}
    // Made for other hosts: make the set again (a new CA, so clients must take the new files).
    rmSync(folder, {recursive: true, force: true})
  }
  throw new Error(`invariant: the etcd server certificate in ${folder} does not cover ${wanted.join(', ')}`)
}

/** What the front door's TLS listener takes: the server's key and certificate (PEM), and the CA client certificates must come from. */
export function etcdServingTls(clusterFolder: string, hosts: readonly string[], nowMilliseconds: number): {certificate: string; privateKey: string; authority: string} {
  const certificates = etcdCertificates(clusterFolder, hosts, nowMilliseconds)
  return {certificate: certificates.server.certificate, privateKey: certificates.server.privateKey, authority: certificates.authority.certificate}
}

/** How to reach the front door with etcdctl: the endpoints, and over https the root client's files. */
export function etcdctlCommandLine(clusterFolder: string, urls: readonly string[]): string {
  if (!urls.some((url) => url.startsWith('https://'))) return `etcdctl --endpoints=${urls.map((url) => url.replace(/^http:\/\//, '')).join(',')}`
  const files = etcdClientFiles(clusterFolder)
  return `etcdctl --endpoints=${urls.join(',')} --cacert=${files.cacert} --cert=${files.cert} --key=${files.key}`
}
