// apps/v1, batch/v1, policy/v1, coordination, discovery, scheduling and autoscaling kinds.
import {anyValue, arrayOf, boolean, dateTime, int32, int64, intOrString, object, string} from '../schema.js'
import {objectReference, persistentVolumeClaimSpec, podTemplateSpec} from './core.js'
import {condition, kind, labelSelector, objectMeta} from './meta.js'

const appsCondition = (goType: string) => object(goType, {
  type: string, status: string, lastUpdateTime: dateTime, lastTransitionTime: dateTime, reason: string, message: string,
})
const conditions = (goType: string) => arrayOf(appsCondition(goType), {mergeKey: 'type', patchStrategy: 'merge'})

export const deployment = kind('v1.Deployment', {
  spec: object('v1.DeploymentSpec', {
    replicas: int32,
    selector: labelSelector,
    template: podTemplateSpec,
    strategy: object('v1.DeploymentStrategy', {
      type: string,
      rollingUpdate: object('v1.RollingUpdateDeployment', {maxUnavailable: intOrString, maxSurge: intOrString}),
    }),
    minReadySeconds: int32,
    revisionHistoryLimit: int32,
    paused: boolean,
    progressDeadlineSeconds: int32,
  }),
  status: object('v1.DeploymentStatus', {
    observedGeneration: int64, replicas: int32, updatedReplicas: int32, readyReplicas: int32, availableReplicas: int32,
    unavailableReplicas: int32, terminatingReplicas: int32, conditions: conditions('v1.DeploymentCondition'), collisionCount: int32,
  }),
})

export const replicaSet = kind('v1.ReplicaSet', {
  spec: object('v1.ReplicaSetSpec', {replicas: int32, minReadySeconds: int32, selector: labelSelector, template: podTemplateSpec}),
  status: object('v1.ReplicaSetStatus', {
    replicas: int32, fullyLabeledReplicas: int32, readyReplicas: int32, availableReplicas: int32, terminatingReplicas: int32,
    observedGeneration: int64, conditions: conditions('v1.ReplicaSetCondition'),
  }),
})

export const statefulSet = kind('v1.StatefulSet', {
  spec: object('v1.StatefulSetSpec', {
    replicas: int32,
    selector: labelSelector,
    template: podTemplateSpec,
    volumeClaimTemplates: arrayOf(object('v1.PersistentVolumeClaim', {apiVersion: string, kind: string, metadata: objectMeta, spec: persistentVolumeClaimSpec, status: anyValue})),
    serviceName: string,
    podManagementPolicy: string,
    updateStrategy: object('v1.StatefulSetUpdateStrategy', {
      type: string,
      rollingUpdate: object('v1.RollingUpdateStatefulSetStrategy', {partition: int32, maxUnavailable: intOrString}),
    }),
    revisionHistoryLimit: int32,
    minReadySeconds: int32,
    persistentVolumeClaimRetentionPolicy: object('v1.StatefulSetPersistentVolumeClaimRetentionPolicy', {whenDeleted: string, whenScaled: string}),
    ordinals: object('v1.StatefulSetOrdinals', {start: int32}),
  }),
  status: object('v1.StatefulSetStatus', {
    observedGeneration: int64, replicas: int32, readyReplicas: int32, currentReplicas: int32, updatedReplicas: int32, currentRevision: string,
    updateRevision: string, collisionCount: int32, conditions: conditions('v1.StatefulSetCondition'), availableReplicas: int32,
  }),
})

export const daemonSet = kind('v1.DaemonSet', {
  spec: object('v1.DaemonSetSpec', {
    selector: labelSelector,
    template: podTemplateSpec,
    updateStrategy: object('v1.DaemonSetUpdateStrategy', {
      type: string,
      rollingUpdate: object('v1.RollingUpdateDaemonSet', {maxUnavailable: intOrString, maxSurge: intOrString}),
    }),
    minReadySeconds: int32,
    revisionHistoryLimit: int32,
  }),
  status: object('v1.DaemonSetStatus', {
    currentNumberScheduled: int32, numberMisscheduled: int32, desiredNumberScheduled: int32, numberReady: int32, observedGeneration: int64,
    updatedNumberScheduled: int32, numberAvailable: int32, numberUnavailable: int32, collisionCount: int32, conditions: conditions('v1.DaemonSetCondition'),
  }),
})

