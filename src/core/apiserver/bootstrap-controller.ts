// kube-apiserver's bootstrap controllers, which keep what the cluster cannot work without even
// when a client deletes it (`etcdctl del "" --prefix`): the system namespaces controller (every
// minute), the kubernetes service controller (the `kubernetes` Service, its Endpoints and
// EndpointSlice, every 10 s, the endpoint reconciler's interval), and the bootstrap RBAC policy
// and system PriorityClasses, which kube-apiserver writes in post-start hooks. kube-apiserver
// rewrites those two only when it restarts; `kubemu up` is one long-lived API server, so they are
// checked with the namespaces, every minute. Nodes are not the API server's: their kubelets
// register them, and a deleted Node is a removed node (`kubemu node remove`). Beside them, the
// cluster IP and node port allocators' repair (allocation-repair.ts), every 3 minutes. The
// kubernetes service controller also keeps its endpoints listing the running API servers
// (bootstrap-endpoints.ts, the lease endpoint reconciler).
import type {Clock} from '../util/clock.js'
import {AllocationRepair, allocationRepairMillisecondsInterval} from './allocation-repair.js'
import type {ApiServer} from './apiserver.js'
import type {BootstrapObject} from './bootstrap-object.js'
import {MasterLeases, reconcileMasterEndpoints, storedMasterAddresses} from './bootstrap-endpoints.js'
import {
  BootstrapError,
  bootstrapPolicyObjects,
  describeBootstrapObject,
  ensureNodePortRange,
  ensureObjects,
  kubernetesServiceObjects,
  systemNamespaceObjects,
  systemPriorityClassObjects,
} from './bootstrap.js'

/** kube's SystemNamespacesController interval; kubemu checks the bootstrap policy and PriorityClasses with it. */
export const systemObjectsIntervalMilliseconds = 60_000
/** kube-apiserver's endpoint reconciler interval, at which the kubernetes service controller runs. */
export const kubernetesServiceIntervalMilliseconds = 10_000
/** The resync of kube-aggregator's availability controllers: APIServices checked again against their Services. */
export const apiServiceAvailabilityIntervalMilliseconds = 30_000

export interface BootstrapRepair {
  /** What was missing and is written again: `namespace kube-system`, `service default/kubernetes`. */
  readonly created: readonly string[]
  /** What the allocators' repair changed: `the cluster IP 10.96.0.1 appears to have leaked: released it`. */
  readonly repaired: readonly string[]
  /** The steps that failed, with the server's answer (tried again at their next period). */
  readonly failures: readonly string[]
}

export class BootstrapController {
  private systemObjectsDue = Number.NEGATIVE_INFINITY
  private kubernetesServiceDue = Number.NEGATIVE_INFINITY
  private allocationRepairDue = Number.NEGATIVE_INFINITY
  private apiServiceAvailabilityDue = Number.NEGATIVE_INFINITY
  /** When the autoregister controller's onstart sync is due: at an API server's start, again a period after it failed. */
  private registrationDue = Number.POSITIVE_INFINITY
  private readonly allocationRepair: AllocationRepair
  private readonly masterLeases: MasterLeases | null
  private masterLeasesAssumed = false
  private readonly masterLeasesCheckedAt: number

  /**
   * `systemObjectsCheckedAt`: when a previous run of this controller last checked the system
   * objects (a one-shot command resumes the cluster from then), so that check, some seventy reads,
   * runs once a minute of cluster time rather than in every command.
   */
  constructor(
    private readonly api: ApiServer,
    private readonly clock: Clock,
    systemObjectsCheckedAt = Number.NEGATIVE_INFINITY,
    /** The nodes of the running masters (each runs an API server); without it the endpoints list the first master's alone. */
    runningMasterNodes?: () => readonly string[],
  ) {
    this.allocationRepair = new AllocationRepair(api)
    this.masterLeases = runningMasterNodes ? new MasterLeases(runningMasterNodes) : null
    this.masterLeasesCheckedAt = systemObjectsCheckedAt
    this.systemObjectsDue = systemObjectsCheckedAt + systemObjectsIntervalMilliseconds
  }

  /**
   * The next repair, while it watches a leaked value: what a stepped cluster clock must not step
   * over (the other checks only find what a client deleted, and run at every step anyway).
   */
  leakRepairDue(): number | null {
    return this.allocationRepair.tracksLeaks() ? this.allocationRepairDue : null
  }

  /**
   * An API server (re)started: its autoregister controller registers the built-in APIServices
   * once, at the next reconcile (a deleted one comes back only then, as in kube-apiserver).
   */
  apiServerStarted(): void {
    this.registrationDue = Number.NEGATIVE_INFINITY
  }

  /** The clock time of the next check that is due. */
  nextDue(): number {
    return Math.min(this.registrationDue, this.systemObjectsDue, this.kubernetesServiceDue, this.allocationRepairDue, this.apiServiceAvailabilityDue)
  }

