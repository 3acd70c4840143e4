// A kubeconfig user's client-certificate and client-key paths are read as client-go reads them:
// a relative path from the kubeconfig's own folder, whatever the working directory; the flags'
// paths from the working directory.
import {execFileSync} from 'node:child_process'
import {mkdirSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {clientCertificateOf} from '../../src/core/kubectl/client-certificate.js'
import {temporaryFolder} from '../support/temp.js'

describe('client certificate paths', () => {
  it("reads a kubeconfig's relative paths from its folder, and says which file it could not open", () => {
    const folder = temporaryFolder()
    mkdirSync(join(folder, 'config', 'pki'), {recursive: true})
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=jane', '-days', '1', '-keyout', join(folder, 'config', 'pki', 'jane.key'), '-out', join(folder, 'config', 'pki', 'jane.crt')], {stdio: 'ignore'})
    const user = {'client-certificate': 'pki/jane.crt', 'client-key': 'pki/jane.key'}
    const pair = clientCertificateOf(user, 'jane', {certificate: '', key: ''}, join(folder, 'config', 'kubeconfig'))
    expect(pair?.headersFor({method: 'GET', path: '/api'}, Date.now())).toHaveProperty('x-kubemu-client-certificate')
    // From the working directory the same relative path names no file.
    expect(() => clientCertificateOf(user, 'jane', {certificate: '', key: ''})).toThrow('unable to read client-cert pki/jane.crt for jane due to open pki/jane.crt: no such file or directory')
    // A flag's path is the working directory's, as kubectl reads it.
    expect(() => clientCertificateOf(user, 'jane', {certificate: 'pki/jane.crt', key: ''}, join(folder, 'config', 'kubeconfig'))).toThrow('unable to read client-cert pki/jane.crt')
  })
})
