// core/v1 kinds: the fields of each Go struct that kubemu models, with their strategic-merge
// tags. Rarely used subtrees are kept as-is (`anyValue`) rather than rejected.
import {anyValue, arrayOf, boolean, bytesField, dateTime, int32, int64, intOrString, mapOf, object, quantity, string, stringMap} from '../schema.js'
import {condition, kind, labelSelector, objectMeta} from './meta.js'

export const resourceList = mapOf(quantity)

export const objectReference = object('v1.ObjectReference', {
  kind: string, namespace: string, name: string, uid: string, apiVersion: string, resourceVersion: string, fieldPath: string,
})
const localObjectReference = object('v1.LocalObjectReference', {name: string})
const keySelector = (goType: string) => object(goType, {name: string, key: string, optional: boolean})
const objectFieldSelector = object('v1.ObjectFieldSelector', {apiVersion: string, fieldPath: string})
const resourceFieldSelector = object('v1.ResourceFieldSelector', {containerName: string, resource: string, divisor: quantity})

const envVar = object('v1.EnvVar', {
  name: string,
  value: string,
  valueFrom: object('v1.EnvVarSource', {
    fieldRef: objectFieldSelector,
    resourceFieldRef: resourceFieldSelector,
    configMapKeyRef: keySelector('v1.ConfigMapKeySelector'),
    secretKeyRef: keySelector('v1.SecretKeySelector'),
  }),
})
const envFromSource = object('v1.EnvFromSource', {
  prefix: string,
  configMapRef: object('v1.ConfigMapEnvSource', {name: string, optional: boolean}),
  secretRef: object('v1.SecretEnvSource', {name: string, optional: boolean}),
})
const containerPort = object('v1.ContainerPort', {name: string, hostPort: int32, containerPort: int32, protocol: string, hostIP: string})
export const resourceRequirements = object('v1.ResourceRequirements', {
  limits: resourceList,
  requests: resourceList,
  claims: arrayOf(object('v1.ResourceClaim', {name: string, request: string})),
})
const volumeMount = object('v1.VolumeMount', {
  name: string, readOnly: boolean, recursiveReadOnly: string, mountPath: string, subPath: string, mountPropagation: string, subPathExpr: string,
})
const httpGetAction = object('v1.HTTPGetAction', {
  path: string, port: intOrString, host: string, scheme: string,
  httpHeaders: arrayOf(object('v1.HTTPHeader', {name: string, value: string})),
})
const execAction = object('v1.ExecAction', {command: arrayOf(string)})
const tcpSocketAction = object('v1.TCPSocketAction', {port: intOrString, host: string})
const probe = object('v1.Probe', {
  exec: execAction, httpGet: httpGetAction, tcpSocket: tcpSocketAction,
  grpc: object('v1.GRPCAction', {port: int32, service: string}),
  initialDelaySeconds: int32, timeoutSeconds: int32, periodSeconds: int32, successThreshold: int32, failureThreshold: int32,
  terminationGracePeriodSeconds: int64,
})
const lifecycleHandler = object('v1.LifecycleHandler', {
  exec: execAction, httpGet: httpGetAction, tcpSocket: tcpSocketAction, sleep: object('v1.SleepAction', {seconds: int64}),
})
const seLinuxOptions = object('v1.SELinuxOptions', {user: string, role: string, type: string, level: string})
const seccompProfile = object('v1.SeccompProfile', {type: string, localhostProfile: string})
const appArmorProfile = object('v1.AppArmorProfile', {type: string, localhostProfile: string})
const windowsOptions = object('v1.WindowsSecurityContextOptions', {
  gmsaCredentialSpecName: string, gmsaCredentialSpec: string, runAsUserName: string, hostProcess: boolean,
})
const securityContext = object('v1.SecurityContext', {
  capabilities: object('v1.Capabilities', {add: arrayOf(string), drop: arrayOf(string)}),
  privileged: boolean, seLinuxOptions, windowsOptions, runAsUser: int64, runAsGroup: int64, runAsNonRoot: boolean,
  readOnlyRootFilesystem: boolean, allowPrivilegeEscalation: boolean, procMount: string, seccompProfile, appArmorProfile,
})

