// kube-apiserver's identity Leases (APIServerIdentity, on by default since 1.26): every API server
// holds `apiserver-<hash of its host name>` in kube-system, renewed every 10 s for an hour. They
// are how `kubectl get leases -n kube-system` shows the API servers side by side. A stopped
// master's Lease is no longer renewed, and a running API server's garbage collector deletes it
// once expired, as kube-apiserver's apiserverleasegc does.
import {createHash, randomUUID} from 'node:crypto'
import type {KubeObject} from '../api/object.js'
import {apiServerUser} from '../apiserver/authentication/user.js'
import {ApiClient, isConflict, isNotFound, type RequestHandler} from '../client/client.js'
import {resources} from '../client/resources.js'
import {microTime, readLease} from '../controlplane/leader-election.js'
import type {MasterLayout} from '../api/masters.js'

/** kube-apiserver's IdentityLeaseDurationSeconds, IdentityLeaseRenewIntervalPeriod and IdentityLeaseGCPeriod. */
export const identityLeaseDurationSeconds = 3600
export const identityLeaseRenewMillisecondsInterval = 10_000
export const identityLeaseGcMillisecondsInterval = 3_600_000
/** The label every identity Lease carries, and its value for kube-apiserver. */
export const identityLeaseLabel = 'apiserver.kubernetes.io/identity'

type Lease = KubeObject & {spec?: {holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string}}

/** RFC 4648 base32 without padding, lower case: how kube-apiserver spells the hash in the Lease's name. */
function base32(bytes: Uint8Array): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
  let bits = 0
  let value = 0
  let text = ''
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      text += alphabet[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) text += alphabet[(value << (5 - bits)) & 31]
  return text
}

/** The Lease name of the API server on `hostname`: stable as long as the host name is. */
export function identityLeaseName(hostname: string): string {
  return `apiserver-${base32(createHash('sha256').update(hostname).digest().subarray(0, 16))}`
}

interface ApiServerIdentity {
  readonly master: MasterLayout
  readonly client: ApiClient
  readonly leaseName: string
  /** `<lease name>_<uuid>`: a new one every time the API server starts. */
  holder: string
  renewedAt: number
}

export class ApiServerIdentityLeases {
  private readonly identities: ApiServerIdentity[]
  private gcAt = Number.NEGATIVE_INFINITY

  /** `servers`: each master's own API server (a Lease is renewed through the server it names). */
  constructor(
    masters: readonly MasterLayout[],
    servers: ReadonlyMap<string, RequestHandler>,
    private readonly log: (line: string) => void,
    private readonly newUuid: () => string = () => randomUUID(),
  ) {
    this.identities = masters.map((master) => {
      const leaseName = identityLeaseName(master.node)
      return {master, client: new ApiClient(servers.get(master.node)!, apiServerUser, 'kube-apiserver'), leaseName, holder: `${leaseName}_${this.newUuid()}`, renewedAt: Number.NEGATIVE_INFINITY}
    })
  }

  /** Renews the running API servers' Leases when due, then collects expired ones when that is due. */
  async reconcile(now: number, isRunning: (master: MasterLayout) => boolean): Promise<void> {
    const running = this.identities.filter((identity) => isRunning(identity.master))
    for (const identity of this.identities) {
      // A restarted API server is a new process: a new holder identity.
      if (!isRunning(identity.master) && identity.renewedAt > Number.NEGATIVE_INFINITY) {
        identity.renewedAt = Number.NEGATIVE_INFINITY
        identity.holder = `${identity.leaseName}_${this.newUuid()}`
      }
    }
    for (const identity of running) {
      if (now - identity.renewedAt < identityLeaseRenewMillisecondsInterval) continue
      await this.renew(identity, now)
    }
    const collector = running[0]
    if (collector && now - this.gcAt >= identityLeaseGcMillisecondsInterval) {
      this.gcAt = now
      await this.collect(collector.client, now)
    }
  }

  private async renew(identity: ApiServerIdentity, now: number): Promise<void> {
    const spec = {holderIdentity: identity.holder, leaseDurationSeconds: identityLeaseDurationSeconds, renewTime: microTime(now)}
    const lease = await readLease<Lease>(identity.client, identity.leaseName)
    try {
      if (lease) {
        await identity.client.update(resources.leases, {...lease, kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', spec: {...lease.spec, ...spec}})
      } else {
        const metadata = {name: identity.leaseName, namespace: 'kube-system', labels: {[identityLeaseLabel]: 'kube-apiserver', 'kubernetes.io/hostname': identity.master.node}}
        await identity.client.create(resources.leases, {kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', metadata, spec})
      }
      identity.renewedAt = now
    } catch (error) {
      // Someone else wrote it meanwhile: the next round reads it again.
      if (!isConflict(error)) throw error
    }
  }

  /** apiserverleasegc: deletes kube-apiserver identity Leases that have expired. */
  private async collect(client: ApiClient, now: number): Promise<void> {
    const {items} = await client.list<Lease>(resources.leases, 'kube-system', {labelSelector: `${identityLeaseLabel}=kube-apiserver`})
    for (const lease of items) {
      const expires = (Date.parse(lease.spec?.renewTime ?? '') || 0) + (lease.spec?.leaseDurationSeconds ?? identityLeaseDurationSeconds) * 1000
      if (expires > now) continue
      try {
        await client.delete(resources.leases, 'kube-system', String(lease.metadata.name), {preconditions: {resourceVersion: String(lease.metadata.resourceVersion)}})
        this.log(`kube-apiserver: deleted the expired identity Lease ${lease.metadata.name}`)
      } catch (error) {
        // Gone already, or renewed meanwhile (its resourceVersion moved on): it stays.
        if (!isNotFound(error) && !isConflict(error)) throw error
      }
    }
  }
}
