// The control plane of one process: the scheduler, the controllers and the simulated kubelets,
// each with its own identity and API client, sharing informers, driven by one runner. In
// one-shot mode a command that changed the cluster settles it before it exits.
import {EventCorrelator} from '../client/event-correlator.js'
import {HorizontalPodAutoscalerController} from '../controllers/horizontal-pod-autoscaler.js'
import {ApiClient, type RequestHandler} from '../client/client.js'
import {EarlierEventsReader, EventRecorder} from '../client/events.js'
import {type ControlLoop, InformerFactory} from '../client/informer-factory.js'
import {DeploymentController} from '../controllers/deployment.js'
import {CronJobController} from '../controllers/cronjob.js'
import {DaemonSetController} from '../controllers/daemonset.js'
import {EndpointsController} from '../controllers/endpoints.js'
import {GarbageCollector} from '../controllers/garbage-collector.js'
import {JobController} from '../controllers/job.js'
import {NamespaceController} from '../controllers/namespace.js'
import {NodeLifecycleController, PodGarbageCollector} from '../controllers/node-lifecycle.js'
import {ReplicaSetController, replicationControllerKind} from '../controllers/replicaset.js'
import {ResourceQuotaController} from '../controllers/resource-quota.js'
import {RootCaPublisher} from '../controllers/root-ca-publisher.js'
import {CertificateSigningController} from '../controllers/certificate-signing.js'
import {CertificateCleanerController} from '../controllers/certificate-cleaner.js'
import {CertificateApprovingController} from '../controllers/certificate-approving.js'
import {type KeyAndCertificate, signRequestedCertificate} from '../apiserver/authentication/certificates.js'
import {X509Certificate} from 'node:crypto'
import {DisruptionController} from '../controllers/disruption.js'
import {ServiceAccountController} from '../controllers/serviceaccount.js'
import {PersistentVolumeController} from '../controllers/persistent-volume.js'
import {LocalPathProvisioner, localPathProvisionerComponent} from '../controllers/local-path-provisioner.js'
import {StorageProtectionController} from '../controllers/storage-protection.js'
import {ServiceLoadBalancerController} from '../controllers/service-lb.js'
import {StatefulSetController} from '../controllers/statefulset.js'
import {Kubelets} from '../kubelet/kubelet.js'
import type {KubeletCredentialStore} from '../kubelet/client-credentials.js'
import type {SimulatedContainers} from '../kubelet/containers.js'
import {MirrorPods} from '../kubelet/mirror-pods.js'
import {allStaticPodsRunning, type EtcdServing, type StaticPodHealth} from '../kubelet/static-pods.js'
import {isStopped as isKubeletStopped} from '../kubelet/heartbeat.js'
import type {Profile} from '../scheduler/profile.js'
import {KubeProxies} from '../proxy/proxy-loop.js'
import {MemorySyncedRules, type SyncedRulesStore} from '../proxy/synced-rules.js'
import {Scheduler} from '../scheduler/scheduler.js'
import {MemorySchedulingReports, type SchedulingReportStore} from '../scheduler/reports.js'
import type {Clock} from '../util/clock.js'
import {ControlPlaneRunner, type LoopDefinition, type SettleResult} from './runner.js'
import type {AutoscalerMemory} from '../controllers/autoscaler-memory.js'

/**
 * The identities of the components. Each kubelet is its node's user in system:nodes, authorized by
 * the Node authorizer and NodeRestriction as in a real cluster; the scheduler by its own role.
 * kube-controller-manager acts through per-controller service accounts in a real cluster (with
 * --use-service-account-credentials); kubemu installs no controller roles, so it carries
 * system:masters.
 */
export const componentUsers = {
  scheduler: {name: 'system:kube-scheduler', groups: ['system:authenticated']},
  controllerManager: {name: 'system:kube-controller-manager', groups: ['system:masters', 'system:authenticated']},
  kubelet: (node: string) => ({name: `system:node:${node}`, groups: ['system:nodes', 'system:authenticated']}),
}

/** Kubelet clients kept at once (one per node; more nodes than this is a broken invariant). */
export const kubeletClientsMax = 100_000