export const container = object('v1.Container', {
  name: string,
  image: string,
  command: arrayOf(string),
  args: arrayOf(string),
  workingDir: string,
  ports: arrayOf(containerPort, {mergeKey: 'containerPort', patchStrategy: 'merge'}),
  envFrom: arrayOf(envFromSource),
  env: arrayOf(envVar, {mergeKey: 'name', patchStrategy: 'merge'}),
  resources: resourceRequirements,
  resizePolicy: arrayOf(object('v1.ContainerResizePolicy', {resourceName: string, restartPolicy: string})),
  restartPolicy: string,
  volumeMounts: arrayOf(volumeMount, {mergeKey: 'mountPath', patchStrategy: 'merge'}),
  volumeDevices: arrayOf(object('v1.VolumeDevice', {name: string, devicePath: string}), {mergeKey: 'devicePath', patchStrategy: 'merge'}),
  livenessProbe: probe,
  readinessProbe: probe,
  startupProbe: probe,
  lifecycle: object('v1.Lifecycle', {postStart: lifecycleHandler, preStop: lifecycleHandler, stopSignal: string}),
  terminationMessagePath: string,
  terminationMessagePolicy: string,
  imagePullPolicy: string,
  securityContext,
  stdin: boolean,
  stdinOnce: boolean,
  tty: boolean,
})
const ephemeralContainer = object('v1.EphemeralContainer', {...container.properties, targetContainerName: string})

const keyToPath = object('v1.KeyToPath', {key: string, path: string, mode: int32})
const downwardApiFile = object('v1.DownwardAPIVolumeFile', {path: string, fieldRef: objectFieldSelector, resourceFieldRef: resourceFieldSelector, mode: int32})
const volume = object('v1.Volume', {
  name: string,
  emptyDir: object('v1.EmptyDirVolumeSource', {medium: string, sizeLimit: quantity}),
  hostPath: object('v1.HostPathVolumeSource', {path: string, type: string}),
  configMap: object('v1.ConfigMapVolumeSource', {name: string, items: arrayOf(keyToPath), defaultMode: int32, optional: boolean}),
  secret: object('v1.SecretVolumeSource', {secretName: string, items: arrayOf(keyToPath), defaultMode: int32, optional: boolean}),
  persistentVolumeClaim: object('v1.PersistentVolumeClaimVolumeSource', {claimName: string, readOnly: boolean}),
  downwardAPI: object('v1.DownwardAPIVolumeSource', {items: arrayOf(downwardApiFile), defaultMode: int32}),
  projected: object('v1.ProjectedVolumeSource', {
    sources: arrayOf(object('v1.VolumeProjection', {
      secret: object('v1.SecretProjection', {name: string, items: arrayOf(keyToPath), optional: boolean}),
      configMap: object('v1.ConfigMapProjection', {name: string, items: arrayOf(keyToPath), optional: boolean}),
      downwardAPI: object('v1.DownwardAPIProjection', {items: arrayOf(downwardApiFile)}),
      serviceAccountToken: object('v1.ServiceAccountTokenProjection', {audience: string, expirationSeconds: int64, path: string}),
      clusterTrustBundle: anyValue,
    })),
    defaultMode: int32,
  }),
  nfs: object('v1.NFSVolumeSource', {server: string, path: string, readOnly: boolean}),
  csi: object('v1.CSIVolumeSource', {driver: string, readOnly: boolean, fsType: string, volumeAttributes: stringMap, nodePublishSecretRef: localObjectReference}),
  ephemeral: anyValue, image: anyValue, gitRepo: anyValue, iscsi: anyValue, glusterfs: anyValue, rbd: anyValue, flexVolume: anyValue,
  cinder: anyValue, cephfs: anyValue, flocker: anyValue, fc: anyValue, azureFile: anyValue, azureDisk: anyValue, vsphereVolume: anyValue,
  quobyte: anyValue, photonPersistentDisk: anyValue, portworxVolume: anyValue, scaleIO: anyValue, storageos: anyValue,
  awsElasticBlockStore: anyValue, gcePersistentDisk: anyValue,
})

