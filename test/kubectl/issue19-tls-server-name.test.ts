// Issue 19 beside the real kubectl 1.32 through `up`: --tls-server-name (or a kubeconfig cluster's
// tls-server-name) is the name the serving certificate must be valid for, as kubectl verifies it:
// a name the certificate does not carry fails the first request with Go's x509 HostnameError
// (its DNS names, or its IP addresses for an IP), one it carries works, and
// insecure-skip-tls-verify skips the check. A closed port met when the builder maps the objects of
// create, apply and replace (--force too) fails each object as `unable to recognize "FILE": …`,
// one memory-cache error line per object, as kubectl's deferred mapper tries once for each.
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {goHostnameError} from '../../src/core/kubectl/server-name.js'
import {realKubectlFound} from '../support/real-kubectl.js'
import {kubectlsOnUp} from '../support/up-with-real-kubectl.js'

describe('Go\'s x509 HostnameError text', () => {
  it('lists the DNS names for a name, the IP addresses (IPv6 shortest) for an IP', () => {
    const certificate = {subjectaltname: 'DNS:localhost, DNS:kubernetes, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1'}
    expect(goHostnameError(certificate, 'foo')).toBe('x509: certificate is valid for localhost, kubernetes, not foo')
    expect(goHostnameError(certificate, '10.0.0.1')).toBe('x509: certificate is valid for 127.0.0.1, ::1, not 10.0.0.1')
    expect(goHostnameError({subjectaltname: 'DNS:a'}, '10.0.0.1')).toBe("x509: cannot validate certificate for 10.0.0.1 because it doesn't contain any IP SANs")
  })
})

describe.runIf(realKubectlFound !== undefined)('issue 19: --tls-server-name and a closed port met by the builder, beside the real kubectl through up', () => {
  const {real, home, sameAsReal} = kubectlsOnUp()

  it('verifies the serving certificate against the TLS server name', async () => {
    // Discovery first, so that both kubectls meet the name on the request itself.
    expect((await sameAsReal('get ns default -o name')).status).toBe(0)
    const kubeconfig = readFileSync(join(home(), 'default', 'kubeconfig'), 'utf8')
    writeFileSync(join(home(), 'named.kubeconfig'), kubeconfig.replace(/^(\s+)server: (.*)$/m, '$1server: $2\n$1tls-server-name: foo'))
    for (const line of [
      'get ns default --tls-server-name=foo -o name',
      'get ns default --tls-server-name=10.0.0.1 -o name',
      'api-versions --tls-server-name=foo',
      'get ns default --tls-server-name=foo --insecure-skip-tls-verify -o name',
      'get ns default --tls-server-name=localhost -o name',
      'get ns default --tls-server-name=kubernetes.default.svc.cluster.local -o name',
      'get ns default --tls-server-name=127.0.0.1 -o name',
      'get ns default --kubeconfig=named.kubeconfig -o name',
      'get ns default --kubeconfig=named.kubeconfig --tls-server-name=kubernetes -o name',
    ]) {
      await sameAsReal(line)
    }
    expect((await real('get ns default --tls-server-name=foo')).stderr).toContain('tls: failed to verify certificate: x509: certificate is valid for localhost')
  }, 60_000)

  it('fails each object of create, apply and replace as unrecognized when discovery meets a closed port', async () => {
    writeFileSync(join(home(), 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n')
    writeFileSync(join(home(), 'two.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: d}\n')
    for (const line of [
      'create -f cm.yaml -f two.yaml --server=https://127.0.0.1:1 --validate=false',
      'apply -f cm.yaml --server=https://127.0.0.1:1 --validate=false',
      'replace --force -f cm.yaml --server=https://127.0.0.1:1',
      'replace --force -f two.yaml --server=https://127.0.0.1:1',
      'replace -f cm.yaml --server=https://127.0.0.1:1 --validate=false',
    ]) {
      expect((await sameAsReal(line)).stderr).toContain('unable to recognize')
    }
  }, 60_000)
})