export interface ControlPlaneOptions {
  /**
   * Whether each leader-elected component may act now (`kubemu up`: a running master holds its
   * Lease). Loops of an inactive component do nothing; the kubelets (and their static pods) always run.
   */
  readonly active?: {readonly scheduler: () => boolean; readonly controllerManager: () => boolean}
  /** Whether each master's components run (their mirror pods show it): the host knows. */
  readonly staticPodHealth?: StaticPodHealth
  /** How the masters' etcd serves (`up --etcd-tls`: kubeadm's TLS layout in the etcd and API server manifests). */
  readonly etcdServing?: EtcdServing
  /** The cluster CA's certificate (PEM) the root CA publisher puts in every namespace; without it, no publisher runs. */
  readonly rootCertificate?: () => string
  /** The cluster CA's key and certificate the csrsigning controller signs with; without it, no signer runs. */
  readonly certificateAuthority?: () => KeyAndCertificate
  /** Hears a loop's or an informer's failure as one line naming the component (the loop is built again after a back-off). */
  readonly onFailure?: (line: string) => void
  /** Loops run after the built-in ones. */
  readonly extraLoops?: readonly LoopDefinition[]
  /** What runs in the pods' containers (the host's, shared with its API servers' exec and logs). */
  readonly containers?: SimulatedContainers
  /** kube-scheduler's profiles, from the cluster's scheduler configuration (default: default-scheduler alone). */
  readonly schedulerProfiles?: readonly Profile[]
  /** Where the nodes' kube-proxies keep the rules they synced (the host's, read by `kubemu node rules` and the pod network). */
  readonly syncedRules?: SyncedRulesStore
  /** Where the scheduler keeps each pod's last attempt (the host's file, read by describe; default: in memory). */
  readonly schedulingReports?: SchedulingReportStore
  /** The HPA controller's memory of recommendations (in the cluster folder, so one-shot commands share it). */
  readonly autoscalerMemory?: AutoscalerMemory
  /** The kubelets' client credentials (TLS bootstrap and renewal) and the draws for their renewal jitter; without it, no kubelet requests a certificate. */
  readonly kubeletCredentials?: {readonly store: KubeletCredentialStore; readonly random: () => number}
}

/** A loop that acts only while `active` says so (a standby's loops wait, their informers fed). */
function gated(loop: ControlLoop, active: (() => boolean) | undefined): ControlLoop {
  if (!active) return loop
  return {
    name: loop.name,
    process: (collapseDelays) => (active() ? loop.process(collapseDelays) : Promise.resolve(0)),
    hasWork: (collapseDelays) => active() && loop.hasWork(collapseDelays),
    nextDue: () => (active() ? loop.nextDue() : null),
    ...(loop.queueDepth ? {queueDepth: () => loop.queueDepth!()} : {}),
  }
}

export class ControlPlane {
  readonly runner: ControlPlaneRunner