const nodeSelectorRequirement = object('v1.NodeSelectorRequirement', {key: string, operator: string, values: arrayOf(string)})
export const nodeSelectorTerm = object('v1.NodeSelectorTerm', {matchExpressions: arrayOf(nodeSelectorRequirement), matchFields: arrayOf(nodeSelectorRequirement)})
const podAffinityTerm = object('v1.PodAffinityTerm', {
  labelSelector, namespaces: arrayOf(string), topologyKey: string, namespaceSelector: labelSelector,
  matchLabelKeys: arrayOf(string), mismatchLabelKeys: arrayOf(string),
})
const weightedPodAffinityTerm = object('v1.WeightedPodAffinityTerm', {weight: int32, podAffinityTerm})
const podAffinity = (goType: string) => object(goType, {
  requiredDuringSchedulingIgnoredDuringExecution: arrayOf(podAffinityTerm),
  preferredDuringSchedulingIgnoredDuringExecution: arrayOf(weightedPodAffinityTerm),
})
export const affinity = object('v1.Affinity', {
  nodeAffinity: object('v1.NodeAffinity', {
    requiredDuringSchedulingIgnoredDuringExecution: object('v1.NodeSelector', {nodeSelectorTerms: arrayOf(nodeSelectorTerm)}),
    preferredDuringSchedulingIgnoredDuringExecution: arrayOf(object('v1.PreferredSchedulingTerm', {weight: int32, preference: nodeSelectorTerm})),
  }),
  podAffinity: podAffinity('v1.PodAffinity'),
  podAntiAffinity: podAffinity('v1.PodAntiAffinity'),
})
export const toleration = object('v1.Toleration', {key: string, operator: string, value: string, effect: string, tolerationSeconds: int64})
const topologySpreadConstraint = object('v1.TopologySpreadConstraint', {
  maxSkew: int32, topologyKey: string, whenUnsatisfiable: string, labelSelector, minDomains: int32,
  nodeAffinityPolicy: string, nodeTaintsPolicy: string, matchLabelKeys: arrayOf(string),
})

export const podSpec = object('v1.PodSpec', {
  volumes: arrayOf(volume, {mergeKey: 'name', patchStrategy: 'merge'}),
  initContainers: arrayOf(container, {mergeKey: 'name', patchStrategy: 'merge'}),
  containers: arrayOf(container, {mergeKey: 'name', patchStrategy: 'merge'}),
  ephemeralContainers: arrayOf(ephemeralContainer, {mergeKey: 'name', patchStrategy: 'merge'}),
  restartPolicy: string,
  terminationGracePeriodSeconds: int64,
  activeDeadlineSeconds: int64,
  dnsPolicy: string,
  nodeSelector: stringMap,
  serviceAccountName: string,
  serviceAccount: string,
  automountServiceAccountToken: boolean,
  nodeName: string,
  hostNetwork: boolean,
  hostPID: boolean,
  hostIPC: boolean,
  shareProcessNamespace: boolean,
  securityContext: object('v1.PodSecurityContext', {
    seLinuxOptions, windowsOptions, runAsUser: int64, runAsGroup: int64, runAsNonRoot: boolean, supplementalGroups: arrayOf(int64),
    supplementalGroupsPolicy: string, fsGroup: int64, sysctls: arrayOf(object('v1.Sysctl', {name: string, value: string})),
    fsGroupChangePolicy: string, seccompProfile, appArmorProfile, seLinuxChangePolicy: string,
  }),
  imagePullSecrets: arrayOf(localObjectReference, {mergeKey: 'name', patchStrategy: 'merge'}),
  hostname: string,
  subdomain: string,
  affinity,
  schedulerName: string,
  tolerations: arrayOf(toleration),
  hostAliases: arrayOf(object('v1.HostAlias', {ip: string, hostnames: arrayOf(string)}), {mergeKey: 'ip', patchStrategy: 'merge'}),
  priorityClassName: string,
  priority: int32,
  dnsConfig: object('v1.PodDNSConfig', {
    nameservers: arrayOf(string), searches: arrayOf(string), options: arrayOf(object('v1.PodDNSConfigOption', {name: string, value: string})),
  }),
  readinessGates: arrayOf(object('v1.PodReadinessGate', {conditionType: string})),
  runtimeClassName: string,
  enableServiceLinks: boolean,
  preemptionPolicy: string,
  overhead: resourceList,
  topologySpreadConstraints: arrayOf(topologySpreadConstraint, {mergeKey: 'topologyKey', patchStrategy: 'merge'}),
  setHostnameAsFQDN: boolean,
  os: object('v1.PodOS', {name: string}),
  hostUsers: boolean,
  schedulingGates: arrayOf(object('v1.PodSchedulingGate', {name: string}), {mergeKey: 'name', patchStrategy: 'merge'}),
  resourceClaims: arrayOf(anyValue),
  resources: resourceRequirements,
})

const containerState = object('v1.ContainerState', {
  waiting: object('v1.ContainerStateWaiting', {reason: string, message: string}),
  running: object('v1.ContainerStateRunning', {startedAt: dateTime}),
  terminated: object('v1.ContainerStateTerminated', {
    exitCode: int32, signal: int32, reason: string, message: string, startedAt: dateTime, finishedAt: dateTime, containerID: string,
  }),
})
const containerStatus = object('v1.ContainerStatus', {
  name: string, state: containerState, lastState: containerState, ready: boolean, restartCount: int32, image: string, imageID: string,
  containerID: string, started: boolean, allocatedResources: resourceList, resources: resourceRequirements, volumeMounts: arrayOf(anyValue),
  user: anyValue, allocatedResourcesStatus: arrayOf(anyValue), stopSignal: string,
})
const podCondition = object('v1.PodCondition', {
  type: string, observedGeneration: int64, status: string, lastProbeTime: dateTime, lastTransitionTime: dateTime, reason: string, message: string,
})
const podIp = object('v1.PodIP', {ip: string})

