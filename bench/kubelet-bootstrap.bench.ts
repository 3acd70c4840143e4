// What kubelet TLS bootstrap costs per node: a cluster of NODES nodes (200) in one process, settled
// from a fresh control plane once with nothing new, and once after every node's kubelet was given
// the bootstrap token (each makes an ECDSA P-256 key and a request, csrapproving reviews and
// approves it, csrsigning signs it, the kubelet keeps the certificate). Printed: both settles, the
// difference per node, and the key and request alone per node.
// Run: npx vite-node bench/kubelet-bootstrap.bench.ts (NODES=… to change the size)
import {generateKeyPairSync} from 'node:crypto'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {ApiServer} from '../src/core/apiserver/apiserver.js'
import {createCertificateAuthority} from '../src/core/apiserver/authentication/certificates.js'
import {apiServerUser} from '../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped, nodeObject} from '../src/core/apiserver/bootstrap.js'
import {ApiClient} from '../src/core/client/client.js'
import {resources} from '../src/core/client/resources.js'
import {ControlPlane} from '../src/core/controlplane/control-plane.js'
import {joinWithBootstrapToken, MemoryKubeletCredentials} from '../src/core/kubelet/client-credentials.js'
import {LazyEmbeddedStore} from '../src/core/store/lazy-embedded-store.js'
import {systemClock} from '../src/core/util/clock.js'
import {SeededRandom} from '../src/core/util/random.js'
import {createCertificateRequestPem, subjectOf} from '../src/core/util/x509.js'

const nodeCount = Number(process.env.NODES ?? 200)

/** Settles of one cluster of nodeCount nodes: once idle, once with every kubelet bootstrapping. */
async function run(): Promise<{idle: number; bootstrap: number}> {
  const folder = mkdtempSync(join(tmpdir(), 'kubemu-kubelet-bootstrap-bench-'))
  const store = new LazyEmbeddedStore(folder, {clock: systemClock})
  try {
    const api = new ApiServer({store, clock: systemClock})
    await ensureBootstrapped(api, systemClock.nowMilliseconds(), [])
    const admin = new ApiClient(api, apiServerUser)
    const credentials = new MemoryKubeletCredentials()
    for (let index = 0; index < nodeCount; index++) {
      await admin.create(resources.nodes, nodeObject({name: `node-${index}`, cpu: '4', memory: '8Gi', pods: '110', labels: {}, taints: [], address: `172.19.${Math.floor(index / 250)}.${index % 250}`, podCidr: `10.${100 + Math.floor(index / 250)}.${index % 250}.0/24`}, systemClock.nowMilliseconds()))
    }
    const authority = createCertificateAuthority(systemClock.nowMilliseconds())
    const random = new SeededRandom(1)
    const settle = async () => {
      const plane = new ControlPlane(api, systemClock, () => random.next(), undefined, {certificateAuthority: () => authority, kubeletCredentials: {store: credentials, random: () => random.next()}})
      const started = performance.now()
      try {
        await plane.settle()
      } finally {
        plane.stop()
      }
      return performance.now() - started
    }
    // The nodes' kube-proxy pods and the rest first; then a settle with nothing new, then one where every kubelet bootstraps.
    await settle()
    const idle = await settle()
    for (let index = 0; index < nodeCount; index++) joinWithBootstrapToken(credentials, `node-${index}`)
    const bootstrap = await settle()
    const issued = [...Array(nodeCount).keys()].filter((index) => credentials.get(`node-${index}`)?.current !== undefined).length
    if (issued !== nodeCount) throw new Error(`${issued} of ${nodeCount} kubelets have their certificate`)
    return {idle, bootstrap}
  } finally {
    await store.close()
    rmSync(folder, {recursive: true, force: true})
  }
}

const {idle, bootstrap} = await run()
const keysStarted = performance.now()
for (let index = 0; index < nodeCount; index++) createCertificateRequestPem(subjectOf(`system:node:node-${index}`, ['system:nodes']), generateKeyPairSync('ec', {namedCurve: 'prime256v1'}).privateKey)
const keys = performance.now() - keysStarted
console.log(`${nodeCount} nodes: a settle with nothing new ${idle.toFixed(0)} ms, one where every kubelet bootstraps ${bootstrap.toFixed(0)} ms`)
console.log(`TLS bootstrap per node: ${((bootstrap - idle) / nodeCount).toFixed(2)} ms (request, review, approval, signature, certificate kept); key and request alone ${(keys / nodeCount).toFixed(2)} ms`)