  constructor(server: RequestHandler, clock: Clock, random: () => number, onEvent?: ConstructorParameters<typeof EventRecorder>[3], options: ControlPlaneOptions = {}) {
    const schedulerClient = new ApiClient(server, componentUsers.scheduler, 'kube-scheduler')
    const controllerClient = new ApiClient(server, componentUsers.controllerManager, 'kube-controller-manager')
    // The kubelets' writes count as one component's (the runner waits for them); each acts as its node.
    const kubeletClient = new ApiClient(server, {name: 'system:node', groups: ['system:nodes', 'system:authenticated']}, 'kubelet')
    const kubeletClients = new Map<string, ApiClient>()
    const kubeletClientFor = (node: string) => {
      let client = kubeletClients.get(node)
      if (!client) {
        if (kubeletClients.size >= kubeletClientsMax) throw new Error(`invariant: more than ${kubeletClientsMax} kubelets`)
        kubeletClients.set(node, (client = kubeletClient.forUser(componentUsers.kubelet(node))))
      }
      return client
    }
    const informers = new InformerFactory(controllerClient)
    const controllerEvents = (component: string) => new EventRecorder(controllerClient, {component}, clock, onEvent)
    const kubeletRecorders = new Map<string, EventRecorder>()
    // One read of the kubelets' earlier events per namespace, not one per node.
    const kubeletEarlierEvents = new EarlierEventsReader(controllerClient)
    const kubeletEvents = (node: string) => {
      let recorder = kubeletRecorders.get(node)
      if (!recorder) kubeletRecorders.set(node, (recorder = new EventRecorder(kubeletClientFor(node), {component: 'kubelet', host: node}, clock, onEvent, kubeletEarlierEvents, new EventCorrelator())))
      return recorder
    }
    const active = options.active
    const syncedRules = options.syncedRules ?? new MemorySyncedRules()
    const schedulingReports = options.schedulingReports ?? new MemorySchedulingReports()
    const manager = (build: () => ControlLoop): LoopDefinition => ({component: 'kube-controller-manager', build: () => gated(build(), active?.controllerManager)})
    const definitions: LoopDefinition[] = [
      manager(() => new ServiceAccountController(controllerClient.forLoop('serviceaccount-controller'), informers, clock)),
      manager(() => new NamespaceController(controllerClient.forLoop('namespace-controller'), informers, clock)),
      ...(options.rootCertificate ? [manager(() => new RootCaPublisher(controllerClient.forLoop('root-ca-cert-publisher'), informers, clock, options.rootCertificate!))] : []),
      ...(options.certificateAuthority ? [manager(() => {
        const authority = options.certificateAuthority!
        return new CertificateSigningController(controllerClient.forLoop('csrsigning-controller'), informers, clock, (request, now) => signRequestedCertificate(authority(), request, now),
          () => Date.parse(new X509Certificate(authority().certificate).validTo))
      })] : []),
      manager(() => new CertificateApprovingController(controllerClient.forLoop('certificate-controller'), informers, clock)),
      manager(() => new CertificateCleanerController(controllerClient.forLoop('csrcleaner-controller'), informers, clock)),
      manager(() => new GarbageCollector(controllerClient.forLoop('generic-garbage-collector'), informers, clock)),
      manager(() => new ResourceQuotaController(controllerClient.forLoop('resourcequota-controller'), informers, clock)),
      manager(() => new DeploymentController(controllerClient.forLoop('deployment-controller'), informers, controllerEvents('deployment-controller'), clock)),
      manager(() => new ReplicaSetController(controllerClient.forLoop('replicaset-controller'), informers, controllerEvents('replicaset-controller'), clock)),
      manager(() => new ReplicaSetController(controllerClient.forLoop('replication-controller'), informers, controllerEvents('replication-controller'), clock, replicationControllerKind)),
      manager(() => new StatefulSetController(controllerClient.forLoop('statefulset-controller'), informers, controllerEvents('statefulset-controller'), clock)),
      manager(() => new DaemonSetController(controllerClient.forLoop('daemon-set-controller'), informers, controllerEvents('daemonset-controller'), clock)),
      manager(() => new CronJobController(controllerClient.forLoop('cronjob-controller'), informers, controllerEvents('cronjob-controller'), clock)),
      manager(() => new JobController(controllerClient.forLoop('job-controller'), informers, controllerEvents('job-controller'), clock)),
      manager(() => new EndpointsController(controllerClient.forLoop('endpoint-controller'), informers, clock)),
      manager(() => new ServiceLoadBalancerController(controllerClient.forLoop('service-controller'), informers, clock)),
      manager(() => new HorizontalPodAutoscalerController(controllerClient.forLoop('horizontal-pod-autoscaler'), informers, controllerEvents('horizontal-pod-autoscaler'), clock, options.autoscalerMemory)),
      manager(() => new DisruptionController(controllerClient.forLoop('disruption-controller'), informers, controllerEvents('controllermanager'), clock)),
      manager(() => new PersistentVolumeController(controllerClient.forLoop('persistent-volume-binder'), informers, controllerEvents('persistentvolume-controller'), clock)),
      manager(() => new LocalPathProvisioner(controllerClient.forLoop('local-path-provisioner'), informers, controllerEvents(localPathProvisionerComponent), clock)),
      manager(() => new StorageProtectionController(controllerClient.forLoop('pvc-protection-controller'), informers, clock)),
      {component: 'kube-scheduler', build: () => gated(new Scheduler(schedulerClient, informers, (schedulerName) => new EventRecorder(schedulerClient, {component: schedulerName}, clock, onEvent, controllerClient), clock, random, options.schedulerProfiles, schedulingReports), active?.scheduler)},
      {component: 'kubelet', build: () => new Kubelets(kubeletClientFor, informers, kubeletEvents, clock, options.containers,
        options.kubeletCredentials ? {...options.kubeletCredentials, clientAs: (identity) => kubeletClient.forUser({name: identity.name, groups: [...identity.groups]})} : undefined)},
      {component: 'kube-proxy', build: () => new KubeProxies(informers, clock, syncedRules, (node) => !isKubeletStopped(node))},
      {component: 'kubelet', build: () => new MirrorPods(kubeletClientFor, informers, options.staticPodHealth ?? allStaticPodsRunning, clock, options.etcdServing)},
      // After the kubelets, which renew their Leases first: suspended is not dead.
      manager(() => new NodeLifecycleController(controllerClient.forLoop('node-controller'), informers, controllerEvents('node-controller'), clock, (node) => !isKubeletStopped(node))),
      manager(() => new PodGarbageCollector(controllerClient.forLoop('pod-garbage-collector'), informers, clock)),
      ...(options.extraLoops ?? []),
    ]
    this.runner = new ControlPlaneRunner(informers, [schedulerClient, controllerClient, kubeletClient], definitions, clock, options.onFailure)
  }

  /** The loops running now. */
  get loops(): readonly ControlLoop[] {
    return this.runner.loops
  }

  /** The work-queue depths of the loops that have one (the controllers), by loop name. */
  queueDepths(): Array<{name: string; queued: number; waiting: number}> {
    return this.loops.flatMap((loop) => (loop.queueDepth ? [{name: loop.name, ...loop.queueDepth()}] : []))
  }

  /** The cluster time of the earliest work any loop has scheduled for later (or a restart, a retry), or null. */
  nextDue(): number | null {
    return this.runner.nextDue()
  }

  settle(collapseDelays = true): Promise<SettleResult> {
    return this.runner.settle(collapseDelays)
  }

  stop(): void {
    this.runner.stop()
  }
}