export const podTemplateSpec = object('v1.PodTemplateSpec', {metadata: objectMeta, spec: podSpec})

export const pod = kind('v1.Pod', {
  spec: podSpec,
  status: object('v1.PodStatus', {
    observedGeneration: int64,
    phase: string,
    conditions: arrayOf(podCondition, {mergeKey: 'type', patchStrategy: 'merge'}),
    message: string,
    reason: string,
    nominatedNodeName: string,
    hostIP: string,
    hostIPs: arrayOf(object('v1.HostIP', {ip: string}), {mergeKey: 'ip', patchStrategy: 'merge'}),
    podIP: string,
    podIPs: arrayOf(podIp, {mergeKey: 'ip', patchStrategy: 'merge'}),
    startTime: dateTime,
    initContainerStatuses: arrayOf(containerStatus),
    containerStatuses: arrayOf(containerStatus),
    qosClass: string,
    ephemeralContainerStatuses: arrayOf(containerStatus),
    resize: string,
    resourceClaimStatuses: arrayOf(anyValue),
  }),
})

export const binding = kind('v1.Binding', {target: objectReference})

export const componentStatus = kind('v1.ComponentStatus', {
  conditions: arrayOf(object('v1.ComponentCondition', {type: string, status: string, message: string, error: string}), {mergeKey: 'type', patchStrategy: 'merge'}),
})

export const taint = object('v1.Taint', {key: string, value: string, effect: string, timeAdded: dateTime})
const nodeCondition = object('v1.NodeCondition', {
  type: string, status: string, lastHeartbeatTime: dateTime, lastTransitionTime: dateTime, reason: string, message: string,
})
export const node = kind('v1.Node', {
  spec: object('v1.NodeSpec', {
    podCIDR: string, podCIDRs: arrayOf(string, {patchStrategy: 'merge'}), providerID: string, unschedulable: boolean, taints: arrayOf(taint),
    configSource: anyValue, externalID: string,
  }),
  status: object('v1.NodeStatus', {
    capacity: resourceList,
    allocatable: resourceList,
    phase: string,
    conditions: arrayOf(nodeCondition, {mergeKey: 'type', patchStrategy: 'merge'}),
    addresses: arrayOf(object('v1.NodeAddress', {type: string, address: string}), {mergeKey: 'type', patchStrategy: 'merge'}),
    daemonEndpoints: object('v1.NodeDaemonEndpoints', {kubeletEndpoint: object('v1.DaemonEndpoint', {Port: int32})}),
    nodeInfo: object('v1.NodeSystemInfo', {
      machineID: string, systemUUID: string, bootID: string, kernelVersion: string, osImage: string, containerRuntimeVersion: string,
      kubeletVersion: string, kubeProxyVersion: string, operatingSystem: string, architecture: string, swap: anyValue,
    }),
    images: arrayOf(object('v1.ContainerImage', {names: arrayOf(string), sizeBytes: int64})),
    volumesInUse: arrayOf(string),
    volumesAttached: arrayOf(anyValue),
    config: anyValue,
    runtimeHandlers: arrayOf(anyValue),
    features: anyValue,
  }),
})

export const namespace = kind('v1.Namespace', {
  spec: object('v1.NamespaceSpec', {finalizers: arrayOf(string)}),
  status: object('v1.NamespaceStatus', {
    phase: string,
    conditions: arrayOf(object('v1.NamespaceCondition', {
      type: string, status: string, lastTransitionTime: dateTime, reason: string, message: string,
    }), {mergeKey: 'type', patchStrategy: 'merge'}),
  }),
})