export const controllerRevision = kind('v1.ControllerRevision', {data: anyValue, revision: int64})

const jobSpec = object('v1.JobSpec', {
  parallelism: int32, completions: int32, activeDeadlineSeconds: int64, podFailurePolicy: anyValue, successPolicy: anyValue, backoffLimit: int32,
  backoffLimitPerIndex: int32, maxFailedIndexes: int32, selector: labelSelector, manualSelector: boolean, template: podTemplateSpec,
  ttlSecondsAfterFinished: int32, completionMode: string, suspend: boolean, podReplacementPolicy: string, managedBy: string,
})
export const job = kind('v1.Job', {
  spec: jobSpec,
  status: object('v1.JobStatus', {
    conditions: arrayOf(object('v1.JobCondition', {
      type: string, status: string, lastProbeTime: dateTime, lastTransitionTime: dateTime, reason: string, message: string,
    })),
    startTime: dateTime, completionTime: dateTime, active: int32, succeeded: int32, failed: int32, terminating: int32,
    completedIndexes: string, failedIndexes: string, uncountedTerminatedPods: anyValue, ready: int32,
  }),
})

export const cronJob = kind('v1.CronJob', {
  spec: object('v1.CronJobSpec', {
    schedule: string, timeZone: string, startingDeadlineSeconds: int64, concurrencyPolicy: string, suspend: boolean,
    jobTemplate: object('v1.JobTemplateSpec', {metadata: objectMeta, spec: jobSpec}),
    successfulJobsHistoryLimit: int32, failedJobsHistoryLimit: int32,
  }),
  status: object('v1.CronJobStatus', {active: arrayOf(objectReference), lastScheduleTime: dateTime, lastSuccessfulTime: dateTime}),
})

export const lease = kind('v1.Lease', {
  spec: object('v1.LeaseSpec', {
    holderIdentity: string, leaseDurationSeconds: int32, acquireTime: dateTime, renewTime: dateTime, leaseTransitions: int32,
    strategy: string, preferredHolder: string,
  }),
})

export const endpointSlice = kind('v1.EndpointSlice', {
  addressType: string,
  endpoints: arrayOf(object('v1.Endpoint', {
    addresses: arrayOf(string),
    conditions: object('v1.EndpointConditions', {ready: boolean, serving: boolean, terminating: boolean}),
    hostname: string, targetRef: objectReference, deprecatedTopology: anyValue, nodeName: string, zone: string, hints: anyValue,
  })),
  ports: arrayOf(object('v1.EndpointPort', {name: string, protocol: string, port: int32, appProtocol: string})),
})

export const podDisruptionBudget = kind('v1.PodDisruptionBudget', {
  spec: object('v1.PodDisruptionBudgetSpec', {
    minAvailable: intOrString, selector: labelSelector, maxUnavailable: intOrString, unhealthyPodEvictionPolicy: string,
  }),
  status: object('v1.PodDisruptionBudgetStatus', {
    observedGeneration: int64, disruptedPods: anyValue, disruptionsAllowed: int32, currentHealthy: int32, desiredHealthy: int32,
    expectedPods: int32, conditions: arrayOf(condition, {mergeKey: 'type', patchStrategy: 'merge'}),
  }),
})

export const priorityClass = kind('v1.PriorityClass', {value: int32, globalDefault: boolean, description: string, preemptionPolicy: string})

export const scale = kind('v1.Scale', {
  spec: object('v1.ScaleSpec', {replicas: int32}),
  status: object('v1.ScaleStatus', {replicas: int32, selector: string}),
})

export const eviction = kind('v1.Eviction', {deleteOptions: anyValue})