  /** Writes again what is missing among the checks that are due; never throws for a refusal. */
  async reconcile(): Promise<BootstrapRepair> {
    const now = this.clock.nowMilliseconds()
    const created: string[] = []
    const repaired: string[] = []
    const failures: string[] = []
    const attempt = async (step: string, work: () => Promise<readonly string[]>) => {
      try {
        created.push(...(await work()))
      } catch (error) {
        if (error instanceof BootstrapError) failures.push(`${error.step}: ${error.serverMessage}`)
        else failures.push(`${step}: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
    const ensure = (objects: readonly BootstrapObject[]) => async () => (await ensureObjects(this.api, objects)).map(describeBootstrapObject)
    if (now >= this.systemObjectsDue) {
      this.systemObjectsDue = now + systemObjectsIntervalMilliseconds
      // One object at a time: a namespace that cannot be written does not hold back the others.
      for (const object of [...systemNamespaceObjects(), ...bootstrapPolicyObjects(), ...systemPriorityClassObjects()]) {
        await attempt(describeBootstrapObject(object), ensure([object]))
      }
      await attempt('the node port range', async () => ((await ensureNodePortRange(this.api)) ? ['rangeallocation servicenodeports'] : []))
    }
    // The allocators' repair before the kubernetes Service: a cluster IP it held when it was
    // deleted through etcd comes free on the repair's third check.
    if (now >= this.allocationRepairDue) {
      this.allocationRepairDue = now + allocationRepairMillisecondsInterval
      await attempt('the allocation repair', async () => {
        repaired.push(...(await this.allocationRepair.repair()))
        return []
      })
    }
    // Also right after the namespaces came back: the Service lives in default.
    if (now >= this.kubernetesServiceDue || created.length > 0) {
      this.kubernetesServiceDue = now + kubernetesServiceIntervalMilliseconds
      // In order, as kube's controller: the Service, then its endpoints.
      const addresses = await this.masterAddresses(now)
      await attempt('the kubernetes service', ensure(kubernetesServiceObjects(addresses)))
      if (addresses) await attempt('the kubernetes endpoints', async () => (await reconcileMasterEndpoints(this.api, addresses), []))
    }
    if (now >= this.registrationDue) {
      // Quiet, as kube-apiserver's autoregister controller: what it writes is no repair.
      this.registrationDue = now + systemObjectsIntervalMilliseconds
      await attempt('the APIService registration', async () => {
        await this.api.apiServices.registerOnStart()
        this.registrationDue = Number.POSITIVE_INFINITY
        return []
      })
    }
    if (now >= this.apiServiceAvailabilityDue) {
      this.apiServiceAvailabilityDue = now + apiServiceAvailabilityIntervalMilliseconds
      await attempt('the APIService availability', async () => (await this.api.apiServices.checkAll(), []))
    }
    return {created, repaired, failures}
  }

  /**
   * The addresses whose master lease holds now. A process that starts anew (a one-shot command)
   * takes the stored endpoints' addresses as renewed when the cluster last ran.
   */
  private async masterAddresses(now: number): Promise<string[] | undefined> {
    if (!this.masterLeases) return undefined
    if (!this.masterLeasesAssumed) {
      this.masterLeasesAssumed = true
      if (Number.isFinite(this.masterLeasesCheckedAt)) this.masterLeases.assume(await storedMasterAddresses(this.api), Math.min(now, this.masterLeasesCheckedAt))
    }
    const addresses = this.masterLeases.current(now)
    return addresses.length > 0 ? addresses : undefined
  }
}

/**
 * Runs the controller until `signal` aborts, reporting what it wrote again and what failed (a
 * failure once, until it changes or clears, rather than every period).
 */
export async function runBootstrapController(controller: BootstrapController, clock: Clock, signal: AbortSignal, report: (message: string) => void): Promise<void> {
  let lastFailures = ''
  while (!signal.aborted) {
    const repair = await controller.reconcile()
    if (repair.created.length > 0) report(`kube-apiserver: wrote again what was missing: ${summarize(repair.created)}`)
    for (const line of repair.repaired) report(`kube-apiserver: ${line}`)
    const failures = repair.failures.join('; ')
    if (failures !== '' && failures !== lastFailures) report(`kube-apiserver: could not write the bootstrap objects (${failures}); trying again`)
    lastFailures = failures
    await clock.sleep(Math.max(0, controller.nextDue() - clock.nowMilliseconds()), signal)
  }
}

/** A summary line part names this many objects of a kind at most, then counts them. */
export const summaryNamesPerKindMax = 4

/** `namespace default, kube-system; 21 clusterroles; service default/kubernetes` */
function summarize(created: readonly string[]): string {
  const byKind = new Map<string, string[]>()
  for (const description of created) {
    const space = description.indexOf(' ')
    const kind = space < 0 ? description : description.slice(0, space)
    byKind.set(kind, [...(byKind.get(kind) ?? []), space < 0 ? '' : description.slice(space + 1)])
  }
  return [...byKind].map(([kind, names]) => (names.length > summaryNamesPerKindMax ? `${names.length} ${kind}s` : `${kind} ${names.join(', ')}`)).join('; ')
}