export const servicePort = object('v1.ServicePort', {name: string, protocol: string, appProtocol: string, port: int32, targetPort: intOrString, nodePort: int32})
export const service = kind('v1.Service', {
  spec: object('v1.ServiceSpec', {
    ports: arrayOf(servicePort, {mergeKey: 'port', patchStrategy: 'merge'}),
    selector: stringMap,
    clusterIP: string,
    clusterIPs: arrayOf(string),
    type: string,
    externalIPs: arrayOf(string),
    sessionAffinity: string,
    loadBalancerIP: string,
    loadBalancerSourceRanges: arrayOf(string),
    externalName: string,
    externalTrafficPolicy: string,
    healthCheckNodePort: int32,
    publishNotReadyAddresses: boolean,
    sessionAffinityConfig: object('v1.SessionAffinityConfig', {clientIP: object('v1.ClientIPConfig', {timeoutSeconds: int32})}),
    ipFamilies: arrayOf(string),
    ipFamilyPolicy: string,
    allocateLoadBalancerNodePorts: boolean,
    loadBalancerClass: string,
    internalTrafficPolicy: string,
    trafficDistribution: string,
  }),
  status: object('v1.ServiceStatus', {
    loadBalancer: object('v1.LoadBalancerStatus', {ingress: arrayOf(anyValue)}),
    conditions: arrayOf(condition, {mergeKey: 'type', patchStrategy: 'merge'}),
  }),
})

const endpointAddress = object('v1.EndpointAddress', {ip: string, hostname: string, nodeName: string, targetRef: objectReference})
export const endpoints = kind('v1.Endpoints', {
  subsets: arrayOf(object('v1.EndpointSubset', {
    addresses: arrayOf(endpointAddress),
    notReadyAddresses: arrayOf(endpointAddress),
    ports: arrayOf(object('v1.EndpointPort', {name: string, port: int32, protocol: string, appProtocol: string})),
  })),
})

export const configMap = kind('v1.ConfigMap', {immutable: boolean, data: stringMap, binaryData: mapOf(bytesField)})
export const secret = kind('v1.Secret', {immutable: boolean, data: mapOf(bytesField), stringData: stringMap, type: string})
export const serviceAccount = kind('v1.ServiceAccount', {
  secrets: arrayOf(objectReference, {mergeKey: 'name', patchStrategy: 'merge'}),
  imagePullSecrets: arrayOf(localObjectReference),
  automountServiceAccountToken: boolean,
})

export const event = kind('v1.Event', {
  involvedObject: objectReference,
  reason: string,
  message: string,
  source: object('v1.EventSource', {component: string, host: string}),
  firstTimestamp: dateTime,
  lastTimestamp: dateTime,
  count: int32,
  type: string,
  eventTime: dateTime,
  series: object('v1.EventSeries', {count: int32, lastObservedTime: dateTime}),
  action: string,
  related: objectReference,
  reportingComponent: string,
  reportingInstance: string,
})

const scopedResourceSelectorRequirement = object('v1.ScopedResourceSelectorRequirement', {scopeName: string, operator: string, values: arrayOf(string)})
export const resourceQuota = kind('v1.ResourceQuota', {
  spec: object('v1.ResourceQuotaSpec', {
    hard: resourceList,
    scopes: arrayOf(string),
    scopeSelector: object('v1.ScopeSelector', {matchExpressions: arrayOf(scopedResourceSelectorRequirement)}),
  }),
  status: object('v1.ResourceQuotaStatus', {hard: resourceList, used: resourceList}),
})

export const limitRange = kind('v1.LimitRange', {
  spec: object('v1.LimitRangeSpec', {
    limits: arrayOf(object('v1.LimitRangeItem', {
      type: string, max: resourceList, min: resourceList, default: resourceList, defaultRequest: resourceList, maxLimitRequestRatio: resourceList,
    })),
  }),
})

export const persistentVolumeClaimSpec = object('v1.PersistentVolumeClaimSpec', {
  accessModes: arrayOf(string), selector: labelSelector, resources: object('v1.VolumeResourceRequirements', {limits: resourceList, requests: resourceList}),
  volumeName: string, storageClassName: string, volumeMode: string, dataSource: anyValue, dataSourceRef: anyValue, volumeAttributesClassName: string,
})
export const persistentVolumeClaim = kind('v1.PersistentVolumeClaim', {spec: persistentVolumeClaimSpec, status: anyValue})

export const podTemplate = kind('v1.PodTemplate', {template: podTemplateSpec})

export const replicationController = kind('v1.ReplicationController', {
  spec: object('v1.ReplicationControllerSpec', {replicas: int32, minReadySeconds: int32, selector: stringMap, template: podTemplateSpec}),
  status: object('v1.ReplicationControllerStatus', {
    replicas: int32, fullyLabeledReplicas: int32, readyReplicas: int32, availableReplicas: int32, observedGeneration: int64,
    conditions: arrayOf(object('v1.ReplicationControllerCondition', {type: string, status: string, lastTransitionTime: dateTime, reason: string, message: string}), {mergeKey: 'type', patchStrategy: 'merge'}),
  }),
})
